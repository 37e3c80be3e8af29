using System.Linq;
using Microsoft.CodeAnalysis;
using static PiXGen.Generators.Tests.Sources;

namespace PiXGen.Generators.Tests;

/// <summary>A declaration with errors shows its PiXGen errors and nothing else: no CS0169/CS8618 per field, no CS1061/CS0117 at its uses.</summary>
public class ErrorNoiseTests
{
    [Fact]
    public void Broken_networks_and_blocks_produce_only_their_pixgen_errors()
    {
        var run = GeneratorHarness.Run(Src("""
            [Block]
            public partial class BadBlock
            {
                [Arg] readonly int width;
                [Conv2d("widht", Kernel = 3)] readonly Conv2d conv;   // misspelt
                [BatchNorm2d] readonly BatchNorm2d bn;
            }

            [Network(Input = "3x32x32")]
            public partial class BadNet
            {
                [Conv2d(16, Kernel = 3)] readonly Conv2d conv1;
                [Linear(10)] readonly Linear fc;                       // no pooling/flatten before it
            }

            [Network(Input = "3x32x32")]
            public partial class UsesBadBlock
            {
                [Use(typeof(BadBlock), "width: 8")] readonly BadBlock block;
            }

            public static class Caller
            {
                public static long Use()
                {
                    using var net = new BadNet();
                    using var block = new BadBlock(3, width: 8);
                    return BadNet.ParameterCount + BadNet.OutputShape.Count + block.OutChannels + UsesBadBlock.InputShape.Count;
                }
            }
            """));
        Assert.NotEmpty(run.GeneratorErrors);
        Assert.All(run.GeneratorDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error), d => Assert.StartsWith("PIX", d.Id));
        Assert.Empty(run.CompilationProblems()); // nothing but the PiXGen errors
    }

    [Fact]
    public void A_residual_shape_error_is_also_located_at_the_use_that_instantiates_the_block()
    {
        var run = GeneratorHarness.Run(Src("""
            [Block, Residual]
            public partial class Widen
            {
                [Conv2d(32, Kernel = 3, Padding = 1)] readonly Conv2d conv;
            }
            [Network(Input = "16x8x8")]
            public partial class N
            {
                [Use(typeof(Widen))] readonly Widen block;
            }
            """));
        var d = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0100");
        var also = Assert.Single(d.AdditionalLocations);
        Assert.StartsWith("Use(typeof(Widen))", also.SourceTree!.GetText().ToString(also.SourceSpan));
        Assert.Contains("add a projection, e.g. [Shortcut(When = \"...\")] [Conv2d(32, Kernel = 1", d.GetMessage());
    }

    [Fact]
    public void A_linear_after_a_feature_map_suggests_pooling_and_flatten()
    {
        var run = GeneratorHarness.Run(Src("""
            [Network(Input = "3x8x8")]
            public partial class N
            {
                [Conv2d(16, Kernel = 3, Padding = 1)] readonly Conv2d conv;
                [Linear(10)] readonly Linear fc;
            }
            """));
        var d = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0105");
        Assert.Contains("add [AdaptiveAvgPool2d(1)] and [Flatten] before it for 16 features, or [Flatten] alone for 1024", d.GetMessage());
    }
}
