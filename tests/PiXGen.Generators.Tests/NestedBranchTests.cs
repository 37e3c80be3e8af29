using System.Linq;
using TorchSharp;
using static PiXGen.Generators.Tests.BranchTests;
using static PiXGen.Generators.Tests.Sources;
using static TorchSharp.torch;

namespace PiXGen.Generators.Tests;

/// <summary>
/// Nested [Branch] groups (<c>[Branch("b3/a")]</c>: branch a of a group inside branch b3), as Inception-v3's InceptionE
/// concatenates two convolutions inside a branch of its outer concatenation. The generated code
/// (Snapshots/NestedBranchTests.*), the compiled network against the real modules (<see cref="RuntimeCheck"/>: shape,
/// parameters, MACs, cost totals, and the compiler's graph through the graph executor), the output against the
/// branches applied by hand, and located errors for misuse.
/// </summary>
public class NestedBranchTests
{
    private const string Source = """
        using PiXGen;
        using TorchSharp.Modules;

        namespace Demo;

        [Block]
        public partial class Expanded                   // InceptionE's shape, small
        {
            [Branch("b1")] [Conv2d(5, Kernel = 1)] readonly Conv2d branch1x1;
            [Branch("b3")] [Conv2d(6, Kernel = 1)] readonly Conv2d branch3x3_1;
            [Branch("b3/a")] [Conv2d(4, Kernel = "1x3", Padding = "0x1")] readonly Conv2d branch3x3_2a;
            [Branch("b3/b")] [Conv2d(3, Kernel = "3x1", Padding = "1x0")] readonly Conv2d branch3x3_2b;
            [Branch("dbl")] [Conv2d(7, Kernel = 1)] readonly Conv2d branch3x3dbl_1;
            [Branch("dbl")] [Conv2d(6, Kernel = 3, Padding = 1)] readonly Conv2d branch3x3dbl_2;
            [Branch("dbl/a")] [Conv2d(4, Kernel = "1x3", Padding = "0x1")] readonly Conv2d branch3x3dbl_3a;
            [Branch("dbl/b")] [Conv2d(4, Kernel = "3x1", Padding = "1x0")] readonly Conv2d branch3x3dbl_3b;
            [Branch("pool")] [AvgPool2d(3, Stride = 1, Padding = 1)] readonly AvgPool2d pool;
            [Branch("pool")] [Conv2d(2, Kernel = 1)] readonly Conv2d branch_pool;
        }                                                // 5 + (4 + 3) + (4 + 4) + 2 = 22 channels

        [Block]
        public partial class Deep                       // three levels, an added inner group and a split one
        {
            [Branch("x")] [Conv2d(8, Kernel = 1)] readonly Conv2d stem;
            [Branch("x/l", Merge = "add")] [Conv2d(8, Kernel = 3, Padding = 1)] readonly Conv2d left;
            [Branch("x/r", Merge = "add")] [Identity] readonly Identity right;
            [Branch("x")] [ReLU] readonly ReLU relu;
            [Branch("x/s/p", Split = true)] [Conv2d(2, Kernel = 1)] readonly Conv2d p;
            [Branch("x/s/q", Split = true)] [Identity] readonly Identity q;
            [Branch("x/t")] [MaxPool2d(3, Stride = 1, Padding = 1)] readonly MaxPool2d t;
            [Branch("y")] [Conv2d(3, Kernel = 1)] readonly Conv2d y;
        }                                                // x: (2 + 4) + 8 = 14, y: 3 → 17 channels

        [Network(Input = "3x12x10")]
        public partial class NestedNet
        {
            [Conv2d(10, Kernel = 3, Padding = 1)] readonly Conv2d stem;
            [Use(typeof(Expanded))] readonly Expanded mixed;
            [Use(typeof(Deep))] readonly Deep deep;
            [AdaptiveAvgPool2d(1)] [Flatten] [Linear(3)] readonly Sequential head;
        }
        """;

    [Fact]
    public void NestedGroups_Snapshot_And_RuntimeShapesParametersCostsGraph()
    {
        var run = GeneratorHarness.Run(Source).AssertNoGeneratorDiagnostics().AssertCompilesCleanly();
        Snapshot.VerifyGenerated(run, f => !f.HintName.EndsWith(".Costs.g.cs", System.StringComparison.Ordinal));
        var text = run.File("Demo.NestedNet.g.cs").Text;
        Assert.Contains("x = this.mixed.call(x); // 22x12x10", text);
        Assert.Contains("x = this.deep.call(x); // 17x12x10", text);
        RuntimeCheck.Check(RuntimeCheck.Load(run), "Demo.NestedNet", 9, 7);
    }

