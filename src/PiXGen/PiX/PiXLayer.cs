using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PiXGen.PiX;

/// <summary>
/// PiX (Pick-or-Mix) as a module: it owns φ — global context z per channel → 1×1 projection → sigmoid — that
/// produces the sampling probabilities p, and applies <see cref="PiXFunctional.pix"/>. It replaces a 1×1 squeeze
/// convolution (+ BN + ReLU) from <see cref="InChannels"/> to <see cref="OutChannels"/> = ceil(C / ζ) channels.
/// </summary>
/// <remarks>
/// Checkpoint layout: φ's weight is the parameter <c>weight</c> of shape (Co, C, 1, 1) — the shape of the Conv2d
/// it replaces — and, when <c>bias</c> is on, <c>bias</c> of shape (Co). Nothing else is registered, so a field
/// <c>conv_sqz</c> holding this layer gives the state-dict key <c>conv_sqz.weight</c>, as in the official
/// PiX-ResNet. Initialisation follows PyTorch's Conv2d: kaiming_uniform(a = √5), i.e. U(±1/√C), and a bias of
/// U(±1/√C).
/// </remarks>
public sealed class PiXLayer : nn.Module<Tensor, Tensor>
{
    // Field names are the state-dict names; RegisterComponents registers them (a null bias is skipped).
    private Parameter weight;
    private Parameter? bias;

    private readonly long inChannels;
    private readonly long outChannels;
    private readonly int zeta;
    private readonly double tau;
    private readonly PiXMode mode;
    private readonly PiXContext context;
    private PiXImplementation implementation;

    /// <summary>Creates the layer.</summary>
    /// <param name="inChannels">Input channels C.</param>
    /// <param name="zeta">Squeeze factor ζ ≥ 1; the layer outputs ceil(C / ζ) channels.</param>
    /// <param name="tau">Pick threshold τ (finite): pick where p &lt; τ, mix otherwise.</param>
    /// <param name="mode">Pick-or-mix (default) or the avg-only / max-only ablations.</param>
    /// <param name="context">Global context for φ: spatial mean (default, the official code) or l1 norm (the paper's text).</param>
    /// <param name="bias">Whether φ's projection has a bias (the official code has none).</param>
    public PiXLayer(long inChannels, int zeta, double tau = 0.5, PiXMode mode = PiXMode.PickOrMix,
                    PiXContext context = PiXContext.Mean, bool bias = false)
        : base(nameof(PiXLayer))
    {
        if (inChannels < 1)
            throw new ArgumentOutOfRangeException(nameof(inChannels), inChannels, "PiXLayer needs at least one input channel.");
        if (zeta < 1)
            throw new ArgumentOutOfRangeException(nameof(zeta), zeta, $"PiXLayer's squeeze factor ζ must be at least 1 (inChannels = {inChannels}).");
        if (!double.IsFinite(tau))
            throw new ArgumentOutOfRangeException(nameof(tau), tau, "PiXLayer's threshold τ must be finite.");
        if (!Enum.IsDefined(mode)) throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown PiX mode.");
        if (!Enum.IsDefined(context)) throw new ArgumentOutOfRangeException(nameof(context), context, "Unknown PiX context.");

        this.inChannels = inChannels;
        this.zeta = zeta;
        this.tau = tau;
        this.mode = mode;
        this.context = context;
        outChannels = PiXFunctional.OutputChannels(inChannels, zeta);

        using (no_grad()) {
            weight = new Parameter(empty(outChannels, inChannels, 1, 1), true);
            nn.init.kaiming_uniform_(weight, Math.Sqrt(5));
            if (bias) {
                double bound = 1.0 / Math.Sqrt(inChannels);
                this.bias = new Parameter(empty(outChannels), true);
                nn.init.uniform_(this.bias, -bound, bound);
            }
        }
        RegisterComponents();
    }

    /// <summary>Input channels C.</summary>
    public long InChannels => inChannels;

    /// <summary>Output channels Co = ceil(C / ζ).</summary>
    public long OutChannels => outChannels;

    /// <summary>Squeeze factor ζ.</summary>
    public int Zeta => zeta;

