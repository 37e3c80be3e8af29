using System.Linq;
using static PiXGen.Generators.Tests.Sources;

namespace PiXGen.Generators.Tests;

/// <summary>
/// Generator bugs found while writing this suite. Each test states the correct behaviour and fails on the
/// current generator, so it is skipped (with the cause in the skip reason) to keep the suite green; remove
/// the Skip when the bug is fixed.
/// </summary>
public class GeneratorBugTests
{
    private static void AssertNoInternalError(GeneratorRun run)
        => Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id == "PIX9999");

    /// <summary>A [Block] that [Use]s a non-partial [Block]: the inner one gets PIX0001, the outer one must not crash.</summary>
    [Fact]
    public void UseOfUnparsableBlockInsideABlock_IsNotAnInternalError()
    {
        var run = GeneratorHarness.Run(Src("""
            [Block] public class Inner { [ReLU] readonly ReLU r; }
            [Block] public partial class Outer { [Use(typeof(Inner))] readonly Inner inner; }
            """));
        Assert.Contains(run.GeneratorDiagnostics, d => d.Id == "PIX0001");
        AssertNoInternalError(run);
    }

    [Fact]
    public void ArrayAttributeArgument_IsAnExpressionError()
    {
        var run = GeneratorHarness.Run(Src("""
            [Network(Input = "3x8x8")] public partial class N { [Conv2d(new int[] { 3 }, Kernel = 3)] readonly Conv2d conv; }
            """));
        AssertNoInternalError(run);
        Assert.Contains(run.GeneratorDiagnostics, d => d.Id == "PIX0003");
    }

    [Fact]
    public void IntegerOverflowInExpression_IsAnExpressionError()
    {
        var run = GeneratorHarness.Run(Src("""
            [Network(Input = "3x8x8")] public partial class N { [Conv2d("(-9223372036854775807 - 1) / -1", Kernel = 3)] readonly Conv2d conv; }
            """));
        AssertNoInternalError(run);
        Assert.Contains(run.GeneratorDiagnostics, d => d.Id == "PIX0003");
    }

    [Fact]
    public void WrappingArithmetic_IsReportedNotEmitted()
    {
        var run = GeneratorHarness.Run(Src("""
            [Network(Input = "3x8x8")] public partial class N { [Conv2d("-9223372036854775807 * 2", Kernel = 3)] readonly Conv2d conv; }
            """));
        if (!run.GeneratorErrors.Any()) run.AssertCompilesWithoutErrors();
        Assert.Contains(run.GeneratorDiagnostics, d => d.Id == "PIX0003");
    }

    [Fact]
    public void ConditionalCount_Compiles()
        => GeneratorHarness.Run(Src("""
            [Block] public partial class B { [ReLU] readonly ReLU r; }
            [Network(Input = "3x8x8")]
            public partial class N
            {
                [Arg(3)] readonly int depth;
                [Use(typeof(B), Count = "depth > 2 ? 2 : 1")] readonly Sequential s;
            }
            """)).AssertNoGeneratorDiagnostics().AssertCompilesCleanly();

    [Fact]
    public void ConditionalArgDefault_Compiles()
        => GeneratorHarness.Run(Src("""
            [Block]
            public partial class B
            {
                [Arg] readonly int stride;
                [Arg("stride == 1 ? 1 : 0")] readonly int pad;
                [Conv2d(8, Kernel = 3, Stride = "stride", Padding = "pad")] readonly Conv2d conv;
            }
            """)).AssertNoGeneratorDiagnostics().AssertCompilesCleanly();

    [Fact]
    public void SqueezeExcitationReductionExpression_MatchesShapeInference()
    {
        var run = GeneratorHarness.Run(Src("""
            [Network(Input = "16x8x8")]
            public partial class N { [SqueezeExcitation(Reduction = "2 + 2")] readonly PiXGen.Layers.SqueezeExcitation se; }
            """)).AssertNoGeneratorDiagnostics().AssertCompilesCleanly();
        var text = run.File("Demo.N.g.cs").Text;
        Assert.Contains("ParameterCount = 148;", text); // 2*16*4 + 4 + 16: squeeze = 16 / (2 + 2) = 4
        Assert.Contains("SqueezeExcitation(c, c / (2 + 2))", text);
    }

    [Fact]
    public void ConstantFalseCondition_CompilesWithoutWarnings()
        => GeneratorHarness.Run(Src("""
            [Network(Input = "3x8x8")]
            public partial class N { [ReLU(When = "false")] readonly ReLU? off; [ReLU] readonly ReLU on; }
            """)).AssertNoGeneratorDiagnostics().AssertCompilesCleanly();

    [Fact]
    public void MissingKernelInUninstantiatedBlock_IsReported()
    {
        var run = GeneratorHarness.Run(Src("""
            [Block] public partial class B { [Conv2d(8, Padding = 1)] readonly Conv2d conv; }
            """));
        Assert.Contains(run.GeneratorDiagnostics, d => d.Id == "PIX0004");
        run.AssertCompilesWithoutErrors();
    }

    [Fact]
    public void ConditionUsedAsInteger_IsReportedWithoutInstantiation()
    {
        var block = GeneratorHarness.Run(Src("""
            [Block] public partial class B { [Arg] readonly bool flag; [Conv2d(8, Kernel = 1, Stride = "flag")] readonly Conv2d conv; }
            """));
        Assert.Contains(block.GeneratorDiagnostics, d => d.Id == "PIX0003");
        block.AssertCompilesWithoutErrors();

        var network = GeneratorHarness.Run(Src("""
            [Network(Input = "3x8x8")]
            public partial class N { [Arg(false)] readonly bool big; [Conv2d(8, Kernel = "big", When = "big")] readonly Conv2d? conv; }
            """));
        Assert.Contains(network.GeneratorDiagnostics, d => d.Id == "PIX0003");
        network.AssertCompilesWithoutErrors();
    }

    [Fact(Skip = "generator bug (uncommitted cost work in the working tree): Analysis/CostModel.Compute throws OverflowException for a valid but huge network (input 2147483647x2147483647x2147483647) -> PIX9999; saturate or report a cost diagnostic instead")]
    public void HugeShapes_AreNotAnInternalError()
    {
        var run = GeneratorHarness.Run(Src("""
            [Network(Input = "2147483647x2147483647x2147483647")]
            public partial class A { [Conv2d(2147483647, Kernel = 1)] readonly Conv2d c; [Flatten] readonly Flatten f; [Linear(10)] readonly Linear l; }
            """));
        AssertNoInternalError(run);
    }
}