    [Fact]
    public void NestedGroups_EqualTheBranchesAppliedByHand()
    {
        var run = GeneratorHarness.Run(Source).AssertNoGeneratorDiagnostics();
        var model = RuntimeCheck.Create(RuntimeCheck.Load(run), "Demo.NestedNet");
        model.eval();
        using var _ = torch.no_grad();
        Tensor Apply(nn.Module<Tensor, Tensor> block, string name, Tensor t) => Child(block, name).call(t);

        var mixed = Child(model, "mixed");
        var x = torch.randn(2, 10, 12, 10);
        var b3 = Apply(mixed, "branch3x3_1", x);
        var dbl = Apply(mixed, "branch3x3dbl_2", Apply(mixed, "branch3x3dbl_1", x));
        var expected = torch.cat(new[]
        {
            Apply(mixed, "branch1x1", x),
            torch.cat(new[] { Apply(mixed, "branch3x3_2a", b3), Apply(mixed, "branch3x3_2b", b3) }, 1),
            torch.cat(new[] { Apply(mixed, "branch3x3dbl_3a", dbl), Apply(mixed, "branch3x3dbl_3b", dbl) }, 1),
            Apply(mixed, "branch_pool", torch.nn.functional.avg_pool2d(x, 3, 1, 1)),
        }, 1);
        Assert.True(mixed.call(x).allclose(expected, 1e-5, 1e-5));

        var deep = Child(model, "deep");
        var d = torch.randn(2, 22, 12, 10);
        var s = Apply(deep, "stem", d);
        var r = torch.nn.functional.relu(Apply(deep, "left", s) + s);
        var halves = r.chunk(2, 1);
        var xOut = torch.cat(new[]
        {
            torch.cat(new[] { Apply(deep, "p", halves[0]), halves[1] }, 1),
            torch.nn.functional.max_pool2d(r, 3, 1, 1),
        }, 1);
        Assert.True(deep.call(d).allclose(torch.cat(new[] { xOut, Apply(deep, "y", d) }, 1), 1e-5, 1e-5));
        // The state_dict keeps the declaration order of the fields, nested or not.
        Assert.Equal(new[] { "branch1x1", "branch3x3_1", "branch3x3_2a", "branch3x3_2b", "branch3x3dbl_1", "branch3x3dbl_2",
            "branch3x3dbl_3a", "branch3x3dbl_3b", "branch_pool" },
            mixed.state_dict().Keys.Where(k => k.EndsWith(".weight")).Select(k => k.Substring(0, k.Length - 7)));
    }

