using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using static PiXGen.Generators.Tests.Sources;

namespace PiXGen.Generators.Tests;

/// <summary>
/// PiX substitution and build-time variants decide per instance on the instantiated network and never move a
/// declared item: a repeated <c>[Use(..., Count = n)]</c> followed by more items in the same <c>Sequential</c> (the
/// MobileNetV2/EfficientNet shape that used to miscompile) gives the same network as the same declaration written
/// one block per <c>[Use]</c> — same generated module, same costs, same diagnostics — for every variant.
/// </summary>
public class PassEquivalenceTests
{
    /// <summary>torchvision's Conv2dNormActivation and MobileNetV2 InvertedResidual, as the zoo declares them.</summary>
    private const string Blocks = """
        [Block]
        public partial class ConvBNReLU6
        {
            [Arg] readonly int oup;
            [Arg(3)] readonly int kernel;
            [Arg(1)] readonly int stride;
            [Arg(1)] readonly int groups;
            [Conv2d("oup", Kernel = "kernel", Stride = "stride", Padding = "(kernel - 1) / 2", Groups = "groups", Bias = false)]
            [TorchSharp.Utils.ComponentName(Name = "0")] readonly Conv2d conv;
            [BatchNorm2d, TorchSharp.Utils.ComponentName(Name = "1")] readonly BatchNorm2d bn;
            [ReLU6, TorchSharp.Utils.ComponentName(Name = "2")] readonly ReLU6 act;
        }

        [Block, Residual(When = "stride == 1 && in == oup")]
        public partial class InvertedResidual
        {
            [Arg] readonly int oup;
            [Arg] readonly int stride;
            [Arg] readonly int expand;
            [Let("in * expand")] readonly int hidden;
            [Use(typeof(ConvBNReLU6), "oup: hidden, kernel: 1", When = "expand != 1")]
            [Use(typeof(ConvBNReLU6), "oup: hidden, stride: stride, groups: hidden")]
            [Conv2d("oup", Kernel = 1, Bias = false)]
            [BatchNorm2d]
            readonly Sequential conv;
        }
        """;

    /// <summary>The stages of a small MobileNetV2: (oup, stride of repeat 0, count). The stage of 32 mixes instances PiX can
    /// replace (192 → 32) with one it cannot (144 → 32 does not divide), so its repeats specialise differently.</summary>
    private static readonly (int Oup, int Stride, int Count)[] Stages = { (24, 2, 2), (32, 2, 3), (64, 2, 4), (96, 1, 3) };

    private static string Network(string attributes, bool unrolled)
    {
        var uses = new List<string> { "[Use(typeof(ConvBNReLU6), \"oup: 32, stride: 2\")]", "[Use(typeof(InvertedResidual), \"oup: 16, stride: 1, expand: 1\")]" };
        foreach (var (oup, stride, count) in Stages)
        {
            if (!unrolled)
                uses.Add($"[Use(typeof(InvertedResidual), \"oup: {oup}, stride: i == 0 ? {stride} : 1, expand: 6\", Count = {count})]");
            else
                for (int i = 0; i < count; i++)
                    uses.Add($"[Use(typeof(InvertedResidual), \"oup: {oup}, stride: {(i == 0 ? stride : 1)}, expand: 6\")]");
        }
        uses.Add("[Use(typeof(ConvBNReLU6), \"oup: 1280, kernel: 1\")]");
        return Src(Blocks + $$"""

            [Network(Input = "3x64x64"){{attributes}}]
            public partial class Mbv2
            {
                {{string.Join("\n    ", uses)}}
                readonly Sequential features;
                [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d pool;
                [Flatten] readonly Flatten flatten;
                [Linear(10)] readonly Linear classifier;
            }
            """);
    }

    private static GeneratorRun Run(string attributes, bool unrolled, Dictionary<string, string>? properties)
        => GeneratorHarness.RunWith((properties ?? new()).ToDictionary(p => "build_property." + p.Key, p => p.Value), Network(attributes, unrolled));

    public static IEnumerable<object?[]> Cases() => new[]
    {
        new object?[] { "dense", "", null },
        new object?[] { "substitute", ", SubstitutePiX", null },
        new object?[] { "variant pix", ", Variants", "PiXGenVariant=pix" },
        new object?[] { "variant downscale", ", Variants", "PiXGenVariant=downscale;PiXGenZeta=2" },
        new object?[] { "variant prune", ", Variants", "PiXGenVariant=prune;PiXGenTarget=10M" },
    };

