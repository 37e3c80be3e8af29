using PiXGen;
using PiXGen.PiX;
using TorchSharp.Modules;

namespace PiXGen.Zoo;

/// <summary>
/// The official PiX-ResNet bottleneck ("fast channel squeezing"): PiX replaces the first 1×1 conv + BN + ReLU,
/// squeezing C input channels to width = ceil(C / ζ); then 3×3 conv (carries the stride) + BN + ReLU, 1×1
/// expansion + BN, residual add with a conv_proj + bn_proj projection where the shape changes, ReLU.
/// Names follow the official code so its checkpoints load.
/// </summary>
[Block, Residual]
public partial class PiXBottleneck
{
    [Arg] readonly int planes;
    [Arg(1)] readonly int stride;
    [Arg] readonly int zeta;
    [Let("(in + zeta - 1) / zeta")] readonly int width;
    [Let("planes * 4")] readonly int expanded;

    [PiX(Zeta = "zeta")] readonly PiXLayer conv_sqz;
    [Conv2d("width", Kernel = 3, Stride = "stride", Padding = 1, Bias = false)] readonly Conv2d conv_ce;
    [BatchNorm2d] readonly BatchNorm2d bn_ce;
    [ReLU] readonly ReLU relu_ce;
    [Conv2d("expanded", Kernel = 1, Bias = false)] readonly Conv2d conv_exp;
    [BatchNorm2d] readonly BatchNorm2d bn_exp;

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

    [Use(typeof(PiXBottleneck), "planes: planes, stride: i == 0 ? stride : 1, zeta: i == 0 ? firstZeta : zeta", Count = "depth")]
    readonly Sequential blocks;
}
