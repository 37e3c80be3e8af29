using PiXGen;
using TorchSharp.Modules;

namespace PiXGen.Zoo;

/// <summary>
/// A small bottleneck ResNet for Fashion-MNIST (1×28×28, 10 classes), trained by <c>train</c> (docs/training.md).
/// A 3×3 stem at 28×28 and a 2×2 max-pool, then three stages of the zoo's <see cref="Bottleneck"/> at 14×14, 7×7
/// and 4×4. Each bottleneck's 3×3 convolution has 2 groups (width = planes), so the 1×1 squeeze convolutions
/// (conv1, ζ = 2 in the first block of a stage and 4 in the others) carry about a quarter of the MACs: the share
/// that <see cref="FMnistPiXResNet"/> replaces with PiX.
/// </summary>
[Network(Input = "1x28x28", Name = "fmnist_resnet"), Init("torchvision-resnet")]
public partial class FMnistResNet
{
    [Arg(10)] readonly int numClasses;

    [Conv2d(32, Kernel = 3, Padding = 1, Bias = false)] readonly Conv2d conv1;
    [BatchNorm2d] readonly BatchNorm2d bn1;
    [ReLU] readonly ReLU relu;
    [MaxPool2d(2)] readonly MaxPool2d maxpool;
    [Use(typeof(Bottleneck), "planes: 16, groups: 2, baseWidth: 32", Count = 2)] readonly Sequential layer1;
    [Use(typeof(Bottleneck), "planes: 32, stride: i == 0 ? 2 : 1, groups: 2, baseWidth: 32", Count = 2)] readonly Sequential layer2;
    [Use(typeof(Bottleneck), "planes: 64, stride: i == 0 ? 2 : 1, groups: 2, baseWidth: 32", Count = 3)] readonly Sequential layer3;
    [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d avgpool;
    [Flatten] readonly Flatten flatten;
    [Linear("numClasses")] readonly Linear fc;
}

/// <summary>
/// <see cref="FMnistResNet"/>'s declaration with network-wide PiX substitution: every bottleneck's 1×1 squeeze
/// convolution (with its BatchNorm and ReLU) becomes a PiX layer with ζ = C_in / C_out.
/// </summary>
[Network(Name = "fmnist_pix_resnet", Like = typeof(FMnistResNet)), SubstitutePiX, Init("torchvision-resnet")]
public partial class FMnistPiXResNet { }
