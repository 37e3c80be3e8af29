using PiXGen;
using PiXGen.Layers;
using TorchSharp.Modules;
using TorchSharp.Utils;

namespace PiXGen.Zoo;

/// <summary>
/// torchvision's ConvNeXt <c>CNBlock</c>: a 7×7 depthwise convolution, then — with the channels moved last — LayerNorm
/// (eps 1e-6), a Linear to four times the channels, GELU and a Linear back, the channels moved first again; the result
/// is multiplied by the learnable per-channel <c>layer_scale</c> (1e-6 at start), passed through stochastic depth
/// ("row") and added to the input. The drop probability ramps linearly over the network's blocks:
/// <c>sd · id / steps</c> for the block numbered <c>id</c> of <c>steps + 1</c>.
/// </summary>
[Block, Residual]
public partial class CNBlock
{
    [Arg] readonly int id;
    [Arg] readonly int steps;
    [Arg] readonly double sd;

    [Conv2d("in", Kernel = 7, Padding = 3, Groups = "in")]
    [Permute(0, 2, 3, 1)]
    [LayerNorm(Eps = 1e-6)]
    [Linear("4 * in")]
    [GELU]
    [Linear("in")]
    [Permute(0, 3, 1, 2)]
    readonly Sequential block;

    [LayerScale(1e-6)] readonly Parameter layer_scale;
    [StochasticDepth("sd", Step = "id", Steps = "steps")] readonly StochasticDepth stochastic_depth;
}

/// <summary>One ConvNeXt stage: <c>depth</c> <see cref="CNBlock"/>s numbered 0, 1, …; <c>first</c> is the network-wide number of its first block.</summary>
[Block]
public partial class ConvNeXtStage
{
    [Arg] readonly int depth;
    [Arg] readonly int first;
    [Arg] readonly int steps;
    [Arg] readonly double sd;

    [Use(typeof(CNBlock), "id: first + i, steps: steps, sd: sd", Count = "depth", Name = "{i}")] readonly CNBlock[] blocks;
}

/// <summary>ConvNeXt's stem (children 0, 1): a 4×4 stride-4 convolution ("patchify") and a channel LayerNorm (eps 1e-6).</summary>
[Block]
public partial class ConvNeXtStem
{
    [Arg] readonly int width;
    [Conv2d("width", Kernel = 4, Stride = 4), ComponentName(Name = "0")] readonly Conv2d conv;
    [LayerNorm2d(Eps = 1e-6), ComponentName(Name = "1")] readonly LayerNorm2d norm;
}

/// <summary>ConvNeXt's downsampling between stages (children 0, 1): a channel LayerNorm (eps 1e-6), then a 2×2 stride-2 convolution to <c>width</c>.</summary>
[Block]
public partial class ConvNeXtDownsample
{
    [Arg] readonly int width;
    [LayerNorm2d(Eps = 1e-6), ComponentName(Name = "0")] readonly LayerNorm2d norm;
    [Conv2d("width", Kernel = 2, Stride = 2), ComponentName(Name = "1")] readonly Conv2d conv;
}

/// <summary>
/// torchvision's ConvNeXt family (<c>convnext_tiny</c> … <c>convnext_large</c>), declared once: stage widths
/// <c>width</c>, 2·, 4·, 8·<c>width</c> with 3, 3, <c>deep</c>, 3 blocks; <c>sd</c> the stochastic depth probability
/// of the last block (ramped linearly from 0 over all blocks); global average pool, then a classifier of channel
/// LayerNorm, flatten and Linear.
/// </summary>
[Block, Init("torchvision-convnext")]
public partial class ConvNeXtFamily
{
    [Arg(1000)] readonly int numClasses;
    [Arg] readonly int width;
    [Arg] readonly int deep;
    [Arg] readonly double sd;
    [Let("3 + 3 + deep + 3 - 1")] readonly int steps;

    [Use(typeof(ConvNeXtStem), "width: width")]
    [Use(typeof(ConvNeXtStage), "depth: 3, first: 0, steps: steps, sd: sd")]
    [Use(typeof(ConvNeXtDownsample), "width: 2 * width")]
    [Use(typeof(ConvNeXtStage), "depth: 3, first: 3, steps: steps, sd: sd")]
    [Use(typeof(ConvNeXtDownsample), "width: 4 * width")]
    [Use(typeof(ConvNeXtStage), "depth: deep, first: 6, steps: steps, sd: sd")]
    [Use(typeof(ConvNeXtDownsample), "width: 8 * width")]
    [Use(typeof(ConvNeXtStage), "depth: 3, first: 6 + deep, steps: steps, sd: sd")]
    readonly Sequential features;

    [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d avgpool;
    [LayerNorm2d(Eps = 1e-6)] [Flatten] [Linear("numClasses")] readonly Sequential classifier;
}

/// <summary>torchvision <c>convnext_tiny</c>: widths 96…768, blocks 3, 3, 9, 3, stochastic depth 0.1.</summary>
[Network(Like = typeof(ConvNeXtFamily), With = "width: 96, deep: 9, sd: 0.1", Input = "3x224x224", Name = "convnext_tiny")] public partial class ConvNeXtTiny { }
/// <summary>torchvision <c>convnext_small</c>: widths 96…768, blocks 3, 3, 27, 3, stochastic depth 0.4.</summary>
[Network(Like = typeof(ConvNeXtFamily), With = "width: 96, deep: 27, sd: 0.4", Input = "3x224x224", Name = "convnext_small")] public partial class ConvNeXtSmall { }
/// <summary>torchvision <c>convnext_base</c>: widths 128…1024, blocks 3, 3, 27, 3, stochastic depth 0.5.</summary>
[Network(Like = typeof(ConvNeXtFamily), With = "width: 128, deep: 27, sd: 0.5", Input = "3x224x224", Name = "convnext_base")] public partial class ConvNeXtBase { }
/// <summary>torchvision <c>convnext_large</c>: widths 192…1536, blocks 3, 3, 27, 3, stochastic depth 0.5.</summary>
[Network(Like = typeof(ConvNeXtFamily), With = "width: 192, deep: 27, sd: 0.5", Input = "3x224x224", Name = "convnext_large")] public partial class ConvNeXtLarge { }
