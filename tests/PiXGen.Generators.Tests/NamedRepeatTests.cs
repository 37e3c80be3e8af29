using System.Linq;
using Microsoft.CodeAnalysis;
using TorchSharp;
using static PiXGen.Generators.Tests.Sources;
using static TorchSharp.torch;

namespace PiXGen.Generators.Tests;

/// <summary>
/// Name templates for repeated members: <c>[Use(typeof(B), "...", Count = n, Name = "denselayer{i + 1}")] readonly B[] layers;</c>
/// registers the instances directly in the class under the names the template gives (DenseNet's
/// <c>denseblock1.denselayer1</c>, RegNet's <c>block1-0</c>). The generated code (Snapshots/NamedRepeatTests.*), the
/// compile-time figures against the module (<see cref="RuntimeCheck"/>: shapes, parameters, MACs, graph), the same
/// network written out one field per instance, PiX substitution reaching the instances, and located diagnostics.
/// </summary>
public class NamedRepeatTests
{
    private const string Blocks = """
        [Block, Dense]
        public partial class Layer
        {
            [Arg(4)] readonly int growth;
            [BatchNorm2d] readonly BatchNorm2d norm1;
            [ReLU] readonly ReLU relu1;
            [Conv2d("2 * growth", Kernel = 1, Bias = false)] readonly Conv2d conv1;
            [BatchNorm2d] readonly BatchNorm2d norm2;
            [ReLU] readonly ReLU relu2;
            [Conv2d("growth", Kernel = 3, Padding = 1, Bias = false)] readonly Conv2d conv2;
        }

        [Block]
        public partial class Stack
        {
            [Arg] readonly int layers;
            [Arg(4)] readonly int growth;
            [Use(typeof(Layer), "growth: growth", Count = "layers", Name = "denselayer{i + 1}")] readonly Layer[] dense;
            [BatchNorm2d] readonly BatchNorm2d norm;
        }

        [Block]
        public partial class Stage
        {
            [Arg] readonly int stage;
            [Arg] readonly int width;
            [Use(typeof(Layer), "growth: width", Count = 2, Name = "block{stage}-{i}")] readonly Layer[] blocks;
        }

        """;

    private const string Net = Blocks + """
        [Network(Input = "3x16x16")]
        public partial class NamedNet
        {
            [Conv2d(16, Kernel = 3, Padding = 1, Bias = false)] readonly Conv2d conv0;
            [Use(typeof(Stack), "layers: 3")] readonly Stack denseblock1;                       // 16 + 3·4 = 28
            [Use(typeof(Layer), "growth: 2 + i", Count = 2, Name = "extra{2 * i}")] readonly Layer[] extras;  // + 2 + 3 = 33
            [Use(typeof(Stage), "stage: 1, width: 3")] readonly Stage trunk_output;             // + 3 + 3 = 39
            [AdaptiveAvgPool2d(1)] [Flatten] [Linear(5)] readonly Sequential head;
        }
        """;

    [Fact]
    public void NamedInstances_Snapshot_Keys_And_CompileTimeFiguresHoldAtRunTime()
    {
        var run = GeneratorHarness.Run(Src(Net)).AssertNoGeneratorDiagnostics().AssertCompilesCleanly();
        Snapshot.VerifyGenerated(run, f => f.HintName is "Demo.Stack.g.cs" or "Demo.NamedNet.g.cs" or "Demo.NamedNet.Graph.g.cs");
        var model = RuntimeCheck.Check(RuntimeCheck.Load(run), "Demo.NamedNet", 12, 20);
        var keys = model.state_dict().Keys.ToList();
        // Registered in declaration order, each instance under its template's name, no array field name in a key.
        var weights = keys.Where(k => k.EndsWith(".weight") && !k.Contains("norm")).ToList();
        Assert.Equal(new[]
        {
            "conv0.weight",
            "denseblock1.denselayer1.conv1.weight", "denseblock1.denselayer1.conv2.weight",
            "denseblock1.denselayer2.conv1.weight", "denseblock1.denselayer2.conv2.weight",
            "denseblock1.denselayer3.conv1.weight", "denseblock1.denselayer3.conv2.weight",
            "extra0.conv1.weight", "extra0.conv2.weight", "extra2.conv1.weight", "extra2.conv2.weight",
            "trunk_output.block1-0.conv1.weight", "trunk_output.block1-0.conv2.weight",
            "trunk_output.block1-1.conv1.weight", "trunk_output.block1-1.conv2.weight",
            "head.2.weight",
        }, weights);
        Assert.True(keys.IndexOf("denseblock1.norm.weight") > keys.IndexOf("denseblock1.denselayer3.conv2.weight"));
        Assert.DoesNotContain(keys, k => k.Contains("dense.") || k.Contains("extras") || k.Contains("blocks"));
        // Per-instance arguments from the index: extra2 has growth 3 on top of 16 + 12 + 2 channels.
        Assert.Equal(new long[] { 3, 6, 3, 3 }, model.state_dict()["extra2.conv2.weight"].shape);
        Assert.Equal(new long[] { 5, 39 }, model.state_dict()["head.2.weight"].shape);
        // Module.to() finds every registered instance (none is behind a field of its name).
        model.to(float64);
        using (no_grad()) Assert.Equal(new long[] { 1, 5 }, model.call(randn(1, 3, 16, 16, dtype: float64)).shape);
    }

