using System.Linq;
using PiXGen.Graph;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Tests;

/// <summary>
/// ELU and Mish, defined only in src/PiXGen.Definitions/Activations.cs (plus their attributes), in the dataflow graph:
/// the executor, fusion into the convolution before them, and ONNX export run by ONNX Runtime, each against the
/// TorchSharp modules (<c>nn.ELU</c>, <c>nn.Mish</c>).
/// </summary>
public class DefinedActivationGraphTests
{
    /// <summary>conv (bias) → ELU(α 0.5) → conv → Mish → conv → ELU (default α), as a Sequential and as its graph.</summary>
    private static (nn.Module<Tensor, Tensor> module, NetworkGraph graph) Net()
    {
        var module = nn.Sequential(
            ("conv1", nn.Conv2d(3, 6, 3, padding: 1)),
            ("elu", nn.ELU(0.5)),
            ("conv2", nn.Conv2d(6, 6, 1, bias: false)),
            ("mish", nn.Mish()),
            ("conv3", nn.Conv2d(6, 4, 1)),
            ("elu2", nn.ELU()));
        var g = new NetworkGraphBuilder("ActNet", 3, 8, 8);
        var x = g.Conv(NetworkGraph.InputName, "conv1", 6, 3, p: 1, bias: true);
        x = g.Act(x, "elu", "ELU", ("alpha", 0.5));
        x = g.Conv(x, "conv2", 6, 1);
        x = g.Act(x, "mish", "Mish");
        x = g.Conv(x, "conv3", 4, 1, bias: true);
        x = g.Act(x, "elu2", "ELU");
        return (module, g.Build(x));
    }

    [Fact]
    public void The_executor_matches_the_modules()
    {
        var (module, graph) = Net();
        using var _ = module;
        GraphAssert.ExecutorMatchesModule(module, graph);
    }

    [Fact]
    public void Fusion_folds_each_activation_into_its_convolution_and_keeps_the_output()
    {
        var (module, graph) = Net();
        using var _ = module;
        module.eval();
        var result = GraphFusion.Fuse(graph, module.state_dict());
        Assert.DoesNotContain(result.Graph.Nodes, n => n.Op is "ELU" or "Mish");
        Assert.Equal(new[] { "ELU", "Mish", "ELU" }, result.Graph.Nodes.Where(n => n.Op == "Conv2d").Select(n => n.Get("activation")).ToArray());
        using var input = GraphTestNets.Input(graph, 2);
        using var expected = module.call(input);
        using var actual = GraphExecutor.Run(result.Graph, result.Weights, input);
        Assert.True(GraphTestNets.RelativeL2(actual, expected) <= 1e-6);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ONNX_export_runs_in_ONNX_Runtime(bool fuse)
    {
        var (module, graph) = Net();
        using var _ = module;
        OnnxExportTests.OnnxMatchesModule(module, graph, fuse);
    }
}
