using System.Linq;
using Microsoft.CodeAnalysis;
using static PiXGen.Generators.Tests.Sources;

namespace PiXGen.Generators.Tests;

/// <summary>
/// Families: a [Block] (or a network) declared once, each member a network that reuses it with
/// <c>[Network(Like = ..., With = "...")]</c>.
/// </summary>
public class FamilyTests
{
    private const string Family = """
        [Block, Residual]
        public partial class Unit
        {
            [Arg] readonly int planes;
            [Conv2d("planes", Kernel = 3, Padding = 1, Bias = false)] readonly Conv2d conv;
            [BatchNorm2d] readonly BatchNorm2d bn;
            [Shortcut(When = "in != planes")] [Conv2d("planes", Kernel = 1, Bias = false)] readonly Conv2d? proj;
        }
        [Block]
        public partial class TinyFamily
        {
            [Arg] readonly int depth;
            [Arg(10)] readonly int numClasses;
            [Arg(1.0)] readonly double widthMult;
            [Let("make_divisible(16 * widthMult, 8)")] readonly int width;
            [Let("depth == 1 ? 1 : depth == 2 ? 2 : 4")] readonly int units;
            [Conv2d("width", Kernel = 3, Padding = 1, Bias = false)] readonly Conv2d stem;
            [Use(typeof(Unit), "planes: width * (i + 1)", Count = "units")] readonly Sequential body;
            [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d pool;
            [Flatten] readonly Flatten flatten;
            [Linear("numClasses")] readonly Linear fc;
        }
        """;

    [Fact]
    public void Each_member_is_one_line_and_builds_what_the_compiler_computed()
    {
        var run = GeneratorHarness.Run(Src(Family + """

            [Network(Like = typeof(TinyFamily), With = "depth: 1", Input = "3x8x8")] public partial class Tiny1 { }
            [Network(Like = typeof(TinyFamily), With = "depth: 3, widthMult: 1.5, numClasses: 7", Input = "3x8x8")] public partial class Tiny3 { }
            """)).AssertCompilesCleanly();
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
        var assembly = RuntimeCheck.Load(run);
        var one = RuntimeCheck.Check(assembly, "Demo.Tiny1", 8, 8);
        var three = RuntimeCheck.Check(assembly, "Demo.Tiny3", 8, 8);
        // Tiny3: width make_divisible(24, 8) = 24, four units of 24, 48, 72 and 96 channels, 7 classes.
        Assert.Contains("new long[] { 7 }", run.File("Demo.Tiny3.g.cs").Text);
        var keys = three.state_dict().Keys.ToList();
        Assert.Contains("body.3.conv.weight", keys);
        Assert.Equal(new long[] { 96, 72, 3, 3 }, three.state_dict()["body.3.conv.weight"].shape);
        Assert.DoesNotContain("body.1.conv.weight", one.state_dict().Keys);
    }

    [Fact]
    public void A_member_equals_the_same_network_written_out()
    {
        var run = GeneratorHarness.Run(Src(Family + """

            [Network(Like = typeof(TinyFamily), With = "depth: 2", Input = "3x8x8")] public partial class FromFamily { }
            [Network(Input = "3x8x8")]
            public partial class WrittenOut
            {
                [Conv2d(16, Kernel = 3, Padding = 1, Bias = false)] readonly Conv2d stem;
                [Use(typeof(Unit), "planes: 16 * (i + 1)", Count = 2)] readonly Sequential body;
                [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d pool;
                [Flatten] readonly Flatten flatten;
                [Linear(10)] readonly Linear fc;
            }
            """)).AssertCompilesCleanly();
        string Costs(string name) => run.GeneratorDiagnostics.Single(d => d.Id == "PIX0200" && d.GetMessage().StartsWith(name + ":")).GetMessage().Substring(name.Length);
        Assert.Equal(Costs("WrittenOut"), Costs("FromFamily"));
        var graph = run.File("Demo.WrittenOut.Graph.g.cs").Text.Replace("WrittenOut", "N");
        Assert.Equal(graph, run.File("Demo.FromFamily.Graph.g.cs").Text.Replace("FromFamily", "N"));
    }

    [Fact]
    public void Like_may_chain_through_a_member()
    {
        var run = GeneratorHarness.Run(Src(Family + """

            [Network(Like = typeof(TinyFamily), With = "depth: 2", Input = "3x8x8")] public partial class Tiny2 { }
            [Network(Like = typeof(Tiny2), With = "numClasses: 3")] public partial class Tiny2Head3 { }
            """)).AssertCompilesCleanly();
        Assert.Contains("new long[] { 3 }", run.File("Demo.Tiny2Head3.g.cs").Text);
    }

    [Fact]
    public void An_unknown_name_in_With_is_an_error_with_the_nearest_argument()
    {
        var run = GeneratorHarness.Run(Src(Family + """

            [Network(Like = typeof(TinyFamily), With = "depht: 2", Input = "3x8x8")] public partial class Typo { }
            """));
        var d = run.GeneratorDiagnostics.First(d => d.Id == "PIX0005");
        Assert.Contains("'depht' is not a parameter of TinyFamily (did you mean 'depth'?)", d.GetMessage());
        Assert.Equal("\"depht: 2\"", d.Location.SourceTree!.GetText().ToString(d.Location.SourceSpan));   // at the With value
        var missing = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0004");
        Assert.Contains("required parameter 'depth' is not given", missing.GetMessage());
    }

    [Fact]
    public void With_without_Like_is_an_error()
    {
        var run = GeneratorHarness.Run(Src("""
            [Network(Input = "3x8x8", With = "depth: 2")] public partial class Lonely { [ReLU] readonly ReLU relu; }
            """));
        var d = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0012");
        Assert.Contains("With gives argument values to the declaration named by Like", d.GetMessage());
    }

    [Fact]
    public void A_block_with_a_hand_written_forward_cannot_be_a_family()
    {
        var run = GeneratorHarness.Run(Src("""
            [Block, Output("in")]
            public partial class Hand
            {
                [ReLU] readonly ReLU relu;
                public override TorchSharp.torch.Tensor forward(TorchSharp.torch.Tensor x) => relu.call(x);
            }
            [Network(Like = typeof(Hand), Input = "3x8x8")] public partial class FromHand { }
            """));
        var d = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0012");
        Assert.Contains("'Hand' has a hand-written forward or Dispose, which another class cannot reuse", d.GetMessage());
    }
}
