using static PiXGen.Generators.Tests.Sources;

namespace PiXGen.Generators.Tests;

/// <summary>Regression (found declaring DenseNet-121): ζ derived from an output-channel expression must divide by the whole expression.</summary>
public class PiXZetaExpressionTests
{
    [Fact]
    public void Zeta_from_an_output_channel_expression_is_parenthesised()
    {
        var run = GeneratorHarness.Run(Src("""
            [Block]
            public partial class Halve
            {
                [Conv2d("in / 2", Kernel = 1, Bias = false)] readonly Conv2d conv;
                [BatchNorm2d] readonly BatchNorm2d bn;
            }
            [Network(Input = "16x8x8"), SubstitutePiX]
            public partial class N
            {
                [Use(typeof(Halve), Count = 2)] readonly Sequential stages;
            }
            """)).AssertCompilesCleanly();
        Assert.Empty(run.GeneratorErrors);
        var code = run.File("Demo.N.g.cs").Text;
        Assert.Contains("new global::PiXGen.PiX.PiXLayer(c, (int)(c / (global::PiXGen.Runtime.PyMath.Checked(() => checked(in_channels / 2), \"Halve, conv: in / 2\"))))", code);
        Assert.DoesNotContain("c / in_channels / 2", code);
    }
}
