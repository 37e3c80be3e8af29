using PiXGen;

namespace PiXGen.Zoo;

/// <summary>
/// The torchvision ResNet-50 declaration (<see cref="ResNet50"/>, reused with Like) with network-wide PiX
/// substitution: every channel-squeezing 1×1 convolution (each bottleneck's conv1 with its bn1 and ReLU)
/// becomes PiX with ζ = C_in / C_out, plus layer1.0.conv1 (64 → 64, ζ = 1) as the official PiX-ResNet-50
/// does. The result computes the same function as <see cref="PiXResNet50"/> under torchvision's names.
/// </summary>
[Network(Name = "resnet50_substituted_pix", Like = typeof(ResNet50))]
[SubstitutePiX(Include = new[] { "layer1.0.conv1" })]
public partial class ResNet50SubstitutedPiX { }