    [Fact]
    public void NamedInstances_EqualTheSameNetworkWrittenOutOneFieldPerInstance()
    {
        var run = GeneratorHarness.Run(Src(Blocks + """
            [Network(Input = "3x8x8")]
            public partial class Named
            {
                [Conv2d(8, Kernel = 1)] readonly Conv2d stem;
                [Use(typeof(Layer), "growth: 2 * (i + 1)", Count = 3, Name = "denselayer{i + 1}")] readonly Layer[] layers;
                [Flatten] readonly Flatten flatten;
            }

            [Network(Input = "3x8x8")]
            public partial class Written
            {
                [Conv2d(8, Kernel = 1)] readonly Conv2d stem;
                [Use(typeof(Layer), "growth: 2")] readonly Layer denselayer1;
                [Use(typeof(Layer), "growth: 4")] readonly Layer denselayer2;
                [Use(typeof(Layer), "growth: 6")] readonly Layer denselayer3;
                [Flatten] readonly Flatten flatten;
            }
            """)).AssertNoGeneratorDiagnostics().AssertCompilesCleanly();
        string Costs(string name) => run.GeneratorDiagnostics.Single(d => d.Id == "PIX0200" && d.GetMessage().StartsWith(name + ":")).GetMessage().Substring(name.Length);
        Assert.Equal(Costs("Written"), Costs("Named"));
        Assert.Equal(run.File("Demo.Written.Graph.g.cs").Text.Replace("Written", "N"), run.File("Demo.Named.Graph.g.cs").Text.Replace("Named", "N"));
        var assembly = RuntimeCheck.Load(run);
        var named = RuntimeCheck.Check(assembly, "Demo.Named");
        var written = RuntimeCheck.Check(assembly, "Demo.Written");
        Assert.Equal(written.state_dict().Keys, named.state_dict().Keys);
        named.load_state_dict(written.state_dict());
        named.eval(); written.eval();
        using var _ = no_grad();
        var x = randn(2, 3, 8, 8);
        Assert.True(named.call(x).allclose(written.call(x), rtol: 0, atol: 0));
    }

    [Fact]
    public void ACountFromAnArgument_IsALoop_AndSubstitutionReachesEveryInstance()
    {
        var run = GeneratorHarness.Run(Src(Blocks + """
            [Network(Like = typeof(Plain)), SubstitutePiX] public partial class Squeezed { }

            [Network(Input = "3x8x8")]
            public partial class Plain
            {
                [Arg(2)] readonly int depth;
                [Conv2d(16, Kernel = 1)] readonly Conv2d stem;
                [Use(typeof(Stack), "layers: depth, growth: 4")] readonly Stack block;
            }
            """)).AssertCompilesCleanly();
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
        // The block's count is its argument: a loop naming each instance in the constructor.
        Assert.Contains("names_dense.Add(string.Concat(\"denselayer\", (global::PiXGen.Runtime.PyMath.Checked(() => checked(i + 1), \"Stack, dense: i + 1\")).ToString(global::System.Globalization.CultureInfo.InvariantCulture)));",
            run.File("Demo.Stack.g.cs").Text);
        // 16 → 8 and 20 → 8 squeeze (ζ 2 and not divisible), so denselayer1's bottleneck becomes PiX, denselayer2's does not.
        var pix = run.GeneratorDiagnostics.Single(d => d.Id == "PIX0300").GetMessage();
        Assert.Contains("block.denselayer1.conv1", pix);
        Assert.DoesNotContain("block.denselayer2.conv1", pix);
        var model = RuntimeCheck.Check(RuntimeCheck.Load(run), "Demo.Squeezed");
        Assert.Contains("block.denselayer2.conv1.weight", model.state_dict().Keys);
        Assert.Contains(model.named_modules(), m => m.name == "block.denselayer1.conv1" && m.module is PiXGen.PiX.PiXLayer);
    }

