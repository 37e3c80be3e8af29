using PiXGen;
using TorchSharp.Modules;

namespace PiXGen.PyTorch.Tests;

/// <summary>
/// Every kind defined in src/PiXGen.Definitions/DefinedKinds.cs (the activations, PixelShuffle, InstanceNorm2d, ChannelShuffle, GroupNorm, BatchNorm2d, LayerNorm2d (with and without affine), LeakyReLU, GELU,
/// Permute with ConvNeXt's LayerNorm, Linear and LayerScale on the channels, StochasticDepth, Identity, PiX, the four pools, Upsample, Flatten, Dropout,
/// ConvTranspose2d) in one
/// network, so the PyTorch backend's parity test covers them beside the zoo (<see cref="ParityTests"/>).
/// </summary>
/// <remarks>
/// No [Init]: the generated GroupNorm starts at γ = 1, β = 0 by itself (<c>PiXGen.Layers.DefinedModules</c>), which
/// TorchSharp 0.107's <c>nn.GroupNorm</c> does not.
/// </remarks>
[Network(Input = "3x16x16", Name = "defined_kinds")]
public partial class DefinedKindsNet
{
    [Conv2d(16, Kernel = 3, Padding = 1)] readonly Conv2d conv1;
    [ELU(Alpha = 0.5)] readonly ELU elu;
    [PixelShuffle(2)] readonly PixelShuffle shuffle;
    [InstanceNorm2d(Eps = 0.001)] readonly InstanceNorm2d norm;
    [Conv2d(8, Kernel = 3, Stride = 2, Padding = 1)] readonly Conv2d conv2;
    // A grouped transposed convolution with output padding, and back: 8×16×16 → 8×32×32 → 8×16×16.
    [ConvTranspose2d(8, Kernel = 3, Stride = 2, Padding = 1, OutputPadding = 1, Groups = 2)] [Conv2d(8, Kernel = 3, Stride = 2, Padding = 1)] readonly Sequential up_down;
    [Mish] readonly Mish mish;
    [ChannelShuffle(2)] readonly ChannelShuffle channels;
    [GroupNorm(4, Eps = 0.001)] readonly GroupNorm gn;
    [BatchNorm2d(Eps = 0.001, Momentum = 0.01)] readonly BatchNorm2d bn;
    [LayerNorm2d(Eps = 1e-6)] readonly PiXGen.Layers.LayerNorm2d ln;
    [LayerNorm2d(Eps = 0.001, Affine = false)] readonly PiXGen.Layers.LayerNorm2d ln_plain;
    // ConvNeXt's channels-last block: LayerNorm and the Linears act on the channels at every position.
    [Permute(0, 2, 3, 1)] [LayerNorm(Eps = 1e-6)] [Linear(16)] [GELU] [Linear(8)] [Permute(0, 3, 1, 2)] readonly Sequential channels_last;
    [LayerScale(0.5)] readonly Parameter layer_scale;
    [Conv2d(8, Kernel = 1)] [ReLU] [Conv2d(8, Kernel = 1)] [ReLU6] [Conv2d(8, Kernel = 1)] [SiLU] [Conv2d(8, Kernel = 1)] [Sigmoid]
    [Conv2d(8, Kernel = 1)] [Hardswish] [Conv2d(8, Kernel = 1)] [Hardsigmoid] [Conv2d(8, Kernel = 1)] [Tanh]
    [Conv2d(8, Kernel = 1)] [LeakyReLU(NegativeSlope = 0.2)] [Conv2d(8, Kernel = 1)] [GELU(Approximate = "tanh")] [Conv2d(8, Kernel = 1)] [GELU]
    readonly Sequential acts;
    [StochasticDepth(0.2, Mode = "batch")] readonly PiXGen.Layers.StochasticDepth depth;
    [Identity] readonly Identity same;
    // An explicit PiX layer (8 → 4 channels, mix by default, φ without bias) and a 1×1 convolution back to 8 channels.
    [PiX(Zeta = 2)] readonly PiXGen.PiX.PiXLayer pix;
    [Conv2d(8, Kernel = 1)] readonly Conv2d pix_back;
    // The pools with per-axis pairs: 8×16×16 → 8×9×14 → 8×9×14 → 8×4×3.
    [MaxPool2d("3x2", Stride = "2x1", Padding = "1x0", Dilation = "1x2", CeilMode = true)] [AvgPool2d(3, Stride = 1, Padding = 1, CountIncludePad = false)]
    [AdaptiveMaxPool2d("4x3")] readonly Sequential pools;
    // Upsample to a size (bilinear, corners aligned) and by a scale factor: 8×4×3 → 8×6×5 → 8×12×10.
    [Upsample(Size = "6x5", Mode = "bilinear", AlignCorners = true)] readonly Upsample up;
    [Upsample(ScaleFactor = 2)] readonly Upsample up2;
    [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d pool;
    [Flatten] readonly Flatten flatten;
    [Dropout(0.25)] readonly Dropout dropout;
    [Linear(10)] readonly Linear fc;
}

/// <summary>
/// Transposed convolutions (a defined kind) under an [Init] scheme that draws both their weights and biases
/// (torchvision-resnet: Kaiming normal, fan out; the constructor's bias rule), so that the backend's init table, written
/// from the definition's tensors, is checked against the C# initializer (<see cref="ContractTests"/>). 8×4×4 → 6×8×8 → 3×16×15.
/// </summary>
[Network(Input = "8x4x4", Name = "transposed_init"), Init("torchvision-resnet")]
public partial class TransposedInitNet
{
    [ConvTranspose2d(6, Kernel = 3, Stride = 2, Padding = 1, OutputPadding = 1, Groups = 2)] [BatchNorm2d] [ReLU] readonly Sequential up;
    [ConvTranspose2d(3, Kernel = "2x3", Stride = 2, Padding = "0x1", Bias = true)] readonly ConvTranspose2d up2;
}

/// <summary>The parity test's coverage of the defined kinds (no Python needed).</summary>
public class DefinedKindNetworkTests
{
    [Fact]
    public void The_network_is_in_the_catalogue_and_uses_every_defined_kind()
    {
        var info = System.Linq.Enumerable.Single(PiXGen.Generated.PiXGenNetworks.All, i => i.Name == "defined_kinds");
        using var module = info.Create();
        var ops = System.Linq.Enumerable.ToHashSet(System.Linq.Enumerable.Select(((PiXGen.Graph.IHasGraph)module).Graph.Nodes, n => n.Op));
        // A composite kind (SqueezeExcitation) is its parts in the graph; the zoo's parity covers it.
        var graphKinds = System.Linq.Enumerable.Where(PiXGen.Definitions.DefinedKind.All.Values, k => !k.Composite);
        Assert.Empty(System.Linq.Enumerable.Except(System.Linq.Enumerable.Select(graphKinds, k => k.Name), ops));
    }
}
