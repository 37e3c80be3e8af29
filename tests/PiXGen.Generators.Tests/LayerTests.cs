using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using PiXGen.Generators.Diagnostics;
using TorchSharp;
using static PiXGen.Generators.Tests.Sources;
using static TorchSharp.torch;

namespace PiXGen.Generators.Tests;

/// <summary>
/// The layers of issue 9: GELU, LeakyReLU, Hardsigmoid, Tanh, GroupNorm, LayerNorm2d, Upsample, ConvTranspose2d,
/// AdaptiveMaxPool2d, StochasticDepth, ChannelShuffle. Each network is snapshotted (Snapshots/LayerTests.*), compiled,
/// loaded and run: the output shape, parameter count and MACs the compiler states are checked against the real
/// TorchSharp modules (<see cref="RuntimeCheck"/>); the run-time modules PiXGen adds are checked against naive
/// implementations; bad settings give located diagnostics.
/// </summary>
public class LayerTests
{
    private static bool ModuleOrCatalog(GeneratedFile f) => !f.HintName.EndsWith(".Costs.g.cs", System.StringComparison.Ordinal);

    private static GeneratorRun RunClean(string source)
        => GeneratorHarness.Run(source).AssertNoGeneratorDiagnostics().AssertCompilesCleanly();

    /// <summary>The one diagnostic (cost reports aside) of a network declared in <paramref name="body"/>: its id and message, in source.</summary>
    /// <summary>The text of the one generated file whose hint name ends with <paramref name="suffix"/> (a block's own: not a network's).</summary>
    private static string Generated(GeneratorRun run, string suffix, bool block = false)
        => run.Files.Single(f => f.HintName.EndsWith(suffix, System.StringComparison.Ordinal) && !(block && f.HintName.Contains("Net"))).Text;

