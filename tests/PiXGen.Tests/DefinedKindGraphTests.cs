using System.Collections.Generic;
using System.Linq;
using PiXGen.Graph;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Tests;

/// <summary>
/// The activations without settings (ReLU, ReLU6, SiLU, Sigmoid, Hardswish, Hardsigmoid, Tanh), ELU, Mish, LeakyReLU, GELU,
/// PixelShuffle, InstanceNorm2d, ChannelShuffle, GroupNorm, BatchNorm2d, LayerNorm2d and Permute (with the LayerNorm, Linear and LayerScale of ConvNeXt's
/// channels-last block), Identity, Dropout, StochasticDepth and Flatten ("passes"), the pools and Upsample ("pools"), the transposed convolutions ("transposed") and PiX with its epilogue ("pix"), defined only in src/PiXGen.Definitions/DefinedKinds.cs (plus their attributes), in the
/// dataflow graph: the executor, fusion (activations fold into the convolution before them; the shuffle stays) and ONNX
/// export (Elu; x·Tanh(Softplus(x)); LeakyRelu; GELU by Erf or its tanh form; DepthToSpace CRD; instance and group statistics by ReduceMean; BatchNormalization; LayerNormalization between Transposes; the shuffle as Reshape,
/// Transpose, Reshape) run by ONNX Runtime, each against the TorchSharp modules.
/// </summary>
public class DefinedKindGraphTests
{
    /// <summary>"activations": conv → ELU(α 0.5) → conv → Mish → conv → ELU → conv → LeakyReLU(0.2) → conv → GELU(tanh) → conv → GELU; "shuffle": conv 3→12 → ReLU → PixelShuffle(2) → InstanceNorm2d(eps 1e-3) → conv 3→4 →
    /// ChannelShuffle(2) → GroupNorm(2 groups, eps 1e-3, random weight and bias) → BatchNorm2d (eps 1e-3, random weight, bias and
    /// running statistics; after a norm, so fusion keeps it as its own node) → LayerNorm2d (eps 1e-3, random weight and bias) →
    /// LayerNorm2d (eps 1e-4, no affine).</summary>
    /// <summary>Random affine parameters and statistics for the module's BatchNorm2d "bn", so folding it is tested; drawn
    /// from their own generator, so the values do not depend on what other tests drew before.</summary>
    private static void RandomizeBatchNorm(nn.Module module)
    {
        var generator = new torch.Generator(11);
        using (torch.no_grad())
        {
            foreach (var (key, p) in module.named_parameters().Where(p => p.name.StartsWith("bn.")))
                p.uniform_(key.EndsWith("weight") ? 0.5 : -0.5, 1.5, generator: generator);
            foreach (var (key, t) in module.named_buffers().Where(b => b.name.StartsWith("bn.running_")))
                t.uniform_(key.EndsWith("var") ? 0.5 : -0.5, 1.5, generator: generator);
        }
    }

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
        if (name == "passes")
        {
            // "passes": conv → Dropout(0.3) → Identity → StochasticDepth(0.2, row) → adaptive pool 2×2 → Flatten → Linear (the
            // first three return their input in eval; Flatten turns the 4×2×2 map into 16 features).
            var module = new PassNet();
            var g = new NetworkGraphBuilder("PassNet", 3, 6, 6);
            var x = g.Identity(g.Conv(NetworkGraph.InputName, "conv", 4, 3, p: 1, bias: true), "drop", "Dropout", ("p", 0.3));
            x = g.Identity(g.Identity(x, "same"), "depth", "StochasticDepth", ("p", 0.2), ("mode", "row"));
            x = g.Flatten(g.Adaptive("AdaptiveAvgPool2d", x, "pool", 2, 2), "flat");
            return (module, g.Build(g.Linear(x, "fc", 5)));
        }
        if (name == "pools")
        {
            // "pools": conv → MaxPool2d(3×2, stride 2×1, padding 1×0, dilation 1×2, ceil) → AvgPool2d(2×3, stride 2, padding 1,
            // count_include_pad false) → AdaptiveMaxPool2d(2×3) → AdaptiveAvgPool2d(2×1): every pool with per-axis pairs; then
            // Upsample bilinear with align_corners to 5×3 and nearest by a scale factor 2×3 (the graph's size is the output's).
            var module = nn.Sequential(
                ("conv", nn.Conv2d(3, 4, 3, padding: 1)),
                ("max", nn.MaxPool2d((3, 2), (2, 1), (1, 0), (1, 2), ceil_mode: true)),
                ("avg", nn.AvgPool2d((2, 3), (2, 2), (1, 1), count_include_pad: false)),
                ("amax", nn.AdaptiveMaxPool2d(new long[] { 2, 3 })),
                ("aavg", nn.AdaptiveAvgPool2d((2, 1))),
                ("up", nn.Upsample(size: new long[] { 5, 3 }, mode: UpsampleMode.Bilinear, align_corners: true)),
                ("upn", nn.Upsample(scale_factor: new double[] { 2, 3 })));
            var g = new NetworkGraphBuilder("PoolNet", 3, 11, 13);
            var stem = g.Build(g.Conv(NetworkGraph.InputName, "conv", 4, 3, p: 1, bias: true));
            GraphAttribute P(string attribute, string value) => new(attribute, value);
            var pools = stem.Nodes.Concat(new[]
            {
                new GraphNode("max", "MaxPool2d", new[] { "conv" }, null,
                    new[] { P("kernel", "3,2"), P("stride", "2,1"), P("padding", "1,0"), P("ceil", "true"), P("dilation", "1,2") }, new long[] { 4, 6, 11 }),
                new GraphNode("avg", "AvgPool2d", new[] { "max" }, null,
                    new[] { P("kernel", "2,3"), P("stride", "2,2"), P("padding", "1,1"), P("ceil", "false"), P("count_include_pad", "false") }, new long[] { 4, 4, 6 }),
                new GraphNode("amax", "AdaptiveMaxPool2d", new[] { "avg" }, null, new[] { P("size", "2,3") }, new long[] { 4, 2, 3 }),
                new GraphNode("aavg", "AdaptiveAvgPool2d", new[] { "amax" }, null, new[] { P("size", "2,1") }, new long[] { 4, 2, 1 }),
                new GraphNode("up", "Upsample", new[] { "aavg" }, null, new[] { P("mode", "bilinear"), P("size", "5,3"), P("align_corners", "true") }, new long[] { 4, 5, 3 }),
                new GraphNode("upn", "Upsample", new[] { "up" }, null, new[] { P("mode", "nearest"), P("size", "10,9"), P("align_corners", "false") }, new long[] { 4, 10, 9 }),
            }).ToArray();
            return (module, new NetworkGraph("PoolNet", stem.InputShape.ToArray(), pools, "upn"));
        }
        if (name == "transposed")
        {
            // "transposed": ConvTranspose2d(4 → 6, kernel 3×2, stride 2×3, padding 1×0, output padding 1, dilation 1×2, groups 2)
            // → BatchNorm2d (random statistics) → LeakyReLU(0.1) → ConvTranspose2d(6 → 3, 2, stride 2, no bias) → ReLU:
            // 4×5×6 → 6×10×19 → 3×20×38 (ONNX Runtime takes an output padding below the stride only, PyTorch also one below the dilation). Fusion folds the norm into the first (its output channels are the weight's second axis,
            // per group) and each activation into its convolution.
            var module = nn.Sequential(
                ("up", nn.ConvTranspose2d(4, 6, (3, 2), stride: (2, 3), padding: (1, 0), output_padding: (1, 1), dilation: (1, 2), groups: 2)),
                ("bn", nn.BatchNorm2d(6)), ("leaky", nn.LeakyReLU(0.1)),
                ("up2", nn.ConvTranspose2d(6, 3, 2, stride: 2, bias: false)), ("relu", nn.ReLU()));
            RandomizeBatchNorm(module);
            GraphAttribute T(string attribute, string value) => new(attribute, value);
            var transposed = new[]
            {
                new GraphNode("up", "ConvTranspose2d", new[] { NetworkGraph.InputName }, "up", new[] { T("in", "4"), T("out", "6"), T("kernel", "3,2"),
                    T("stride", "2,3"), T("padding", "1,0"), T("output_padding", "1,1"), T("dilation", "1,2"), T("groups", "2"), T("bias", "true") }, new long[] { 6, 10, 19 }),
                new GraphNode("bn", "BatchNorm2d", new[] { "up" }, "bn", new[] { T("channels", "6"), T("eps", "1E-05") }, new long[] { 6, 10, 19 }),
                new GraphNode("leaky", "LeakyReLU", new[] { "bn" }, null, new[] { T("slope", "0.1") }, new long[] { 6, 10, 19 }),
                new GraphNode("up2", "ConvTranspose2d", new[] { "leaky" }, "up2", new[] { T("in", "6"), T("out", "3"), T("kernel", "2,2"),
                    T("stride", "2,2"), T("padding", "0,0"), T("output_padding", "0,0"), T("dilation", "1,1"), T("groups", "1"), T("bias", "false") }, new long[] { 3, 20, 38 }),
                new GraphNode("relu", "ReLU", new[] { "up2" }, null, System.Array.Empty<GraphAttribute>(), new long[] { 3, 20, 38 }),
            };
            return (module, new NetworkGraph("TransposedNet", new long[] { 4, 5, 6 }, transposed, "relu"));
        }
        if (name == "pix")
        {
            // "pix": PiX(6 → 3, τ 0.3, φ bias) → BatchNorm2d (random statistics) → ReLU → PiX(3 → 1, avg-only, l1 context):
            // 6×5×5 → 3×5×5 → 1×5×5. Fusion folds the norm into the first PiX's epilogue and the ReLU after it.
            var module = nn.Sequential(
                ("pix", new PiXGen.PiX.PiXLayer(6, 2, tau: 0.3, bias: true)), ("bn", nn.BatchNorm2d(3)), ("relu", nn.ReLU()),
                ("pix2", new PiXGen.PiX.PiXLayer(3, 3, mode: PiXGen.PiX.PiXMode.AvgOnly, context: PiXGen.PiX.PiXContext.L1)));
            RandomizeBatchNorm(module);
            // The l1 context sums |x| over the 25 pixels, so φ's default init can drive the gate's logit below −18, where
            // p ≈ 1e-8 and ONNX Runtime's float32 Sigmoid returns 0: the output would be all but zero and a relative
            // comparison meaningless. A small φ, from its own generator, keeps p well inside (0, 1) whatever ran before.
            // The first PiX's φ too, at its default init's scale (±1/√6): with φ from the global generator, the test's
            // values depended on the tests run before it on the same thread (one full run of the suite failed it; alone it passed).
            using (torch.no_grad()) {
                module.named_parameters().Single(p => p.name == "pix2.weight").parameter.uniform_(-0.05, 0.05, generator: new torch.Generator(7));
                var phi = new torch.Generator(13);
                foreach (var (_, p) in module.named_parameters().Where(p => p.name.StartsWith("pix.")))
                    p.uniform_(-1 / System.Math.Sqrt(6), 1 / System.Math.Sqrt(6), generator: phi);
            }
            GraphAttribute T(string attribute, string value) => new(attribute, value);
            var pix = new[]
            {
                new GraphNode("pix", "PiX", new[] { NetworkGraph.InputName }, "pix", new[] { T("in", "6"), T("out", "3"), T("zeta", "2"), T("tau", "0.3"),
                    T("mode", "0"), T("context", "0"), T("bias", "true") }, new long[] { 3, 5, 5 }),
                new GraphNode("bn", "BatchNorm2d", new[] { "pix" }, "bn", new[] { T("channels", "3"), T("eps", "1E-05") }, new long[] { 3, 5, 5 }),
                new GraphNode("relu", "ReLU", new[] { "bn" }, null, System.Array.Empty<GraphAttribute>(), new long[] { 3, 5, 5 }),
                new GraphNode("pix2", "PiX", new[] { "relu" }, "pix2", new[] { T("in", "3"), T("out", "1"), T("zeta", "3"), T("tau", "0.5"),
                    T("mode", "1"), T("context", "1"), T("bias", "false") }, new long[] { 1, 5, 5 }),
            };
            return (module, new NetworkGraph("PiXNet", new long[] { 6, 5, 5 }, pix, "pix2"));
        }
        if (name == "activations")
        {
            var module = nn.Sequential(
                ("conv1", nn.Conv2d(3, 6, 3, padding: 1)), ("elu", nn.ELU(0.5)),
                ("conv2", nn.Conv2d(6, 6, 1, bias: false)), ("mish", nn.Mish()),
                ("conv3", nn.Conv2d(6, 4, 1)), ("elu2", nn.ELU()),
                ("conv4", nn.Conv2d(4, 4, 1)), ("leaky", nn.LeakyReLU(0.2)),
                ("conv5", nn.Conv2d(4, 4, 1)), ("gelu", nn.GELU(TorchSharp.Modules.GELU.Approximate.tanh)),
                ("conv6", nn.Conv2d(4, 4, 1)), ("gelu2", nn.GELU()));
            var g = new NetworkGraphBuilder("ActNet", 3, 8, 8);
            var x = g.Act(g.Conv(NetworkGraph.InputName, "conv1", 6, 3, p: 1, bias: true), "elu", "ELU", ("alpha", 0.5));
            x = g.Act(g.Conv(x, "conv2", 6, 1), "mish", "Mish");
            x = g.Act(g.Conv(x, "conv3", 4, 1, bias: true), "elu2", "ELU");
            x = g.Act(g.Conv(x, "conv4", 4, 1, bias: true), "leaky", "LeakyReLU", ("slope", 0.2));
            x = g.Act(g.Conv(x, "conv5", 4, 1, bias: true), "gelu", "GELU", ("approximate", "tanh"));
            x = g.Act(g.Conv(x, "conv6", 4, 1, bias: true), "gelu2", "GELU");
            return (module, g.Build(x));
        }
        var shuffleNet = nn.Sequential(
            ("conv1", nn.Conv2d(3, 12, 3, padding: 1)), ("relu", nn.ReLU()),
            ("shuffle", nn.PixelShuffle(2)), ("norm", nn.InstanceNorm2d(3, 1e-3)), ("conv2", nn.Conv2d(3, 4, 1)),
            ("channels", nn.ChannelShuffle(2)), ("gn", nn.GroupNorm(2, 4, 1e-3)), ("bn", nn.BatchNorm2d(4, 1e-3)),
            ("ln", new PiXGen.Layers.LayerNorm2d(4, 1e-3)), ("ln_plain", new PiXGen.Layers.LayerNorm2d(4, 1e-4, affine: false)));
        using (torch.no_grad())
        {
            foreach (var (key, p) in shuffleNet.named_parameters().Where(p => p.name.StartsWith("gn.") || p.name.StartsWith("bn.") || p.name.StartsWith("ln.")))
                p.uniform_(key.EndsWith("weight") ? 0.5 : -0.5, 1.5);
            foreach (var (key, t) in shuffleNet.named_buffers().Where(b => b.name.StartsWith("bn.running_")))
                t.uniform_(key.EndsWith("var") ? 0.5 : -0.5, 1.5);
        }
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
            new GraphNode("channels", "ChannelShuffle", new[] { "conv2" }, null, new[] { A("groups", "2") }, new long[] { 4, 10, 12 }),
            new GraphNode("gn", "GroupNorm", new[] { "channels" }, "gn", new[] { A("groups", "2"), A("channels", "4"), A("eps", "0.001"), A("affine", "true") },
                new long[] { 4, 10, 12 }),
            new GraphNode("bn", "BatchNorm2d", new[] { "gn" }, "bn", new[] { A("channels", "4"), A("eps", "0.001") }, new long[] { 4, 10, 12 }),
            new GraphNode("ln", "LayerNorm2d", new[] { "bn" }, "ln", new[] { A("channels", "4"), A("eps", "0.001"), A("affine", "true") }, new long[] { 4, 10, 12 }),
            new GraphNode("ln_plain", "LayerNorm2d", new[] { "ln" }, "ln_plain", new[] { A("channels", "4"), A("eps", "0.0001"), A("affine", "false") },
                new long[] { 4, 10, 12 }),
        }).ToArray();
        return (shuffleNet, new NetworkGraph("ShuffleNet", head.InputShape.ToArray(), nodes, "ln_plain"));
    }

    [Fact]
    public void The_nets_cover_every_defined_kind()
    {
        var ops = new[] { "simple", "activations", "shuffle", "channels_last", "passes", "pools", "transposed", "pix" }.SelectMany(name =>
        {
            var (module, graph) = Net(name);
            module.Dispose();
            return graph.Nodes.Select(n => n.Op);
        }).ToHashSet();
        // A composite kind (SqueezeExcitation) has no op of its own: its parts are graph ops (the zoo's SE networks cover it).
        Assert.Empty(PiXGen.Definitions.DefinedKind.All.Values.Where(k => !k.Composite).Select(k => k.Name).Except(ops));
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.0)]
    public void Each_kinds_tensors_add_up_to_its_cost_definitions_parameters_and_buffers(double flag)
    {
        // Every defined kind on an 8×4×4 input, integers 2 or their default (Permute's axes: channels to the last axis; a pool's
        // kernel 2, padding 0), flags as given, words
        // and reals at their defaults: the tensors the graph checks and the PyTorch backend initialises are what the cost
        // definition counts.
        var x = PiXGen.Definitions.Dims.Map(8, 4, 4);
        long[] toChannelsLast = { 0, 2, 3, 1 };
        foreach (var kind in PiXGen.Definitions.DefinedKind.All.Values)
        {
            int axis = 0;
            var values = kind.Values((s, fallback) => s.FromInput ? x.C : s.Flag ? flag
                : kind.Name == "Permute" ? toChannelsLast[axis++] : s.Integer ? s.Default ?? 2 : s.Default ?? 1);
            Assert.Null(kind.Check(x, values));
            var spec = kind.Spec(values);
            long Count(bool buffer) => kind.Tensors(values).Where(t => t.Buffer == buffer).Sum(t => t.Shape.Aggregate(1L, (a, b) => a * b));
            Assert.Equal((kind.Name, spec.Parameters(x)), (kind.Name, Count(false)));
            Assert.Equal((kind.Name, spec.Buffers(x)), (kind.Name, Count(true)));
            Assert.True(kind.Stateful || kind.Tensors(values).Count == 0, $"{kind.Name} has tensors but its graph node names no module");
        }
    }

    [Theory]
    [InlineData("simple")]
    [InlineData("activations")]
    [InlineData("shuffle")]
    [InlineData("channels_last")]
    [InlineData("passes")]
    [InlineData("pools")]
    [InlineData("transposed")]
    [InlineData("pix")]
    public void The_executor_matches_the_modules(string name)
    {
        var (module, graph) = Net(name);
        using var _ = module;
        GraphAssert.ExecutorMatchesModule(module, graph);
    }

    [Theory]
    [InlineData("simple", "ReLU,ReLU6,SiLU,Sigmoid,Hardswish,Hardsigmoid,Tanh", 0)]
    [InlineData("activations", "ELU,Mish,ELU,LeakyReLU,GELU,GELU", 0)]
    [InlineData("shuffle", "ReLU,", 1)]
    public void Fusion_folds_the_activations_keeps_the_shuffle_the_norm_and_the_output(string name, string fusedActivations, int shuffles)
    {
        var (module, graph) = Net(name);
        using var _ = module;
        var result = FusedMatchesModule(module, graph);
        Assert.Equal(fusedActivations, string.Join(",", result.Graph.Nodes.Where(n => n.Op == "Conv2d").Select(n => n.Get("activation"))));
        Assert.DoesNotContain(result.Graph.Nodes, n => GraphOps.Activations.Contains(n.Op));
        Assert.Equal(shuffles, result.Graph.Nodes.Count(n => n.Op == "PixelShuffle"));
        Assert.Equal(shuffles, result.Graph.Nodes.Count(n => n.Op == "InstanceNorm2d"));
        Assert.Equal(shuffles, result.Graph.Nodes.Count(n => n.Op == "ChannelShuffle"));
        Assert.Equal(shuffles, result.Graph.Nodes.Count(n => n.Op == "GroupNorm"));
        Assert.Equal(shuffles, result.Graph.Nodes.Count(n => n.Op == "BatchNorm2d"));
        Assert.Equal(2 * shuffles, result.Graph.Nodes.Count(n => n.Op == "LayerNorm2d"));
    }

    [Fact]
    public void Fusion_folds_GELU_into_the_channels_last_Linear_and_keeps_the_permutes_and_the_scale()
    {
        var (module, graph) = Net("channels_last");
        using var _ = module;
        var result = FusedMatchesModule(module, graph);
        Assert.Equal("GELU,", string.Join(",", result.Graph.Nodes.Where(n => n.Op == "Linear").Select(n => n.Get("activation"))));
        Assert.Equal(2, result.Graph.Nodes.Count(n => n.Op == "Permute"));
        Assert.Single(result.Graph.Nodes, n => n.Op == "LayerScale");
    }

    [Fact]
    public void Fusion_drops_what_returns_its_input_in_eval_and_keeps_the_flatten()
    {
        var (module, graph) = Net("passes");
        using var _ = module;
        var result = FusedMatchesModule(module, graph);
        Assert.Equal(3, graph.Nodes.Count(n => GraphOps.EvalIdentities.Contains(n.Op)));
        Assert.DoesNotContain(result.Graph.Nodes, n => GraphOps.EvalIdentities.Contains(n.Op));
        Assert.Equal("Conv2d,AdaptiveAvgPool2d,Flatten,Linear", string.Join(",", result.Graph.Nodes.Select(n => n.Op)));
    }

    [Fact]
    public void ONNX_writes_the_defined_Linear_with_the_nodes_and_names_it_had_before_its_definition()
    {
        // On a vector one Gemm (transB) named after the node, reading the weights by their state_dict keys.
        var (passes, passesGraph) = Net("passes");
        using (passes)
        {
            var gemm = Assert.Single(OnnxExporter.ToModel(passesGraph, passes.state_dict()).Graph.Node, n => n.OpType == "Gemm");
            Assert.Equal(("fc", "flat,fc.weight,fc.bias", "fc"), (gemm.Name, string.Join(",", gemm.Input), gemm.Output.Single()));
            Assert.Equal(1L, gemm.Attribute.Single(a => a.Name == "transB").I);
        }
        // On a channels-last map Transpose, MatMul, Add; with GELU fused into the first Linear (its node now makes "block.4"),
        // its values are named after the fused node as the exporter named them before, the Add making the pre-activation.
        var (block, graph) = Net("channels_last");
        using var _ = block;
        block.eval();
        var fused = GraphFusion.Fuse(graph, block.state_dict());
        var nodes = OnnxExporter.ToModel(fused.Graph, fused.Weights).Graph.Node
            .Where(n => n.Name.StartsWith("block.4", System.StringComparison.Ordinal) || n.Name.StartsWith("block.5", System.StringComparison.Ordinal)).ToList();
        string Line(string name) => nodes.Single(n => n.Name == name) is var n ? $"{n.OpType}({string.Join(",", n.Input)})" : "";
        Assert.Equal("Transpose(block.3.weight)", Line("block.4/weight_t"));
        Assert.Equal("MatMul(block.2,block.4/weight_t)", Line("block.4/matmul"));
        Assert.Equal("Add(block.4/matmul,block.3.bias)", Line("block.4/pre_activation"));
        Assert.Equal("Mul(block.4/half_x,block.4/one_plus)", Line("block.4"));
        Assert.Equal("Transpose(block.5.weight)", Line("block.5/weight_t"));
        Assert.Equal("MatMul(block.4,block.5/weight_t)", Line("block.5/matmul"));
        Assert.Equal("Add(block.5/matmul,block.5.bias)", Line("block.5"));
    }

    [Fact]
    public void Fusion_folds_the_norm_and_the_activations_into_the_transposed_convolutions()
    {
        var (module, graph) = Net("transposed");
        using var _ = module;
        var result = FusedMatchesModule(module, graph);
        Assert.Equal("ConvTranspose2d ConvTranspose2d", string.Join(" ", result.Graph.Nodes.Select(n => n.Op)));
        Assert.Equal("leaky LeakyReLU 0.1 true, relu ReLU  false",
            string.Join(", ", result.Graph.Nodes.Select(n => $"{n.Output} {n.Get("activation")} {n.Get("activation_slope")} {n.Get("bias")}")));
        Assert.Equal(new long[] { 4, 3, 3, 2 }, result.Weights["up.weight"].shape);
        Assert.Equal(new long[] { 6 }, result.Weights["up.bias"].shape);
        Assert.False(result.Weights.ContainsKey("up2.bias"));
    }

    [Fact]
    public void A_built_ConvTranspose2d_module_is_found_by_its_definition_with_its_settings()
    {
        // The run-time summary's MACs (TorchSharp's ConvTranspose2d is no Conv2d) and the graph's weight check read it.
        var kind = PiXGen.Definitions.DefinedKind.ConvTranspose2d;
        using var up = nn.ConvTranspose2d(4, 6, (3, 2), stride: (2, 1), padding: (1, 0), output_padding: (1, 1), dilation: (1, 2), groups: 2);
        using var plain = nn.ConvTranspose2d(6, 3, 2, stride: 2, bias: false);
        Assert.Same(kind, PiXGen.Definitions.DefinedKind.Of(up));
        Assert.Equal(new double[] { 4, 6, 3, 2, 2, 1, 1, 0, 1, 1, 1, 2, 2, 1 }, kind.ValuesOf(up));
        Assert.Equal(new double[] { 6, 3, 2, 2, 2, 2, 0, 0, 0, 0, 1, 1, 1, 0 }, kind.ValuesOf(plain));
        TensorsAre(kind, up, "weight 4×3×3×2 ConvolutionWeight, bias 6 ConvolutionBias");
        using var conv = nn.Conv2d(3, 4, 1);
        Assert.Null(kind.ValuesOf(conv));
    }

    /// <summary>
    /// The definition's tensors for <paramref name="module"/>'s settings are <paramref name="expected"/> ("leaf shape scheme",
    /// comma-separated), and the same leaves and shapes, in order, as the module's own parameters.
    /// </summary>
    private static void TensorsAre(PiXGen.Definitions.DefinedKind kind, nn.Module module, string expected)
    {
        var tensors = kind.Tensors(kind.ValuesOf(module)!);
        Assert.Equal(expected, string.Join(", ", tensors.Select(t => $"{t.Leaf} {string.Join("×", t.Shape)} {t.Scheme}")));
        Assert.Equal(string.Join(", ", module.named_parameters().Select(p => $"{p.name} {string.Join("×", p.parameter.shape)}")),
            string.Join(", ", tensors.Select(t => $"{t.Leaf} {string.Join("×", t.Shape)}")));
    }

    /// <summary>A real number as the PyTorch backend writes it (invariant culture).</summary>
    private static string Real(double v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The kind's function with the module's settings and tensors is the module's forward on <paramref name="x"/> (disposed).</summary>
    private static void AppliedAsForward(PiXGen.Definitions.DefinedKind kind, nn.Module<Tensor, Tensor> module, Tensor x)
    {
        using (x)
        {
            var weights = module.state_dict();
            using var expected = module.forward(x);
            using var actual = kind.Apply(x, kind.ValuesOf(module)!, leaf => weights.TryGetValue(leaf, out var t) ? t : null);
            Assert.True(expected.allclose(actual, 1e-5, 1e-6));
        }
    }

    [Fact]
    public void A_built_Conv2d_module_is_found_by_its_definition_with_its_settings_and_applied_as_it()
    {
        // The run-time summary's MACs, the initializer and the graph's weight check read it; the executor applies it.
        var kind = PiXGen.Definitions.DefinedKind.Conv2d;
        Assert.Same(kind, PiXGen.Definitions.DefinedKind.All["Conv2d"]);
        using var conv = nn.Conv2d(4, 6, (3, 2), stride: (2, 1), padding: (1, 0), dilation: (1, 2), groups: 2);
        using var plain = nn.Conv2d(6, 3, 1, bias: false);
        Assert.Same(kind, PiXGen.Definitions.DefinedKind.Of(conv));
        Assert.Equal(new double[] { 4, 6, 3, 2, 2, 1, 1, 0, 1, 2, 2, 1 }, kind.ValuesOf(conv));
        Assert.Equal(new double[] { 6, 3, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0 }, kind.ValuesOf(plain));
        TensorsAre(kind, conv, "weight 6×2×3×2 ConvolutionWeight, bias 6 ConvolutionBias");
        Assert.Equal("nn.Conv2d(4, 6, kernel_size=(3, 2), stride=(2, 1), padding=(1, 0), groups=2, dilation=(1, 2))",
            kind.PyTorch(4, kind.ValuesOf(conv)!, Real));
        // Its function is the module's forward, with and without bias.
        AppliedAsForward(kind, conv, torch.randn(2, 4, 9, 8));
        AppliedAsForward(kind, plain, torch.randn(1, 6, 5, 5));
        // The two convolutions do not read each other's modules.
        using var transposed = nn.ConvTranspose2d(3, 4, 1);
        Assert.Null(kind.ValuesOf(transposed));
        Assert.Null(PiXGen.Definitions.DefinedKind.ConvTranspose2d.ValuesOf(conv));
    }

    [Fact]
    public void A_built_PiX_module_is_found_by_its_definition_with_its_settings_and_applied_as_it()
    {
        // The run-time summary's MACs and the initializer read it through its definition; the executor applies it.
        var kind = PiXGen.Definitions.DefinedKind.PiX;
        Assert.Same(kind, PiXGen.Definitions.DefinedKind.All["PiX"]);
        Assert.False(kind.IsActivation);
        Assert.DoesNotContain("PiX", GraphOps.Activations);
        using var pix = new PiXGen.PiX.PiXLayer(10, 3, tau: 0.25, mode: PiXGen.PiX.PiXMode.AvgOnly, context: PiXGen.PiX.PiXContext.L1, bias: true);
        using var plain = new PiXGen.PiX.PiXLayer(8, 2);
        Assert.Same(kind, PiXGen.Definitions.DefinedKind.Of(pix));
        Assert.Equal(new double[] { 10, 4, 3, 0.25, 1, 1, 1 }, kind.ValuesOf(pix));
        Assert.Equal(new double[] { 8, 4, 2, 0.5, 0, 0, 0 }, kind.ValuesOf(plain));
        TensorsAre(kind, pix, "weight 4×10×1×1 ConvolutionWeight, bias 4 ConvolutionBias");
        Assert.Equal("PiX(10, zeta=3, tau=0.25, mode=AVG_ONLY, context=L1_CONTEXT, bias=True)",
            kind.PyTorch(10, kind.ValuesOf(pix)!, Real));
        Assert.Equal("PiX(8, zeta=2)", kind.PyTorch(8, kind.ValuesOf(plain)!, Real));
        Assert.Equal(new PiXGen.Definitions.PiXSpec(3, 10, true), kind.Spec(kind.ValuesOf(pix)!));
        // Its function is the module's forward, with and without bias.
        pix.eval(); plain.eval();
        AppliedAsForward(kind, pix, torch.randn(2, 10, 5, 6));
        AppliedAsForward(kind, plain, torch.randn(1, 8, 4, 4));
        // A convolution is not read as PiX, nor PiX as a convolution.
        using var conv = nn.Conv2d(8, 4, 1);
        Assert.Null(kind.ValuesOf(conv));
        Assert.Null(PiXGen.Definitions.DefinedKind.Conv2d.ValuesOf(plain));
    }

    [Fact]
    public void A_built_Linear_module_is_found_by_its_definition_with_its_settings()
    {
        // The run-time summary's MACs and the initialiser's scheme rules read a module through its definition.
        using var linear = nn.Linear(6, 3);
        using var plain = nn.Linear(6, 3, hasBias: false);
        Assert.Same(PiXGen.Definitions.DefinedKind.Linear, PiXGen.Definitions.DefinedKind.Of(linear));
        Assert.Equal(new double[] { 6, 3, 1 }, PiXGen.Definitions.DefinedKind.Linear.ValuesOf(linear));
        Assert.Equal(new double[] { 6, 3, 0 }, PiXGen.Definitions.DefinedKind.Linear.ValuesOf(plain));
        var tensors = PiXGen.Definitions.DefinedKind.Linear.Tensors(new double[] { 6, 3, 1 });
        Assert.Equal("weight 3×6 LinearWeight, bias 3 LinearBias",
            string.Join(", ", tensors.Select(t => $"{t.Leaf} {string.Join("×", t.Shape)} {t.Scheme}")));
        // A convolution is found by its own definition (Conv2d, a defined kind too), which Linear's does not read.
        using var conv = nn.Conv2d(3, 4, 1);
        Assert.Same(PiXGen.Definitions.DefinedKind.Conv2d, PiXGen.Definitions.DefinedKind.Of(conv));
        Assert.Null(PiXGen.Definitions.DefinedKind.Linear.ValuesOf(conv));
        using var bn = nn.BatchNorm2d(4);
        Assert.Same(PiXGen.Definitions.DefinedKind.BatchNorm2d, PiXGen.Definitions.DefinedKind.Of(bn));
        Assert.Null(PiXGen.Definitions.DefinedKind.BatchNorm2d.ValuesOf(bn));
    }

    /// <summary>The net fused for eval; the executor on the fused graph gives the module's eval output.</summary>
    private static FusionResult FusedMatchesModule(nn.Module<Tensor, Tensor> module, NetworkGraph graph)
    {
        module.eval();
        var result = GraphFusion.Fuse(graph, module.state_dict());
        using var input = GraphTestNets.Input(graph, 2);
        using var expected = module.call(input);
        using var actual = GraphExecutor.Run(result.Graph, result.Weights, input);
        Assert.True(GraphTestNets.RelativeL2(actual, expected) <= 1e-6);
        return result;
    }

    /// <summary>The "passes" net as TorchSharp modules (not a Sequential, which disposes an input its layer returns in eval).</summary>
    private sealed class PassNet : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> conv = nn.Conv2d(3, 4, 3, padding: 1), drop = nn.Dropout(0.3), same = nn.Identity(),
            depth = new PiXGen.Layers.StochasticDepth(0.2), pool = nn.AdaptiveAvgPool2d(2), flat = nn.Flatten(), fc = nn.Linear(16, 5);

        public PassNet() : base("PassNet") => RegisterComponents();

        public override Tensor forward(Tensor input) => fc.call(flat.call(pool.call(depth.call(same.call(drop.call(conv.call(input)))))));
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
    [InlineData("passes", false)]
    [InlineData("passes", true)]
    [InlineData("pools", false)]
    [InlineData("pools", true)]
    [InlineData("transposed", false)]
    [InlineData("transposed", true)]
    [InlineData("pix", false)]
    [InlineData("pix", true)]
    public void ONNX_export_runs_in_ONNX_Runtime(string name, bool fuse)
    {
        var (module, graph) = Net(name);
        using var _ = module;
        OnnxExportTests.OnnxMatchesModule(module, graph, fuse);
    }

    /// <summary>
    /// The cost model's pass layers take what they do with their input from their definitions: the layers that return
    /// their input at inference (DefinedKind.EvalIdentity) alias it and take any rank; ChannelShuffle permutes a C×H×W
    /// map into a tensor of its own.
    /// </summary>
    [Theory]
    [InlineData("Identity", true)]
    [InlineData("Dropout", true)]
    [InlineData("StochasticDepth", true)]
    [InlineData("ChannelShuffle", false)]
    public void A_pass_layer_aliases_its_input_exactly_where_its_definition_returns_it(string kind, bool aliases)
    {
        var spec = new PiXGen.Definitions.PassSpec(kind);
        Assert.Equal(PiXGen.Definitions.DefinedKind.All[kind].EvalIdentity, spec.Aliases);
        Assert.Equal(aliases, spec.Aliases);
        var onVector = spec.Check(PiXGen.Definitions.Dims.Vector(8));
        if (aliases) Assert.Null(onVector);
        else Assert.Contains("needs a C×H×W input", onVector);
    }
}
