using PiXGen;
using PiXGen.Layers;
using TorchSharp.Modules;
using TorchSharp.Utils;

namespace PiXGen.Zoo;

/// <summary>
/// torchvision's <c>Conv2dNormActivation</c> as MobileNetV3 uses it: numbered conv → BatchNorm (eps 0.001, momentum
/// 0.01) → Hardswish (children 0, 1, 2); <c>activate: false</c> leaves out the activation (the linear projection).
/// Padding keeps the spatial size at stride 1.
/// </summary>
[Block]
public partial class MobileNetV3Conv
{
    [Arg] readonly int oup;
    [Arg(3)] readonly int kernel;
    [Arg(1)] readonly int stride;
    [Arg(1)] readonly int groups;
    [Arg(true)] readonly bool activate;

    [Conv2d("oup", Kernel = "kernel", Stride = "stride", Padding = "(kernel - 1) / 2", Groups = "groups", Bias = false)]
    [ComponentName(Name = "0")] readonly Conv2d conv;
    [BatchNorm2d(Eps = 0.001, Momentum = 0.01), ComponentName(Name = "1")] readonly BatchNorm2d bn;
    [Hardswish(When = "activate"), ComponentName(Name = "2")] readonly Hardswish? act;
}

/// <summary>
/// <see cref="MobileNetV3Conv"/> with ReLU (MobileNetV3's "RE" blocks). A separate block because one module cannot
/// hold two optional children under the same name "2" (TorchSharp's <c>to()</c> collects the names of all fields).
/// </summary>
[Block]
public partial class MobileNetV3ConvReLU
{
    [Arg] readonly int oup;
    [Arg(3)] readonly int kernel;
    [Arg(1)] readonly int stride;
    [Arg(1)] readonly int groups;

    [Conv2d("oup", Kernel = "kernel", Stride = "stride", Padding = "(kernel - 1) / 2", Groups = "groups", Bias = false)]
    [ComponentName(Name = "0")] readonly Conv2d conv;
    [BatchNorm2d(Eps = 0.001, Momentum = 0.01), ComponentName(Name = "1")] readonly BatchNorm2d bn;
    [ReLU, ComponentName(Name = "2")] readonly ReLU act;
}

/// <summary>
/// torchvision's MobileNetV3 <c>InvertedResidual</c>: 1×1 expansion to <c>exp</c> channels (when they differ from
/// the input), depthwise k×k, optional squeeze-excitation (ReLU, Hardsigmoid; squeeze channels
/// <c>_make_divisible(exp / 4, 8)</c>, including its "not below 90 %" rule), linear 1×1 projection; residual only
/// when the stride is 1 and the channel count is kept.
/// </summary>
[Block, Residual(When = "stride == 1 && in == oup")]
public partial class MobileNetV3Block
{
    [Arg] readonly int kernel;
    [Arg] readonly int exp;
    [Arg] readonly int oup;
    [Arg] readonly bool se;
    [Arg] readonly bool hs;
    [Arg] readonly int stride;
    [Let("make_divisible(exp / 4, 8)")] readonly int squeeze;

    [Use(typeof(MobileNetV3Conv), "oup: exp, kernel: 1", When = "exp != in && hs")]
    [Use(typeof(MobileNetV3ConvReLU), "oup: exp, kernel: 1", When = "exp != in && !hs")]
    [Use(typeof(MobileNetV3Conv), "oup: exp, kernel: kernel, stride: stride, groups: exp", When = "hs")]
    [Use(typeof(MobileNetV3ConvReLU), "oup: exp, kernel: kernel, stride: stride, groups: exp", When = "!hs")]
    [SqueezeExcitation(Squeeze = "squeeze", ScaleActivation = "Hardsigmoid", When = "se")]
    [Use(typeof(MobileNetV3Conv), "oup: oup, kernel: 1, activate: false")]
    readonly Sequential block;
}

/// <summary>
/// torchvision's MobileNetV3 family (<c>_mobilenet_v3_conf</c>, width 1.0), declared once: a 3×3 stride-2 stem of 16
/// channels, the inverted residual blocks of the large or the small configuration (kernel, expansion, output
/// channels, squeeze-excitation, Hardswish, stride per row), a 1×1 conv to six times the last block's channels
/// (960 or 576), global average pool and the classifier (1280 or 1024 hidden units, Hardswish, dropout 0.2).
/// </summary>
[Block, Init("torchvision-mobilenet")]
public partial class MobileNetV3Family
{
    [Arg(1000)] readonly int numClasses;
    [Arg] readonly bool small;