    private static void OnlyDiagnostic(string body, string id, string message)
    {
        var d = Assert.Single(GeneratorHarness.Run(Src(body)).RelevantGeneratorDiagnostics());
        Assert.Equal(id, d.Id);
        Assert.Equal(message, d.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(d.Location.IsInSource);
    }

    /// <summary>The run's diagnostics other than the cost reports: the expected IDs at real source locations, nothing crashed.</summary>
    private static void ExpectDiagnostics(string source, string[] ids, [CallerFilePath] string file = "", [CallerMemberName] string test = "")
    {
        var run = GeneratorHarness.Run(source);
        var diagnostics = run.RelevantGeneratorDiagnostics();
        Assert.Equal(ids.OrderBy(i => i), diagnostics.Select(d => d.Id).OrderBy(i => i));
        foreach (var d in diagnostics)
        {
            Assert.Equal(DiagnosticDescriptors.ById(d.Id).DefaultSeverity, d.Severity);
            Assert.True(d.Location.IsInSource, $"{d.Id} has no source location");
        }
        run.AssertCompilesWithoutErrors();
        Snapshot.VerifyDiagnostics(diagnostics, file, test);
    }

    public const string NewLayersSource = """
        using PiXGen;
        using TorchSharp.Modules;

        namespace Demo;

        [Block, Residual]
        public partial class ConvNeXtBlock
        {
            [Conv2d("in", Kernel = 7, Padding = 3, Groups = "in")] readonly Conv2d dwconv;
            [LayerNorm2d(Eps = 1e-6)] readonly PiXGen.Layers.LayerNorm2d norm;
            [Conv2d("4 * in", Kernel = 1)] readonly Conv2d pwconv1;
            [GELU] readonly GELU act;
            [Conv2d("in", Kernel = 1)] readonly Conv2d pwconv2;
            [StochasticDepth(0.1)] readonly PiXGen.Layers.StochasticDepth drop;
        }

        [Network(Input = "3x16x16")]
        public partial class NewLayersNet
        {
            [Conv2d(16, Kernel = 3, Stride = 2, Padding = 1)] [GroupNorm(4)] [LeakyReLU(NegativeSlope = 0.2)] readonly Sequential stem;
            [Use(typeof(ConvNeXtBlock))] readonly ConvNeXtBlock block;
            [ChannelShuffle(4)] readonly ChannelShuffle shuffle;
            [ConvTranspose2d(8, Kernel = 3, Stride = 2, Padding = 1, OutputPadding = 1)] readonly ConvTranspose2d up;
            [Upsample(ScaleFactor = 2, Mode = "bilinear", AlignCorners = true)] readonly Upsample resize;
            [Tanh] [Hardsigmoid] [GELU(Approximate = "tanh")] [GroupNorm(2, Affine = false)] readonly Sequential acts;
            [ConvTranspose2d(12, Kernel = 2, Stride = 2, Groups = 4, Bias = false)] [Upsample(Size = 20)] readonly Sequential up2;
            [AdaptiveMaxPool2d(2)] [Flatten] [Linear(5)] readonly Sequential head;
        }
        """;

    [Fact]
    public void NewLayers_Snapshot_And_RuntimeShapesParametersMacs()
    {
        var run = RunClean(NewLayersSource);
        Snapshot.VerifyGenerated(run, ModuleOrCatalog);
        var assembly = RuntimeCheck.Load(run);
        RuntimeCheck.Check(assembly, "Demo.NewLayersNet", 24, 20);
    }

    [Fact]
    public void NewLayers_CompileTimeShapesFollowPyTorchRules()
    {
        var run = RunClean(NewLayersSource);
        var model = RuntimeCheck.Create(RuntimeCheck.Load(run), "Demo.NewLayersNet");
        var up = model.named_modules().Single(m => m.name == "up").module;
        using var _ = torch.no_grad();
        // ConvTranspose2d: (H − 1)·s − 2p + d·(k − 1) + output_padding + 1 = 7·2 − 2 + 2 + 1 + 1 = 16 from 8.
        var y = ((nn.Module<Tensor, Tensor>)up).call(torch.randn(1, 16, 8, 8));
        Assert.Equal(new long[] { 1, 8, (8 - 1) * 2 - 2 * 1 + 1 * (3 - 1) + 1 + 1, 16 }, y.shape);
    }

    /// <summary>
    /// ConvTranspose2d as a defined kind: a stated In is checked as a convolution's (PIX0104, naming the input's shape, not
    /// Linear's PIX0101), its output channels may be an expression over a block's arguments (assigned as written), its
    /// cost node says <c>CostOp.Defined</c> with its <c>ConvTranspose2dSpec</c>, and the module, the graph and the MACs are
    /// the real TorchSharp module's.
    /// </summary>
    [Fact]
    public void ConvTranspose2d_IsADefinedKind_InCheckedAsAConvolution_OutChannelsAnExpression()
    {
        OnlyDiagnostic("""
            [Network(Input = "6x8x8")]
            public partial class BadIn { [ConvTranspose2d(4, Kernel = 2, In = 4)] readonly ConvTranspose2d up; }
            """, "PIX0104", "BadIn.up (ConvTranspose2d): declared In=4 but the input has shape 6x8x8");

        var run = RunClean(Src("""
            [Block]
            public partial class Up
            {
                [Arg(6)] readonly int width;
                [ConvTranspose2d("2 * width", Kernel = 2, Stride = 2, Groups = "width / 2", In = "width")] readonly ConvTranspose2d deconv;
                [BatchNorm2d] [ReLU] readonly Sequential post;
            }

            [Network(Input = "6x8x8")]
            public partial class UpNet
            {
                [Use(typeof(Up))] readonly Up up;
                [Use(typeof(Up), "width: 12")] readonly Up up2;
            }
            """));
        Assert.Contains(run.Files, f => f.Text.Contains("global::TorchSharp.torch.nn.ConvTranspose2d("));
        var costs = Generated(run, "UpNet.Costs.g.cs");
        Assert.Contains("PiXGenCostOp.Defined, \"up.deconv\", \"ConvTranspose2d\"", costs);
        Assert.Contains("ConvTranspose2dSpec(OutChannels: 12, InChannels: 6, Kernel: 2, Stride: 2, Padding: 0, OutputPadding: 0, Dilation: 1, Groups: 3, Bias: true)", costs);
        Assert.DoesNotContain("PiXGenCostOp.ConvTranspose2d", costs);
        var graph = Generated(run, "UpNet.Graph.g.cs");
        Assert.Contains("new(\"up2.deconv\", \"ConvTranspose2d\", new[] { \"up.post.1\" }, \"up2.deconv\", new[] { A(\"in\", \"12\"), A(\"out\", \"24\"), " +
            "A(\"kernel\", \"2,2\"), A(\"stride\", \"2,2\"), A(\"padding\", \"0,0\"), A(\"output_padding\", \"0,0\"), A(\"dilation\", \"1,1\"), A(\"groups\", \"6\"), A(\"bias\", \"true\") }, new long[] { 24, 32, 32 }),", graph);
        // 6x8x8 → 12x16x16 → 24x32x32; the real modules' shapes, parameters and MACs.
        RuntimeCheck.Check(RuntimeCheck.Load(run), "Demo.UpNet", 5, 7);
    }

    /// <summary>
    /// Conv2d as a defined kind: a stated In is PIX0104 naming the input's shape, a Kernel left out PIX0004, the cost node
    /// says <c>CostOp.Defined</c> with its <c>Conv2dSpec</c>; the module keeps its text (a constant padding expression
    /// folded to its value in the scalar form, C# tuples once a pair is written), the graph node its attributes, and the
    /// real modules' shapes, parameters and MACs are the compiler's.
    /// </summary>
    [Fact]
    public void Conv2d_IsADefinedKind_ModuleTextGraphAndCostsAsBefore()
    {
        OnlyDiagnostic("""
            [Network(Input = "6x8x8")]
            public partial class NoKernel { [Conv2d(4)] readonly Conv2d conv; }
            """, "PIX0004", "NoKernel.conv (Conv2d): required parameter 'Kernel' is not given");
        OnlyDiagnostic("""
            [Network(Input = "6x8x8")]
            public partial class BadIn { [Conv2d(4, Kernel = 3, In = 4)] readonly Conv2d conv; }
            """, "PIX0104", "BadIn.conv (Conv2d): declared In=4 but the input has shape 6x8x8");

        var run = RunClean(Src("""
            [Block]
            public partial class Cell
            {
                [Arg(6)] readonly int width;
                [Conv2d("2 * width", Kernel = 3, Padding = "2 - 1", Groups = "width / 3", In = "width")] readonly Conv2d folded;
                [Conv2d("2 * width", Kernel = "1x3", Padding = "0x1", Bias = false)] readonly Conv2d pair;
                [BatchNorm2d] [ReLU] readonly Sequential post;
            }

            [Network(Input = "6x8x8")]
            public partial class CellNet
            {
                [Use(typeof(Cell))] readonly Cell a;
                [Use(typeof(Cell), "width: 12")] readonly Cell b;
            }
            """));
        var module = Generated(run, "Cell.g.cs", block: true);
        // The constant padding expression folded to its value; a pair written: C# tuples.
        Assert.Contains("\"Cell, folded: 2 * width\"), 3, padding: 1, groups: ", module);
        Assert.Contains("\"Cell, pair: 2 * width\"), (1, 3), padding: (0, 1), bias: false);", module);
        var costs = Generated(run, "CellNet.Costs.g.cs");
        Assert.Contains("PiXGenCostOp.Defined, \"b.folded\", \"Conv2d\"", costs);
        Assert.Contains("Conv2dSpec(OutChannels: 24, InChannels: 12, Kernel: 3, Stride: 1, Padding: 1, Dilation: 1, Groups: 4, Bias: true)", costs);
        Assert.DoesNotContain("PiXGenCostOp.Conv2d", costs);
        var graph = Generated(run, "CellNet.Graph.g.cs");
        Assert.Contains("new(\"b.pair\", \"Conv2d\", new[] { \"b.folded\" }, \"b.pair\", new[] { A(\"in\", \"24\"), A(\"out\", \"24\"), " +
            "A(\"kernel\", \"1,3\"), A(\"stride\", \"1,1\"), A(\"padding\", \"0,1\"), A(\"dilation\", \"1,1\"), A(\"groups\", \"1\"), A(\"bias\", \"false\") }, new long[] { 24, 8, 8 }),", graph);
        RuntimeCheck.Check(RuntimeCheck.Load(run), "Demo.CellNet", 5, 7);
    }

    /// <summary>
    /// The explicit PiX layer is a defined kind (DefinedKind.PiX): its diagnostics keep their ids and words, its module text
    /// (ζ as written or from OutChannels at run time, the enum casts, the output channels read from the module), graph
    /// node and cost node are as before but for the cost node's op, and the network runs.
    /// </summary>
    [Fact]
    public void PiX_IsADefinedKind_ModuleTextGraphAndCostsAsBefore()
    {
        OnlyDiagnostic("""
            [Network(Input = "6x8x8")]
            public partial class NoZeta { [PiX(Tau = 0.3)] readonly PiXGen.PiX.PiXLayer pix; }
            """, "PIX0004", "NoZeta.pix (PiX): required parameter 'Zeta (or OutChannels)' is not given");
        OnlyDiagnostic("""
            [Network(Input = "6x8x8")]
            public partial class BadOut { [PiX(OutChannels = 4)] readonly PiXGen.PiX.PiXLayer pix; }
            """, "PIX0106", "BadOut.pix (PiX): OutChannels=4 must divide the 6 input channels to give an integer ζ");
        OnlyDiagnostic("""
            [Network(Input = "6x8x8")]
            public partial class ZeroZeta { [PiX(Zeta = 0)] readonly PiXGen.PiX.PiXLayer pix; }
            """, "PIX0106", "ZeroZeta.pix (PiX): ζ (Zeta) must be at least 1, got 0");
        // New with the definition: a non-finite τ is reported where it is written (PiXLayer refused it only at run time).
        OnlyDiagnostic("""
            [Network(Input = "6x8x8")]
            public partial class NaNTau { [PiX(Zeta = 2, Tau = double.NaN)] readonly PiXGen.PiX.PiXLayer pix; }
            """, "PIX0106", "NaNTau.pix (PiX): Tau must be a finite number, got NaN");

        var run = RunClean(Src("""
            [Block]
            public partial class Squeeze
            {
                [Arg(2)] readonly int zeta;
                [PiX(Zeta = "zeta", Tau = 0.25, Mode = PiXGen.PiX.PiXMode.AvgOnly, PhiBias = true)] readonly PiXGen.PiX.PiXLayer a;
                [PiX(OutChannels = "zeta", Context = PiXGen.PiX.PiXContext.L1)] readonly PiXGen.PiX.PiXLayer b;
                [Conv2d(4, Kernel = 1)] readonly Conv2d conv;
            }

            [Network(Input = "12x8x8")]
            public partial class SqueezeNet2
            {
                [Use(typeof(Squeeze))] readonly Squeeze s;
            }
            """));
        var module = Generated(run, "Squeeze.g.cs", block: true);
        Assert.Contains("new global::PiXGen.PiX.PiXLayer(c, this.zeta, tau: 0.25, mode: (global::PiXGen.PiX.PiXMode)1, bias: true)", module);
        Assert.Contains("new global::PiXGen.PiX.PiXLayer(c, (int)(c / this.zeta), context: (global::PiXGen.PiX.PiXContext)1)", module);
        Assert.Contains("c = this.a.OutChannels;", module);
        var costs = Generated(run, "SqueezeNet2.Costs.g.cs");
        Assert.Contains("PiXGenCostOp.Defined, \"s.a\", \"PiX\"", costs);
        Assert.Contains("PiXSpec(Zeta: 2, InChannels: 12, PhiBias: true)", costs);
        Assert.Contains("PiXSpec(Zeta: 3, InChannels: 6, PhiBias: false)", costs);
        Assert.DoesNotContain("PiXGenCostOp.PiX", costs);
        var graph = Generated(run, "SqueezeNet2.Graph.g.cs");
        Assert.Contains("new(\"s.a\", \"PiX\", new[] { \"input\" }, \"s.a\", new[] { A(\"in\", \"12\"), A(\"out\", \"6\"), A(\"zeta\", \"2\"), " +
            "A(\"tau\", \"0.25\"), A(\"mode\", \"1\"), A(\"context\", \"0\"), A(\"bias\", \"true\") }, new long[] { 6, 8, 8 }),", graph);
        Assert.Contains("new(\"s.b\", \"PiX\", new[] { \"s.a\" }, \"s.b\", new[] { A(\"in\", \"6\"), A(\"out\", \"2\"), A(\"zeta\", \"3\"), " +
            "A(\"tau\", \"0.5\"), A(\"mode\", \"0\"), A(\"context\", \"1\"), A(\"bias\", \"false\") }, new long[] { 2, 8, 8 }),", graph);
        RuntimeCheck.Check(RuntimeCheck.Load(run), "Demo.SqueezeNet2", 4, 8);
    }

    /// <summary>The activations and norms are the ones asked for: checked against their formulas on the real modules.</summary>
    [Fact]
    public void Activations_FollowTheirFormulas()
    {
        var run = RunClean(Src("""
            [Network(Input = "4x3x3")]
            public partial class ActNet
            {
                [LeakyReLU(NegativeSlope = 0.2)] readonly LeakyReLU leaky;
                [GELU(Approximate = "tanh")] readonly GELU gelu;
                [Hardsigmoid] readonly Hardsigmoid hsig;
                [Tanh] readonly Tanh tanh;
            }
            """));
        var model = RuntimeCheck.Create(RuntimeCheck.Load(run), "Demo.ActNet");
        model.eval();
        using var _ = torch.no_grad();
        var x = torch.linspace(-4, 4, 36).reshape(1, 4, 3, 3);
        var expected = x.data<float>().Select(v =>
        {
            double a = v < 0 ? 0.2 * v : v;
            a = 0.5 * a * (1 + System.Math.Tanh(System.Math.Sqrt(2 / System.Math.PI) * (a + 0.044715 * a * a * a)));
            a = System.Math.Min(1, System.Math.Max(0, a / 6 + 0.5));
            return (float)System.Math.Tanh(a);
        }).ToArray();
        var actual = model.call(x).data<float>().ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-5f);
    }

