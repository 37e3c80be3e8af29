namespace PiXGen.Generators.Tests;

/// <summary>Declarations shared by several tests.</summary>
public static class Sources
{
    /// <summary>The usings every test source starts with (three lines, so diagnostics' line numbers are stable).</summary>
    public const string Prelude = "using PiXGen;\nusing TorchSharp.Modules;\nnamespace Demo;\n";

    /// <summary>A source file: the prelude plus <paramref name="body"/>.</summary>
    public static string Src(string body) => Prelude + body;

    /// <summary>The TinyNet of issue 2.</summary>
    public const string TinyNet = """
        using PiXGen;
        using TorchSharp.Modules;

        namespace Demo;

        [Network(Input = "3x32x32")]
        public partial class TinyNet
        {
            [Conv2d(16, Kernel = 3, Padding = 1)] readonly Conv2d conv1;   // in-channels inferred
            [BatchNorm2d] readonly BatchNorm2d bn1;
            [ReLU] readonly ReLU relu;
            [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d pool;
            [Flatten] readonly Flatten flatten;
            [Linear(10)] readonly Linear fc;                                // in-features inferred
        }
        """;

    /// <summary>A ResNet basic block with a conditional projection shortcut, and a small network with repeated stages.</summary>
    public const string ResidualStages = """
        using PiXGen;
        using TorchSharp.Modules;

        namespace Demo;

        [Block, Residual]
        public partial class Basic
        {
            [Arg] readonly int planes;
            [Arg(1)] readonly int stride;

            [Conv2d("planes", Kernel = 3, Stride = "stride", Padding = 1, Bias = false)] readonly Conv2d conv1;
            [BatchNorm2d] readonly BatchNorm2d bn1;
            [ReLU] readonly ReLU relu1;
            [Conv2d("planes", Kernel = 3, Padding = 1, Bias = false)] readonly Conv2d conv2;
            [BatchNorm2d] readonly BatchNorm2d bn2;

            [Shortcut(When = "stride != 1 || in != planes")]
            [Conv2d("planes", Kernel = 1, Stride = "stride", Bias = false)]
            [BatchNorm2d]
            readonly Sequential? downsample;

            [ReLU(AfterAdd = true)] readonly ReLU relu;
        }

        [Network(Input = "3x32x32", Name = "mini_resnet")]
        public partial class MiniResNet
        {
            [Arg(10)] readonly int numClasses;

            [Conv2d(16, Kernel = 3, Padding = 1, Bias = false)] readonly Conv2d conv1;
            [BatchNorm2d] readonly BatchNorm2d bn1;
            [ReLU] readonly ReLU relu;
            [Use(typeof(Basic), "planes: 16", Count = 2)] readonly Sequential layer1;
            [Use(typeof(Basic), "planes: 32, stride: i == 0 ? 2 : 1", Count = 2)] readonly Sequential layer2;
            [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d avgpool;
            [Flatten] readonly Flatten flatten;
            [Linear("numClasses")] readonly Linear fc;
        }
        """;

    /// <summary>MobileNetV2's inverted residual: [Residual(When)], a [Let], a conditional item in a Sequential, [ComponentName].</summary>
    public const string InvertedResidual = """
        using PiXGen;
        using TorchSharp.Modules;
        using TorchSharp.Utils;

        namespace Demo;

        [Block]
        public partial class ConvBNAct
        {
            [Arg] readonly int oup;
            [Arg(3)] readonly int kernel;
            [Arg(1)] readonly int stride;
            [Arg(1)] readonly int groups;

            [Conv2d("oup", Kernel = "kernel", Stride = "stride", Padding = "(kernel - 1) / 2", Groups = "groups", Bias = false)]
            [ComponentName(Name = "0")] readonly Conv2d conv;
            [BatchNorm2d, ComponentName(Name = "1")] readonly BatchNorm2d bn;
            [ReLU6, ComponentName(Name = "2")] readonly ReLU6 act;
        }

        [Block, Residual(When = "stride == 1 && in == oup")]
        public partial class InvertedResidual
        {
            [Arg] readonly int oup;
            [Arg] readonly int stride;
            [Arg] readonly int expand;
            [Let("in * expand")] readonly int hidden;

            [Use(typeof(ConvBNAct), "oup: hidden, kernel: 1", When = "expand != 1")]
            [Use(typeof(ConvBNAct), "oup: hidden, stride: stride, groups: hidden")]
            [Conv2d("oup", Kernel = 1, Bias = false)]
            [BatchNorm2d]
            readonly Sequential conv;
        }

        [Network(Input = "3x64x64")]
        public partial class MiniMobileNet
        {
            [Arg(100)] readonly int numClasses;

            [Use(typeof(ConvBNAct), "oup: 16, stride: 2")]
            [Use(typeof(InvertedResidual), "oup: 8, stride: 1, expand: 1")]
            [Use(typeof(InvertedResidual), "oup: 12, stride: i == 0 ? 2 : 1, expand: 6", Count = 2)]
            [Use(typeof(ConvBNAct), "oup: 64, kernel: 1")]
            readonly Sequential features;

            [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d pool;
            [Flatten] readonly Flatten flatten;
            [Dropout(0.2)] [Linear("numClasses")] readonly Sequential classifier;
        }
        """;
}
