using PiXGen;
using TorchSharp.Modules;

namespace PiXGen.Zoo;

/// <summary>
/// The torchvision ResNet-50 declaration (same body as <see cref="ResNet50"/>) with network-wide PiX
/// substitution: every channel-squeezing 1×1 convolution (each bottleneck's conv1 with its bn1 and ReLU)
/// becomes PiX with ζ = C_in / C_out, plus layer1.0.conv1 (64 → 64, ζ = 1) as the official PiX-ResNet-50
/// does. The result computes the same function as <see cref="PiXResNet50"/> under torchvision's names.
/// </summary>
[Network(Input = "3x224x224", Name = "resnet50_substituted_pix")]
[SubstitutePiX(Include = new[] { "layer1.0.conv1" })]
public partial class ResNet50SubstitutedPiX
{
    [Arg(1000)] readonly int numClasses;

    [Conv2d(64, Kernel = 7, Stride = 2, Padding = 3, Bias = false)] readonly Conv2d conv1;
    [BatchNorm2d] readonly BatchNorm2d bn1;
    [ReLU] readonly ReLU relu;
    [MaxPool2d(3, Stride = 2, Padding = 1)] readonly MaxPool2d maxpool;
    [Use(typeof(Bottleneck), "planes: 64", Count = 3)] readonly Sequential layer1;
    [Use(typeof(Bottleneck), "planes: 128, stride: i == 0 ? 2 : 1", Count = 4)] readonly Sequential layer2;
    [Use(typeof(Bottleneck), "planes: 256, stride: i == 0 ? 2 : 1", Count = 6)] readonly Sequential layer3;
    [Use(typeof(Bottleneck), "planes: 512, stride: i == 0 ? 2 : 1", Count = 3)] readonly Sequential layer4;
    [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d avgpool;
    [Flatten] readonly Flatten flatten;
    [Linear("numClasses")] readonly Linear fc;
}
