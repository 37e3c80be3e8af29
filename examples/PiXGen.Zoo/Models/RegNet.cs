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
/// the stride (<c>b</c>; groups of min(<c>groupWidth</c>, <c>wout</c>) channels, as torchvision's width/group
/// compatibility rule), squeeze-excitation to round(<c>seRatio</c> · block input width) channels (<c>se</c>, ReLU,
/// sigmoid; none when <c>seRatio</c> is 0, RegNetX), 1×1 without activation (<c>c</c>).
/// </summary>
[Block]
public partial class RegNetBottleneckTransform
{
    [Arg] readonly int wout;
    [Arg] readonly int stride;
    [Arg] readonly int groupWidth;
    [Arg(0.25)] readonly double seRatio;
    [Let("min(groupWidth, wout)")] readonly int width;
    [Let("round(seRatio * in)")] readonly int squeeze;

    [Use(typeof(RegNetConv), "oup: wout")] readonly RegNetConv a;
    [Use(typeof(RegNetConv), "oup: wout, kernel: 3, stride: stride, groups: wout / width")] readonly RegNetConv b;
    [SqueezeExcitation(Squeeze = "squeeze", When = "seRatio > 0")] readonly SqueezeExcitation? se;
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
    [Arg(0.25)] readonly double seRatio;

    [Use(typeof(RegNetBottleneckTransform), "wout: wout, stride: stride, groupWidth: groupWidth, seRatio: seRatio")]
    readonly RegNetBottleneckTransform f;

    [Shortcut(When = "stride != 1 || in != wout")]
    [Conv2d("wout", Kernel = 1, Stride = "stride", Bias = false)]
    [BatchNorm2d]
    readonly Sequential? proj;

    [ReLU(AfterAdd = true)] readonly ReLU activation;
}

/// <summary>
/// RegNet stage <c>stage</c> (torchvision's <c>AnyStage</c> <c>block1</c> … <c>block4</c>): <c>depth</c> blocks of
/// <c>width</c> channels named <c>block{stage}-0</c>, <c>block{stage}-1</c>, … (a named repeat); the first halves the
/// resolution (<c>[2, 1][min(i, 1)]</c>: stride 2 for block 0, 1 after).
/// </summary>
[Block]
public partial class RegNetStage
{
    [Arg] readonly int stage;
    [Arg] readonly int width;
    [Arg] readonly int depth;
    [Arg] readonly int groupWidth;
    [Arg] readonly double seRatio;

    [Use(typeof(RegNetBlock), "wout: width, stride: [2, 1][min(i, 1)], groupWidth: groupWidth, seRatio: seRatio", Count = "depth", Name = "block{stage}-{i}")]
    readonly RegNetBlock[] blocks;
}

/// <summary>
/// The RegNet stages (torchvision's <c>trunk_output</c>): stage k + 1 (<c>block1</c>, <c>block2</c>, … a named repeat over
/// the stage table) has <c>depths[k]</c> blocks of <c>widths[k]</c> channels; one group width and SE ratio.
/// </summary>
[Block]
public partial class RegNetTrunk
{
    [Arg] readonly int[] depths;
    [Arg] readonly int[] widths;
    [Arg] readonly int groupWidth;
    [Arg] readonly double seRatio;

    [Use(typeof(RegNetStage), "stage: i + 1, width: widths[i], depth: depths[i], groupWidth: groupWidth, seRatio: seRatio",
         Count = "len(depths)", Name = "block{i + 1}")]
    readonly RegNetStage[] stages;
}

/// <summary>
/// torchvision's RegNet family (RegNetX and RegNetY, <c>RegNet(BlockParams.from_init_params(...))</c>), declared once
/// from its width rule: <c>depth</c> blocks whose widths grow linearly from <c>w0</c> by <c>wa</c> per block, quantised
/// in log space to powers of <c>wm</c> times <c>w0</c> and to multiples of 8; consecutive blocks of one width form a stage
/// (<c>regnet_depths</c>, <c>regnet_widths</c>: src/PiXGen.Definitions/PyMath.cs), whose width is made divisible by its
/// groups' width (<c>groupWidth</c>, at most the stage width). Stem 3×3 stride 2 to 32 channels, the stages of
/// <see cref="RegNetBlock"/>s (SE ratio 0.25 for RegNetY, 0 for RegNetX), global average pool and the classifier. Each
/// member is torchvision's builder's arguments.
/// </summary>
[Block, Init("torchvision-regnet")]
public partial class RegNetFamily
{
    [Arg(1000)] readonly int numClasses;
    [Arg] readonly int depth;
    [Arg] readonly int w0;
    [Arg] readonly double wa;
    [Arg] readonly double wm;
    [Arg] readonly int groupWidth;
    [Arg(0.0)] readonly double seRatio;
    [Let("regnet_depths(depth, w0, wa, wm)")] readonly int[] depths;
    [Let("regnet_widths(depth, w0, wa, wm, groupWidth)")] readonly int[] widths;

