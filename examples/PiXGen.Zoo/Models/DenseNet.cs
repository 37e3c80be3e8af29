using PiXGen;
using TorchSharp.Modules;

namespace PiXGen.Zoo;

/// <summary>
/// torchvision's <c>_DenseLayer</c> (DenseNet-BC): BN → ReLU → 1×1 bottleneck (bnSize·growth channels) → BN → ReLU →
/// 3×3 convolution to growth channels, concatenated behind its input (<c>[Dense]</c>).
/// </summary>
[Block, Dense]
public partial class DenseLayer
{
    [Arg] readonly int growth;
    [Arg(4)] readonly int bnSize;
    [Let("bnSize * growth")] readonly int width;

    [BatchNorm2d] readonly BatchNorm2d norm1;
    [ReLU] readonly ReLU relu1;
    [Conv2d("width", Kernel = 1, Bias = false)] readonly Conv2d conv1;
    [BatchNorm2d] readonly BatchNorm2d norm2;
    [ReLU] readonly ReLU relu2;
    [Conv2d("growth", Kernel = 3, Padding = 1, Bias = false)] readonly Conv2d conv2;
}

/// <summary>
/// torchvision's <c>_DenseBlock</c>: <c>layers</c> dense layers named denselayer1, denselayer2, … (up to 24, enough
/// for DenseNet-121). Each layer concatenates its new features behind its input, so the block's output is
/// cat(input, f1, f2, …) like torchvision's.
/// </summary>
[Block]
public partial class DenseBlock
{
    [Arg] readonly int layers;
    [Arg(32)] readonly int growth;
    [Arg(4)] readonly int bnSize;

    [Use(typeof(DenseLayer), "growth: growth, bnSize: bnSize")] readonly DenseLayer denselayer1;
    [Use(typeof(DenseLayer), "growth: growth, bnSize: bnSize", When = "layers >= 2")] readonly DenseLayer? denselayer2;
    [Use(typeof(DenseLayer), "growth: growth, bnSize: bnSize", When = "layers >= 3")] readonly DenseLayer? denselayer3;
    [Use(typeof(DenseLayer), "growth: growth, bnSize: bnSize", When = "layers >= 4")] readonly DenseLayer? denselayer4;
    [Use(typeof(DenseLayer), "growth: growth, bnSize: bnSize", When = "layers >= 5")] readonly DenseLayer? denselayer5;
    [Use(typeof(DenseLayer), "growth: growth, bnSize: bnSize", When = "layers >= 6")] readonly DenseLayer? denselayer6;
    [Use(typeof(DenseLayer), "growth: growth, bnSize: bnSize", When = "layers >= 7")] readonly DenseLayer? denselayer7;
    [Use(typeof(DenseLayer), "growth: growth, bnSize: bnSize", When = "layers >= 8")] readonly DenseLayer? denselayer8;
    [Use(typeof(DenseLayer), "growth: growth, bnSize: bnSize", When = "layers >= 9")] readonly DenseLayer? denselayer9;
    [Use(typeof(DenseLayer), "growth: growth, bnSize: bnSize", When = "layers >= 10")] readonly DenseLayer? denselayer10;
    [Use(typeof(DenseLayer), "growth: growth, bnSize: bnSize", When = "layers >= 11")] readonly DenseLayer? denselayer11;
    [Use(typeof(DenseLayer), "growth: growth, bnSize: bnSize", When = "layers >= 12")] readonly DenseLayer? denselayer12;
    [Use(typeof(DenseLayer), "growth: growth, bnSize: bnSize", When = "layers >= 13")] readonly DenseLayer? denselayer13;
    [Use(typeof(DenseLayer), "growth: growth, bnSize: bnSize", When = "layers >= 14")] readonly DenseLayer? denselayer14;
    [Use(typeof(DenseLayer), "growth: growth, bnSize: bnSize", When = "layers >= 15")] readonly DenseLayer? denselayer15;
    [Use(typeof(DenseLayer), "growth: growth, bnSize: bnSize", When = "layers >= 16")] readonly DenseLayer? denselayer16;
    [Use(typeof(DenseLayer), "growth: growth, bnSize: bnSize", When = "layers >= 17")] readonly DenseLayer? denselayer17;
    [Use(typeof(DenseLayer), "growth: growth, bnSize: bnSize", When = "layers >= 18")] readonly DenseLayer? denselayer18;
    [Use(typeof(DenseLayer), "growth: growth, bnSize: bnSize", When = "layers >= 19")] readonly DenseLayer? denselayer19;
    [Use(typeof(DenseLayer), "growth: growth, bnSize: bnSize", When = "layers >= 20")] readonly DenseLayer? denselayer20;
    [Use(typeof(DenseLayer), "growth: growth, bnSize: bnSize", When = "layers >= 21")] readonly DenseLayer? denselayer21;
    [Use(typeof(DenseLayer), "growth: growth, bnSize: bnSize", When = "layers >= 22")] readonly DenseLayer? denselayer22;
    [Use(typeof(DenseLayer), "growth: growth, bnSize: bnSize", When = "layers >= 23")] readonly DenseLayer? denselayer23;
    [Use(typeof(DenseLayer), "growth: growth, bnSize: bnSize", When = "layers >= 24")] readonly DenseLayer? denselayer24;
}

