using PiXGen;
using TorchSharp.Modules;

namespace PiXGen.Zoo;

/// <summary>
/// Inception-v3's <c>BasicConv2d</c>: convolution without bias (kernel and padding per axis: kh×kw, ph×pw), BatchNorm
/// (eps 0.001), ReLU (functional in torchvision; it holds no state).
/// </summary>
[Block]
public partial class InceptionConv
{
    [Arg] readonly int oup;
    [Arg(1)] readonly int kh;
    [Arg(1)] readonly int kw;
    [Arg(1)] readonly int stride;
    [Arg(0)] readonly int ph;
    [Arg(0)] readonly int pw;

    [Conv2d("oup", Kernel = "kh x kw", Stride = "stride", Padding = "ph x pw", Bias = false)] readonly Conv2d conv;
    [BatchNorm2d(Eps = 0.001)] readonly BatchNorm2d bn;
    [ReLU] readonly ReLU relu;
}

/// <summary>
/// Inception-v3's InceptionA (Mixed_5b–5d): 1×1; 1×1 → 5×5; 1×1 → 3×3 → 3×3; 3×3 average pool (stride 1, functional in
/// torchvision) → 1×1 with <c>poolFeatures</c> channels; concatenated: 224 + poolFeatures channels.
/// </summary>
[Block]
public partial class InceptionA
{
    [Arg] readonly int poolFeatures;

    [Branch("b1")] [Use(typeof(InceptionConv), "oup: 64")] readonly InceptionConv branch1x1;
    [Branch("b5")] [Use(typeof(InceptionConv), "oup: 48")] readonly InceptionConv branch5x5_1;
    [Branch("b5")] [Use(typeof(InceptionConv), "oup: 64, kh: 5, kw: 5, ph: 2, pw: 2")] readonly InceptionConv branch5x5_2;
    [Branch("dbl")] [Use(typeof(InceptionConv), "oup: 64")] readonly InceptionConv branch3x3dbl_1;
    [Branch("dbl")] [Use(typeof(InceptionConv), "oup: 96, kh: 3, kw: 3, ph: 1, pw: 1")] readonly InceptionConv branch3x3dbl_2;
    [Branch("dbl")] [Use(typeof(InceptionConv), "oup: 96, kh: 3, kw: 3, ph: 1, pw: 1")] readonly InceptionConv branch3x3dbl_3;
    [Branch("pool")] [AvgPool2d(3, Stride = 1, Padding = 1)] readonly AvgPool2d pool;
    [Branch("pool")] [Use(typeof(InceptionConv), "oup: poolFeatures")] readonly InceptionConv branch_pool;
}

/// <summary>
/// Inception-v3's InceptionB (Mixed_6a), the 35→17 reduction: 3×3 stride 2; 1×1 → 3×3 → 3×3 stride 2; 3×3 max pool
/// stride 2 (functional in torchvision); concatenated: 384 + 96 + the input's channels.
/// </summary>
[Block]
public partial class InceptionB
{
    [Branch("b3")] [Use(typeof(InceptionConv), "oup: 384, kh: 3, kw: 3, stride: 2")] readonly InceptionConv branch3x3;
    [Branch("dbl")] [Use(typeof(InceptionConv), "oup: 64")] readonly InceptionConv branch3x3dbl_1;
    [Branch("dbl")] [Use(typeof(InceptionConv), "oup: 96, kh: 3, kw: 3, ph: 1, pw: 1")] readonly InceptionConv branch3x3dbl_2;
    [Branch("dbl")] [Use(typeof(InceptionConv), "oup: 96, kh: 3, kw: 3, stride: 2")] readonly InceptionConv branch3x3dbl_3;
    [Branch("pool")] [MaxPool2d(3, Stride = 2)] readonly MaxPool2d pool;
}

/// <summary>
/// Inception-v3's InceptionC (Mixed_6b–6e), factorised 7×7s with <c>c7</c> inner channels: 1×1; 1×1 → 1×7 → 7×1;
/// 1×1 → 7×1 → 1×7 → 7×1 → 1×7; 3×3 average pool → 1×1; concatenated: 4 × 192 = 768 channels.
/// </summary>
[Block]
public partial class InceptionC
{
    [Arg] readonly int c7;

