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
/// The network-wide PiX twins densenet121_pix, squeezenet1_1_pix, squeezenet1_0_pix, googlenet_pix and inception_v3_pix: which
/// layers became PiX, a forward and one SGD step. (squeezenet1_0/1_1, densenet121 and googlenet themselves are checked against torchvision by ZooFidelityTests.)
/// </summary>
public class ZooFidelityATests(ITestOutputHelper log)
{
    private static NetworkInfo Info(string name) => ZooCatalog.Models.Single(n => n.Name == name);

    public static IEnumerable<object[]> Twins() => new[]
    {
        // DenseNet-121: the three transitions (C → C/2) and the bottlenecks (C → 128) whose input is a multiple of
        // 128 above 128: 2 in block 2 (256, 384), 6 in block 3 (256 … 896), 4 in block 4 (512 … 896).
        new object[] { "densenet121_pix", "densenet121", 15 },
        // SqueezeNet 1.1: the Fire squeezes 64→16, 128→16, 128→32, 256→32, 384→48, 384→64, 512→64 (not 256→48).
        new object[] { "squeezenet1_1_pix", "squeezenet1_1", 7 },
        // SqueezeNet 1.0: the Fire squeezes 96→16, 128→16, 128→32, 256→32, 384→48, 384→64, 512→64 (not 256→48).
        new object[] { "squeezenet1_0_pix", "squeezenet1_0", 7 },
        // GoogLeNet: the Inception branches' 1×1 convolutions whose input their output divides (substitution reaches
        // [Branch] members): 4 in 3a, 4 in 3b, 2 in 4a, 1 in 4b, 3 in 4c, 2 in 4d, 1 in 5a.
        new object[] { "googlenet_pix", "googlenet", 17 },
        // Inception-v3: 4 in Mixed_5b, 3 in 5c, 1 in 5d, 4 in 6b, 2 each in 6c/6d, 4 in 6e, 2 in 7a, 1 in 7b (1280→320).
        new object[] { "inception_v3_pix", "inception_v3", 23 },
    };

    /// <summary>The input side of a twin's training step: 64, or the smallest a network's strided layers take.</summary>
    private static long StepSide(string twin) => twin.StartsWith("inception_v3", StringComparison.Ordinal) ? 75 : 64;

    /// <summary>
    /// The twin replaces exactly the squeezing 1×1 convolutions of the dense network (C_out &lt; C_in, C_out dividing
    /// C_in; every 1×1 convolution of both networks has stride 1 and one group), found here from the dense module
    /// itself. A BatchNorm directly after a replaced convolution goes with it (substitution with norm and activation);
    /// every other state_dict entry keeps its name and shape, and the parameter count drops by the removed norms only.
    /// </summary>
    [Theory]
    [MemberData(nameof(Twins))]
    public void PiX_twin_replaces_every_squeezing_1x1_convolution(string twin, string denseName, int count)
    {
        using var dense = Info(denseName).Create();
        using var pix = Info(twin).Create();
        var modules = dense.named_modules().ToDictionary(m => m.name, m => m.module);
        var squeezing = modules
            .Where(m => m.Value is Conv2d c && c.weight!.shape is [var o, var i, 1, 1] && o < i && i % o == 0)
            .Select(m => m.Key).ToHashSet();
        var replaced = pix.named_modules().Where(m => m.module is PiXLayer).Select(m => m.name).ToHashSet();
        log.WriteLine($"{twin}: {replaced.Count} PiX layers: {string.Join(", ", replaced.OrderBy(n => n))}");

        Assert.Equal(count, squeezing.Count);
        Assert.Equal(squeezing.OrderBy(n => n), replaced.OrderBy(n => n));

        var removedNorms = new List<string>();
        foreach (var name in replaced)
        {
            int dot = name.LastIndexOf('.');
            var siblings = modules[name[..dot]].named_children().ToList();
            int at = siblings.FindIndex(s => s.name == name[(dot + 1)..]);
            if (at + 1 < siblings.Count && siblings[at + 1].module is BatchNorm2d)
                removedNorms.Add($"{name[..dot]}.{siblings[at + 1].name}.");
        }
        var denseKeys = dense.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        var pixKeys = pix.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        var kept = denseKeys.Keys.Where(k => !removedNorms.Any(k.StartsWith)).ToList();
        Assert.Equal(kept.OrderBy(k => k), pixKeys.Keys.OrderBy(k => k));
        foreach (var key in kept)
            Assert.True(denseKeys[key].SequenceEqual(pixKeys[key]), $"{twin} {key}: shape changed by the substitution");
        long normParameters = removedNorms.Sum(p => denseKeys[p + "weight"][0] * 2);
        Assert.Equal(Info(denseName).Parameters - normParameters, Info(twin).Parameters);
        Assert.Equal(Info(twin).Parameters, pix.parameters().Sum(p => p.numel()));
    }

    public static IEnumerable<object[]> TwinNames() => Twins().Select(t => new[] { t[0] });

    [Theory]
    [MemberData(nameof(TwinNames))]
    public void PiX_twin_runs_a_forward_and_one_SGD_step(string twin)
    {
        torch.manual_seed(3);
        using var scope = torch.NewDisposeScope();
        using var model = Info(twin).Create();
        model.train();
        var input = torch.randn(2, 3, StepSide(twin), StepSide(twin));
        var target = torch.tensor(new long[] { 1, 7 });
        var output = model.forward(input);
        Assert.Equal(new long[] { 2, 1000 }, output.shape);
        Assert.True(output.isfinite().all().item<bool>(), $"{twin}: non-finite logits");

        var phis = model.named_modules().Where(m => m.module is PiXLayer).Select(m => (PiXLayer)m.module).ToList();
        var before = phis.Select(p => p.Weight.detach().clone()).ToList();
        var optimizer = torch.optim.SGD(model.parameters(), 0.01);
        var loss = nn.functional.cross_entropy(output, target);
        optimizer.zero_grad();
        loss.backward();
        optimizer.step();
        Assert.True(double.IsFinite(loss.item<float>()), $"{twin}: non-finite loss");
        Assert.Contains(phis, p => p.Weight.grad is { } g && g.abs().sum().item<float>() > 0);
        Assert.Contains(phis.Zip(before), p => !p.Second.allclose(p.First.Weight.detach()));
        using var _ = torch.no_grad();
        Assert.True(model.forward(input).isfinite().all().item<bool>(), $"{twin}: non-finite logits after the step");
    }
}
