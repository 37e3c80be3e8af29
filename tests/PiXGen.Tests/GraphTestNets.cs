using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using PiXGen.Graph;
using PiXGen.PiX;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PiXGen.Tests;

/// <summary>Graphs of the zoo's networks and of small test networks, the modules they describe, and comparisons.</summary>
internal static class GraphTestNets
{
    /// <summary>The TinyNet of issue 2 (conv-bn-relu, pool, linear), as a TorchSharp Sequential with the generated names.</summary>
    public static (nn.Module<Tensor, Tensor> module, NetworkGraph graph) TinyNet()
    {
        var module = nn.Sequential(
            ("conv1", nn.Conv2d(3, 16, 3, padding: 1)),
            ("bn1", nn.BatchNorm2d(16)),
            ("relu", nn.ReLU()),
            ("pool", nn.AdaptiveAvgPool2d(1)),
            ("flatten", nn.Flatten()),
            ("fc", nn.Linear(16, 10)));
        var g = new NetworkGraphBuilder("TinyNet", 3, 32, 32);
        var x = g.Conv(NetworkGraph.InputName, "conv1", 16, 3, p: 1, bias: true);
        x = g.BN(x, "bn1");
        x = g.Act(x, "relu", "ReLU");
        x = g.Adaptive("AdaptiveAvgPool2d", x, "pool", 1, 1);
        x = g.Flatten(x, "flatten");
        x = g.Linear(x, "fc", 10);
        return (module, g.Build(x));
    }

    /// <summary>The torchvision stem (conv 7×7/2, BatchNorm, ReLU, max pool 3/2) shared by the ResNets.</summary>
    private static string Stem(NetworkGraphBuilder g, string conv, string bn) =>
        g.Pool("MaxPool2d", g.Act(g.BN(g.Conv(NetworkGraph.InputName, conv, 64, 7, 2, 3), bn), "relu", "ReLU"), "maxpool", 3, 2, 1);

    /// <summary>conv → BatchNorm (→ ReLU when <paramref name="relu"/> is given), all under the block prefix <paramref name="p"/>.</summary>
    private static string ConvBn(NetworkGraphBuilder g, string x, string p, string conv, string bn, string? relu, long outC, long k, long s = 1, long pad = 0)
    {
        var y = g.BN(g.Conv(x, p + conv, outC, k, s, pad), p + bn);
        return relu is null ? y : g.Act(y, p + relu, "ReLU");
    }

    /// <summary>The end of a residual block: shortcut (1×1 conv + BatchNorm when the shape changes), add, ReLU.</summary>
    private static string Residual(NetworkGraphBuilder g, string x, string y, string p, bool project, string conv, string bn, long outC, long stride)
    {
        var shortcut = project ? ConvBn(g, x, p, conv, bn, null, outC, 1, stride) : x;
        return g.Act(g.Add(p + ".add", y, shortcut), p + ".relu", "ReLU");
    }

    /// <summary>The graph of the zoo's <c>ResNet18</c> (torchvision layout and names) at input 3×h×w.</summary>
    public static NetworkGraph ResNet18Graph(long h = 224, long w = 224, long classes = 1000)
    {
        var g = new NetworkGraphBuilder("resnet18", 3, h, w);
        var x = Stem(g, "conv1", "bn1");
        long inC = 64;
        foreach (var (stage, planes) in new[] { (1, 64L), (2, 128L), (3, 256L), (4, 512L) })
            for (int b = 0; b < 2; b++) {
                string p = $"layer{stage}.{b}";
                long stride = stage > 1 && b == 0 ? 2 : 1;
                var y = ConvBn(g, x, p, ".conv1", ".bn1", ".relu1", planes, 3, stride, 1);
                y = ConvBn(g, y, p, ".conv2", ".bn2", null, planes, 3, 1, 1);
                x = Residual(g, x, y, p, stride != 1 || inC != planes, ".downsample.0", ".downsample.1", planes, stride);
                inC = planes;
            }
        x = g.Flatten(g.Adaptive("AdaptiveAvgPool2d", x, "avgpool", 1, 1), "flatten");
        return g.Build(g.Linear(x, "fc", classes));
    }

