using System.Linq;
using TorchSharp;
using static PiXGen.Generators.Tests.Sources;
using static TorchSharp.torch;

namespace PiXGen.Generators.Tests;

/// <summary>
/// Squeeze-and-excitation with a chosen squeeze width and activations (EfficientNet: SiLU + Sigmoid; MobileNetV3:
/// ReLU + Hardsigmoid): the generated code (Snapshots/SqueezeExcitationTests.*), the compiled network against the
/// real modules (<see cref="RuntimeCheck"/>), the module's output against a naive computation from its own weights,
/// its state_dict keys, and located errors for unknown activations.
/// </summary>
public class SqueezeExcitationTests
{
    private const string Source = """
        using PiXGen;
        using TorchSharp.Modules;

        namespace Demo;

        [Block]
        public partial class MBConv
        {
            [Arg(4)] readonly int expand;
            [Conv2d("in * expand", Kernel = 1, Bias = false)] [BatchNorm2d] [SiLU] readonly Sequential expandConv;
            [SqueezeExcitation(Squeeze = "max(1, in / 4)", Activation = "SiLU")] readonly PiXGen.Layers.SqueezeExcitation se;
            [Conv2d("in", Kernel = 1, Bias = false)] readonly Conv2d project;
        }

        [Network(Input = "8x10x10")]
        public partial class SENet2
        {
            [Use(typeof(MBConv))] readonly MBConv mbconv;
            [SqueezeExcitation(Squeeze = "max(8, (in / 4 + 4) / 8 * 8)", ScaleActivation = "Hardsigmoid")] readonly PiXGen.Layers.SqueezeExcitation mobile;
            [SqueezeExcitation(Reduction = 2, Activation = "Hardswish", ScaleActivation = "Sigmoid")] readonly PiXGen.Layers.SqueezeExcitation plain;
        }
        """;

    [Fact]
    public void ChosenActivations_Snapshot_And_RuntimeShapesParametersMacs()
    {
        var run = GeneratorHarness.Run(Source).AssertNoGeneratorDiagnostics().AssertCompilesCleanly();
        Snapshot.VerifyGenerated(run, f => !f.HintName.EndsWith(".Costs.g.cs", System.StringComparison.Ordinal));
        var model = RuntimeCheck.Check(RuntimeCheck.Load(run), "Demo.SENet2", 7, 9);
        var se = model.named_modules().Single(m => m.name == "mbconv.se").module;
        Assert.Equal("SiLU", ((PiXGen.Layers.SqueezeExcitation)se).Activation);
        Assert.Equal(new long[] { 2, 32, 1, 1 }, se.state_dict()["fc1.weight"].shape); // Squeeze = max(1, 8 / 4)
        var mobile = (PiXGen.Layers.SqueezeExcitation)model.named_modules().Single(m => m.name == "mobile").module;
        Assert.Equal("Hardsigmoid", mobile.ScaleActivation);
        Assert.Equal(new long[] { 8, 8, 1, 1 }, mobile.state_dict()["fc1.weight"].shape); // MobileNetV3's _make_divisible(8 / 4, 8)
    }

    [Theory]
    [InlineData("ReLU", "Sigmoid")]
    [InlineData("SiLU", "Sigmoid")]
    [InlineData("ReLU", "Hardsigmoid")]
    [InlineData("ReLU6", "Hardsigmoid")]
    [InlineData("Hardswish", "Sigmoid")]
    [InlineData("GELU", "Sigmoid")]
    public void Forward_EqualsANaiveComputationFromItsWeights(string activation, string scaleActivation)
    {
        using var se = new PiXGen.Layers.SqueezeExcitation(6, 3, activation, scaleActivation);
        Assert.Equal(new[] { "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias" }, se.state_dict().Keys.ToArray());
        using var _ = torch.no_grad();
        var x = torch.randn(2, 6, 3, 4);
        var y = se.call(x).data<float>().ToArray();
        var sd = se.state_dict();
        float[] w1 = sd["fc1.weight"].data<float>().ToArray(), b1 = sd["fc1.bias"].data<float>().ToArray();
        float[] w2 = sd["fc2.weight"].data<float>().ToArray(), b2 = sd["fc2.bias"].data<float>().ToArray();
        var xs = x.data<float>().ToArray();
        double Act(double v) => activation switch
        {
            "SiLU" => v / (1 + System.Math.Exp(-v)),
            "ReLU6" => System.Math.Min(6, System.Math.Max(0, v)),
            "Hardswish" => v * System.Math.Min(6, System.Math.Max(0, v + 3)) / 6,
            "GELU" => 0.5 * v * (1 + Erf(v / System.Math.Sqrt(2))),
            _ => System.Math.Max(0, v),
        };
        double Scale(double v) => scaleActivation == "Hardsigmoid" ? System.Math.Min(1, System.Math.Max(0, v / 6 + 0.5)) : 1 / (1 + System.Math.Exp(-v));
        for (int n = 0; n < 2; n++)
        {
            var pooled = Enumerable.Range(0, 6).Select(c => Enumerable.Range(0, 12).Average(p => (double)xs[(n * 6 + c) * 12 + p])).ToArray();
            var hidden = Enumerable.Range(0, 3).Select(s => Act(b1[s] + Enumerable.Range(0, 6).Sum(c => w1[s * 6 + c] * pooled[c]))).ToArray();
            for (int c = 0; c < 6; c++)
            {
                double scale = Scale(b2[c] + Enumerable.Range(0, 3).Sum(s => w2[c * 3 + s] * hidden[s]));
                for (int p = 0; p < 12; p++)
                    Assert.Equal(xs[(n * 6 + c) * 12 + p] * scale, y[(n * 6 + c) * 12 + p], 1e-4); // absolute tolerance
            }
        }
    }

