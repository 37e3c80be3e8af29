using System.Linq;
using CsCheck;

namespace PiXGen.Generators.Tests;

/// <summary>
/// Property: random declarations that use the layers, per-axis settings, [Dense] and [Branch] of issue 9 (often
/// invalid: odd groups, pairs where one value goes, junk words, shapes that do not merge) never make the generator
/// throw or report PIX9999, and whenever it reports no error the output compiles without errors.
/// </summary>
public class NewLanguagePropertyTests
{
    private static Gen<string> Int => Gen.Frequency((20, Gen.Int[1, 4].Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        (1, Gen.OneOf("0", "-1", "\"in / 2\"", "\"planes\"", "\"2x1\"", "\"1 x planes\"", "new[] { 1, 3 }", "new[] { 2 }", "\"kx1\"")));

    private static Gen<string> Layer => Gen.Frequency((6, Gen.OneOf("[ReLU]", "[Tanh]", "[Hardsigmoid]", "[LayerNorm2d]", "[GroupNorm(1)]", "[ChannelShuffle(1)]",
        "[Upsample(ScaleFactor = 2)]", "[Conv2d(4, Kernel = \"1x3\", Padding = \"0x1\")]", "[ConvTranspose2d(4, Kernel = 2, Stride = 2)]")), (4, Gen.OneOf(
        Gen.Select(Int, Int, Int, (o, k, s) => $"[ConvTranspose2d({o}, Kernel = {k}, Stride = {s}, Padding = 1, OutputPadding = 1)]"),
        Gen.Select(Int, Int, Int, (o, k, p) => $"[Conv2d({o}, Kernel = {k}, Padding = {p})]"),
        Gen.Select(Int, Int, (k, s) => $"[MaxPool2d({k}, Stride = {s})]"),
        Gen.Select(Int, k => $"[AvgPool2d({k}, Stride = 1, CeilMode = true)]"),
        Int.Select(g => $"[GroupNorm({g})]"),
        Int.Select(g => $"[ChannelShuffle({g})]"),
        Int.Select(o => $"[AdaptiveMaxPool2d({o})]"),
        Int.Select(o => $"[AdaptiveAvgPool2d({o})]"),
        Gen.Select(Int, Gen.OneOf("nearest", "bilinear", "cubic"), (s, m) => $"[Upsample(ScaleFactor = {s}, Mode = \"{m}\")]"),
        Int.Select(s => $"[Upsample(Size = {s})]"),
        Gen.OneOf("none", "tanh", "erf").Select(a => $"[GELU(Approximate = \"{a}\")]"),
        Gen.OneOf("0.0", "0.1", "1.5").Select(p => $"[StochasticDepth({p})]"),
        Gen.OneOf("[LeakyReLU(NegativeSlope = 0.2)]", "[Hardsigmoid]", "[Tanh]", "[LayerNorm2d]", "[LayerNorm2d(Affine = false)]", "[ReLU]", "[Flatten]", "[Linear(3)]"),
        Gen.OneOf("ReLU", "SiLU", "Swish").Select(a => $"[SqueezeExcitation(Squeeze = 2, Activation = \"{a}\", ScaleActivation = \"Hardsigmoid\")]"))));

    /// <summary>A member: layers in a Sequential field, sometimes on a branch.</summary>
    private static Gen<string> Member => Gen.Select(Layer.Array[1, 3], Gen.Int[0, 9], Gen.OneOf("concat", "concat", "concat", "add", "mix"), Gen.Bool,
        (layers, branch, merge, split) =>
            (branch < 2 ? $"[Branch(\"b{branch}\"{(merge == "concat" ? "" : $", Merge = \"{merge}\"")}{(split ? ", Split = true" : "")})] " : "")
            + string.Concat(layers) + " readonly Sequential m{IDX};");

    private static Gen<string> Members => Member.Array[1, 4]
        .Select(ms => string.Join("\n", ms.Select((m, i) => "    " + m.Replace("{IDX}", i.ToString(System.Globalization.CultureInfo.InvariantCulture)))));

    private static Gen<string> Declarations =>
        Gen.Select(Gen.OneOf("[Block]", "[Block, Dense]"), Members, Members, Gen.Int[2, 16], Gen.Int[4, 20],
            (attr, blockMembers, netMembers, c, h) => Sources.Prelude + $$"""

                {{attr}}
                public partial class Unit
                {
                    [Arg(4)] readonly int planes;
                {{blockMembers}}
                }

                [Network(Input = "{{c}}x{{h}}x{{h}}")]
                public partial class Net
                {
                    [Arg(4)] readonly int planes;
                    [Use(typeof(Unit))] readonly Unit unit;
                {{netMembers}}
                }
                """);

    [Fact]
    public void GeneratorNeverCrashes_AndErrorFreeOutputCompiles()
    {
        Declarations.Sample(source =>
        {
            var run = GeneratorHarness.Run(source); // fails if the generator throws
            Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id == "PIX9999");
            if (!run.GeneratorErrors.Any()) run.AssertCompilesWithoutErrors();
        }, iter: 200, print: s => s);
    }

    /// <summary>The grammar is not degenerate: some samples are valid networks, many have errors.</summary>
    [Fact]
    public void GrammarCoversValidAndInvalidDeclarations()
    {
        int valid = 0, invalid = 0;
        Declarations.Sample(source =>
        {
            var run = GeneratorHarness.Run(source);
            if (run.GeneratorErrors.Any()) invalid++;
            else if (run.Files.Any(f => f.HintName == "Demo.Net.g.cs")) valid++;
        }, iter: 200, threads: 1, print: s => s);
        Assert.True(valid >= 2, $"only {valid} of 200 samples were valid networks");
        Assert.True(invalid >= 40, $"only {invalid} of 200 samples had errors");
    }
}
