using PiXGen;
using TorchSharp.Modules;

namespace PiXGen.Zoo;

/// <summary>torchvision <c>resnet18</c>, declared with PiXGen attributes.</summary>
[Network(Input = "3x224x224", Name = "resnet18"), Init("torchvision-resnet")]
public partial class ResNet18
{
    [Arg(1000)] readonly int numClasses;

    [Conv2d(64, Kernel = 7, Stride = 2, Padding = 3, Bias = false)] readonly Conv2d conv1;
    [BatchNorm2d] readonly BatchNorm2d bn1;
    [ReLU] readonly ReLU relu;
    [MaxPool2d(3, Stride = 2, Padding = 1)] readonly MaxPool2d maxpool;
    [Use(typeof(BasicBlock), "planes: 64", Count = 2)] readonly Sequential layer1;
    [Use(typeof(BasicBlock), "planes: 128, stride: i == 0 ? 2 : 1", Count = 2)] readonly Sequential layer2;
    [Use(typeof(BasicBlock), "planes: 256, stride: i == 0 ? 2 : 1", Count = 2)] readonly Sequential layer3;
    [Use(typeof(BasicBlock), "planes: 512, stride: i == 0 ? 2 : 1", Count = 2)] readonly Sequential layer4;
    [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d avgpool;
    [Flatten] readonly Flatten flatten;
    [Linear("numClasses")] readonly Linear fc;
}

/// <summary>torchvision <c>resnet34</c>, declared with PiXGen attributes.</summary>
[Network(Input = "3x224x224", Name = "resnet34"), Init("torchvision-resnet")]
public partial class ResNet34
{
    [Arg(1000)] readonly int numClasses;

    [Conv2d(64, Kernel = 7, Stride = 2, Padding = 3, Bias = false)] readonly Conv2d conv1;
    [BatchNorm2d] readonly BatchNorm2d bn1;
    [ReLU] readonly ReLU relu;
    [MaxPool2d(3, Stride = 2, Padding = 1)] readonly MaxPool2d maxpool;
    [Use(typeof(BasicBlock), "planes: 64", Count = 3)] readonly Sequential layer1;
    [Use(typeof(BasicBlock), "planes: 128, stride: i == 0 ? 2 : 1", Count = 4)] readonly Sequential layer2;
    [Use(typeof(BasicBlock), "planes: 256, stride: i == 0 ? 2 : 1", Count = 6)] readonly Sequential layer3;
    [Use(typeof(BasicBlock), "planes: 512, stride: i == 0 ? 2 : 1", Count = 3)] readonly Sequential layer4;
    [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d avgpool;
    [Flatten] readonly Flatten flatten;
    [Linear("numClasses")] readonly Linear fc;
}

/// <summary>torchvision <c>resnet50</c>, declared with PiXGen attributes.</summary>
[Network(Input = "3x224x224", Name = "resnet50"), Init("torchvision-resnet")]
public partial class ResNet50
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

/// <summary>torchvision <c>resnet101</c>, declared with PiXGen attributes.</summary>
[Network(Input = "3x224x224", Name = "resnet101"), Init("torchvision-resnet")]
public partial class ResNet101
{
    [Arg(1000)] readonly int numClasses;

    [Conv2d(64, Kernel = 7, Stride = 2, Padding = 3, Bias = false)] readonly Conv2d conv1;
    [BatchNorm2d] readonly BatchNorm2d bn1;
    [ReLU] readonly ReLU relu;
    [MaxPool2d(3, Stride = 2, Padding = 1)] readonly MaxPool2d maxpool;
    [Use(typeof(Bottleneck), "planes: 64", Count = 3)] readonly Sequential layer1;
    [Use(typeof(Bottleneck), "planes: 128, stride: i == 0 ? 2 : 1", Count = 4)] readonly Sequential layer2;
    [Use(typeof(Bottleneck), "planes: 256, stride: i == 0 ? 2 : 1", Count = 23)] readonly Sequential layer3;
    [Use(typeof(Bottleneck), "planes: 512, stride: i == 0 ? 2 : 1", Count = 3)] readonly Sequential layer4;
    [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d avgpool;
    [Flatten] readonly Flatten flatten;
    [Linear("numClasses")] readonly Linear fc;
}

/// <summary>torchvision <c>resnet152</c>, declared with PiXGen attributes.</summary>
[Network(Input = "3x224x224", Name = "resnet152"), Init("torchvision-resnet")]
public partial class ResNet152
{
    [Arg(1000)] readonly int numClasses;

