using PiXGen;
using TorchSharp.Modules;

namespace PiXGen.Zoo;

/// <summary>
/// torchvision <c>alexnet</c>: five convolutions (11×11 stride 4, 5×5, three 3×3; ReLU after each, 3×3 stride-2 max
/// pools after the 1st, 2nd and 5th) as numbered <c>features</c>, a 6×6 adaptive average pool, flatten, and the
/// classifier dropout → 9216→4096 → ReLU → dropout → 4096→4096 → ReLU → classes.
/// </summary>
[Network(Input = "3x224x224", Name = "alexnet")]
public partial class AlexNet
{
    [Arg(1000)] readonly int numClasses;

    [Conv2d(64, Kernel = 11, Stride = 4, Padding = 2)] [ReLU] [MaxPool2d(3, Stride = 2)]
    [Conv2d(192, Kernel = 5, Padding = 2)] [ReLU] [MaxPool2d(3, Stride = 2)]
    [Conv2d(384, Kernel = 3, Padding = 1)] [ReLU]
    [Conv2d(256, Kernel = 3, Padding = 1)] [ReLU]
    [Conv2d(256, Kernel = 3, Padding = 1)] [ReLU] [MaxPool2d(3, Stride = 2)]
    readonly Sequential features;

    [AdaptiveAvgPool2d(6)] readonly AdaptiveAvgPool2d avgpool;
    [Flatten] readonly Flatten flatten;

    [Dropout(0.5)] [Linear(4096)] [ReLU]
    [Dropout(0.5)] [Linear(4096)] [ReLU]
    [Linear("numClasses")]
    readonly Sequential classifier;
}
