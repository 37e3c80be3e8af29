using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using PiXGen.Generators.Diagnostics;
using static PiXGen.Generators.Tests.Sources;

namespace PiXGen.Generators.Tests;

/// <summary>
/// One or more tests per PIX diagnostic: ID, severity, message and exact span, snapshotted as
/// <c>ID Severity (line,col)-(line,col): message</c> plus the caret-underlined source line
/// (Snapshots/DiagnosticTests.*.verified.txt).
/// </summary>
public class DiagnosticTests
{
    /// <summary>
    /// Runs the generator, checks the expected diagnostic is there with its catalogue severity at a real
    /// source location of the input, that nothing crashed (no PIX9999), that the output still compiles
    /// without errors (the erroneous class is simply not generated), then snapshots the diagnostics.
    /// </summary>
    private static GeneratorRun Expect(string id, string source, [CallerFilePath] string file = "", [CallerMemberName] string test = "")
    {
        var run = GeneratorHarness.Run(source);
        var diagnostics = run.RelevantGeneratorDiagnostics(id);
        Assert.Contains(diagnostics, d => d.Id == id);
        Assert.DoesNotContain(diagnostics, d => d.Id == "PIX9999");
        foreach (var d in diagnostics)
        {
            Assert.StartsWith("PIX", d.Id);
            Assert.Equal(DiagnosticDescriptors.ById(d.Id).DefaultSeverity, d.Severity);
            Assert.True(d.Location.IsInSource, $"{d.Id} has no source location");
            Assert.Contains(d.Location.SourceTree!, run.Input.SyntaxTrees);
        }
        var expected = DiagnosticDescriptors.ById(id).DefaultSeverity;
        if (expected == DiagnosticSeverity.Error) run.AssertCompilesWithoutErrors();
        else run.AssertCompilesCleanly();
        Snapshot.VerifyDiagnostics(diagnostics, file, test);
        return run;
    }

    private const string ReLUBlock = "\n[Block] public partial class Act { [ReLU] readonly ReLU relu; }";

    // ---------------------------------------------------------------- declarations

    [Fact]
    public void PIX0001_ClassNotPartial() => Expect("PIX0001", Src("""
        [Network(Input = "3x8x8")]
        public class NotPartial
        {
            [ReLU] readonly ReLU relu;
        }
        """));

    [Fact]
    public void PIX0002_NetworkWithoutInput() => Expect("PIX0002", Src("""
        [Network]
        public partial class NoInput
        {
            [ReLU] readonly ReLU relu;
        }
        """));

    [Fact]
    public void PIX0002_MalformedInput() => Expect("PIX0002", Src("""
        [Network(Input = "3x0x8")] public partial class ZeroDim { [ReLU] readonly ReLU relu; }
        [Network(Input = "3x8")] public partial class TwoDims { [ReLU] readonly ReLU relu; }
        """));

    [Fact]
    public void PIX0003_SyntaxError() => Expect("PIX0003", Src("""
        [Network(Input = "3x8x8")]
        public partial class Broken
        {
            [Arg(2)] readonly int width;
            [Conv2d("width *", Kernel = 3)] readonly Conv2d conv;
        }
        """));

    [Fact]
    public void PIX0003_UnknownIdentifier() => Expect("PIX0003", Src("""
        [Block]
        public partial class Unknown
        {
            [Arg] readonly int planes;
            [Conv2d("planes * expansion", Kernel = 1)] readonly Conv2d conv;
        }
        """));

    [Fact]
    public void PIX0003_DivisionByZeroAtEvaluation() => Expect("PIX0003", Src("""
        [Network(Input = "3x8x8")]
        public partial class Divide
        {
            [Arg(0)] readonly int groups;
            [Conv2d("16 / groups", Kernel = 1)] readonly Conv2d conv;
        }
        """));

    [Fact]
    public void PIX0003_ConditionWhereIntegerExpected() => Expect("PIX0003", Src("""
        [Network(Input = "3x8x8")]
        public partial class Mixed
        {
            [Conv2d(8, Kernel = "3 > 1")] readonly Conv2d conv;
        }
        """));

    [Fact]
    public void PIX0003_BadBlockArgumentText() => Expect("PIX0003", Src("""
        [Network(Input = "3x8x8")]
        public partial class BadArgs
        {
            [Use(typeof(Act), "just junk")] readonly Act act;
        }
        """ + ReLUBlock));

