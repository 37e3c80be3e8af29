using System.Linq;
using Microsoft.CodeAnalysis;
using PiXGen.Generators.Parsing;
using static PiXGen.Generators.Tests.Sources;
using static TorchSharp.torch;

namespace PiXGen.Generators.Tests;

/// <summary>
/// Loops over lists: <c>int[]</c> arguments and lets, list literals (<c>[64, M, 128]</c>), <c>cfg[i]</c> and
/// <c>len(cfg)</c>, iterated by a repeated [Use]; <c>Inline = true</c> puts the block's layers into the Sequential's
/// numbering (torchvision's VGG <c>make_layers</c>). The expressions on their own, a VGG-like family against the same
/// network written out (graph, costs, keys, output), the generated code (Snapshots/ListLoopTests.*) and located diagnostics.
/// </summary>
public class ListLoopTests
{
    [Theory]
    [InlineData("[64, 0, 128][1 + 1]", 128L)]
    [InlineData("len([6, 12, 24, 16])", 4L)]
    [InlineData("cfg[len(cfg) - 1] + cfg[0]", 22L)]
    [InlineData("depth == 11 ? len(cfg) : 0", 4L)]
    public void Lists_evaluate_index_and_count(string text, long expected)
    {
        object? Lookup(string n) => n switch { "cfg" => new long[] { 6, 12, 24, 16 }, "depth" => 11L, _ => null };
        Assert.Equal(expected, Expr.Parse(text).Evaluate(Lookup));
        Assert.Equal("int", Expr.Parse(text).InferType(n => n == "cfg" ? Expr.ListType : "int"));
    }

    [Fact]
    public void Lists_fold_and_emit_as_csharp_arrays()
    {
        Assert.Equal("128", Expr.Parse("[64, 0, 128][i + 1]").Fold(n => n == "i" ? 1L : null).ToCSharp(n => n));
        Assert.Equal("new int[] { 64, this.M, 128 }", Expr.Parse("[64, M, 128]").ToCSharp(n => "this." + n));
        Assert.Equal("this.cfg.Length", Expr.Parse("len(cfg)").ToCSharp(n => "this." + n));
        Assert.Equal("[6, 12]", Expr.Parse("[6,12]").ToSource(n => n));
        Assert.Equal(new long[] { 6, 12 }, (long[])Expr.Parse("[6, 2 * k]").Evaluate(n => n == "k" ? 6L : null));
    }

    [Theory]
    [InlineData("[1, 2][2]", "index 2 is outside the list of 2 entries")]
    [InlineData("[1, 2] == [1, 2]", "compares numbers or conditions, not lists")]
    [InlineData("len(3)", "len needs a list of integers")]
    [InlineData("[1, 2] + 1", "needs a number, not a list of integers")]
    [InlineData("[1, 0.5]", "an entry of a list needs an integer")]
    public void List_mistakes_are_expression_errors(string text, string message)
    {
        var e = Expr.Parse(text);
        var ex = Assert.Throws<ExprException>(() => { e.InferType(_ => "int"); e.Evaluate(_ => null); });
        Assert.Contains(message, ex.Message);
    }

    private const string Family = """
        [Block]
        public partial class Unit                     // one entry of a VGG configuration: v channels, or 0 for a max pool
        {
            [Arg] readonly int v;
            [Arg(false)] readonly bool bn;
            [Conv2d("v", Kernel = 3, Padding = 1, When = "v > 0")] readonly Conv2d? conv;
            [BatchNorm2d(When = "v > 0 && bn")] readonly BatchNorm2d? norm;
            [ReLU(When = "v > 0")] readonly ReLU? relu;
            [MaxPool2d(2, Stride = 2, When = "v == 0")] readonly MaxPool2d? pool;
        }

        [Block]
        public partial class TinyVgg
        {
            [Arg(10)] readonly int numClasses;
            [Arg] readonly int depth;
            [Arg(false)] readonly bool bn;
            [Let("0")] readonly int M;
            [Let("depth == 3 ? [8, M, 16, 16, M] : [8, 8, M, 16, 16, M]")] readonly int[] cfg;
            [Use(typeof(Unit), "v: cfg[i], bn: bn", Count = "len(cfg)", Inline = true)] readonly Sequential features;
            [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d avgpool;
            [Flatten] readonly Flatten flatten;
            [Linear("numClasses")] readonly Linear fc;
        }

        [Network(Like = typeof(TinyVgg), With = "depth: 3", Input = "3x16x16")] public partial class TinyVgg3 { }
        [Network(Like = typeof(TinyVgg), With = "depth: 4, bn: true", Input = "3x16x16")] public partial class TinyVgg4Bn { }

        """;

