using System.Linq;
using System.Runtime.CompilerServices;
using PiXGen.Generators.Diagnostics;
using static PiXGen.Generators.Tests.Sources;

namespace PiXGen.Generators.Tests;

/// <summary>
/// Per-axis (non-square) kernels, strides, paddings, dilations and output sizes: written "1x7", "k x 1" or
/// <c>new[] { 1, 7 }</c>. Snapshots of the generated code (Snapshots/AxisTests.*), then the compiled network runs
/// and its output shape, parameters and MACs (also at another input size, through the run-time evaluator's width
/// values) are checked against the real modules (<see cref="RuntimeCheck"/>).
/// </summary>
public class AxisTests
{
    private static bool ModuleOrCatalog(GeneratedFile f) => !f.HintName.EndsWith(".Costs.g.cs", System.StringComparison.Ordinal);

    public const string InceptionSource = """
        using PiXGen;
        using TorchSharp.Modules;

        namespace Demo;

        [Block]
        public partial class Factorised
        {
            [Arg(7)] readonly int k;
            [Let("k / 2")] readonly int half;
            [Conv2d(12, Kernel = "1 x k", Padding = "0 x half", Bias = false)] readonly Conv2d conv1x7;
            [Conv2d(16, Kernel = "k x 1", Padding = new object[] { "half", 0 }, Bias = false)] readonly Conv2d conv7x1;
        }

        [Network(Input = "3x20x24")]
        public partial class AxisNet
        {
            [Conv2d(8, Kernel = "3x5", Stride = new[] { 1, 2 }, Padding = "1x2", Dilation = "1×1")] readonly Conv2d stem;
            [Use(typeof(Factorised), "k: 7")] readonly Factorised factorised;
            [MaxPool2d("3x1", Stride = "2x1", Padding = "1x0")] readonly MaxPool2d pool;
            [AvgPool2d(new[] { 2, 3 }, Stride = 1, CeilMode = true)] readonly AvgPool2d avg;
            [ConvTranspose2d(6, Kernel = "2x3", Stride = "2x3", Padding = "0x1", OutputPadding = 1)] readonly ConvTranspose2d up;
            [Upsample(ScaleFactor = "1x2")] readonly Upsample widen;
            [AdaptiveAvgPool2d("2x3")] [Flatten] [Linear(4)] readonly Sequential head;
        }
        """;

    [Fact]
    public void NonSquareSettings_Snapshot_And_RuntimeShapesParametersMacs()
    {
        var run = GeneratorHarness.Run(InceptionSource).AssertNoGeneratorDiagnostics().AssertCompilesCleanly();
        Snapshot.VerifyGenerated(run, ModuleOrCatalog);
        RuntimeCheck.Check(RuntimeCheck.Load(run), "Demo.AxisNet", 30, 18);
    }

    [Fact]
    public void NonSquareAdaptiveMaxPoolInABlock_GivesTheLinearItsFeatures()
    {
        var run = GeneratorHarness.Run(Src("""
            [Block]
            public partial class Head
            {
                [AdaptiveMaxPool2d("1x3")] [Flatten] [Linear(2)] readonly Sequential fc;
            }

            [Network(Input = "5x9x9")]
            public partial class HeadNet
            {
                [Use(typeof(Head))] readonly Head head;
            }
            """)).AssertNoGeneratorDiagnostics().AssertCompilesCleanly();
        var model = RuntimeCheck.Check(RuntimeCheck.Load(run), "Demo.HeadNet", 13, 7);
        Assert.Equal(new long[] { 2, 5 * 1 * 3 }, model.parameters().First().shape);
    }

    /// <summary>
    /// The pools are defined kinds whose per-axis settings are pairs in their definitions: a dilation pair with ceil mode and the
    /// default stride (the kernel), an average pool that leaves the padding out of its count, and adaptive sizes reach the
    /// module as written (scalars, or tuples as soon as one pair is written) and the graph as "h,w".
    /// </summary>
    [Fact]
    public void Pools_TakeTheirPairsFromTheirDefinitions()
    {
        var run = GeneratorHarness.Run(Src("""
            [Network(Input = "4x20x22")]
            public partial class PoolNet
            {
                [MaxPool2d(3, Padding = 1, Dilation = "1x2", CeilMode = true)] readonly MaxPool2d max;
                [AvgPool2d(new[] { 2, 3 }, Stride = 2, Padding = 1, CountIncludePad = false)] readonly AvgPool2d avg;
                [MaxPool2d(2)] readonly MaxPool2d plain;
                [AdaptiveMaxPool2d("1x2")] readonly AdaptiveMaxPool2d amax;
                [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d aavg;
            }
            """)).AssertNoGeneratorDiagnostics().AssertCompilesCleanly();
        var module = run.File("Demo.PoolNet.g.cs").Text;
        Assert.Contains("this.max = global::TorchSharp.torch.nn.MaxPool2d((3, 3), padding: (1, 1), dilation: (1, 2), ceil_mode: true);", module);
        Assert.Contains("this.avg = global::TorchSharp.torch.nn.AvgPool2d((2, 3), stride: (2, 2), padding: (1, 1), count_include_pad: false);", module);
        Assert.Contains("this.plain = global::TorchSharp.torch.nn.MaxPool2d(2);", module);
        Assert.Contains("this.amax = global::TorchSharp.torch.nn.AdaptiveMaxPool2d(new long[] { 1, 2 });", module);
        Assert.Contains("this.aavg = global::TorchSharp.torch.nn.AdaptiveAvgPool2d(1);", module);
        var graph = run.File("Demo.PoolNet.Graph.g.cs").Text;
        Assert.Contains("""A("kernel", "3,3"), A("stride", "3,3"), A("padding", "1,1"), A("ceil", "true"), A("dilation", "1,2") }, new long[] { 4, 7, 8 }""", graph);
        Assert.Contains("""A("kernel", "2,3"), A("stride", "2,2"), A("padding", "1,1"), A("ceil", "false"), A("count_include_pad", "false") }, new long[] { 4, 4, 4 }""", graph);
        Assert.Contains("""new("amax", "AdaptiveMaxPool2d", new[] { "plain" }, null, new[] { A("size", "1,2") }, new long[] { 4, 1, 2 })""", graph);
        RuntimeCheck.Check(RuntimeCheck.Load(run), "Demo.PoolNet", 30, 26);
    }

