using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using PiXGen.Generators.Analysis;
using PiXGen.Generators.Diagnostics;

namespace PiXGen.Generators.Tests;

/// <summary>
/// Cost accounting (issue 5): the PIX0200 report (ID, severity, message, exact span; severity from the MSBuild
/// property and from diagnostic options), budgets over and under (PIX0201), invalid budgets and options
/// (PIX0202, PIX0203), the generated cost file, and hand-computed figures for small networks.
/// </summary>
public class CostTests
{
    private const string Net = """
        using PiXGen;
        using TorchSharp.Modules;

        namespace Demo;

        [Network(Input = "3x32x32")]
        public partial class TinyNet
        {
            [Conv2d(16, Kernel = 3, Padding = 1)] readonly Conv2d conv1;
            [BatchNorm2d] readonly BatchNorm2d bn1;
            [ReLU] readonly ReLU relu;
            [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d pool;
            [Flatten] readonly Flatten flatten;
            [Linear(10)] readonly Linear fc;
        }
        """;

    // Hand-computed for Net (3×32×32 → conv 16, k3, p1, bias → 16×32×32):
    // MACs: conv 16·3·9·1024 = 442,368; fc 16·10 = 160 → 442,528.
    // Paper: + conv bias 16,384 + BN 2·16,384 + ReLU 16,384 + pool input 16,384 + fc bias 10 → 524,458.
    private const long NetMacs = 442_528, NetPaper = 524_458;

    private static string Budgeted(string budgets) => Net.Replace("[Network(Input = \"3x32x32\")]", $"[Network(Input = \"3x32x32\", {budgets})]");

    private static GeneratorRun Run(string source, IDictionary<string, string>? properties = null,
        IDictionary<string, ReportDiagnostic>? diagnosticOptions = null)
    {
        var compilation = GeneratorHarness.Compile(source);
        if (diagnosticOptions is not null)
            compilation = compilation.WithOptions(compilation.Options.WithSpecificDiagnosticOptions(
                compilation.Options.SpecificDiagnosticOptions.SetItems(diagnosticOptions)));
        return GeneratorHarness.Run(GeneratorHarness.CreateDriver(properties ?? new Dictionary<string, string>()), compilation);
    }

    private static List<Diagnostic> Costs(GeneratorRun run)
        => run.GeneratorDiagnostics.Where(d => d.Id.StartsWith("PIX02", StringComparison.Ordinal) || d.Id == "PIX9999").ToList();

    private static long Constant(GeneratorRun run, string name)
    {
        var file = run.Files.Single(f => f.HintName.EndsWith(".Costs.g.cs", StringComparison.Ordinal));
        return long.Parse(Regex.Match(file.Text, $@"public const long {name} = (-?\d+);").Groups[1].Value);
    }

    // ---------------------------------------------------------------- the report

    [Fact]
    public void PIX0200_ReportAtTheNetworkAttribute()
    {
        var run = Run(Net).AssertCompilesCleanly();
        var d = Assert.Single(Costs(run));
        Assert.Equal("PIX0200", d.Id);
        Assert.Equal(DiagnosticSeverity.Info, d.Severity);
        Assert.Equal("TinyNet: 650 params · 442.53 KMACs (torchvision convention; paper convention 524.46 K) · 3×32×32 → 10 · 196.8 KB activations (peak 131.1 KB)",
            d.GetMessage());
        Snapshot.VerifyDiagnostics(Costs(run));
    }

    [Theory]
    [InlineData("warning", DiagnosticSeverity.Warning)]
    [InlineData("Error", DiagnosticSeverity.Error)]
    [InlineData("hidden", DiagnosticSeverity.Hidden)]
    [InlineData("info", DiagnosticSeverity.Info)]
    [InlineData("", DiagnosticSeverity.Info)]
    public void PIX0200_SeverityFromTheMsBuildProperty(string value, DiagnosticSeverity expected)
    {
        var run = Run(Net, new Dictionary<string, string> { ["build_property.PiXGenCostSeverity"] = value });
        var d = Assert.Single(Costs(run));
        Assert.Equal("PIX0200", d.Id);
        Assert.Equal(expected, d.Severity);
    }

    [Fact]
    public void PIX0200_NoneSilencesTheReport()
    {
        var run = Run(Net, new Dictionary<string, string> { ["build_property.PiXGenCostSeverity"] = "none" });
        Assert.Empty(Costs(run));
    }

