using System.Collections.Generic;
using System.Linq;
using PiXGen.Graph;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Tests;

/// <summary>
/// The activations without settings (ReLU, ReLU6, SiLU, Sigmoid, Hardswish, Hardsigmoid, Tanh), ELU, Mish,
/// PixelShuffle, InstanceNorm2d and Permute (with the LayerNorm, Linear and LayerScale of ConvNeXt's channels-last block),
/// defined only in src/PiXGen.Definitions/DefinedKinds.cs (plus their attributes), in the
/// dataflow graph: the executor, fusion (activations fold into the convolution before them; the shuffle stays) and ONNX
/// export (Elu; x·Tanh(Softplus(x)); DepthToSpace CRD; instance statistics by ReduceMean) run by ONNX Runtime, each against the TorchSharp modules.
/// </summary>
public class DefinedKindGraphTests
{
    /// <summary>"activations": conv → ELU(α 0.5) → conv → Mish → conv → ELU; "shuffle": conv 3→12 → ReLU → PixelShuffle(2) → InstanceNorm2d(eps 1e-3) → conv 3→4.</summary>
    private static (nn.Module<Tensor, Tensor> module, NetworkGraph graph) Net(string name)
    {
        if (name == "simple")
        {
            // "simple": conv → each activation without settings → conv → … (every activation folds into its conv).
            string[] acts = { "ReLU", "ReLU6", "SiLU", "Sigmoid", "Hardswish", "Hardsigmoid", "Tanh" };
            var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
            var sb = new NetworkGraphBuilder("SimpleActs", 3, 6, 6);
            string x = NetworkGraph.InputName;
            for (int i = 0; i < acts.Length; i++)
            {
                layers.Add(($"conv{i}", nn.Conv2d(i == 0 ? 3 : 4, 4, 3, padding: 1)));
                layers.Add(($"act{i}", acts[i] switch
                {
                    "ReLU" => nn.ReLU(), "ReLU6" => nn.ReLU6(), "SiLU" => nn.SiLU(), "Sigmoid" => nn.Sigmoid(),
                    "Hardswish" => nn.Hardswish(), "Hardsigmoid" => nn.Hardsigmoid(), _ => nn.Tanh(),
                }));
                x = sb.Act(sb.Conv(x, $"conv{i}", 4, 3, p: 1, bias: true), $"act{i}", acts[i]);
            }
            return (nn.Sequential(layers), sb.Build(x));
        }
        if (name == "channels_last")
        {
            // ConvNeXt's block: depthwise conv → Permute(0, 2, 3, 1) → LayerNorm → Linear → GELU → Linear → Permute(0, 3, 1, 2) → layer scale.
            var g = new NetworkGraphBuilder("ChannelsLast", 4, 6, 5);
            var x = g.Conv(NetworkGraph.InputName, "block.0", 4, 3, p: 1, groups: 4, bias: true);
            x = g.Permute(x, "block.1", toChannelsLast: true);
            x = g.LayerNorm(x, "block.2");
            x = g.Act(g.Linear(x, "block.3", 16), "block.4", "GELU", ("approximate", "none"));
            x = g.Linear(x, "block.5", 4);
            x = g.Permute(x, "block.6", toChannelsLast: false);
            x = g.LayerScale(x, "layer_scale");
            var cl = new ChannelsLastBlock();
            GraphTestNets.SeedParameters(cl, 5);
            return (cl, g.Build(x));
        }
        if (name == "activations")
        {
            var module = nn.Sequential(
                ("conv1", nn.Conv2d(3, 6, 3, padding: 1)), ("elu", nn.ELU(0.5)),
                ("conv2", nn.Conv2d(6, 6, 1, bias: false)), ("mish", nn.Mish()),
                ("conv3", nn.Conv2d(6, 4, 1)), ("elu2", nn.ELU()));
            var g = new NetworkGraphBuilder("ActNet", 3, 8, 8);
            var x = g.Act(g.Conv(NetworkGraph.InputName, "conv1", 6, 3, p: 1, bias: true), "elu", "ELU", ("alpha", 0.5));
            x = g.Act(g.Conv(x, "conv2", 6, 1), "mish", "Mish");
            x = g.Act(g.Conv(x, "conv3", 4, 1, bias: true), "elu2", "ELU");
            return (module, g.Build(x));
        }
        var shuffleNet = nn.Sequential(
            ("conv1", nn.Conv2d(3, 12, 3, padding: 1)), ("relu", nn.ReLU()),
            ("shuffle", nn.PixelShuffle(2)), ("norm", nn.InstanceNorm2d(3, 1e-3)), ("conv2", nn.Conv2d(3, 4, 1)));
        var b = new NetworkGraphBuilder("ShuffleNet", 3, 5, 6);
        var head = b.Build(b.Act(b.Conv(NetworkGraph.InputName, "conv1", 12, 3, p: 1, bias: true), "relu", "ReLU"));
        GraphAttribute A(string attribute, string value) => new(attribute, value);
        var nodes = head.Nodes.Concat(new[]
        {
            new GraphNode("shuffle", "PixelShuffle", new[] { "relu" }, null, new[] { A("upscale_factor", "2") }, new long[] { 3, 10, 12 }),
            new GraphNode("norm", "InstanceNorm2d", new[] { "shuffle" }, null, new[] { A("eps", "0.001") }, new long[] { 3, 10, 12 }),
            new GraphNode("conv2", "Conv2d", new[] { "norm" }, "conv2", new[]
            {
                A("in", "3"), A("out", "4"), A("kernel", "1,1"), A("stride", "1,1"), A("padding", "0,0"), A("dilation", "1,1"),
                A("groups", "1"), A("bias", "true"),
            }, new long[] { 4, 10, 12 }),
        }).ToArray();
        return (shuffleNet, new NetworkGraph("ShuffleNet", head.InputShape.ToArray(), nodes, "conv2"));
    }

