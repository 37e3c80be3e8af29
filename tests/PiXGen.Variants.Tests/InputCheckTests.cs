using PiXGen;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PiXGen.Variants.Tests;

/// <summary>A network whose classifier flattens a map that follows the input size: it only runs at its declared size.</summary>
[Network(Input = "3x8x8")]
public partial class FixedSizeNet
{
    [Conv2d(4, Kernel = 3, Padding = 1)] readonly Conv2d conv;
    [Flatten] readonly Flatten flatten;
    [Linear(2)] readonly Linear fc;
}

/// <summary>Generated networks check their input first and name the network and both shapes.</summary>
public class InputCheckTests
{
    [Fact]
    public void Wrong_channels_name_the_network_and_both_shapes()
    {
        using var net = new HandDenseNet();
        using var x = randn(2, 1, 16, 16);
        var ex = Assert.Throws<System.ArgumentException>(() => net.call(x));
        Assert.StartsWith("HandDenseNet expects an input of shape (N, 3, H, W); got (2, 1, 16, 16).", ex.Message);
        using var other = randn(1, 3, 20, 24);   // any size works behind an adaptive pool
        using var y = net.call(other);
        Assert.Equal(new long[] { 1, 5 }, y.shape);
    }

    [Fact]
    public void A_network_that_needs_its_declared_size_says_so()
    {
        using var net = new FixedSizeNet();
        using var x = randn(1, 3, 9, 8);
        var ex = Assert.Throws<System.ArgumentException>(() => net.call(x));
        Assert.StartsWith("FixedSizeNet expects an input of shape (N, 3, 8, 8); its classifier needs exactly 8x8; got (1, 3, 9, 8).", ex.Message);
        using var ok = randn(2, 3, 8, 8);
        using var y = net.call(ok);
        Assert.Equal(new long[] { 2, 2 }, y.shape);
        using var vector = randn(3, 8, 8);
        Assert.Throws<System.ArgumentException>(() => net.call(vector));
    }
}
