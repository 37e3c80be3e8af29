using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using TorchSharp;
using static TorchSharp.torch;

using PiXGen.Definitions;

namespace PiXGen.PiX;

/// <summary>The activation a fused PiX epilogue applies in the kernel's pass over the output.</summary>
public enum PiXEpilogueActivation
{
    /// <summary>No activation: Y = pix(X, p)·scale + shift.</summary>
    None = 0,

    /// <summary>max(0, ·).</summary>
    ReLU = 1,

    /// <summary>min(max(0, ·), 6).</summary>
    ReLU6 = 2,
}

/// <summary>
/// PiX with an inference epilogue: <c>act(pix(X, p)·scale[c] + shift[c])</c> per output channel c — what a
/// BatchNorm (eval: scale = γ/√(σ²+ε), shift = β − μ·scale) and an activation after PiX fold into
/// (<see cref="PiXGen.Graph.GraphFusion"/>). On CPU float32/float64 without autograd it is one pass: each
/// (sample, output channel) reads its group of ζ input planes once and writes the finished output plane;
/// otherwise it is the composite <see cref="PiXFunctional.pix"/> followed by the affine and the activation.
/// </summary>
public static unsafe class PiXEpilogue
{
    /// <summary>act(pix(x, p, ζ, τ, mode)·scale + shift) with scale and shift per output channel.</summary>
    /// <param name="x">Input (N, C, H, W).</param>
    /// <param name="p">Sampling probabilities (N, Co, 1, 1) or (N, Co), Co = ceil(C / ζ).</param>
    /// <param name="zeta">Squeeze factor ζ ≥ 1.</param>
    /// <param name="tau">Pick threshold τ.</param>
    /// <param name="mode">Pick-or-mix or an ablation.</param>
    /// <param name="scale">Per-output-channel factor, shape (Co).</param>
    /// <param name="shift">Per-output-channel offset, shape (Co).</param>
    /// <param name="activation">Activation applied last.</param>
    /// <returns>(N, Co, H, W).</returns>
    /// <exception cref="ArgumentException">Bad shapes (named with the shapes), or the checks of <see cref="PiXFunctional.pix"/>.</exception>
    public static Tensor pix_affine(Tensor x, Tensor p, int zeta, double tau, PiXMode mode, Tensor scale, Tensor shift,
                                    PiXEpilogueActivation activation = PiXEpilogueActivation.None)
    {
        if (x is null) throw new ArgumentNullException(nameof(x));
        if (p is null) throw new ArgumentNullException(nameof(p));
        if (scale is null) throw new ArgumentNullException(nameof(scale));
        if (shift is null) throw new ArgumentNullException(nameof(shift));
        if (!Enum.IsDefined(activation)) throw new ArgumentOutOfRangeException(nameof(activation), activation, "PiX epilogue: unknown activation.");
        if (!Enum.IsDefined(mode)) throw new ArgumentOutOfRangeException(nameof(mode), mode, "PiX epilogue: unknown mode.");
        if (!double.IsFinite(tau)) throw new ArgumentOutOfRangeException(nameof(tau), tau, $"PiX epilogue: the threshold τ must be finite; got {tau}.");
        if (x.dim() != 4 || x.shape[1] < 1)
            throw new ArgumentException($"PiX epilogue: x must have shape (N, C, H, W) with C ≥ 1; got [{string.Join(", ", x.shape)}].", nameof(x));
        if (zeta < 1) throw new ArgumentOutOfRangeException(nameof(zeta), zeta, $"PiX epilogue: the squeeze factor ζ must be at least 1; got {zeta}.");
        long co = PiXFunctional.OutputChannels(x.shape[1], zeta);
        bool pOk = p.dim() switch {
            4 => p.shape[0] == x.shape[0] && p.shape[1] == co && p.shape[2] == 1 && p.shape[3] == 1,
            2 => p.shape[0] == x.shape[0] && p.shape[1] == co,
            _ => false,
        };
        if (!pOk)
            throw new ArgumentException($"PiX epilogue: p must have shape [{x.shape[0]}, {co}, 1, 1] or [{x.shape[0]}, {co}] for x [{string.Join(", ", x.shape)}] and ζ = {zeta}; got [{string.Join(", ", p.shape)}].", nameof(p));
        foreach (var (t, name) in new[] { (scale, nameof(scale)), (shift, nameof(shift)) })
            if (t.dim() != 1 || t.shape[0] != co)
                throw new ArgumentException(
                    $"PiX epilogue: {name} must have shape [{co}] (one value per output channel of x [{string.Join(", ", x.shape)}] with ζ = {zeta}); got [{string.Join(", ", t.shape)}].",
                    name);

        bool kernel = PiXFunctional.IsFusedSupported(x) && x.dim() == 4 && p.dtype == x.dtype && scale.dtype == x.dtype && shift.dtype == x.dtype
                      && p.device_type == DeviceType.CPU && scale.device_type == DeviceType.CPU && shift.device_type == DeviceType.CPU
                      && !(is_grad_enabled() && (x.requires_grad || p.requires_grad || scale.requires_grad || shift.requires_grad));
        if (!kernel) return Composite(x, p, zeta, tau, mode, scale, shift, activation);

        using var scope = NewDisposeScope();
        var xc = x.contiguous();
        var pc = (p.dim() == 2 ? p.reshape(p.shape[0], p.shape[1], 1, 1) : p).contiguous();
        var sc = scale.contiguous();
        var sh = shift.contiguous();
        long n = xc.shape[0], c = xc.shape[1], hw = xc.shape[2] * xc.shape[3];
        var y = empty(new long[] { n, co, xc.shape[2], xc.shape[3] }, dtype: xc.dtype, device: xc.device);
        if (y.numel() > 0) {
            if (xc.dtype == ScalarType.Float32)
                Run((float*)PiXCpuKernel.Data(xc), (float*)PiXCpuKernel.Data(pc), (float*)PiXCpuKernel.Data(sc), (float*)PiXCpuKernel.Data(sh), (float*)PiXCpuKernel.Data(y), n, c, hw, zeta, (float)tau, mode, activation);
            else
                Run((double*)PiXCpuKernel.Data(xc), (double*)PiXCpuKernel.Data(pc), (double*)PiXCpuKernel.Data(sc), (double*)PiXCpuKernel.Data(sh), (double*)PiXCpuKernel.Data(y), n, c, hw, zeta, tau, mode, activation);
        }
        GC.KeepAlive(xc); GC.KeepAlive(pc); GC.KeepAlive(sc); GC.KeepAlive(sh);
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>The reference: the plain operator, then the affine and the activation as tensor operations.</summary>
    internal static Tensor Composite(Tensor x, Tensor p, int zeta, double tau, PiXMode mode, Tensor scale, Tensor shift,
                                     PiXEpilogueActivation activation)
    {
        using var scope = NewDisposeScope();
        var y = PiXFunctional.pix(x, p, zeta, tau, mode, PiXImplementation.Composite);
        y = y * scale.view(1, -1, 1, 1) + shift.view(1, -1, 1, 1);
        y = activation switch {
            PiXEpilogueActivation.ReLU => nn.functional.relu(y),
            PiXEpilogueActivation.ReLU6 => nn.functional.relu6(y),
            _ => y,
        };
        return y.MoveToOuterDisposeScope();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<T>(T* x, T* p, T* scale, T* shift, T* y, long n, long c, long hw, int zeta, T tau, PiXMode mode,
                               PiXEpilogueActivation act)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        long co = Arithmetic.PiXChannels(c, zeta);
        nint xa = (nint)x, pa = (nint)p, sa = (nint)scale, ta = (nint)shift, ya = (nint)y;
        PiXCpuKernel.ParallelRanges(n * co, zeta * hw, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (start, end) => {
            T* xs = (T*)xa, ps = (T*)pa, ss = (T*)sa, ts = (T*)ta, ys = (T*)ya;
            for (long item = start; item < end; item++) {
                long s = item / co, grp = item % co;
                long c0 = grp * zeta;
                int size = (int)Math.Min(zeta, c - c0);
                T pv = ps[item];
                bool pick = mode == PiXMode.MaxOnly || (mode == PiXMode.PickOrMix && pv < tau);
                Plane(xs + (s * c + c0) * hw, size, hw, pick, pv, ss[grp], ts[grp], act, ys + item * hw);
            }
        });
    }

    /// <summary>One output plane: the group's maximum (pick) or mean (mix) per pixel, times p, times scale, plus shift,
    /// then the activation. The maximum propagates NaN like <c>torch.amax</c>; the mean is the sum in channel order
    /// divided by the group size, as in the plain kernel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Plane<T>(T* xg, int size, long hw, bool pick, T p, T scale, T shift, PiXEpilogueActivation act, T* y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T count = T.CreateTruncating(size);
        T six = T.CreateTruncating(6);
        long i = 0;
        if (Vector.IsHardwareAccelerated && hw >= Vector<T>.Count) {
            var vp = new Vector<T>(p);
            var vc = new Vector<T>(count);
            var vs = new Vector<T>(scale);
            var vt = new Vector<T>(shift);
            var v6 = new Vector<T>(six);
            for (; i <= hw - Vector<T>.Count; i += Vector<T>.Count) {
                var acc = Unsafe.ReadUnaligned<Vector<T>>(xg + i);
                if (pick) {
                    for (int j = 1; j < size; j++) {
                        var v = Unsafe.ReadUnaligned<Vector<T>>(xg + j * hw + i);
                        acc = Vector.ConditionalSelect(Vector.GreaterThan(v, acc) | ~Vector.Equals(v, v), v, acc);
                    }
                } else {
                    for (int j = 1; j < size; j++) acc += Unsafe.ReadUnaligned<Vector<T>>(xg + j * hw + i);
                    acc /= vc;
                }
                var r = acc * vp * vs + vt;
                if (act != PiXEpilogueActivation.None) {
                    // max(r, 0) that keeps NaN (as torch.relu does): select 0 only where r < 0.
                    r = Vector.ConditionalSelect(Vector.LessThan(r, Vector<T>.Zero), Vector<T>.Zero, r);
                    if (act == PiXEpilogueActivation.ReLU6) r = Vector.ConditionalSelect(Vector.GreaterThan(r, v6), v6, r);
                }
                Unsafe.WriteUnaligned(y + i, r);
            }
        }
        for (; i < hw; i++) {
            T acc = xg[i];
            if (pick) {
                for (int j = 1; j < size; j++) {
                    T v = xg[j * hw + i];
                    if (v > acc || T.IsNaN(v)) acc = v;
                }
            } else {
                for (int j = 1; j < size; j++) acc += xg[j * hw + i];
                acc /= count;
            }
            T r = acc * p * scale + shift;
            if (act != PiXEpilogueActivation.None) {
                if (r < T.Zero) r = T.Zero;
                if (act == PiXEpilogueActivation.ReLU6 && r > six) r = six;
            }
            y[i] = r;
        }
    }
}