    private static Dictionary<string, string>? Properties(string? text)
        => text?.Split(';').Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1]);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Repeated_use_and_its_unrolled_twin_give_the_same_network(string variant, string attributes, string? properties)
    {
        var repeated = Run(attributes, unrolled: false, Properties(properties));
        var unrolled = Run(attributes, unrolled: true, Properties(properties));
        foreach (var run in new[] { repeated, unrolled })
        {
            Assert.Empty(run.GeneratorErrors);
            run.AssertCompilesCleanly();
        }
        // Same module code, same cost file (every layer's settings, shapes and costs), same messages.
        Assert.Equal(repeated.File("Demo.Mbv2.g.cs").Text, unrolled.File("Demo.Mbv2.g.cs").Text);
        Assert.Equal(repeated.File("Demo.Mbv2.Costs.g.cs").Text, unrolled.File("Demo.Mbv2.Costs.g.cs").Text);
        Assert.Equal(repeated.File("Demo.Mbv2.Graph.g.cs").Text, unrolled.File("Demo.Mbv2.Graph.g.cs").Text); // the dataflow IR
        Assert.Equal(Messages(repeated), Messages(unrolled));
        Assert.True(variant.Length > 0);
    }

    private static string[] Messages(GeneratorRun run)
        => run.GeneratorDiagnostics.Select(d => d.Id + ": " + d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)).OrderBy(m => m).ToArray();

    [Fact]
    public void Substitution_after_a_repeated_use_replaces_exactly_the_squeeze_convolutions_and_keeps_every_block()
    {
        var run = Run(", SubstitutePiX", unrolled: false, null);
        Assert.Empty(run.GeneratorErrors); // used to be a false PIX0005: 'expand' is not a parameter of ConvBNReLU6
        run.AssertCompilesCleanly();
        // Projection convs hidden → oup with oup dividing hidden; features.4 is 144 → 32 (does not divide) and stays dense.
        var summary = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0300").GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal("Mbv2: PiX replaced 12 convolution(s): features.1.conv.1 (ζ=2), features.2.conv.2 (ζ=4), features.3.conv.2 (ζ=6), "
            + "features.5.conv.2 (ζ=6), features.6.conv.2 (ζ=6), features.7.conv.2 (ζ=3), features.8.conv.2 (ζ=6), features.9.conv.2 (ζ=6), "
            + "features.10.conv.2 (ζ=6), features.11.conv.2 (ζ=4), features.12.conv.2 (ζ=6), features.13.conv.2 (ζ=6)", summary);
        // Every block is still there, one construction per instance with its own arguments (no 1+1+3 split, no shifted i).
        var code = run.File("Demo.Mbv2.g.cs").Text;
        var network = code.Substring(0, code.IndexOf("private sealed class", System.StringComparison.Ordinal));
        var constructed = Regex.Matches(network, @"var module\d+ = new global::Demo\.(?:Mbv2\.)?(\w+)\(c, ([^)]*)\);").Select(m => m.Groups[1].Value + "(" + m.Groups[2].Value + ")").ToList();
        Assert.Equal(15, constructed.Count);
        Assert.Equal("InvertedResidual(oup: 32, stride: 2, expand: 6)", constructed[4]); // the dense one
        Assert.Equal(new[] { "stride: 2", "stride: 1", "stride: 1" }, constructed.Skip(4).Take(3).Select(c => Regex.Match(c, "stride: \\d").Value));
        Assert.DoesNotContain("i + 1", code);
        // Parameters: PiX keeps the replaced convolution's weight count (φ is C_out × C_in) and drops the following BatchNorm,
        // so the PiX network has exactly 2·C_out fewer parameters per replaced layer than the dense one.
        var dense = Run("", unrolled: false, null);
        long denseParams = ParameterCount(dense), pixParams = ParameterCount(run);
        long removedBn = 2L * (16 + 24 + 24 + 32 + 32 + 64 * 4 + 96 * 3);
        Assert.Equal(denseParams - removedBn, pixParams);
    }

    private static long ParameterCount(GeneratorRun run)
        => long.Parse(Regex.Match(run.File("Demo.Mbv2.g.cs").Text, @"public const long ParameterCount = (\d+);").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Regressions found by the property test while unrolling repeated [Use]s.</summary>
public class UnrollingRegressionTests
{
    [Fact]
    public void A_single_use_may_read_i_as_zero()
    {
        var run = GeneratorHarness.Run(Src("""
            [Block] public partial class B { [Arg] readonly int w; [Conv2d("w", Kernel = 1)] readonly Conv2d conv; }
            [Network(Input = "3x8x8")]
            public partial class N
            {
                [Use(typeof(B), "w: i == 0 ? 4 : 8")] readonly B first;
                [Use(typeof(B), "w: i + 2")] [ReLU] readonly Sequential rest;
            }
            """)).AssertNoGeneratorDiagnostics().AssertCompilesCleanly();
        var code = run.File("Demo.N.g.cs").Text;
        Assert.Contains("new global::Demo.B(c, w: 4)", code);
        Assert.Contains("new global::Demo.B(c, w: 2)", code);
    }
}
