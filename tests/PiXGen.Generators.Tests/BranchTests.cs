using System.Linq;
using TorchSharp;
using static PiXGen.Generators.Tests.Sources;
using static TorchSharp.torch;

namespace PiXGen.Generators.Tests;

/// <summary>
/// Parallel branches ([Branch]): Inception-style and SqueezeNet Fire concatenation, added branches, and ShuffleNetV2's
/// channel split. The generated code (Snapshots/BranchTests.*), the compiled networks against the real modules
/// (<see cref="RuntimeCheck"/>: shape, parameters, MACs and every cost total against CostFor), the merged output
/// against the branches applied by hand, and located errors.
/// </summary>
public class BranchTests
{
    private const string Source = """
        using PiXGen;
        using TorchSharp.Modules;

        namespace Demo;

        [Block]
        public partial class Fire
        {
            [Arg] readonly int squeezePlanes;
            [Arg] readonly int expand1;
            [Arg] readonly int expand3;
            [Conv2d("squeezePlanes", Kernel = 1)] readonly Conv2d squeeze;
            [ReLU] readonly ReLU squeeze_activation;
            [Branch("e1")] [Conv2d("expand1", Kernel = 1)] readonly Conv2d expand1x1;
            [Branch("e1")] [ReLU] readonly ReLU expand1x1_activation;
            [Branch("e3")] [Conv2d("expand3", Kernel = 3, Padding = 1)] readonly Conv2d expand3x3;
            [Branch("e3")] [ReLU] readonly ReLU expand3x3_activation;
        }

        [Block]
        public partial class InceptionA
        {
            [Arg(4)] readonly int poolFeatures;
            [Branch("b1")] [Conv2d(8, Kernel = 1)] readonly Conv2d branch1x1;
            [Branch("b5")] [Conv2d(6, Kernel = 1)] readonly Conv2d branch5x5_1;
            [Branch("b5")] [Conv2d(8, Kernel = 5, Padding = 2)] readonly Conv2d branch5x5_2;
            [Branch("b3")] [Conv2d(6, Kernel = "1x3", Padding = "0x1")] [Conv2d(6, Kernel = "3x1", Padding = "1x0")] readonly Sequential branch3x3;
            [Branch("pool")] [AvgPool2d(3, Stride = 1, Padding = 1)] readonly AvgPool2d pool;
            [Branch("pool")] [Conv2d("poolFeatures", Kernel = 1)] readonly Conv2d branch_pool;
        }

        [Block]
        public partial class ShuffleUnit
        {
            [Let("in / 2")] readonly int half;
            [Branch("x1", Split = true)] [Identity] readonly Identity branch1;
            [Branch("x2", Split = true)]
            [Conv2d("half", Kernel = 1, Bias = false)] [BatchNorm2d] [ReLU]
            [Conv2d("half", Kernel = 3, Padding = 1, Groups = "half", Bias = false)] [BatchNorm2d]
            [Conv2d("half", Kernel = 1, Bias = false)] [BatchNorm2d] [ReLU]
            readonly Sequential branch2;
            [ChannelShuffle(2)] readonly ChannelShuffle shuffle;
        }

        [Block]
        public partial class Added
        {
            [Branch("a", Merge = "add")] [Conv2d("in", Kernel = 3, Padding = 1)] readonly Conv2d left;
            [Branch("b", Merge = "add")] [Conv2d("in", Kernel = 1)] readonly Conv2d right;
            [Branch("c", Merge = "add")] [Identity] readonly Identity identity;
        }

        [Network(Input = "3x16x16")]
        public partial class BranchNet
        {
            [Conv2d(16, Kernel = 3, Stride = 2, Padding = 1)] readonly Conv2d stem;
            [Use(typeof(Fire), "squeezePlanes: 4, expand1: 8, expand3: 8")] readonly Fire fire;   // 16x8x8
            [Use(typeof(InceptionA))] readonly InceptionA mixed;                                   // 8 + 8 + 6 + 4 = 26x8x8
            [Conv2d(20, Kernel = 1)] readonly Conv2d reduce;
            [Use(typeof(ShuffleUnit), Count = 2)] readonly Sequential stage;                       // 20x8x8
            [Use(typeof(Added))] readonly Added added;
            [AdaptiveAvgPool2d(1)] [Flatten] [Linear(3)] readonly Sequential head;
        }
        """;

    internal static nn.Module<Tensor, Tensor> Child(nn.Module<Tensor, Tensor> model, string name)
        => (nn.Module<Tensor, Tensor>)model.named_modules().Single(m => m.name == name).module;

    [Fact]
    public void Branches_Snapshot_And_RuntimeShapesParametersCosts()
    {
        var run = GeneratorHarness.Run(Source).AssertNoGeneratorDiagnostics().AssertCompilesCleanly();
        Snapshot.VerifyGenerated(run, f => !f.HintName.EndsWith(".Costs.g.cs", System.StringComparison.Ordinal));
        var text = run.File("Demo.BranchNet.g.cs").Text;
        Assert.Contains("x = this.mixed.call(x); // 26x8x8", text);
        RuntimeCheck.Check(RuntimeCheck.Load(run), "Demo.BranchNet", 20, 12);
    }

