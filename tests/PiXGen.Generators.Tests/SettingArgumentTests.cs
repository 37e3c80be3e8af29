using System.Linq;
using Microsoft.CodeAnalysis;
using static PiXGen.Generators.Tests.Sources;

namespace PiXGen.Generators.Tests;

/// <summary>
/// Settings as block arguments: a normalisation's <c>Eps</c> may be an expression over the class's arguments
/// (<c>[BatchNorm2d(Eps = "eps")]</c>, MobileNetV3's 1e-3 and EfficientNet-V2's 1e-3 next to torchvision's 1e-5 default),
/// so one conv block serves every family. The module's eps and the compiler's graph (executed against the module by
/// <see cref="RuntimeCheck"/>, where a different eps shows) agree; a condition is reported at the attribute.
/// </summary>
public class SettingArgumentTests
{
    [Fact]
    public void Eps_from_an_argument_reaches_the_module_and_the_graph()
    {
        var run = GeneratorHarness.Run(Src("""
            [Block]
            public partial class ConvNorm
            {
                [Arg] readonly int width;
                [Arg(1e-5)] readonly double eps;
                [Conv2d("width", Kernel = 3, Padding = 1, Bias = false)] readonly Conv2d conv;
                [BatchNorm2d(Eps = "eps")] readonly BatchNorm2d bn;
                [GroupNorm(2, Eps = "eps * 10")] readonly GroupNorm gn;
                [ReLU] readonly ReLU relu;
            }

            [Network(Input = "3x8x8")]
            public partial class TwoEps
            {
                [Use(typeof(ConvNorm), "width: 4")] readonly ConvNorm a;
                [Use(typeof(ConvNorm), "width: 4, eps: 0.1")] readonly ConvNorm b;
                [BatchNorm2d(Eps = 1e-3)] readonly BatchNorm2d literal;
                [Flatten] readonly Flatten flatten;
            }
            """)).AssertNoGeneratorDiagnostics().AssertCompilesCleanly();
        var block = run.File("Demo.ConvNorm.g.cs").Text;
        Assert.Contains("BatchNorm2d(c, eps: this.eps)", block);
        Assert.Contains("eps: this.eps * 10", block);
        Assert.Contains("BatchNorm2d(c, eps: 0.001)", run.File("Demo.TwoEps.g.cs").Text);
        var graph = run.File("Demo.TwoEps.Graph.g.cs").Text;
        Assert.Contains("\"eps\", \"0.1\"", graph.Replace(" ", "").Replace(",\"", ", \""));
        // Check runs the graph executor against the module with perturbed statistics: eps 0.1 against 1e-5 would differ.
        RuntimeCheck.Check(RuntimeCheck.Load(run), "Demo.TwoEps");
    }

    [Fact]
    public void Dropout_rates_and_BatchNorm_momentum_from_arguments_reach_the_module_and_the_graph()
    {
        // EfficientNet's classifier dropout (0.2 … 0.5 by member) and B5–B7's BatchNorm momentum 0.01.
        var run = GeneratorHarness.Run(Src("""
            [Block]
            public partial class Head
            {
                [Arg(0.2)] readonly double dropout;
                [Arg(0.1)] readonly double momentum;
                [BatchNorm2d(Momentum = "momentum")] readonly BatchNorm2d bn;
                [StochasticDepth("dropout / 2")] readonly PiXGen.Layers.StochasticDepth sd;
                [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d pool;
                [Flatten] readonly Flatten flatten;
                [Dropout("dropout")] readonly Dropout drop;
                [Linear(10)] readonly Linear fc;
            }

            [Network(Input = "3x4x4")]
            public partial class Heads
            {
                [Use(typeof(Head), "dropout: 0.4, momentum: 0.01")] readonly Head head;
            }

            [Network(Input = "3x4x4")]
            public partial class Plain
            {
                [Flatten] readonly Flatten flatten;
                [Dropout] readonly Dropout drop;
                [Dropout(0.3)] readonly Dropout drop2;
                [Linear(10)] readonly Linear fc;
            }
            """)).AssertNoGeneratorDiagnostics().AssertCompilesCleanly();
        var block = run.File("Demo.Head.g.cs").Text;
        Assert.Contains("momentum: this.momentum", block);
        Assert.Contains("Dropout(this.dropout)", block);
        Assert.Contains("StochasticDepth(this.dropout / 2", block);
        var plain = run.File("Demo.Plain.g.cs").Text;
        Assert.Contains("Dropout(0.5)", plain);
        Assert.Contains("Dropout(0.3)", plain);
        // The graph records the instance's values: p 0.4 for the dropout, 0.2 for the stochastic depth.
        var graph = run.File("Demo.Heads.Graph.g.cs").Text.Replace(" ", "");
        Assert.Contains("A(\"p\",\"0.4\")", graph);
        Assert.Contains("A(\"p\",\"0.2\")", graph);
        // The momentum only matters in training: the eval graph does not carry it (BatchNorm2d's definition).
        Assert.DoesNotContain("momentum", graph);
        RuntimeCheck.Check(RuntimeCheck.Load(run), "Demo.Heads");
    }

