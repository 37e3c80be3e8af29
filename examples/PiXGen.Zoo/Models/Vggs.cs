using PiXGen;
using TorchSharp.Modules;

namespace PiXGen.Zoo;

/// <summary>torchvision <c>vgg11</c>, declared with PiXGen attributes.</summary>
[Network(Input = "3x224x224", Name = "vgg11"), Init("torchvision-vgg")]
public partial class Vgg11
{
    [Arg(1000)] readonly int numClasses;

    [Conv2d(64, Kernel = 3, Padding = 1)] [ReLU]
    [MaxPool2d(2, Stride = 2)]
    [Conv2d(128, Kernel = 3, Padding = 1)] [ReLU]
    [MaxPool2d(2, Stride = 2)]
    [Conv2d(256, Kernel = 3, Padding = 1)] [ReLU]
    [Conv2d(256, Kernel = 3, Padding = 1)] [ReLU]
    [MaxPool2d(2, Stride = 2)]
    [Conv2d(512, Kernel = 3, Padding = 1)] [ReLU]
    [Conv2d(512, Kernel = 3, Padding = 1)] [ReLU]
    [MaxPool2d(2, Stride = 2)]
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

/// <summary>torchvision <c>vgg11_bn</c>, declared with PiXGen attributes.</summary>
[Network(Input = "3x224x224", Name = "vgg11_bn"), Init("torchvision-vgg")]
public partial class Vgg11Bn
{
    [Arg(1000)] readonly int numClasses;

