using PiXGen;
using PiXGen.Layers;
using PiXGen.PiX;
using TorchSharp.Modules;

namespace PiXGen.Zoo;

/// <summary>
/// PiX-ResNet-50 with half-width bottlenecks: ζ = 8 in every block after the first of each stage (width C/8, e.g.
/// 256 → 32), the first blocks keep ζ = 1, 2, 2, 2. Names and layout as <see cref="PiXResNet50"/>.
/// </summary>
[Network(Input = "3x224x224", Name = "pix_resnet50_zeta8"), Init("xavier")]
public partial class PiXResNet50Zeta8
{
    [Arg(1000)] readonly int numClasses;

    [Conv2d(64, Kernel = 7, Stride = 2, Padding = 3, Bias = false)] readonly Conv2d conv_stem;
    [BatchNorm2d] readonly BatchNorm2d bn_stem;
    [ReLU] readonly ReLU relu;
    [MaxPool2d(3, Stride = 2, Padding = 1)] readonly MaxPool2d maxpool;
    [Use(typeof(PiXStage), "planes: 64, depth: 3, firstZeta: 1, zeta: 8")] readonly PiXStage layer1;
    [Use(typeof(PiXStage), "planes: 128, depth: 4, stride: 2, firstZeta: 2, zeta: 8")] readonly PiXStage layer2;
    [Use(typeof(PiXStage), "planes: 256, depth: 6, stride: 2, firstZeta: 2, zeta: 8")] readonly PiXStage layer3;
    [Use(typeof(PiXStage), "planes: 512, depth: 3, stride: 2, firstZeta: 2, zeta: 8")] readonly PiXStage layer4;
    [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d avgpool;
    [Dropout(0.2)] readonly Dropout dropout;
    [Conv2d("numClasses", Kernel = 1)] readonly Conv2d classifier;
    [Flatten] readonly Flatten flatten;
}

/// <summary>
/// torchvision's <c>Bottleneck</c> with squeeze-and-excitation (reduction 16) on the residual branch after
/// <c>bn3</c>, before the add (SE-Net placement). Names as <see cref="Bottleneck"/> plus <c>se.fc1</c>/<c>se.fc2</c>.
/// </summary>
[Block, Residual]
public partial class SEBottleneck
{
    [Arg] readonly int planes;
    [Arg(1)] readonly int stride;
    [Let("planes * 4")] readonly int expanded;

    [Conv2d("planes", Kernel = 1, Bias = false)] readonly Conv2d conv1;
    [BatchNorm2d] readonly BatchNorm2d bn1;
    [ReLU] readonly ReLU relu1;
    [Conv2d("planes", Kernel = 3, Stride = "stride", Padding = 1, Bias = false)] readonly Conv2d conv2;
    [BatchNorm2d] readonly BatchNorm2d bn2;
    [ReLU] readonly ReLU relu2;
    [Conv2d("expanded", Kernel = 1, Bias = false)] readonly Conv2d conv3;
    [BatchNorm2d] readonly BatchNorm2d bn3;
    [SqueezeExcitation(Reduction = 16)] readonly SqueezeExcitation se;

    [Shortcut(When = "stride != 1 || in != expanded")]
    [Conv2d("expanded", Kernel = 1, Stride = "stride", Bias = false)]
    [BatchNorm2d]
    readonly Sequential? downsample;

    [ReLU(AfterAdd = true)] readonly ReLU relu;
}

/// <summary>SE-ResNet-50: torchvision's ResNet-50 layout with <see cref="SEBottleneck"/> blocks.</summary>
[Network(Input = "3x224x224", Name = "se_resnet50"), Init("torchvision-resnet")]
public partial class SEResNet50
{
    [Arg(1000)] readonly int numClasses;

