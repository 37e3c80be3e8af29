using System;
using System.Collections.Generic;
using System.Linq;
using PiXGen.Graph;
using PiXGen.Zoo;

namespace PiXGen.Tests;

/// <summary>
/// The compiler-emitted graph of every zoo network (<c>X.Graph.g.cs</c>) describes the generated module: the graph
/// executor reproduces the module's logits with the module's own weights (BatchNorm statistics randomised so folding and
/// ordering mistakes show); fused inference and ONNX Runtime reproduce them too. Fusion and ONNX run on a fixed sample
/// of the zoo (PiX, substitution, variants, SE, MobileNet) plus two more networks that rotate with the day, so the
/// large VGGs and ResNet-152 are covered over time without making every CI run slow.
/// </summary>
public class ZooGraphTests
{
    public static IEnumerable<object[]> All() => ZooCatalog.Models.Select(m => new object[] { m.Name });

    private static readonly string[] Fixed = { "resnet18", "mobilenet_v2", "pix_resnet50", "resnet50_substituted_pix", "resnet50_prune2g", "se_pix_resnet50" };

    public static IEnumerable<object[]> Sample()
    {
        var rest = ZooCatalog.Models.Select(m => m.Name).Where(n => !Fixed.Contains(n)).OrderBy(n => n, StringComparer.Ordinal).ToList();
        int day = DateTime.UtcNow.DayOfYear;
        return Fixed.Concat(new[] { rest[day % rest.Count], rest[(day * 7 + 3) % rest.Count] }).Distinct().Select(n => new object[] { n });
    }

    private static (TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> Module, NetworkGraph Graph) Create(string name)
    {
        var module = ZooCatalog.Find(name)!.Create();
        var graph = Assert.IsAssignableFrom<IHasGraph>(module).Graph;
        ReseedParameters(module);
        GraphTestNets.RandomizeNorms(module, graph);
        ConditionPiXGates(module, graph);
        return (module, graph);
    }

    /// <summary>
    /// The generated constructor draws its weights from the global generator, which tests running in parallel share, so
    /// each run would test other weights (and a PiX gate could land within rounding of τ on one run in many). Every
    /// parameter is redrawn here from a seeded generator with its own mean and standard deviation, keeping the scale
    /// the network's initialisation gave it; constant parameters (γ = 1, zero biases) stay as they are.
    /// </summary>
    private static void ReseedParameters(TorchSharp.torch.nn.Module module)
    {
        using var _ = TorchSharp.torch.no_grad();
        using var scope = TorchSharp.torch.NewDisposeScope();   // the statistics and draws below are temporaries
        using var generator = new TorchSharp.torch.Generator(31);
        foreach (var (_, p) in module.named_parameters())
        {
            if (p.numel() < 2) continue;
            double std = p.std().item<float>(), mean = p.mean().item<float>();
            if (!(std > 0)) continue;
            p.copy_(TorchSharp.torch.randn(p.shape, generator: generator) * std + mean);
        }
    }

    /// <summary>
    /// PiX picks or mixes by comparing p = sigmoid(φ·context) with τ: a hard threshold, so where p lies within float32
    /// rounding of τ two correct implementations (TorchSharp, ONNX Runtime) may choose differently. Some
    /// initialisations put every p there (torchvision-vgg's small φ in front of VGG's deep layers: |φ·z| ≤ 1.5e-4, 13 of
    /// 256 gates within 1e-6 of τ), which tests nothing but rounding; φ is drawn here so the gates are spread out.
    /// </summary>
    private static void ConditionPiXGates(TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> module, NetworkGraph graph)
    {
        var state = module.state_dict();
        using var _ = TorchSharp.torch.no_grad();
        var generator = new TorchSharp.torch.Generator(17);
        foreach (var n in graph.Nodes.Where(n => n.Op == "PiX"))
        {
            var w = state[n.Module + ".weight"];
            w.copy_(TorchSharp.torch.randn(w.shape, generator: generator) * (4.0 / Math.Sqrt(n.GetInt("in"))));
        }
    }

    [SkippableTheory]
    [MemberData(nameof(All))]
    public void Compiler_graph_describes_the_generated_module(string name)
    {
        ZooSample.SkipUnlessSampled(name);
        var (module, graph) = Create(name);
        using var _ = module;
        Assert.Equal(ZooCatalog.Find(name)!.InputShape, graph.InputShape);
        GraphAssert.ExecutorMatchesModule(module, graph, batch: 1, tolerance: name.StartsWith("vgg", StringComparison.Ordinal) ? 1e-5 : 1e-6);
    }

    [Theory]
    [MemberData(nameof(Sample))]
    public void Fused_inference_matches_the_module(string name)
    {
        var (module, graph) = Create(name);
        using var _ = module;
        GraphAssert.FusedMatchesModule(module, graph, batch: 1).Dispose();
    }

    /// <summary>
    /// model.Fuse() as users call it: on the CPU in float32 it runs on ONNX Runtime, and every zoo network's logits
    /// (batch 1, declared input size) stay within 1e-4 of the module's (relative to the largest logit when above 1). The networks too large for CI run with
    /// PIXGEN_HEAVY_TESTS=1, as their logit tests do.
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(All))]
    public void Fuse_runs_every_network_on_onnx_runtime_within_1e_4_of_the_module(string name)
    {
        ZooSample.SkipUnlessSampled(name);
        Skip.If(ZooFidelityTests.OutsideCi.Contains(name) && Environment.GetEnvironmentVariable(ZooFidelityTests.HeavyVariable) != "1",
            $"set {ZooFidelityTests.HeavyVariable}=1 to run {name} (minutes on two cores)");
        var (module, graph) = Create(name);
        using var _ = module;
        using var scope = TorchSharp.torch.NewDisposeScope();
        module.eval();
        using var fused = Assert.IsAssignableFrom<IHasGraph>(module).Fuse();
        var x = GraphTestNets.Input(graph, 1);
        TorchSharp.torch.Tensor expected;
        using (TorchSharp.torch.no_grad()) expected = module.call(x);
        var actual = fused.call(x);
        Assert.Equal(FusedEngine.OnnxRuntime, fused.LastEngine);
        // Randomised BatchNorm statistics make deep networks' logits large (10⁸ for ResNet-152): 1e-4 of their scale.
        double diff = (actual - expected).abs().max().item<float>(), scale = Math.Max(1, expected.abs().max().item<float>());
        Assert.True(diff <= 1e-4 * scale, $"{name}: fused (ONNX Runtime) vs module max |diff| {diff:E2} > 1e-4 × max(1, max |logit| = {scale:E2})");
    }

    [Theory]
    [MemberData(nameof(Sample))]
    public void Onnx_export_runs_in_onnx_runtime_like_the_module(string name)
    {
        var (module, graph) = Create(name);
        using var _ = module;
        OnnxExportTests.OnnxMatchesModule(module, graph, fuse: true);
    }
}