    [Conv2d(64, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [MaxPool2d(2, Stride = 2)]
    [Conv2d(128, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [MaxPool2d(2, Stride = 2)]
    [Conv2d(256, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [Conv2d(256, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [MaxPool2d(2, Stride = 2)]
    [Conv2d(512, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [Conv2d(512, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [MaxPool2d(2, Stride = 2)]
    [Conv2d(512, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [Conv2d(512, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [MaxPool2d(2, Stride = 2)]
    readonly Sequential features;

    [AdaptiveAvgPool2d(7)] readonly AdaptiveAvgPool2d avgpool;
    [Flatten] readonly Flatten flatten;

    [Linear(4096)] [ReLU] [Dropout(0.5)]
    [Linear(4096)] [ReLU] [Dropout(0.5)]
    [Linear("numClasses")]
    readonly Sequential classifier;
}

/// <summary>torchvision <c>vgg13</c>, declared with PiXGen attributes.</summary>
[Network(Input = "3x224x224", Name = "vgg13"), Init("torchvision-vgg")]
public partial class Vgg13
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
    [MaxPool2d(2, Stride = 2)]
    [Conv2d(512, Kernel = 3, Padding = 1)] [ReLU]
    [Conv2d(512, Kernel = 3, Padding = 1)] [ReLU]
    [MaxPool2d(2, Stride = 2)]
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

/// <summary>torchvision <c>vgg13_bn</c>, declared with PiXGen attributes.</summary>
[Network(Input = "3x224x224", Name = "vgg13_bn"), Init("torchvision-vgg")]
public partial class Vgg13Bn
{
    [Arg(1000)] readonly int numClasses;

    [Conv2d(64, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [Conv2d(64, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [MaxPool2d(2, Stride = 2)]
    [Conv2d(128, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [Conv2d(128, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [MaxPool2d(2, Stride = 2)]
    [Conv2d(256, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [Conv2d(256, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [MaxPool2d(2, Stride = 2)]
    [Conv2d(512, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [Conv2d(512, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [MaxPool2d(2, Stride = 2)]
    [Conv2d(512, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [Conv2d(512, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [MaxPool2d(2, Stride = 2)]
    readonly Sequential features;

    [AdaptiveAvgPool2d(7)] readonly AdaptiveAvgPool2d avgpool;
    [Flatten] readonly Flatten flatten;

    [Linear(4096)] [ReLU] [Dropout(0.5)]
    [Linear(4096)] [ReLU] [Dropout(0.5)]
    [Linear("numClasses")]
    readonly Sequential classifier;
}

/// <summary>torchvision <c>vgg16</c>, declared with PiXGen attributes.</summary>
[Network(Input = "3x224x224", Name = "vgg16"), Init("torchvision-vgg")]
public partial class Vgg16
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

/// <summary>torchvision <c>vgg16_bn</c>, declared with PiXGen attributes.</summary>
[Network(Input = "3x224x224", Name = "vgg16_bn"), Init("torchvision-vgg")]
public partial class Vgg16Bn
{
    [Arg(1000)] readonly int numClasses;

    [Conv2d(64, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [Conv2d(64, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [MaxPool2d(2, Stride = 2)]
    [Conv2d(128, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [Conv2d(128, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [MaxPool2d(2, Stride = 2)]
    [Conv2d(256, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [Conv2d(256, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [Conv2d(256, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [MaxPool2d(2, Stride = 2)]
    [Conv2d(512, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [Conv2d(512, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [Conv2d(512, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [MaxPool2d(2, Stride = 2)]
    [Conv2d(512, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [Conv2d(512, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [Conv2d(512, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [MaxPool2d(2, Stride = 2)]
    readonly Sequential features;

    [AdaptiveAvgPool2d(7)] readonly AdaptiveAvgPool2d avgpool;
    [Flatten] readonly Flatten flatten;

    [Linear(4096)] [ReLU] [Dropout(0.5)]
    [Linear(4096)] [ReLU] [Dropout(0.5)]
    [Linear("numClasses")]
    readonly Sequential classifier;
}

/// <summary>torchvision <c>vgg19</c>, declared with PiXGen attributes.</summary>
[Network(Input = "3x224x224", Name = "vgg19"), Init("torchvision-vgg")]
public partial class Vgg19
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
    [Conv2d(256, Kernel = 3, Padding = 1)] [ReLU]
    [MaxPool2d(2, Stride = 2)]
    [Conv2d(512, Kernel = 3, Padding = 1)] [ReLU]
    [Conv2d(512, Kernel = 3, Padding = 1)] [ReLU]
    [Conv2d(512, Kernel = 3, Padding = 1)] [ReLU]
    [Conv2d(512, Kernel = 3, Padding = 1)] [ReLU]
    [MaxPool2d(2, Stride = 2)]
    [Conv2d(512, Kernel = 3, Padding = 1)] [ReLU]
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

/// <summary>torchvision <c>vgg19_bn</c>, declared with PiXGen attributes.</summary>
[Network(Input = "3x224x224", Name = "vgg19_bn"), Init("torchvision-vgg")]
public partial class Vgg19Bn
{
    [Arg(1000)] readonly int numClasses;

    [Conv2d(64, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [Conv2d(64, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [MaxPool2d(2, Stride = 2)]
    [Conv2d(128, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [Conv2d(128, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [MaxPool2d(2, Stride = 2)]
    [Conv2d(256, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [Conv2d(256, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [Conv2d(256, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [Conv2d(256, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [MaxPool2d(2, Stride = 2)]
    [Conv2d(512, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [Conv2d(512, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [Conv2d(512, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [Conv2d(512, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [MaxPool2d(2, Stride = 2)]
    [Conv2d(512, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [Conv2d(512, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [Conv2d(512, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [Conv2d(512, Kernel = 3, Padding = 1)] [BatchNorm2d] [ReLU]
    [MaxPool2d(2, Stride = 2)]
    readonly Sequential features;

    [AdaptiveAvgPool2d(7)] readonly AdaptiveAvgPool2d avgpool;
    [Flatten] readonly Flatten flatten;

    [Linear(4096)] [ReLU] [Dropout(0.5)]
    [Linear(4096)] [ReLU] [Dropout(0.5)]
    [Linear("numClasses")]
    readonly Sequential classifier;
}
