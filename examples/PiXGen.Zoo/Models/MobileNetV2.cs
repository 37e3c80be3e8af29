using PiXGen;
using TorchSharp.Modules;
using TorchSharp.Utils;

namespace PiXGen.Zoo;

/// <summary>
/// torchvision's <c>Conv2dNormActivation</c> with ReLU6: a numbered conv → BN → ReLU6 (children 0, 1, 2,
/// named with TorchSharp's <c>[ComponentName]</c>). Padding keeps the spatial size at stride 1.
/// </summary>
[Block]
public partial class ConvBNReLU6
{
    [Arg] readonly int oup;
    [Arg(3)] readonly int kernel;
    [Arg(1)] readonly int stride;
    [Arg(1)] readonly int groups;

    [Conv2d("oup", Kernel = "kernel", Stride = "stride", Padding = "(kernel - 1) / 2", Groups = "groups", Bias = false)]
    [ComponentName(Name = "0")] readonly Conv2d conv;
    [BatchNorm2d, ComponentName(Name = "1")] readonly BatchNorm2d bn;
    [ReLU6, ComponentName(Name = "2")] readonly ReLU6 act;
}

/// <summary>
/// torchvision's MobileNetV2 <c>InvertedResidual</c>: optional 1×1 expansion, 3×3 depthwise, 1×1 linear
/// projection; residual only when the stride is 1 and the channel count is kept.
/// </summary>
[Block, Residual(When = "stride == 1 && in == oup")]
public partial class InvertedResidual
{
    [Arg] readonly int oup;
    [Arg] readonly int stride;
    [Arg] readonly int expand;
    [Let("in * expand")] readonly int hidden;

    [Use(typeof(ConvBNReLU6), "oup: hidden, kernel: 1", When = "expand != 1")]
    [Use(typeof(ConvBNReLU6), "oup: hidden, stride: stride, groups: hidden")]
    [Conv2d("oup", Kernel = 1, Bias = false)]
    [BatchNorm2d]
    readonly Sequential conv;
}

/// <summary>torchvision <c>mobilenet_v2</c> (width 1.0), declared with PiXGen attributes.</summary>
[Network(Input = "3x224x224", Name = "mobilenet_v2"), Init("torchvision-mobilenet")]
public partial class MobileNetV2
{
    [Arg(1000)] readonly int numClasses;

    [Use(typeof(ConvBNReLU6), "oup: 32, stride: 2")]
    [Use(typeof(InvertedResidual), "oup: 16, stride: 1, expand: 1")]
    [Use(typeof(InvertedResidual), "oup: 24, stride: i == 0 ? 2 : 1, expand: 6", Count = 2)]
    [Use(typeof(InvertedResidual), "oup: 32, stride: i == 0 ? 2 : 1, expand: 6", Count = 3)]
    [Use(typeof(InvertedResidual), "oup: 64, stride: i == 0 ? 2 : 1, expand: 6", Count = 4)]
    [Use(typeof(InvertedResidual), "oup: 96, stride: 1, expand: 6", Count = 3)]
    [Use(typeof(InvertedResidual), "oup: 160, stride: i == 0 ? 2 : 1, expand: 6", Count = 3)]
    [Use(typeof(InvertedResidual), "oup: 320, stride: 1, expand: 6")]
    [Use(typeof(ConvBNReLU6), "oup: 1280, kernel: 1")]
    readonly Sequential features;

    [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d pool;
    [Flatten] readonly Flatten flatten;

    [Dropout(0.2)] [Linear("numClasses")] readonly Sequential classifier;
}

/// <summary>
/// <see cref="MobileNetV2"/> with PiX in place of its squeezing 1×1 convolutions (the projections of the inverted
/// residual blocks whose output channels divide the expanded channels).
/// </summary>
[Network(Name = "mobilenet_v2_pix", Like = typeof(MobileNetV2)), SubstitutePiX]
public partial class MobileNetV2PiX
{
}
