using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using TorchSharp;
using static TorchSharp.torch;

using PiXGen.Definitions;
using PiXGen.Platform;

namespace PiXGen.PiX;

/// <summary>
/// The fused CPU kernel for contiguous float32/float64 tensors (and channels-last ones: PiXCpuKernelChannelsLast.cs).
/// On contiguous tensors one work item is one (sample, output channel):
/// it reads the group's ζ input planes once, pixel vector by pixel vector (all of the group's channels for one
/// <see cref="Vector{T}"/> of pixels, then the next), and writes one output plane. Work items are split into
/// contiguous ranges run by <see cref="Parallel.For(int, int, ParallelOptions, Action{int})"/> with at most
/// <c>torch.get_num_threads()</c> threads. The backward recomputes the group maximum/mean from X instead of
/// saving it, so forward and backward each read X once. The kernels are compiled fully optimised on first use
/// (<see cref="MethodImplOptions.AggressiveOptimization"/>), so the first steps do not run tier-0 vector code.
/// </summary>
/// <remarks>
/// Semantics match <see cref="PiXComposite"/>: the maximum propagates NaN like <c>torch.amax</c>; the backward's
/// arg-max is the first maximal channel, or the first NaN channel when the group holds a NaN (like
/// <c>torch.max(dim)</c>); τ is rounded to the tensor's dtype before the comparison, as TorchSharp does for
/// <c>p.lt(τ)</c>; the mean is the sum in channel order divided by the group size.
/// </remarks>
internal static unsafe partial class PiXCpuKernel
{
    /// <summary>Below this many input elements the kernel runs on the calling thread only.</summary>
    private const long SerialThreshold = 1L << 15;

    [DllImport("LibTorchSharp")]
    private static extern IntPtr THSTensor_data(IntPtr tensor);

    /// <summary>Whether the fused kernel can run on <paramref name="x"/> (after making it contiguous).</summary>
    public static bool Supports(Tensor x) =>
        x.device_type == DeviceType.CPU && (x.dtype == ScalarType.Float32 || x.dtype == ScalarType.Float64);

    /// <summary>
    /// Forward. <paramref name="x"/> (N, C, H, W) contiguous, or in the channels-last format (<see cref="ChannelsLast.Is"/>;
    /// y is then in it too), and <paramref name="p"/> (N, Co, 1, 1) contiguous, same dtype.
    /// </summary>
    public static Tensor Forward(Tensor x, Tensor p, int zeta, double tau, PiXMode mode)
    {
        long n = x.shape[0], c = x.shape[1], hw = x.shape[2] * x.shape[3];
        long co = Arithmetic.PiXChannels(c, zeta);
        bool last = ChannelsLast.Is(x);
        var y = last
            ? ChannelsLast.Empty(n, co, x.shape[2], x.shape[3], x.dtype, x.device)
            : empty(new long[] { n, co, x.shape[2], x.shape[3] }, dtype: x.dtype, device: x.device);
        if (y.numel() == 0) return y;
        if (x.dtype == ScalarType.Float32)
            Forward((float*)Data(x), (float*)Data(p), (float*)Data(y), n, c, hw, zeta, (float)tau, mode, last);
        else
            Forward((double*)Data(x), (double*)Data(p), (double*)Data(y), n, c, hw, zeta, tau, mode, last);
        GC.KeepAlive(x); GC.KeepAlive(p);
        return y;
    }

