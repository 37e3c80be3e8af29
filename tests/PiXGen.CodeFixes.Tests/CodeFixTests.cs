using System.Threading.Tasks;
using static PiXGen.CodeFixes.Tests.FixTest;

namespace PiXGen.CodeFixes.Tests;

/// <summary>
/// Each code fix: the source before with the diagnostic marked ({|#0:…|}), the source after, and the fixed source
/// compiled with the generator's output, which must have no error and not that diagnostic (the testing library
/// checks the fixed state's diagnostics are exactly the expected ones: none).
/// </summary>
public class CodeFixTests
{
    private const string Usings = "using PiXGen;\nusing TorchSharp.Modules;\n\n";

    [Fact]
    public Task PIX0001_NotPartial_AddsPartial() => Run(
        Usings + """
        [Network(Input = "3x8x8")]
        public class {|#0:Net|}
        {
            [Conv2d(4, Kernel = 3, Padding = 1)] readonly Conv2d conv;
        }
        """,
        Usings + """
        [Network(Input = "3x8x8")]
        public partial class Net
        {
            [Conv2d(4, Kernel = 3, Padding = 1)] readonly Conv2d conv;
        }
        """,
        new[] { At("PIX0001") });

    [Fact]
    public Task PIX0001_NoModifiers_AddsPartial() => Run(
        Usings + """
        [Network(Input = "3x8x8")]
        class {|#0:Net|}
        {
            [Conv2d(4, Kernel = 3, Padding = 1)] readonly Conv2d conv;
        }
        """,
        Usings + """
        [Network(Input = "3x8x8")]
        partial class Net
        {
            [Conv2d(4, Kernel = 3, Padding = 1)] readonly Conv2d conv;
        }
        """,
        new[] { At("PIX0001") });

    [Fact]
    public Task PIX0003_UnknownNameInExpression_NearestName() => Run(
        Usings + """
        [Block]
        public partial class B
        {
            [Arg] readonly int planes;
            [Let("planes * 4")] readonly int expanded;
            [{|#0:Conv2d("expandd", Kernel = 1, Stride = "expandd / expandd")|}] readonly Conv2d conv;
        }
        """,
        Usings + """
        [Block]
        public partial class B
        {
            [Arg] readonly int planes;
            [Let("planes * 4")] readonly int expanded;
            [Conv2d("expanded", Kernel = 1, Stride = "expanded / expanded")] readonly Conv2d conv;
        }
        """,
        new[] { At("PIX0003") });

    [Fact]
    public Task PIX0005_UnknownUseArgument_NearestName() => Run(
        Usings + """
        [Block]
        public partial class B
        {
            [Arg] readonly int planes;
            [Conv2d("planes", Kernel = 1)] readonly Conv2d conv;
        }

        [Network(Input = "3x8x8")]
        public partial class Net
        {
            [Arg(2)] readonly int plane;
            [{|#0:Use(typeof(B), "plane: plane * 2")|}] readonly B block;
        }
        """,
        Usings + """
        [Block]
        public partial class B
        {
            [Arg] readonly int planes;
            [Conv2d("planes", Kernel = 1)] readonly Conv2d conv;
        }

        [Network(Input = "3x8x8")]
        public partial class Net
        {
            [Arg(2)] readonly int plane;
            [Use(typeof(B), "planes: plane * 2")] readonly B block;
        }
        """,
        new[] { At("PIX0005"), At("PIX0004") });

    [Fact]
    public Task PIX0007_NotABlock_NearestBlock() => Run(
        Usings + """
        [Block]
        public partial class BasicBlock
        {
            [Conv2d("in", Kernel = 3, Padding = 1)] readonly Conv2d conv;
        }

        public class BasicBlok { }

        [Network(Input = "3x8x8")]
        public partial class Net
        {
            [{|#0:Use(typeof(BasicBlok))|}] readonly BasicBlock {|#1:layer|};
        }
        """,
        Usings + """
        [Block]
        public partial class BasicBlock
        {
            [Conv2d("in", Kernel = 3, Padding = 1)] readonly Conv2d conv;
        }

        public class BasicBlok { }

        [Network(Input = "3x8x8")]
        public partial class Net
        {
            [Use(typeof(BasicBlock))] readonly BasicBlock layer;
        }
        """,
        new[] { At("PIX0007"), At("PIX0006", 1) });