    [Fact]
    public void A_family_over_a_configuration_list_equals_the_network_written_out()
    {
        var run = GeneratorHarness.Run(Src(Family + """
            [Network(Input = "3x16x16")]
            public partial class Written
            {
                [Conv2d(8, Kernel = 3, Padding = 1)] [ReLU] [MaxPool2d(2, Stride = 2)]
                [Conv2d(16, Kernel = 3, Padding = 1)] [ReLU] [Conv2d(16, Kernel = 3, Padding = 1)] [ReLU] [MaxPool2d(2, Stride = 2)]
                readonly Sequential features;
                [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d avgpool;
                [Flatten] readonly Flatten flatten;
                [Linear(10)] readonly Linear fc;
            }

            [Network(Input = "3x16x16")]
            public partial class Unrolled                 // a constant count over a list literal: unrolled, i folded in
            {
                [Use(typeof(Unit), "v: [8, 0, 16, 16, 0][i]", Count = 5, Inline = true)] readonly Sequential features;
                [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d avgpool;
                [Flatten] readonly Flatten flatten;
                [Linear(10)] readonly Linear fc;
            }
            """)).AssertNoGeneratorDiagnostics().AssertCompilesCleanly();
        Snapshot.VerifyGenerated(run, f => f.HintName is "Demo.TinyVgg4Bn.g.cs" or "Demo.Unrolled.g.cs");
        string Costs(string name) => run.GeneratorDiagnostics.Single(d => d.Id == "PIX0200" && d.GetMessage().StartsWith(name + ":")).GetMessage().Substring(name.Length);
        string Graph(string name) => run.File($"Demo.{name}.Graph.g.cs").Text.Replace(name, "N");
        Assert.Equal(Costs("Written"), Costs("TinyVgg3"));
        Assert.Equal(Costs("Written"), Costs("Unrolled"));
        Assert.Equal(Graph("Written"), Graph("TinyVgg3"));
        Assert.Equal(Graph("Written"), Graph("Unrolled"));
        var assembly = RuntimeCheck.Load(run);
        var written = RuntimeCheck.Check(assembly, "Demo.Written", 8, 24);
        foreach (var name in new[] { "Demo.TinyVgg3", "Demo.Unrolled" })
        {
            var net = RuntimeCheck.Check(assembly, name, 8, 24);
            Assert.Equal(written.state_dict().Keys, net.state_dict().Keys);
            net.load_state_dict(written.state_dict());
            net.eval(); written.eval();
            using var _ = no_grad();
            var x = randn(2, 3, 16, 16);
            Assert.True(net.call(x).allclose(written.call(x), rtol: 0, atol: 0), name);
        }
        // The other member: conv, BatchNorm, ReLU per channel entry, numbered as torchvision numbers vgg*_bn's features.
        var bn = RuntimeCheck.Check(assembly, "Demo.TinyVgg4Bn", 8, 24);
        var keys = bn.state_dict().Keys.Where(k => k.StartsWith("features.") && k.EndsWith(".weight")).ToList();
        Assert.Equal(new[] { "features.0.weight", "features.1.weight", "features.3.weight", "features.4.weight", "features.7.weight",
            "features.8.weight", "features.10.weight", "features.11.weight" }, keys);
    }

