using System;
using System.Collections.Generic;
using System.Linq;

using PiXGen.PiX;
using PiXGen.Tests.Reference;
using PiXGen.Zoo;
using TorchSharp;
using TorchSharp.Modules;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PiXGen.Tests;

/// <summary>
/// The PiX twins of efficientnet_b0, mobilenet_v3_large/small and mnasnet1_0 (which convolutions became PiX, forward, one SGD step);
/// the networks themselves are checked against torchvision by ZooFidelityTests.
/// </summary>
public class ZooFidelityCTests
{
    private static NetworkInfo Info(string name) => ZooCatalog.Models.Single(n => n.Name == name);

    /// <summary>
    /// The squeezing 1×1 convolutions of the dense network's main path (stride 1, ungrouped, C_out &lt; C_in dividing
    /// C_in; not the squeeze-excitation's fc1, which the substitution does not reach) are exactly the PiX layers of
    /// the twin: efficientnet_b0 12 (the MBConv projections 32→16, 96→24, 144→24, 240→40, 240→80, 480→80 ×2,
    /// 672→112 ×2, 1152→192 ×3), efficientnet_v2_s 36 (the projections 96→48, 192→48 ×3, 192→64, 256→64 ×3,
    /// 256→128, 512→128 ×5, 960→160 ×8, 1536→256 ×14; 768→160 and 960→256 do not divide), mobilenet_v3_large 7 (72→24, 120→40 ×2, 240→80, 672→112, 960→160 ×2),
    /// mobilenet_v3_small 7 (72→24, 240→40 ×2, 144→48, 288→96, 576→96 ×2), mnasnet1_0 14 (the
    /// projections 48→24, 72→24 ×2, 120→40 ×2, 240→80, 480→80 ×2, 480→96, 576→96, 576→192, 1152→192 ×3; the stem's
    /// 32→16 is excluded), mobilenet_v2 15 (32→16, 96→24, 144→24, 192→32 ×2, 192→64, 384→64 ×3, 384→96, 576→96 ×2,
    /// 960→160 ×2, 960→320; 144→32 and 576→160 do not divide). Every state_dict key of the twin is a key of the dense network with the same shape (the
    /// twin only drops the BatchNorms that go with the replaced convolutions; nothing is renumbered).
    /// </summary>
    [Theory]
    [InlineData("efficientnet_b0", "efficientnet_b0_pix", 12)]
    [InlineData("efficientnet_v2_s", "efficientnet_v2_s_pix", 36)]
    [InlineData("mobilenet_v3_large", "mobilenet_v3_large_pix", 7)]
    [InlineData("mobilenet_v3_small", "mobilenet_v3_small_pix", 7)]
    [InlineData("mnasnet1_0", "mnasnet1_0_pix", 14, "layers.6")]
    [InlineData("mobilenet_v2", "mobilenet_v2_pix", 15)]
    public void PiX_twin_replaces_the_squeezing_projections(string dense, string pix, int replaced, string? excluded = null)
    {
        using var denseModel = Info(dense).Create();
        var squeezing = denseModel.named_modules()
            .Where(m => m.module is Conv2d conv && !m.name.EndsWith(".fc1", StringComparison.Ordinal) && m.name != excluded && IsSqueezing(conv))
            .Select(m => m.name).OrderBy(n => n).ToList();
        using var pixModel = Info(pix).Create();
        var pixLayers = pixModel.named_modules().Where(m => m.module is PiXLayer).Select(m => m.name).OrderBy(n => n).ToList();
        Assert.Equal(replaced, squeezing.Count);
        Assert.Equal(squeezing, pixLayers);
        Assert.True(Info(pix).Macs < Info(dense).Macs, $"{pix}: {Info(pix).Macs} MACs, dense {Info(dense).Macs}");
        var denseKeys = denseModel.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        foreach (var (key, tensor) in pixModel.state_dict())
            Assert.True(denseKeys.TryGetValue(key, out var shape) && shape.SequenceEqual(tensor.shape), $"{pix}: {key} is not a key of {dense} with its shape");
    }

    private static bool IsSqueezing(Conv2d conv)
    {
        var w = conv.weight!.shape;   // (out, in / groups, kh, kw)
        long outChannels = w[0], inChannels = w[1];
        return w[2] == 1 && w[3] == 1 && conv.stride.All(s => s == 1) && conv.groups == 1
            && outChannels < inChannels && inChannels % outChannels == 0;
    }

    [Theory]
    [InlineData("efficientnet_b0_pix")]
    [InlineData("efficientnet_v2_s_pix")]
    [InlineData("mobilenet_v3_large_pix")]
    [InlineData("mobilenet_v3_small_pix")]
    [InlineData("mnasnet1_0_pix")]
    [InlineData("mobilenet_v2_pix")]
    public void PiX_twin_runs_and_takes_one_sgd_step(string name)
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(7);
        using var model = Info(name).Create();
        model.train();
        var x = torch.randn(2, 3, 64, 64);
        var target = torch.tensor(new long[] { 3, 11 });
        var before = model.parameters().Select(p => p.detach().clone()).ToList();
        using var sgd = torch.optim.SGD(model.parameters(), 0.1);
        sgd.zero_grad();
        var logits = model.forward(x);
        Assert.Equal(new long[] { 2, 1000 }, logits.shape);
        var loss = nn.functional.cross_entropy(logits, target);
        Assert.True(double.IsFinite(loss.item<float>()), $"{name}: loss {loss.item<float>()}");
        loss.backward();
        sgd.step();
        var after = model.parameters().ToList();
        Assert.All(after, p => Assert.NotNull(p.grad));
        Assert.All(after, p => Assert.True(p.isfinite().all().item<bool>(), $"{name}: non-finite parameter after the step"));
        int changed = before.Zip(after).Count(pair => !pair.First.equal(pair.Second).all().item<bool>());
        Assert.True(changed > after.Count / 2, $"{name}: only {changed} of {after.Count} parameters changed");
    }
}
