using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

using PiXGen.Definitions;

namespace PiXGen.PiX;

// The kernel on channels-last tensors (storage N, H, W, C; PiXGen.Platform.ChannelsLast): at each pixel a group is ζ
// adjacent values. The same operations per value as the NCHW kernel, in the same order (the maximum with NaN winning,
// the mean as the sum in channel order divided by the group size, then times p; dX likewise), so y and dX are bit for
// bit the NCHW kernel's; only dp, a sum over pixels, adds in another order. One work item is a run of one sample's
// pixels.
//
// On AVX-512 machines float32 groups of ζ = 1, 2, 4 or 8 (whole groups, Co a multiple of 16) run 16 output channels at
// a time: ζ vectors of 16 input channels are split log2(ζ) times into their even and odd elements, which puts element
// g of each of the 16 groups in vector g (lane l: group l); the backward interleaves dX back the same way. Any other
// case runs one value at a time.
internal static unsafe partial class PiXCpuKernel
{
    /// <summary>Pixels per work item of the channels-last kernels: a fixed split, so dp's order of additions is too.</summary>
    private const long PixelsPerItem = 256;

    private static readonly Vector512<int> EvenLanes = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    private static readonly Vector512<int> OddLanes = Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    private static readonly Vector512<int> LowLanes = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    private static readonly Vector512<int> HighLanes = Vector512.Create(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);

    /// <summary>Whether the 16-channel AVX-512 path applies (see the file's remarks).</summary>
    private static bool Sixteen<T>(long c, long co, int zeta) =>
        typeof(T) == typeof(float) && Avx512F.IsSupported && zeta is 1 or 2 or 4 or 8 && c == co * zeta && co % 16 == 0;

