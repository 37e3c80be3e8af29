using PiXGen;
using TorchSharp.Modules;

namespace PiXGen.Zoo;

/// <summary>
/// One entry of a VGG configuration (torchvision's <c>make_layers</c>): <c>v</c> channels make a 3×3 convolution
/// (with a BatchNorm when <c>batchNorm</c>) and a ReLU; 0 (torchvision's "M") makes a 2×2 max pool. Inlined, so its
/// layers are numbered in the features like torchvision's.
/// </summary>
[Block]
public partial class VggLayer
{
    [Arg] readonly int v;
    [Arg(false)] readonly bool batchNorm;

    [Conv2d("v", Kernel = 3, Padding = 1, When = "v > 0")] readonly Conv2d? conv;
    [BatchNorm2d(When = "v > 0 && batchNorm")] readonly BatchNorm2d? norm;
    [ReLU(When = "v > 0")] readonly ReLU? relu;
    [MaxPool2d(2, Stride = 2, When = "v == 0")] readonly MaxPool2d? pool;
}

/// <summary>
/// torchvision's VGG family (<c>VGG</c> with its <c>vgg*</c> and <c>vgg*_bn</c> builders), declared once: the depth picks
/// the configuration list (torchvision's cfgs "A", "B", "D", "E"), whose entries become the features, with or without
/// BatchNorm; then the 7×7 adaptive pool and the classifier. Each member below is one line.
/// </summary>
[Block, Init("torchvision-vgg")]
public partial class VggFamily
{
    [Arg(1000)] readonly int numClasses;     // first, as in every zoo network: new Vgg16(10) means 10 classes
    [Arg] readonly int depth;                // 11, 13, 16 or 19
    [Arg(false)] readonly bool batchNorm;
    [Let("0")] readonly int M;               // a max pool in the configuration lists
    [Let("depth == 11 ? [64, M, 128, M, 256, 256, M, 512, 512, M, 512, 512, M]"
        + " : depth == 13 ? [64, 64, M, 128, 128, M, 256, 256, M, 512, 512, M, 512, 512, M]"
        + " : depth == 16 ? [64, 64, M, 128, 128, M, 256, 256, 256, M, 512, 512, 512, M, 512, 512, 512, M]"
        + " : [64, 64, M, 128, 128, M, 256, 256, 256, 256, M, 512, 512, 512, 512, M, 512, 512, 512, 512, M]")]
    readonly int[] cfg;

    [Use(typeof(VggLayer), "v: cfg[i], batchNorm: batchNorm", Count = "len(cfg)", Inline = true)] readonly Sequential features;
    [AdaptiveAvgPool2d(7)] readonly AdaptiveAvgPool2d avgpool;
    [Flatten] readonly Flatten flatten;

    [Linear(4096)] [ReLU] [Dropout(0.5)]
    [Linear(4096)] [ReLU] [Dropout(0.5)]
    [Linear("numClasses")]
    readonly Sequential classifier;
}

/// <summary>torchvision <c>vgg11</c>.</summary>
[Network(Like = typeof(VggFamily), With = "depth: 11", Input = "3x224x224", Name = "vgg11")] public partial class Vgg11 { }

/// <summary>torchvision <c>vgg11_bn</c>.</summary>
[Network(Like = typeof(VggFamily), With = "depth: 11, batchNorm: true", Input = "3x224x224", Name = "vgg11_bn")] public partial class Vgg11Bn { }

/// <summary>torchvision <c>vgg13</c>.</summary>
[Network(Like = typeof(VggFamily), With = "depth: 13", Input = "3x224x224", Name = "vgg13")] public partial class Vgg13 { }

/// <summary>torchvision <c>vgg13_bn</c>.</summary>
[Network(Like = typeof(VggFamily), With = "depth: 13, batchNorm: true", Input = "3x224x224", Name = "vgg13_bn")] public partial class Vgg13Bn { }

/// <summary>torchvision <c>vgg16</c>.</summary>
[Network(Like = typeof(VggFamily), With = "depth: 16", Input = "3x224x224", Name = "vgg16")] public partial class Vgg16 { }

/// <summary>torchvision <c>vgg16_bn</c>.</summary>
[Network(Like = typeof(VggFamily), With = "depth: 16, batchNorm: true", Input = "3x224x224", Name = "vgg16_bn")] public partial class Vgg16Bn { }

/// <summary>torchvision <c>vgg19</c>.</summary>
[Network(Like = typeof(VggFamily), With = "depth: 19", Input = "3x224x224", Name = "vgg19")] public partial class Vgg19 { }

/// <summary>torchvision <c>vgg19_bn</c>.</summary>
[Network(Like = typeof(VggFamily), With = "depth: 19, batchNorm: true", Input = "3x224x224", Name = "vgg19_bn")] public partial class Vgg19Bn { }