    [Fact]
    public void LayerNorm2d_NormalisesChannelsAtEachPosition_AsANaiveLoop()
    {
        using var ln = new PiXGen.Layers.LayerNorm2d(3, eps: 1e-6);
        Assert.Equal(new[] { "weight", "bias" }, ln.state_dict().Keys.ToArray());
        Assert.Equal(new long[] { 3 }, ln.state_dict()["weight"].shape);
        using var _ = torch.no_grad();
        ln.Weight!.copy_(torch.tensor(new float[] { 1.5f, -0.5f, 2f }));
        ln.Bias!.copy_(torch.tensor(new float[] { 0.1f, 0.2f, -0.3f }));
        var x = torch.randn(2, 3, 4, 5);
        var y = ln.call(x);
        var xs = x.data<float>().ToArray();
        var ys = y.data<float>().ToArray();
        float[] w = { 1.5f, -0.5f, 2f }, b = { 0.1f, 0.2f, -0.3f };
        for (int n = 0; n < 2; n++)
            for (int p = 0; p < 20; p++)
            {
                double mean = 0, var = 0;
                for (int c = 0; c < 3; c++) mean += xs[(n * 3 + c) * 20 + p];
                mean /= 3;
                for (int c = 0; c < 3; c++) var += System.Math.Pow(xs[(n * 3 + c) * 20 + p] - mean, 2);
                var /= 3;
                for (int c = 0; c < 3; c++)
                {
                    double expected = (xs[(n * 3 + c) * 20 + p] - mean) / System.Math.Sqrt(var + 1e-6) * w[c] + b[c];
                    Assert.Equal(expected, ys[(n * 3 + c) * 20 + p], 1e-4);
                }
            }
        using var plain = new PiXGen.Layers.LayerNorm2d(3, affine: false);
        Assert.Empty(plain.parameters());
    }