    /// <summary>Per (sample, output channel): all bits set where the group picks (p and τ as in <see cref="IsPick"/>), else 0.</summary>
    private static int[] PickMasks<T>(T* p, long count, T tau, PiXMode mode) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var masks = new int[count];
        for (long i = 0; i < count; i++) masks[i] = IsPick(mode, p[i], tau) ? -1 : 0;
        return masks;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardLast<T>(T* x, T* p, T* y, long n, long c, long hw, int zeta, T tau, PiXMode mode)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        long co = Arithmetic.PiXChannels(c, zeta), runs = (hw + PixelsPerItem - 1) / PixelsPerItem;
        var masks = PickMasks(p, n * co, tau, mode);
        bool sixteen = Sixteen<T>(c, co, zeta);
        nint xa = (nint)x, pa = (nint)p, ya = (nint)y;
        ParallelRanges(n * runs, Math.Min(hw, PixelsPerItem) * c, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (start, end) => {
            fixed (int* maskAll = masks) {
                for (long item = start; item < end; item++) {
                    long s = item / runs, first = item % runs * PixelsPerItem, last = Math.Min(hw, first + PixelsPerItem);
                    T* sp = (T*)pa + s * co;
                    int* sm = maskAll + s * co;
                    for (long pix = first; pix < last; pix++) {
                        T* xp = (T*)xa + (s * hw + pix) * c;
                        T* yp = (T*)ya + (s * hw + pix) * co;
                        if (sixteen) ForwardRow16((float*)xp, (float*)yp, (float*)sp, sm, co, zeta);
                        else ForwardRow(xp, yp, sp, sm, c, co, zeta);
                    }
                }
            }
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ForwardRow<T>(T* xp, T* yp, T* sp, int* sm, long c, long co, int zeta) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (long o = 0; o < co; o++) {
            long c0 = o * zeta;
            int size = (int)Math.Min(zeta, c - c0);
            T* xg = xp + c0;
            T v0 = xg[0];
            if (sm[o] != 0) {
                for (int j = 1; j < size; j++) { T v = xg[j]; if (v > v0 || T.IsNaN(v)) v0 = v; }
                yp[o] = v0 * sp[o];
            } else {
                for (int j = 1; j < size; j++) v0 += xg[j];
                yp[o] = v0 / T.CreateTruncating(size) * sp[o];
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ForwardRow16(float* xp, float* yp, float* sp, int* sm, long co, int zeta)
    {
        var u = stackalloc Vector512<float>[8];
        var t = stackalloc Vector512<float>[8];
        var count = Vector512.Create((float)zeta);
        for (long ob = 0; ob < co; ob += 16) {
            var (m, sum, _) = Reduce16(xp + ob * zeta, u, t, zeta);
            var pick = Vector512.Load(sm + ob).AsSingle();
            Vector512.Store(Vector512.ConditionalSelect(pick, m, sum / count) * Vector512.Load(sp + ob), yp + ob);
        }
    }

    /// <summary>
    /// For the 16 groups of ζ values at <paramref name="xg"/>: each group's maximum (the first strictly larger value, or
    /// the first NaN: once it is NaN nothing replaces it), its index in the group, and its sum in channel order.
    /// <paramref name="u"/> and <paramref name="t"/> are ζ vectors of scratch.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float> Max, Vector512<float> Sum, Vector512<float> Index) Reduce16(float* xg, Vector512<float>* u, Vector512<float>* t, int zeta)
    {
        for (int g = 0; g < zeta; g++) u[g] = Vector512.Load(xg + 16 * g);
        Split(u, t, zeta);
        Vector512<float> m = u[0], sum = u[0], idx = Vector512<float>.Zero;
        for (int j = 1; j < zeta; j++) {
            var v = u[j];
            var take = Vector512.GreaterThan(v, m) | Vector512.AndNot(Vector512.Equals(m, m), Vector512.Equals(v, v));
            m = Vector512.ConditionalSelect(take, v, m);
            idx = Vector512.ConditionalSelect(take, Vector512.Create((float)j), idx);
            sum += v;
        }
        return (m, sum, idx);
    }

    /// <summary>Splits ζ vectors of 16 adjacent groups' values so that vector g holds element g of every group.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Split(Vector512<float>* u, Vector512<float>* t, int zeta)
    {
        for (int half = zeta / 2; half >= 1; half /= 2) {
            for (int k = 0; k < zeta / 2; k++) {
                t[k] = Avx512F.PermuteVar16x32x2(u[2 * k], EvenLanes, u[2 * k + 1]);
                t[zeta / 2 + k] = Avx512F.PermuteVar16x32x2(u[2 * k], OddLanes, u[2 * k + 1]);
            }
            for (int g = 0; g < zeta; g++) u[g] = t[g];
        }
    }

    /// <summary>The inverse of <see cref="Split"/>: vector g holds 16 adjacent channels again.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Interleave(Vector512<float>* u, Vector512<float>* t, int zeta)
    {
        for (int half = zeta / 2; half >= 1; half /= 2) {
            for (int k = 0; k < zeta / 2; k++) {
                t[2 * k] = Avx512F.PermuteVar16x32x2(u[k], LowLanes, u[zeta / 2 + k]);
                t[2 * k + 1] = Avx512F.PermuteVar16x32x2(u[k], HighLanes, u[zeta / 2 + k]);
            }
            for (int g = 0; g < zeta; g++) u[g] = t[g];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardLast<T>(T* x, T* p, T* g, T* dx, T* dp, T* add, long n, long c, long hw, int zeta, T tau, PiXMode mode)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        long co = Arithmetic.PiXChannels(c, zeta), runs = (hw + PixelsPerItem - 1) / PixelsPerItem;
        var masks = PickMasks(p, n * co, tau, mode);
        bool sixteen = Sixteen<T>(c, co, zeta);
        var partial = new T[n * runs * co];   // each work item's share of dp, added up in run order below
        nint xa = (nint)x, pa = (nint)p, ga = (nint)g, dxa = (nint)dx, adda = (nint)add;
        fixed (T* parts = partial) {
            nint partsa = (nint)parts;
            ParallelRanges(n * runs, 2 * Math.Min(hw, PixelsPerItem) * c, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (start, end) => {
                fixed (int* maskAll = masks) {
                    for (long item = start; item < end; item++) {
                        long s = item / runs, first = item % runs * PixelsPerItem, last = Math.Min(hw, first + PixelsPerItem);
                        T* sp = (T*)pa + s * co, acc = (T*)partsa + item * co;
                        T* sadd = adda == 0 ? null : (T*)adda + s * c;
                        int* sm = maskAll + s * co;
                        for (long pix = first; pix < last; pix++) {
                            T* xp = (T*)xa + (s * hw + pix) * c;
                            T* gp = (T*)ga + (s * hw + pix) * co;
                            T* dxp = dxa == 0 ? null : (T*)dxa + (s * hw + pix) * c;
                            if (sixteen) BackwardRow16((float*)xp, (float*)gp, (float*)dxp, (float*)acc, (float*)sp, sm, (float*)sadd, co, zeta);
                            else BackwardRow(xp, gp, dxp, acc, sp, sm, sadd, c, co, zeta);
                        }
                    }
                }
            });
            for (long s = 0; s < n; s++)
                for (long o = 0; o < co; o++) {
                    T total = T.Zero;
                    for (long r = 0; r < runs; r++) total += parts[(s * runs + r) * co + o];
                    dp[s * co + o] = total;
                }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BackwardRow<T>(T* xp, T* gp, T* dxp, T* acc, T* sp, int* sm, T* sadd, long c, long co, int zeta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (long o = 0; o < co; o++) {
            long c0 = o * zeta;
            int size = (int)Math.Min(zeta, c - c0);
            T* xg = xp + c0;
            T gv = gp[o], pv = sp[o];
            if (sm[o] != 0) {
                T m = xg[0];
                int idx = 0;
                for (int j = 1; j < size; j++) {
                    T v = xg[j];
                    if (v > m || (T.IsNaN(v) && !T.IsNaN(m))) { m = v; idx = j; }
                }
                acc[o] += m * gv;
                if (dxp != null) {
                    T pg = pv * gv;
                    for (int j = 0; j < size; j++) {
                        T d = j == idx ? pg : T.Zero;
                        dxp[c0 + j] = sadd == null ? d : d + sadd[c0 + j];
                    }
                }
            } else {
                T count = T.CreateTruncating(size), sum = xg[0];
                for (int j = 1; j < size; j++) sum += xg[j];
                acc[o] += sum / count * gv;
                if (dxp != null) {
                    T d = pv * gv / count;
                    for (int j = 0; j < size; j++) dxp[c0 + j] = sadd == null ? d : d + sadd[c0 + j];
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BackwardRow16(float* xp, float* gp, float* dxp, float* acc, float* sp, int* sm, float* sadd, long co, int zeta)
    {
        var u = stackalloc Vector512<float>[8];
        var t = stackalloc Vector512<float>[8];
        var count = Vector512.Create((float)zeta);
        for (long ob = 0; ob < co; ob += 16) {
            var (m, sum, idx) = Reduce16(xp + ob * zeta, u, t, zeta);
            var pick = Vector512.Load(sm + ob).AsSingle();
            var vg = Vector512.Load(gp + ob);
            var vp = Vector512.Load(sp + ob);
            Vector512.Store(Vector512.Load(acc + ob) + Vector512.ConditionalSelect(pick, m * vg, sum / count * vg), acc + ob);
            if (dxp == null) continue;
            var pg = vp * vg;
            var mixed = vp * vg / count;
            for (int j = 0; j < zeta; j++)
                u[j] = Vector512.ConditionalSelect(pick, Vector512.Equals(idx, Vector512.Create((float)j)) & pg, mixed);
            Interleave(u, t, zeta);
            float* dxg = dxp + ob * zeta;
            for (int j = 0; j < zeta; j++) {
                var d = u[j];
                if (sadd != null) d += Vector512.Load(sadd + ob * zeta + 16 * j);
                Vector512.Store(d, dxg + 16 * j);
            }
        }
    }
}
