using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using PiXGen.Platform;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.PiX;

// The float64 context of PiX's decision (PiXLayer.Picks) read in place. libtorch's x.mean(dims, dtype: Float64) reduces
// a float64 copy of x, twice its size, in fresh memory (PyTorch 1.13's takes as long as x.double() alone); here each
// value is widened to float64 as it is read, which took a quarter to three fifths off PiX-ResNet-50's PiX layers'
// forward in a training step (docs/benchmarks/engines.md). The order of the float64 additions is not part of the
// decision rule (PiXLayer.Gate).
internal static unsafe partial class PiXCpuKernel
{
    /// <summary>Channels per work item of the channels-last context (one strip of each pixel's row).</summary>
    private const long ContextChannels = 64;

    /// <summary>
    /// The context of <paramref name="x"/> (N, C, H, W) per (sample, channel) as a new (N, C) float64 tensor: the
    /// spatial mean, or with <paramref name="absolute"/> the spatial sum of |x|, accumulated in float64. Null where x
    /// is not a CPU float32/float64 tensor stored as NCHW or channels-last (the caller then asks libtorch).
    /// </summary>
    internal static Tensor? Context64(Tensor x, bool absolute)
    {
        if (x.device_type != DeviceType.CPU || x.dim() != 4 || x.dtype is not (ScalarType.Float32 or ScalarType.Float64)) return null;
        bool last = ChannelsLast.Is(x);
        if (!last && !x.is_contiguous()) return null;
        long n = x.shape[0], c = x.shape[1], hw = x.shape[2] * x.shape[3];
        var z = zeros(new[] { n, c }, ScalarType.Float64);   // with no pixels: sums of nothing (a mean of 0 / 0 = NaN, as libtorch's)
        if (n * c * hw > 0) AddSums(x, z, last, absolute);
        if (!absolute) z.div_(hw);
        return z;
    }

    /// <summary>Adds each (sample, channel)'s spatial sum (or sum of |x|) of non-empty <paramref name="x"/> into
    /// <paramref name="z"/> (N, C) float64.</summary>
    private static void AddSums(Tensor x, Tensor z, bool last, bool absolute)
    {
        long n = x.shape[0], c = x.shape[1], hw = x.shape[2] * x.shape[3];
        nint xa = (nint)Data(x), za = (nint)Data(z);
        bool single = x.dtype == ScalarType.Float32;
        if (last) {
            long chunks = (c + ContextChannels - 1) / ContextChannels;
            ParallelRanges(n * chunks, hw * Math.Min(c, ContextChannels), (start, end) => {
                for (long item = start; item < end; item++) {
                    long s = item / chunks, c0 = item % chunks * ContextChannels, width = Math.Min(ContextChannels, c - c0);
                    double* acc = (double*)za + s * c + c0;
                    if (single) StripSums((float*)xa + s * hw * c + c0, acc, hw, c, width, absolute);
                    else StripSums((double*)xa + s * hw * c + c0, acc, hw, c, width, absolute);
                }
            });
        } else {
            ParallelRanges(n * c, hw, (start, end) => {
                for (long plane = start; plane < end; plane++)
                    ((double*)za)[plane] = single ? PlaneSum((float*)xa + plane * hw, hw, absolute) : PlaneSum((double*)xa + plane * hw, hw, absolute);
            });
        }
        GC.KeepAlive(x); GC.KeepAlive(z);
    }

    /// <summary>The float64 sum of <paramref name="len"/> values (or their magnitudes) over four vector accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double PlaneSum(float* v, long len, bool absolute)
    {
        int w = Vector<float>.Count;
        Vector<double> a0 = Vector<double>.Zero, a1 = a0, a2 = a0, a3 = a0;
        long i = 0;
        for (; i + 2 * w <= len; i += 2 * w) {
            var v0 = Unsafe.ReadUnaligned<Vector<float>>(v + i);
            var v1 = Unsafe.ReadUnaligned<Vector<float>>(v + i + w);
            if (absolute) { v0 = Vector.Abs(v0); v1 = Vector.Abs(v1); }
            Vector.Widen(v0, out var l0, out var h0);
            Vector.Widen(v1, out var l1, out var h1);
            a0 += l0; a1 += h0; a2 += l1; a3 += h1;
        }
        double sum = Vector.Sum((a0 + a1) + (a2 + a3));
        for (; i < len; i++) sum += absolute ? Math.Abs((double)v[i]) : v[i];
        return sum;
    }

    /// <summary>The float64 sum of <paramref name="len"/> float64 values (or their magnitudes); float64 networks are for
    /// checking, so one value at a time.</summary>
    private static double PlaneSum(double* v, long len, bool absolute)
    {
        double sum = 0;
        for (long i = 0; i < len; i++) sum += absolute ? Math.Abs(v[i]) : v[i];
        return sum;
    }

    /// <summary>
    /// Channels-last: adds, for each of <paramref name="width"/> adjacent channels starting at <paramref name="row"/>,
    /// its values at all <paramref name="pixels"/> pixels (rows <paramref name="stride"/> apart) into
    /// <paramref name="acc"/>, widened to float64 as they are read.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void StripSums(float* row, double* acc, long pixels, long stride, long width, bool absolute)
    {
        int w = Vector<float>.Count, half = Vector<double>.Count;
        long whole = width / w * w;
        for (long pix = 0; pix < pixels; pix++, row += stride) {
            for (long j = 0; j < whole; j += w) {
                var v = Unsafe.ReadUnaligned<Vector<float>>(row + j);
                if (absolute) v = Vector.Abs(v);
                Vector.Widen(v, out var lo, out var hi);
                Unsafe.WriteUnaligned(acc + j, Unsafe.ReadUnaligned<Vector<double>>(acc + j) + lo);
                Unsafe.WriteUnaligned(acc + j + half, Unsafe.ReadUnaligned<Vector<double>>(acc + j + half) + hi);
            }
            for (long j = whole; j < width; j++) acc[j] += absolute ? Math.Abs((double)row[j]) : row[j];
        }
    }

    /// <summary>As the float32 overload, for float64 values, one at a time (see the float64 <c>PlaneSum</c>).</summary>
    private static void StripSums(double* row, double* acc, long pixels, long stride, long width, bool absolute)
    {
        for (long pix = 0; pix < pixels; pix++, row += stride)
            for (long j = 0; j < width; j++) acc[j] += absolute ? Math.Abs(row[j]) : row[j];
    }
}