    [Fact]
    public void The_nets_cover_every_defined_kind()
    {
        var ops = new[] { "simple", "activations", "shuffle", "channels_last" }.SelectMany(name =>
        {
            var (module, graph) = Net(name);
            module.Dispose();
            return graph.Nodes.Select(n => n.Op);
        }).ToHashSet();
        Assert.Empty(PiXGen.Definitions.DefinedKind.All.Keys.Except(ops));
    }

    [Theory]
    [InlineData("simple")]
    [InlineData("activations")]
    [InlineData("shuffle")]
    [InlineData("channels_last")]
    public void The_executor_matches_the_modules(string name)
    {
        var (module, graph) = Net(name);
        using var _ = module;
        GraphAssert.ExecutorMatchesModule(module, graph);
    }

    [Theory]
    [InlineData("simple", "ReLU,ReLU6,SiLU,Sigmoid,Hardswish,Hardsigmoid,Tanh", 0)]
    [InlineData("activations", "ELU,Mish,ELU", 0)]
    [InlineData("shuffle", "ReLU,", 1)]
    public void Fusion_folds_the_activations_keeps_the_shuffle_the_norm_and_the_output(string name, string fusedActivations, int shuffles)
    {
        var (module, graph) = Net(name);
        using var _ = module;
        module.eval();
        var result = GraphFusion.Fuse(graph, module.state_dict());
        Assert.Equal(fusedActivations, string.Join(",", result.Graph.Nodes.Where(n => n.Op == "Conv2d").Select(n => n.Get("activation"))));
        Assert.DoesNotContain(result.Graph.Nodes, n => GraphOps.Activations.Contains(n.Op));
        Assert.Equal(shuffles, result.Graph.Nodes.Count(n => n.Op == "PixelShuffle"));
        Assert.Equal(shuffles, result.Graph.Nodes.Count(n => n.Op == "InstanceNorm2d"));
        using var input = GraphTestNets.Input(graph, 2);
        using var expected = module.call(input);
        using var actual = GraphExecutor.Run(result.Graph, result.Weights, input);
        Assert.True(GraphTestNets.RelativeL2(actual, expected) <= 1e-6);
    }

    [Fact]
    public void Fusion_folds_GELU_into_the_channels_last_Linear_and_keeps_the_permutes_and_the_scale()
    {
        var (module, graph) = Net("channels_last");
        using var _ = module;
        module.eval();
        var result = GraphFusion.Fuse(graph, module.state_dict());
        Assert.Equal("GELU,", string.Join(",", result.Graph.Nodes.Where(n => n.Op == "Linear").Select(n => n.Get("activation"))));
        Assert.Equal(2, result.Graph.Nodes.Count(n => n.Op == "Permute"));
        Assert.Single(result.Graph.Nodes, n => n.Op == "LayerScale");
        using var input = GraphTestNets.Input(graph, 2);
        using var expected = module.call(input);
        using var actual = GraphExecutor.Run(result.Graph, result.Weights, input);
        Assert.True(GraphTestNets.RelativeL2(actual, expected) <= 1e-6);
    }

    /// <summary>The "channels_last" net as TorchSharp modules, with torchvision CNBlock's keys.</summary>
    private sealed class ChannelsLastBlock : nn.Module<Tensor, Tensor>
    {
        private readonly TorchSharp.Modules.Sequential block = nn.Sequential(
            nn.Conv2d(4, 4, 3, padding: 1, groups: 4), new PiXGen.Layers.Permute(0, 2, 3, 1), nn.LayerNorm(new long[] { 4 }, 1e-6),
            nn.Linear(4, 16), nn.GELU(), nn.Linear(16, 4), new PiXGen.Layers.Permute(0, 3, 1, 2));
        private readonly TorchSharp.Modules.Parameter layer_scale = nn.Parameter(ones(4, 1, 1));

        public ChannelsLastBlock() : base("ChannelsLast") => RegisterComponents();

        public override Tensor forward(Tensor input) => block.call(input) * layer_scale;
    }

    [Theory]
    [InlineData("simple", false)]
    [InlineData("simple", true)]
    [InlineData("activations", false)]
    [InlineData("activations", true)]
    [InlineData("shuffle", false)]
    [InlineData("shuffle", true)]
    [InlineData("channels_last", false)]
    [InlineData("channels_last", true)]
    public void ONNX_export_runs_in_ONNX_Runtime(string name, bool fuse)
    {
        var (module, graph) = Net(name);
        using var _ = module;
        OnnxExportTests.OnnxMatchesModule(module, graph, fuse);
    }
}
