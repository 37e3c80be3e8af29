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
/// squeezenet1_1, densenet121 and googlenet (no auxiliary heads, transform_input=False) against torchvision 0.14.1
/// (Reference/pytorch-reference.json): state_dict key sets and shapes, parameter and MAC counts, logits under the deterministic
/// initialisation; and the network-wide PiX twins densenet121_pix and squeezenet1_1_pix: which layers became PiX, a
/// forward and one SGD step.
/// </summary>
public class ZooFidelityATests(ITestOutputHelper log)
{
    public static IEnumerable<object[]> Networks()
        => new[] { "squeezenet1_1", "densenet121", "googlenet" }.Select(n => new object[] { n });

    private static NetworkInfo Info(string name) => ZooCatalog.Models.Single(n => n.Name == name);

    [Theory]
    [MemberData(nameof(Networks))]
    public void State_dict_key_sets_and_shapes_equal_torchvision(string name)
    {
        var expected = PyTorchReference.Load().Models[name].StateDict.ToDictionary(e => e.Key, e => e.Shape);
        using var model = Info(name).Create();
        var actual = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        Assert.Empty(expected.Keys.Except(actual.Keys));
        Assert.Empty(actual.Keys.Except(expected.Keys));
        foreach (var (key, shape) in expected)
            Assert.True(shape.SequenceEqual(actual[key]),
                $"{name} {key}: torchvision [{string.Join(",", shape)}], PiXGen [{string.Join(",", actual[key])}]");
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Parameter_counts_equal_torchvision_at_compile_time_and_run_time(string name)
    {
        long expected = PyTorchReference.Load().Models[name].Parameters;
        var info = Info(name);
        using var model = info.Create();
        Assert.Equal(expected, model.parameters().Sum(p => p.numel()));
        Assert.Equal(expected, info.Parameters);
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Compile_time_macs_equal_torchvision(string name)
        => Assert.Equal(PyTorchReference.Load().Models[name].MacsConvLinear, Info(name).Macs);

    /// <summary>
    /// Logits of the same float32 weights and input: widened to float64 against PyTorch's float64 logits (relative L2
    /// at most 1e-8; only the 9 stored digits limit it, so an architecture difference cannot hide in rounding), and in
    /// float32 against PyTorch's float32 logits (at most 1e-5). The float32 bound is asserted only where float32
    /// rounding itself (PyTorch's float32 against its float64, and ours against ours) stays within half of it.
    /// </summary>
    [Theory]
    [MemberData(nameof(Networks))]
    public void Logits_match_torchvision_under_the_deterministic_initialisation(string name)
    {
        const double tolerance = 1e-5, tolerance64 = 1e-8;
        var reference = PyTorchReference.Load().Models[name];
        using var scope = torch.NewDisposeScope();
        using var model = Info(name).Create();
        PyTorchReference.Initialise(model);
        model.eval();
        using var _ = torch.no_grad();
        var output = model.forward(PyTorchReference.Input());
        Assert.Equal(reference.OutputShape, output.shape);
        var logits = output.data<float>().ToArray();
        model.to(ScalarType.Float64);
        var logits64 = model.forward(PyTorchReference.Input().to(ScalarType.Float64)).data<double>().ToArray();

        double error = PyTorchReference.RelativeL2(logits, reference.Logits);
        double error64 = PyTorchReference.RelativeL2(logits64, reference.ReferenceFloat64);
        double pytorchRounding = PyTorchReference.RelativeL2(reference.Logits, reference.ReferenceFloat64);
        double ownRounding = PyTorchReference.RelativeL2(logits, logits64);
        bool float32Decides = pytorchRounding <= tolerance / 2 && ownRounding <= tolerance / 2;
        string report = $"{name}: float64 relative L2 {error64:E2}; float32 {error:E2} ({(float32Decides ? "asserted" : "not asserted")}); " +
            $"float32 rounding: PyTorch {pytorchRounding:E2}, TorchSharp {ownRounding:E2}";
        log.WriteLine(report);
        Assert.True(error64 <= tolerance64, $"{report}: float64 error above {tolerance64:E0}");
        if (float32Decides)
            Assert.True(error <= tolerance, $"{report}: float32 error above {tolerance:E0}");
    }

    /// <summary>The PiX twins: (twin, dense network, squeezing 1×1 convolutions counted by hand from torchvision's code).</summary>
    public static IEnumerable<object[]> Twins() => new[]
    {
        // DenseNet-121: the three transitions (C → C/2) and the bottlenecks (C → 128) whose input is a multiple of
        // 128 above 128: 2 in block 2 (256, 384), 6 in block 3 (256 … 896), 4 in block 4 (512 … 896).
        new object[] { "densenet121_pix", "densenet121", 15 },
        // SqueezeNet 1.1: the Fire squeezes 64→16, 128→16, 128→32, 256→32, 384→48, 384→64, 512→64 (not 256→48).
        new object[] { "squeezenet1_1_pix", "squeezenet1_1", 7 },
    };

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
        var input = torch.randn(2, 3, 64, 64);
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
