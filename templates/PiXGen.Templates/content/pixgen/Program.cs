using PiXGen;
using PiXGen.Costs;
using TorchSharp;
using TorchSharp.Modules;

// Two networks declared with attributes below: PiXGen generates their modules (constructor, forward, Dispose),
// checks every shape while you type, and `dotnet build` prints the cost of each (warning PIX0200).
var networks = new (string Name, long Parameters, IReadOnlyList<long> Input, IReadOnlyList<long> Output, Func<torch.nn.Module<torch.Tensor, torch.Tensor>> Create)[]
{
    (nameof(MyNet.MyNet), MyNet.MyNet.ParameterCount, MyNet.MyNet.InputShape, MyNet.MyNet.OutputShape, () => new MyNet.MyNet()),
    (nameof(MyNet.MyNetPiX), MyNet.MyNetPiX.ParameterCount, MyNet.MyNetPiX.InputShape, MyNet.MyNetPiX.OutputShape, () => new MyNet.MyNetPiX()),
};

using var scope = torch.NewDisposeScope();
foreach (var n in networks)
{
    using var net = n.Create();
    net.eval();
    var input = torch.randn(new long[] { 2 }.Concat(n.Input).ToArray());
    var output = net.call(input);
    Console.WriteLine($"{n.Name}: {n.Parameters:N0} parameters (compile time), forward pass {Shape(input.shape)} -> {Shape(output.shape)}");
    if (!output.shape.Skip(1).SequenceEqual(n.Output))
    {
        Console.Error.WriteLine($"{n.Name}: the output shape differs from the compile-time {Shape(n.Output)}");
        return 1;
    }
    Console.Write(net.Summary(new long[] { 1 }.Concat(n.Input).ToArray()));   // per layer: output shape, parameters, MACs (measured)
    Console.WriteLine();
}
return 0;

static string Shape(IEnumerable<long> shape) => string.Join("x", shape);

namespace MyNet
{
    /// <summary>A bottleneck residual block: squeeze to <c>width</c> channels, 3×3, expand back.</summary>
    [Block, Residual]
    public partial class Bottleneck
    {
        [Arg] readonly int width;

        [Conv2d("width", Kernel = 1, Bias = false)] readonly Conv2d conv1;        // the squeeze PiX replaces
        [BatchNorm2d] readonly BatchNorm2d bn1;
        [ReLU] readonly ReLU relu1;
        [Conv2d("width", Kernel = 3, Padding = 1, Bias = false)] readonly Conv2d conv2;
        [BatchNorm2d] readonly BatchNorm2d bn2;
        [ReLU] readonly ReLU relu2;
        [Conv2d("in", Kernel = 1, Bias = false)] readonly Conv2d conv3;
        [BatchNorm2d] readonly BatchNorm2d bn3;
        [ReLU(AfterAdd = true)] readonly ReLU relu;
    }

    /// <summary>A small ResNet-style classifier for 32×32 colour images (CIFAR-10 sized).</summary>
    [Network(Input = "3x32x32")]
    public partial class MyNet
    {
        [Conv2d(64, Kernel = 3, Padding = 1, Bias = false)] readonly Conv2d conv1;
        [BatchNorm2d] readonly BatchNorm2d bn1;
        [ReLU] readonly ReLU relu;
        [Use(typeof(Bottleneck), "width: 16", Count = 2)] readonly Sequential layer1;
        [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d avgpool;
        [Flatten] readonly Flatten flatten;
        [Linear(10)] readonly Linear fc;
    }

    /// <summary>
    /// The PiX twin: the same declaration with [SubstitutePiX], so every channel-squeezing 1×1 convolution
    /// (here each block's conv1, 64 → 16) becomes a Pick-or-Mix layer; compare the two cost lines in the build.
    /// </summary>
    [Network(Input = "3x32x32"), SubstitutePiX]
    public partial class MyNetPiX
    {
        [Conv2d(64, Kernel = 3, Padding = 1, Bias = false)] readonly Conv2d conv1;
        [BatchNorm2d] readonly BatchNorm2d bn1;
        [ReLU] readonly ReLU relu;
        [Use(typeof(Bottleneck), "width: 16", Count = 2)] readonly Sequential layer1;
        [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d avgpool;
        [Flatten] readonly Flatten flatten;
        [Linear(10)] readonly Linear fc;
    }
}