    /// <summary>
    /// PiX substitution reads square settings: a 1×1 written "1x1" is still a squeeze convolution; a 1×1 with a 2×1 stride
    /// or a 1×3 kernel is not (a pair reads as its larger side), so network-wide substitution leaves them dense.
    /// </summary>
    [Fact]
    public void PiXSubstitution_ReplacesOnlyTrueSqueezeConvolutions()
    {
        var run = GeneratorHarness.Run(Src("""
            [Network(Input = "16x8x8"), SubstitutePiX]
            public partial class SqueezeNet2
            {
                [Conv2d(8, Kernel = "1x1", Bias = false)] readonly TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> squeeze;
                [Conv2d(4, Kernel = 1, Stride = "2x1", Bias = false)] readonly Conv2d strided;
                [Conv2d(2, Kernel = "1x3", Padding = "0x1", Bias = false)] readonly Conv2d wide;
            }

            [Network(Input = "16x8x8")]
            public partial class Marked
            {
                [Conv2d(8, Kernel = "1 x 1", Bias = false), PiXSqueeze] readonly PiXGen.PiX.PiXLayer squeeze;
            }
            """));
        var diagnostics = run.RelevantGeneratorDiagnostics("PIX0300");
        Assert.True(run.Files.Any(f => f.HintName == "Demo.SqueezeNet2.g.cs"), GeneratorRun.Describe(run.GeneratorDiagnostics));
        run.AssertCompilesCleanly();
        var summary = Assert.Single(diagnostics);
        Assert.Equal("SqueezeNet2: PiX replaced 1 convolution(s): squeeze (ζ=2)", summary.GetMessage());
        Assert.Contains("new global::PiXGen.PiX.PiXLayer(c, (int)(c / 8))", run.File("Demo.Marked.g.cs").Text);
        RuntimeCheck.Check(RuntimeCheck.Load(run), "Demo.SqueezeNet2");
    }

    [Fact]
    public void BadPairs_AreReportedAtTheAttribute()
    {
        var run = GeneratorHarness.Run(Src("""
            [Network(Input = "4x8x8")]
            public partial class BadPairs
            {
                [Arg(3)] readonly int k;
                [Conv2d(4, Kernel = 3, Groups = "2x2")] readonly Conv2d grouped;
                [Conv2d(4, Kernel = new[] { 1, 3, 3 })] readonly Conv2d three;
                [Conv2d(4, Kernel = "kx1")] readonly Conv2d glued;
                [Conv2d(4, Kernel = "1 x w")] readonly Conv2d unknown;
            }

            [Network(Input = "4x8x8")]
            public partial class TooSmall
            {
                [Conv2d(4, Kernel = "1x9")] readonly Conv2d conv;
            }

            [Network(Input = "4x8x8")]
            public partial class UnequalOutputPadding
            {
                // TorchSharp 0.107.0 applies the first output padding to both axes, so PiXGen refuses a pair.
                [ConvTranspose2d(4, Kernel = 3, Stride = 2, OutputPadding = "1x0")] readonly ConvTranspose2d up;
            }

            [Network(Input = "4x8x8")]
            public partial class BadPoolPadding
            {
                [MaxPool2d("3x1", Padding = "1x1")] readonly MaxPool2d pool;
            }
            """));
        var diagnostics = run.RelevantGeneratorDiagnostics();
        Assert.Equal(new[] { "PIX0003", "PIX0003", "PIX0003", "PIX0004", "PIX0103", "PIX0106", "PIX0106", "PIX0106" }, diagnostics.Select(d => d.Id).OrderBy(i => i));
        Assert.All(diagnostics, d => Assert.True(d.Location.IsInSource));
        Assert.All(diagnostics, d => Assert.Equal(DiagnosticDescriptors.ById(d.Id).DefaultSeverity, d.Severity));
        run.AssertCompilesWithoutErrors();
        Snapshot.VerifyDiagnostics(diagnostics);
    }
}
