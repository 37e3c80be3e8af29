using System.Linq;
using Microsoft.CodeAnalysis;
using static PiXGen.Generators.Tests.Sources;

namespace PiXGen.Generators.Tests;

/// <summary>The escape hatch never silently lies: undeclared modules, undeclared forward outputs and estimated costs are stated.</summary>
public class EscapeHatchDiagnosticTests
{
    [Fact]
    public void A_module_field_without_a_layer_attribute_is_reported_at_the_field()
    {
        var run = GeneratorHarness.Run(Src("""
            [Network(Input = "3x8x8")]
            public partial class Extra
            {
                [Conv2d(4, Kernel = 3)] readonly Conv2d conv;
                readonly Linear head = TorchSharp.torch.nn.Linear(4, 2);
            }
            """));
        var d = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0015");
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Equal("head", d.Location.SourceTree!.GetText().ToString(d.Location.SourceSpan));
        Assert.Contains("leaves it out of shapes, parameter counts and costs", d.GetMessage());
    }

    [Fact]
    public void A_hand_written_forward_without_output_is_a_warning_naming_the_assumption()
    {
        var run = GeneratorHarness.Run(Src("""
            [Block]
            public partial class Cat
            {
                [Conv2d(4, Kernel = 1)] readonly Conv2d conv;
                public override TorchSharp.torch.Tensor forward(TorchSharp.torch.Tensor x) => TorchSharp.torch.cat(new[] { x, conv.call(x) }, 1);
            }
            """));
        var d = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0016");
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Contains("assumes its last declared layer's output (Conv2d)", d.GetMessage());
    }

    [Fact]
    public void Output_sets_the_shape_and_states_that_macs_are_estimated()
    {
        var run = GeneratorHarness.Run(Src("""
            [Block, Output("in + growth")]
            public partial class Cat
            {
                [Arg] readonly int growth;
                [Conv2d("growth", Kernel = 1)] readonly Conv2d conv;
                public override TorchSharp.torch.Tensor forward(TorchSharp.torch.Tensor x) => TorchSharp.torch.cat(new[] { x, conv.call(x) }, 1);
            }
            [Network(Input = "3x8x8")]
            public partial class N
            {
                [Use(typeof(Cat), "growth: 5", Count = 2)] readonly Sequential cats;
                [BatchNorm2d] readonly BatchNorm2d bn;
            }
            """)).AssertCompilesCleanly();
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id is "PIX0016" or "PIX9999" || d.Severity == DiagnosticSeverity.Error);
        Assert.Contains(run.GeneratorDiagnostics, d => d.Id == "PIX0017");
        Assert.Contains("public static global::System.Collections.Generic.IReadOnlyList<long> OutputShape { get; } = new long[] { 13, 8, 8 };", run.File("Demo.N.g.cs").Text);
        Assert.Contains("OutChannels = global::PiXGen.Runtime.PyMath.Checked(() => checked(in_channels + this.growth), \"Cat, [Output]: in + growth\");", run.File("Demo.Cat.g.cs").Text);
    }

    [Fact]
    public void Output_with_a_bad_expression_is_located_at_the_attribute()
    {
        var run = GeneratorHarness.Run(Src("""
            [Block, Output("in - 100")]
            public partial class Shrink
            {
                [Conv2d(4, Kernel = 1)] readonly Conv2d conv;
                public override TorchSharp.torch.Tensor forward(TorchSharp.torch.Tensor x) => conv.call(x);
            }
            [Network(Input = "3x8x8")]
            public partial class N { [Use(typeof(Shrink))] readonly Shrink s; }
            """));
        var d = Assert.Single(run.GeneratorDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Contains("output channels must be a positive integer, got -97", d.GetMessage());
        Assert.StartsWith("Output(", d.Location.SourceTree!.GetText().ToString(d.Location.SourceSpan));
    }
}
