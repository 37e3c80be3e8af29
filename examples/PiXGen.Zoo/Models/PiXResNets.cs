using PiXGen;
using PiXGen.Layers;
using PiXGen.PiX;
using TorchSharp.Modules;

namespace PiXGen.Zoo;

/// <summary>
/// The official PiX-ResNet bottleneck ("fast channel squeezing"): PiX replaces the first 1×1 conv + BN + ReLU,
/// squeezing C input channels to width = ceil(C / ζ); then 3×3 conv (carries the stride) + BN + ReLU, 1×1
/// expansion + BN, residual add with a conv_proj + bn_proj projection where the shape changes, ReLU.
/// Names follow the official code so its checkpoints load. With <c>withSe</c>, squeeze-and-excitation (reduction 16,
/// <c>se.fc1</c>/<c>se.fc2</c>) scales the branch after <c>bn_exp</c>, before the add (SE-Net placement).
/// </summary>
[Block, Residual]
public partial class PiXBottleneck
{
    [Arg] readonly int planes;
    [Arg(1)] readonly int stride;
    [Arg] readonly int zeta;
    [Arg(false)] readonly bool withSe;
    [Let("(in + zeta - 1) / zeta")] readonly int width;
    [Let("planes * 4")] readonly int expanded;

    [PiX(Zeta = "zeta")] readonly PiXLayer conv_sqz;
    [Conv2d("width", Kernel = 3, Stride = "stride", Padding = 1, Bias = false)] readonly Conv2d conv_ce;
    [BatchNorm2d] readonly BatchNorm2d bn_ce;
    [ReLU] readonly ReLU relu_ce;
    [Conv2d("expanded", Kernel = 1, Bias = false)] readonly Conv2d conv_exp;
    [BatchNorm2d] readonly BatchNorm2d bn_exp;
    [SqueezeExcitation(Reduction = 16, When = "withSe")] readonly SqueezeExcitation? se;

    [Shortcut(When = "stride != 1 || in != expanded")]
    [Conv2d("expanded", Kernel = 1, Stride = "stride", Bias = false)] readonly Conv2d? conv_proj;
    [Shortcut(When = "stride != 1 || in != expanded")]
    [BatchNorm2d] readonly BatchNorm2d? bn_proj;

    [ReLU(AfterAdd = true)] readonly ReLU relu;
}

/// <summary>A stage of the official PiX-ResNet: a module holding its bottlenecks as <c>blocks</c>.</summary>
[Block]
public partial class PiXStage
{
    [Arg] readonly int planes;
    [Arg] readonly int depth;
    [Arg(1)] readonly int stride;
    [Arg] readonly int firstZeta;
    [Arg(4)] readonly int zeta;
    [Arg(false)] readonly bool withSe;

    [Use(typeof(PiXBottleneck), "planes: planes, stride: i == 0 ? stride : 1, zeta: i == 0 ? firstZeta : zeta, withSe: withSe", Count = "depth")]
    readonly Sequential blocks;
}

/// <summary>
/// The official PiX-ResNets (<c>PiXResNet50_cs</c>, <c>101_cs</c>, <c>152_cs</c>) and their zoo variants, declared once:
/// the depth picks the blocks per stage (50 [3,4,6,3], 101 [3,4,23,3], 152 [3,8,36,3]); ζ = 1, 2, 2, 2 in the first
/// block of each stage and <c>zeta</c> (4, the official value) in the others; <c>withSe</c> adds squeeze-and-excitation
/// to every block. Head GAP → dropout → 1×1 conv with bias → flatten. Each member below is one line.
/// </summary>
[Block, Init("xavier")]
public partial class PiXResNetFamily
{
    [Arg(1000)] readonly int numClasses;     // first, as in every zoo network: new PiXResNet50(10) means 10 classes
    [Arg] readonly int depth;                // 50, 101 or 152
    [Arg(4)] readonly int zeta;
    [Arg(false)] readonly bool withSe;
    [Let("depth == 152 ? 8 : 4")] readonly int blocks2;
    [Let("depth == 101 ? 23 : depth == 152 ? 36 : 6")] readonly int blocks3;

    [Conv2d(64, Kernel = 7, Stride = 2, Padding = 3, Bias = false)] readonly Conv2d conv_stem;
    [BatchNorm2d] readonly BatchNorm2d bn_stem;
    [ReLU] readonly ReLU relu;
    [MaxPool2d(3, Stride = 2, Padding = 1)] readonly MaxPool2d maxpool;
    [Use(typeof(PiXStage), "planes: 64, depth: 3, firstZeta: 1, zeta: zeta, withSe: withSe")] readonly PiXStage layer1;
    [Use(typeof(PiXStage), "planes: 128, depth: blocks2, stride: 2, firstZeta: 2, zeta: zeta, withSe: withSe")] readonly PiXStage layer2;
    [Use(typeof(PiXStage), "planes: 256, depth: blocks3, stride: 2, firstZeta: 2, zeta: zeta, withSe: withSe")] readonly PiXStage layer3;
    [Use(typeof(PiXStage), "planes: 512, depth: 3, stride: 2, firstZeta: 2, zeta: zeta, withSe: withSe")] readonly PiXStage layer4;
    [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d avgpool;
    [Dropout(0.2)] readonly Dropout dropout; // the probability is not part of the checkpoint; eval ignores it
    [Conv2d("numClasses", Kernel = 1)] readonly Conv2d classifier;
    [Flatten] readonly Flatten flatten;
}

/// <summary>PiX-ResNet-50 as the official code declares it (<c>PiXResNet50_cs</c>).</summary>
[Network(Like = typeof(PiXResNetFamily), With = "depth: 50", Input = "3x224x224", Name = "pix_resnet50")] public partial class PiXResNet50 { }

/// <summary>PiX-ResNet-101 as the official code declares it (<c>PiXResNet101_cs</c>).</summary>
[Network(Like = typeof(PiXResNetFamily), With = "depth: 101", Input = "3x224x224", Name = "pix_resnet101")] public partial class PiXResNet101 { }

/// <summary>PiX-ResNet-152 as the official code declares it (<c>PiXResNet152_cs</c>).</summary>
[Network(Like = typeof(PiXResNetFamily), With = "depth: 152", Input = "3x224x224", Name = "pix_resnet152")] public partial class PiXResNet152 { }

/// <summary>
/// PiX-ResNet-50 with half-width bottlenecks: ζ = 8 in every block after the first of each stage (width C/8, e.g.
/// 256 → 32), the first blocks keep ζ = 1, 2, 2, 2. Names and layout as <see cref="PiXResNet50"/>.
/// </summary>
[Network(Like = typeof(PiXResNetFamily), With = "depth: 50, zeta: 8", Input = "3x224x224", Name = "pix_resnet50_zeta8")] public partial class PiXResNet50Zeta8 { }

/// <summary>SE-PiX-ResNet-50: <see cref="PiXResNet50"/> with squeeze-and-excitation (reduction 16) after <c>bn_exp</c> in every block.</summary>
[Network(Like = typeof(PiXResNetFamily), With = "depth: 50, withSe: true", Input = "3x224x224", Name = "se_pix_resnet50")] public partial class SEPiXResNet50 { }
