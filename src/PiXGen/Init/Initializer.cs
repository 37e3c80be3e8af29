using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using PiXGen.Definitions;
using PiXGen.PiX;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PiXGen.Init;

/// <summary>
/// Initialises a network's parameters the way its reference implementation does (torchvision's model
/// constructors, the official PiX code), so a generated network starts where the published one starts.
/// </summary>
/// <remarks>
/// <para>What each scheme does, per layer kind (fan_in = weight.size(1)·k…, fan_out = weight.size(0)·k…, as
/// PyTorch's <c>_calculate_fan_in_and_fan_out</c>; "default" = PyTorch's constructor default, i.e.
/// Kaiming-uniform with a = √5, U(±1/√fan_in), for weights and U(±1/√fan_in) for biases):</para>
/// <list type="table">
/// <listheader><term>scheme</term><description>convolution (and PiX φ) weight / bias · Linear weight / bias</description></listheader>
/// <item><term><c>torchvision-resnet</c></term><description>N(0, √2/√fan_out) / default · default / default</description></item>
/// <item><term><c>torchvision-mobilenet</c></term><description>N(0, √2/√fan_out) / 0 · N(0, 0.01) / 0</description></item>
/// <item><term><c>torchvision-efficientnet</c></term><description>N(0, √2/√fan_out) / 0 · U(±1/√out_features) / 0</description></item>
/// <item><term><c>torchvision-vgg</c></term><description>N(0, √2/√fan_out) / 0 · N(0, 0.01) / 0</description></item>
/// <item><term><c>torchvision-densenet</c></term><description>N(0, √2/√fan_in) / default · default / 0</description></item>
/// <item><term><c>torchvision-regnet</c></term><description>N(0, √2/√fan_out) / default · N(0, 0.01) / 0</description></item>
/// <item><term><c>torchvision-googlenet</c></term><description>N(0, 0.01) truncated to [−2, 2] / default · the same / default</description></item>
/// <item><term><c>torchvision-inception</c></term><description>N(0, 0.1) truncated to [−2, 2] / default · the same / default</description></item>
/// <item><term><c>torchvision-convnext</c></term><description>N(0, 0.02) truncated to [−2, 2] / 0 · the same / 0</description></item>
/// <item><term><c>xavier</c></term><description>U(±√(6/(fan_in+fan_out))) / 0 · default / default</description></item>
/// <item><term><c>torchsharp-default</c></term><description>default / default · default / default</description></item>
/// </list>
/// <para>Every scheme sets norm layers (BatchNorm 1d/2d/3d, GroupNorm, LayerNorm, InstanceNorm) to γ = 1, β = 0 and
/// resets BatchNorm's running statistics (mean 0, variance 1, batches tracked 0), as a freshly built PyTorch
/// network has them. Convolution means every TorchSharp convolution (Conv1d/2d/3d and the transposed ones; the
/// torchvision code only has Conv2d) and PiX's φ (<see cref="PiXLayer"/>), which is treated as the 1×1 Conv2d it
/// replaces; the 1×1 convolutions of <see cref="Layers.SqueezeExcitation"/> are ordinary Conv2d modules. Modules
/// of other kinds keep what their constructor gave them.</para>
/// <para>All values are drawn on the CPU in float32 and copied to the parameter (any device or dtype), in
/// <c>named_modules()</c> order, parameters in registration order, under <c>no_grad</c>. With
/// <see cref="InitPlan.Seed"/> they come from a fresh generator seeded with it, so the same seed gives bit-identical
/// weights; without it from the global generator.</para>
/// </remarks>
public static class Initializer
{
    /// <summary>Initialises <paramref name="module"/> with <paramref name="scheme"/> and, optionally, a seed.</summary>
    /// <exception cref="ArgumentException">Unknown scheme.</exception>
    public static void Apply(nn.Module module, string scheme, long? seed = null)
        => Apply(module, new InitPlan(scheme) { Seed = seed });

