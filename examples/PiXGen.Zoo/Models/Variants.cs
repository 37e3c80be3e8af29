using PiXGen;

namespace PiXGen.Zoo;

// Build-time variants (docs/variants.md) of the zoo's own declarations, reused with [Network(Like)]: pinned
// variants are built whatever PiXGenVariant says; ResNet50Variant follows the MSBuild properties
// (dense unless e.g. -p:PiXGenVariant=prune -p:PiXGenTarget=2.0G).

/// <summary>VGG-16 downscaled with ζ = 2: a PiX in front of every 3×3 convolution but the first, which then sees half the channels.</summary>
[Network(Name = "vgg16_downscale2", Like = typeof(Vgg16)), Variants(Pin = "downscale", Zeta = 2)]
public partial class Vgg16Downscaled { }

/// <summary>ResNet-50 pruned to at most 2.0 GMACs: the compiler picks ζ ∈ {2, 4, 8} per convolution, largest savings first.</summary>
[Network(Name = "resnet50_prune2g", Like = typeof(ResNet50)), Variants(Pin = "prune", Target = "2.0G")]
public partial class ResNet50Pruned { }

/// <summary>ResNet-50 in whatever variant the build asks for (PiXGenVariant, PiXGenZeta, PiXGenTarget); dense by default.</summary>
[Network(Name = "resnet50_variant", Like = typeof(ResNet50)), Variants]
public partial class ResNet50Variant { }
