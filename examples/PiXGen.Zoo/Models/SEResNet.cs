using PiXGen;
using PiXGen.Layers;
using TorchSharp.Modules;

namespace PiXGen.Zoo;

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
