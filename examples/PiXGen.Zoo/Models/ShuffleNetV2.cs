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
/// torchvision's ShuffleNetV2 family (<c>ShuffleNetV2(stages_repeats, stages_out_channels)</c>), declared once from its
/// stage widths: stage repeats 4, 8, 4 for every member; <c>c2</c>–<c>c4</c> the widths of stages 2–4, <c>c5</c> the
/// last 1×1 convolution's (the stem has 24 channels). torchvision's <c>x.mean([2, 3])</c> is the (stateless) adaptive
/// average pool and flatten.
/// </summary>
[Block, Init("torchsharp-default")]
public partial class ShuffleNetV2Family
{
    [Arg(1000)] readonly int numClasses;
    [Arg] readonly int c2;
    [Arg] readonly int c3;
    [Arg] readonly int c4;
    [Arg(1024)] readonly int c5;

    [Conv2d(24, Kernel = 3, Stride = 2, Padding = 1, Bias = false)] [BatchNorm2d] [ReLU] readonly Sequential conv1;
    [MaxPool2d(3, Stride = 2, Padding = 1)] readonly MaxPool2d maxpool;
    [Use(typeof(ShuffleV2DownUnit), "oup: c2")] [Use(typeof(ShuffleV2Unit), "", Count = 3)] readonly Sequential stage2;
    [Use(typeof(ShuffleV2DownUnit), "oup: c3")] [Use(typeof(ShuffleV2Unit), "", Count = 7)] readonly Sequential stage3;
    [Use(typeof(ShuffleV2DownUnit), "oup: c4")] [Use(typeof(ShuffleV2Unit), "", Count = 3)] readonly Sequential stage4;
    [Conv2d("c5", Kernel = 1, Bias = false)] [BatchNorm2d] [ReLU] readonly Sequential conv5;
    [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d pool;
    [Flatten] readonly Flatten flatten;
    [Linear("numClasses")] readonly Linear fc;
}

/// <summary>torchvision <c>shufflenet_v2_x0_5</c>.</summary>
[Network(Like = typeof(ShuffleNetV2Family), With = "c2: 48, c3: 96, c4: 192", Input = "3x224x224", Name = "shufflenet_v2_x0_5")]
public partial class ShuffleNetV2_x0_5 { }

/// <summary>torchvision <c>shufflenet_v2_x1_0</c>.</summary>
[Network(Like = typeof(ShuffleNetV2Family), With = "c2: 116, c3: 232, c4: 464", Input = "3x224x224", Name = "shufflenet_v2_x1_0")]
public partial class ShuffleNetV2_x1_0 { }

/// <summary>torchvision <c>shufflenet_v2_x1_5</c>.</summary>
[Network(Like = typeof(ShuffleNetV2Family), With = "c2: 176, c3: 352, c4: 704", Input = "3x224x224", Name = "shufflenet_v2_x1_5")]
public partial class ShuffleNetV2_x1_5 { }

/// <summary>torchvision <c>shufflenet_v2_x2_0</c>.</summary>
[Network(Like = typeof(ShuffleNetV2Family), With = "c2: 244, c3: 488, c4: 976, c5: 2048", Input = "3x224x224", Name = "shufflenet_v2_x2_0")]
public partial class ShuffleNetV2_x2_0 { }