    [Fact]
    public void StochasticDepth_IdentityInEval_DropsWholeSamplesInTraining()
    {
        using var sd = new PiXGen.Layers.StochasticDepth(0.5);
        using var _ = torch.no_grad();
        var x = torch.rand(64, 2, 3, 3) + 1; // every element positive
        sd.eval();
        Assert.Same(x, sd.call(x));
        sd.train();
        var y = sd.call(x);
        int dropped = 0;
        for (int n = 0; n < 64; n++)
        {
            var ratio = (y[n] / x[n]).data<float>().ToArray();
            // A sample is kept whole (scaled by 1/(1 − p) = 2) or dropped whole.
            Assert.True(ratio.All(r => System.Math.Abs(r - 2f) < 1e-5) || ratio.All(r => r == 0f), $"sample {n} is partly dropped");
            if (ratio[0] == 0f) dropped++;
        }
        Assert.InRange(dropped, 1, 63); // p = 0.5 over 64 samples: all or none would have probability 2⁻⁶³
        using var batch = new PiXGen.Layers.StochasticDepth(0.5, "batch");
        batch.train();
        var z = (batch.call(x) / x).data<float>().ToArray();
        Assert.True(z.All(r => System.Math.Abs(r - 2f) < 1e-5) || z.All(r => r == 0f));
    }