    [Fact]
    public Task CS0246_MisspeltBlockInUse_NearestBlock() => Run(
        Usings + """
        [Block]
        public partial class Bottleneck
        {
            [Conv2d("in", Kernel = 1)] readonly Conv2d conv;
        }

        [Network(Input = "3x8x8")]
        public partial class Net
        {
            [{|#0:Use(typeof({|CS0246:Botleneck|}))|}] readonly Bottleneck {|#1:layer|};
        }
        """,
        Usings + """
        [Block]
        public partial class Bottleneck
        {
            [Conv2d("in", Kernel = 1)] readonly Conv2d conv;
        }

        [Network(Input = "3x8x8")]
        public partial class Net
        {
            [Use(typeof(Bottleneck))] readonly Bottleneck layer;
        }
        """,
        new[] { At("PIX0007"), At("PIX0006", 1) });

    [Fact]
    public Task PIX0100_ResidualShapesDiffer_AddsProjection() => Run(
        Usings + """
        [Block, Residual]
        public partial class {|#0:Widening|}
        {
            [Conv2d(32, Kernel = 3, Stride = 2, Padding = 1, Bias = false)] readonly Conv2d conv1;
            [BatchNorm2d] readonly BatchNorm2d bn1;
            [ReLU(AfterAdd = true)] readonly ReLU relu;
        }

        [Network(Input = "16x8x8")]
        public partial class WideNet
        {
            [Use(typeof(Widening))] readonly Widening layer;
        }
        """,
        Usings + """
        [Block, Residual]
        public partial class Widening
        {
            [Conv2d(32, Kernel = 3, Stride = 2, Padding = 1, Bias = false)] readonly Conv2d conv1;
            [BatchNorm2d] readonly BatchNorm2d bn1;
            [Shortcut]
            [Conv2d(32, Kernel = 1, Stride = 2, Bias = false)]
            [BatchNorm2d]
            readonly Sequential downsample;
            [ReLU(AfterAdd = true)] readonly ReLU relu;
        }

        [Network(Input = "16x8x8")]
        public partial class WideNet
        {
            [Use(typeof(Widening))] readonly Widening layer;
        }
        """,
        new[] { At("PIX0100") });

    private const string SpatialLinear = """
        [Network(Input = "3x8x8")]
        public partial class Net
        {
            [Conv2d(16, Kernel = 3, Padding = 1)] readonly Conv2d conv;
            [{|#0:Linear(10)|}] readonly Linear fc;
        }
        """;

    [Fact]
    public Task PIX0105_LinearOnFeatureMap_InsertsPoolAndFlatten() => Run(
        Usings + SpatialLinear,
        Usings + """
        [Network(Input = "3x8x8")]
        public partial class Net
        {
            [Conv2d(16, Kernel = 3, Padding = 1)] readonly Conv2d conv;
            [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d pool;
            [Flatten] readonly Flatten flatten;
            [Linear(10)] readonly Linear fc;
        }
        """,
        new[] { At("PIX0105") }, equivalenceKey: "PiXGen.PoolFlatten");

    [Fact]
    public Task PIX0105_LinearOnFeatureMap_InsertsFlatten() => Run(
        Usings + SpatialLinear,
        Usings + """
        [Network(Input = "3x8x8")]
        public partial class Net
        {
            [Conv2d(16, Kernel = 3, Padding = 1)] readonly Conv2d conv;
            [Flatten] readonly Flatten flatten;
            [Linear(10)] readonly Linear fc;
        }
        """,
        new[] { At("PIX0105") }, equivalenceKey: "PiXGen.Flatten");

