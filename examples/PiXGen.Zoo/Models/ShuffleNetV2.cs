using PiXGen;
using TorchSharp.Modules;

namespace PiXGen.Zoo;

/// <summary>
/// torchvision's ShuffleNetV2 <c>InvertedResidual</c> at stride 1: the input's channels are split in two
/// (<c>x.chunk(2, dim=1)</c>), the first half passes unchanged (<c>branch1</c>, empty), the second goes through
/// <c>branch2</c> (1×1, 3×3 depthwise, 1×1), the halves are concatenated and shuffled in two groups.
/// </summary>
[Block]
public partial class ShuffleV2Unit
{
    [Let("in / 2")] readonly int half;

    [Branch("x1", Split = true)] [Identity] readonly Identity branch1;
    [Branch("x2", Split = true)]
    [Conv2d("half", Kernel = 1, Bias = false)] [BatchNorm2d] [ReLU]
    [Conv2d("half", Kernel = 3, Padding = 1, Groups = "half", Bias = false)] [BatchNorm2d]
    [Conv2d("half", Kernel = 1, Bias = false)] [BatchNorm2d] [ReLU]
    readonly Sequential branch2;
    [ChannelShuffle(2)] readonly ChannelShuffle shuffle;
}

/// <summary>
/// torchvision's ShuffleNetV2 <c>InvertedResidual</c> at stride 2: both branches read the whole input —
/// <c>branch1</c> (3×3 depthwise stride 2, 1×1) and <c>branch2</c> (1×1, 3×3 depthwise stride 2, 1×1) — each
/// gives <c>oup / 2</c> channels; concatenated (branch1 first) and shuffled in two groups.
/// </summary>
[Block]
public partial class ShuffleV2DownUnit
{
    [Arg] readonly int oup;
    [Let("oup / 2")] readonly int half;

    [Branch("b1")]
    [Conv2d("in", Kernel = 3, Stride = 2, Padding = 1, Groups = "in", Bias = false)] [BatchNorm2d]
    [Conv2d("half", Kernel = 1, Bias = false)] [BatchNorm2d] [ReLU]
    readonly Sequential branch1;
    [Branch("b2")]
    [Conv2d("half", Kernel = 1, Bias = false)] [BatchNorm2d] [ReLU]
    [Conv2d("half", Kernel = 3, Stride = 2, Padding = 1, Groups = "half", Bias = false)] [BatchNorm2d]
    [Conv2d("half", Kernel = 1, Bias = false)] [BatchNorm2d] [ReLU]
    readonly Sequential branch2;
    [ChannelShuffle(2)] readonly ChannelShuffle shuffle;
}

/// <summary>
/// torchvision <c>shufflenet_v2_x1_0</c>, declared with PiXGen attributes: stage repeats 4, 8, 4, widths 24, 116,
/// 232, 464, 1024. torchvision's <c>x.mean([2, 3])</c> is the (stateless) adaptive average pool and flatten.
/// </summary>
[Network(Input = "3x224x224", Name = "shufflenet_v2_x1_0"), Init("torchsharp-default")]
public partial class ShuffleNetV2_x1_0
{
    [Arg(1000)] readonly int numClasses;

    [Conv2d(24, Kernel = 3, Stride = 2, Padding = 1, Bias = false)] [BatchNorm2d] [ReLU] readonly Sequential conv1;
    [MaxPool2d(3, Stride = 2, Padding = 1)] readonly MaxPool2d maxpool;
    [Use(typeof(ShuffleV2DownUnit), "oup: 116")] [Use(typeof(ShuffleV2Unit), "", Count = 3)] readonly Sequential stage2;
    [Use(typeof(ShuffleV2DownUnit), "oup: 232")] [Use(typeof(ShuffleV2Unit), "", Count = 7)] readonly Sequential stage3;
    [Use(typeof(ShuffleV2DownUnit), "oup: 464")] [Use(typeof(ShuffleV2Unit), "", Count = 3)] readonly Sequential stage4;
    [Conv2d(1024, Kernel = 1, Bias = false)] [BatchNorm2d] [ReLU] readonly Sequential conv5;
    [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d pool;
    [Flatten] readonly Flatten flatten;
    [Linear("numClasses")] readonly Linear fc;
}
