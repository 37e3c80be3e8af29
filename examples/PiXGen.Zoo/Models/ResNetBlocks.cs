using PiXGen;
using TorchSharp.Modules;

namespace PiXGen.Zoo;

/// <summary>torchvision's <c>BasicBlock</c> (ResNet-18/34): two 3×3 convolutions and a residual add.</summary>
[Block, Residual]
public partial class BasicBlock
{
    [Arg] readonly int planes;
    [Arg(1)] readonly int stride;

    [Conv2d("planes", Kernel = 3, Stride = "stride", Padding = 1, Bias = false)] readonly Conv2d conv1;
    [BatchNorm2d] readonly BatchNorm2d bn1;
    [ReLU] readonly ReLU relu1;
    [Conv2d("planes", Kernel = 3, Padding = 1, Bias = false)] readonly Conv2d conv2;
    [BatchNorm2d] readonly BatchNorm2d bn2;

    [Shortcut(When = "stride != 1 || in != planes")]
    [Conv2d("planes", Kernel = 1, Stride = "stride", Bias = false)]
    [BatchNorm2d]
    readonly Sequential? downsample;

    [ReLU(AfterAdd = true)] readonly ReLU relu;
}

/// <summary>
/// torchvision's <c>Bottleneck</c> (ResNet-50/101/152, ResNeXt, Wide ResNet): 1×1 squeeze, 3×3 (grouped)
/// convolution carrying the stride, 1×1 expansion ×4, residual add.
/// </summary>
[Block, Residual]
public partial class Bottleneck
{
    [Arg] readonly int planes;
    [Arg(1)] readonly int stride;
    [Arg(1)] readonly int groups;
    [Arg(64)] readonly int baseWidth;
    [Let("planes * baseWidth / 64 * groups")] readonly int width;
    [Let("planes * 4")] readonly int expanded;

    [Conv2d("width", Kernel = 1, Bias = false)] readonly Conv2d conv1;
    [BatchNorm2d] readonly BatchNorm2d bn1;
    [ReLU] readonly ReLU relu1;
    [Conv2d("width", Kernel = 3, Stride = "stride", Padding = 1, Groups = "groups", Bias = false)] readonly Conv2d conv2;
    [BatchNorm2d] readonly BatchNorm2d bn2;
    [ReLU] readonly ReLU relu2;
    [Conv2d("expanded", Kernel = 1, Bias = false)] readonly Conv2d conv3;
    [BatchNorm2d] readonly BatchNorm2d bn3;

    [Shortcut(When = "stride != 1 || in != expanded")]
    [Conv2d("expanded", Kernel = 1, Stride = "stride", Bias = false)]
    [BatchNorm2d]
    readonly Sequential? downsample;

    [ReLU(AfterAdd = true)] readonly ReLU relu;
}
