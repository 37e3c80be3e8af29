using System;
using TorchSharp;
using static TorchSharp.torch;

using PiXGen.Definitions;

namespace PiXGen.PiX;

/// <summary>
/// The PiX (Pick-or-Mix) operator, functional form. See <c>docs/pix-operator.md</c>.
/// </summary>
public static class PiXFunctional
{
    /// <summary>
    /// Applies PiX: output channel c reads input channels [cζ, min(cζ+ζ, C)); where p &lt; τ it is p times the
    /// per-pixel maximum of the group (Pick), otherwise p times the group mean (Mix).
    /// </summary>
    /// <param name="x">Input (N, C, H, W), floating point.</param>
    /// <param name="p">Sampling probabilities (N, Co, 1, 1) or (N, Co), Co = ceil(C / ζ); same dtype and device as x.</param>
    /// <param name="zeta">Squeeze factor ζ ≥ 1.</param>
    /// <param name="tau">Threshold τ (finite); pick where p &lt; τ (τ is rounded to x's dtype first).</param>
    /// <param name="mode">Pick-or-mix (default), or the avg-only / max-only ablations.</param>
    /// <param name="impl">Implementation; <see cref="PiXImplementation.Auto"/> takes the fused CPU kernel for CPU
    /// float32/float64, the emitted CUDA kernels for CUDA tensors where the user opted in to them
    /// (<see cref="Cuda.PiXCuda.EmittedKernels"/>), and the composite operations otherwise.</param>
    /// <returns>Y of shape (N, ceil(C / ζ), H, W), differentiable with respect to x and p.</returns>
    /// <exception cref="ArgumentException">Bad ranks, shapes, ζ, τ, dtypes or devices; the message names the
    /// argument and the shapes.</exception>
    public static Tensor pix(Tensor x, Tensor p, int zeta, double tau = 0.5, PiXMode mode = PiXMode.PickOrMix,
                             PiXImplementation impl = PiXImplementation.Auto)
    {
        var (n, co) = Validate(x, p, zeta, tau, mode, impl);
        var chosen = Resolve(x, impl);

        using var scope = NewDisposeScope();
        var p4 = p.dim() == 2 ? p.reshape(n, co, 1, 1) : p;
        if (impl == PiXImplementation.Auto && x.device_type == DeviceType.CUDA && Cuda.PiXCuda.TryApply(x, p4, zeta, tau, mode) is { } cudaY)
            return cudaY.MoveToOuterDisposeScope();   // the compiler-emitted CUDA kernel (src/PiXGen/Cuda); null: the paths below
        Tensor y;
        switch (chosen) {
        case PiXImplementation.CompositeAutograd:
            y = PiXComposite.Forward(x, p4, zeta, tau, mode);
            break;
        case PiXImplementation.Fused: {
                var xc = x.contiguous();
                var pc = p4.contiguous();
                y = NeedsGraph(xc, pc)
                    ? PiXFunction.apply(xc, pc, zeta, tau, mode, true)
                    : PiXCpuKernel.Forward(xc, pc, zeta, tau, mode);
                break;
            }
        default:
            y = NeedsGraph(x, p4)
                ? PiXFunction.apply(x, p4, zeta, tau, mode, false)
                : PiXComposite.Forward(x, p4, zeta, tau, mode);
            break;
        }
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>Co = ceil(C / ζ), the number of output channels.</summary>
    public static long OutputChannels(long inChannels, int zeta)
    {
        if (inChannels < 1) throw new ArgumentOutOfRangeException(nameof(inChannels), inChannels, "PiX needs at least one input channel.");
        if (zeta < 1) throw new ArgumentOutOfRangeException(nameof(zeta), zeta, "PiX's squeeze factor ζ must be at least 1.");
        return Arithmetic.PiXChannels(inChannels, zeta);
    }

    /// <summary>Whether <see cref="PiXImplementation.Auto"/> runs the fused CPU kernel for <paramref name="x"/>:
    /// CPU float32 or float64 (non-contiguous layouts are made contiguous first).</summary>
    public static bool IsFusedSupported(Tensor x) => PiXCpuKernel.Supports(x);

    private static bool NeedsGraph(Tensor x, Tensor p) => is_grad_enabled() && (x.requires_grad || p.requires_grad);

    private static PiXImplementation Resolve(Tensor x, PiXImplementation impl) => impl switch {
        PiXImplementation.Auto => PiXCpuKernel.Supports(x) ? PiXImplementation.Fused : PiXImplementation.Composite,
        _ => impl,
    };

    private static string Shape(Tensor t) => "[" + string.Join(", ", t.shape) + "]";

    private static (long n, long co) Validate(Tensor x, Tensor p, int zeta, double tau, PiXMode mode, PiXImplementation impl)
    {
        if (x is null) throw new ArgumentNullException(nameof(x));
        if (p is null) throw new ArgumentNullException(nameof(p));
        if (x.dim() != 4)
            throw new ArgumentException($"PiX: x must have rank 4 (N, C, H, W); got shape {Shape(x)}.", nameof(x));
        if (zeta < 1)
            throw new ArgumentOutOfRangeException(nameof(zeta), zeta, $"PiX: the squeeze factor ζ must be at least 1; got {zeta} for x of shape {Shape(x)}.");
        if (!double.IsFinite(tau))
            throw new ArgumentOutOfRangeException(nameof(tau), tau, $"PiX: the threshold τ must be finite; got {tau}.");
        if (!Enum.IsDefined(mode))
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "PiX: unknown mode.");
        if (!Enum.IsDefined(impl))
            throw new ArgumentOutOfRangeException(nameof(impl), impl, "PiX: unknown implementation.");
        long n = x.shape[0], c = x.shape[1];
        if (c < 1)
            throw new ArgumentException($"PiX: x must have at least one channel; got shape {Shape(x)}.", nameof(x));
        if (!is_floating_point(x) || is_complex(x))
            throw new ArgumentException($"PiX: x must be a real floating-point tensor; got {x.dtype} of shape {Shape(x)}.", nameof(x));
        long co = Arithmetic.PiXChannels(c, zeta);
        bool shapeOk = p.dim() switch {
            4 => p.shape[0] == n && p.shape[1] == co && p.shape[2] == 1 && p.shape[3] == 1,
            2 => p.shape[0] == n && p.shape[1] == co,
            _ => false,
        };
        if (!shapeOk)
            throw new ArgumentException(
                $"PiX: p must have shape (N, Co, 1, 1) = [{n}, {co}, 1, 1] or (N, Co) = [{n}, {co}] for x of shape {Shape(x)} and ζ = {zeta}; got {Shape(p)}.",
                nameof(p));
        if (p.dtype != x.dtype)
            throw new ArgumentException($"PiX: p's dtype {p.dtype} (shape {Shape(p)}) differs from x's dtype {x.dtype} (shape {Shape(x)}).", nameof(p));
        if (p.device_type != x.device_type || p.device_index != x.device_index)
            throw new ArgumentException($"PiX: p is on {p.device} (shape {Shape(p)}) but x is on {x.device} (shape {Shape(x)}).", nameof(p));
        if (impl == PiXImplementation.Fused && !PiXCpuKernel.Supports(x))
            throw new ArgumentException($"PiX: the fused kernel needs a CPU float32 or float64 tensor; x is {x.dtype} on {x.device} (shape {Shape(x)}).", nameof(impl));
        return (n, co);
    }
}