    [Fact]
    public void PIX0004_Conv2dWithoutKernel() => Expect("PIX0004", Src("""
        [Network(Input = "3x8x8")]
        public partial class NoKernel
        {
            [Conv2d(8, Padding = 1)] readonly Conv2d conv;
        }
        """));

    [Fact]
    public void PIX0004_BlockArgumentWithoutDefaultNotGiven() => Expect("PIX0004", Src("""
        [Block]
        public partial class Needs
        {
            [Arg] readonly int planes;
            [Conv2d("planes", Kernel = 1)] readonly Conv2d conv;
        }

        [Network(Input = "3x8x8")]
        public partial class Forgets
        {
            [Use(typeof(Needs))] readonly Needs block;
        }
        """));

    [Fact]
    public void PIX0005_UnknownBlockArgument() => Expect("PIX0005", Src("""
        [Block]
        public partial class Simple
        {
            [Arg(8)] readonly int planes;
            [Conv2d("planes", Kernel = 1)] readonly Conv2d conv;
        }

        [Network(Input = "3x8x8")]
        public partial class Typo
        {
            [Use(typeof(Simple), "plane: 4")] readonly Simple block;
        }
        """));

    [Fact]
    public void PIX0006_FieldTypeMismatch() => Expect("PIX0006", Src("""
        [Network(Input = "3x8x8")]
        public partial class WrongType
        {
            [Conv2d(8, Kernel = 3)] readonly Linear conv;
        }
        """));

    [Fact]
    public void PIX0006_SeveralLayersOnNonSequentialField() => Expect("PIX0006", Src("""
        [Network(Input = "3x8x8")]
        public partial class NotSequential
        {
            [Conv2d(8, Kernel = 3)] [ReLU] readonly Conv2d conv;
        }
        """));

    [Fact]
    public void PIX0007_UseOfClassThatIsNotABlock() => Expect("PIX0007", Src("""
        public class Plain { }

        [Network(Input = "3x8x8")]
        public partial class UsesPlain
        {
            [Use(typeof(Plain))] readonly Sequential plain;
        }
        """));

    [Fact]
    public void PIX0008_CycleInBlockUse() => Expect("PIX0008", Src("""
        [Block]
        public partial class Ping
        {
            [Use(typeof(Pong))] readonly Pong pong;
        }

        [Block]
        public partial class Pong
        {
            [ReLU] readonly ReLU relu;
            [Use(typeof(Ping))] readonly Ping ping;
        }
        """));

    [Fact]
    public void PIX0008_BlockUsesItself() => Expect("PIX0008", Src("""
        [Block]
        public partial class Recursive
        {
            [ReLU] [Use(typeof(Recursive))] readonly Sequential again;
        }
        """));

    [Fact]
    public void PIX0009_NonReadonlyField() => Expect("PIX0009", Src("""
        [Network(Input = "3x8x8")]
        public partial class Mutable
        {
            [ReLU] ReLU relu = null!;
        }
        """));

    [Fact]
    public void PIX0009_ConditionalFieldNotNullable() => Expect("PIX0009", Src("""
        [Network(Input = "3x8x8")]
        public partial class Conditional
        {
            [Arg(true)] readonly bool norm;
            [BatchNorm2d(When = "norm")] readonly BatchNorm2d bn;
        }
        """));

    [Fact]
    public void PIX0009_ConditionalShortcutNotNullable() => Expect("PIX0009", Src("""
        [Block, Residual]
        public partial class Shortcut
        {
            [Arg(1)] readonly int stride;
            [Conv2d("in", Kernel = 3, Padding = 1, Stride = "stride")] readonly Conv2d conv;
            [Shortcut(When = "stride != 1")] [Conv2d("in", Kernel = 1, Stride = "stride")] readonly Conv2d projection;
        }
        """));

    [Fact]
    public void PIX0009_StaticField() => Expect("PIX0009", Src("""
        [Network(Input = "3x8x8")]
        public partial class Static
        {
            [ReLU] static readonly ReLU relu = null!;
        }
        """));

    [Fact]
    public void PIX0010_ShortcutWithoutResidual() => Expect("PIX0010", Src("""
        [Block]
        public partial class NoResidual
        {
            [Conv2d(8, Kernel = 1)] readonly Conv2d conv;
            [Shortcut] [Conv2d(8, Kernel = 1)] readonly Conv2d projection;
            [ReLU(AfterAdd = true)] readonly ReLU relu;
        }
        """));

