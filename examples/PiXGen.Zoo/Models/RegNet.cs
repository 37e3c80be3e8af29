using PiXGen;
using PiXGen.Layers;
using TorchSharp.Modules;
using TorchSharp.Utils;

namespace PiXGen.Zoo;

/// <summary>
/// torchvision's RegNet <c>Conv2dNormActivation</c>: a numbered 1×1 or k×k conv → BN (→ ReLU when <c>relu</c>),
/// children 0, 1, 2. Padding keeps the spatial size at stride 1.
/// </summary>
[Block]
public partial class RegNetConv
{
    [Arg] readonly int oup;
    [Arg(1)] readonly int kernel;
    [Arg(1)] readonly int stride;
    [Arg(1)] readonly int groups;
    [Arg(true)] readonly bool relu;

    [Conv2d("oup", Kernel = "kernel", Stride = "stride", Padding = "(kernel - 1) / 2", Groups = "groups", Bias = false)]
    [ComponentName(Name = "0")] readonly Conv2d conv;
    [BatchNorm2d, ComponentName(Name = "1")] readonly BatchNorm2d bn;
    [ReLU(When = "relu"), ComponentName(Name = "2")] readonly ReLU? act;
}

/// <summary>
/// torchvision's RegNet <c>BottleneckTransform</c> (bottleneck multiplier 1): 1×1 (<c>a</c>), 3×3 grouped conv carrying
/// the stride (<c>b</c>), squeeze-excitation to round(0.25 · block input width) channels (<c>se</c>, ReLU, sigmoid),
/// 1×1 without activation (<c>c</c>).
/// </summary>
[Block]
public partial class RegNetBottleneckTransform
{
    [Arg] readonly int wout;
    [Arg] readonly int stride;
    [Arg] readonly int groupWidth;
    // Python's round(0.25 · in), halves to even.
    [Let("in % 8 == 2 ? in / 4 : (in + 2) / 4")] readonly int squeeze;

    [Use(typeof(RegNetConv), "oup: wout")] readonly RegNetConv a;
    [Use(typeof(RegNetConv), "oup: wout, kernel: 3, stride: stride, groups: wout / groupWidth")] readonly RegNetConv b;
    [SqueezeExcitation(Squeeze = "squeeze")] readonly SqueezeExcitation se;
    [Use(typeof(RegNetConv), "oup: wout, relu: false")] readonly RegNetConv c;
}

/// <summary>
/// torchvision's RegNet <c>ResBottleneckBlock</c>: ReLU(proj(x) + f(x)), with the 1×1 projection <c>proj</c> only
/// when the width or the resolution changes (identity otherwise).
/// </summary>
[Block, Residual]
public partial class RegNetBlock
{
    [Arg] readonly int wout;
    [Arg(1)] readonly int stride;
    [Arg(8)] readonly int groupWidth;

    [Use(typeof(RegNetBottleneckTransform), "wout: wout, stride: stride, groupWidth: groupWidth")]
    readonly RegNetBottleneckTransform f;

    [Shortcut(When = "stride != 1 || in != wout")]
    [Conv2d("wout", Kernel = 1, Stride = "stride", Bias = false)]
    [BatchNorm2d]
    readonly Sequential? proj;

    [ReLU(AfterAdd = true)] readonly ReLU activation;
}

/// <summary>RegNetY-400MF stage 1 (torchvision's <c>AnyStage</c> <c>block1</c>): one block, width 48.</summary>
[Block]
public partial class RegNetY400Stage1
{
    [Use(typeof(RegNetBlock), "wout: 48, stride: 2"), ComponentName(Name = "block1-0")] readonly RegNetBlock b0;
}