    [Fact]
    public void MergedOutputs_EqualTheBranchesAppliedByHand()
    {
        var run = GeneratorHarness.Run(Source).AssertNoGeneratorDiagnostics();
        var model = RuntimeCheck.Create(RuntimeCheck.Load(run), "Demo.BranchNet");
        model.eval();
        using var _ = torch.no_grad();

        var fire = Child(model, "fire");
        var x = torch.randn(2, 16, 8, 8);
        var s = Child(fire, "squeeze_activation").call(Child(fire, "squeeze").call(x));
        var e1 = Child(fire, "expand1x1_activation").call(Child(fire, "expand1x1").call(s));
        var e3 = Child(fire, "expand3x3_activation").call(Child(fire, "expand3x3").call(s));
        Assert.True(fire.call(x).allclose(torch.cat(new[] { e1, e3 }, 1)));

        var unit = Child(model, "stage.0");
        var u = torch.randn(2, 20, 8, 8);
        var halves = u.chunk(2, 1);
        var y = torch.cat(new[] { halves[0], Child(unit, "branch2").call(halves[1]) }, 1);
        // channel shuffle with 2 groups by hand: output channel j takes input channel (j % 2) * 10 + j / 2
        var shuffled = torch.stack(Enumerable.Range(0, 20).Select(j => y.select(1, j % 2 * 10 + j / 2)).ToArray(), 1);
        Assert.True(unit.call(u).allclose(shuffled));

        var added = Child(model, "added");
        var a = torch.randn(2, 20, 8, 8);
        Assert.True(added.call(a).allclose(Child(added, "left").call(a) + Child(added, "right").call(a) + a, 1e-5, 1e-5));
    }

    /// <summary>Inception-ResNet style: concatenated branches, a 1×1 projection, then the residual add and a ReLU after it.</summary>
    [Fact]
    public void BranchesInAResidualBlock_MatchTheirCosts_AndAddTheInput()
    {
        var run = GeneratorHarness.Run(Src("""
            [Block, Residual]
            public partial class InceptionResNet
            {
                [Branch("b0")] [Conv2d(4, Kernel = 1)] readonly Conv2d branch0;
                [Branch("b1")] [Conv2d(4, Kernel = 1)] [Conv2d(6, Kernel = "1x3", Padding = "0x1")] [Conv2d(6, Kernel = "3x1", Padding = "1x0")] readonly Sequential branch1;
                [Conv2d("in", Kernel = 1)] readonly Conv2d conv2d;
                [ReLU(AfterAdd = true)] readonly ReLU relu;
            }

            [Network(Input = "8x9x9")]
            public partial class IRNet
            {
                [Use(typeof(InceptionResNet), Count = 2)] readonly Sequential repeat;
            }
            """)).AssertNoGeneratorDiagnostics().AssertCompilesCleanly();
        var model = RuntimeCheck.Check(RuntimeCheck.Load(run), "Demo.IRNet", 6, 11);
        var block = Child(model, "repeat.0");
        using var _ = torch.no_grad();
        var x = torch.randn(1, 8, 9, 9);
        var merged = torch.cat(new[] { Child(block, "branch0").call(x), Child(block, "branch1").call(x) }, 1);
        Assert.True(block.call(x).allclose(torch.nn.functional.relu(Child(block, "conv2d").call(merged) + x), 1e-5, 1e-5));
    }

    [Fact]
    public void BadGroups_AreReportedAtTheBranch()
    {
        var run = GeneratorHarness.Run(Src("""
            [Block]
            public partial class Lonely
            {
                [Branch("only")] [Conv2d(4, Kernel = 1)] readonly Conv2d conv;
            }

            [Block]
            public partial class Mixed
            {
                [Branch("a")] [Conv2d(4, Kernel = 1)] readonly Conv2d a;
                [Branch("b", Merge = "add")] [Conv2d(4, Kernel = 1)] readonly Conv2d b;
            }

            [Block]
            public partial class Interrupted
            {
                [Branch("a")] [Conv2d(4, Kernel = 1)] readonly Conv2d a1;
                [Branch("b")] [Conv2d(4, Kernel = 1)] readonly Conv2d b1;
                [ReLU] readonly ReLU relu;
                [Branch("a")] [Conv2d(4, Kernel = 1)] readonly Conv2d a2;
                [Branch("c")] [Conv2d(4, Kernel = 1)] readonly Conv2d c2;
            }

            [Block]
            public partial class Strided
            {
                [Branch("a")] [Conv2d(4, Kernel = 1)] readonly Conv2d a;
                [Branch("b")] [Conv2d(4, Kernel = 3, Stride = 2, Padding = 1)] readonly Conv2d b;
            }

            [Block]
            public partial class AddWidths
            {
                [Branch("a", Merge = "add")] [Conv2d(4, Kernel = 1)] readonly Conv2d a;
                [Branch("b", Merge = "add")] [Conv2d(6, Kernel = 1)] readonly Conv2d b;
            }

            [Block]
            public partial class ThreeWay
            {
                [Branch("a", Split = true)] [ReLU] readonly ReLU a;
                [Branch("b", Split = true)] [ReLU] readonly ReLU b;
                [Branch("c", Split = true)] [ReLU] readonly ReLU c;
            }

            [Network(Input = "8x8x8")] public partial class StridedNet { [Use(typeof(Strided))] readonly Strided s; }
            [Network(Input = "8x8x8")] public partial class AddNet { [Use(typeof(AddWidths))] readonly AddWidths s; }
            [Network(Input = "8x8x8")] public partial class SplitNet { [Use(typeof(ThreeWay))] readonly ThreeWay s; }
            """));
        var diagnostics = run.RelevantGeneratorDiagnostics();
        Assert.Equal(new[] { "PIX0108", "PIX0108", "PIX0109", "PIX0109", "PIX0109", "PIX0109" }, diagnostics.Select(d => d.Id).OrderBy(i => i));
        Assert.All(diagnostics, d => Assert.True(d.Location.IsInSource));
        run.AssertCompilesWithoutErrors();
        Snapshot.VerifyDiagnostics(diagnostics);
    }
}
