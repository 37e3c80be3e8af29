using System.Linq;
using Microsoft.CodeAnalysis;
using static PiXGen.Generators.Tests.Sources;

namespace PiXGen.Generators.Tests;

/// <summary>
/// PiX substitution in the compiler: [PiXSqueeze] on a member, [SubstitutePiX] on a network, and their
/// diagnostics (PIX0300–PIX0303). Generated code is snapshotted and compiled.
/// </summary>
public class PiXSubstitutionGeneratorTests
{
    private static bool Module(GeneratedFile f) => !f.HintName.EndsWith(".Costs.g.cs", System.StringComparison.Ordinal) && !f.HintName.EndsWith(".Graph.g.cs", System.StringComparison.Ordinal) && !f.HintName.EndsWith(".Cuda.g.cs", System.StringComparison.Ordinal);
    private static string ThisFile([System.Runtime.CompilerServices.CallerFilePath] string file = "") => file;

    /// <summary>A bottleneck with a squeeze 1×1 conv (+ BN + ReLU), and a network using it in a stage.</summary>
    private const string Bottleneck = """
        [Block, Residual]
        public partial class Squeeze
        {
            [Arg] readonly int width;
            [Arg(1)] readonly int stride;
            [Conv2d("width", Kernel = 1, Bias = false)] readonly Conv2d conv1;
            [BatchNorm2d] readonly BatchNorm2d bn1;
            [ReLU] readonly ReLU relu1;
            [Conv2d("width", Kernel = 3, Stride = "stride", Padding = 1, Bias = false)] readonly Conv2d conv2;
            [BatchNorm2d] readonly BatchNorm2d bn2;
            [Conv2d("width * 4", Kernel = 1, Bias = false)] readonly Conv2d conv3;
            [Shortcut(When = "stride != 1 || in != width * 4")] [Conv2d("width * 4", Kernel = 1, Stride = "stride", Bias = false)] readonly Conv2d? proj;
            [ReLU(AfterAdd = true)] readonly ReLU relu;
        }
        """;

    private const string Stem = """
            [Conv2d(16, Kernel = 3, Padding = 1, Bias = false)] readonly Conv2d stem;
            [Use(typeof(Squeeze), "width: 8, stride: i == 0 ? 2 : 1", Count = 3)] readonly Sequential stage;
            [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d pool;
            [Flatten] readonly Flatten flatten;
            [Linear(10)] readonly Linear fc;
        """;