    [Branch("b1")] [Use(typeof(InceptionConv), "oup: 192")] readonly InceptionConv branch1x1;
    [Branch("b7")] [Use(typeof(InceptionConv), "oup: c7")] readonly InceptionConv branch7x7_1;
    [Branch("b7")] [Use(typeof(InceptionConv), "oup: c7, kw: 7, pw: 3")] readonly InceptionConv branch7x7_2;
    [Branch("b7")] [Use(typeof(InceptionConv), "oup: 192, kh: 7, ph: 3")] readonly InceptionConv branch7x7_3;
    [Branch("dbl")] [Use(typeof(InceptionConv), "oup: c7")] readonly InceptionConv branch7x7dbl_1;
    [Branch("dbl")] [Use(typeof(InceptionConv), "oup: c7, kh: 7, ph: 3")] readonly InceptionConv branch7x7dbl_2;
    [Branch("dbl")] [Use(typeof(InceptionConv), "oup: c7, kw: 7, pw: 3")] readonly InceptionConv branch7x7dbl_3;
    [Branch("dbl")] [Use(typeof(InceptionConv), "oup: c7, kh: 7, ph: 3")] readonly InceptionConv branch7x7dbl_4;
    [Branch("dbl")] [Use(typeof(InceptionConv), "oup: 192, kw: 7, pw: 3")] readonly InceptionConv branch7x7dbl_5;
    [Branch("pool")] [AvgPool2d(3, Stride = 1, Padding = 1)] readonly AvgPool2d pool;
    [Branch("pool")] [Use(typeof(InceptionConv), "oup: 192")] readonly InceptionConv branch_pool;
}

/// <summary>
/// Inception-v3's InceptionD (Mixed_7a), the 17→8 reduction: 1×1 → 3×3 stride 2; 1×1 → 1×7 → 7×1 → 3×3 stride 2;
/// 3×3 max pool stride 2; concatenated: 320 + 192 + the input's channels.
/// </summary>
[Block]
public partial class InceptionD
{
    [Branch("b3")] [Use(typeof(InceptionConv), "oup: 192")] readonly InceptionConv branch3x3_1;
    [Branch("b3")] [Use(typeof(InceptionConv), "oup: 320, kh: 3, kw: 3, stride: 2")] readonly InceptionConv branch3x3_2;
    [Branch("b7")] [Use(typeof(InceptionConv), "oup: 192")] readonly InceptionConv branch7x7x3_1;
    [Branch("b7")] [Use(typeof(InceptionConv), "oup: 192, kw: 7, pw: 3")] readonly InceptionConv branch7x7x3_2;
    [Branch("b7")] [Use(typeof(InceptionConv), "oup: 192, kh: 7, ph: 3")] readonly InceptionConv branch7x7x3_3;
    [Branch("b7")] [Use(typeof(InceptionConv), "oup: 192, kh: 3, kw: 3, stride: 2")] readonly InceptionConv branch7x7x3_4;
    [Branch("pool")] [MaxPool2d(3, Stride = 2)] readonly MaxPool2d pool;
}

/// <summary>
/// Inception-v3's InceptionE (Mixed_7b, 7c), whose 3×3 branches split again (nested branch groups): 1×1;
/// 1×1 → (1×3 ‖ 3×1); 1×1 → 3×3 → (1×3 ‖ 3×1); 3×3 average pool → 1×1; concatenated: 320 + 768 + 768 + 192 = 2048.
/// </summary>
[Block]
public partial class InceptionE
{
    [Branch("b1")] [Use(typeof(InceptionConv), "oup: 320")] readonly InceptionConv branch1x1;
    [Branch("b3")] [Use(typeof(InceptionConv), "oup: 384")] readonly InceptionConv branch3x3_1;
    [Branch("b3/a")] [Use(typeof(InceptionConv), "oup: 384, kw: 3, pw: 1")] readonly InceptionConv branch3x3_2a;
    [Branch("b3/b")] [Use(typeof(InceptionConv), "oup: 384, kh: 3, ph: 1")] readonly InceptionConv branch3x3_2b;
    [Branch("dbl")] [Use(typeof(InceptionConv), "oup: 448")] readonly InceptionConv branch3x3dbl_1;
    [Branch("dbl")] [Use(typeof(InceptionConv), "oup: 384, kh: 3, kw: 3, ph: 1, pw: 1")] readonly InceptionConv branch3x3dbl_2;
    [Branch("dbl/a")] [Use(typeof(InceptionConv), "oup: 384, kw: 3, pw: 1")] readonly InceptionConv branch3x3dbl_3a;
    [Branch("dbl/b")] [Use(typeof(InceptionConv), "oup: 384, kh: 3, ph: 1")] readonly InceptionConv branch3x3dbl_3b;
    [Branch("pool")] [AvgPool2d(3, Stride = 1, Padding = 1)] readonly AvgPool2d pool;
    [Branch("pool")] [Use(typeof(InceptionConv), "oup: 192")] readonly InceptionConv branch_pool;
}