    /// <summary>Pick threshold τ.</summary>
    public double Tau => tau;

    /// <summary>Pick-or-mix or an ablation mode.</summary>
    public PiXMode Mode => mode;

    /// <summary>The global context φ starts from.</summary>
    public PiXContext Context => context;

    /// <summary>Whether φ has a bias.</summary>
    public bool HasBias => bias is not null;

    /// <summary>Which implementation of the operator runs (default <see cref="PiXImplementation.Auto"/>).</summary>
    public PiXImplementation Implementation
    {
        get => implementation;
        set {
            if (!Enum.IsDefined(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown PiX implementation.");
            implementation = value;
        }
    }

    /// <summary>φ's weight, (Co, C, 1, 1); the state-dict entry <c>weight</c>.</summary>
    public Parameter Weight => weight;

    /// <summary>φ's bias, (Co), or null; the state-dict entry <c>bias</c>.</summary>
    public Parameter? Bias => bias;

    /// <summary>The sampling probabilities p = sigmoid(W·z + b), shape (N, Co, 1, 1), for input (N, C, H, W).</summary>
    public Tensor probabilities(Tensor input)
    {
        CheckInput(input);
        return ProbabilitiesOf(input);
    }

    /// <summary><see cref="probabilities"/> of an input already checked.</summary>
    private Tensor ProbabilitiesOf(Tensor input)
    {
        using var scope = NewDisposeScope();
        var z = context == PiXContext.Mean
            ? input.mean(new long[] { 2, 3 })
            : input.abs().sum(new long[] { 2, 3 });
        return Gate(z, weight, bias).MoveToOuterDisposeScope();
    }

    /// <summary>φ: p = sigmoid(W·z + b) of the context <paramref name="z"/> (N, C), shaped (N, Co, 1, 1).</summary>
    internal static Tensor Gate(Tensor z, Tensor weight, Tensor? bias)
    {
        long co = weight.shape[0], c = weight.shape[1];
        return nn.functional.sigmoid(nn.functional.linear(z, weight.view(co, c), bias)).view(z.shape[0], co, 1, 1);
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        CheckInput(input);
        using var scope = NewDisposeScope();
        if (UsesLayerFunction(input)) {
            // Training on the CPU: context, φ and pick/mix as one autograd node (PiXLayerFunction).
            var x = input.contiguous();
            var y = bias is null
                ? PiXLayerFunction.apply(x, weight, zeta, tau, mode)
                : PiXLayerFunction.apply(x, weight, bias, zeta, tau, mode);
            return y.MoveToOuterDisposeScope();
        }
        var p = ProbabilitiesOf(input);
        return PiXFunctional.pix(input, p, zeta, tau, mode, implementation).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Whether the forward builds one autograd node for the whole layer: a graph is being recorded, the context is the
    /// mean, and the fused CPU kernel applies (Auto or Fused, CPU float32/float64).
    /// </summary>
    private bool UsesLayerFunction(Tensor input) =>
        context == PiXContext.Mean
        && implementation is PiXImplementation.Auto or PiXImplementation.Fused
        && PiXCpuKernel.Supports(input)
        && is_grad_enabled()
        && (input.requires_grad || weight.requires_grad || (bias?.requires_grad ?? false));

    private void CheckInput(Tensor input)
    {
        if (input is null) throw new ArgumentNullException(nameof(input));
        if (input.dim() != 4 || input.shape[1] != inChannels)
            throw new ArgumentException(
                $"PiXLayer({inChannels} → {outChannels}, ζ = {zeta}) expects input (N, {inChannels}, H, W); got shape [{string.Join(", ", input.shape)}].",
                nameof(input));
        if (input.dtype != weight.dtype || input.device_type != weight.device_type || input.device_index != weight.device_index)
            throw new ArgumentException(
                $"PiXLayer: input is {input.dtype} on {input.device} but the layer's weight is {weight.dtype} on {weight.device}; move the layer with .to(...).",
                nameof(input));
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"PiXLayer({inChannels} → {outChannels}, ζ={zeta}, τ={tau}, mode={mode}, context={context}, bias={HasBias})";
}