    /// <summary>The graph of the zoo's <c>PiXResNet50</c> (official PiX-ResNet-50 names) at input 3×h×w.</summary>
    public static NetworkGraph PiXResNet50Graph(long h = 224, long w = 224, long classes = 1000)
    {
        var g = new NetworkGraphBuilder("pix_resnet50", 3, h, w);
        var x = Stem(g, "conv_stem", "bn_stem");
        long inC = 64;
        foreach (var (stage, planes, depth, stride0, firstZeta) in new[] { (1, 64L, 3, 1L, 1), (2, 128L, 4, 2L, 2), (3, 256L, 6, 2L, 2), (4, 512L, 3, 2L, 2) })
            for (int b = 0; b < depth; b++) {
                string p = $"layer{stage}.blocks.{b}";
                long stride = b == 0 ? stride0 : 1;
                long expanded = planes * 4;
                var y = g.PiX(x, p + ".conv_sqz", b == 0 ? firstZeta : 4);
                y = ConvBn(g, y, p, ".conv_ce", ".bn_ce", ".relu_ce", g.Shape(y)[0], 3, stride, 1);
                y = ConvBn(g, y, p, ".conv_exp", ".bn_exp", null, expanded, 1);
                x = Residual(g, x, y, p, stride != 1 || inC != expanded, ".conv_proj", ".bn_proj", expanded, stride);
                inC = expanded;
            }
        x = g.Adaptive("AdaptiveAvgPool2d", x, "avgpool", 1, 1);
        x = g.Identity(x, "dropout", "Dropout", ("p", 0.2));
        x = g.Conv(x, "classifier", classes, 1, bias: true);
        return g.Build(g.Flatten(x, "flatten"));
    }

    /// <summary>
    /// A network exercising every op of the contract (and every fusion): conv-bn-SiLU, PiX with a short last group +
    /// BN + ReLU, transposed conv-bn-LeakyReLU, max pool, GroupNorm-GELU, grouped conv, LayerNorm2d-Hardswish, channel
    /// slice/shuffle/concat, max-only PiX with l1 context and bias, Tanh, squeeze-excitation (Mul, Hardsigmoid), bilinear
    /// and nearest upsampling, average pooling, a three-way Add with ReLU6 and Sigmoid, avg-only PiX, adaptive max pool,
    /// Identity, Dropout, StochasticDepth, Flatten, Linear. The module is written with TorchSharp layers, independently.
    /// </summary>
    public static (nn.Module<Tensor, Tensor> module, NetworkGraph graph) OpsNet()
    {
        var g = new NetworkGraphBuilder("opsnet", 3, 16, 16);
        var x = g.Conv(NetworkGraph.InputName, "c1", 12, 3, p: 1, bias: true);
        x = g.BN(x, "b1");
        x = g.Act(x, "a1", "SiLU");
        x = g.PiX(x, "px", 5);                                 // 12 channels, ζ = 5: groups of 5, 5, 2
        x = g.BN(x, "pb");
        x = g.Act(x, "pa", "ReLU");
        x = g.ConvTranspose(x, "ct", 8, 2, 2, bias: true);     // 3×16×16 → 8×32×32
        x = g.BN(x, "bt");
        x = g.Act(x, "at", "LeakyReLU", ("slope", 0.1));
        x = g.Pool("MaxPool2d", x, "mp", 3, 2, 1);             // 8×16×16
        x = g.GroupNorm(x, "gn", 2);
        x = g.Act(x, "ag", "GELU", ("approximate", "tanh"));
        x = g.Conv(x, "dw", 8, 3, p: 1, groups: 4);
        x = g.LayerNorm2d(x, "ln");
        x = g.LayerScale(x, "scale");                           // ConvNeXt's per-channel layer scale
        var h = g.Act(x, "ah", "Hardswish");
        var sl = g.Slice(h, "sl", 2, 4);
        var sh = g.Shuffle(h, "sh", 2);
        x = g.Concat("cat", sh, sl);                           // 12×16×16
        x = g.PiX(x, "px2", 3, tau: 0.6, mode: PiXMode.MaxOnly, context: PiXContext.L1, bias: true);   // 4×16×16
        var t = g.Act(x, "a2", "Tanh");
        var se = g.Adaptive("AdaptiveAvgPool2d", t, "se_pool", 1, 1);
        se = g.Conv(se, "se_fc", 4, 1, bias: true);
        se = g.Act(se, "se_gate", "Hardsigmoid");
        x = g.Mul("se_mul", t, se);
        x = g.Upsample(x, "up", "bilinear", 24, 24);
        x = g.Pool("AvgPool2d", x, "av", 3, 2, 1, countIncludePad: false);   // 12×12
        x = g.Upsample(x, "upn", "nearest", 18, 18);
        var r6 = g.Act(x, "r6", "ReLU6");
        var sg = g.Act(x, "sg", "Sigmoid");
        x = g.Add("add3", x, r6, sg);
        x = g.Identity(x, "drop", "Dropout", ("p", 0.5));
        x = g.PiX(x, "px3", 2, mode: PiXMode.AvgOnly);        // 2×18×18
        x = g.Adaptive("AdaptiveMaxPool2d", x, "amp", 3, 3);
        x = g.Identity(x, "idn");
        x = g.Identity(x, "sd", "StochasticDepth", ("p", 0.1), ("mode", "row"));
        x = g.Flatten(x, "flatten");
        x = g.LayerNorm(x, "lnv");                              // over the 18 features
        x = g.Linear(x, "fc", 5);
        var module = new OpsModule();
        SeedParameters(module, 11);
        return (module, g.Build(x));
    }