    /// <summary>
    /// Backward: dX (null unless <paramref name="needX"/>) and dp (N, Co, 1, 1). All inputs contiguous, except that X
    /// and the output gradient <paramref name="g"/> may both be in the channels-last format (dX is then in it too). When
    /// <paramref name="addToX"/> (N, C) is given, dX also receives <c>addToX[n, c]</c> at every pixel of channel c: the
    /// gradient of a per-channel spatial mean of X (φ's context), added in the same pass instead of as a second tensor.
    /// </summary>
    public static (Tensor? dx, Tensor dp) Backward(Tensor x, Tensor p, Tensor g, int zeta, double tau, PiXMode mode, bool needX,
                                                   Tensor? addToX = null)
    {
        long n = x.shape[0], c = x.shape[1], hw = x.shape[2] * x.shape[3];
        bool last = ChannelsLast.Is(x);
        if (last != ChannelsLast.Is(g) || (!last && !g.is_contiguous()))
            throw new ArgumentException($"PiX backward: X and the output gradient must be in the same memory format (both contiguous or both channels-last); X is {(last ? "channels-last" : "contiguous")}, the gradient is not.", nameof(g));
        var dp = empty(p.shape, dtype: p.dtype, device: p.device);
        var dx = !needX ? null
            : last ? ChannelsLast.Empty(n, c, x.shape[2], x.shape[3], x.dtype, x.device)
            : empty(x.shape, dtype: x.dtype, device: x.device);
        if (x.numel() == 0) {
            dp.zero_();
            dx?.zero_();
            return (dx, dp);
        }
        if (addToX is not null && (!needX || addToX.numel() != n * c || addToX.dtype != x.dtype || !addToX.is_contiguous()))
            throw new ArgumentException($"PiX backward: the per-channel term must be a contiguous {x.dtype} tensor of {n}×{c} values; got [{string.Join(", ", addToX.shape)}] {addToX.dtype}.", nameof(addToX));
        if (x.dtype == ScalarType.Float32)
            Backward((float*)Data(x), (float*)Data(p), (float*)Data(g), dx is null ? null : (float*)Data(dx), (float*)Data(dp),
                     addToX is null ? null : (float*)Data(addToX), n, c, hw, zeta, (float)tau, mode, last);
        else
            Backward((double*)Data(x), (double*)Data(p), (double*)Data(g), dx is null ? null : (double*)Data(dx), (double*)Data(dp),
                     addToX is null ? null : (double*)Data(addToX), n, c, hw, zeta, tau, mode, last);
        GC.KeepAlive(x); GC.KeepAlive(p); GC.KeepAlive(g); GC.KeepAlive(addToX);
        return (dx, dp);
    }

    internal static IntPtr Data(Tensor t)
    {
        var ptr = THSTensor_data(t.Handle);
        if (ptr == IntPtr.Zero)
            throw new InvalidOperationException($"PiX: could not read the data pointer of a tensor of shape [{string.Join(", ", t.shape)}].");
        return ptr;
    }

    /// <summary>Experiment knob (PIXGEN_PIX_THREADS): the most threads the kernel uses.</summary>
    private static readonly int MaxThreads =
        int.TryParse(Environment.GetEnvironmentVariable("PIXGEN_PIX_THREADS"), out var t) && t > 0 ? t : int.MaxValue;

    internal delegate void RangeBody(long start, long end);