    [Fact]
    public void A_dropout_rate_outside_0_to_1_from_an_argument_is_a_located_error()
    {
        var run = GeneratorHarness.Run(Src("""
            [Block]
            public partial class Head
            {
                [Arg(0.2)] readonly double dropout;
                [Flatten] readonly Flatten flatten;
                [Dropout("dropout * 10")] readonly Dropout drop;
            }

            [Network(Input = "3x4x4")]
            public partial class Heads
            {
                [Use(typeof(Head))] readonly Head head;
            }
            """));
        Assert.Contains(run.GeneratorDiagnostics, d => d.Id == "PIX0106" && d.GetMessage().Contains("between 0 and 1, got 2"));
    }

    [Theory]
    [InlineData("0", "Eps must be a positive finite number, got 0")]
    [InlineData("-0.001", "Eps must be a positive finite number, got -0.001")]
    public void A_BatchNorm_eps_from_an_argument_that_is_not_positive_is_a_located_error(string eps, string message)
    {
        var run = GeneratorHarness.Run(Src($$"""
            [Block]
            public partial class Norm
            {
                [Arg(1e-5)] readonly double eps;
                [BatchNorm2d(Eps = "eps")] readonly BatchNorm2d bn;
            }

            [Network(Input = "3x4x4")]
            public partial class Norms
            {
                [Use(typeof(Norm), "eps: {{eps}}")] readonly Norm norm;
            }
            """));
        var d = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0106");
        Assert.Contains(message, d.GetMessage());
        Assert.Contains("BatchNorm2d(Eps = \"eps\")", d.Location.SourceTree!.GetText().GetSubText(d.Location.SourceSpan).ToString());
    }

    [Fact]
    public void A_BatchNorm_on_a_flattened_vector_is_a_located_rank_error()
    {
        var run = GeneratorHarness.Run(Src("""
            [Network(Input = "3x4x4")]
            public partial class Flat
            {
                [Flatten] readonly Flatten flatten;
                [BatchNorm2d] readonly BatchNorm2d bn;
            }
            """));
        var d = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0105");
        Assert.Contains("BatchNorm2d", d.GetMessage());
    }

    [Fact]
    public void The_activation_kind_is_an_argument_through_When_and_keeps_its_number()
    {
        // torchvision's Conv2dNormActivation(activation_layer=...): conv 0, norm 1, activation 2 whatever its kind.
        var run = GeneratorHarness.Run(Src("""
            [Block]
            public partial class ConvAct
            {
                [Arg] readonly int width;
                [Arg(0)] readonly int act;            // 0 ReLU, 1 Hardswish, 2 SiLU
                [Conv2d("width", Kernel = 1, Bias = false)] [BatchNorm2d(Eps = "act == 1 ? 1e-3 : 1e-5")]
                [ReLU(When = "act == 0")] [Hardswish(When = "act == 1")] [SiLU(When = "act == 2")]
                readonly Sequential block;
            }

            [Network(Input = "3x4x4")]
            public partial class Acts
            {
                [Use(typeof(ConvAct), "width: 4")] readonly ConvAct relu;
                [Use(typeof(ConvAct), "width: 4, act: 1")] readonly ConvAct hardswish;
                [Use(typeof(ConvAct), "width: 4, act: 2")] readonly ConvAct silu;
            }
            """)).AssertNoGeneratorDiagnostics().AssertCompilesCleanly();
        var model = RuntimeCheck.Check(RuntimeCheck.Load(run), "Demo.Acts");
        var modules = model.named_modules().ToDictionary(m => m.name, m => m.module.GetType().Name);
        Assert.Equal("ReLU", modules["relu.block.2"]);
        Assert.Equal("Hardswish", modules["hardswish.block.2"]);
        Assert.Equal("SiLU", modules["silu.block.2"]);
        Assert.False(modules.ContainsKey("silu.block.3"));
    }

    [Fact]
    public void An_eps_that_is_not_a_number_is_reported_at_the_attribute()
    {
        var run = GeneratorHarness.Run(Src("""
            [Block]
            public partial class Flagged
            {
                [Arg(true)] readonly bool flag;
                [BatchNorm2d(Eps = "flag")] readonly BatchNorm2d bn;
            }
            """));
        var d = Assert.Single(run.GeneratorDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal("PIX0003", d.Id);
        Assert.Contains("'flag' is a condition but a real number is needed here", d.GetMessage());
    }
}
