using System.Linq;
using Microsoft.CodeAnalysis;

namespace PiXGen.Generators.Tests;

/// <summary>
/// Snapshot tests of the generated TorchSharp modules (Snapshots/GeneratedCodeTests.*.verified.cs).
/// Every test also compiles input + output with zero warnings and zero errors.
/// </summary>
public class GeneratedCodeTests
{
    /// <summary>
    /// The files these tests own: the modules and the network catalogue. Cost reports (<c>*.Costs.g.cs</c>) are
    /// another feature's output, snapshotted by that feature's tests.
    /// </summary>
    private static bool ModuleOrCatalog(GeneratedFile f) => !f.HintName.EndsWith(".Costs.g.cs", System.StringComparison.Ordinal) && !f.HintName.EndsWith(".Graph.g.cs", System.StringComparison.Ordinal) && !f.HintName.EndsWith(".Cuda.g.cs", System.StringComparison.Ordinal);

    private static void Verify(GeneratorRun run, [System.Runtime.CompilerServices.CallerMemberName] string test = "")
        => Snapshot.VerifyGenerated(run, ModuleOrCatalog, callerFile: ThisFile(), test: test);

    private static string ThisFile([System.Runtime.CompilerServices.CallerFilePath] string file = "") => file;

    private static GeneratorRun RunClean(params string[] sources)
        => GeneratorHarness.Run(sources).AssertNoGeneratorDiagnostics().AssertCompilesCleanly();

    [Fact]
    public void TinyNet()
    {
        var run = RunClean(Sources.TinyNet);
        Assert.Equal(new[] { "Demo.TinyNet.g.cs", "PiXGen.Generated.PiXGenNetworks.g.cs" }, run.Files.Where(ModuleOrCatalog).Select(f => f.HintName));
        Verify(run);
    }

    [Fact]
    public void ResidualBlockWithProjectionShortcut_InRepeatedStages()
    {
        var run = RunClean(Sources.ResidualStages);
        Assert.Equal(new[] { "Demo.Basic.g.cs", "Demo.MiniResNet.g.cs", "PiXGen.Generated.PiXGenNetworks.g.cs" }, run.Files.Where(ModuleOrCatalog).Select(f => f.HintName));
        Verify(run);
    }

    [Fact]
    public void InvertedResidual_ConditionalResidual_Let_ConditionalItem_ComponentNames()
    {
        var run = RunClean(Sources.InvertedResidual);
        Verify(run);
    }

    [Fact]
    public void LetValues()
    {
        var run = RunClean(Sources.Src("""

            [Block]
            public partial class Wide
            {
                [Arg] readonly int planes;
                [Arg(64)] readonly int baseWidth;
                [Arg(1)] readonly int groups;
                [Let("planes * baseWidth / 64 * groups")] readonly int width;
                [Let("max(width / 4, 8)")] readonly int narrow;
                [Let("groups > 1")] readonly bool grouped;

                [Conv2d("width", Kernel = 1, Bias = false)] readonly Conv2d reduce;
                [Conv2d("narrow", Kernel = 3, Padding = 1, Groups = "grouped ? groups : 1", Bias = false)] readonly Conv2d conv;
                [BatchNorm2d] readonly BatchNorm2d bn;
            }

            [Network(Input = "8x16x16")]
            public partial class LetNet
            {
                [Arg(2)] readonly int scale;
                [Let("16 * scale")] readonly int channels;

                [Conv2d("channels", Kernel = 3, Padding = 1)] readonly Conv2d stem;
                [Use(typeof(Wide), "planes: channels, groups: 4, baseWidth: 32")] readonly Wide body;
            }
            """));
        Verify(run);
    }

    [Fact]
    public void ConditionalItemsInSequential()
    {
        var run = RunClean(Sources.Src("""

            [Block]
            public partial class Stem
            {
                [Arg] readonly int width;
                [Arg(true)] readonly bool norm;
                [Arg(0)] readonly int dropout;

                [Conv2d("width", Kernel = 3, Padding = 1, Bias = false)]
                [BatchNorm2d(When = "norm")]
                [ReLU]
                [MaxPool2d(2, When = "width >= 32")]
                readonly Sequential body;

                [Dropout(0.1, When = "dropout > 0")] readonly Dropout? drop;
            }

            [Network(Input = "3x32x32")]
            public partial class CondNet
            {
                [Arg(false)] readonly bool withBn;

                [Use(typeof(Stem), "width: 32")]
                [Use(typeof(Stem), "width: 16, norm: withBn, dropout: 1")]
                readonly Sequential stem;
            }
            """));
        Verify(run);
    }