    /// <summary>Initialises <paramref name="module"/> by <paramref name="plan"/> (see the class remarks).</summary>
    /// <exception cref="ArgumentException">An override names an unknown scheme or matches no module; a
    /// <see cref="InitPlan.ZeroGamma"/> path is not a module or not a norm layer with a weight. The message names
    /// the network and the path.</exception>
    public static void Apply(nn.Module module, InitPlan plan)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(plan);
        string network = module.GetName();

        var overrides = plan.Overrides.Select(o => {
            if (string.IsNullOrWhiteSpace(o.Pattern))
                throw new ArgumentException($"{network}: an initialisation override has an empty layer pattern.");
            InitSchemes.Check(o.Scheme, $"{network}: override '{o.Pattern}'");
            return (Override: o, Regex: PatternRegex(o.Pattern));
        }).ToList();
        var used = new bool[overrides.Count];

        // the module itself first (a bare layer is initialised too; its path "" matches no override), then its tree
        var modules = module.named_modules().Where(m => !ReferenceEquals(m.module, module)).Prepend((name: "", module)).ToList();
        using var noGrad = no_grad();
        using var generator = plan.Seed is long seed ? new Generator(unchecked((ulong)seed)) : null;

        foreach (var (path, child) in modules) {
            string scheme = plan.Scheme;
            for (int i = 0; i < overrides.Count; i++) {
                if (!overrides[i].Regex.IsMatch(path)) continue;
                scheme = overrides[i].Override.Scheme;
                used[i] = true;
            }
            InitModule(child, Rules.For(scheme), generator);
        }

        for (int i = 0; i < overrides.Count; i++)
            if (!used[i])
                throw new ArgumentException(
                    $"{network}: initialisation override '{overrides[i].Override.Pattern}' matches no layer; layers are e.g. "
                    + string.Join(", ", modules.Skip(1).Select(m => m.name).Take(8)) + (modules.Count > 9 ? ", …" : "") + ".");

