using PiXGen;
using TorchSharp;
using TorchSharp.Modules;

// A network of one's own, declared with attributes: PiXGen generates the module (constructor, forward,
// Dispose) and checks every shape when this file compiles. The build prints its cost as warning PIX0200.
using var net = new Consumer.DigitNet();
net.eval();

using var scope = torch.NewDisposeScope();
var input = torch.randn(2, 1, 28, 28);
var output = net.call(input);

Console.WriteLine($"DigitNet: {Consumer.DigitNet.ParameterCount:N0} parameters, compile-time output shape [{string.Join(", ", Consumer.DigitNet.OutputShape)}]");
Console.WriteLine($"forward pass: input [{string.Join(", ", input.shape)}] -> output [{string.Join(", ", output.shape)}]");
if (!output.shape.SequenceEqual(new long[] { 2 }.Concat(Consumer.DigitNet.OutputShape)))
{
    Console.Error.WriteLine("the output shape differs from the one the compiler inferred");
    return 1;
}
// The fused path runs PiX layers as PiXGen's own ONNX Runtime operator where the package carries it (Linux x64).
string? pixOperator = PiXGen.Engines.OnnxRuntimeEngine.NativePiXLibrary;
Console.WriteLine($"PiX operator for ONNX Runtime: {pixOperator ?? "none (PiX runs as ONNX's standard operators)"}");
if (pixOperator is null && Environment.GetEnvironmentVariable("PIXGEN_EXPECT_NATIVE_PIX") == "1")
{
    Console.Error.WriteLine("the package's runtimes/linux-x64/native/libpixgen_ort.so was not found beside the application");
    return 1;
}
return 0;

namespace Consumer
{
    /// <summary>A small classifier for 28×28 grey images.</summary>
    [Network(Input = "1x28x28")]
    public partial class DigitNet
    {
        [Conv2d(16, Kernel = 3, Padding = 1)] readonly Conv2d conv1;
        [BatchNorm2d] readonly BatchNorm2d bn1;
        [ReLU] readonly ReLU relu1;
        [MaxPool2d(2)] readonly MaxPool2d pool1;
        [Conv2d(32, Kernel = 3, Padding = 1)] readonly Conv2d conv2;
        [ReLU] readonly ReLU relu2;
        [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d pool;
        [Flatten] readonly Flatten flatten;
        [Linear(10)] readonly Linear fc;
    }
}
