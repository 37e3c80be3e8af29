using System.Linq;
using PiXGen.Generated;
using PiXGen.Tests.Shared;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Variants.Tests;

/// <summary>
/// The variants generated through the real MSBuild path (this project sets PiXGenVariant=prune, PiXGenTarget=0.5):
/// what was built, that each runs forward and backward, and that its run-time MAC count equals the compile-time one.
/// </summary>
public class VariantBuildTests
{
    [Fact]
    public void The_build_properties_reach_the_generator()
    {
        Assert.StartsWith("prune(target 0.5:", FollowsBuild.Variant);
        Assert.True(FollowsBuild.Macs <= PinnedDense.Macs / 2, $"{FollowsBuild.Macs} > half of {PinnedDense.Macs}");
        Assert.True(FollowsBuild.Macs > 0);
    }

    [Fact]
    public void Pins_win_over_the_build_properties()
    {
        Assert.Equal("dense", PinnedDense.Variant);
        Assert.Equal("pix", PinnedPiX.Variant);
        Assert.Equal("downscale(ζ=4)", PinnedDownscale.Variant);
        Assert.StartsWith("prune(target 20M:", PinnedPrune.Variant);
        Assert.True(PinnedPrune.Macs <= 20_000_000, $"{PinnedPrune.Macs} MACs");
        Assert.True(PinnedPiX.Macs < PinnedDense.Macs && PinnedDownscale.Macs < PinnedDense.Macs);
        Assert.Equal(PinnedDense.Variant, PiXGenNetworks.All.Single(n => n.Name == "PinnedDense").Variant);
    }

    public static TheoryData<string> Networks() => new() { "FollowsBuild", "PinnedDense", "PinnedPiX", "PinnedDownscale", "PinnedPrune" };

    [Theory]
    [MemberData(nameof(Networks))]
    public void Every_variant_trains_and_its_counted_macs_equal_the_compile_time_report(string name)
    {
        var info = PiXGenNetworks.All.Single(n => n.Name == name);
        using (var model = info.Create())
            Assert.Equal(info.Macs, MacCounter.Count(model, info.InputShape.ToArray()));
        using var scope = torch.NewDisposeScope();
        using var net = info.Create();
        net.train();
        var y = net.forward(torch.randn(2, 3, 64, 64));
        Assert.Equal(new long[] { 2, 10 }, y.shape);
        y.square().mean().backward();
        Assert.All(net.parameters(), p => Assert.NotNull(p.grad));
        Assert.Equal(info.Parameters, net.parameters().Sum(p => p.numel()));
    }
}
