using System.Linq;
using Microsoft.CodeAnalysis;
using static PiXGen.Generators.Tests.Sources;

namespace PiXGen.Generators.Tests;

/// <summary>
/// Declarations that used to compile into something other than what they say (issue: families, "defects the compiler
/// does not diagnose"): each is now a diagnostic at the attribute or field that causes it, and the corrected
/// declaration compiles and runs as the compiler says.
/// </summary>
public class DeclarationDefectTests
{
    private static string Spanned(Diagnostic d) => d.Location.SourceTree!.GetText().ToString(d.Location.SourceSpan);

    [Fact]
    public void Two_members_registered_under_one_name_are_an_error_at_the_second()
    {
        var run = GeneratorHarness.Run(Src("""
            [Network(Input = "3x8x8")]
            public partial class Twice
            {
                [Conv2d(4, Kernel = 1)] readonly Conv2d conv;
                [BatchNorm2d, TorchSharp.Utils.ComponentName(Name = "bn")] readonly BatchNorm2d bn1;
                [ReLU] readonly ReLU relu;
                [BatchNorm2d, TorchSharp.Utils.ComponentName(Name = "bn")] readonly BatchNorm2d bn2;
            }
            """));
        var d = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0019");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal("bn2", Spanned(d));
        Assert.Equal("'Twice': the field 'bn1' and the field 'bn2' are both registered as 'bn'; the state_dict would hold only one of them while forward runs both", d.GetMessage());
        Assert.Contains("has declaration errors", run.File("Demo.Twice.g.cs").Text);   // only the stand-in: never built with half its modules
        run.AssertCompilesWithoutErrors();
    }

    [Fact]
    public void A_field_name_and_a_field_registered_as_it_are_an_error()
    {
        var run = GeneratorHarness.Run(Src("""
            [Block]
            public partial class Scaled
            {
                [Arg(2)] readonly int scale;
                [Conv2d("scale", Kernel = 1), TorchSharp.Utils.ComponentName(Name = "scale")] readonly Conv2d proj;
            }
            """));
        var d = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0019");
        Assert.Equal("proj", Spanned(d));
        Assert.Contains("the field 'proj' ([ComponentName]) and the [Arg] field 'scale' are both registered as 'scale'", d.GetMessage());
        Assert.Contains("Module.to()", d.GetMessage());
    }

    [Fact]
    public void Distinct_registered_names_are_fine()
    {
        GeneratorHarness.Run(Src("""
            [Network(Input = "3x8x8")]
            public partial class Renamed
            {
                [Conv2d(4, Kernel = 1), TorchSharp.Utils.ComponentName(Name = "0")] readonly Conv2d conv;
                [BatchNorm2d, TorchSharp.Utils.ComponentName(Name = "1")] readonly BatchNorm2d bn;
            }
            """)).AssertCompilesCleanly();
    }

    [Fact]
    public void Int_arithmetic_that_overflows_in_the_generated_code_is_an_error_at_the_attribute()
    {
        // k * k is 2^32: the generated code computes it in int and wraps to 0, so it would build 8 channels where a 64-bit
        // evaluation says 65,544. Compile time now evaluates like the generated code, and says so.
        var run = GeneratorHarness.Run(Src("""
            [Network(Input = "3x8x8")]
            public partial class Wraps
            {
                [Arg(65536)] readonly int k;
                [Conv2d("k * k / k + 8", Kernel = 1)] readonly Conv2d conv;
            }
            """));
        var d = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0003");
        Assert.Contains("integer overflow: 'k * k' is 4,294,967,296, which does not fit in an int", d.GetMessage());
        Assert.StartsWith("Conv2d(", Spanned(d));
        run.AssertCompilesWithoutErrors();
    }

    [Fact]
    public void The_same_arithmetic_on_a_long_argument_is_computed_alike_at_compile_and_run_time()
    {
        var run = GeneratorHarness.Run(Src("""
            [Network(Input = "3x2x2")]
            public partial class Wide
            {
                [Arg(65536)] readonly long k;
                [Conv2d("k * k / k + 8", Kernel = 1, Bias = false)] readonly Conv2d conv;
            }
            """)).AssertCompilesCleanly();
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Contains("new long[] { 65544, 2, 2 }", run.File("Demo.Wide.g.cs").Text);
        RuntimeCheck.Check(RuntimeCheck.Load(run), "Demo.Wide", 2, 2);   // the module built has 65,544 channels too
    }