    [Fact]
    public void PIX0200_DiagnosticOptionsOverrideTheSeverity()
    {
        // dotnet_diagnostic.PIX0200.severity in .editorconfig reaches the compiler as these options.
        var warn = Run(Net, diagnosticOptions: new Dictionary<string, ReportDiagnostic> { ["PIX0200"] = ReportDiagnostic.Warn });
        Assert.Equal(DiagnosticSeverity.Warning, Assert.Single(Costs(warn)).Severity);
        var off = Run(Net, new Dictionary<string, string> { ["build_property.PiXGenCostSeverity"] = "warning" },
            new Dictionary<string, ReportDiagnostic> { ["PIX0200"] = ReportDiagnostic.Suppress });
        Assert.Empty(Costs(off));
    }

    [Fact]
    public void PIX0203_InvalidSeverityProperty()
    {
        var run = Run(Net, new Dictionary<string, string> { ["build_property.PiXGenCostSeverity"] = "loud" });
        var d = Assert.Single(Costs(run), x => x.Id == "PIX0203");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal("MSBuild property PiXGenCostSeverity = 'loud' is not valid; accepted: none, hidden, info, warning or error (empty: info)", d.GetMessage());
    }

    // ---------------------------------------------------------------- budgets

    [Fact]
    public void PIX0201_MaxMacsExceeded()
    {
        var run = Run(Budgeted("MaxMacs = \"400K\"")).AssertCompilesCleanly();
        var d = Assert.Single(Costs(run), x => x.Id == "PIX0201");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal("TinyNet: 442,528 MACs (torchvision convention) exceed the budget of 400,000 (MaxMacs = 400K on [Network]); " +
                     "costliest layers: conv1 Conv2d 442,368 MACs, fc Linear 160 MACs",
            d.GetMessage());
        Snapshot.VerifyDiagnostics(Costs(run));
    }

    [Fact]
    public void PIX0201_MaxParametersExceeded()
    {
        var run = Run(Budgeted("MaxParameters = 400"));
        var d = Assert.Single(Costs(run), x => x.Id == "PIX0201");
        Assert.Equal("TinyNet: 650 parameters exceed the budget of 400 (MaxParameters = 400 on [Network]); " +
                          "costliest layers: conv1 Conv2d 448 params, fc Linear 170 params, bn1 BatchNorm2d 32 params", d.GetMessage());
    }

    [Theory]
    [InlineData("MaxMacs = 442_528L")]
    [InlineData("MaxMacs = \"0.45M\"")]
    [InlineData("MaxParameters = 650, MaxMacs = \"1G\"")]
    [InlineData("MaxParameters = \"650\"")]
    public void Budgets_met_report_nothing(string budgets)
    {
        var run = Run(Budgeted(budgets)).AssertCompilesCleanly();
        Assert.Equal(new[] { "PIX0200" }, Costs(run).Select(d => d.Id));
    }

    [Fact]
    public void PIX0201_MsBuildBudgetsApplyToEveryNetwork_AndTheAttributeOverridesThem()
    {
        var props = new Dictionary<string, string> { ["build_property.PiXGenMaxMacs"] = "100K", ["build_property.PiXGenMaxParameters"] = "1M" };
        var over = Run(Net, props);
        var d = Assert.Single(Costs(over), x => x.Id == "PIX0201");
        Assert.Contains("(MSBuild property PiXGenMaxMacs = 100K)", d.GetMessage());
        var overridden = Run(Budgeted("MaxMacs = \"1M\""), props);
        Assert.DoesNotContain(Costs(overridden), x => x.Id == "PIX0201");
    }

    [Fact]
    public void PIX0202_InvalidBudgetOnTheAttribute()
    {
        var run = Run(Budgeted("MaxMacs = \"lots\"")).AssertCompilesCleanly();
        var d = Assert.Single(Costs(run), x => x.Id == "PIX0202");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal("\"lots\"", d.Location.SourceTree!.GetText().ToString(d.Location.SourceSpan));
        Snapshot.VerifyDiagnostics(Costs(run));
    }

