using System.Linq;
using TorchSharp;
using static PiXGen.Generators.Tests.Sources;
using static TorchSharp.torch;

namespace PiXGen.Generators.Tests;

/// <summary>
/// [Dense] (DenseNet's dense layer: output = cat(input, members(input))): the generated code
/// (Snapshots/DenseTests.*), channels adding up at compile time and at run time (<see cref="RuntimeCheck"/>: shape,
/// parameters, MACs, CostFor), the output's two parts against the input and the members applied by hand, and
/// located errors.
/// </summary>
public class DenseTests
{
    private const string Source = """
        using PiXGen;
        using TorchSharp.Modules;

        namespace Demo;

        [Block, Dense]
        public partial class DenseLayer
        {
            [Arg(4)] readonly int growth;
            [Arg(2)] readonly int bnSize;
            [BatchNorm2d] readonly BatchNorm2d norm1;
            [ReLU] readonly ReLU relu1;
            [Conv2d("bnSize * growth", Kernel = 1, Bias = false)] readonly Conv2d conv1;
            [BatchNorm2d] readonly BatchNorm2d norm2;
            [ReLU] readonly ReLU relu2;
            [Conv2d("growth", Kernel = 3, Padding = 1, Bias = false)] readonly Conv2d conv2;
        }

        [Block]
        public partial class Transition
        {
            [BatchNorm2d] readonly BatchNorm2d norm;
            [ReLU] readonly ReLU relu;
            [Conv2d("in / 2", Kernel = 1, Bias = false)] readonly Conv2d conv;
            [AvgPool2d(2)] readonly AvgPool2d pool;
        }

        [Network(Input = "3x16x16")]
        public partial class MiniDenseNet
        {
            [Conv2d(8, Kernel = 3, Padding = 1, Bias = false)] readonly Conv2d conv0;
            [Use(typeof(DenseLayer), "growth: 4 + i", Count = 3)] readonly Sequential denseblock1; // 8 + 4 + 5 + 6 = 23 channels
            [Use(typeof(Transition))] readonly Transition transition1;                              // 11x8x8
            [AdaptiveAvgPool2d(1)] [Flatten] [Linear(3)] readonly Sequential head;
        }
        """;

    [Fact]
    public void DenseLayers_Snapshot_And_ChannelsAddUp_AtCompileAndRunTime()
    {
        var run = GeneratorHarness.Run(Source).AssertNoGeneratorDiagnostics().AssertCompilesCleanly();
        Snapshot.VerifyGenerated(run, f => !f.HintName.EndsWith(".Costs.g.cs", System.StringComparison.Ordinal));
        Assert.Contains("// 23x16x16", run.File("Demo.MiniDenseNet.g.cs").Text);
        var model = RuntimeCheck.Check(RuntimeCheck.Load(run), "Demo.MiniDenseNet", 12, 20);

        // One dense layer: the first C output channels are its input, the rest its members applied in order.
        var layer = (nn.Module<Tensor, Tensor>)model.named_modules().Single(m => m.name == "denseblock1.1").module;
        var parts = layer.named_children().Select(c => (nn.Module<Tensor, Tensor>)c.module).ToList();
        Assert.Equal(6, parts.Count);
        using var _ = torch.no_grad();
        var x = torch.randn(2, 12, 5, 5);
        var y = layer.call(x);
        Assert.Equal(new long[] { 2, 12 + 5, 5, 5 }, y.shape);
        var members = parts.Aggregate(x, (t, m) => m.call(t));
        Assert.True(y.narrow(1, 0, 12).allclose(x, 0, 0)); // exactly the input
        Assert.True(y.narrow(1, 12, 5).allclose(members));
    }

    [Fact]
    public void SpatialMismatch_AndDenseWithResidual_AreReported()
    {
        var run = GeneratorHarness.Run(Src("""
            [Block, Dense]
            public partial class Strided
            {
                [Conv2d(4, Kernel = 3, Stride = 2, Padding = 1)] readonly Conv2d conv;
            }

            [Network(Input = "3x8x8")]
            public partial class StridedNet
            {
                [Use(typeof(Strided))] readonly Strided dense;
            }

            [Block, Dense, Residual]
            public partial class Both
            {
                [ReLU] readonly ReLU relu;
            }
            """));
        var diagnostics = run.RelevantGeneratorDiagnostics();
        Assert.Equal(new[] { "PIX0010", "PIX0108" }, diagnostics.Select(d => d.Id).OrderBy(i => i));
        Assert.All(diagnostics, d => Assert.True(d.Location.IsInSource));
        run.AssertCompilesWithoutErrors();
        Snapshot.VerifyDiagnostics(diagnostics);
    }
}