    [Fact]
    public void PIX0010_AfterAddOnSomeItemsOnly() => Expect("PIX0010", Src("""
        [Block, Residual]
        public partial class Mixed
        {
            [Conv2d("in", Kernel = 1)] readonly Conv2d conv;
            [BatchNorm2d] [ReLU(AfterAdd = true)] readonly Sequential post;
        }
        """));

    [Fact]
    public void PIX0011_ArgOfUnsupportedType() => Expect("PIX0011", Src("""
        [Block]
        public partial class FloatArg
        {
            [Arg(0.5f)] readonly float ratio;   // reals are double
            [ReLU] readonly ReLU relu;
        }
        """));

    [Fact]
    public void PIX0011_NetworkArgWithoutDefault() => Expect("PIX0011", Src("""
        [Network(Input = "3x8x8")]
        public partial class Required
        {
            [Arg] readonly int classes;
            [Flatten] readonly Flatten flatten;
            [Linear("classes")] readonly Linear fc;
        }
        """));

    [Fact]
    public void PIX0011_ReservedArgName() => Expect("PIX0011", Src("""
        [Block]
        public partial class Reserved
        {
            [Arg] readonly int c;
            [Conv2d("c", Kernel = 1)] readonly Conv2d conv;
        }
        """));

    [Fact]
    public void PIX0012_NestedClass() => Expect("PIX0012", Src("""
        public static class Outer
        {
            [Network(Input = "3x8x8")]
            public partial class Nested { [ReLU] readonly ReLU relu; }
        }
        """));

    [Fact]
    public void PIX0012_GenericClass() => Expect("PIX0012", Src("""
        [Block]
        public partial class Generic<T>
        {
            [ReLU] readonly ReLU relu;
        }
        """));

    [Fact]
    public void PIX0012_OwnBaseClass() => Expect("PIX0012", Src("""
        public class Base { }

        [Network(Input = "3x8x8")]
        public partial class Derived : Base
        {
            [ReLU] readonly ReLU relu;
        }
        """));

    [Fact]
    public void PIX0012_NetworkAndBlock() => Expect("PIX0012", Src("""
        [Network(Input = "3x8x8"), Block]
        public partial class Both
        {
            [ReLU] readonly ReLU relu;
        }
        """));

    [Fact]
    public void PIX0013_HandWrittenForward() => Expect("PIX0013", Src("""
        [Network(Input = "3x8x8")]
        public partial class Custom
        {
            [ReLU] readonly ReLU relu;

            public override TorchSharp.torch.Tensor forward(TorchSharp.torch.Tensor x) => relu.forward(x);
        }
        """));

    /// <summary>Diagnostics carry real source locations, so #pragma warning disable works for them.</summary>
    [Fact]
    public void PIX0013_SuppressedByPragma()
    {
        var forward = "public override TorchSharp.torch.Tensor forward(TorchSharp.torch.Tensor x) => relu.forward(x);";
        var run = GeneratorHarness.Run(Src($$"""
            #pragma warning disable PIX0013
            [Network(Input = "3x8x8")]
            public partial class Quiet { [ReLU] readonly ReLU relu; {{forward}} }
            #pragma warning restore PIX0013

            [Network(Input = "3x8x8")]
            public partial class Loud { [ReLU] readonly ReLU relu; {{forward}} }
            """)).AssertCompilesCleanly();
        var quiet = run.GeneratorDiagnostics.Where(d => d.Id == "PIX0013" && d.GetMessage().Contains("'Quiet'")).ToList();
        var loud = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0013" && d.GetMessage().Contains("'Loud'"));
        Assert.Equal("PIX0013", loud.Id);
        Assert.False(loud.IsSuppressed);
        // The driver either drops a suppressed diagnostic or marks it suppressed; either way it is not shown.
        Assert.All(quiet, d => Assert.True(d.IsSuppressed, $"{d} should be suppressed by #pragma"));
    }

    // ---------------------------------------------------------------- shapes

