using System.Linq;
using System.Text.RegularExpressions;
using static PiXGen.Generators.Tests.Sources;

namespace PiXGen.Generators.Tests;

/// <summary>
/// The dataflow graph every network gets (<c>X.Graph.g.cs</c>, <c>IHasGraph</c>): lowered from the instantiated IR
/// after every pass, snapshotted, and compiled with the module.
/// </summary>
public class GraphEmitterTests
{
    private static string ThisFile([System.Runtime.CompilerServices.CallerFilePath] string file = "") => file;
    private static bool GraphFile(GeneratedFile f) => f.HintName.EndsWith(".Graph.g.cs", System.StringComparison.Ordinal);

    [Fact]
    public void TinyNet_graph_is_a_chain_with_module_prefixes_and_shapes()
    {
        var run = GeneratorHarness.Run(TinyNet).AssertNoGeneratorDiagnostics().AssertCompilesCleanly();
        var graph = run.File("Demo.TinyNet.Graph.g.cs").Text;
        Assert.Contains("partial class TinyNet : global::PiXGen.Graph.IHasGraph", graph);
        Assert.Contains("new(\"conv1\", \"Conv2d\", new[] { \"input\" }, \"conv1\", new[] { A(\"in\", \"3\"), A(\"out\", \"16\"), A(\"kernel\", \"3,3\"), A(\"stride\", \"1,1\"), A(\"padding\", \"1,1\"), A(\"dilation\", \"1,1\"), A(\"groups\", \"1\"), A(\"bias\", \"true\") }, new long[] { 16, 32, 32 }),", graph);
        Assert.Contains("new(\"fc\", \"Linear\", new[] { \"flatten\" }, \"fc\"", graph);
        Assert.Contains("return new global::PiXGen.Graph.NetworkGraph(\"TinyNet\", new long[] { 3, 32, 32 }, nodes, \"fc\");", graph);
        Snapshot.VerifyGenerated(run, GraphFile, callerFile: ThisFile());
    }

    [Fact]
    public void Residual_blocks_lower_to_add_nodes_reading_the_main_path_and_the_shortcut()
    {
        var run = GeneratorHarness.Run(ResidualStages).AssertNoGeneratorDiagnostics().AssertCompilesCleanly();
        var graph = run.File("Demo.MiniResNet.Graph.g.cs").Text;
        var adds = Regex.Matches(graph, "new\\(\"([^\"]+)\", \"Add\", new\\[\\] \\{ \"([^\"]+)\", \"([^\"]+)\" \\}").Select(m => m.Groups.Cast<Group>().Skip(1).Select(g => g.Value).ToArray()).ToList();
        Assert.NotEmpty(adds);
        foreach (var add in adds)
        {
            var block = add[0].Substring(0, add[0].Length - ".add".Length);
            Assert.StartsWith(block + ".", add[1]); // the main path's last op is inside the block
            // The shortcut is the block's projection, or the block input (a value produced before the block).
            Assert.True(add[2].StartsWith(block + ".", System.StringComparison.Ordinal) || !add[2].StartsWith(block, System.StringComparison.Ordinal), add[2]);
        }
        Snapshot.VerifyGenerated(run, GraphFile, callerFile: ThisFile());
    }

    [Fact]
    public void A_network_with_a_hand_written_forward_gets_no_graph()
    {
        var run = GeneratorHarness.Run(Src("""
            [Network(Input = "3x8x8")]
            public partial class Own
            {
                [Conv2d(4, Kernel = 3)] readonly Conv2d conv;
                public override TorchSharp.torch.Tensor forward(TorchSharp.torch.Tensor x) => conv.call(x);
            }
            """));
        run.AssertCompilesCleanly();
        Assert.DoesNotContain(run.Files, GraphFile);
    }
}

/// <summary>Networks with PiX layers get their fused CUDA kernels emitted and registered (X.Cuda.g.cs).</summary>
public class CudaWiringTests
{
    [Fact]
    public void Each_distinct_pix_layer_gets_kernels_in_three_dtypes_registered_by_the_network()
    {
        var run = GeneratorHarness.Run(Src("""
            [Block, Residual]
            public partial class Squeeze
            {
                [Arg] readonly int width;
                [Conv2d("width", Kernel = 1, Bias = false)] readonly Conv2d conv1;
                [BatchNorm2d] readonly BatchNorm2d bn1;
                [ReLU] readonly ReLU relu1;
                [Conv2d("width * 4", Kernel = 1, Bias = false)] readonly Conv2d conv3;
                [Shortcut(When = "in != width * 4")] [Conv2d("width * 4", Kernel = 1, Bias = false)] readonly Conv2d? proj;
            }
            [Network(Input = "3x16x16"), SubstitutePiX(WithNormAndActivation = false)]
            public partial class Net
            {
                [Conv2d(16, Kernel = 3, Padding = 1, Bias = false)] readonly Conv2d stem;
                [Use(typeof(Squeeze), "width: 8", Count = 3)] readonly Sequential stage;
            }
            """)).AssertCompilesCleanly();
        Assert.Empty(run.GeneratorErrors);
        var cuda = run.File("Demo.Net.Cuda.g.cs").Text;
        // stage.0.conv1 is 16 → 8 (ζ 2), stage.1/2.conv1 are 32 → 8 (ζ 4): two distinct layers, three dtypes each.
        Assert.Equal(6, Regex.Matches(cuda, "public const string ").Count);
        Assert.Equal(6, Regex.Matches(cuda, "global::PiXGen.Cuda.PiXCuda.Register\\(").Count);
        Assert.Contains("static Net() => NetPiXCudaKernels.Register();", cuda);
        // The BatchNorm + ReLU kept after PiX become the inference epilogue.
        Assert.Contains("_inf", cuda);
    }

    [Fact]
    public void A_dense_network_has_no_cuda_file()
        => Assert.DoesNotContain(GeneratorHarness.Run(TinyNet).Files, f => f.HintName.EndsWith(".Cuda.g.cs", System.StringComparison.Ordinal));
}