    /// <summary>The TorchSharp module <see cref="OpsNet"/> describes, layer by layer.</summary>
    private sealed class OpsModule : nn.Module<Tensor, Tensor>
    {
        private readonly Conv2d c1 = nn.Conv2d(3, 12, 3, padding: 1);
        private readonly BatchNorm2d b1 = nn.BatchNorm2d(12);
        private readonly PiXLayer px = new(12, 5);
        private readonly BatchNorm2d pb = nn.BatchNorm2d(3);
        private readonly ConvTranspose2d ct = nn.ConvTranspose2d(3, 8, 2, stride: 2);
        private readonly BatchNorm2d bt = nn.BatchNorm2d(8);
        private readonly GroupNorm gn = nn.GroupNorm(2, 8);
        private readonly Conv2d dw = nn.Conv2d(8, 8, 3, padding: 1, groups: 4, bias: false);
        private readonly LayerNorm ln = nn.LayerNorm(new long[] { 8 }, 1e-6);
        private readonly Parameter scale = nn.Parameter(ones(8, 1, 1));
        private readonly LayerNorm lnv = nn.LayerNorm(new long[] { 18 }, 1e-6);
        private readonly PiXLayer px2 = new(12, 3, 0.6, PiXMode.MaxOnly, PiXContext.L1, bias: true);
        private readonly Conv2d se_fc = nn.Conv2d(4, 4, 1);
        private readonly PiXLayer px3 = new(4, 2, mode: PiXMode.AvgOnly);
        private readonly Linear fc = nn.Linear(18, 5);