    [Conv2d(64, Kernel = 7, Stride = 2, Padding = 3, Bias = false)] readonly Conv2d conv1;
    [BatchNorm2d] readonly BatchNorm2d bn1;
    [ReLU] readonly ReLU relu;
    [MaxPool2d(3, Stride = 2, Padding = 1)] readonly MaxPool2d maxpool;
    [Use(typeof(Bottleneck), "planes: 64", Count = 3)] readonly Sequential layer1;
    [Use(typeof(Bottleneck), "planes: 128, stride: i == 0 ? 2 : 1", Count = 8)] readonly Sequential layer2;
    [Use(typeof(Bottleneck), "planes: 256, stride: i == 0 ? 2 : 1", Count = 36)] readonly Sequential layer3;
    [Use(typeof(Bottleneck), "planes: 512, stride: i == 0 ? 2 : 1", Count = 3)] readonly Sequential layer4;
    [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d avgpool;
    [Flatten] readonly Flatten flatten;
    [Linear("numClasses")] readonly Linear fc;
}

/// <summary>torchvision <c>resnext50_32x4d</c>, declared with PiXGen attributes.</summary>
[Network(Input = "3x224x224", Name = "resnext50_32x4d"), Init("torchvision-resnet")]
public partial class ResNeXt50_32x4d
{
    [Arg(1000)] readonly int numClasses;

    [Conv2d(64, Kernel = 7, Stride = 2, Padding = 3, Bias = false)] readonly Conv2d conv1;
    [BatchNorm2d] readonly BatchNorm2d bn1;
    [ReLU] readonly ReLU relu;
    [MaxPool2d(3, Stride = 2, Padding = 1)] readonly MaxPool2d maxpool;
    [Use(typeof(Bottleneck), "planes: 64, groups: 32, baseWidth: 4", Count = 3)] readonly Sequential layer1;
    [Use(typeof(Bottleneck), "planes: 128, stride: i == 0 ? 2 : 1, groups: 32, baseWidth: 4", Count = 4)] readonly Sequential layer2;
    [Use(typeof(Bottleneck), "planes: 256, stride: i == 0 ? 2 : 1, groups: 32, baseWidth: 4", Count = 6)] readonly Sequential layer3;
    [Use(typeof(Bottleneck), "planes: 512, stride: i == 0 ? 2 : 1, groups: 32, baseWidth: 4", Count = 3)] readonly Sequential layer4;
    [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d avgpool;
    [Flatten] readonly Flatten flatten;
    [Linear("numClasses")] readonly Linear fc;
}

/// <summary>torchvision <c>wide_resnet50_2</c>, declared with PiXGen attributes.</summary>
[Network(Input = "3x224x224", Name = "wide_resnet50_2"), Init("torchvision-resnet")]
public partial class WideResNet50_2
{
    [Arg(1000)] readonly int numClasses;

    [Conv2d(64, Kernel = 7, Stride = 2, Padding = 3, Bias = false)] readonly Conv2d conv1;
    [BatchNorm2d] readonly BatchNorm2d bn1;
    [ReLU] readonly ReLU relu;
    [MaxPool2d(3, Stride = 2, Padding = 1)] readonly MaxPool2d maxpool;
    [Use(typeof(Bottleneck), "planes: 64, baseWidth: 128", Count = 3)] readonly Sequential layer1;
    [Use(typeof(Bottleneck), "planes: 128, stride: i == 0 ? 2 : 1, baseWidth: 128", Count = 4)] readonly Sequential layer2;
    [Use(typeof(Bottleneck), "planes: 256, stride: i == 0 ? 2 : 1, baseWidth: 128", Count = 6)] readonly Sequential layer3;
    [Use(typeof(Bottleneck), "planes: 512, stride: i == 0 ? 2 : 1, baseWidth: 128", Count = 3)] readonly Sequential layer4;
    [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d avgpool;
    [Flatten] readonly Flatten flatten;
    [Linear("numClasses")] readonly Linear fc;
}