    [Fact]
    public void StochasticDepth_ramps_over_repeated_blocks_as_p_times_step_over_steps()
    {
        var run = RunClean(Src("""
            [Block, Residual]
            public partial class DropBlock
            {
                [Arg] readonly int id;
                [Conv2d("in", Kernel = 3, Padding = 1)] readonly Conv2d conv;
                [StochasticDepth(0.2, Step = "id", Steps = 8)] readonly PiXGen.Layers.StochasticDepth drop;
            }

            [Network(Input = "4x6x6")]
            public partial class RampNet
            {
                [Use(typeof(DropBlock), "id: 2 * i + 1", Count = 4)] readonly Sequential blocks;
            }
            """));
        var model = RuntimeCheck.Create(RuntimeCheck.Load(run), "Demo.RampNet");
        var ps = model.named_modules().Where(m => m.module is PiXGen.Layers.StochasticDepth)
            .Select(m => ((PiXGen.Layers.StochasticDepth)m.module).P).ToArray();
        Assert.Equal(new[] { 0.2 * 1 / 8, 0.2 * 3 / 8, 0.2 * 5 / 8, 0.2 * 7 / 8 }, ps);
        // The compiler's IR (the graph the fused and ONNX paths run) records the same per-instance probabilities.
        var graph = Generated(run, "RampNet.Graph.g.cs");
        foreach (var p in ps) Assert.Contains(p.ToString("R", System.Globalization.CultureInfo.InvariantCulture), graph);
    }