    [Fact]
    public void BadNestedGroups_AreReportedAtTheBranch()
    {
        var run = GeneratorHarness.Run(Src("""
            [Block]
            public partial class LonelyInner              // branch b's nested group has one branch
            {
                [Branch("a")] [Conv2d(4, Kernel = 1)] readonly Conv2d a;
                [Branch("b")] [Conv2d(4, Kernel = 1)] readonly Conv2d b1;
                [Branch("b/only")] [Conv2d(4, Kernel = 1)] readonly Conv2d b2;
            }

            [Block]
            public partial class EmptyLevel
            {
                [Branch("a/")] [Conv2d(4, Kernel = 1)] readonly Conv2d a;
                [Branch("b")] [Conv2d(4, Kernel = 1)] readonly Conv2d b;
            }

            [Block]
            public partial class InnerMixed               // the inner group's members disagree on Merge
            {
                [Branch("a/x")] [Conv2d(4, Kernel = 1)] readonly Conv2d ax;
                [Branch("a/y", Merge = "add")] [Conv2d(4, Kernel = 1)] readonly Conv2d ay;
                [Branch("b")] [Conv2d(4, Kernel = 1)] readonly Conv2d b;
            }

            [Block]
            public partial class InnerInterrupted         // a/x continues after a plain member of branch a ended the group
            {
                [Branch("a/x")] [Conv2d(4, Kernel = 1)] readonly Conv2d x1;
                [Branch("a/y")] [Conv2d(4, Kernel = 1)] readonly Conv2d y1;
                [Branch("a")] [ReLU] readonly ReLU relu;
                [Branch("a/x")] [Conv2d(4, Kernel = 1)] readonly Conv2d x2;
                [Branch("a/z")] [Conv2d(4, Kernel = 1)] readonly Conv2d z2;
                [Branch("b")] [Conv2d(4, Kernel = 1)] readonly Conv2d b;
            }

            [Block]
            public partial class InnerStrided             // the inner concatenation sees two sizes
            {
                [Branch("a/x")] [Conv2d(4, Kernel = 1)] readonly Conv2d x;
                [Branch("a/y")] [Conv2d(4, Kernel = 3, Stride = 2, Padding = 1)] readonly Conv2d y;
                [Branch("b")] [Conv2d(4, Kernel = 1)] readonly Conv2d b;
            }

            [Network(Input = "8x8x8")] public partial class InnerStridedNet { [Use(typeof(InnerStrided))] readonly InnerStrided s; }
            """));
        var diagnostics = run.RelevantGeneratorDiagnostics();
        Assert.Equal(new[] { "PIX0108", "PIX0109", "PIX0109", "PIX0109", "PIX0109" }, diagnostics.Select(d => d.Id).OrderBy(i => i));
        Assert.All(diagnostics, d => Assert.True(d.Location.IsInSource));
        run.AssertCompilesWithoutErrors();
        Snapshot.VerifyDiagnostics(diagnostics);
    }
    /// <summary>
    /// [SubstitutePiX] reaches [Branch] members, nested ones and those inside blocks used on a branch: the squeezing
    /// 1×1 convolutions become PiX with their BatchNorm and ReLU (from a Use'd block, or the following items of a
    /// Sequential on the branch), the specialised declarations pass translation validation (no PIX9999), and the twin
    /// compiles and agrees with its compile-time shapes, parameters and costs.
    /// </summary>
    [Fact]
    public void Substitution_ReachesNestedBranchMembers_AndTheTwinIsConsistent()
    {
        var run = GeneratorHarness.Run(Src("""
            [Block]
            public partial class Cbr
            {
                [Arg] readonly int oup;
                [Conv2d("oup", Kernel = 1, Bias = false)] readonly Conv2d conv;
                [BatchNorm2d] readonly BatchNorm2d bn;
                [ReLU] readonly ReLU relu;
            }

            [Block]
            public partial class Mixed
            {
                [Branch("b1")] [Use(typeof(Cbr), "oup: 4")] readonly Cbr one;                   // 16 → 4
                [Branch("b3")] [Use(typeof(Cbr), "oup: 8")] readonly Cbr reduce;                // 16 → 8
                [Branch("b3/a")] [Use(typeof(Cbr), "oup: 4")] readonly Cbr a;                   // 8 → 4, nested
                [Branch("b3/b")] [Conv2d(6, Kernel = 3, Padding = 1)] readonly Conv2d b;        // not 1×1
                [Branch("pool")] [MaxPool2d(3, Stride = 1, Padding = 1)] readonly MaxPool2d pool;
                [Branch("pool")] [Conv2d(2, Kernel = 1, Bias = false)] [BatchNorm2d] [ReLU] readonly Sequential proj;   // 16 → 2
            }                                                                                    // 4 + (4 + 6) + 2 = 16

            [Network(Input = "16x8x8")]
            public partial class MixedNet
            {
                [Use(typeof(Mixed), Count = 2)] readonly Sequential stage;
                [AdaptiveAvgPool2d(1)] [Flatten] [Linear(3)] readonly Sequential head;
            }

            [Network(Like = typeof(MixedNet)), SubstitutePiX] public partial class MixedNetPiX { }
            """));
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id is "PIX9999" or "PIX0301");
        run.AssertCompilesCleanly();
        var summary = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0300");
        Assert.Equal("MixedNetPiX: PiX replaced 8 convolution(s): " + string.Join(", ", new[] { 0, 1 }.SelectMany(i => new[]
            { $"stage.{i}.one.conv (ζ=4)", $"stage.{i}.reduce.conv (ζ=2)", $"stage.{i}.a.conv (ζ=2)", $"stage.{i}.proj.0 (ζ=8)" })),
            summary.GetMessage());
        Snapshot.VerifyGenerated(run, f => f.HintName.StartsWith("Demo.MixedNetPiX", System.StringComparison.Ordinal)
            && !f.HintName.EndsWith(".Costs.g.cs", System.StringComparison.Ordinal));
        var asm = RuntimeCheck.Load(run);
        using var dense = RuntimeCheck.Check(asm, "Demo.MixedNet", 6, 5);
        using var twin = RuntimeCheck.Check(asm, "Demo.MixedNetPiX", 6, 5);
        // Every key stays but the removed BatchNorms' (after the replaced convolutions, on their own branches).
        var removed = new[] { "a.bn.", "one.bn.", "proj.1.", "reduce.bn." };
        var kept = dense.state_dict().Keys.Where(k => !removed.Any(r => k.Contains(r))).OrderBy(k => k, System.StringComparer.Ordinal);
        Assert.Equal(kept, twin.state_dict().Keys.OrderBy(k => k, System.StringComparer.Ordinal));
    }
}