    /// <summary>Runs <paramref name="body"/> over [0, items) in contiguous ranges, in parallel when worth it.</summary>
    internal static void ParallelRanges(long items, long elementsPerItem, RangeBody body)
    {
        int threads = Math.Max(1, Math.Min(torch.get_num_threads(), MaxThreads));
        if (threads == 1 || items == 1 || items * elementsPerItem < SerialThreshold) {
            body(0, items);
            return;
        }
        int chunks = (int)Math.Min(items, threads * 4L);
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads },
                     k => body(items * k / chunks, items * (k + 1) / chunks));
    }

    // ---------------------------------------------------------------- forward

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Forward<T>(T* x, T* p, T* y, long n, long c, long hw, int zeta, T tau, PiXMode mode, bool channelsLast)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (channelsLast) { ForwardLast(x, p, y, n, c, hw, zeta, tau, mode); return; }
        long co = Arithmetic.PiXChannels(c, zeta);
        nint xa = (nint)x, pa = (nint)p, ya = (nint)y;
        ParallelRanges(n * co, zeta * hw, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (start, end) => {
            T* xs = (T*)xa, ps = (T*)pa, ys = (T*)ya;
            for (long item = start; item < end; item++) {
                long s = item / co, grp = item % co;
                long c0 = grp * zeta;
                int size = (int)Math.Min(zeta, c - c0);
                T pv = ps[item];
                T* xg = xs + (s * c + c0) * hw;
                T* yo = ys + item * hw;
                if (IsPick(mode, pv, tau)) PickForward(xg, size, hw, pv, yo);
                else MixForward(xg, size, hw, pv, yo);
            }
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsPick<T>(PiXMode mode, T p, T tau) where T : unmanaged, IFloatingPointIeee754<T> =>
        mode == PiXMode.MaxOnly || (mode == PiXMode.PickOrMix && p < tau);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PickForward<T>(T* xg, int size, long hw, T p, T* y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        long i = 0;
        if (Vector.IsHardwareAccelerated && hw >= Vector<T>.Count) {
            var vp = new Vector<T>(p);
            for (; i <= hw - Vector<T>.Count; i += Vector<T>.Count) {
                var m = Load(xg + i);
                for (int j = 1; j < size; j++) {
                    var v = Load(xg + j * hw + i);
                    // Take v when it is larger, or when it is NaN (NaN then stays: nothing compares greater).
                    var take = Vector.GreaterThan(v, m) | ~Vector.Equals(v, v);
                    m = Vector.ConditionalSelect(take, v, m);
                }
                Store(m * vp, y + i);
            }
        }
        for (; i < hw; i++) {
            T m = xg[i];
            for (int j = 1; j < size; j++) {
                T v = xg[j * hw + i];
                if (v > m || T.IsNaN(v)) m = v;
            }
            y[i] = m * p;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MixForward<T>(T* xg, int size, long hw, T p, T* y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T count = T.CreateTruncating(size);
        long i = 0;
        if (Vector.IsHardwareAccelerated && hw >= Vector<T>.Count) {
            var vp = new Vector<T>(p);
            var vc = new Vector<T>(count);
            for (; i <= hw - Vector<T>.Count; i += Vector<T>.Count) {
                var s = Load(xg + i);
                for (int j = 1; j < size; j++) s += Load(xg + j * hw + i);
                Store(s / vc * vp, y + i);
            }
        }
        for (; i < hw; i++) {
            T s = xg[i];
            for (int j = 1; j < size; j++) s += xg[j * hw + i];
            y[i] = s / count * p;
        }
    }

    // ---------------------------------------------------------------- backward

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Backward<T>(T* x, T* p, T* g, T* dx, T* dp, T* add, long n, long c, long hw, int zeta, T tau, PiXMode mode,
                                    bool channelsLast)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (channelsLast) { BackwardLast(x, p, g, dx, dp, add, n, c, hw, zeta, tau, mode); return; }
        long co = Arithmetic.PiXChannels(c, zeta);
        nint xa = (nint)x, pa = (nint)p, ga = (nint)g, dxa = (nint)dx, dpa = (nint)dp, adda = (nint)add;
        ParallelRanges(n * co, 2L * zeta * hw, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (start, end) => {
            T* xs = (T*)xa, ps = (T*)pa, gs = (T*)ga, dxs = (T*)dxa, dps = (T*)dpa, adds = (T*)adda;
            for (long item = start; item < end; item++) {
                long s = item / co, grp = item % co;
                long c0 = grp * zeta;
                int size = (int)Math.Min(zeta, c - c0);
                long offset = (s * c + c0) * hw;
                T pv = ps[item];
                T* go = gs + item * hw;
                T* dxg = dxs == null ? null : dxs + offset;
                T* addg = adds == null ? null : adds + s * c + c0;
                dps[item] = IsPick(mode, pv, tau)
                    ? PickBackward(xs + offset, size, hw, pv, go, dxg, addg)
                    : MixBackward(xs + offset, size, hw, pv, go, dxg, addg);
            }
        });
    }

    /// <summary>dX = p·g at the first arg-max channel, 0 elsewhere (plus add[j] on channel j when given); returns Σ max·g.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T PickBackward<T>(T* xg, int size, long hw, T p, T* g, T* dx, T* add) where T : unmanaged, IFloatingPointIeee754<T>
    {
        long i = 0;
        T dp = T.Zero;
        if (Vector.IsHardwareAccelerated && hw >= Vector<T>.Count) {
            var vp = new Vector<T>(p);
            var acc = Vector<T>.Zero;
            for (; i <= hw - Vector<T>.Count; i += Vector<T>.Count) {
                var m = Load(xg + i);
                var idx = Vector<T>.Zero;
                for (int j = 1; j < size; j++) {
                    var v = Load(xg + j * hw + i);
                    // First strictly larger value, or the first NaN (once m is NaN nothing replaces it).
                    var take = Vector.GreaterThan(v, m) | Vector.AndNot(Vector.Equals(m, m), Vector.Equals(v, v));
                    m = Vector.ConditionalSelect(take, v, m);
                    idx = Vector.ConditionalSelect(take, new Vector<T>(T.CreateTruncating(j)), idx);
                }
                var vg = Load(g + i);
                acc += m * vg;
                if (dx != null) {
                    var pg = vp * vg;
                    for (int j = 0; j < size; j++) {
                        var d = Vector.BitwiseAnd(Vector.Equals(idx, new Vector<T>(T.CreateTruncating(j))), pg);
                        Store(add == null ? d : d + new Vector<T>(add[j]), dx + j * hw + i);
                    }
                }
            }
            dp = Vector.Sum(acc);
        }
        for (; i < hw; i++) {
            T m = xg[i];
            int idx = 0;
            for (int j = 1; j < size; j++) {
                T v = xg[j * hw + i];
                if (v > m || (T.IsNaN(v) && !T.IsNaN(m))) { m = v; idx = j; }
            }
            dp += m * g[i];
            if (dx != null) {
                T pg = p * g[i];
                for (int j = 0; j < size; j++) dx[j * hw + i] = add == null ? (j == idx ? pg : T.Zero) : (j == idx ? pg : T.Zero) + add[j];
            }
        }
        return dp;
    }

    /// <summary>dX = p·g/size at every channel of the group (plus add[j] on channel j when given); returns Σ mean·g.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T MixBackward<T>(T* xg, int size, long hw, T p, T* g, T* dx, T* add) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T count = T.CreateTruncating(size);
        long i = 0;
        T dp = T.Zero;
        if (Vector.IsHardwareAccelerated && hw >= Vector<T>.Count) {
            var vp = new Vector<T>(p);
            var vc = new Vector<T>(count);
            var acc = Vector<T>.Zero;
            for (; i <= hw - Vector<T>.Count; i += Vector<T>.Count) {
                var s = Load(xg + i);
                for (int j = 1; j < size; j++) s += Load(xg + j * hw + i);
                var vg = Load(g + i);
                acc += s / vc * vg;
                if (dx != null) {
                    var d = vp * vg / vc;
                    for (int j = 0; j < size; j++) Store(add == null ? d : d + new Vector<T>(add[j]), dx + j * hw + i);
                }
            }
            dp = Vector.Sum(acc);
        }
        for (; i < hw; i++) {
            T s = xg[i];
            for (int j = 1; j < size; j++) s += xg[j * hw + i];
            dp += s / count * g[i];
            if (dx != null) {
                T d = p * g[i] / count;
                for (int j = 0; j < size; j++) dx[j * hw + i] = add == null ? d : d + add[j];
            }
        }
        return dp;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> Load<T>(T* ptr) where T : unmanaged => Unsafe.ReadUnaligned<Vector<T>>(ptr);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<T>(Vector<T> v, T* ptr) where T : unmanaged => Unsafe.WriteUnaligned(ptr, v);
}