    [Fact]
    public void StochasticDepth_ramp_outside_its_range_is_reported_at_the_attribute() => ExpectDiagnostics(Src("""
        [Network(Input = "4x6x6")]
        public partial class BeyondTheRamp
        {
            [StochasticDepth(0.2, Step = 9, Steps = 8)] readonly PiXGen.Layers.StochasticDepth late;
        }

        [Network(Input = "4x6x6")]
        public partial class RampWithoutSteps
        {
            [StochasticDepth(0.2, Step = 1)] readonly PiXGen.Layers.StochasticDepth noSteps;
        }
        """), new[] { "PIX0106", "PIX0004" });

    [Fact]
    public void ChannelShuffle_InterleavesGroups_AsANaiveIndexMap()
    {
        var run = RunClean(Src("""
            [Network(Input = "6x2x2")]
            public partial class ShuffleNet
            {
                [ChannelShuffle(3)] readonly ChannelShuffle shuffle;
            }
            """));
        var model = RuntimeCheck.Create(RuntimeCheck.Load(run), "Demo.ShuffleNet");
        using var _ = torch.no_grad();
        var x = torch.arange(24, dtype: ScalarType.Float32).reshape(1, 6, 2, 2);
        var y = model.call(x).data<float>().ToArray();
        // groups g = 3, channels per group n = 2: output channel j takes input channel (j % g) * n + j / g.
        for (int j = 0; j < 6; j++)
            for (int p = 0; p < 4; p++)
                Assert.Equal((j % 3 * 2 + j / 3) * 4 + p, y[j * 4 + p]);
    }

