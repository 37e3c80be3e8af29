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
/// (Reference/pytorch-reference.json): state_dict key sets and shapes, parameter counts, logits under the deterministic
/// initialisation; and DenseNet-121's network-wide PiX twin (densenet121_pix): which layers became PiX, a forward
/// and one SGD step.
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

    /// <summary>
    /// densenet121_pix replaces exactly the squeezing 1×1 convolutions of densenet121 (C_out &lt; C_in, C_out dividing
    /// C_in; all of DenseNet's 1×1 convolutions have stride 1 and one group), found here from the dense module itself:
    /// the three transitions and the twelve dense-layer bottlenecks whose input channels are a multiple of 128. Each
    /// bottleneck's norm2 goes with it (substitution with norm and activation), the transitions have no norm after the
    /// convolution; every other state_dict entry keeps its name and shape.
    /// </summary>
    [Fact]
    public void DenseNet121_pix_replaces_every_squeezing_1x1_convolution()
    {
        using var dense = Info("densenet121").Create();
        using var pix = Info("densenet121_pix").Create();
        var squeezing = dense.named_modules()
            .Where(m => m.module is Conv2d c && c.weight!.shape is [var o, var i, 1, 1] && o < i && i % o == 0)
            .Select(m => m.name).ToHashSet();
        var replaced = pix.named_modules().Where(m => m.module is PiXLayer).Select(m => m.name).ToHashSet();
        log.WriteLine($"densenet121_pix: {replaced.Count} PiX layers: {string.Join(", ", replaced.OrderBy(n => n))}");

        Assert.Equal(15, squeezing.Count);
        Assert.Equal(3, squeezing.Count(n => n.Contains("transition")));
        Assert.Equal(squeezing.OrderBy(n => n), replaced.OrderBy(n => n));

        var removedNorms = replaced.Where(n => n.EndsWith(".conv1")).Select(n => n[..^"conv1".Length] + "norm2").ToHashSet();
        var denseKeys = dense.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        var pixKeys = pix.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        var expectedKeys = denseKeys.Keys.Where(k => !removedNorms.Any(p => k.StartsWith(p + ".")));
        Assert.Empty(expectedKeys.Except(pixKeys.Keys));
        foreach (var key in expectedKeys)
            Assert.True(denseKeys[key].SequenceEqual(pixKeys[key]), $"{key}: shape changed by the substitution");
        Assert.Equal(Info("densenet121").Parameters - removedNorms.Count * 2 * 128, Info("densenet121_pix").Parameters);
    }

    [Fact]
    public void DenseNet121_pix_runs_a_forward_and_one_SGD_step()
    {
        torch.manual_seed(3);
        using var scope = torch.NewDisposeScope();
        using var model = Info("densenet121_pix").Create();
        model.train();
        var input = torch.randn(2, 3, 64, 64);
        var target = torch.tensor(new long[] { 1, 7 });
        var output = model.forward(input);
        Assert.Equal(new long[] { 2, 1000 }, output.shape);
        Assert.True(output.isfinite().all().item<bool>(), "densenet121_pix: non-finite logits");

        var phi = (PiXLayer)model.named_modules().First(m => m.module is PiXLayer).module;
        var before = phi.Weight.detach().clone();
        var optimizer = torch.optim.SGD(model.parameters(), 0.1);
        var loss = nn.functional.cross_entropy(output, target);
        optimizer.zero_grad();
        loss.backward();
        optimizer.step();
        Assert.True(double.IsFinite(loss.item<float>()), "densenet121_pix: non-finite loss");
        Assert.True(phi.Weight.grad is { } g && g.abs().sum().item<float>() > 0, "densenet121_pix: no gradient reached a PiX layer");
        Assert.False(before.allclose(phi.Weight.detach()), "densenet121_pix: the SGD step left the PiX weights unchanged");
        using var _ = torch.no_grad();
        Assert.True(model.forward(input).isfinite().all().item<bool>(), "densenet121_pix: non-finite logits after the step");
    }
}