    [Use(typeof(RegNetConv), "oup: 32, kernel: 3, stride: 2")] readonly RegNetConv stem;
    [Use(typeof(RegNetTrunk), "depths: depths, widths: widths, groupWidth: groupWidth, seRatio: seRatio")]
    readonly RegNetTrunk trunk_output;
    [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d avgpool;
    [Flatten] readonly Flatten flatten;
    [Linear("numClasses")] readonly Linear fc;
}

/// <summary>torchvision <c>regnet_x_400mf</c>.</summary>
[Network(Like = typeof(RegNetFamily), With = "depth: 22, w0: 24, wa: 24.48, wm: 2.54, groupWidth: 16", Input = "3x224x224", Name = "regnet_x_400mf")]
public partial class RegNetX_400MF { }

/// <summary>torchvision <c>regnet_x_800mf</c>.</summary>
[Network(Like = typeof(RegNetFamily), With = "depth: 16, w0: 56, wa: 35.73, wm: 2.28, groupWidth: 16", Input = "3x224x224", Name = "regnet_x_800mf")]
public partial class RegNetX_800MF { }

/// <summary>torchvision <c>regnet_x_1_6gf</c>.</summary>
[Network(Like = typeof(RegNetFamily), With = "depth: 18, w0: 80, wa: 34.01, wm: 2.25, groupWidth: 24", Input = "3x224x224", Name = "regnet_x_1_6gf")]
public partial class RegNetX_1_6GF { }

/// <summary>torchvision <c>regnet_x_3_2gf</c>.</summary>
[Network(Like = typeof(RegNetFamily), With = "depth: 25, w0: 88, wa: 26.31, wm: 2.25, groupWidth: 48", Input = "3x224x224", Name = "regnet_x_3_2gf")]
public partial class RegNetX_3_2GF { }

/// <summary>torchvision <c>regnet_x_8gf</c>.</summary>
[Network(Like = typeof(RegNetFamily), With = "depth: 23, w0: 80, wa: 49.56, wm: 2.88, groupWidth: 120", Input = "3x224x224", Name = "regnet_x_8gf")]
public partial class RegNetX_8GF { }

/// <summary>torchvision <c>regnet_x_16gf</c>.</summary>
[Network(Like = typeof(RegNetFamily), With = "depth: 22, w0: 216, wa: 55.59, wm: 2.1, groupWidth: 128", Input = "3x224x224", Name = "regnet_x_16gf")]
public partial class RegNetX_16GF { }

/// <summary>torchvision <c>regnet_x_32gf</c>.</summary>
[Network(Like = typeof(RegNetFamily), With = "depth: 23, w0: 320, wa: 69.86, wm: 2.0, groupWidth: 168", Input = "3x224x224", Name = "regnet_x_32gf")]
public partial class RegNetX_32GF { }

/// <summary>torchvision <c>regnet_y_400mf</c>.</summary>
[Network(Like = typeof(RegNetFamily), With = "depth: 16, w0: 48, wa: 27.89, wm: 2.09, groupWidth: 8, seRatio: 0.25", Input = "3x224x224", Name = "regnet_y_400mf")]
public partial class RegNetY_400MF { }

/// <summary>torchvision <c>regnet_y_800mf</c>.</summary>
[Network(Like = typeof(RegNetFamily), With = "depth: 14, w0: 56, wa: 38.84, wm: 2.4, groupWidth: 16, seRatio: 0.25", Input = "3x224x224", Name = "regnet_y_800mf")]
public partial class RegNetY_800MF { }

/// <summary>torchvision <c>regnet_y_1_6gf</c>.</summary>
[Network(Like = typeof(RegNetFamily), With = "depth: 27, w0: 48, wa: 20.71, wm: 2.65, groupWidth: 24, seRatio: 0.25", Input = "3x224x224", Name = "regnet_y_1_6gf")]
public partial class RegNetY_1_6GF { }

/// <summary>torchvision <c>regnet_y_3_2gf</c>.</summary>
[Network(Like = typeof(RegNetFamily), With = "depth: 21, w0: 80, wa: 42.63, wm: 2.66, groupWidth: 24, seRatio: 0.25", Input = "3x224x224", Name = "regnet_y_3_2gf")]
public partial class RegNetY_3_2GF { }

/// <summary>torchvision <c>regnet_y_8gf</c>.</summary>
[Network(Like = typeof(RegNetFamily), With = "depth: 17, w0: 192, wa: 76.82, wm: 2.19, groupWidth: 56, seRatio: 0.25", Input = "3x224x224", Name = "regnet_y_8gf")]
public partial class RegNetY_8GF { }

/// <summary>torchvision <c>regnet_y_16gf</c>.</summary>
[Network(Like = typeof(RegNetFamily), With = "depth: 18, w0: 200, wa: 106.23, wm: 2.48, groupWidth: 112, seRatio: 0.25", Input = "3x224x224", Name = "regnet_y_16gf")]
public partial class RegNetY_16GF { }

/// <summary>torchvision <c>regnet_y_32gf</c>.</summary>
[Network(Like = typeof(RegNetFamily), With = "depth: 20, w0: 232, wa: 115.89, wm: 2.53, groupWidth: 232, seRatio: 0.25", Input = "3x224x224", Name = "regnet_y_32gf")]
public partial class RegNetY_32GF { }

/// <summary>torchvision <c>regnet_y_128gf</c>.</summary>
[Network(Like = typeof(RegNetFamily), With = "depth: 27, w0: 456, wa: 160.83, wm: 2.52, groupWidth: 264, seRatio: 0.25", Input = "3x224x224", Name = "regnet_y_128gf")]
public partial class RegNetY_128GF { }
