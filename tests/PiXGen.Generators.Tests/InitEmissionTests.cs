using System.Linq;
using Microsoft.CodeAnalysis;
using static PiXGen.Generators.Tests.Sources;

namespace PiXGen.Generators.Tests;

/// <summary>[Init] in declarations: the generated network constructor applies the scheme, per-instance overrides and zero-init residual.</summary>
public class InitEmissionTests
{
    private const string Blocks = """
        [Block, Residual]
        public partial class Basic
        {
            [Arg] readonly int planes;
            [Conv2d("planes", Kernel = 3, Padding = 1, Bias = false)] readonly Conv2d conv1;
            [BatchNorm2d] readonly BatchNorm2d bn1;
            [ReLU] readonly ReLU relu1;
            [Conv2d("planes", Kernel = 3, Padding = 1, Bias = false)] readonly Conv2d conv2;
            [BatchNorm2d] readonly BatchNorm2d bn2;
            [ReLU(AfterAdd = true)] readonly ReLU relu;
        }

        [Block, Init("xavier")]
        public partial class Head
        {
            [Conv2d(8, Kernel = 1)] readonly Conv2d proj;
        }
        """;

    [Fact]
    public void Scheme_seed_overrides_and_zero_init_residual_are_emitted_in_the_constructor()
    {
        var run = GeneratorHarness.Run(Src(Blocks + """

            [Network(Input = "3x8x8"), Init("torchvision-resnet", ZeroInitResidual = true, Seed = 7)]
            public partial class Net
            {
                [Conv2d(8, Kernel = 3, Padding = 1, Bias = false)] readonly Conv2d stem;
                [Use(typeof(Basic), "planes: 8", Count = 2)] readonly Sequential layer1;
                [Use(typeof(Head))] readonly Head head;
                [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d pool;
                [Flatten] readonly Flatten flatten;
                [Linear(10), Init("torchsharp-default")] readonly Linear fc;
            }
            """)).AssertNoGeneratorDiagnostics().AssertCompilesCleanly();
        var code = run.File("Demo.Net.g.cs").Text;
        Assert.Contains("global::PiXGen.Init.Initializer.Apply(this, new global::PiXGen.Init.InitPlan(\"torchvision-resnet\") { Seed = 7L, "
            + "Overrides = { { \"fc\", \"torchsharp-default\" }, { \"head\", \"xavier\" } }, ZeroGamma = { \"layer1.0.bn2\", \"layer1.1.bn2\" } });", code);
        // After RegisterComponents, so every layer exists when the plan is applied.
        Assert.True(code.IndexOf("RegisterComponents();", System.StringComparison.Ordinal) < code.IndexOf("Initializer.Apply", System.StringComparison.Ordinal));
    }

    [Fact]
    public void A_network_without_init_keeps_torchsharps_defaults()
    {
        var run = GeneratorHarness.Run(TinyNet).AssertCompilesCleanly();
        Assert.DoesNotContain("Initializer.Apply", run.File("Demo.TinyNet.g.cs").Text);
    }

    [Fact]
    public void An_unknown_scheme_is_an_error_at_the_attribute_with_the_closest_name()
    {
        var run = GeneratorHarness.Run(Src("""
            [Network(Input = "3x8x8"), Init("torchvision-resnt")]
            public partial class Net { [Conv2d(4, Kernel = 3)] readonly Conv2d conv; }
            """));
        var d = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0018");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Contains("'torchvision-resnt' is not an initialisation scheme (did you mean 'torchvision-resnet'?)", d.GetMessage());
        Assert.StartsWith("Init(", d.Location.SourceTree!.GetText().ToString(d.Location.SourceSpan));
    }
}