    [Fact]
    public void Network_wide_substitution_specialises_the_block_and_lists_what_it_replaced()
    {
        var run = GeneratorHarness.Run(Src(Bottleneck + "\n[Network(Input = \"3x16x16\"), SubstitutePiX]\npublic partial class Net\n{\n" + Stem + "}\n"));
        run.AssertCompilesCleanly();
        var diagnostics = run.RelevantGeneratorDiagnostics("PIX0300");
        Assert.DoesNotContain(diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        // stage.0.conv1 is 16 → 8 (ζ 2); stage.1/2.conv1 are 32 → 8 (ζ 4). conv3 expands, proj is a shortcut: untouched.
        var summary = Assert.Single(diagnostics, d => d.Id == "PIX0300");
        Assert.Equal("Net: PiX replaced 3 convolution(s): stage.0.conv1 (ζ=2), stage.1.conv1 (ζ=4), stage.2.conv1 (ζ=4)", summary.GetMessage());
        var net = run.File("Demo.Net.g.cs").Text;
        Assert.Contains("private sealed class Squeeze_PiX1", net);
        Assert.Contains("new global::PiXGen.PiX.PiXLayer(c, (int)(c / this.width))", net);
        Assert.DoesNotContain("bn1", net.Substring(net.IndexOf("class Squeeze_PiX1", System.StringComparison.Ordinal)));
        // The dense block is still generated dense for other users.
        Assert.Contains("this.bn1 = global::TorchSharp.torch.nn.BatchNorm2d(c);", run.File("Demo.Squeeze.g.cs").Text);
        Snapshot.VerifyGenerated(run, f => f.HintName == "Demo.Net.g.cs", callerFile: ThisFile());
    }

    [Fact]
    public void Cost_report_states_the_change_against_the_dense_network()
    {
        var run = GeneratorHarness.Run(Src(Bottleneck + "\n[Network(Input = \"3x16x16\"), SubstitutePiX]\npublic partial class Net\n{\n" + Stem + "}\n"));
        var report = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0200").GetMessage();
        // By hand: each replaced conv1 (16→8 at 16², 32→8 at 8², 32→8 at 8²) loses C_in·C_out·H·W MACs and gains φ's
        // C_in·C_out: (32768 − 128) + 2·(16384 − 256) = 64,896; the three bn1 (2·8 parameters each) are gone.
        Assert.Contains(" · vs dense: params −48 (", report);
        Assert.Contains(", MACs −64.90 K (", report);
    }

    [Fact]
    public void Include_forces_a_non_squeezing_layer_and_exclude_keeps_one_dense()
    {
        var run = GeneratorHarness.Run(Src(Bottleneck + "\n[Network(Input = \"3x16x16\"), SubstitutePiX(Include = new[] { \"stage.0.proj\" }, Exclude = new[] { \"stage.2.*\" })]\npublic partial class Net\n{\n" + Stem + "}\n"));
        run.AssertCompilesWithoutErrors();
        var diagnostics = run.RelevantGeneratorDiagnostics("PIX0300");
        var all = Snapshot.Render(diagnostics);
        // stage.0.proj is 16 → 32 with stride 2: it cannot become PiX, and says why, at the attribute.
        Assert.Contains("PIX0301", all);
        Assert.Contains("its stride is 2", all);
    }

    [Fact]
    public void Pattern_matching_nothing_is_a_warning()
    {
        var run = GeneratorHarness.Run(Src(Bottleneck + "\n[Network(Input = \"3x16x16\"), SubstitutePiX(Exclude = new[] { \"stages.*\" })]\npublic partial class Net\n{\n" + Stem + "}\n"));
        var d = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0302");
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Contains("\"stages.*\"", d.GetMessage());
    }

    [Fact]
    public void Squeeze_marker_rewrites_the_block_itself()
    {
        const string block = """
            [Block]
            public partial class Marked
            {
                [Conv2d(8, Kernel = 1, Bias = false), PiXSqueeze(Tau = 0.25)] readonly PiXGen.PiX.PiXLayer squeeze;
                [BatchNorm2d] readonly BatchNorm2d? bn;
                [ReLU] readonly ReLU? relu;
                [Conv2d(8, Kernel = 3, Padding = 1)] readonly Conv2d conv;
            }
            [Network(Input = "32x8x8")]
            public partial class UsesMarked
            {
                [Use(typeof(Marked))] readonly Marked body;
            }
            """;
        var run = GeneratorHarness.Run(Src(block)).AssertCompilesCleanly();
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Severity >= DiagnosticSeverity.Warning);
        var text = run.File("Demo.Marked.g.cs").Text;
        Assert.Contains("this.squeeze = new global::PiXGen.PiX.PiXLayer(c, (int)(c / 8), tau: 0.25);", text);
        Assert.Contains("this.bn = null;", text);
        Assert.Contains("this.relu = null;", text);
        Snapshot.VerifyGenerated(run, f => f.HintName == "Demo.Marked.g.cs", callerFile: ThisFile());
    }

    [Theory]
    [InlineData("Kernel = 3", "its kernel is 3x3")]
    [InlineData("Kernel = 1, Stride = 2", "its stride is 2")]
    [InlineData("Kernel = 1, Groups = 2", "it is grouped (groups=2)")]
    public void Marked_layer_that_cannot_be_substituted_is_an_error_at_the_marker(string settings, string reason)
    {
        var source = Src($$"""
            [Network(Input = "32x8x8")]
            public partial class Bad
            {
                [Conv2d(8, {{settings}}), PiXSqueeze(WithNormAndActivation = false)] readonly PiXGen.PiX.PiXLayer squeeze;
            }
            """);
        var run = GeneratorHarness.Run(source);
        var d = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0301");
        Assert.Contains(reason, d.GetMessage());
        Assert.Equal("PiXSqueeze(WithNormAndActivation = false)", d.Location.SourceTree!.GetText().ToString(d.Location.SourceSpan));
        run.AssertCompilesWithoutErrors();
    }

