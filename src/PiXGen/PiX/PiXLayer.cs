using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

using PiXGen.Platform;

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

    /// <summary>
    /// The sampling probabilities p = sigmoid(W·z + b), shape (N, Co, 1, 1), for input (N, C, H, W), exactly as the
    /// forward uses them: in <see cref="PiXMode.PickOrMix"/> each p lies on the side of τ that the float64 decision
    /// (<see cref="Gate(Tensor, PiXContext, Tensor, Tensor?, double, PiXMode)"/>) chose.
    /// </summary>
    public Tensor probabilities(Tensor input)
    {
        CheckInput(input);
        using var scope = NewDisposeScope();
        return Gate(input, context, weight, bias, tau, mode).p.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// φ and the pick/mix decision for input <paramref name="x"/> (N, C, H, W): the context z (N, C) in x's dtype, and
    /// p = sigmoid(W·z + b) shaped (N, Co, 1, 1), differentiable in x, W and b.
    /// </summary>
    /// <remarks>
    /// The decision rule (one place; docs/pix-operator.md, "Where p is close to τ"): in <see cref="PiXMode.PickOrMix"/>
    /// the branch of (sample, output channel) is decided on the logit ℓ = W·z + b computed in float64 — the context
    /// accumulated in float64 from x, W and b widened to float64 — as <c>pick ⇔ ℓ &lt; logit(τ)</c>. That decision
    /// does not depend on the batch, the path (module, fused graph, graph executor, ONNX export) or the float32
    /// rounding of sigmoid; they can only disagree when ℓ is within float64 rounding of logit(τ). The p that scales
    /// the output is computed in x's dtype as before; where its rounding would put it on the other side of τ (the
    /// kernels compare <c>p &lt; τ</c> with τ rounded to p's dtype), it is moved to the nearest value on the decided
    /// side — by one unit in the last place at most, with the gradient of the unmoved p (straight-through).
    /// </remarks>
    internal static (Tensor p, Tensor z) Gate(Tensor x, PiXContext context, Tensor weight, Tensor? bias, double tau, PiXMode mode)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0], co = weight.shape[0], c = weight.shape[1];
        var dims = new long[] { 2, 3 };
        var z = context == PiXContext.Mean ? x.mean(dims) : x.abs().sum(dims);
        var p = nn.functional.sigmoid(nn.functional.linear(z, weight.view(co, c), bias)).view(n, co, 1, 1);
        if (mode == PiXMode.PickOrMix) {
            Tensor moved;
            using (no_grad()) {
                var pick = Picks(x, context, weight, bias, tau).view(n, co, 1, 1);
                var pd = p.detach();
                // Scalars held for their native calls (see Picks).
                using Scalar tauValue = tau;
                var above = full_like(pd, tauValue);                     // τ rounded to p's dtype
                using Scalar belowValue = PreviousValue(above);
                var below = full_like(pd, belowValue);                   // the largest value < τ in p's dtype
                var onSide = where(pick, where(pd.lt(above), pd, below), where(pd.lt(above), above, pd));
                moved = onSide - pd;
            }
            p = p + moved;
        }
        z.MoveToOuterDisposeScope();
        return (p.MoveToOuterDisposeScope(), z);
    }

    /// <summary>The pick/mix decision of <see cref="Gate"/>: a bool tensor (N, Co), true where ℓ &lt; logit(τ) in float64.</summary>
    internal static Tensor Picks(Tensor x, PiXContext context, Tensor weight, Tensor? bias, double tau)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long co = weight.shape[0], c = weight.shape[1];
        var dims = new long[] { 2, 3 };
        // Read in place where the CPU kernel can (libtorch would first copy x to float64).
        var z64 = PiXCpuKernel.Context64(x, absolute: context == PiXContext.L1)
                  ?? (context == PiXContext.Mean ? x.mean(dims, false, ScalarType.Float64) : x.abs().sum(dims, false, ScalarType.Float64));
        var logit = nn.functional.linear(z64, weight.detach().to(ScalarType.Float64).view(co, c), bias?.detach().to(ScalarType.Float64));
        // The threshold is a Scalar held until the call returns: passed as a temporary (logit.lt(Logit(tau))), TorchSharp
        // hands libtorch its raw handle, and the finalizer can free it while libtorch reads it. One crash in a 10,000-case
        // fuzz run (seed 15, case 7884: "Exception raised from toDouble", not reproducible alone) points there.
        using Scalar threshold = Logit(tau);
        return logit.lt(threshold).MoveToOuterDisposeScope();
    }

    /// <summary>logit(τ) = ln(τ / (1 − τ)), the threshold on ℓ: −∞ for τ ≤ 0 (never pick), +∞ for τ ≥ 1 (always pick).</summary>
    internal static double Logit(double tau) =>
        tau <= 0 ? double.NegativeInfinity : tau >= 1 ? double.PositiveInfinity : Math.Log(tau / (1 - tau));

    /// <summary>The largest value of <paramref name="t"/>'s dtype below its first element.</summary>
    private static double PreviousValue(Tensor t)
    {
        double v = t.flatten()[0].to(ScalarType.Float64).item<double>();
        switch (t.dtype) {
            case ScalarType.Float64: return Math.BitDecrement(v);
            case ScalarType.Float32: return MathF.BitDecrement((float)v);
            case ScalarType.Float16: return (double)Half.BitDecrement((Half)v);
            case ScalarType.BFloat16: {
                // bfloat16 is the top half of a float32: step the 16 high bits.
                int bits = BitConverter.SingleToInt32Bits((float)v);
                bits = v > 0 ? bits - 0x10000 : v < 0 ? bits + 0x10000 : unchecked((int)0x80010000);
                return BitConverter.Int32BitsToSingle(bits);
            }
            default: throw new ArgumentException($"PiXLayer: no floating dtype {t.dtype} for the gate.");
        }
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        CheckInput(input);
        using var scope = NewDisposeScope();
        if (UsesLayerFunction(input)) {
            // Training on the CPU: context, φ and pick/mix as one autograd node (PiXLayerFunction). A channels-last
            // input stays so (the kernel reads it as it is and writes y in it), so the layers after keep that format.
            var x = ChannelsLast.Is(input) ? input : input.contiguous();
            var y = bias is null
                ? PiXLayerFunction.apply(x, weight, zeta, tau, mode)
                : PiXLayerFunction.apply(x, weight, bias, zeta, tau, mode);
            return y.MoveToOuterDisposeScope();
        }
        var p = Gate(input, context, weight, bias, tau, mode).p;
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