    [Fact]
    public void PIX0202_InvalidBudgetProperty()
    {
        var run = Run(Net, new Dictionary<string, string> { ["build_property.PiXGenMaxParameters"] = "-5" });
        var d = Assert.Single(Costs(run), x => x.Id == "PIX0202");
        Assert.Equal(Location.None, d.Location);
        Assert.StartsWith("MSBuild property PiXGenMaxParameters: '-5' is not a valid parameter budget; accepted:", d.GetMessage());
    }

    [Theory]
    [InlineData("25557032", 25_557_032L)]
    [InlineData("25_557_032", 25_557_032L)]
    [InlineData("25,557,032", 25_557_032L)]
    [InlineData("25.6M", 25_600_000L)]
    [InlineData("4.1G", 4_100_000_000L)]
    [InlineData("2g", 2_000_000_000L)]
    [InlineData(" 3 K ", 3_000L)]
    [InlineData("1.5T", 1_500_000_000_000L)]
    public void Budget_text_accepted(string text, long expected)
    {
        Assert.True(CostDiagnostics.TryParseBudget(text, out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("lots")]
    [InlineData("-5")]
    [InlineData("1.5")]
    [InlineData("0.0000000001K")]
    [InlineData("G")]
    [InlineData("1E+20")]
    [InlineData("_1")]
    public void Budget_text_rejected(string text) => Assert.False(CostDiagnostics.TryParseBudget(text, out _));

    // ---------------------------------------------------------------- figures and the generated file

    [Fact]
    public void Hand_computed_figures_of_a_small_network()
    {
        var run = Run(Net);
        Assert.Equal(NetMacs, Constant(run, "Macs"));
        Assert.Equal(NetPaper, Constant(run, "MacsPaper"));
        Assert.Equal(2 * 16 + 1, Constant(run, "Buffers"));
        // Outputs: conv, bn, relu 16·32·32 each; pool 16; flatten 16; fc 10 → (3·16,384 + 42)·4 bytes.
        Assert.Equal((3 * 16_384 + 16 + 16 + 10) * 4L, Constant(run, "ActivationBytes"));
        // Peak: the conv's output and the BN's output (conv input already freed): 2·16,384·4.
        Assert.Equal(2 * 16_384 * 4L, Constant(run, "PeakActivationBytes"));
    }

    [Fact]
    public void Squeeze_excitation_counts_its_two_1x1_convolutions()
    {
        var run = Run("""
            using PiXGen;
            using TorchSharp.Modules;
            namespace Demo;
            [Network(Input = "16x8x8")]
            public partial class SENet
            {
                [SqueezeExcitation(Squeeze = 4)] readonly PiXGen.Layers.SqueezeExcitation se;
            }
            """).AssertCompilesCleanly();
        Assert.Equal(2 * 16 * 4L, Constant(run, "Macs"));
        // + bias adds 4 + 16, pooling input 16·64, ReLU 4; sigmoid and scale 0.
        Assert.Equal(128 + 4 + 16 + 1024 + 4L, Constant(run, "MacsPaper"));
    }

    [Fact]
    public void Residual_peak_keeps_the_block_input_for_the_shortcut()
    {
        var run = Run("""
            using PiXGen;
            using TorchSharp.Modules;
            namespace Demo;
            [Block, Residual]
            public partial class Res
            {
                [Conv2d("in", Kernel = 3, Padding = 1, Bias = false)] readonly Conv2d conv;
                [ReLU(AfterAdd = true)] readonly ReLU relu;
            }
            [Network(Input = "8x4x4")]
            public partial class ResNet
            {
                [Use(typeof(Res))] readonly Res block;
            }
            """).AssertCompilesCleanly();
        // At the conv: its input (kept for the identity shortcut) and its output: 2·128·4 bytes; at the ReLU after
        // the in-place add: the sum and the ReLU output, also 2·128·4.
        Assert.Equal(2 * 128 * 4L, Constant(run, "PeakActivationBytes"));
        Assert.Equal(8 * 8 * 9 * 16L, Constant(run, "Macs"));
        Assert.Equal(8 * 8 * 9 * 16L + 128, Constant(run, "MacsPaper"));
    }

    [Fact]
    public void CostsFile()
    {
        var run = Run(Net).AssertCompilesCleanly();
        Snapshot.VerifyGenerated(run, f => f.HintName.EndsWith(".Costs.g.cs", StringComparison.Ordinal));
    }
}
