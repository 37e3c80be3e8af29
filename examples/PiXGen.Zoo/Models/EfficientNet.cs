using PiXGen;
using PiXGen.Layers;
using TorchSharp.Modules;
using TorchSharp.Utils;

namespace PiXGen.Zoo;

/// <summary>
/// torchvision's <c>Conv2dNormActivation</c> as EfficientNet uses it: numbered conv → BatchNorm → SiLU (children 0, 1,
/// 2); <c>activate: false</c> leaves out the SiLU (the linear projection of <see cref="MBConv"/>). Padding keeps the
/// spatial size at stride 1. BatchNorm's <c>eps</c> and <c>momentum</c> are PyTorch's defaults unless given (B5 to B7
/// use TensorFlow's 0.001 and 0.01).
/// </summary>
[Block]
public partial class EfficientNetConv
{
    [Arg] readonly int oup;
    [Arg(3)] readonly int kernel;
    [Arg(1)] readonly int stride;
    [Arg(1)] readonly int groups;
    [Arg(true)] readonly bool activate;
    [Arg(1e-5)] readonly double eps;
    [Arg(0.1)] readonly double momentum;

    [Conv2d("oup", Kernel = "kernel", Stride = "stride", Padding = "(kernel - 1) / 2", Groups = "groups", Bias = false)]
    [ComponentName(Name = "0")] readonly Conv2d conv;
    [BatchNorm2d(Eps = "eps", Momentum = "momentum"), ComponentName(Name = "1")] readonly BatchNorm2d bn;
    [SiLU(When = "activate"), ComponentName(Name = "2")] readonly SiLU? act;
}

/// <summary>
/// torchvision's EfficientNet <c>MBConv</c>: optional 1×1 expansion, depthwise k×k, squeeze-excitation (SiLU,
/// sigmoid, squeeze channels max(1, C_in / 4) of the block input), linear 1×1 projection; stochastic depth and the
/// residual only when the stride is 1 and the channel count is kept. The stochastic depth probability ramps as
/// torchvision's: 0.2 · <c>id</c> / <c>steps</c> for the block numbered <c>id</c> of the network's <c>steps</c>
/// blocks (16 in B0; the identity in eval). <c>eps</c>, <c>momentum</c>: its BatchNorms' settings.
/// </summary>
[Block, Residual(When = "stride == 1 && in == oup")]
public partial class MBConv
{
    [Arg] readonly int oup;
    [Arg] readonly int expand;
    [Arg] readonly int kernel;
    [Arg] readonly int stride;
    [Arg] readonly int id;
    [Arg(16)] readonly int steps;
    [Arg(1e-5)] readonly double eps;
    [Arg(0.1)] readonly double momentum;
    [Let("in * expand")] readonly int hidden;
    [Let("max(1, in / 4)")] readonly int squeeze;

    [Use(typeof(EfficientNetConv), "oup: hidden, kernel: 1, eps: eps, momentum: momentum", When = "expand != 1")]
    [Use(typeof(EfficientNetConv), "oup: hidden, kernel: kernel, stride: stride, groups: hidden, eps: eps, momentum: momentum")]
    [SqueezeExcitation(Squeeze = "squeeze", Activation = "SiLU")]
    [Use(typeof(EfficientNetConv), "oup: oup, kernel: 1, activate: false, eps: eps, momentum: momentum")]
    readonly Sequential block;

    [StochasticDepth(0.2, Step = "id", Steps = "steps", When = "stride == 1 && in == oup")] readonly StochasticDepth? stochastic_depth;
}

/// <summary>
/// One EfficientNet stage: <c>layers</c> <see cref="MBConv"/> blocks numbered 0, 1, … as torchvision's stage
/// <c>nn.Sequential</c> (a named repeat, <c>Name = "{i}"</c>); the first block has the stage's stride, the others
/// stride 1 (<c>[stride, 1][min(i, 1)]</c>). <c>first</c>: the network-wide number of the stage's first block,
/// <c>steps</c> the network's block count (for the stochastic depth ramp).
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
    [Arg(16)] readonly int steps;
    [Arg(1e-5)] readonly double eps;
    [Arg(0.1)] readonly double momentum;

    [Use(typeof(MBConv), "oup: oup, expand: expand, kernel: kernel, stride: [stride, 1][min(i, 1)], id: first + i, steps: steps, eps: eps, momentum: momentum",
         Count = "layers", Name = "{i}")]
    readonly MBConv[] blocks;
}