/// <summary>RegNetY-400MF stage 2 (<c>block2</c>): three blocks, width 104.</summary>
[Block]
public partial class RegNetY400Stage2
{
    [Use(typeof(RegNetBlock), "wout: 104, stride: 2"), ComponentName(Name = "block2-0")] readonly RegNetBlock b0;
    [Use(typeof(RegNetBlock), "wout: 104"), ComponentName(Name = "block2-1")] readonly RegNetBlock b1;
    [Use(typeof(RegNetBlock), "wout: 104"), ComponentName(Name = "block2-2")] readonly RegNetBlock b2;
}

/// <summary>RegNetY-400MF stage 3 (<c>block3</c>): six blocks, width 208.</summary>
[Block]
public partial class RegNetY400Stage3
{
    [Use(typeof(RegNetBlock), "wout: 208, stride: 2"), ComponentName(Name = "block3-0")] readonly RegNetBlock b0;
    [Use(typeof(RegNetBlock), "wout: 208"), ComponentName(Name = "block3-1")] readonly RegNetBlock b1;
    [Use(typeof(RegNetBlock), "wout: 208"), ComponentName(Name = "block3-2")] readonly RegNetBlock b2;
    [Use(typeof(RegNetBlock), "wout: 208"), ComponentName(Name = "block3-3")] readonly RegNetBlock b3;
    [Use(typeof(RegNetBlock), "wout: 208"), ComponentName(Name = "block3-4")] readonly RegNetBlock b4;
    [Use(typeof(RegNetBlock), "wout: 208"), ComponentName(Name = "block3-5")] readonly RegNetBlock b5;
}

/// <summary>RegNetY-400MF stage 4 (<c>block4</c>): six blocks, width 440.</summary>
[Block]
public partial class RegNetY400Stage4
{
    [Use(typeof(RegNetBlock), "wout: 440, stride: 2"), ComponentName(Name = "block4-0")] readonly RegNetBlock b0;
    [Use(typeof(RegNetBlock), "wout: 440"), ComponentName(Name = "block4-1")] readonly RegNetBlock b1;
    [Use(typeof(RegNetBlock), "wout: 440"), ComponentName(Name = "block4-2")] readonly RegNetBlock b2;
    [Use(typeof(RegNetBlock), "wout: 440"), ComponentName(Name = "block4-3")] readonly RegNetBlock b3;
    [Use(typeof(RegNetBlock), "wout: 440"), ComponentName(Name = "block4-4")] readonly RegNetBlock b4;
    [Use(typeof(RegNetBlock), "wout: 440"), ComponentName(Name = "block4-5")] readonly RegNetBlock b5;
}

/// <summary>
/// The stages of RegNetY-400MF (torchvision's <c>trunk_output</c>): depths 1, 3, 6, 6, widths 48, 104, 208, 440,
/// group width 8, SE ratio 0.25. torchvision names each stage's blocks <c>block{stage}-{index}</c>.
/// </summary>
[Block]
public partial class RegNetY400Trunk
{
    [Use(typeof(RegNetY400Stage1), "")] readonly RegNetY400Stage1 block1;
    [Use(typeof(RegNetY400Stage2), "")] readonly RegNetY400Stage2 block2;
    [Use(typeof(RegNetY400Stage3), "")] readonly RegNetY400Stage3 block3;
    [Use(typeof(RegNetY400Stage4), "")] readonly RegNetY400Stage4 block4;
}

/// <summary>torchvision <c>regnet_y_400mf</c>, declared with PiXGen attributes.</summary>
[Network(Input = "3x224x224", Name = "regnet_y_400mf"), Init("torchvision-regnet")]
public partial class RegNetY_400MF
{
    [Arg(1000)] readonly int numClasses;

    [Use(typeof(RegNetConv), "oup: 32, kernel: 3, stride: 2")] readonly RegNetConv stem;
    [Use(typeof(RegNetY400Trunk), "")] readonly RegNetY400Trunk trunk_output;
    [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d avgpool;
    [Flatten] readonly Flatten flatten;
    [Linear("numClasses")] readonly Linear fc;
}