/// <summary>
/// torchvision <c>inception_v3</c> without the auxiliary head (aux_logits=False) and with transform_input=False, at
/// its 3×299×299 input, declared with PiXGen attributes; the classifier sees 2048 channels.
/// </summary>
[Network(Input = "3x299x299", Name = "inception_v3"), Init("torchvision-inception")]
public partial class InceptionV3
{
    [Arg(1000)] readonly int numClasses;

    [Use(typeof(InceptionConv), "oup: 32, kh: 3, kw: 3, stride: 2")] readonly InceptionConv Conv2d_1a_3x3;
    [Use(typeof(InceptionConv), "oup: 32, kh: 3, kw: 3")] readonly InceptionConv Conv2d_2a_3x3;
    [Use(typeof(InceptionConv), "oup: 64, kh: 3, kw: 3, ph: 1, pw: 1")] readonly InceptionConv Conv2d_2b_3x3;
    [MaxPool2d(3, Stride = 2)] readonly MaxPool2d maxpool1;
    [Use(typeof(InceptionConv), "oup: 80")] readonly InceptionConv Conv2d_3b_1x1;
    [Use(typeof(InceptionConv), "oup: 192, kh: 3, kw: 3")] readonly InceptionConv Conv2d_4a_3x3;
    [MaxPool2d(3, Stride = 2)] readonly MaxPool2d maxpool2;

    [Use(typeof(InceptionA), "poolFeatures: 32")] readonly InceptionA Mixed_5b;   // 256×35×35
    [Use(typeof(InceptionA), "poolFeatures: 64")] readonly InceptionA Mixed_5c;   // 288×35×35
    [Use(typeof(InceptionA), "poolFeatures: 64")] readonly InceptionA Mixed_5d;
    [Use(typeof(InceptionB))] readonly InceptionB Mixed_6a;                       // 768×17×17
    [Use(typeof(InceptionC), "c7: 128")] readonly InceptionC Mixed_6b;
    [Use(typeof(InceptionC), "c7: 160")] readonly InceptionC Mixed_6c;
    [Use(typeof(InceptionC), "c7: 160")] readonly InceptionC Mixed_6d;
    [Use(typeof(InceptionC), "c7: 192")] readonly InceptionC Mixed_6e;
    [Use(typeof(InceptionD))] readonly InceptionD Mixed_7a;                       // 1280×8×8
    [Use(typeof(InceptionE))] readonly InceptionE Mixed_7b;                       // 2048×8×8
    [Use(typeof(InceptionE))] readonly InceptionE Mixed_7c;

    [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d avgpool;
    [Dropout(0.5)] readonly Dropout dropout;
    [Flatten] readonly Flatten flatten;
    [Linear("numClasses")] readonly Linear fc;
}

/// <summary>
/// Inception-v3's PiX twin: network-wide substitution reaches the Inception modules' [Branch] members and replaces
/// the 23 channel-squeezing 1×1 convolutions (Mixed_5b's 192→64, 192→48, 192→64 and 192→32 … Mixed_7b's 1280→320),
/// each with its BatchNorm and ReLU; every other state_dict key of inception_v3 stays.
/// </summary>
[Network(Name = "inception_v3_pix", Like = typeof(InceptionV3)), SubstitutePiX]
public partial class InceptionV3PiX { }