    [Fact]
    public void ComponentNames()
    {
        var run = RunClean("""
            using PiXGen;
            using TorchSharp.Modules;
            using TorchSharp.Utils;

            namespace Demo;

            [Network(Input = "1x28x28")]
            public partial class Named
            {
                [Conv2d(8, Kernel = 5), ComponentName(Name = "0")] readonly Conv2d first;
                [ReLU, ComponentName(Name = "1")] readonly ReLU act;
                [MaxPool2d(2), ComponentName(Name = "pool")] readonly MaxPool2d downsample;
                [Flatten] readonly Flatten flat;
                [Linear(10), ComponentName(Name = "head")] readonly Linear classifier;
            }
            """);
        Verify(run);
    }

    [Fact]
    public void SqueezeExcitationBlock()
    {
        var run = RunClean(Sources.Src("""

            [Block, Residual]
            public partial class SEBlock
            {
                [Arg(4)] readonly int reduction;

                [Conv2d("in", Kernel = 3, Padding = 1, Bias = false)] readonly Conv2d conv;
                [BatchNorm2d] readonly BatchNorm2d bn;
                [SiLU] readonly SiLU act;
                [SqueezeExcitation(Reduction = "reduction")] readonly PiXGen.Layers.SqueezeExcitation se;
                [SqueezeExcitation(Squeeze = 8)] readonly PiXGen.Layers.SqueezeExcitation se2;
                [Sigmoid(AfterAdd = true)] readonly Sigmoid gate;
            }

            [Network(Input = "32x8x8")]
            public partial class SENet
            {
                [Use(typeof(SEBlock))] readonly SEBlock block;
                [SqueezeExcitation] readonly PiXGen.Layers.SqueezeExcitation se;
                [Hardswish] readonly Hardswish act;
            }
            """));
        Verify(run);
    }

    [Fact]
    public void HandWrittenForward_EscapeHatch()
    {
        var run = GeneratorHarness.Run(Sources.Src("""
            using TorchSharp;
            using static TorchSharp.torch;

            [Network(Input = "3x16x16"), Output(8)]
            public partial class TwoHeads
            {
                [Conv2d(8, Kernel = 3, Padding = 1)] readonly Conv2d conv;
                [ReLU] readonly ReLU relu;
                [Conv2d(8, Kernel = 1)] readonly Conv2d skip;

                public override Tensor forward(Tensor input)
                {
                    using var scope = NewDisposeScope();
                    var y = relu.forward(conv.forward(input)) + skip.forward(conv.forward(input));
                    return y.MoveToOuterDisposeScope();
                }
            }
            """)).AssertCompilesCleanly();
        // The escape hatch is stated (PIX0013), and so is what the compiler cannot see: MACs are estimated (PIX0017).
        Assert.Equal(new[] { "PIX0013", "PIX0017" }, run.RelevantGeneratorDiagnostics("PIX0017").Select(d => d.Id).OrderBy(i => i));
        Assert.DoesNotContain("forward(", run.File("Demo.TwoHeads.g.cs").Text);
        Verify(run);
    }

    [Fact]
    public void KeywordNamesAndGlobalNamespace()
    {
        var run = RunClean("""
            using PiXGen;
            using TorchSharp.Modules;

            [Block]
            public partial class Keyworded
            {
                [Arg] readonly int @base;
                [Arg(1)] readonly long @fixed;
                [Conv2d("base * fixed", Kernel = 1)] readonly Conv2d @class;
            }

            [Network(Input = "3x8x8")]
            internal partial class GlobalNet
            {
                [Use(typeof(Keyworded), "base: 4, fixed: 2")] readonly Keyworded @event;
                [AdaptiveAvgPool2d(2)] [Flatten] [Linear(3)] readonly Sequential head;
            }
            """);
        Verify(run);
    }

    [Fact]
    public void BlockWithHeadAfterAdaptivePool()
    {
        var run = RunClean(Sources.Src("""

            [Block]
            public partial class Head
            {
                [Arg] readonly int classes;
                [AdaptiveAvgPool2d(2)] readonly AdaptiveAvgPool2d pool;
                [Flatten] readonly Flatten flatten;
                [Linear("classes")] readonly Linear fc;
            }

            [Network(Input = "3x32x32")]
            public partial class HeadNet
            {
                [Conv2d(12, Kernel = 3, Stride = 2)] [AvgPool2d(3, Stride = 2, Padding = 1, CeilMode = true)] readonly Sequential stem;
                [Use(typeof(Head), "classes: 7")] readonly Head head;
            }
            """));
        Verify(run);
    }
}
