using PiXGen;
using TorchSharp.Modules;

namespace PiXGen.Zoo;

/// <summary>
/// torchvision's GoogLeNet <c>BasicConv2d</c>: convolution without bias, BatchNorm (eps 0.001), ReLU (functional in
/// torchvision; it holds no state).
/// </summary>
[Block]
public partial class GoogLeNetConv
{
    [Arg] readonly int oup;
    [Arg(1)] readonly int kernel;
    [Arg(1)] readonly int stride;
    [Arg(0)] readonly int padding;

    [Conv2d("oup", Kernel = "kernel", Stride = "stride", Padding = "padding", Bias = false)] readonly Conv2d conv;
    [BatchNorm2d(Eps = 0.001)] readonly BatchNorm2d bn;
    [ReLU] readonly ReLU relu;
}

/// <summary>
/// torchvision's GoogLeNet <c>Inception</c> module: four parallel branches (1×1; 1×1 → 3×3; 1×1 → 3×3, torchvision's
/// known 3×3-instead-of-5×5; 3×3 ceil-mode max pool → 1×1) concatenated along the channels.
/// </summary>
[Block]
public partial class GoogLeNetInception
{
    [Arg] readonly int ch1x1;
    [Arg] readonly int ch3x3red;
    [Arg] readonly int ch3x3;
    [Arg] readonly int ch5x5red;
    [Arg] readonly int ch5x5;
    [Arg] readonly int poolProj;

    [Branch("b1")] [Use(typeof(GoogLeNetConv), "oup: ch1x1")] readonly GoogLeNetConv branch1;
    [Branch("b2")]
    [Use(typeof(GoogLeNetConv), "oup: ch3x3red")]
    [Use(typeof(GoogLeNetConv), "oup: ch3x3, kernel: 3, padding: 1")]
    readonly Sequential branch2;
    [Branch("b3")]
    [Use(typeof(GoogLeNetConv), "oup: ch5x5red")]
    [Use(typeof(GoogLeNetConv), "oup: ch5x5, kernel: 3, padding: 1")]
    readonly Sequential branch3;
    [Branch("b4")]
    [MaxPool2d(3, Stride = 1, Padding = 1, CeilMode = true)]
    [Use(typeof(GoogLeNetConv), "oup: poolProj")]
    readonly Sequential branch4;
}

/// <summary>
/// torchvision <c>googlenet</c> without the auxiliary heads (aux_logits=False) and with transform_input=False,
/// declared with PiXGen attributes.
/// </summary>
[Network(Input = "3x224x224", Name = "googlenet"), Init("torchvision-googlenet")]
public partial class GoogLeNet
{
    [Arg(1000)] readonly int numClasses;

    [Use(typeof(GoogLeNetConv), "oup: 64, kernel: 7, stride: 2, padding: 3")] readonly GoogLeNetConv conv1;
    [MaxPool2d(3, Stride = 2, CeilMode = true)] readonly MaxPool2d maxpool1;
    [Use(typeof(GoogLeNetConv), "oup: 64")] readonly GoogLeNetConv conv2;
    [Use(typeof(GoogLeNetConv), "oup: 192, kernel: 3, padding: 1")] readonly GoogLeNetConv conv3;
    [MaxPool2d(3, Stride = 2, CeilMode = true)] readonly MaxPool2d maxpool2;

    [Use(typeof(GoogLeNetInception), "ch1x1: 64, ch3x3red: 96, ch3x3: 128, ch5x5red: 16, ch5x5: 32, poolProj: 32")] readonly GoogLeNetInception inception3a;
    [Use(typeof(GoogLeNetInception), "ch1x1: 128, ch3x3red: 128, ch3x3: 192, ch5x5red: 32, ch5x5: 96, poolProj: 64")] readonly GoogLeNetInception inception3b;
    [MaxPool2d(3, Stride = 2, CeilMode = true)] readonly MaxPool2d maxpool3;

    [Use(typeof(GoogLeNetInception), "ch1x1: 192, ch3x3red: 96, ch3x3: 208, ch5x5red: 16, ch5x5: 48, poolProj: 64")] readonly GoogLeNetInception inception4a;
    [Use(typeof(GoogLeNetInception), "ch1x1: 160, ch3x3red: 112, ch3x3: 224, ch5x5red: 24, ch5x5: 64, poolProj: 64")] readonly GoogLeNetInception inception4b;
    [Use(typeof(GoogLeNetInception), "ch1x1: 128, ch3x3red: 128, ch3x3: 256, ch5x5red: 24, ch5x5: 64, poolProj: 64")] readonly GoogLeNetInception inception4c;
    [Use(typeof(GoogLeNetInception), "ch1x1: 112, ch3x3red: 144, ch3x3: 288, ch5x5red: 32, ch5x5: 64, poolProj: 64")] readonly GoogLeNetInception inception4d;
    [Use(typeof(GoogLeNetInception), "ch1x1: 256, ch3x3red: 160, ch3x3: 320, ch5x5red: 32, ch5x5: 128, poolProj: 128")] readonly GoogLeNetInception inception4e;
    [MaxPool2d(2, Stride = 2, CeilMode = true)] readonly MaxPool2d maxpool4;

    [Use(typeof(GoogLeNetInception), "ch1x1: 256, ch3x3red: 160, ch3x3: 320, ch5x5red: 32, ch5x5: 128, poolProj: 128")] readonly GoogLeNetInception inception5a;
    [Use(typeof(GoogLeNetInception), "ch1x1: 384, ch3x3red: 192, ch3x3: 384, ch5x5red: 48, ch5x5: 128, poolProj: 128")] readonly GoogLeNetInception inception5b;

    [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d avgpool;
    [Flatten] readonly Flatten flatten;
    [Dropout(0.2)] readonly Dropout dropout;
    [Linear("numClasses")] readonly Linear fc;
}

/// <summary>
/// GoogLeNet's PiX twin: network-wide substitution reaches the Inception modules' [Branch] members and replaces
/// the 17 channel-squeezing 1×1 convolutions (e.g. inception3a's 192→64, 192→96, 192→16 and pool projection 192→32),
/// each with its BatchNorm and ReLU; every other state_dict key of googlenet stays.
/// </summary>
[Network(Name = "googlenet_pix", Like = typeof(GoogLeNet)), SubstitutePiX]
public partial class GoogLeNetPiX { }
