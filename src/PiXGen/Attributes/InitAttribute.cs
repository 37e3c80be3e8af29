using System;

namespace PiXGen;

/// <summary>
/// Names the initialisation scheme a network or block starts from, so that a generated network starts where its
/// reference implementation starts: <c>[Init("torchvision-resnet")]</c> on a <see cref="NetworkAttribute"/> or
/// <see cref="BlockAttribute"/> class, or <c>[Init("xavier")]</c> on a layer field as a per-layer override.
/// The generated constructor calls <see cref="Init.Initializer.Apply(TorchSharp.torch.nn.Module, Init.InitPlan)"/>.
/// </summary>
/// <remarks>
/// Schemes (see <see cref="Init.InitSchemes"/> and docs/initialisation.md): <c>torchvision-resnet</c>,
/// <c>torchvision-mobilenet</c> (MobileNetV2 and V3), <c>torchvision-efficientnet</c>, <c>torchvision-vgg</c>,
/// <c>torchvision-densenet</c>, <c>torchvision-regnet</c>, <c>torchvision-googlenet</c>, <c>torchvision-inception</c>, <c>xavier</c> (the
/// official PiX code) and <c>torchsharp-default</c> (PyTorch's and TorchSharp's per-layer constructor defaults).
/// </remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Field, Inherited = false)]
public sealed class InitAttribute : Attribute
{
    private long seed;

    /// <summary>Declares the scheme <paramref name="scheme"/>, e.g. <c>"torchvision-resnet"</c>.</summary>
    public InitAttribute(string scheme) { Scheme = scheme; }

    /// <summary>The scheme's name.</summary>
    public string Scheme { get; }

    /// <summary>
    /// torchvision's <c>zero_init_residual</c>: the γ (weight) of the last BatchNorm in each residual branch starts
    /// at 0, so every residual block starts as the identity. Only meaningful on a network or block class.
    /// </summary>
    public bool ZeroInitResidual { get; set; }

    /// <summary>
    /// A seed: when given, the initialisation draws from its own generator seeded with this value, so two
    /// networks built with the same seed start from identical weights. Without it the global generator is used
    /// (<c>torch.manual_seed</c> decides). Only meaningful on a network class.
    /// </summary>
    public long Seed
    {
        get => seed;
        set { seed = value; HasSeed = true; }
    }

    /// <summary>Whether <see cref="Seed"/> was given.</summary>
    public bool HasSeed { get; private set; }
}
