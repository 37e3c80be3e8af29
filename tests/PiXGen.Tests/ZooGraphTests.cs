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
        GraphTestNets.RandomizeNorms(module, graph);
        ConditionPiXGates(module, graph);
        return (module, graph);
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

    [Theory]
    [MemberData(nameof(All))]
    public void Compiler_graph_describes_the_generated_module(string name)
    {
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

    [Theory]
    [MemberData(nameof(Sample))]
    public void Onnx_export_runs_in_onnx_runtime_like_the_module(string name)
    {
        var (module, graph) = Create(name);
        using var _ = module;
        OnnxExportTests.OnnxMatchesModule(module, graph, fuse: true);
    }
}