    [Use(typeof(MobileNetV3Conv), "oup: 16, stride: 2")]
    [Use(typeof(MobileNetV3Block), "kernel: 3, exp: 16, oup: 16, se: false, hs: false, stride: 1", When = "!small")]
    [Use(typeof(MobileNetV3Block), "kernel: 3, exp: 64, oup: 24, se: false, hs: false, stride: 2", When = "!small")]
    [Use(typeof(MobileNetV3Block), "kernel: 3, exp: 72, oup: 24, se: false, hs: false, stride: 1", When = "!small")]
    [Use(typeof(MobileNetV3Block), "kernel: 5, exp: 72, oup: 40, se: true, hs: false, stride: 2", When = "!small")]
    [Use(typeof(MobileNetV3Block), "kernel: 5, exp: 120, oup: 40, se: true, hs: false, stride: 1", Count = 2, When = "!small")]
    [Use(typeof(MobileNetV3Block), "kernel: 3, exp: 240, oup: 80, se: false, hs: true, stride: 2", When = "!small")]
    [Use(typeof(MobileNetV3Block), "kernel: 3, exp: 200, oup: 80, se: false, hs: true, stride: 1", When = "!small")]
    [Use(typeof(MobileNetV3Block), "kernel: 3, exp: 184, oup: 80, se: false, hs: true, stride: 1", Count = 2, When = "!small")]
    [Use(typeof(MobileNetV3Block), "kernel: 3, exp: 480, oup: 112, se: true, hs: true, stride: 1", When = "!small")]
    [Use(typeof(MobileNetV3Block), "kernel: 3, exp: 672, oup: 112, se: true, hs: true, stride: 1", When = "!small")]
    [Use(typeof(MobileNetV3Block), "kernel: 5, exp: 672, oup: 160, se: true, hs: true, stride: 2", When = "!small")]
    [Use(typeof(MobileNetV3Block), "kernel: 5, exp: 960, oup: 160, se: true, hs: true, stride: 1", Count = 2, When = "!small")]
    [Use(typeof(MobileNetV3Block), "kernel: 3, exp: 16, oup: 16, se: true, hs: false, stride: 2", When = "small")]
    [Use(typeof(MobileNetV3Block), "kernel: 3, exp: 72, oup: 24, se: false, hs: false, stride: 2", When = "small")]
    [Use(typeof(MobileNetV3Block), "kernel: 3, exp: 88, oup: 24, se: false, hs: false, stride: 1", When = "small")]
    [Use(typeof(MobileNetV3Block), "kernel: 5, exp: 96, oup: 40, se: true, hs: true, stride: 2", When = "small")]
    [Use(typeof(MobileNetV3Block), "kernel: 5, exp: 240, oup: 40, se: true, hs: true, stride: 1", Count = 2, When = "small")]
    [Use(typeof(MobileNetV3Block), "kernel: 5, exp: 120, oup: 48, se: true, hs: true, stride: 1", When = "small")]
    [Use(typeof(MobileNetV3Block), "kernel: 5, exp: 144, oup: 48, se: true, hs: true, stride: 1", When = "small")]
    [Use(typeof(MobileNetV3Block), "kernel: 5, exp: 288, oup: 96, se: true, hs: true, stride: 2", When = "small")]
    [Use(typeof(MobileNetV3Block), "kernel: 5, exp: 576, oup: 96, se: true, hs: true, stride: 1", Count = 2, When = "small")]
    [Use(typeof(MobileNetV3Conv), "oup: small ? 576 : 960, kernel: 1")]
    readonly Sequential features;

    [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d avgpool;
    [Flatten] readonly Flatten flatten;

    [Linear("small ? 1024 : 1280")] [Hardswish] [Dropout(0.2)] [Linear("numClasses")] readonly Sequential classifier;
}

/// <summary>torchvision <c>mobilenet_v3_large</c>.</summary>
[Network(Like = typeof(MobileNetV3Family), With = "small: false", Input = "3x224x224", Name = "mobilenet_v3_large")]
public partial class MobileNetV3Large { }

/// <summary>torchvision <c>mobilenet_v3_small</c>.</summary>
[Network(Like = typeof(MobileNetV3Family), With = "small: true", Input = "3x224x224", Name = "mobilenet_v3_small")]
public partial class MobileNetV3Small { }

/// <summary>
/// <see cref="MobileNetV3Large"/> with PiX in place of its squeezing 1×1 convolutions (the projections of the
/// inverted residual blocks whose output channels divide the expanded channels).
/// </summary>
[Network(Name = "mobilenet_v3_large_pix", Like = typeof(MobileNetV3Large)), SubstitutePiX]
public partial class MobileNetV3LargePiX
{
}

/// <summary>
/// <see cref="MobileNetV3Small"/> with PiX in place of its squeezing 1×1 convolutions (the projections of the
/// inverted residual blocks whose output channels divide the expanded channels).
/// </summary>
[Network(Name = "mobilenet_v3_small_pix", Like = typeof(MobileNetV3Small)), SubstitutePiX]
public partial class MobileNetV3SmallPiX
{
}
