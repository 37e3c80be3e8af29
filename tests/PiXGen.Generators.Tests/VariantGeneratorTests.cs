using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using static PiXGen.Generators.Tests.Sources;

namespace PiXGen.Generators.Tests;

/// <summary>
/// Build-time variants chosen by MSBuild properties (given here through the analyzer config options, as
/// MSBuild does), with pins, opt-outs and the PIX0400–PIX0403 diagnostics. Generated code is compiled and,
/// for the rewriting variants, snapshotted.
/// </summary>
public class VariantGeneratorTests
{
    private const string Block = """
        [Block, Residual]
        public partial class B
        {
            [Arg] readonly int width;
            [Conv2d("width", Kernel = 1, Bias = false)] readonly Conv2d conv1;
            [BatchNorm2d] readonly BatchNorm2d bn1;
            [ReLU] readonly ReLU relu1;
            [Conv2d("width", Kernel = 3, Padding = 1, Bias = false)] readonly Conv2d conv2;
            [Conv2d("width * 4", Kernel = 1, Bias = false)] readonly Conv2d conv3;
            [Shortcut(When = "in != width * 4")] [Conv2d("width * 4", Kernel = 1, Bias = false)] readonly Conv2d? proj;
        }
        """;

    private static string Net(string variants = "Variants") => Src(Block + $$"""

        [Network(Input = "16x8x8"), {{variants}}]
        public partial class V
        {
            [Conv2d(32, Kernel = 3, Padding = 1)] readonly Conv2d stem;
            [Use(typeof(B), "width: 8", Count = 2)] readonly Sequential stage;
            [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d pool;
            [Flatten] readonly Flatten flatten;
            [Linear(10)] readonly Linear fc;
        }
        """);

    private static GeneratorRun Run(string source, params (string Key, string Value)[] properties)
        => GeneratorHarness.RunWith(properties.ToDictionary(p => "build_property." + p.Key, p => p.Value), source);

    private static string Built(GeneratorRun run) => Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0400").GetMessage();

    private static string ThisFile([System.Runtime.CompilerServices.CallerFilePath] string file = "") => file;