        public OpsModule() : base("OpsNet") => RegisterComponents();

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            var x = nn.functional.silu(b1.call(c1.call(input)));
            x = nn.functional.relu(pb.call(px.call(x)));
            x = nn.functional.leaky_relu(bt.call(ct.call(x)), 0.1);
            x = nn.functional.max_pool2d(x, new long[] { 3, 3 }, new long[] { 2, 2 }, new long[] { 1, 1 });
            x = nn.functional.gelu(gn.call(x), TorchSharp.Modules.GELU.Approximate.tanh);
            x = ln.call(dw.call(x).permute(0, 2, 3, 1)).permute(0, 3, 1, 2) * scale;
            var h = nn.functional.hardswish(x);
            var sl = h.narrow(1, 2, 4);
            var sh = nn.ChannelShuffle(2).call(h);
            x = cat(new[] { sh, sl }, 1);
            var t = px2.call(x).tanh();
            var se = nn.functional.hardsigmoid(se_fc.call(nn.functional.adaptive_avg_pool2d(t, new long[] { 1, 1 })));
            x = t * se;
            x = nn.functional.interpolate(x, new long[] { 24, 24 }, mode: InterpolationMode.Bilinear, align_corners: false);
            x = nn.functional.avg_pool2d(x, new long[] { 3, 3 }, new long[] { 2, 2 }, new long[] { 1, 1 }, count_include_pad: false);
            x = nn.functional.interpolate(x, new long[] { 18, 18 }, mode: InterpolationMode.Nearest);
            x = x + nn.functional.relu6(x) + nn.functional.sigmoid(x);
            x = nn.functional.dropout(x, 0.5, training);
            x = px3.call(x);
            x = nn.functional.adaptive_max_pool2d(x, new long[] { 3, 3 });
            x = fc.call(lnv.call(x.flatten(1)));
            return x.MoveToOuterDisposeScope();
        }
    }

    /// <summary>
    /// Draws every parameter of <paramref name="module"/> from its own generator (uniform, ±1/√fan-in for weights, ±0.1
    /// for vectors), so a test's weights do not depend on which tests drew from libtorch's global generator before it
    /// (OpsNet's executor check once missed its 1e-6 bound in a full parallel run with such weights).
    /// </summary>
    public static void SeedParameters(nn.Module module, long seed)
    {
        var gen = new Generator((ulong)seed);
        using var noGrad = no_grad();
        foreach (var (_, p) in module.named_parameters()) {
            double bound = p.dim() > 1 ? 1 / Math.Sqrt(p.numel() / p.shape[0]) : 0.1;
            using var v = (rand(p.shape, generator: gen) * 2 - 1) * bound;
            p.copy_(v);
        }
    }

    /// <summary>Gives every normalisation of the graph non-trivial statistics and affine parameters (fresh modules
    /// have mean 0, variance 1, γ = 1, β = 0, which would make BatchNorm folding look right when it is not).</summary>
    public static void RandomizeNorms(nn.Module module, NetworkGraph graph, long seed = 7)
    {
        var sd = module.state_dict();
        var gen = new Generator((ulong)seed);
        using var noGrad = no_grad();
        foreach (var n in graph.Nodes.Where(n => n.Op is "BatchNorm2d" or "GroupNorm" or "LayerNorm2d")) {
            void Set(string leaf, Func<long, Tensor> make)
            {
                if (sd.TryGetValue(n.Module + "." + leaf, out var t)) {
                    using var v = make(t.shape[0]);
                    t.copy_(v);
                }
            }
            Set("running_mean", c => randn(new[] { c }, generator: gen) * 0.2);
            Set("running_var", c => rand(new[] { c }, generator: gen) + 0.5);
            Set("weight", c => rand(new[] { c }, generator: gen) * 0.6 + 0.7);
            Set("bias", c => randn(new[] { c }, generator: gen) * 0.2);
        }
    }

    /// <summary>‖a − b‖ / ‖b‖.</summary>
    public static double RelativeL2(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        var d = (a.to(float64) - b.to(float64)).norm().item<double>();
        var r = b.to(float64).norm().item<double>();
        return d / r;
    }

    /// <summary>A fixed random input batch for <paramref name="graph"/>.</summary>
    public static Tensor Input(NetworkGraph graph, long batch, long seed = 1) =>
        randn(new[] { batch }.Concat(graph.InputShape).ToArray(), generator: new Generator((ulong)seed));
}

/// <summary>The checks every graph consumer must pass, one call per (module, graph): a zoo-wide test is one line each.</summary>
internal static class GraphAssert
{
    /// <summary>The executor on the module's state_dict gives the module's eval logits.</summary>
    public static void ExecutorMatchesModule(nn.Module<Tensor, Tensor> module, NetworkGraph graph, long batch = 2, double tolerance = 1e-6)
    {
        using var scope = NewDisposeScope();
        var executor = new GraphExecutor(graph, module.state_dict());
        Matches(module, graph, batch, tolerance, "executor", executor.Run);
    }

    /// <summary>The fused network gives the module's eval logits; returns it (owned by the caller).</summary>
    public static FusedNetwork FusedMatchesModule(nn.Module<Tensor, Tensor> module, NetworkGraph graph, long batch = 2, double tolerance = 1e-5,
                                                  FusedEngine engine = FusedEngine.Auto, bool nativePiX = true)
    {
        var fused = new FusedNetwork(graph, module.state_dict()) { Engine = engine, NativePiX = nativePiX };
        using (NewDisposeScope()) Matches(module, graph, batch, tolerance, "fused", x => fused.call(x));
        Assert.DoesNotContain(fused.Graph.Nodes, n => n.Op is "Dropout" or "StochasticDepth" || (n.Op == "Identity" && n.Output != graph.Output));
        return fused;
    }

    /// <summary><paramref name="run"/> gives the module's eval logits on a fixed random batch (relative L2 ≤ tolerance).</summary>
    public static void Matches(nn.Module<Tensor, Tensor> module, NetworkGraph graph, long batch, double tolerance, string what, Func<Tensor, Tensor> run, long seed = 1)
    {
        using var scope = NewDisposeScope();
        module.eval();
        var x = GraphTestNets.Input(graph, batch, seed);
        Tensor expected;
        using (no_grad()) expected = module.call(x);
        var actual = run(x);
        Assert.Equal(expected.shape, actual.shape);
        double err = GraphTestNets.RelativeL2(actual, expected);
        Assert.True(err <= tolerance, $"{graph.Network}, batch {batch}: {what} vs module relative L2 {err:E2} > {tolerance:E0}");
    }
}