/// <summary>
/// torchvision's EfficientNet family (B0 to B7, <c>_efficientnet_conf</c>), declared once from its width and depth
/// multipliers: B0's stage table (expansion, kernel, stride, output channels, blocks) with every width
/// <c>make_divisible(c · widthMult, 8)</c> and every block count <c>ceil(n · depthMult)</c>, a 3×3 stride-2 stem, a
/// 1×1 head conv to four times the last stage's width, global average pool, dropout and the classifier.
/// <c>dropout</c>: the classifier's dropout rate; <c>eps</c>, <c>momentum</c>: every BatchNorm's settings
/// (TensorFlow's 0.001 and 0.01 in B5 to B7). The members are torchvision's builders at their ImageNet sizes' 224×224 input.
/// </summary>
[Block, Init("torchvision-efficientnet")]
public partial class EfficientNetFamily
{
    [Arg(1000)] readonly int numClasses;
    [Arg] readonly double widthMult;
    [Arg] readonly double depthMult;
    [Arg] readonly double dropout;
    [Arg(1e-5)] readonly double eps;
    [Arg(0.1)] readonly double momentum;
    [Let("make_divisible(32 * widthMult, 8)")] readonly int stem;
    [Let("make_divisible(16 * widthMult, 8)")] readonly int w1;
    [Let("make_divisible(24 * widthMult, 8)")] readonly int w2;
    [Let("make_divisible(40 * widthMult, 8)")] readonly int w3;
    [Let("make_divisible(80 * widthMult, 8)")] readonly int w4;
    [Let("make_divisible(112 * widthMult, 8)")] readonly int w5;
    [Let("make_divisible(192 * widthMult, 8)")] readonly int w6;
    [Let("make_divisible(320 * widthMult, 8)")] readonly int w7;
    [Let("ceil(1 * depthMult)")] readonly int n1;
    [Let("ceil(2 * depthMult)")] readonly int n2;
    [Let("ceil(2 * depthMult)")] readonly int n3;
    [Let("ceil(3 * depthMult)")] readonly int n4;
    [Let("ceil(3 * depthMult)")] readonly int n5;
    [Let("ceil(4 * depthMult)")] readonly int n6;
    [Let("ceil(1 * depthMult)")] readonly int n7;
    [Let("n1 + n2 + n3 + n4 + n5 + n6 + n7")] readonly int blocks;

    [Use(typeof(EfficientNetConv), "oup: stem, stride: 2, eps: eps, momentum: momentum")]
    [Use(typeof(EfficientNetStage), "oup: w1, expand: 1, kernel: 3, stride: 1, layers: n1, first: 0, steps: blocks, eps: eps, momentum: momentum")]
    [Use(typeof(EfficientNetStage), "oup: w2, expand: 6, kernel: 3, stride: 2, layers: n2, first: n1, steps: blocks, eps: eps, momentum: momentum")]
    [Use(typeof(EfficientNetStage), "oup: w3, expand: 6, kernel: 5, stride: 2, layers: n3, first: n1 + n2, steps: blocks, eps: eps, momentum: momentum")]
    [Use(typeof(EfficientNetStage), "oup: w4, expand: 6, kernel: 3, stride: 2, layers: n4, first: n1 + n2 + n3, steps: blocks, eps: eps, momentum: momentum")]
    [Use(typeof(EfficientNetStage), "oup: w5, expand: 6, kernel: 5, stride: 1, layers: n5, first: n1 + n2 + n3 + n4, steps: blocks, eps: eps, momentum: momentum")]
    [Use(typeof(EfficientNetStage), "oup: w6, expand: 6, kernel: 5, stride: 2, layers: n6, first: n1 + n2 + n3 + n4 + n5, steps: blocks, eps: eps, momentum: momentum")]
    [Use(typeof(EfficientNetStage), "oup: w7, expand: 6, kernel: 3, stride: 1, layers: n7, first: n1 + n2 + n3 + n4 + n5 + n6, steps: blocks, eps: eps, momentum: momentum")]
    [Use(typeof(EfficientNetConv), "oup: 4 * w7, kernel: 1, eps: eps, momentum: momentum")]
    readonly Sequential features;

