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
/// The four RegNet stages (torchvision's <c>trunk_output</c>): depths <c>d1</c>–<c>d4</c>, widths <c>w1</c>–<c>w4</c>,
/// one group width and SE ratio.
/// </summary>
[Block]
public partial class RegNetTrunk
{
    [Arg] readonly int d1;
    [Arg] readonly int d2;
    [Arg] readonly int d3;
    [Arg] readonly int d4;
    [Arg] readonly int w1;
    [Arg] readonly int w2;
    [Arg] readonly int w3;
    [Arg] readonly int w4;
    [Arg] readonly int groupWidth;
    [Arg] readonly double seRatio;

    [Use(typeof(RegNetStage), "stage: 1, width: w1, depth: d1, groupWidth: groupWidth, seRatio: seRatio")] readonly RegNetStage block1;
    [Use(typeof(RegNetStage), "stage: 2, width: w2, depth: d2, groupWidth: groupWidth, seRatio: seRatio")] readonly RegNetStage block2;
    [Use(typeof(RegNetStage), "stage: 3, width: w3, depth: d3, groupWidth: groupWidth, seRatio: seRatio")] readonly RegNetStage block3;
    [Use(typeof(RegNetStage), "stage: 4, width: w4, depth: d4, groupWidth: groupWidth, seRatio: seRatio")] readonly RegNetStage block4;
}

/// <summary>
/// torchvision's RegNet family (RegNetX and RegNetY, <c>RegNet(BlockParams)</c>), declared once from each member's
/// stage table: stem 3×3 stride 2 to 32 channels, four stages of <see cref="RegNetBlock"/>s (depths <c>d1</c>–<c>d4</c>,
/// widths <c>w1</c>–<c>w4</c>, group width, SE ratio 0.25 for RegNetY and 0 for RegNetX), global average pool and the
/// classifier. The stage tables are what torchvision's <c>BlockParams.from_init_params(depth, w_0, w_a, w_m,
/// group_width)</c> computes (quoted next to each member); the rule itself is not written here because it needs
/// <c>log</c> and <c>pow</c> (block capacity round(log(w_j / w_0) / log(w_m)), width w_0 · w_m^capacity) and the
/// grouping of equal block widths into stages, which the expression language does not have.
/// </summary>
[Block, Init("torchvision-regnet")]
public partial class RegNetFamily
{
    [Arg(1000)] readonly int numClasses;
    [Arg] readonly int d1;
    [Arg] readonly int d2;
    [Arg] readonly int d3;
    [Arg] readonly int d4;
    [Arg] readonly int w1;
    [Arg] readonly int w2;
    [Arg] readonly int w3;
    [Arg] readonly int w4;
    [Arg] readonly int groupWidth;
    [Arg(0.0)] readonly double seRatio;

