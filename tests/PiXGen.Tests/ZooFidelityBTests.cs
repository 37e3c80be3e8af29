using System.Linq;

using PiXGen.Zoo;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PiXGen.Tests;

/// <summary>
/// RegNetY-400MF and ShuffleNetV2 ×1.0 against torchvision 0.14.1 (Reference/pytorch-reference.json): state_dict
/// keys and shapes, parameter and MAC counts and logits are checked by <see cref="ZooFidelityTests"/> (its Pairs);
/// here: fusion and ONNX for both every run, and ShuffleNetV2's units against a plain computation.
/// </summary>
public class ZooFidelityBTests
{
    /// <summary>
    /// The graph checks ZooGraphTests runs on a daily sample of the zoo, always for these networks: fused inference
    /// and the ONNX export (branches over the whole input, split branches, channel shuffle, squeeze-excitation).
    /// </summary>
    [Theory]
    [InlineData("regnet_y_400mf")]
    [InlineData("shufflenet_v2_x1_0")]
    public void Fused_inference_and_onnx_export_match_the_module(string name)
    {
        var graphs = new ZooGraphTests();
        graphs.Fused_inference_matches_the_module(name);
        graphs.Onnx_export_runs_in_onnx_runtime_like_the_module(name);
    }

    /// <summary>
    /// ShuffleNetV2's stride-2 unit gives both branches the whole input (no split) and concatenates branch1 before
    /// branch2; the stride-1 unit passes the first half of the channels unchanged. Checked on a unit alone against
    /// a naive computation with the unit's own submodules, so a wrong order or split shows here and not only in
    /// the logits.
    /// </summary>
    [Fact]
    public void ShuffleNet_units_route_channels_like_torchvision()
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var net = new ShuffleNetV2_x1_0();
        net.eval();
        var stage2 = (nn.Module<Tensor, Tensor>)net.named_children().Single(c => c.name == "stage2").module;
        var units = stage2.named_children().Select(c => (nn.Module<Tensor, Tensor>)c.module).ToArray();
        var down = units[0];
        var unit = units[1];
        nn.Module<Tensor, Tensor> Child(nn.Module m, string n) => (nn.Module<Tensor, Tensor>)m.named_children().Single(c => c.name == n).module;

        var x = torch.randn(2, 24, 16, 16, generator: new Generator().manual_seed(3));
        var expected = Shuffle(torch.cat(new[] { Child(down, "branch1").call(x), Child(down, "branch2").call(x) }, 1));
        Assert.True(torch.allclose(expected, down.call(x), rtol: 1e-6, atol: 1e-6), "stride-2 unit");

        var y = torch.randn(2, 116, 8, 8, generator: new Generator().manual_seed(4));
        var halves = y.chunk(2, 1);
        var expected1 = Shuffle(torch.cat(new[] { halves[0], Child(unit, "branch2").call(halves[1]) }, 1));
        Assert.True(torch.allclose(expected1, unit.call(y), rtol: 1e-6, atol: 1e-6), "stride-1 unit");
    }

    /// <summary>torchvision's channel_shuffle(x, 2), written out: view (b, 2, c/2, h, w), swap the group axes.</summary>
    private static Tensor Shuffle(Tensor x)
    {
        long b = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        return x.view(b, 2, c / 2, h, w).transpose(1, 2).contiguous().view(b, c, h, w);
    }
}
