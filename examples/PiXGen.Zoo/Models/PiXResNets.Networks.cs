using PiXGen;
using TorchSharp.Modules;

namespace PiXGen.Zoo;

/// <summary>
/// PiX-ResNet-50 as the official code declares it (<c>PiXResNet50_cs</c>): ζ = 1, 2, 2, 2 in the first block
/// of each stage and 4 elsewhere; head GAP → dropout → 1×1 conv with bias → flatten.
/// </summary>
[Network(Input = "3x224x224", Name = "pix_resnet50"), Init("xavier")]
public partial class PiXResNet50
{
    [Arg(1000)] readonly int numClasses;

    [Conv2d(64, Kernel = 7, Stride = 2, Padding = 3, Bias = false)] readonly Conv2d conv_stem;
    [BatchNorm2d] readonly BatchNorm2d bn_stem;
    [ReLU] readonly ReLU relu;
    [MaxPool2d(3, Stride = 2, Padding = 1)] readonly MaxPool2d maxpool;
    [Use(typeof(PiXStage), "planes: 64, depth: 3, firstZeta: 1")] readonly PiXStage layer1;
    [Use(typeof(PiXStage), "planes: 128, depth: 4, stride: 2, firstZeta: 2")] readonly PiXStage layer2;
    [Use(typeof(PiXStage), "planes: 256, depth: 6, stride: 2, firstZeta: 2")] readonly PiXStage layer3;
    [Use(typeof(PiXStage), "planes: 512, depth: 3, stride: 2, firstZeta: 2")] readonly PiXStage layer4;
    [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d avgpool;
    [Dropout(0.2)] readonly Dropout dropout; // the probability is not part of the checkpoint; eval ignores it
    [Conv2d("numClasses", Kernel = 1)] readonly Conv2d classifier;
    [Flatten] readonly Flatten flatten;
}

/// <summary>
/// PiX-ResNet-101 as the official code declares it (<c>PiXResNet101_cs</c>): ζ = 1, 2, 2, 2 in the first block
/// of each stage and 4 elsewhere; head GAP → dropout → 1×1 conv with bias → flatten.
/// </summary>
[Network(Input = "3x224x224", Name = "pix_resnet101"), Init("xavier")]
public partial class PiXResNet101
{
    [Arg(1000)] readonly int numClasses;

    [Conv2d(64, Kernel = 7, Stride = 2, Padding = 3, Bias = false)] readonly Conv2d conv_stem;
    [BatchNorm2d] readonly BatchNorm2d bn_stem;
    [ReLU] readonly ReLU relu;
    [MaxPool2d(3, Stride = 2, Padding = 1)] readonly MaxPool2d maxpool;
    [Use(typeof(PiXStage), "planes: 64, depth: 3, firstZeta: 1")] readonly PiXStage layer1;
    [Use(typeof(PiXStage), "planes: 128, depth: 4, stride: 2, firstZeta: 2")] readonly PiXStage layer2;
    [Use(typeof(PiXStage), "planes: 256, depth: 23, stride: 2, firstZeta: 2")] readonly PiXStage layer3;
    [Use(typeof(PiXStage), "planes: 512, depth: 3, stride: 2, firstZeta: 2")] readonly PiXStage layer4;
    [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d avgpool;
    [Dropout(0.2)] readonly Dropout dropout; // the probability is not part of the checkpoint; eval ignores it
    [Conv2d("numClasses", Kernel = 1)] readonly Conv2d classifier;
    [Flatten] readonly Flatten flatten;
}

/// <summary>
/// PiX-ResNet-152 as the official code declares it (<c>PiXResNet152_cs</c>): ζ = 1, 2, 2, 2 in the first block
/// of each stage and 4 elsewhere; head GAP → dropout → 1×1 conv with bias → flatten.
/// </summary>
[Network(Input = "3x224x224", Name = "pix_resnet152"), Init("xavier")]
public partial class PiXResNet152
{
    [Arg(1000)] readonly int numClasses;

    [Conv2d(64, Kernel = 7, Stride = 2, Padding = 3, Bias = false)] readonly Conv2d conv_stem;
    [BatchNorm2d] readonly BatchNorm2d bn_stem;
    [ReLU] readonly ReLU relu;
    [MaxPool2d(3, Stride = 2, Padding = 1)] readonly MaxPool2d maxpool;
    [Use(typeof(PiXStage), "planes: 64, depth: 3, firstZeta: 1")] readonly PiXStage layer1;
    [Use(typeof(PiXStage), "planes: 128, depth: 8, stride: 2, firstZeta: 2")] readonly PiXStage layer2;
    [Use(typeof(PiXStage), "planes: 256, depth: 36, stride: 2, firstZeta: 2")] readonly PiXStage layer3;
    [Use(typeof(PiXStage), "planes: 512, depth: 3, stride: 2, firstZeta: 2")] readonly PiXStage layer4;
    [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d avgpool;
    [Dropout(0.2)] readonly Dropout dropout; // the probability is not part of the checkpoint; eval ignores it
    [Conv2d("numClasses", Kernel = 1)] readonly Conv2d classifier;
    [Flatten] readonly Flatten flatten;
}
