using System.Linq;

namespace PiXGen.Fuzz;

/// <summary>
/// The CI share of the differential fuzzing (docs/reliability.md): a fixed sample of generated networks through every
/// oracle, and the generator's validity ratio. `dotnet run --project tests/PiXGen.Fuzz -- --cases N` runs any number.
/// </summary>
public class FuzzTests
{
    /// <summary>Cases per CI run (seed 20261128): small enough for ~3 minutes on 2 cores with the rest of this project.</summary>
    private const int CiCases = 250;

    [Fact]
    public void Generated_networks_pass_every_oracle()
    {
        var run = FuzzRun.Execute(seed: 20261128, first: 0, count: CiCases);
        Assert.True(run.Failures.Count == 0, run.Report(20261128));
        // Every oracle ran on a real share of the cases, not vacuously.
        foreach (var oracle in Oracle.All)
            Assert.True(run.PerOracle[oracle].Passed >= run.Valid / 3, $"oracle '{oracle}' ran on only {run.PerOracle[oracle].Passed} of {run.Valid} valid cases\n" + run.Report(20261128));
        Assert.True(run.Repeating >= run.Valid / 4, run.Report(20261128));
        // Every dataflow construct (branches, [Dense], split, shuffle) went through every oracle in valid networks.
        foreach (var feature in Feature.All)
            Assert.True(run.PerFeature[feature].Valid > 0, $"no valid case with '{feature}'\n" + run.Report(20261128));
    }

    [Fact]
    public void At_least_half_of_the_generated_declarations_are_valid_networks()
    {
        // Validity alone needs only the generator run: measure it on more declarations than the full oracle sample.
        int total = 200;
        int valid = Enumerable.Range(1000, total).Select(k => FuzzRun.CaseAt(20261128, k))
            .Count(c => !InMemoryCompiler.Generate(c.Source(unrolled: false), c.Properties).HasErrors);
        Assert.True(2 * valid >= total, $"{valid} of {total} generated declarations are valid");
    }

    /// <summary>
    /// The generator's PiX-on-a-branch construct (an expansion and a <c>[PiXSqueeze]</c> back, members of one added
    /// branch) really makes a PiX layer, in every build, inside a repeated [Use], and passes every oracle.
    /// </summary>
    [Theory]
    [InlineData("dense", "", null, null)]
    [InlineData("pix", ", Variants", "PiXGenVariant", "pix")]
    [InlineData("downscale", ", Variants", "PiXGenZeta", "2")]
    [InlineData("prune", ", Variants", "PiXGenTarget", "0.9")]
    [InlineData("substitute", ", SubstitutePiX", null, null)]
    public void PiXSqueeze_on_a_branch_becomes_PiX_in_every_build(string variant, string attributes, string? property, string? value)
    {
        const string block = """
            [Block]
            public partial class Block0
            {
                [Arg] readonly int planes;
                [Arg(1)] readonly int stride;
                [Let("planes * 2")] readonly int hidden;
                [Conv2d("planes", Kernel = 3, Stride = "stride", Padding = 1, Bias = false)] [BatchNorm2d] [ReLU] readonly Sequential f0;
                [Branch("a", Merge = "add")] [Conv2d("hidden", Kernel = 1, Bias = false)] [BatchNorm2d] [ReLU] readonly Sequential f1;
                [Branch("a", Merge = "add")] [Conv2d("planes", Kernel = 1, Bias = false), PiXSqueeze] readonly PiXGen.PiX.PiXLayer f2;
                [Branch("a", Merge = "add")] [BatchNorm2d] readonly BatchNorm2d? f3;
                [Branch("b", Merge = "add")] [Identity] readonly Identity f4;
            }
            """;
        var properties = new System.Collections.Generic.Dictionary<string, string>();
        if (variant != "dense" && variant != "substitute") properties["PiXGenVariant"] = variant;
        if (property is not null) properties[property] = value!;
        var c = new FuzzCase
        {
            Blocks = new[] { block },
            Members = new[] { new Member(new object[] { new UseItem(0, i => $"planes: 4 + {i} * 4, stride: 1 + {i}", 2) }, "Sequential", "stage") },
            Channels = 3, Size = 8, Attributes = attributes, Properties = properties, Variant = variant,
        };
        var generated = InMemoryCompiler.Generate(c.Source(unrolled: false), properties);
        Assert.False(generated.HasErrors, string.Join("\n", generated.Messages));
        Assert.Contains(generated.Files, f => f.Value.Contains("new global::PiXGen.PiX.PiXLayer(", System.StringComparison.Ordinal));
        var result = Fuzzer.Run(c);
        Assert.True(result.Valid && !result.Mismatches.Any(), result.Describe());
        Assert.Null(result.Verdicts[Oracle.TwinOutput]);
        Assert.Null(result.Verdicts[Oracle.Onnx]);
    }

    [Fact]
    public void Every_variant_and_feature_is_generated()
    {
        var cases = Enumerable.Range(0, 300).Select(k => FuzzRun.CaseAt(20261128, k)).ToList();
        var variants = cases.Select(c => c.Variant).Distinct().ToList();
        Assert.Equal(new[] { "dense", "dense (Variants)", "downscale", "pix", "prune", "substitute" }, variants.OrderBy(v => v, System.StringComparer.Ordinal));
        string all = string.Concat(cases.Select(c => c.Source(unrolled: false)));
        foreach (var feature in new[] { "[Let(", "Count = ", " i == 0 ? ", "[Shortcut(When", "Residual(When", "PiXSqueeze", "When = ", "AfterAdd = true", "SqueezeExcitation", "Groups = ",
            "[Branch(", "Merge = \"add\"", "Merge = \"concat\"", "Split = true", "[Block, Dense]", "[ChannelShuffle(", "[Let(\"in / 2\")]" })
            Assert.Contains(feature, all);
        // The dataflow constructs, in networks that run them (not only in unused blocks), and with every build.
        foreach (var feature in Feature.All)
            Assert.Contains(cases, c => c.Features.Contains(feature));
        var parallel = cases.Where(c => c.Features.Overlaps(Feature.Parallel)).ToList();
        Assert.True(10 * parallel.Count >= 3 * cases.Count, $"only {parallel.Count} of {cases.Count} networks have branches or a [Dense] block");
        Assert.Equal(variants.Count, parallel.Select(c => c.Variant).Distinct().Count());
    }
}
