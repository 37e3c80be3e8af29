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
/// torchvision's <c>_DenseBlock</c>: <c>layers</c> dense layers registered as denselayer1, denselayer2, … (a named
/// repeat). Each layer concatenates its new features behind its input, so layer k sees in + (k − 1)·growth channels and
/// the block's output is cat(input, f1, f2, …) like torchvision's.
/// </summary>
[Block]
public partial class DenseBlock
{
    [Arg] readonly int layers;
    [Arg(32)] readonly int growth;
    [Arg(4)] readonly int bnSize;

    [Use(typeof(DenseLayer), "growth: growth, bnSize: bnSize", Count = "layers", Name = "denselayer{i + 1}")] readonly DenseLayer[] denselayers;
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
/// The <c>features</c> of torchvision's DenseNet: stem conv0/norm0/relu0/pool0, four dense blocks of the given sizes
/// with halving transitions between them, final norm5.
/// </summary>
[Block]
public partial class DenseNetFeatures
{
    [Arg] readonly int growth;
    [Arg] readonly int initFeatures;
    [Arg] readonly int blocks1;
    [Arg] readonly int blocks2;
    [Arg] readonly int blocks3;
    [Arg] readonly int blocks4;

    [Conv2d("initFeatures", Kernel = 7, Stride = 2, Padding = 3, Bias = false)] readonly Conv2d conv0;
    [BatchNorm2d] readonly BatchNorm2d norm0;
    [ReLU] readonly ReLU relu0;
    [MaxPool2d(3, Stride = 2, Padding = 1)] readonly MaxPool2d pool0;
    [Use(typeof(DenseBlock), "layers: blocks1, growth: growth")] readonly DenseBlock denseblock1;
    [Use(typeof(DenseTransition))] readonly DenseTransition transition1;
    [Use(typeof(DenseBlock), "layers: blocks2, growth: growth")] readonly DenseBlock denseblock2;
    [Use(typeof(DenseTransition))] readonly DenseTransition transition2;
    [Use(typeof(DenseBlock), "layers: blocks3, growth: growth")] readonly DenseBlock denseblock3;
    [Use(typeof(DenseTransition))] readonly DenseTransition transition3;
    [Use(typeof(DenseBlock), "layers: blocks4, growth: growth")] readonly DenseBlock denseblock4;
    [BatchNorm2d] readonly BatchNorm2d norm5;
}

/// <summary>
/// torchvision's DenseNet family (<c>DenseNet</c> with its <c>densenet*</c> builders), declared once: the depth picks
/// the growth rate, the initial features and the dense layers per block (121: 32, 64, 6-12-24-16; 161: 48, 96,
/// 6-12-36-24; 169: 32, 64, 6-12-32-32; 201: 32, 64, 6-12-48-32). After the features: ReLU, global average pool, flatten
/// and the linear classifier (torchvision's forward applies the ReLU and pool functionally; they hold no state). Each
/// member below is one line.
/// </summary>
[Block, Init("torchvision-densenet")]
public partial class DenseNetFamily
{
    [Arg(1000)] readonly int numClasses;     // first, as in every zoo network: new DenseNet121(10) means 10 classes
    [Arg] readonly int depth;                // 121, 161, 169 or 201
    [Let("depth == 161 ? 48 : 32")] readonly int growth;
    [Let("2 * growth")] readonly int initFeatures;
    [Let("depth == 161 ? 36 : depth == 169 ? 32 : depth == 201 ? 48 : 24")] readonly int blocks3;
    [Let("depth == 121 ? 16 : depth == 161 ? 24 : 32")] readonly int blocks4;

    [Use(typeof(DenseNetFeatures), "growth: growth, initFeatures: initFeatures, blocks1: 6, blocks2: 12, blocks3: blocks3, blocks4: blocks4")]
    readonly DenseNetFeatures features;
    [ReLU] readonly ReLU relu;
    [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d pool;
    [Flatten] readonly Flatten flatten;
    [Linear("numClasses")] readonly Linear classifier;
}

/// <summary>torchvision <c>densenet121</c>.</summary>
[Network(Like = typeof(DenseNetFamily), With = "depth: 121", Input = "3x224x224", Name = "densenet121")] public partial class DenseNet121 { }

/// <summary>torchvision <c>densenet161</c>.</summary>
[Network(Like = typeof(DenseNetFamily), With = "depth: 161", Input = "3x224x224", Name = "densenet161")] public partial class DenseNet161 { }

/// <summary>torchvision <c>densenet169</c>.</summary>
[Network(Like = typeof(DenseNetFamily), With = "depth: 169", Input = "3x224x224", Name = "densenet169")] public partial class DenseNet169 { }

/// <summary>torchvision <c>densenet201</c>.</summary>
[Network(Like = typeof(DenseNetFamily), With = "depth: 201", Input = "3x224x224", Name = "densenet201")] public partial class DenseNet201 { }

/// <summary>
/// DenseNet-121 (<see cref="DenseNet121"/>, reused with Like) with network-wide PiX substitution: every 1×1 convolution
/// that squeezes the concatenated features (C_out &lt; C_in dividing C_in) becomes PiX — the transitions' halving
/// convolutions (ζ = 2) and the dense layers' bottlenecks where 128 divides the input channels.
/// </summary>
[Network(Name = "densenet121_pix", Like = typeof(DenseNet121)), SubstitutePiX]
public partial class DenseNet121PiX { }