    [Fact]
    public void An_int_list_argument_takes_an_array_default_and_a_list_from_With()
    {
        var run = GeneratorHarness.Run(Src("""
            [Block]
            public partial class Stage
            {
                [Arg] readonly int width;
                [Conv2d("width", Kernel = 3, Padding = 1, Bias = false)] readonly Conv2d conv;
            }

            [Block]
            public partial class Stages
            {
                [Arg(new[] { 4, 8 })] readonly int[] widths;
                [Use(typeof(Stage), "width: widths[i]", Count = "len(widths)", Name = "stage{i + 1}")] readonly Stage[] stages;
            }

            [Network(Like = typeof(Stages), Input = "3x8x8")] public partial class Default { }
            [Network(Like = typeof(Stages), With = "widths: [2, 4, 6]", Input = "3x8x8")] public partial class Three { }
            """)).AssertNoGeneratorDiagnostics().AssertCompilesCleanly();
        var assembly = RuntimeCheck.Load(run);
        var two = RuntimeCheck.Check(assembly, "Demo.Default");
        var three = RuntimeCheck.Check(assembly, "Demo.Three");
        Assert.Equal(new[] { "stage1.conv.weight", "stage2.conv.weight" }, two.state_dict().Keys);
        Assert.Equal(new long[] { 6, 4, 3, 3 }, three.state_dict()["stage3.conv.weight"].shape);
        // The list is a constructor argument like any other: another list builds another network.
        var ctor = assembly.GetType("Demo.Three")!.GetConstructors().Single();
        using var custom = (TorchSharp.torch.nn.Module<Tensor, Tensor>)ctor.Invoke(new object?[] { new[] { 5 } });
        Assert.Equal(new[] { "stage1.conv.weight" }, custom.state_dict().Keys);
    }

    [Fact]
    public void Substitution_reaches_inlined_layers_through_the_expanded_network()
    {
        var run = GeneratorHarness.Run(Src("""
            [Block]
            public partial class Squeeze
            {
                [Arg] readonly int w;
                [Conv2d("w", Kernel = 1, Bias = false)] readonly Conv2d conv;
                [ReLU] readonly ReLU relu;
            }

            [Network(Input = "16x8x8")]
            public partial class Plain
            {
                [Use(typeof(Squeeze), "w: [8, 4][i]", Count = 2, Inline = true)] readonly Sequential features;
                [Flatten] readonly Flatten flatten;
            }

            [Network(Like = typeof(Plain)), SubstitutePiX] public partial class Squeezed { }
            """)).AssertCompilesCleanly();
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
        // 16 → 8 and 8 → 4 both squeeze by 2: both inlined convolutions become PiX (with their ReLUs).
        var pix = run.GeneratorDiagnostics.Single(d => d.Id == "PIX0300").GetMessage();
        Assert.Contains("replaced 2 convolution(s)", pix);
        var model = RuntimeCheck.Check(RuntimeCheck.Load(run), "Demo.Squeezed");
        Assert.Equal(2, model.modules().Count(m => m is PiXGen.PiX.PiXLayer));
    }

    [Fact]
    public void Bad_lists_and_inlines_are_reported_at_the_attribute()
    {
        var run = GeneratorHarness.Run(Src(Family + """
            [Network(Like = typeof(TinyVgg), With = "depth: [3]", Input = "3x16x16")] public partial class ListForInt { }

            [Network(Input = "3x16x16")]
            public partial class OutOfRange { [Use(typeof(Unit), "v: [8, 0][i]", Count = 3, Inline = true)] readonly Sequential features; }

            [Network(Input = "3x16x16")]
            public partial class CountIsAList { [Use(typeof(Unit), "v: 8", Count = "[1, 2]", Inline = true)] readonly Sequential features; }

            [Block, Residual]
            public partial class Res { [Conv2d("in", Kernel = 3, Padding = 1)] readonly Conv2d conv; }

            [Network(Input = "3x16x16")]
            public partial class InlineResidual { [Use(typeof(Res), Count = 2, Inline = true)] readonly Sequential features; }

            [Network(Input = "3x16x16")]
            public partial class InlineNotSequential { [Use(typeof(Unit), "v: 8", Inline = true)] readonly Unit features; }
            """));
        var errors = run.GeneratorDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Snapshot.VerifyDiagnostics(errors);
        Assert.Contains(errors, d => d.Id == "PIX0003" && d.GetMessage().Contains("index 2 is outside the list of 2 entries"));
        Assert.Contains(errors, d => d.Id == "PIX0106" && d.GetMessage().Contains("Res is [Residual]"));
        Assert.Contains(errors, d => d.Id == "PIX0106" && d.GetMessage().Contains("declare the field as Sequential"));
        Assert.DoesNotContain(run.Output.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree?.FilePath.Contains("PiXGen") == true);
    }
}