    [Fact]
    public void Dense_by_default_states_the_variant()
    {
        var run = Run(Net()).AssertCompilesCleanly();
        Assert.Equal("V: built variant dense (as declared)", Built(run));
        var text = run.File("Demo.V.g.cs").Text;
        Assert.Contains("public const string Variant = \"dense\";", text);
        Assert.DoesNotContain("PiXLayer", text);
        Assert.Contains(" · variant dense", Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0200").GetMessage());
        Snapshot.VerifyGenerated(run, f => f.HintName == "Demo.V.g.cs", callerFile: ThisFile());
    }

    [Fact]
    public void Pix_replaces_the_squeeze_convolutions_in_every_block_instance()
    {
        var run = Run(Net(), ("PiXGenVariant", "pix")).AssertCompilesCleanly();
        Assert.Equal("V: built variant pix (2 squeeze convolutions replaced by PiX)", Built(run));
        Assert.Contains("private sealed class B_PiX1", run.File("Demo.V.g.cs").Text);
        Snapshot.VerifyGenerated(run, f => f.HintName == "Demo.V.g.cs", callerFile: ThisFile());
    }

    [Fact]
    public void Downscale_puts_pix_in_front_of_every_divisible_convolution_including_the_networks_own()
    {
        var run = Run(Net(), ("PiXGenVariant", "downscale"), ("PiXGenZeta", "2")).AssertCompilesCleanly();
        Assert.Equal("V: built variant downscale(ζ=2) (PiX ζ=2 in front of 7 convolutions)", Built(run));
        var text = run.File("Demo.V.g.cs").Text;
        // The network's own stem gets a generated field; blocks get a specialised class; the shortcut is untouched.
        Assert.Contains("private readonly global::PiXGen.PiX.PiXLayer stem_pix;", text);
        Assert.Contains("this.stem_pix = new global::PiXGen.PiX.PiXLayer(c, 2);", text);
        Assert.Contains("private readonly global::PiXGen.PiX.PiXLayer conv2_pix;", text);
        Assert.DoesNotContain("proj_pix", text);
        Snapshot.VerifyGenerated(run, f => f.HintName == "Demo.V.g.cs", callerFile: ThisFile());
    }

    [Fact]
    public void No_variant_keeps_a_layer_as_declared()
    {
        var source = Net().Replace("[Conv2d(\"width\", Kernel = 3, Padding = 1, Bias = false)] readonly Conv2d conv2;",
            "[Conv2d(\"width\", Kernel = 3, Padding = 1, Bias = false), NoVariant] readonly Conv2d conv2;");
        var run = Run(source, ("PiXGenVariant", "downscale")).AssertCompilesCleanly();
        Assert.Equal("V: built variant downscale(ζ=2) (PiX ζ=2 in front of 5 convolutions)", Built(run));
        Assert.DoesNotContain("conv2_pix", run.File("Demo.V.g.cs").Text);
    }

    [Theory]
    [InlineData("0.5")]
    [InlineData("150K")]
    public void Prune_meets_the_target_with_the_largest_savings_first(string target)
    {
        var run = Run(Net(), ("PiXGenVariant", "prune"), ("PiXGenTarget", target)).AssertCompilesCleanly();
        var report = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0200").GetMessage();
        var dense = Run(Net()).GeneratorDiagnostics.Single(d => d.Id == "PIX0200").GetMessage();
        long denseMacs = MacsConstant(Run(Net()));
        long prunedMacs = MacsConstant(run);
        long budget = target.EndsWith("K") ? 150_000 : denseMacs / 2;
        Assert.True(prunedMacs <= budget, $"pruned {prunedMacs} MACs > target {budget} (dense {denseMacs})");
        Assert.Contains("variant prune(target " + target, report);
        Assert.Contains("vs dense", report);
        Assert.Matches(new Regex(@"\(stage\.\d\.conv\d ζ=\d|stem ζ=\d"), Built(run));
        Assert.NotEqual(report, dense);
        Snapshot.VerifyGenerated(run, f => f.HintName == "Demo.V.g.cs", callerFile: ThisFile(),
            test: "Prune_" + (target.EndsWith("K") ? "150K" : "half"));
        Snapshot.Verify(Snapshot.Render(run.RelevantGeneratorDiagnostics("PIX0400")), callerFile: ThisFile(),
            test: "Prune_diagnostics_" + (target.EndsWith("K") ? "150K" : "half"));
    }

    private static long MacsConstant(GeneratorRun run)
    {
        var costs = run.Files.Single(f => f.HintName.EndsWith(".Costs.g.cs", System.StringComparison.Ordinal) && f.HintName.Contains(".V.")).Text;
        var m = Regex.Match(costs, @"public const long Macs = (\d+);");
        Assert.True(m.Success, "no Macs constant in the cost file");
        return long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [Fact]
    public void Pinned_variant_wins_over_the_property()
    {
        var run = Run(Net("Variants(Pin = \"downscale\", Zeta = 4)"), ("PiXGenVariant", "pix")).AssertCompilesCleanly();
        Assert.StartsWith("V: built variant downscale(ζ=4)", Built(run));
    }

    [Theory]
    [InlineData("PiXGenVariant", "sparse", "V: PiXGenVariant = 'sparse' is not valid; valid values: dense, pix, downscale, prune")]
    [InlineData("PiXGenZeta", "3", "V: PiXGenZeta = '3' is not valid; valid values: 2, 4, 8")]
    [InlineData("PiXGenTarget", "half", "V: PiXGenTarget = 'half' is not valid; valid values: a ratio of the dense MACs in (0, 1], e.g. 0.5, or a MAC budget such as 2.0G, 800M, 1500000000")]
    public void Invalid_property_values_list_the_valid_ones_at_the_attribute(string property, string value, string message)
    {
        var props = new List<(string, string)> { (property, value) };
        if (property == "PiXGenZeta") props.Add(("PiXGenVariant", "downscale"));
        if (property == "PiXGenTarget") props.Add(("PiXGenVariant", "prune"));
        var run = Run(Net(), props.ToArray());
        var d = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0401");
        Assert.Equal(message, d.GetMessage());
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal("Variants", d.Location.SourceTree!.GetText().ToString(d.Location.SourceSpan));
    }

    [Fact]
    public void Unreachable_target_reports_the_best_reachable_cost()
    {
        var run = Run(Net(), ("PiXGenVariant", "prune"), ("PiXGenTarget", "1K"));
        var d = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0402");
        Assert.Matches(new Regex(@"^V: the prune target 1K \(1,000 MACs\) cannot be reached; the best reachable is [\d,]+ MACs, with ζ=8 on all 7 eligible layers$"), d.GetMessage());
    }

    [Theory]
    [InlineData("Variants(Pin = \"pix\", Zeta = 2)", "Zeta = 2 is pinned but the pinned variant is 'pix'")]
    [InlineData("Variants, SubstitutePiX", "[Variants] and [SubstitutePiX] both rewrite the network")]
    public void Conflicting_pins_are_errors(string attributes, string message)
    {
        var run = Run(Net(attributes));
        Assert.Contains(message, Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0403").GetMessage());
    }

    [Fact]
    public void Like_reuses_another_networks_declaration_and_declares_its_fields()
    {
        var source = Net() + "\n[Network(Like = typeof(V)), Variants(Pin = \"downscale\")]\npublic partial class W { }\n";
        var run = Run(source).AssertCompilesCleanly();
        var text = run.File("Demo.W.g.cs").Text;
        Assert.Contains("// The declaration of Demo.V, reused by [Network(Like)].", text);
        Assert.Contains("private readonly global::TorchSharp.Modules.Conv2d stem;", text);
        Assert.Contains("public const string Variant = \"downscale(ζ=2)\";", text);
        Assert.Contains("public static global::System.Collections.Generic.IReadOnlyList<long> InputShape { get; } = new long[] { 16, 8, 8 };", text);
    }

    [Theory]
    [InlineData("[Network(Like = typeof(System.Text.StringBuilder))] public partial class W { }", "'System.Text.StringBuilder' is not a [Network] or [Block]")]
    [InlineData("[Network(Like = typeof(V))] public partial class W { [ReLU] readonly ReLU relu; }", "a network with Like declares no layers")]
    public void Like_misuse_is_reported_at_the_attribute(string declaration, string message)
    {
        var run = Run(Net() + "\n" + declaration + "\n");
        var d = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0012");
        Assert.Contains(message, d.GetMessage());
        Assert.StartsWith("Network(Like", d.Location.SourceTree!.GetText().ToString(d.Location.SourceSpan));
    }
}

/// <summary>What a downscale/prune decision saves on one convolution (<c>VariantSelector.Saving</c>), counted by hand.</summary>
public class VariantSavingTests
{
    private static PiXGen.Generators.Model.LayerNode Conv(string kernel, long cin, long cout, long h, long w)
    {
        string T(long v) => v.ToString(CultureInfo.InvariantCulture);
        var settings = new[]
        {
            new PiXGen.Generators.Model.Setting("OutChannels", T(cout), PiXGen.Generators.Model.SettingType.Expression),
            new PiXGen.Generators.Model.Setting("Kernel", kernel, PiXGen.Generators.Model.SettingType.Expression),
            new PiXGen.Generators.Model.Setting("Groups", "1", PiXGen.Generators.Model.SettingType.Expression),
            new PiXGen.Generators.Model.Setting("Bias", "false", PiXGen.Generators.Model.SettingType.Bool),
            new PiXGen.Generators.Model.Setting("InChannels", T(cin), PiXGen.Generators.Model.SettingType.Expression),
        };
        return new PiXGen.Generators.Model.LayerNode(PiXGen.Generators.Model.NodeKind.Layer, PiXGen.Generators.Model.LayerKind.Defined,
            "conv", "conv", "Conv2d", PiXGen.Generators.Model.Shape.Map(cin, h, w), PiXGen.Generators.Model.Shape.Map(cout, h, w),
            PiXGen.Generators.Model.EquatableArray.ToEquatableArray(settings), 0, PiXGen.Generators.Model.NodeRole.Main, false,
            PiXGen.Generators.Model.EquatableArray<PiXGen.Generators.Model.LayerNode>.Empty);
    }

    [Fact]
    public void A_1x7_convolution_saves_by_its_kernel_area_not_by_the_square_of_its_larger_side()
    {
        // 1×7 kernel, 64 → 32 channels on 10×10, ζ = 4: the convolution reads 1·7 = 7 weights per input channel.
        // Before: 32 · 64 · 7 · 100 = 1,433,600 MACs. After: PiX φ 64 · 16 = 1,024, convolution 32 · 16 · 7 · 100 = 358,400.
        long before = 32 * 64 * 7 * 100, after = 64 * 16 + 32 * 16 * 7 * 100;
        Assert.Equal(before - after, PiXGen.Generators.Analysis.VariantSelector.Saving(Conv("1×7", 64, 32, 10, 10), 4));
        // A square kernel is unchanged: 3×3.
        long before3 = 32 * 64 * 9 * 100, after3 = 64 * 16 + 32 * 16 * 9 * 100;
        Assert.Equal(before3 - after3, PiXGen.Generators.Analysis.VariantSelector.Saving(Conv("3", 64, 32, 10, 10), 4));
    }
}