    [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d avgpool;
    [Flatten] readonly Flatten flatten;

    [Dropout("dropout")]
    [Linear("numClasses")]
    readonly Sequential classifier;
}

/// <summary>torchvision <c>efficientnet_b0</c>.</summary>
[Network(Like = typeof(EfficientNetFamily), With = "widthMult: 1.0, depthMult: 1.0, dropout: 0.2", Input = "3x224x224", Name = "efficientnet_b0")]
public partial class EfficientNetB0 { }

/// <summary>torchvision <c>efficientnet_b1</c>.</summary>
[Network(Like = typeof(EfficientNetFamily), With = "widthMult: 1.0, depthMult: 1.1, dropout: 0.2", Input = "3x224x224", Name = "efficientnet_b1")]
public partial class EfficientNetB1 { }

/// <summary>torchvision <c>efficientnet_b2</c>.</summary>
[Network(Like = typeof(EfficientNetFamily), With = "widthMult: 1.1, depthMult: 1.2, dropout: 0.3", Input = "3x224x224", Name = "efficientnet_b2")]
public partial class EfficientNetB2 { }

/// <summary>torchvision <c>efficientnet_b3</c>.</summary>
[Network(Like = typeof(EfficientNetFamily), With = "widthMult: 1.2, depthMult: 1.4, dropout: 0.3", Input = "3x224x224", Name = "efficientnet_b3")]
public partial class EfficientNetB3 { }

/// <summary>torchvision <c>efficientnet_b4</c>.</summary>
[Network(Like = typeof(EfficientNetFamily), With = "widthMult: 1.4, depthMult: 1.8, dropout: 0.4", Input = "3x224x224", Name = "efficientnet_b4")]
public partial class EfficientNetB4 { }

/// <summary>torchvision <c>efficientnet_b5</c>.</summary>
[Network(Like = typeof(EfficientNetFamily), With = "widthMult: 1.6, depthMult: 2.2, dropout: 0.4, eps: 0.001, momentum: 0.01", Input = "3x224x224", Name = "efficientnet_b5")]
public partial class EfficientNetB5 { }

/// <summary>torchvision <c>efficientnet_b6</c>.</summary>
[Network(Like = typeof(EfficientNetFamily), With = "widthMult: 1.8, depthMult: 2.6, dropout: 0.5, eps: 0.001, momentum: 0.01", Input = "3x224x224", Name = "efficientnet_b6")]
public partial class EfficientNetB6 { }

/// <summary>torchvision <c>efficientnet_b7</c>.</summary>
[Network(Like = typeof(EfficientNetFamily), With = "widthMult: 2.0, depthMult: 3.1, dropout: 0.5, eps: 0.001, momentum: 0.01", Input = "3x224x224", Name = "efficientnet_b7")]
public partial class EfficientNetB7 { }

/// <summary>
/// torchvision's EfficientNet-V2 <c>FusedMBConv</c>: one k×k conv carrying the stride to <c>expand</c> times the input
/// channels (SiLU) and a linear 1×1 projection, or, when <c>expand</c> is 1, a single k×k conv (SiLU) to the output
/// channels; no squeeze-excitation. Stochastic depth (the ramp of <see cref="MBConv"/>) and the residual only when the
/// stride is 1 and the channel count is kept.
/// </summary>
[Block, Residual(When = "stride == 1 && in == oup")]
public partial class FusedMBConv
{
    [Arg] readonly int oup;
    [Arg] readonly int expand;
    [Arg] readonly int kernel;
    [Arg] readonly int stride;
    [Arg] readonly int id;
    [Arg] readonly int steps;
    [Arg] readonly double eps;
    [Let("in * expand")] readonly int hidden;

    [Use(typeof(EfficientNetConv), "oup: hidden, kernel: kernel, stride: stride, eps: eps", When = "expand != 1")]
    [Use(typeof(EfficientNetConv), "oup: oup, kernel: 1, activate: false, eps: eps", When = "expand != 1")]
    [Use(typeof(EfficientNetConv), "oup: oup, kernel: kernel, stride: stride, eps: eps", When = "expand == 1")]
    readonly Sequential block;

    [StochasticDepth(0.2, Step = "id", Steps = "steps", When = "stride == 1 && in == oup")] readonly StochasticDepth? stochastic_depth;
}

/// <summary>
/// One EfficientNet-V2 stage of <see cref="FusedMBConv"/> blocks, numbered as <see cref="EfficientNetStage"/>'s.
/// </summary>
[Block]
public partial class EfficientNetFusedStage
{
    [Arg] readonly int oup;
    [Arg] readonly int expand;
    [Arg] readonly int kernel;
    [Arg] readonly int stride;
    [Arg] readonly int layers;
    [Arg] readonly int first;
    [Arg] readonly int steps;
    [Arg] readonly double eps;

