using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Linq;

namespace PiXGen.Init;

/// <summary>
/// The initialisation schemes <see cref="Initializer"/> knows, by the names <see cref="InitAttribute"/> takes.
/// What each does per layer kind is documented on <see cref="Initializer"/> and in docs/initialisation.md.
/// </summary>
public static class InitSchemes
{
    /// <summary>torchvision's ResNets (and ResNeXt, Wide ResNet): convolutions Kaiming-normal (fan-out, ReLU gain),
    /// norms γ = 1, β = 0, everything else at PyTorch's defaults.</summary>
    public const string TorchvisionResNet = "torchvision-resnet";

    /// <summary>torchvision's MobileNetV2 and MobileNetV3: convolutions Kaiming-normal (fan-out) with zero bias,
    /// norms 1/0, Linear N(0, 0.01) with zero bias.</summary>
    public const string TorchvisionMobileNet = "torchvision-mobilenet";

    /// <summary>torchvision's EfficientNets: convolutions Kaiming-normal (fan-out) with zero bias, norms 1/0,
    /// Linear U(±1/√out_features) with zero bias.</summary>
    public const string TorchvisionEfficientNet = "torchvision-efficientnet";

    /// <summary>torchvision's VGGs: convolutions Kaiming-normal (fan-out, ReLU) with zero bias, BatchNorm 1/0,
    /// Linear N(0, 0.01) with zero bias.</summary>
    public const string TorchvisionVgg = "torchvision-vgg";

    /// <summary>torchvision's DenseNets: convolutions Kaiming-normal (fan-in), BatchNorm 1/0, Linear bias 0
    /// (weight at PyTorch's default).</summary>
    public const string TorchvisionDenseNet = "torchvision-densenet";

    /// <summary>torchvision's RegNets: convolutions N(0, √(2 / fan_out)), BatchNorm 1/0, Linear N(0, 0.01) with
    /// zero bias.</summary>
    public const string TorchvisionRegNet = "torchvision-regnet";

    /// <summary>torchvision's GoogLeNet: convolutions and Linear truncated N(0, 0.01) on [−2, 2], BatchNorm 1/0.</summary>
    public const string TorchvisionGoogLeNet = "torchvision-googlenet";

    /// <summary>torchvision's Inception-v3: convolutions and Linear truncated N(0, 0.1) on [−2, 2], BatchNorm 1/0.</summary>
    public const string TorchvisionInception = "torchvision-inception";

    /// <summary>torchvision's ConvNeXt: convolutions and Linear truncated N(0, 0.02) on [−2, 2] with zero bias, norms 1/0
    /// (layer scales keep their constructor value).</summary>
    public const string TorchvisionConvNeXt = "torchvision-convnext";

    /// <summary>The official PiX code: every convolution (and PiX's φ) Xavier-uniform with zero bias, BatchNorm 1/0,
    /// Linear at PyTorch's default.</summary>
    public const string Xavier = "xavier";

    /// <summary>PyTorch's and TorchSharp's per-layer constructor defaults: convolutions, Linear and φ
    /// Kaiming-uniform with a = √5 (U(±1/√fan_in)) and bias U(±1/√fan_in); norms 1/0.</summary>
    public const string TorchSharpDefault = "torchsharp-default";

    /// <summary>Every scheme name, in documentation order (the list the generator checks [Init] against too).</summary>
    public static IReadOnlyList<string> All { get; } = Definitions.Words.InitSchemes;

    /// <summary>Whether <paramref name="scheme"/> names a known scheme (exact, case-sensitive).</summary>
    public static bool IsKnown(string? scheme) => scheme is not null && All.Contains(scheme, StringComparer.Ordinal);

    /// <summary>Throws an <see cref="ArgumentException"/> naming <paramref name="where"/> and the known schemes
    /// when <paramref name="scheme"/> is unknown.</summary>
    internal static void Check(string? scheme, string where)
    {
        if (!IsKnown(scheme))
            throw new ArgumentException(
                $"{where}: unknown initialisation scheme '{scheme}'; known schemes: {string.Join(", ", All)}.");
    }
}

/// <summary>A per-layer override: modules whose path matches <see cref="Pattern"/> use <see cref="Scheme"/>.</summary>
/// <param name="Pattern">A module path as in the state_dict keys without the parameter name (<c>fc</c>,
/// <c>layer1.0.conv2</c>); it also covers the modules inside it (<c>layer1</c> covers <c>layer1.0.conv1</c>).
/// <c>*</c> matches within one path segment, <c>**</c> across segments (<c>layer*.0.conv1</c>, <c>**.bn3</c>).</param>
/// <param name="Scheme">The scheme for the matching modules.</param>
public sealed record InitOverride(string Pattern, string Scheme);

/// <summary>The overrides of an <see cref="InitPlan"/>; a collection initialiser takes <c>{ "fc", "xavier" }</c> pairs.</summary>
public sealed class InitOverrides : Collection<InitOverride>
{
    /// <summary>Adds an override of the modules matching <paramref name="pattern"/> with <paramref name="scheme"/>.</summary>
    public void Add(string pattern, string scheme) => Add(new InitOverride(pattern, scheme));
}

/// <summary>
/// What <see cref="Initializer.Apply(TorchSharp.torch.nn.Module, InitPlan)"/> does to a network: the scheme, an
/// optional seed, per-layer overrides and the BatchNorms whose γ starts at zero (<c>zero_init_residual</c>).
/// Generated constructors build one from the <see cref="InitAttribute"/>s of the declaration, e.g.
/// <code>
/// new InitPlan("torchvision-resnet") { Seed = 7, Overrides = { { "fc", "xavier" } }, ZeroGamma = { "layer1.0.bn3" } }
/// </code>
/// </summary>
public sealed class InitPlan
{
    /// <summary>A plan for <paramref name="scheme"/> (one of <see cref="InitSchemes.All"/>).</summary>
    /// <exception cref="ArgumentException">The scheme is unknown; the message lists the known ones.</exception>
    public InitPlan(string scheme)
    {
        InitSchemes.Check(scheme, "InitPlan");
        Scheme = scheme;
    }

    /// <summary>The network-wide scheme.</summary>
    public string Scheme { get; }

    /// <summary>
    /// When set, every random value is drawn from a generator seeded with it (on the CPU, then copied to the
    /// parameter's device and dtype), so the same seed gives identical tensors. When null the global generator
    /// is used.
    /// </summary>
    public long? Seed { get; init; }

    /// <summary>Per-layer overrides; when several match a module, the last one added wins.</summary>
    public InitOverrides Overrides { get; } = new();

    /// <summary>
    /// Paths of the norm layers (BatchNorm, GroupNorm) whose γ is set to 0 after the scheme ran: torchvision's
    /// <c>zero_init_residual</c> passes the last BatchNorm of each residual branch (<c>layer1.0.bn3</c>, ...).
    /// </summary>
    public IList<string> ZeroGamma { get; } = new List<string>();
}
