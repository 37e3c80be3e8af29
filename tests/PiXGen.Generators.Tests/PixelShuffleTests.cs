using System.Linq;

namespace PiXGen.Generators.Tests;

/// <summary>
/// [PixelShuffle(r)], a shape-changing layer kind added through its shared definition
/// (src/PiXGen.Definitions/DefinedKinds.cs) plus its attribute only: the generated code (Snapshots/PixelShuffleTests.*),
/// a block whose factor is an argument (channels after it follow C/r²), the compiled networks against the real modules
/// (<see cref="RuntimeCheck"/>), located errors, and its output, state_dict keys, parameters and shapes against PyTorch
/// 1.13 (Reference/pixel_shuffle.json, written by tools/reference/pixel_shuffle.py).
/// </summary>
public class PixelShuffleTests
{
    private static readonly string Source = Sources.Src("""
        [Block]
        public partial class Up
        {
            [Arg(2)] readonly int r;
            [Conv2d("in * r * r", Kernel = 3, Padding = 1)] readonly Conv2d conv;
            [PixelShuffle("r")] readonly PixelShuffle shuffle;
            [Conv2d("in", Kernel = 1, Bias = false)] readonly Conv2d mix;
        }

        [Network(Input = "4x5x6")]
        public partial class SuperRes
        {
            [Use(typeof(Up))] readonly Up up2;
            [Use(typeof(Up), "r: 3")] readonly Up up3;
        }

        [Network(Input = "8x3x4")]
        public partial class Shuffle2
        {
            [PixelShuffle(2)] readonly PixelShuffle shuffle;
        }

        [Network(Input = "18x2x3")]
        public partial class Shuffle3
        {
            [PixelShuffle(3)] readonly PixelShuffle shuffle;
        }
        """);

    [Fact]
    public void Snapshot_and_runtime_shapes_parameters_macs_costs_and_graph()
    {
        var run = GeneratorHarness.Run(Source).AssertNoGeneratorDiagnostics().AssertCompilesCleanly();
        Snapshot.VerifyGenerated(run, f => f.HintName == "Demo.Up.g.cs");
        var assembly = RuntimeCheck.Load(run);
        foreach (var (network, height, width) in new[] { ("Demo.SuperRes", 7L, 9L), ("Demo.Shuffle2", 5L, 7L) })
            RuntimeCheck.Check(assembly, network, height, width);
        var superRes = assembly.GetType("Demo.SuperRes")!;
        // 4×5×6 → up2 (conv 4→16, shuffle → 4×10×12, mix) → up3 (conv 4→36, shuffle → 4×30×36, mix)
        Assert.Equal(new long[] { 4, 30, 36 }, ((System.Collections.Generic.IReadOnlyList<long>)superRes.GetProperty("OutputShape")!.GetValue(null)!).ToArray());
        long macs = 16 * 4 * 9 * 30 + 4 * 4 * 120 + 36 * 4 * 9 * 120 + 4 * 4 * 1080; // the shuffles count 0
        Assert.Equal(macs, (long)superRes.GetField("Macs")!.GetValue(null)!);
        var shuffle = assembly.GetType("Demo.Shuffle2")!;
        Assert.Equal(0L, (long)shuffle.GetField("MacsPaper")!.GetValue(null)!);
    }

    [Fact]
    public void Channels_not_divisible_by_the_square_of_the_factor_are_a_located_error()
    {
        var run = GeneratorHarness.Run(Source.Replace("[PixelShuffle(3)]", "[PixelShuffle(4)]"));
        var d = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0106");
        Assert.Contains("divisible by UpscaleFactor² = 16, got 18", d.GetMessage());
    }

    [Theory]
    [InlineData("Demo.Shuffle2", "r2")]
    [InlineData("Demo.Shuffle3", "r3")]
    public void Outputs_keys_parameters_and_shapes_equal_PyTorch(string network, string reference)
    {
        // A permutation: every element exactly.
        var root = DefinedActivationTests.Reference("pixel_shuffle.json");
        DefinedActivationTests.AssertEqualsPyTorch(Source, network, root.GetProperty("cases").GetProperty(reference), root, 0f);
    }
}