    [Fact]
    public void PIX0100_ResidualAddOfDifferentShapes() => Expect("PIX0100", Src("""
        [Block, Residual]
        public partial class Widening
        {
            [Arg] readonly int planes;
            [Conv2d("planes", Kernel = 3, Padding = 1)] readonly Conv2d conv;
        }

        [Network(Input = "16x8x8")]
        public partial class WideNet
        {
            [Use(typeof(Widening), "planes: 16")] [Use(typeof(Widening), "planes: 32")] readonly Sequential layers;
        }
        """));

    [Fact]
    public void PIX0100_ProjectionShortcutWithWrongStride() => Expect("PIX0100", Src("""
        [Block, Residual]
        public partial class Down
        {
            [Conv2d(16, Kernel = 3, Padding = 1, Stride = 2)] readonly Conv2d conv;
            [Shortcut] [Conv2d(16, Kernel = 1)] readonly Conv2d projection;
        }

        [Network(Input = "8x8x8")]
        public partial class DownNet
        {
            [Use(typeof(Down))] readonly Down down;
        }
        """));

    [Fact]
    public void PIX0101_LinearInDoesNotMatchFlattenedSize() => Expect("PIX0101", Src("""
        [Network(Input = "3x8x8")]
        public partial class Classifier
        {
            [Conv2d(4, Kernel = 3, Padding = 1)] readonly Conv2d conv;
            [Flatten] readonly Flatten flatten;
            [Linear(10, In = 128)] readonly Linear fc;
        }
        """));

    [Fact]
    public void PIX0102_GroupsDoNotDivideChannels() => Expect("PIX0102", Src("""
        [Network(Input = "3x8x8")]
        public partial class Grouped
        {
            [Conv2d(16, Kernel = 3, Groups = 2)] readonly Conv2d conv;
        }
        """));

    [Fact]
    public void PIX0103_SpatialSizeReachesZero() => Expect("PIX0103", Src("""
        [Network(Input = "3x8x8")]
        public partial class Shrinking
        {
            [Conv2d(8, Kernel = 3, Stride = 2)] readonly Conv2d conv1;
            [Conv2d(8, Kernel = 3, Stride = 2)] readonly Conv2d conv2;
            [Conv2d(8, Kernel = 3)] readonly Conv2d conv3;
        }
        """));

    [Fact]
    public void PIX0103_PoolingInsideABlockInstance() => Expect("PIX0103", Src("""
        [Block]
        public partial class Pool
        {
            [MaxPool2d(2)] readonly MaxPool2d pool;
        }

        [Network(Input = "3x4x4")]
        public partial class Pools
        {
            [Use(typeof(Pool), Count = 3)] readonly Sequential pools;
        }
        """));

    [Fact]
    public void PIX0104_ConvInDoesNotMatchChannels() => Expect("PIX0104", Src("""
        [Network(Input = "3x8x8")]
        public partial class Channels
        {
            [Conv2d(8, Kernel = 3, In = 4)] readonly Conv2d conv;
        }
        """));

    [Fact]
    public void PIX0105_LinearWithoutFlatten() => Expect("PIX0105", Src("""
        [Network(Input = "3x8x8")]
        public partial class NoFlatten
        {
            [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d pool;
            [Linear(10)] readonly Linear fc;
        }
        """));

    [Fact]
    public void PIX0105_ConvAfterFlatten() => Expect("PIX0105", Src("""
        [Network(Input = "3x8x8")]
        public partial class ConvOnVector
        {
            [Flatten] [Conv2d(8, Kernel = 1)] readonly Sequential body;
        }
        """));

    [Fact]
    public void PIX0106_DropoutProbabilityOutOfRange() => Expect("PIX0106", Src("""
        [Network(Input = "3x8x8")]
        public partial class Drop
        {
            [Dropout(1.5)] readonly Dropout dropout;
        }
        """));

    [Fact]
    public void PIX0106_StochasticDepthProbabilityOutOfRange() => Expect("PIX0106", Src("""
        [Network(Input = "3x8x8")]
        public partial class Depth
        {
            [StochasticDepth(-0.25, Mode = "batch")] readonly PiXGen.Layers.StochasticDepth drop;
        }
        """));

    [Fact]
    public void PIX0106_StochasticDepthRampPastItsSteps() => Expect("PIX0106", Src("""
        [Network(Input = "3x8x8")]
        public partial class Ramp
        {
            [StochasticDepth(0.2, Step = 5, Steps = 4)] readonly PiXGen.Layers.StochasticDepth drop;
        }
        """));