    [Fact]
    public void BadSettings_AreReportedAtTheAttribute() => ExpectDiagnostics(Src("""
        [Network(Input = "6x8x8")]
        public partial class BadGroupNorm { [GroupNorm(4)] readonly GroupNorm norm; }

        [Network(Input = "6x8x8")]
        public partial class BadShuffle { [ChannelShuffle(4)] readonly ChannelShuffle shuffle; }

        [Network(Input = "6x8x8")]
        public partial class BadGelu { [GELU(Approximate = "fast")] readonly GELU act; }

        [Network(Input = "6x8x8")]
        public partial class BadUpsample
        {
            [Upsample] readonly Upsample neither;
            [Upsample(ScaleFactor = 2, Size = 4)] readonly Upsample both;
            [Upsample(ScaleFactor = 2, AlignCorners = true)] readonly Upsample nearestAligned;
        }

        [Network(Input = "6x8x8")]
        public partial class BadOutputPadding { [ConvTranspose2d(4, Kernel = 3, Stride = 2, OutputPadding = 2)] readonly ConvTranspose2d up; }

        [Network(Input = "6x8x8")]
        public partial class NoKernel { [ConvTranspose2d(4)] readonly ConvTranspose2d up; }

        [Network(Input = "6x8x8")]
        public partial class BadDepth { [StochasticDepth(1.5, Mode = "rows")] readonly PiXGen.Layers.StochasticDepth drop; }

        [Network(Input = "6x8x8")]
        public partial class BadDepthP { [StochasticDepth(1.5)] readonly PiXGen.Layers.StochasticDepth drop; }

        [Network(Input = "6x8x8")]
        public partial class NotFinite
        {
            [LeakyReLU(NegativeSlope = double.NaN)] readonly LeakyReLU leaky;
        }

        [Network(Input = "6x8x8")]
        public partial class InfiniteEps { [LayerNorm2d(Eps = double.PositiveInfinity)] readonly PiXGen.Layers.LayerNorm2d norm; }

        [Network(Input = "6x8x8")]
        public partial class BadTransposeGroups { [ConvTranspose2d(4, Kernel = 2, Groups = 4)] readonly ConvTranspose2d up; }
        """), new[] { "PIX0102", "PIX0102", "PIX0106", "PIX0106", "PIX0106", "PIX0106", "PIX0106", "PIX0004", "PIX0106", "PIX0106", "PIX0106", "PIX0106", "PIX0102" });
}