    [Fact]
    public void ANumberedStackInsideANumberedStack_IsANamedRepeatNamedByItsIndex()
    {
        // EfficientNet's features.3.1: a Sequential of stages, each stage numbering its blocks itself (Name = "{i}").
        var run = GeneratorHarness.Run(Src(Blocks + """
            [Block]
            public partial class NumberedStage
            {
                [Arg] readonly int n;
                [Arg] readonly int width;
                [Use(typeof(Layer), "growth: width", Count = "n", Name = "{i}")] readonly Layer[] blocks;
            }

            [Network(Input = "3x8x8")]
            public partial class Stacked
            {
                [Conv2d(8, Kernel = 1)]
                [Use(typeof(NumberedStage), "n: [1, 2][i], width: [4, 2][i]", Count = 2)]
                readonly Sequential features;
                [Flatten] readonly Flatten flatten;
            }
            """)).AssertNoGeneratorDiagnostics().AssertCompilesCleanly();
        var model = RuntimeCheck.Check(RuntimeCheck.Load(run), "Demo.Stacked");
        var convs = model.state_dict().Keys.Where(k => k.EndsWith("conv2.weight")).ToList();
        Assert.Equal(new[] { "features.1.0.conv2.weight", "features.2.0.conv2.weight", "features.2.1.conv2.weight" }, convs);
        Assert.Equal(new long[] { 2, 4, 3, 3 }, model.state_dict()["features.2.1.conv2.weight"].shape);   // growth 2 after 4·2 bottleneck channels
    }

    [Fact]
    public void BadTemplates_AreReportedAtTheAttribute()
    {
        var run = GeneratorHarness.Run(Src(Blocks + """
            [Network(Input = "3x8x8")]
            public partial class Same { [Use(typeof(Layer), Count = 2, Name = "layer")] readonly Layer[] layers; }

            [Network(Input = "3x8x8")]
            public partial class Taken
            {
                [Conv2d(8, Kernel = 1)] readonly Conv2d conv1;
                [Use(typeof(Layer), Count = 2, Name = "conv{i}")] readonly Layer[] layers;
            }

            [Network(Input = "3x8x8")]
            public partial class Dotted { [Use(typeof(Layer), Count = 2, Name = "layer.{i}")] readonly Layer[] layers; }

            [Network(Input = "3x8x8")]
            public partial class Unclosed { [Use(typeof(Layer), Count = 2, Name = "layer{i")] readonly Layer[] layers; }

            [Network(Input = "3x8x8")]
            public partial class Unknown
            {
                [Arg(1)] readonly int stage;
                [Use(typeof(Layer), Count = 2, Name = "block{stag}-{i}")] readonly Layer[] layers;
            }

            [Network(Input = "3x8x8")]
            public partial class Real { [Use(typeof(Layer), Count = 2, Name = "layer{i * 0.5}")] readonly Layer[] layers; }

            [Network(Input = "3x8x8")]
            public partial class NotAnArray { [Use(typeof(Layer), Count = 2, Name = "layer{i}")] readonly Sequential layers; }
            """));
        Snapshot.VerifyDiagnostics(run.GeneratorDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        var ids = run.GeneratorDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)
            .OrderBy(d => d.Location.SourceSpan.Start).Select(d => d.Id).ToList();
        Assert.Equal(new[] { "PIX0019", "PIX0019", "PIX0106", "PIX0106", "PIX0003", "PIX0003", "PIX0006" }, ids);
        var unknown = run.GeneratorDiagnostics.Single(d => d.Id == "PIX0003" && d.GetMessage().Contains("unknown name"));
        Assert.Contains("did you mean 'stage'?", unknown.GetMessage());
        Assert.Equal("stag", unknown.Properties["PiXGen.Written"]);
        // Every diagnostic is at the [Use] attribute (or the field for its type), never inside generated code.
        Assert.DoesNotContain(run.Output.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree?.FilePath.Contains("PiXGen") == true);
    }
}