    [Use(typeof(RegNetConv), "oup: 32, kernel: 3, stride: 2")] readonly RegNetConv stem;
    [Use(typeof(RegNetTrunk), "d1: d1, d2: d2, d3: d3, d4: d4, w1: w1, w2: w2, w3: w3, w4: w4, groupWidth: groupWidth, seRatio: seRatio")]
    readonly RegNetTrunk trunk_output;
    [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d avgpool;
    [Flatten] readonly Flatten flatten;
    [Linear("numClasses")] readonly Linear fc;
}

/// <summary>torchvision <c>regnet_x_400mf</c> (depth 22, w_0 24, w_a 24.48, w_m 2.54, group_width 16).</summary>
[Network(Like = typeof(RegNetFamily), With = "d1: 1, d2: 2, d3: 7, d4: 12, w1: 32, w2: 64, w3: 160, w4: 400, groupWidth: 16",
    Input = "3x224x224", Name = "regnet_x_400mf")]
public partial class RegNetX_400MF { }

/// <summary>torchvision <c>regnet_x_800mf</c> (depth 16, w_0 56, w_a 35.73, w_m 2.28, group_width 16).</summary>
[Network(Like = typeof(RegNetFamily), With = "d1: 1, d2: 3, d3: 7, d4: 5, w1: 64, w2: 128, w3: 288, w4: 672, groupWidth: 16",
    Input = "3x224x224", Name = "regnet_x_800mf")]
public partial class RegNetX_800MF { }

/// <summary>torchvision <c>regnet_x_1_6gf</c> (depth 18, w_0 80, w_a 34.01, w_m 2.25, group_width 24).</summary>
[Network(Like = typeof(RegNetFamily), With = "d1: 2, d2: 4, d3: 10, d4: 2, w1: 72, w2: 168, w3: 408, w4: 912, groupWidth: 24",
    Input = "3x224x224", Name = "regnet_x_1_6gf")]
public partial class RegNetX_1_6GF { }

/// <summary>torchvision <c>regnet_x_3_2gf</c> (depth 25, w_0 88, w_a 26.31, w_m 2.25, group_width 48).</summary>
[Network(Like = typeof(RegNetFamily), With = "d1: 2, d2: 6, d3: 15, d4: 2, w1: 96, w2: 192, w3: 432, w4: 1008, groupWidth: 48",
    Input = "3x224x224", Name = "regnet_x_3_2gf")]
public partial class RegNetX_3_2GF { }

/// <summary>torchvision <c>regnet_x_8gf</c> (depth 23, w_0 80, w_a 49.56, w_m 2.88, group_width 120).</summary>
[Network(Like = typeof(RegNetFamily), With = "d1: 2, d2: 5, d3: 15, d4: 1, w1: 80, w2: 240, w3: 720, w4: 1920, groupWidth: 120",
    Input = "3x224x224", Name = "regnet_x_8gf")]
public partial class RegNetX_8GF { }

/// <summary>torchvision <c>regnet_x_16gf</c> (depth 22, w_0 216, w_a 55.59, w_m 2.1, group_width 128).</summary>
[Network(Like = typeof(RegNetFamily), With = "d1: 2, d2: 6, d3: 13, d4: 1, w1: 256, w2: 512, w3: 896, w4: 2048, groupWidth: 128",
    Input = "3x224x224", Name = "regnet_x_16gf")]
public partial class RegNetX_16GF { }

/// <summary>torchvision <c>regnet_x_32gf</c> (depth 23, w_0 320, w_a 69.86, w_m 2.0, group_width 168).</summary>
[Network(Like = typeof(RegNetFamily), With = "d1: 2, d2: 7, d3: 13, d4: 1, w1: 336, w2: 672, w3: 1344, w4: 2520, groupWidth: 168",
    Input = "3x224x224", Name = "regnet_x_32gf")]
public partial class RegNetX_32GF { }

/// <summary>torchvision <c>regnet_y_400mf</c> (depth 16, w_0 48, w_a 27.89, w_m 2.09, group_width 8).</summary>
[Network(Like = typeof(RegNetFamily), With = "d1: 1, d2: 3, d3: 6, d4: 6, w1: 48, w2: 104, w3: 208, w4: 440, groupWidth: 8, seRatio: 0.25",
    Input = "3x224x224", Name = "regnet_y_400mf")]
public partial class RegNetY_400MF { }

/// <summary>torchvision <c>regnet_y_800mf</c> (depth 14, w_0 56, w_a 38.84, w_m 2.4, group_width 16).</summary>
[Network(Like = typeof(RegNetFamily), With = "d1: 1, d2: 3, d3: 8, d4: 2, w1: 64, w2: 144, w3: 320, w4: 784, groupWidth: 16, seRatio: 0.25",
    Input = "3x224x224", Name = "regnet_y_800mf")]
public partial class RegNetY_800MF { }

/// <summary>torchvision <c>regnet_y_1_6gf</c> (depth 27, w_0 48, w_a 20.71, w_m 2.65, group_width 24).</summary>
[Network(Like = typeof(RegNetFamily), With = "d1: 2, d2: 6, d3: 17, d4: 2, w1: 48, w2: 120, w3: 336, w4: 888, groupWidth: 24, seRatio: 0.25",
    Input = "3x224x224", Name = "regnet_y_1_6gf")]
public partial class RegNetY_1_6GF { }

/// <summary>torchvision <c>regnet_y_3_2gf</c> (depth 21, w_0 80, w_a 42.63, w_m 2.66, group_width 24).</summary>
[Network(Like = typeof(RegNetFamily), With = "d1: 2, d2: 5, d3: 13, d4: 1, w1: 72, w2: 216, w3: 576, w4: 1512, groupWidth: 24, seRatio: 0.25",
    Input = "3x224x224", Name = "regnet_y_3_2gf")]
public partial class RegNetY_3_2GF { }

/// <summary>torchvision <c>regnet_y_8gf</c> (depth 17, w_0 192, w_a 76.82, w_m 2.19, group_width 56).</summary>
[Network(Like = typeof(RegNetFamily), With = "d1: 2, d2: 4, d3: 10, d4: 1, w1: 224, w2: 448, w3: 896, w4: 2016, groupWidth: 56, seRatio: 0.25",
    Input = "3x224x224", Name = "regnet_y_8gf")]
public partial class RegNetY_8GF { }

/// <summary>torchvision <c>regnet_y_16gf</c> (depth 18, w_0 200, w_a 106.23, w_m 2.48, group_width 112).</summary>
[Network(Like = typeof(RegNetFamily), With = "d1: 2, d2: 4, d3: 11, d4: 1, w1: 224, w2: 448, w3: 1232, w4: 3024, groupWidth: 112, seRatio: 0.25",
    Input = "3x224x224", Name = "regnet_y_16gf")]
public partial class RegNetY_16GF { }

/// <summary>torchvision <c>regnet_y_32gf</c> (depth 20, w_0 232, w_a 115.89, w_m 2.53, group_width 232).</summary>
[Network(Like = typeof(RegNetFamily), With = "d1: 2, d2: 5, d3: 12, d4: 1, w1: 232, w2: 696, w3: 1392, w4: 3712, groupWidth: 232, seRatio: 0.25",
    Input = "3x224x224", Name = "regnet_y_32gf")]
public partial class RegNetY_32GF { }