    [Theory]
    [InlineData(64, "C_out 64 > C_in 32")]
    [InlineData(32, "nothing to squeeze")]
    [InlineData(12, "not divisible")]
    public void Marked_layer_with_wrong_channel_ratio_is_an_error(int outChannels, string reason)
    {
        var run = GeneratorHarness.Run(Src($$"""
            [Network(Input = "32x8x8")]
            public partial class Bad
            {
                [Conv2d({{outChannels}}, Kernel = 1), PiXSqueeze(WithNormAndActivation = false)] readonly PiXGen.PiX.PiXLayer squeeze;
            }
            """));
        Assert.Contains(reason, Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0301").GetMessage());
    }

    [Fact]
    public void Marked_field_of_the_conv_type_is_told_to_change_type()
    {
        var run = GeneratorHarness.Run(Src("""
            [Network(Input = "32x8x8")]
            public partial class Bad
            {
                [Conv2d(8, Kernel = 1), PiXSqueeze] readonly Conv2d squeeze;
            }
            """));
        var d = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0303");
        Assert.Equal("Field 'squeeze' is declared as Conv2d; declare it as PiXLayer (or Module<Tensor, Tensor>): it holds the PiX layer that replaces the convolution", d.GetMessage());
    }

    [Fact]
    public void Followers_must_be_nullable()
    {
        var run = GeneratorHarness.Run(Src("""
            [Network(Input = "32x8x8")]
            public partial class Bad
            {
                [Conv2d(8, Kernel = 1), PiXSqueeze] readonly PiXGen.PiX.PiXLayer squeeze;
                [BatchNorm2d] readonly BatchNorm2d bn;
            }
            """));
        var d = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0009");
        Assert.Contains("is removed by PiX substitution", d.GetMessage());
    }

    [Fact]
    public void A_follower_left_out_by_a_marker_is_still_checked_as_written()
    {
        // The BatchNorm leaves the build with its convolution; its declaration is still the user's, and an unknown name in
        // it is reported at its attribute, not dropped with the layer.
        var run = GeneratorHarness.Run(Src("""
            [Network(Input = "32x8x8")]
            public partial class LeftOut
            {
                [Conv2d(8, Kernel = 1), PiXSqueeze] readonly PiXGen.PiX.PiXLayer squeeze;
                [BatchNorm2d(Eps = "epsilon")] readonly BatchNorm2d? bn;
                [Conv2d(8, Kernel = 3, Padding = 1)] readonly Conv2d conv;
            }
            """));
        var d = Assert.Single(run.GeneratorDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Contains("epsilon", d.GetMessage());
        Assert.Contains("bn", d.GetMessage());
        Assert.Equal("BatchNorm2d(Eps = \"epsilon\")", d.Location.SourceTree!.GetText().ToString(d.Location.SourceSpan));
    }

    /// <summary>
    /// A block with a [PiXSqueeze] marker whose BatchNorm and ReLU fields leave the build, specialised again by a variant
    /// or network-wide substitution: the variant class declares only what it builds, so it must not inherit the marked
    /// block's left-out fields (found by the differential fuzzer: the variant's constructor set fields it did not have).
    /// </summary>
    [Theory]
    [InlineData(", Variants", "pix")]
    [InlineData(", Variants", "prune")]
    [InlineData(", Variants", "downscale")]
    [InlineData(", SubstitutePiX", null)]
    public void A_marked_block_specialised_again_declares_only_what_it_builds(string attributes, string? variant)
    {
        var source = Src($$"""
            [Block]
            public partial class Marked
            {
                [Arg] readonly int planes;
                [Conv2d("planes * 4", Kernel = 1)] readonly Conv2d expand;
                [Conv2d("planes * 2", Kernel = 1)] readonly Conv2d middle;
                [Conv2d("planes", Kernel = 1, Bias = false), PiXSqueeze] readonly PiXGen.PiX.PiXLayer squeeze;
                [BatchNorm2d] readonly BatchNorm2d? bn;
                [ReLU] readonly ReLU? relu;
            }
            [Network(Input = "8x8x8"){{attributes}}]
            public partial class UsesMarkedAgain
            {
                [Use(typeof(Marked), "planes: 8")] readonly Sequential body;
            }
            """);
        var properties = new System.Collections.Generic.Dictionary<string, string>();
        if (variant is not null) properties["build_property.PiXGenVariant"] = variant;
        if (variant == "prune") properties["build_property.PiXGenTarget"] = "0.9";
        var run = GeneratorHarness.RunWith(properties, source).AssertCompilesCleanly();
        var network = run.File("Demo.UsesMarkedAgain.g.cs").Text;
        Assert.Contains("class Marked_PiX1", network);
        Assert.DoesNotContain("this.bn", network);
        Assert.DoesNotContain("this.relu", network);
        Assert.Contains("this.bn = null;", run.File("Demo.Marked.g.cs").Text);
    }
}