    [Conv2d(64, Kernel = 7, Stride = 2, Padding = 3, Bias = false)] readonly Conv2d conv1;
    [BatchNorm2d] readonly BatchNorm2d bn1;
    [ReLU] readonly ReLU relu;
    [MaxPool2d(3, Stride = 2, Padding = 1)] readonly MaxPool2d maxpool;
    [Use(typeof(SEBottleneck), "planes: 64", Count = 3)] readonly Sequential layer1;
    [Use(typeof(SEBottleneck), "planes: 128, stride: i == 0 ? 2 : 1", Count = 4)] readonly Sequential layer2;
    [Use(typeof(SEBottleneck), "planes: 256, stride: i == 0 ? 2 : 1", Count = 6)] readonly Sequential layer3;
    [Use(typeof(SEBottleneck), "planes: 512, stride: i == 0 ? 2 : 1", Count = 3)] readonly Sequential layer4;
    [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d avgpool;
    [Flatten] readonly Flatten flatten;
    [Linear("numClasses")] readonly Linear fc;
}

/// <summary>
/// <see cref="PiXBottleneck"/> with squeeze-and-excitation (reduction 16) after <c>bn_exp</c>, before the add.
/// Names as the official block plus <c>se.fc1</c>/<c>se.fc2</c>.
/// </summary>
[Block, Residual]
public partial class SEPiXBottleneck
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
    [SqueezeExcitation(Reduction = 16)] readonly SqueezeExcitation se;

    [Shortcut(When = "stride != 1 || in != expanded")]
    [Conv2d("expanded", Kernel = 1, Stride = "stride", Bias = false)] readonly Conv2d? conv_proj;
    [Shortcut(When = "stride != 1 || in != expanded")]
    [BatchNorm2d] readonly BatchNorm2d? bn_proj;

    [ReLU(AfterAdd = true)] readonly ReLU relu;
}

/// <summary>A stage of <see cref="SEPiXResNet50"/>: its <see cref="SEPiXBottleneck"/> blocks as <c>blocks</c>.</summary>
[Block]
public partial class SEPiXStage
{
    [Arg] readonly int planes;
    [Arg] readonly int depth;
    [Arg(1)] readonly int stride;
    [Arg] readonly int firstZeta;
    [Arg(4)] readonly int zeta;

    [Use(typeof(SEPiXBottleneck), "planes: planes, stride: i == 0 ? stride : 1, zeta: i == 0 ? firstZeta : zeta", Count = "depth")]
    readonly Sequential blocks;
}

/// <summary>
/// SE-PiX-ResNet-50: the official PiX-ResNet-50 layout (ζ = 1, 2, 2, 2 first, 4 elsewhere) with
/// <see cref="SEPiXBottleneck"/> blocks.
/// </summary>
[Network(Input = "3x224x224", Name = "se_pix_resnet50"), Init("xavier")]
public partial class SEPiXResNet50
{
    [Arg(1000)] readonly int numClasses;

    [Conv2d(64, Kernel = 7, Stride = 2, Padding = 3, Bias = false)] readonly Conv2d conv_stem;
    [BatchNorm2d] readonly BatchNorm2d bn_stem;
    [ReLU] readonly ReLU relu;
    [MaxPool2d(3, Stride = 2, Padding = 1)] readonly MaxPool2d maxpool;
    [Use(typeof(SEPiXStage), "planes: 64, depth: 3, firstZeta: 1")] readonly SEPiXStage layer1;
    [Use(typeof(SEPiXStage), "planes: 128, depth: 4, stride: 2, firstZeta: 2")] readonly SEPiXStage layer2;
    [Use(typeof(SEPiXStage), "planes: 256, depth: 6, stride: 2, firstZeta: 2")] readonly SEPiXStage layer3;
    [Use(typeof(SEPiXStage), "planes: 512, depth: 3, stride: 2, firstZeta: 2")] readonly SEPiXStage layer4;
    [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d avgpool;
    [Dropout(0.2)] readonly Dropout dropout;
    [Conv2d("numClasses", Kernel = 1)] readonly Conv2d classifier;
    [Flatten] readonly Flatten flatten;
}