    [Fact]
    public void PIX0004_StochasticDepthStepWithoutSteps() => Expect("PIX0004", Src("""
        [Network(Input = "3x8x8")]
        public partial class Ramp
        {
            [StochasticDepth(0.2, Step = 1)] readonly PiXGen.Layers.StochasticDepth drop;
        }
        """));

    [Fact]
    public void PIX0106_ZeroStride() => Expect("PIX0106", Src("""
        [Network(Input = "3x8x8")]
        public partial class Stride
        {
            [Arg(0)] readonly int stride;
            [Conv2d(8, Kernel = 3, Stride = "stride")] readonly Conv2d conv;
        }
        """));

    [Fact]
    public void PIX0106_NegativeCount() => Expect("PIX0106", Src("""
        [Network(Input = "3x8x8")]
        public partial class Count
        {
            [Use(typeof(Act), Count = "1 - 2")] readonly Sequential acts;
        }
        """ + ReLUBlock));

    [Fact]
    public void PIX0107_FlattenInBlockWithoutAdaptivePool() => Expect("PIX0107", Src("""
        [Block]
        public partial class Head
        {
            [Conv2d(8, Kernel = 3)] readonly Conv2d conv;
            [Flatten] readonly Flatten flatten;
            [Linear(10)] readonly Linear fc;
        }
        """));

    // ---------------------------------------------------------------- PIX9999

    /// <summary>
    /// PIX9999 is the generator's last resort for internal failures; no declaration should legitimately
    /// reach it. Odd but well-typed declarations give proper diagnostics instead (known crashes are
    /// pinned in <see cref="GeneratorBugTests"/>).
    /// </summary>
    [Theory]
    [InlineData("""[Network(Input = "")] public partial class A { }""")]
    [InlineData("""[Network(Input = "x")] public partial class A { [Conv2d(null!)] readonly Conv2d c; }""")]
    [InlineData("""[Network(Input = "3x8x8")] public partial class A { [Conv2d(typeof(int), Kernel = "")] readonly Conv2d c; }""")]
    [InlineData("""[Network(Input = "3x8x8")] public partial class A { [Conv2d("((((", Kernel = ")")] readonly Conv2d c; }""")]
    [InlineData("""[Network(Input = "3x8x8")] public partial class A { [Conv2d(99999999999999999999.0, Kernel = 1L)] readonly Conv2d c; }""")]
    [InlineData("""[Network(Input = "3x8x8")] public partial class A { [Conv2d("99999999999999999999", Kernel = 'k')] readonly Conv2d c; }""")]
    [InlineData("""[Network(Input = "3x8x8")] public partial class A { [Use(null!)] readonly Sequential s; }""")]
    [InlineData("""[Network(Input = "3x8x8")] public partial class A { [Use(typeof(A), "a: , b")] readonly Sequential s; }""")]
    [InlineData("""[Network(Input = "3x8x8")] public partial class A { [Let("")] readonly int l; [Arg("l")] readonly int a; }""")]
    [InlineData("""[Network(Input = "3x8x8")] public partial class A { [Shortcut] readonly Conv2d c; [ReLU(AfterAdd = true, When = "in")] readonly ReLU? r; }""")]
    [InlineData("""[Network(Input = "3x8x8"), Residual(When = "1")] public partial class A { [ReLU] readonly ReLU r; }""")]
    [InlineData("""[Network(Input = "3x8x8")] public partial class A { [Conv2d(8, Kernel = 3), Conv2d(8, Kernel = 3)] readonly Sequential? s; [Linear(0)] readonly Linear l; }""")]
    [InlineData("""[Block] public partial class B { [Arg] readonly int a; [Arg] readonly int a2; [Let("a / (a2 - a2)")] readonly int l; [ReLU] readonly ReLU r; }""")]
    [InlineData("""[Network(Input = "3x8x8")] public partial class A { [Use(typeof(B), "a: 1, a2: 1")] readonly B b; } [Block] public partial class B { [Arg] readonly int a; [Arg] readonly int a2; [Let("a / (a2 - a2)")] readonly int l; [ReLU] readonly ReLU r; }""")]
    public void JunkNeverProducesInternalError(string body)
    {
        var run = GeneratorHarness.Run(Src(body));
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id == "PIX9999");
        if (!run.GeneratorErrors.Any()) run.AssertCompilesWithoutErrors();
    }
}
