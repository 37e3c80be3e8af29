using PiXGen;
using TorchSharp.Modules;

namespace PiXGen.Zoo;

// Build-time variants (docs/variants.md). The same declarations as Vgg16 and ResNet50; [Variants] lets the
// compiler generate a PiX variant instead. Pinned variants are built whatever PiXGenVariant says;
// ResNet50Variant follows the MSBuild properties (dense unless e.g. -p:PiXGenVariant=prune -p:PiXGenTarget=2.0G).

/// <summary>VGG-16 downscaled with ζ = 2: a PiX in front of every 3×3 convolution but the first, which then sees half the channels.</summary>
[Network(Input = "3x224x224", Name = "vgg16_downscale2"), Variants(Pin = "downscale", Zeta = 2)]
public partial class Vgg16Downscaled
{
    [Arg(1000)] readonly int numClasses;

    [Conv2d(64, Kernel = 3, Padding = 1)] [ReLU]
    [Conv2d(64, Kernel = 3, Padding = 1)] [ReLU]
    [MaxPool2d(2, Stride = 2)]
    [Conv2d(128, Kernel = 3, Padding = 1)] [ReLU]
    [Conv2d(128, Kernel = 3, Padding = 1)] [ReLU]
    [MaxPool2d(2, Stride = 2)]
    [Conv2d(256, Kernel = 3, Padding = 1)] [ReLU]
    [Conv2d(256, Kernel = 3, Padding = 1)] [ReLU]
    [Conv2d(256, Kernel = 3, Padding = 1)] [ReLU]
    [MaxPool2d(2, Stride = 2)]
    [Conv2d(512, Kernel = 3, Padding = 1)] [ReLU]
    [Conv2d(512, Kernel = 3, Padding = 1)] [ReLU]
    [Conv2d(512, Kernel = 3, Padding = 1)] [ReLU]
    [MaxPool2d(2, Stride = 2)]
    [Conv2d(512, Kernel = 3, Padding = 1)] [ReLU]
    [Conv2d(512, Kernel = 3, Padding = 1)] [ReLU]
    [Conv2d(512, Kernel = 3, Padding = 1)] [ReLU]
    [MaxPool2d(2, Stride = 2)]
    readonly Sequential features;

    [AdaptiveAvgPool2d(7)] readonly AdaptiveAvgPool2d avgpool;
    [Flatten] readonly Flatten flatten;

    [Linear(4096)] [ReLU] [Dropout(0.5)]
    [Linear(4096)] [ReLU] [Dropout(0.5)]
    [Linear("numClasses")]
    readonly Sequential classifier;
}

/// <summary>ResNet-50 pruned to at most 2.0 GMACs: the compiler picks ζ ∈ {2, 4, 8} per 3×3 convolution, largest savings first.</summary>
[Network(Input = "3x224x224", Name = "resnet50_prune2g"), Variants(Pin = "prune", Target = "2.0G")]
public partial class ResNet50Pruned
{
    [Arg(1000)] readonly int numClasses;

    [Conv2d(64, Kernel = 7, Stride = 2, Padding = 3, Bias = false)] readonly Conv2d conv1;
    [BatchNorm2d] readonly BatchNorm2d bn1;
    [ReLU] readonly ReLU relu;
    [MaxPool2d(3, Stride = 2, Padding = 1)] readonly MaxPool2d maxpool;
    [Use(typeof(Bottleneck), "planes: 64", Count = 3)] readonly Sequential layer1;
    [Use(typeof(Bottleneck), "planes: 128, stride: i == 0 ? 2 : 1", Count = 4)] readonly Sequential layer2;
    [Use(typeof(Bottleneck), "planes: 256, stride: i == 0 ? 2 : 1", Count = 6)] readonly Sequential layer3;
    [Use(typeof(Bottleneck), "planes: 512, stride: i == 0 ? 2 : 1", Count = 3)] readonly Sequential layer4;
    [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d avgpool;
    [Flatten] readonly Flatten flatten;
    [Linear("numClasses")] readonly Linear fc;
}

/// <summary>ResNet-50 in whatever variant the build asks for (PiXGenVariant, PiXGenZeta, PiXGenTarget); dense by default.</summary>
[Network(Input = "3x224x224", Name = "resnet50_variant"), Variants]
public partial class ResNet50Variant
{
    [Arg(1000)] readonly int numClasses;

    [Conv2d(64, Kernel = 7, Stride = 2, Padding = 3, Bias = false)] readonly Conv2d conv1;
    [BatchNorm2d] readonly BatchNorm2d bn1;
    [ReLU] readonly ReLU relu;
    [MaxPool2d(3, Stride = 2, Padding = 1)] readonly MaxPool2d maxpool;
    [Use(typeof(Bottleneck), "planes: 64", Count = 3)] readonly Sequential layer1;
    [Use(typeof(Bottleneck), "planes: 128, stride: i == 0 ? 2 : 1", Count = 4)] readonly Sequential layer2;
    [Use(typeof(Bottleneck), "planes: 256, stride: i == 0 ? 2 : 1", Count = 6)] readonly Sequential layer3;
    [Use(typeof(Bottleneck), "planes: 512, stride: i == 0 ? 2 : 1", Count = 3)] readonly Sequential layer4;
    [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d avgpool;
    [Flatten] readonly Flatten flatten;
    [Linear("numClasses")] readonly Linear fc;
}
