using PiXGen;
using PiXGen.Layers;
using TorchSharp.Modules;
using TorchSharp.Utils;

namespace PiXGen.Zoo;

/// <summary>
/// torchvision's <c>Conv2dNormActivation</c> as EfficientNet uses it: numbered conv → BatchNorm (PyTorch's default
/// eps 1e-5 and momentum 0.1 for B0) → SiLU (children 0, 1, 2); <c>activate: false</c> leaves out the SiLU (the
/// linear projection of <see cref="MBConv"/>). Padding keeps the spatial size at stride 1.
/// </summary>
[Block]
public partial class EfficientNetConv
{
    [Arg] readonly int oup;
    [Arg(3)] readonly int kernel;
    [Arg(1)] readonly int stride;
    [Arg(1)] readonly int groups;
    [Arg(true)] readonly bool activate;

    [Conv2d("oup", Kernel = "kernel", Stride = "stride", Padding = "(kernel - 1) / 2", Groups = "groups", Bias = false)]
    [ComponentName(Name = "0")] readonly Conv2d conv;
    [BatchNorm2d, ComponentName(Name = "1")] readonly BatchNorm2d bn;
    [SiLU(When = "activate"), ComponentName(Name = "2")] readonly SiLU? act;
}

/// <summary>
/// torchvision's EfficientNet <c>MBConv</c>: optional 1×1 expansion, depthwise k×k, squeeze-excitation (SiLU,
/// sigmoid, squeeze channels max(1, C_in / 4) of the block input), linear 1×1 projection; stochastic depth and the
/// residual only when the stride is 1 and the channel count is kept. The stochastic depth probability ramps as
/// torchvision's: 0.2 · <c>id</c> / 16 for the block numbered <c>id</c> (0 to 15) in the network (the identity in eval).
/// </summary>
[Block, Residual(When = "stride == 1 && in == oup")]
public partial class MBConv
{
    [Arg] readonly int oup;
    [Arg] readonly int expand;
    [Arg] readonly int kernel;
    [Arg] readonly int stride;
    [Arg] readonly int id;
    [Let("in * expand")] readonly int hidden;
    [Let("max(1, in / 4)")] readonly int squeeze;

    [Use(typeof(EfficientNetConv), "oup: hidden, kernel: 1", When = "expand != 1")]
    [Use(typeof(EfficientNetConv), "oup: hidden, kernel: kernel, stride: stride, groups: hidden")]
    [SqueezeExcitation(Squeeze = "squeeze", Activation = "SiLU")]
    [Use(typeof(EfficientNetConv), "oup: oup, kernel: 1, activate: false")]
    readonly Sequential block;

    [StochasticDepth(0.2, Step = "id", Steps = 16, When = "stride == 1 && in == oup")] readonly StochasticDepth? stochastic_depth;
}

/// <summary>
/// One EfficientNet stage: <c>layers</c> (1 to 4) <see cref="MBConv"/> blocks numbered 0, 1, … as torchvision's
/// stage <c>nn.Sequential</c>; the first block has the stage's stride, the others stride 1. <c>first</c>: the network-wide
/// number of the stage's first block (for the stochastic depth ramp).
/// </summary>
[Block]
public partial class EfficientNetStage
{
    [Arg] readonly int oup;
    [Arg] readonly int expand;
    [Arg] readonly int kernel;
    [Arg] readonly int stride;
    [Arg] readonly int layers;
    [Arg] readonly int first;

    [Use(typeof(MBConv), "oup: oup, expand: expand, kernel: kernel, stride: stride, id: first"), ComponentName(Name = "0")]
    readonly MBConv block0;
    [Use(typeof(MBConv), "oup: oup, expand: expand, kernel: kernel, stride: 1, id: first + 1", When = "layers > 1"), ComponentName(Name = "1")]
    readonly MBConv? block1;
    [Use(typeof(MBConv), "oup: oup, expand: expand, kernel: kernel, stride: 1, id: first + 2", When = "layers > 2"), ComponentName(Name = "2")]
    readonly MBConv? block2;
    [Use(typeof(MBConv), "oup: oup, expand: expand, kernel: kernel, stride: 1, id: first + 3", When = "layers > 3"), ComponentName(Name = "3")]
    readonly MBConv? block3;
}

/// <summary>torchvision <c>efficientnet_b0</c>, declared with PiXGen attributes.</summary>
[Network(Input = "3x224x224", Name = "efficientnet_b0"), Init("torchvision-efficientnet")]
public partial class EfficientNetB0
{
    [Arg(1000)] readonly int numClasses;

    [Use(typeof(EfficientNetConv), "oup: 32, stride: 2")]
    [Use(typeof(EfficientNetStage), "oup: 16, expand: 1, kernel: 3, stride: 1, layers: 1, first: 0")]
    [Use(typeof(EfficientNetStage), "oup: 24, expand: 6, kernel: 3, stride: 2, layers: 2, first: 1")]
    [Use(typeof(EfficientNetStage), "oup: 40, expand: 6, kernel: 5, stride: 2, layers: 2, first: 3")]
    [Use(typeof(EfficientNetStage), "oup: 80, expand: 6, kernel: 3, stride: 2, layers: 3, first: 5")]
    [Use(typeof(EfficientNetStage), "oup: 112, expand: 6, kernel: 5, stride: 1, layers: 3, first: 8")]
    [Use(typeof(EfficientNetStage), "oup: 192, expand: 6, kernel: 5, stride: 2, layers: 4, first: 11")]
    [Use(typeof(EfficientNetStage), "oup: 320, expand: 6, kernel: 3, stride: 1, layers: 1, first: 15")]
    [Use(typeof(EfficientNetConv), "oup: 1280, kernel: 1")]
    readonly Sequential features;

    [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d avgpool;
    [Flatten] readonly Flatten flatten;

    [Dropout(0.2)] [Linear("numClasses")] readonly Sequential classifier;
}

/// <summary>
/// <see cref="EfficientNetB0"/> with PiX in place of its squeezing 1×1 convolutions (the projections of the
/// MBConv blocks whose output channels divide the expanded channels).
/// </summary>
[Network(Name = "efficientnet_b0_pix", Like = typeof(EfficientNetB0)), SubstitutePiX]
public partial class EfficientNetB0PiX
{
}