    [Fact]
    public Task PIX0105_LinearInSequential_InsertsItems() => Run(
        Usings + """
        [Network(Input = "3x8x8")]
        public partial class Net
        {
            [Conv2d(16, Kernel = 3, Padding = 1)] [ReLU] [{|#0:Linear(10)|}] readonly Sequential features;
        }
        """,
        Usings + """
        [Network(Input = "3x8x8")]
        public partial class Net
        {
            [Conv2d(16, Kernel = 3, Padding = 1)] [ReLU] [AdaptiveAvgPool2d(1)] [Flatten] [Linear(10)] readonly Sequential features;
        }
        """,
        new[] { At("PIX0105") }, equivalenceKey: "PiXGen.PoolFlatten");

    [Fact]
    public Task PIX0006_WrongFieldType_ChangesType() => Run(
        Usings + """
        [Network(Input = "3x8x8")]
        public partial class Net
        {
            [Conv2d(4, Kernel = 3, Padding = 1)] readonly Linear {|#0:conv|};
        }
        """,
        Usings + """
        [Network(Input = "3x8x8")]
        public partial class Net
        {
            [Conv2d(4, Kernel = 3, Padding = 1)] readonly Conv2d conv;
        }
        """,
        new[] { At("PIX0006") });

    [Fact]
    public Task PIX0006_SeveralLayers_DeclaresSequential() => Run(
        Usings + """
        [Network(Input = "3x8x8")]
        public partial class Net
        {
            [Conv2d(4, Kernel = 3, Padding = 1)] [ReLU] readonly Conv2d {|#0:features|};
        }
        """,
        Usings + """
        [Network(Input = "3x8x8")]
        public partial class Net
        {
            [Conv2d(4, Kernel = 3, Padding = 1)] [ReLU] readonly Sequential features;
        }
        """,
        new[] { At("PIX0006") });

    [Fact]
    public Task PIX0106_UnknownWord_NearestWord() => Run(
        Usings + """
        [Network(Input = "3x8x8")]
        public partial class Net
        {
            [{|#0:Upsample(ScaleFactor = 2, Mode = "bilinar")|}] readonly Upsample up;
        }
        """,
        Usings + """
        [Network(Input = "3x8x8")]
        public partial class Net
        {
            [Upsample(ScaleFactor = 2, Mode = "bilinear")] readonly Upsample up;
        }
        """,
        new[] { At("PIX0106") });

    [Fact]
    public Task PIX0106_UnknownActivation_NearestLayerName() => Run(
        Usings + """
        [Network(Input = "8x8x8")]
        public partial class Net
        {
            [{|#0:SqueezeExcitation(Squeeze = 2, Activation = "Silu")|}] readonly PiXGen.Layers.SqueezeExcitation se;
        }
        """,
        Usings + """
        [Network(Input = "8x8x8")]
        public partial class Net
        {
            [SqueezeExcitation(Squeeze = 2, Activation = "SiLU")] readonly PiXGen.Layers.SqueezeExcitation se;
        }
        """,
        new[] { At("PIX0106") });

    [Fact]
    public Task PIX0018_UnknownInitScheme_NearestScheme() => Run(
        Usings + """
        [Network(Input = "3x8x8")]
        public partial class Net
        {
            [{|#0:Init("xavir")|}] [Conv2d(4, Kernel = 3, Padding = 1)] readonly Conv2d conv;
        }
        """,
        Usings + """
        [Network(Input = "3x8x8")]
        public partial class Net
        {
            [Init("xavier")] [Conv2d(4, Kernel = 3, Padding = 1)] readonly Conv2d conv;
        }
        """,
        new[] { At("PIX0018") });

    [Fact]
    public Task PIX0303_PiXSqueezeOnConv2dField_DeclaresPiXLayer() => Run(
        Usings + """
        [Network(Input = "64x8x8")]
        public partial class Net
        {
            [Conv2d(16, Kernel = 1, Bias = false), PiXSqueeze] readonly Conv2d {|#0:squeeze|};
        }
        """,
        Usings + """
        [Network(Input = "64x8x8")]
        public partial class Net
        {
            [Conv2d(16, Kernel = 1, Bias = false), PiXSqueeze] readonly PiXGen.PiX.PiXLayer squeeze;
        }
        """,
        new[] { At("PIX0303") });
}
