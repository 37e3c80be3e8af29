using PiXGen;
using TorchSharp.Modules;

namespace PiXGen.Zoo;

/// <summary>
/// torchvision's ResNet family (<c>ResNet</c> with its <c>resnet*</c>, <c>resnext*</c> and <c>wide_resnet*</c> builders),
/// declared once: the depth picks the block (basic up to 34 layers, bottleneck from 50) and the number of blocks per
/// stage; <c>groups</c> and <c>widthPerGroup</c> make ResNeXt and Wide ResNet. Each member below is one line.
/// </summary>
[Block, Init("torchvision-resnet")]
public partial class ResNetFamily
{
    [Arg(1000)] readonly int numClasses;     // first, as in every zoo network: new ResNet50(10) keeps meaning 10 classes
    [Arg] readonly int depth;                // 18, 34, 50, 101 or 152
    [Arg(1)] readonly int groups;
    [Arg(64)] readonly int widthPerGroup;
    [Let("depth >= 50")] readonly bool bottleneck;
    // Blocks per stage (torchvision's layers lists): 18 [2,2,2,2], 34 and 50 [3,4,6,3], 101 [3,4,23,3], 152 [3,8,36,3].
    [Let("depth == 18 ? 2 : 3")] readonly int blocks1;
    [Let("depth == 18 ? 2 : depth == 152 ? 8 : 4")] readonly int blocks2;
    [Let("depth == 18 ? 2 : depth == 101 ? 23 : depth == 152 ? 36 : 6")] readonly int blocks3;
    [Let("depth == 18 ? 2 : 3")] readonly int blocks4;

    [Conv2d(64, Kernel = 7, Stride = 2, Padding = 3, Bias = false)] readonly Conv2d conv1;
    [BatchNorm2d] readonly BatchNorm2d bn1;
    [ReLU] readonly ReLU relu;
    [MaxPool2d(3, Stride = 2, Padding = 1)] readonly MaxPool2d maxpool;
    [Use(typeof(BasicBlock), "planes: 64", Count = "blocks1", When = "!bottleneck")]
    [Use(typeof(Bottleneck), "planes: 64, groups: groups, baseWidth: widthPerGroup", Count = "blocks1", When = "bottleneck")]
    readonly Sequential layer1;
    [Use(typeof(BasicBlock), "planes: 128, stride: i == 0 ? 2 : 1", Count = "blocks2", When = "!bottleneck")]
    [Use(typeof(Bottleneck), "planes: 128, stride: i == 0 ? 2 : 1, groups: groups, baseWidth: widthPerGroup", Count = "blocks2", When = "bottleneck")]
    readonly Sequential layer2;
    [Use(typeof(BasicBlock), "planes: 256, stride: i == 0 ? 2 : 1", Count = "blocks3", When = "!bottleneck")]
    [Use(typeof(Bottleneck), "planes: 256, stride: i == 0 ? 2 : 1, groups: groups, baseWidth: widthPerGroup", Count = "blocks3", When = "bottleneck")]
    readonly Sequential layer3;
    [Use(typeof(BasicBlock), "planes: 512, stride: i == 0 ? 2 : 1", Count = "blocks4", When = "!bottleneck")]
    [Use(typeof(Bottleneck), "planes: 512, stride: i == 0 ? 2 : 1, groups: groups, baseWidth: widthPerGroup", Count = "blocks4", When = "bottleneck")]
    readonly Sequential layer4;
    [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d avgpool;
    [Flatten] readonly Flatten flatten;
    [Linear("numClasses")] readonly Linear fc;
}

/// <summary>torchvision <c>resnet18</c>.</summary>
[Network(Like = typeof(ResNetFamily), With = "depth: 18", Input = "3x224x224", Name = "resnet18")] public partial class ResNet18 { }

/// <summary>torchvision <c>resnet34</c>.</summary>
[Network(Like = typeof(ResNetFamily), With = "depth: 34", Input = "3x224x224", Name = "resnet34")] public partial class ResNet34 { }

/// <summary>torchvision <c>resnet50</c>.</summary>
[Network(Like = typeof(ResNetFamily), With = "depth: 50", Input = "3x224x224", Name = "resnet50")] public partial class ResNet50 { }

/// <summary>torchvision <c>resnet101</c>.</summary>
[Network(Like = typeof(ResNetFamily), With = "depth: 101", Input = "3x224x224", Name = "resnet101")] public partial class ResNet101 { }

/// <summary>torchvision <c>resnet152</c>.</summary>
[Network(Like = typeof(ResNetFamily), With = "depth: 152", Input = "3x224x224", Name = "resnet152")] public partial class ResNet152 { }

/// <summary>torchvision <c>resnext50_32x4d</c>.</summary>
[Network(Like = typeof(ResNetFamily), With = "depth: 50, groups: 32, widthPerGroup: 4", Input = "3x224x224", Name = "resnext50_32x4d")]
public partial class ResNeXt50_32x4d { }

/// <summary>torchvision <c>resnext101_32x8d</c>.</summary>
[Network(Like = typeof(ResNetFamily), With = "depth: 101, groups: 32, widthPerGroup: 8", Input = "3x224x224", Name = "resnext101_32x8d")]
public partial class ResNeXt101_32x8d { }

/// <summary>torchvision <c>resnext101_64x4d</c>.</summary>
[Network(Like = typeof(ResNetFamily), With = "depth: 101, groups: 64, widthPerGroup: 4", Input = "3x224x224", Name = "resnext101_64x4d")]
public partial class ResNeXt101_64x4d { }

/// <summary>torchvision <c>wide_resnet50_2</c>.</summary>
[Network(Like = typeof(ResNetFamily), With = "depth: 50, widthPerGroup: 128", Input = "3x224x224", Name = "wide_resnet50_2")]
public partial class WideResNet50_2 { }

/// <summary>torchvision <c>wide_resnet101_2</c>.</summary>
[Network(Like = typeof(ResNetFamily), With = "depth: 101, widthPerGroup: 128", Input = "3x224x224", Name = "wide_resnet101_2")]
public partial class WideResNet101_2 { }
