using PiXGen;
using TorchSharp.Modules;

namespace PiXGen.Variants.Tests;

[Block, Residual]
public partial class Bottleneck
{
    [Arg] readonly int width;
    [Arg(1)] readonly int stride;
    [Conv2d("width", Kernel = 1, Bias = false)] readonly Conv2d conv1;
    [BatchNorm2d] readonly BatchNorm2d bn1;
    [ReLU] readonly ReLU relu1;
    [Conv2d("width", Kernel = 3, Stride = "stride", Padding = 1, Bias = false)] readonly Conv2d conv2;
    [BatchNorm2d] readonly BatchNorm2d bn2;
    [ReLU] readonly ReLU relu2;
    [Conv2d("width * 4", Kernel = 1, Bias = false)] readonly Conv2d conv3;
    [BatchNorm2d] readonly BatchNorm2d bn3;
    [Shortcut(When = "stride != 1 || in != width * 4")] [Conv2d("width * 4", Kernel = 1, Stride = "stride", Bias = false)] [BatchNorm2d]
    readonly Sequential? downsample;
    [ReLU(AfterAdd = true)] readonly ReLU relu;
}

// One declaration, five networks: FollowsBuild follows the build's properties (prune 0.5 in this project); the
// others reuse its declaration with [Network(Like)] and pin a variant.

[Network(Input = "3x64x64"), Variants]
public partial class FollowsBuild
{
    [Conv2d(32, Kernel = 3, Stride = 2, Padding = 1, Bias = false)] readonly Conv2d stem;
    [BatchNorm2d] readonly BatchNorm2d bn;
    [ReLU] readonly ReLU relu;
    [Use(typeof(Bottleneck), "width: 16", Count = 2)] readonly Sequential layer1;
    [Use(typeof(Bottleneck), "width: 32, stride: i == 0 ? 2 : 1", Count = 2)] readonly Sequential layer2;
    [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d pool;
    [Flatten] readonly Flatten flatten;
    [Linear(10)] readonly Linear fc;
}

[Network(Like = typeof(FollowsBuild)), Variants(Pin = "dense")]
public partial class PinnedDense { }

[Network(Like = typeof(FollowsBuild)), Variants(Pin = "pix")]
public partial class PinnedPiX { }

[Network(Like = typeof(FollowsBuild)), Variants(Pin = "downscale", Zeta = 4)]
public partial class PinnedDownscale { }

[Network(Like = typeof(FollowsBuild)), Variants(Pin = "prune", Target = "20M")]
public partial class PinnedPrune { }