    [Use(typeof(FusedMBConv), "oup: oup, expand: expand, kernel: kernel, stride: [stride, 1][min(i, 1)], id: first + i, steps: steps, eps: eps",
         Count = "layers", Name = "{i}")]
    readonly FusedMBConv[] blocks;
}

/// <summary>
/// torchvision's EfficientNet-V2 family (S, M, L; <c>_efficientnet_conf("efficientnet_v2_*")</c>), declared once from
/// its stage table: per stage the expansion ratio (<c>expand</c>), stride, output channels (<c>widths</c>) and block count
/// (<c>depths</c>), all with 3×3 kernels; the first <c>fused</c> stages are <see cref="FusedMBConv"/> stages, the rest
/// <see cref="MBConv"/> stages (squeeze-excitation to a quarter of the block input). A 3×3 stride-2 stem to the first
/// stage's width (the input width of every V2 table), a 1×1 head conv to 1280 channels, global average pool, dropout and
/// the classifier. Every BatchNorm has eps <c>eps</c> (1e-3 in V2) and momentum 0.1; stochastic depth ramps from 0 to 0.2
/// over the network's <c>sum(depths)</c> blocks, block <c>sum(depths[:k])</c> being the first of stage k.
/// </summary>
[Block, Init("torchvision-efficientnet")]
public partial class EfficientNetV2Family
{
    [Arg(1000)] readonly int numClasses;
    [Arg] readonly int[] expand;
    [Arg] readonly int[] stride;
    [Arg] readonly int[] widths;
    [Arg] readonly int[] depths;
    [Arg] readonly int fused;
    [Arg] readonly double dropout;
    [Arg(1e-3)] readonly double eps;
    [Let("sum(depths)")] readonly int blocks;

    [Use(typeof(EfficientNetConv), "oup: widths[0], stride: 2, eps: eps")]
    [Use(typeof(EfficientNetFusedStage), "oup: widths[i], expand: expand[i], kernel: 3, stride: stride[i], layers: depths[i], first: sum(depths[:i]), steps: blocks, eps: eps",
         Count = "fused")]
    [Use(typeof(EfficientNetStage), "oup: widths[fused + i], expand: expand[fused + i], kernel: 3, stride: stride[fused + i], layers: depths[fused + i], first: sum(depths[:fused + i]), steps: blocks, eps: eps",
         Count = "len(depths) - fused")]
    [Use(typeof(EfficientNetConv), "oup: 1280, kernel: 1, eps: eps")]
    readonly Sequential features;

    [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d avgpool;
    [Flatten] readonly Flatten flatten;

    [Dropout("dropout")]
    [Linear("numClasses")]
    readonly Sequential classifier;
}

/// <summary>torchvision <c>efficientnet_v2_s</c>.</summary>
[Network(Like = typeof(EfficientNetV2Family), With = "expand: [1, 4, 4, 4, 6, 6], stride: [1, 2, 2, 2, 1, 2], widths: [24, 48, 64, 128, 160, 256], depths: [2, 4, 4, 6, 9, 15], fused: 3, dropout: 0.2", Input = "3x224x224", Name = "efficientnet_v2_s")]
public partial class EfficientNetV2S { }

/// <summary>torchvision <c>efficientnet_v2_m</c>.</summary>
[Network(Like = typeof(EfficientNetV2Family), With = "expand: [1, 4, 4, 4, 6, 6, 6], stride: [1, 2, 2, 2, 1, 2, 1], widths: [24, 48, 80, 160, 176, 304, 512], depths: [3, 5, 5, 7, 14, 18, 5], fused: 3, dropout: 0.3", Input = "3x224x224", Name = "efficientnet_v2_m")]
public partial class EfficientNetV2M { }

/// <summary>torchvision <c>efficientnet_v2_l</c>.</summary>
[Network(Like = typeof(EfficientNetV2Family), With = "expand: [1, 4, 4, 4, 6, 6, 6], stride: [1, 2, 2, 2, 1, 2, 1], widths: [32, 64, 96, 192, 224, 384, 640], depths: [4, 7, 7, 10, 19, 25, 7], fused: 3, dropout: 0.4", Input = "3x224x224", Name = "efficientnet_v2_l")]
public partial class EfficientNetV2L { }

/// <summary>
/// <see cref="EfficientNetB0"/> with PiX in place of its squeezing 1×1 convolutions (the projections of the
/// MBConv blocks whose output channels divide the expanded channels).
/// </summary>
[Network(Name = "efficientnet_b0_pix", Like = typeof(EfficientNetB0)), SubstitutePiX]
public partial class EfficientNetB0PiX
{
}

/// <summary>
/// <see cref="EfficientNetV2S"/> with PiX in place of its squeezing 1×1 convolutions (the projections of the
/// FusedMBConv and MBConv blocks whose output channels divide the expanded channels).
/// </summary>
[Network(Name = "efficientnet_v2_s_pix", Like = typeof(EfficientNetV2S)), SubstitutePiX]
public partial class EfficientNetV2SPiX
{
}