        var byPath = modules.Skip(1).ToDictionary(m => m.name, m => m.module, StringComparer.Ordinal);
        foreach (var path in plan.ZeroGamma) {
            if (!byPath.TryGetValue(path, out var norm))
                throw new ArgumentException($"{network}: zero_init_residual names '{path}', which is not a layer of the network.");
            if (!IsNorm(norm) || Parameter(norm, "weight") is not { } gamma)
                throw new ArgumentException(
                    $"{network}: zero_init_residual names '{path}', a {norm.GetType().Name}; it must be a BatchNorm or GroupNorm with a weight (γ).");
            gamma.zero_();
        }
        applied.AddOrUpdate(module, plan);
    }

    private static readonly ConditionalWeakTable<nn.Module, InitPlan> applied = new();

    /// <summary>The plan <see cref="Apply(nn.Module, InitPlan)"/> last applied to <paramref name="module"/> (a generated
    /// network's constructor applies its [Init] plan to itself), or null: the network kept TorchSharp's (and PyTorch's)
    /// per-layer defaults. Exporters read it to reproduce the scheme (<see cref="Export.PyTorchExporter"/>).</summary>
    public static InitPlan? PlanOf(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        return applied.TryGetValue(module, out var plan) ? plan : null;
    }

    /// <summary>The rules that apply to the module at <paramref name="path"/> under <paramref name="plan"/>: the plan's
    /// scheme, or the last override whose pattern matches the path.</summary>
    internal static Rules RulesAt(InitPlan plan, string path)
    {
        string scheme = plan.Scheme;
        foreach (var o in plan.Overrides)
            if (PatternRegex(o.Pattern).IsMatch(path)) scheme = o.Scheme;
        return Rules.For(scheme);
    }

    // ---- per module ---------------------------------------------------------------------------------------------

    private static void InitModule(nn.Module m, Rules rules, Generator? generator)
    {
        if (DefinedKind.Of(m) is { } kind && kind.ValuesOf(m) is { } values) {
            // The tensors its definition says the scheme draws (KindTensor.Scheme), in its order (Conv2d, ConvTranspose2d, PiX,
            // Linear: weight, then bias); a bias's bounds from the weight beside it.
            foreach (var tensor in kind.Tensors(values)) {
                if (tensor.Scheme is not { } rule || Parameter(m, tensor.Leaf) is not { } p) continue;
                if (!Rules.IsBias(rule)) { Draw(p, rules.Of(rule), generator); continue; }
                int dot = tensor.Leaf.LastIndexOf('.');
                var weight = Parameter(m, (dot < 0 ? "" : tensor.Leaf[..(dot + 1)]) + "weight")!;
                DrawBias(p, weight, rules.Of(rule), generator);
            }
        } else if (m is Convolution) {
            // The convolutions without a definition (Conv1d, Conv3d), as a convolution.
            var weight = Parameter(m, "weight")!;
            Draw(weight, rules.ConvWeight, generator);
            if (Parameter(m, "bias") is { } bias) DrawBias(bias, weight, rules.ConvBias, generator);
        } else if (IsNorm(m)) {
            Parameter(m, "weight")?.fill_(1.0);
            Parameter(m, "bias")?.zero_();
            foreach (var (name, buffer) in m.named_buffers(recurse: false)) {
                if (name == "running_var") buffer.fill_(1.0);
                else if (name is "running_mean" or "num_batches_tracked") buffer.zero_();
            }
        }
    }

    private static bool IsNorm(nn.Module m) => m is NormBase or GroupNorm or LayerNorm;

    private static Parameter? Parameter(nn.Module m, string name)
        => m.named_parameters(recurse: false).Where(p => p.name == name).Select(p => p.parameter).FirstOrDefault();

    // ---- distributions ------------------------------------------------------------------------------------------

    internal enum Dist
    {
        /// <summary>PyTorch's constructor default: weight U(±1/√fan_in) (Kaiming-uniform, a = √5); bias U(±1/√fan_in).</summary>
        Default,
        KaimingNormalFanOut,
        KaimingNormalFanIn,
        XavierUniform,
        Normal001,
        TruncatedNormal001,
        TruncatedNormal01,
        TruncatedNormal002,
        UniformInverseSqrtOut,
        Zero,
    }

    /// <summary>The distribution per parameter role for one scheme.</summary>
    internal sealed record Rules(Dist ConvWeight, Dist ConvBias, Dist LinearWeight, Dist LinearBias)
    {
        /// <summary>The distribution of a definition's <see cref="InitRule"/> (<see cref="KindTensor.Scheme"/>).</summary>
        public Dist Of(InitRule rule) => rule switch {
            InitRule.ConvolutionWeight => ConvWeight,
            InitRule.ConvolutionBias => ConvBias,
            InitRule.LinearWeight => LinearWeight,
            InitRule.LinearBias => LinearBias,
            _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, null),
        };

        /// <summary>Whether <paramref name="rule"/> draws a bias (default or zero, bounded by its weight's fan-in).</summary>
        public static bool IsBias(InitRule rule) => rule is InitRule.ConvolutionBias or InitRule.LinearBias;

        public static Rules For(string scheme) => scheme switch {
            InitSchemes.TorchvisionResNet => new(Dist.KaimingNormalFanOut, Dist.Default, Dist.Default, Dist.Default),
            InitSchemes.TorchvisionMobileNet => new(Dist.KaimingNormalFanOut, Dist.Zero, Dist.Normal001, Dist.Zero),
            InitSchemes.TorchvisionEfficientNet => new(Dist.KaimingNormalFanOut, Dist.Zero, Dist.UniformInverseSqrtOut, Dist.Zero),
            InitSchemes.TorchvisionVgg => new(Dist.KaimingNormalFanOut, Dist.Zero, Dist.Normal001, Dist.Zero),
            InitSchemes.TorchvisionDenseNet => new(Dist.KaimingNormalFanIn, Dist.Default, Dist.Default, Dist.Zero),
            InitSchemes.TorchvisionRegNet => new(Dist.KaimingNormalFanOut, Dist.Default, Dist.Normal001, Dist.Zero),
            InitSchemes.TorchvisionGoogLeNet => new(Dist.TruncatedNormal001, Dist.Default, Dist.TruncatedNormal001, Dist.Default),
            InitSchemes.TorchvisionInception => new(Dist.TruncatedNormal01, Dist.Default, Dist.TruncatedNormal01, Dist.Default),
            InitSchemes.TorchvisionConvNeXt => new(Dist.TruncatedNormal002, Dist.Zero, Dist.TruncatedNormal002, Dist.Zero),
            InitSchemes.Xavier => new(Dist.XavierUniform, Dist.Zero, Dist.Default, Dist.Default),
            InitSchemes.TorchSharpDefault => new(Dist.Default, Dist.Default, Dist.Default, Dist.Default),
            _ => throw new ArgumentException($"unknown initialisation scheme '{scheme}'"),
        };
    }

    /// <summary>PyTorch's fans of a weight: fan_in = size(1)·receptive field, fan_out = size(0)·receptive field.</summary>
    internal static (double FanIn, double FanOut) Fans(long[] shape)
    {
        if (shape.Length < 2)
            throw new ArgumentException($"fan in and fan out need a weight of at least 2 dimensions, got [{string.Join(", ", shape)}].");
        double receptive = 1;
        for (int i = 2; i < shape.Length; i++) receptive *= shape[i];
        return (shape[1] * receptive, shape[0] * receptive);
    }

    private static void Draw(Tensor weight, Dist dist, Generator? generator)
    {
        var (fanIn, fanOut) = Fans(weight.shape);
        switch (dist) {
        case Dist.Default: Uniform(weight, 1 / Math.Sqrt(fanIn), generator); break;
        case Dist.KaimingNormalFanOut: Normal(weight, Math.Sqrt(2.0 / fanOut), generator); break;
        case Dist.KaimingNormalFanIn: Normal(weight, Math.Sqrt(2.0 / fanIn), generator); break;
        case Dist.XavierUniform: Uniform(weight, Math.Sqrt(6.0 / (fanIn + fanOut)), generator); break;
        case Dist.Normal001: Normal(weight, 0.01, generator); break;
        case Dist.TruncatedNormal001: Normal(weight, 0.01, generator, clamp: 2.0); break;
        case Dist.TruncatedNormal01: Normal(weight, 0.1, generator, clamp: 2.0); break;
        case Dist.TruncatedNormal002: Normal(weight, 0.02, generator, clamp: 2.0); break;
        case Dist.UniformInverseSqrtOut: Uniform(weight, 1 / Math.Sqrt(weight.shape[0]), generator); break;
        case Dist.Zero: weight.zero_(); break;
        default: throw new ArgumentOutOfRangeException(nameof(dist), dist, null);
        }
    }

    private static void DrawBias(Tensor bias, Tensor weight, Dist dist, Generator? generator)
    {
        if (dist == Dist.Zero) { bias.zero_(); return; }
        if (dist != Dist.Default) throw new ArgumentOutOfRangeException(nameof(dist), dist, "biases are default or zero");
        double fanIn = Fans(weight.shape).FanIn;
        Uniform(bias, fanIn > 0 ? 1 / Math.Sqrt(fanIn) : 0, generator);
    }

    private static void Uniform(Tensor target, double bound, Generator? generator)
    {
        using var draw = empty(target.shape, ScalarType.Float32);
        draw.uniform_(-bound, bound, generator);
        target.copy_(draw);
    }

    private static void Normal(Tensor target, double std, Generator? generator, double? clamp = null)
    {
        using var draw = empty(target.shape, ScalarType.Float32);
        draw.normal_(0, std, generator);
        if (clamp is double c) draw.clamp_(-c, c);
        target.copy_(draw);
    }

    // ---- override patterns --------------------------------------------------------------------------------------

    /// <summary>A module path pattern: the path itself or anything inside it; <c>*</c> within a segment, <c>**</c> across.</summary>
    private static Regex PatternRegex(string pattern)
    {
        var body = Regex.Escape(pattern).Replace(@"\*\*", "\u0001").Replace(@"\*", "[^.]*").Replace("\u0001", ".*");
        return new Regex("^(?:" + body + @")(?:\..*)?$", RegexOptions.CultureInvariant);
    }
}
