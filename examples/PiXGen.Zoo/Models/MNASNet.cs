using PiXGen;
using TorchSharp.Modules;
using TorchSharp.Utils;

namespace PiXGen.Zoo;

/// <summary>MNASNet's BatchNorm momentum: torchvision's <c>_BN_MOMENTUM = 1 - 0.9997</c> (TensorFlow's decay 0.9997).</summary>
internal static class MNASNetSettings
{
    public const double BnMomentum = 1 - 0.9997;
}

/// <summary>
/// torchvision's MNASNet <c>_InvertedResidual</c>: 1×1 expansion to <c>expand</c> times the input channels, depthwise
/// k×k carrying the stride, linear 1×1 projection (each with BatchNorm, ReLU after the first two), in one numbered
/// <c>layers</c>; the input is added when the stride is 1 and the channel count is kept.
/// </summary>
[Block, Residual(When = "stride == 1 && in == oup")]
public partial class MNASNetUnit
{
    [Arg] readonly int oup;
    [Arg] readonly int kernel;
    [Arg] readonly int stride;
    [Arg] readonly int expand;
    [Let("in * expand")] readonly int mid;

    [Conv2d("mid", Kernel = 1, Bias = false)] [BatchNorm2d(Momentum = MNASNetSettings.BnMomentum)] [ReLU]
    [Conv2d("mid", Kernel = "kernel", Stride = "stride", Padding = "kernel / 2", Groups = "mid", Bias = false)]
    [BatchNorm2d(Momentum = MNASNetSettings.BnMomentum)] [ReLU]
    [Conv2d("oup", Kernel = 1, Bias = false)] [BatchNorm2d(Momentum = MNASNetSettings.BnMomentum)]
    readonly Sequential layers;
}

/// <summary>
/// torchvision's MNASNet <c>_stack</c>: <c>repeats</c> <see cref="MNASNetUnit"/>s numbered 0, 1, … as its
/// <c>nn.Sequential</c> (a named repeat, <c>Name = "{i}"</c>); the first has the stack's stride, the others stride 1.
/// </summary>
[Block]
public partial class MNASNetStack
{
    [Arg] readonly int oup;
    [Arg] readonly int kernel;
    [Arg] readonly int stride;
    [Arg] readonly int expand;
    [Arg] readonly int repeats;

    [Use(typeof(MNASNetUnit), "oup: oup, kernel: kernel, stride: [stride, 1][min(i, 1)], expand: expand", Count = "repeats", Name = "{i}")]
    readonly MNASNetUnit[] units;
}

/// <summary>
/// torchvision's MNASNet family (<c>MNASNet(alpha)</c>), declared once: the widths are torchvision's depths
/// 32, 16, 24, 40, 80, 96, 192, 320 times <c>alpha</c>, rounded to multiples of 8 as its <c>_round_to_multiple_of</c>
/// (torchvision's <c>_make_divisible</c> rule); stem conv 3×3 stride 2, depthwise separable conv, six stacks
/// (repeats 3, 3, 3, 2, 4, 1), 1×1 conv to 1280, global mean, dropout 0.2 and the classifier. Every BatchNorm has
/// momentum 1 − 0.9997. The members differ only by <c>alpha</c>.
/// </summary>
[Block]
public partial class MNASNetFamily
{
    [Arg(1000)] readonly int numClasses;
    [Arg] readonly double alpha;
    [Let("make_divisible(32 * alpha, 8)")] readonly int d0;
    [Let("make_divisible(16 * alpha, 8)")] readonly int d1;
    [Let("make_divisible(24 * alpha, 8)")] readonly int d2;
    [Let("make_divisible(40 * alpha, 8)")] readonly int d3;
    [Let("make_divisible(80 * alpha, 8)")] readonly int d4;
    [Let("make_divisible(96 * alpha, 8)")] readonly int d5;
    [Let("make_divisible(192 * alpha, 8)")] readonly int d6;
    [Let("make_divisible(320 * alpha, 8)")] readonly int d7;

    [Conv2d("d0", Kernel = 3, Stride = 2, Padding = 1, Bias = false)] [BatchNorm2d(Momentum = MNASNetSettings.BnMomentum)] [ReLU]
    [Conv2d("d0", Kernel = 3, Padding = 1, Groups = "d0", Bias = false)] [BatchNorm2d(Momentum = MNASNetSettings.BnMomentum)] [ReLU]
    [Conv2d("d1", Kernel = 1, Bias = false)] [BatchNorm2d(Momentum = MNASNetSettings.BnMomentum)]
    [Use(typeof(MNASNetStack), "oup: d2, kernel: 3, stride: 2, expand: 3, repeats: 3")]
    [Use(typeof(MNASNetStack), "oup: d3, kernel: 5, stride: 2, expand: 3, repeats: 3")]
    [Use(typeof(MNASNetStack), "oup: d4, kernel: 5, stride: 2, expand: 6, repeats: 3")]
    [Use(typeof(MNASNetStack), "oup: d5, kernel: 3, stride: 1, expand: 6, repeats: 2")]
    [Use(typeof(MNASNetStack), "oup: d6, kernel: 5, stride: 2, expand: 6, repeats: 4")]
    [Use(typeof(MNASNetStack), "oup: d7, kernel: 3, stride: 1, expand: 6, repeats: 1")]
    [Conv2d(1280, Kernel = 1, Bias = false)] [BatchNorm2d(Momentum = MNASNetSettings.BnMomentum)] [ReLU]
    readonly Sequential layers;

    [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d avgpool;
    [Flatten] readonly Flatten flatten;
    [Dropout(0.2)] [Linear("numClasses")] readonly Sequential classifier;
}

/// <summary>torchvision <c>mnasnet0_5</c>.</summary>
[Network(Like = typeof(MNASNetFamily), With = "alpha: 0.5", Input = "3x224x224", Name = "mnasnet0_5")] public partial class MNASNet0_5 { }

/// <summary>torchvision <c>mnasnet0_75</c>.</summary>
[Network(Like = typeof(MNASNetFamily), With = "alpha: 0.75", Input = "3x224x224", Name = "mnasnet0_75")] public partial class MNASNet0_75 { }

/// <summary>torchvision <c>mnasnet1_0</c>.</summary>
[Network(Like = typeof(MNASNetFamily), With = "alpha: 1.0", Input = "3x224x224", Name = "mnasnet1_0")] public partial class MNASNet1_0 { }

/// <summary>torchvision <c>mnasnet1_3</c>.</summary>
[Network(Like = typeof(MNASNetFamily), With = "alpha: 1.3", Input = "3x224x224", Name = "mnasnet1_3")] public partial class MNASNet1_3 { }

/// <summary>
/// <see cref="MNASNet1_0"/> with PiX in place of the squeezing projections of its inverted residuals (those whose
/// output channels divide the expanded channels, 14 in all). The stem's 32 → 16 convolution is left dense: its
/// BatchNorm is a numbered child of <c>layers</c>, and substitution with norm would renumber every later child
/// (<c>layers.8</c> would become <c>layers.7</c>), so a dense checkpoint's keys would no longer load.
/// </summary>
[Network(Name = "mnasnet1_0_pix", Like = typeof(MNASNet1_0)), SubstitutePiX(Exclude = new[] { "layers.6" })]
public partial class MNASNet1_0PiX { }
