using System.Linq;
using PiXGen;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PiXGen.Variants.Tests;

#pragma warning disable PIX0017 // the test states the estimate itself
/// <summary>A DenseNet-style layer written by hand: it concatenates its input with a new feature map and says so with [Output].</summary>
[Block, Output("in + growth")]
public partial class HandDenseLayer
{
    [Arg] readonly int growth;
    [BatchNorm2d] readonly BatchNorm2d norm;
    [ReLU] readonly ReLU relu;
    [Conv2d("growth", Kernel = 3, Padding = 1, Bias = false)] readonly Conv2d conv;

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = conv.call(relu.call(norm.call(x)));
        return cat(new[] { x, y }, 1).MoveToOuterDisposeScope();
    }
}

[Network(Input = "3x16x16")]
public partial class HandDenseNet
{
    [Conv2d(12, Kernel = 3, Padding = 1, Bias = false)] readonly Conv2d stem;
    [Use(typeof(HandDenseLayer), "growth: 12", Count = 2)] readonly Sequential block;
    [BatchNorm2d] readonly BatchNorm2d norm;                    // 36 channels: 12 + 2 × 12
    [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d pool;
    [Flatten] readonly Flatten flatten;
    [Linear(5)] readonly Linear fc;
}
#pragma warning restore PIX0017

/// <summary>The escape hatch tells the truth: a hand-written forward that concatenates is built and counted as declared.</summary>
public class EscapeHatchTests
{
    [Fact]
    public void A_concatenating_hand_written_forward_has_true_compile_time_shapes_and_parameters()
    {
        Assert.Equal(new long[] { 5 }, HandDenseNet.OutputShape);
        using var net = new HandDenseNet();
        net.eval();
        using var x = randn(2, 3, 16, 16);
        using var y = net.call(x);
        Assert.Equal(new long[] { 2, 5 }, y.shape); // used to fail: running_mean should contain 36 elements not 12
        Assert.Equal(HandDenseNet.ParameterCount, net.parameters().Sum(p => p.numel()));
        using var layer = new HandDenseLayer(20, growth: 6);
        Assert.Equal(26, layer.OutChannels);
        Assert.False(net is PiXGen.Graph.IHasGraph); // a hand-written forward has no compiler graph
    }
}
