using PiXGen;
using TorchSharp.Modules;

namespace PiXGen.Zoo;

/// <summary>
/// torchvision's SqueezeNet <c>Fire</c> module: a 1×1 squeeze convolution, then two parallel expansions (1×1 and
/// 3×3, each with its ReLU) concatenated along the channels.
/// </summary>
[Block]
public partial class Fire
{
    [Arg] readonly int squeezePlanes;
    [Arg] readonly int expand1;
    [Arg] readonly int expand3;

    [Conv2d("squeezePlanes", Kernel = 1)] readonly Conv2d squeeze;
    [ReLU] readonly ReLU squeeze_activation;
    [Branch("e1")] [Conv2d("expand1", Kernel = 1)] readonly Conv2d expand1x1;
    [Branch("e1")] [ReLU] readonly ReLU expand1x1_activation;
    [Branch("e3")] [Conv2d("expand3", Kernel = 3, Padding = 1)] readonly Conv2d expand3x3;
    [Branch("e3")] [ReLU] readonly ReLU expand3x3_activation;
}

/// <summary>
/// torchvision's SqueezeNet family (<c>SqueezeNet(version)</c>), declared once: numbered <c>features</c> (stem,
/// ceil-mode max pools, eight Fire modules) and a convolutional classifier (dropout, 1×1 conv to the classes, ReLU,
/// global average pool), flattened. <c>version</c> 10 is SqueezeNet 1.0 (7×7 stem of 96 channels, pools after the
/// stem, the 3rd and the 7th Fire); 11 is SqueezeNet 1.1 (3×3 stem of 64, pools after the stem, the 2nd and the 4th
/// Fire). The pools that only one version has are left out by <c>When</c>, so the numbering is torchvision's.
/// </summary>
[Block]
public partial class SqueezeNetFamily
{
    [Arg(1000)] readonly int numClasses;
    [Arg] readonly int version;               // 10 (SqueezeNet 1.0) or 11 (SqueezeNet 1.1)
    [Let("version == 10")] readonly bool v10;

    [Conv2d("v10 ? 96 : 64", Kernel = "v10 ? 7 : 3", Stride = 2)]
    [ReLU]
    [MaxPool2d(3, Stride = 2, CeilMode = true)]
    [Use(typeof(Fire), "squeezePlanes: 16, expand1: 64, expand3: 64", Count = 2)]
    [MaxPool2d(3, Stride = 2, CeilMode = true, When = "!v10")]
    [Use(typeof(Fire), "squeezePlanes: 32, expand1: 128, expand3: 128")]
    [MaxPool2d(3, Stride = 2, CeilMode = true, When = "v10")]
    [Use(typeof(Fire), "squeezePlanes: 32, expand1: 128, expand3: 128")]
    [MaxPool2d(3, Stride = 2, CeilMode = true, When = "!v10")]
    [Use(typeof(Fire), "squeezePlanes: 48, expand1: 192, expand3: 192", Count = 2)]
    [Use(typeof(Fire), "squeezePlanes: 64, expand1: 256, expand3: 256")]
    [MaxPool2d(3, Stride = 2, CeilMode = true, When = "v10")]
    [Use(typeof(Fire), "squeezePlanes: 64, expand1: 256, expand3: 256")]
    readonly Sequential features;

    [Dropout(0.5)]
    [Conv2d("numClasses", Kernel = 1)]
    [ReLU]
    [AdaptiveAvgPool2d(1)]
    readonly Sequential classifier;

    [Flatten] readonly Flatten flatten;
}

/// <summary>torchvision <c>squeezenet1_0</c>.</summary>
[Network(Like = typeof(SqueezeNetFamily), With = "version: 10", Input = "3x224x224", Name = "squeezenet1_0")]
public partial class SqueezeNet1_0 { }

/// <summary>torchvision <c>squeezenet1_1</c>.</summary>
[Network(Like = typeof(SqueezeNetFamily), With = "version: 11", Input = "3x224x224", Name = "squeezenet1_1")]
public partial class SqueezeNet1_1 { }

/// <summary>
/// SqueezeNet 1.0 (<see cref="SqueezeNet1_0"/>, reused with Like) with network-wide PiX substitution: the Fire
/// squeezes 96→16, 128→16, 128→32, 256→32, 384→48, 384→64 and 512→64 become PiX, seven of the eight (256 → 48 does
/// not divide); φ keeps the convolutions' bias (<c>PhiBias</c>).
/// </summary>
[Network(Name = "squeezenet1_0_pix", Like = typeof(SqueezeNet1_0)), SubstitutePiX(PhiBias = true)]
public partial class SqueezeNet1_0PiX { }

/// <summary>
/// SqueezeNet 1.1 (<see cref="SqueezeNet1_1"/>, reused with Like) with network-wide PiX substitution: every Fire
/// module's squeeze convolution that divides its input channels becomes PiX (ζ = C_in / C_out): seven of the eight
/// (256 → 48 does not divide). The squeeze convolutions have a bias, so φ keeps one (<c>PhiBias</c>) and every
/// state_dict key of the dense network stays.
/// </summary>
[Network(Name = "squeezenet1_1_pix", Like = typeof(SqueezeNet1_1)), SubstitutePiX(PhiBias = true)]
public partial class SqueezeNet1_1PiX { }