    [Theory]
    [InlineData("ReLU6", "Sigmoid")]
    [InlineData("Hardswish", "Hardsigmoid")]
    [InlineData("GELU", "Hardsigmoid")]
    [InlineData("SiLU", "Sigmoid")]
    public void Its_six_graph_nodes_compute_what_the_module_does(string activation, string scaleActivation)
    {
        // The composite kind's lowering (pool, fc1, activation, fc2, scale activation, Mul) run by the graph executor
        // against the module, for activations the zoo's networks do not use.
        var run = GeneratorHarness.Run(Src($$"""
            [Network(Input = "12x5x5")]
            public partial class LoweredSE
            {
                [Conv2d(12, Kernel = 3, Padding = 1)] readonly Conv2d conv;
                [SqueezeExcitation(Reduction = 4, Activation = "{{activation}}", ScaleActivation = "{{scaleActivation}}")] readonly PiXGen.Layers.SqueezeExcitation se;
            }
            """)).AssertNoGeneratorDiagnostics().AssertCompilesCleanly();
        var graph = run.Files.Single(f => f.HintName.EndsWith("LoweredSE.Graph.g.cs", System.StringComparison.Ordinal)).Text;
        Assert.Contains($"\"se.activation\", \"{activation}\"", graph);
        Assert.Contains($"\"se.scale\", \"{scaleActivation}\"", graph);
        RuntimeCheck.Check(RuntimeCheck.Load(run), "Demo.LoweredSE", 7, 9);
    }

    /// <summary>erf by Abramowitz–Stegun 7.1.26 (|error| &lt; 1.5e-7), enough for a 1e-4 comparison.</summary>
    private static double Erf(double x)
    {
        double t = 1 / (1 + 0.3275911 * System.Math.Abs(x));
        double y = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * System.Math.Exp(-x * x);
        return x >= 0 ? y : -y;
    }

    [Fact]
    public void UnknownActivations_AreReportedAtTheAttribute()
    {
        var run = GeneratorHarness.Run(Src("""
            [Network(Input = "8x4x4")]
            public partial class BadSE
            {
                [SqueezeExcitation(Activation = "Swish")] readonly PiXGen.Layers.SqueezeExcitation se1;
                [SqueezeExcitation(Squeeze = 2, ScaleActivation = "hardsigmoid")] readonly PiXGen.Layers.SqueezeExcitation se2;
            }
            """));
        var diagnostics = run.RelevantGeneratorDiagnostics();
        Assert.Equal(new[] { "PIX0106", "PIX0106" }, diagnostics.Select(d => d.Id));
        Assert.All(diagnostics, d => Assert.True(d.Location.IsInSource));
        run.AssertCompilesWithoutErrors();
        Snapshot.VerifyDiagnostics(diagnostics);
    }
    [Fact]
    public void A_squeeze_from_a_reduction_is_recorded_and_bad_ones_are_reported_at_the_attribute()
    {
        // The definition resolves Squeeze = C / Reduction (an integer division) and records it: the cost node carries it.
        var ok = GeneratorHarness.Run(Src("""
            [Network(Input = "24x4x4")]
            public partial class ReducedSE
            {
                [SqueezeExcitation(Reduction = 5)] readonly PiXGen.Layers.SqueezeExcitation se;
            }
            """)).AssertNoGeneratorDiagnostics().AssertCompilesCleanly();
        Assert.Contains("new PiXGenDef.SqueezeExcitationSpec(Squeeze: 4)", ok.Files.Single(f => f.HintName.EndsWith("ReducedSE.Costs.g.cs", System.StringComparison.Ordinal)).Text);
        var model = RuntimeCheck.Check(RuntimeCheck.Load(ok), "Demo.ReducedSE", 2, 4);
        Assert.Equal(new long[] { 4, 24, 1, 1 }, model.state_dict()["se.fc1.weight"].shape);

        var bad = GeneratorHarness.Run(Src("""
            [Network(Input = "8x4x4")]
            public partial class BadReduction
            {
                [SqueezeExcitation(Reduction = 0)] readonly PiXGen.Layers.SqueezeExcitation zero;
            }

            [Network(Input = "8x4x4")]
            public partial class TooFewChannels
            {
                [SqueezeExcitation] readonly PiXGen.Layers.SqueezeExcitation se;
            }
            """));
        var diagnostics = bad.RelevantGeneratorDiagnostics();
        Assert.Equal(new[] { "PIX0106", "PIX0106" }, diagnostics.Select(d => d.Id));
        Assert.Contains(diagnostics, d => d.GetMessage().Contains("Reduction must be positive, got 0"));
        Assert.Contains(diagnostics, d => d.GetMessage().Contains("squeeze channels must be positive, got 0 for 8 channels"));
        Assert.All(diagnostics, d => Assert.True(d.Location.IsInSource));
        bad.AssertCompilesWithoutErrors();
    }
}