/// <summary>torchvision's <c>_Transition</c>: BN → ReLU → 1×1 convolution halving the channels → 2×2 average pool.</summary>
[Block]
public partial class DenseTransition
{
    [Let("in / 2")] readonly int half;

    [BatchNorm2d] readonly BatchNorm2d norm;
    [ReLU] readonly ReLU relu;
    [Conv2d("half", Kernel = 1, Bias = false)] readonly Conv2d conv;
    [AvgPool2d(2, Stride = 2)] readonly AvgPool2d pool;
}

/// <summary>
/// The <c>features</c> of torchvision's DenseNet-121 (growth 32, blocks 6-12-24-16, 64 initial features, bnSize 4):
/// stem conv0/norm0/relu0/pool0, dense blocks with transitions between them, final norm5.
/// </summary>
[Block]
public partial class DenseNet121Features
{
    [Conv2d(64, Kernel = 7, Stride = 2, Padding = 3, Bias = false)] readonly Conv2d conv0;
    [BatchNorm2d] readonly BatchNorm2d norm0;
    [ReLU] readonly ReLU relu0;
    [MaxPool2d(3, Stride = 2, Padding = 1)] readonly MaxPool2d pool0;
    [Use(typeof(DenseBlock), "layers: 6")] readonly DenseBlock denseblock1;
    [Use(typeof(DenseTransition))] readonly DenseTransition transition1;
    [Use(typeof(DenseBlock), "layers: 12")] readonly DenseBlock denseblock2;
    [Use(typeof(DenseTransition))] readonly DenseTransition transition2;
    [Use(typeof(DenseBlock), "layers: 24")] readonly DenseBlock denseblock3;
    [Use(typeof(DenseTransition))] readonly DenseTransition transition3;
    [Use(typeof(DenseBlock), "layers: 16")] readonly DenseBlock denseblock4;
    [BatchNorm2d] readonly BatchNorm2d norm5;
}

/// <summary>
/// torchvision <c>densenet121</c>, declared with PiXGen attributes: the features, then ReLU, global average pool,
/// flatten and the linear classifier (torchvision's forward applies the ReLU and pool functionally; they hold no state).
/// </summary>
[Network(Input = "3x224x224", Name = "densenet121"), Init("torchvision-densenet")]
public partial class DenseNet121
{
    [Arg(1000)] readonly int numClasses;

    [Use(typeof(DenseNet121Features))] readonly DenseNet121Features features;
    [ReLU] readonly ReLU relu;
    [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d pool;
    [Flatten] readonly Flatten flatten;
    [Linear("numClasses")] readonly Linear classifier;
}

/// <summary>
/// DenseNet-121 (<see cref="DenseNet121"/>, reused with Like) with network-wide PiX substitution: every 1×1 convolution
/// that squeezes the concatenated features (C_out &lt; C_in dividing C_in) becomes PiX — the transitions' halving
/// convolutions (ζ = 2) and the dense layers' bottlenecks where 128 divides the input channels.
/// </summary>
[Network(Name = "densenet121_pix", Like = typeof(DenseNet121)), SubstitutePiX]
public partial class DenseNet121PiX { }