    [Fact]
    public void A_constant_overflow_is_an_error_at_the_attribute_not_CS0220_in_the_generated_file()
    {
        var run = GeneratorHarness.Run(Src("""
            [Network(Input = "3x8x8")]
            public partial class Constant
            {
                [Conv2d("65536 * 65536 / 65536", Kernel = 1)] readonly Conv2d conv;
            }
            """));
        var d = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0003");
        Assert.Contains("integer overflow", d.GetMessage());
        Assert.DoesNotContain(run.CompilationProblems(), p => p.Id == "CS0220");
    }

    [Fact]
    public void An_int_argument_given_a_value_beyond_int_is_an_error()
    {
        var run = GeneratorHarness.Run(Src("""
            [Block]
            public partial class B
            {
                [Arg] readonly int width;
                [Conv2d("width / 1000000", Kernel = 1)] readonly Conv2d conv;
            }
            [Network(Input = "3x8x8")]
            public partial class N
            {
                [Arg(3)] readonly long big;
                [Use(typeof(B), "width: big * 1000000000")] readonly B b;
            }
            """));
        var d = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0003");
        Assert.Contains("3,000,000,000 does not fit in 'width', an int", d.GetMessage());
    }

    [Theory]
    [InlineData("TorchSharp.Modules.Parameter", "TorchSharp.Modules.Parameter")]
    [InlineData("TorchSharp.torch.Tensor", "TorchSharp.torch.Tensor")]
    public void A_parameter_or_tensor_field_without_an_attribute_is_reported(string type, string shown)
    {
        var run = GeneratorHarness.Run(Src($$"""
            [Network(Input = "3x8x8")]
            public partial class Scaled
            {
                [Conv2d(4, Kernel = 1)] readonly Conv2d conv;
                readonly {{type}} gamma = null!;
            }
            """));
        var d = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0015");
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Equal("gamma", Spanned(d));
        Assert.Contains($"holds a {shown}", d.GetMessage());
    }

    [Fact]
    public void Output_without_a_hand_written_forward_is_a_warning_at_the_attribute()
    {
        var run = GeneratorHarness.Run(Src("""
            [Block, Output("2 * in")]
            public partial class Doubler
            {
                [Conv2d("in", Kernel = 1)] readonly Conv2d conv;
                [ReLU] readonly ReLU relu;
            }
            """));
        var d = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0020");
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.StartsWith("Output(", Spanned(d));
        Assert.Contains("[Output] on 'Doubler' has no effect", d.GetMessage());
        Assert.Contains("after ReLU", d.GetMessage());
    }

    [Fact]
    public void An_expression_error_in_a_block_is_reported_once_with_the_nearest_name_however_many_networks_use_it()
    {
        var run = GeneratorHarness.Run(Src("""
            [Block] public partial class B { [Arg] readonly int width; [Conv2d("widht", Kernel = 1)] readonly Conv2d conv; }
            [Network(Input = "3x8x8")] public partial class N1 { [Use(typeof(B), "width: 4")] readonly B b; }
            [Network(Input = "3x8x8")] public partial class N2 { [Use(typeof(B), "width: 4", Count = 2)] readonly Sequential b; }
            """));
        var d = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0003");
        Assert.Equal("B.conv (Conv2d), OutChannels: unknown name 'widht' in 'widht' (did you mean 'width'?); known here: in, width", d.GetMessage());
    }

    [Fact]
    public void An_instance_error_reached_from_several_networks_is_reported_once()
    {
        var run = GeneratorHarness.Run(Src("""
            [Block] public partial class B { [Arg] readonly int width; [Conv2d("8 / width", Kernel = 1)] readonly Conv2d conv; }
            [Network(Input = "3x8x8")] public partial class N1 { [Use(typeof(B), "width: 0")] readonly B b; }
            [Network(Input = "3x8x8")] public partial class N2 { [Use(typeof(B), "width: 0")] readonly B b; }
            [Network(Input = "3x8x8")] public partial class N3 { [Use(typeof(B), "width: 2")] readonly B b; }
            """));
        var d = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0003");
        Assert.EndsWith("division by zero", d.GetMessage());
        Assert.DoesNotContain(run.GeneratorDiagnostics, x => x.Severity == DiagnosticSeverity.Error && x.GetMessage().Contains("N3"));
    }
}
