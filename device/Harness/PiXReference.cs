using System;
using PiXGen.Generators.Model;

namespace PiXGen.CudaCheck;

/// <summary>
/// The float64 reference the emitted kernels are checked against (on the GPU by the device harness, on the host by
/// the g++ emulation test): plain loops in NCHW order, written from docs/pix-operator.md and the official kernel's
/// backward (first arg-max channel, the first NaN if any; the short last group mixes by its true size). Each result
/// comes with a magnitude (the same sum over absolute values) that scales the tolerance, so cancellation in a sum
/// does not turn rounding into a large relative error.
/// </summary>
public static class PiXReference
{
    /// <summary>Bytes per element of <paramref name="dtype"/>.</summary>
    public static int Size(CudaDType dtype) => dtype == CudaDType.Float32 ? 4 : 2;

    /// <summary>Tolerance relative to the magnitude: float32 1e-6 elementwise (a few ulps of the result), 16-bit
    /// types a few units of their last place (2⁻¹¹ float16, 2⁻⁸ bfloat16, times 4).</summary>
    public static double Tolerance(CudaDType dtype, bool reduction) => dtype switch {
        CudaDType.Float32 => reduction ? 1e-5 : 1e-6,
        CudaDType.Float16 => 4.0 / 2048,
        _ => 4.0 / 256,
    };

    /// <summary>Rounds <paramref name="v"/> to <paramref name="dtype"/> (via float32, round to nearest even).</summary>
    public static double Round(double v, CudaDType dtype) => dtype switch {
        CudaDType.Float32 => (float)v,
        CudaDType.Float16 => (double)(float)(Half)(float)v,
        _ => BFloat16ToFloat(FloatToBFloat16((float)v)),
    };

    /// <summary>The raw little-endian bytes of <paramref name="values"/> stored as <paramref name="dtype"/>.</summary>
    public static byte[] ToBytes(double[] values, CudaDType dtype)
    {
        var bytes = new byte[values.Length * Size(dtype)];
        for (int i = 0; i < values.Length; i++) {
            switch (dtype) {
            case CudaDType.Float32: BitConverter.TryWriteBytes(bytes.AsSpan(i * 4), (float)values[i]); break;
            case CudaDType.Float16: BitConverter.TryWriteBytes(bytes.AsSpan(i * 2), BitConverter.HalfToUInt16Bits((Half)(float)values[i])); break;
            default: BitConverter.TryWriteBytes(bytes.AsSpan(i * 2), FloatToBFloat16((float)values[i])); break;
            }
        }
        return bytes;
    }

    /// <summary>The values stored in <paramref name="bytes"/> as <paramref name="dtype"/>.</summary>
    public static double[] FromBytes(ReadOnlySpan<byte> bytes, CudaDType dtype)
    {
        int size = Size(dtype);
        var values = new double[bytes.Length / size];
        for (int i = 0; i < values.Length; i++) {
            var b = bytes.Slice(i * size, size);
            values[i] = dtype switch {
                CudaDType.Float32 => BitConverter.ToSingle(b),
                CudaDType.Float16 => (double)(float)BitConverter.UInt16BitsToHalf(BitConverter.ToUInt16(b)),
                _ => BFloat16ToFloat(BitConverter.ToUInt16(b)),
            };
        }
        return values;
    }

    private static ushort FloatToBFloat16(float f)
    {
        uint u = BitConverter.SingleToUInt32Bits(f);
        if ((u & 0x7fffffffu) > 0x7f800000u) return (ushort)((u >> 16) | 0x40u);
        return (ushort)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
    }

    private static float BFloat16ToFloat(ushort b) => BitConverter.UInt32BitsToSingle((uint)b << 16);

    private static bool IsPick(CudaPiXMode mode, double p, double tau) =>
        mode == CudaPiXMode.MaxOnly || (mode == CudaPiXMode.PickOrMix && p < tau);

    /// <summary>Max (first NaN wins) and its first channel, and the sum, of one pixel of one group.</summary>
    private static (double max, int arg, double sum, double absSum, double absMax) Group(double[] x, long offset, long hw, int size)
    {
        double max = x[offset], sum = 0, absSum = 0;
        int arg = 0;
        for (int j = 0; j < size; j++) {
            double v = x[offset + j * hw];
            sum += v;
            absSum += Math.Abs(v);
            if (j > 0 && (v > max || (double.IsNaN(v) && !double.IsNaN(max)))) { max = v; arg = j; }
        }
        return (max, arg, sum, absSum, Math.Abs(max));
    }

    /// <summary>Forward y (N, Co, HW) and its magnitude; with <paramref name="scale"/>/<paramref name="shift"/>
    /// (per output channel, may be null) and <paramref name="act"/> the inference epilogue is applied.</summary>
    public static (double[] y, double[] mag) Forward(double[] x, double[] p, int n, int c, long hw, int zeta, double tau,
                                                     CudaPiXMode mode, double[]? scale = null, double[]? shift = null,
                                                     CudaActivation? act = null)
    {
        int co = (c + zeta - 1) / zeta;
        var y = new double[n * co * hw];
        var mag = new double[y.Length];
        for (int s = 0; s < n; s++)
            for (int o = 0; o < co; o++) {
                int c0 = o * zeta, size = Math.Min(zeta, c - c0);
                double pv = p[s * co + o];
                bool pick = IsPick(mode, pv, tau);
                for (long i = 0; i < hw; i++) {
                    var gr = Group(x, (long)(s * c + c0) * hw + i, hw, size);
                    double v = pv * (pick ? gr.max : gr.sum / size);
                    double m = Math.Abs(pv) * (pick ? gr.absMax : gr.absSum / size);
                    if (act is { } a) {
                        double sc = scale?[o] ?? 1, sh = shift?[o] ?? 0;
                        m = Math.Abs(sc) * m + Math.Abs(sh);
                        v = Activate(sc * v + sh, a);
                    }
                    y[(s * co + o) * hw + i] = v;
                    mag[(s * co + o) * hw + i] = m;
                }
            }
        return (y, mag);
    }

    /// <summary>The epilogue's activation.</summary>
    public static double Activate(double v, CudaActivation act) => act switch {
        CudaActivation.ReLU => v < 0 ? 0 : v,
        CudaActivation.ReLU6 => v < 0 ? 0 : Math.Min(v, 6),
        CudaActivation.SiLU => v / (1 + Math.Exp(-v)),
        _ => v,
    };

    /// <summary>The official kernel's backward: dX (N, C, HW), dp (N, Co) and dp's magnitude.</summary>
    public static (double[] dx, double[] dp, double[] dpMag) Backward(double[] x, double[] p, double[] g, int n, int c, long hw,
                                                                      int zeta, double tau, CudaPiXMode mode)
    {
        int co = (c + zeta - 1) / zeta;
        var dx = new double[x.Length];
        var dp = new double[n * co];
        var dpMag = new double[n * co];
        for (int s = 0; s < n; s++)
            for (int o = 0; o < co; o++) {
                int c0 = o * zeta, size = Math.Min(zeta, c - c0);
                double pv = p[s * co + o];
                bool pick = IsPick(mode, pv, tau);
                double acc = 0, accMag = 0;
                for (long i = 0; i < hw; i++) {
                    long offset = (long)(s * c + c0) * hw + i;
                    double gv = g[(s * co + o) * hw + i];
                    var gr = Group(x, offset, hw, size);
                    acc += (pick ? gr.max : gr.sum / size) * gv;
                    accMag += (pick ? gr.absMax : gr.absSum / size) * Math.Abs(gv);
                    for (int j = 0; j < size; j++)
                        dx[offset + j * hw] = pick ? (j == gr.arg ? pv * gv : 0) : pv * gv / size;
                }
                dp[s * co + o] = acc;
                dpMag[s * co + o] = accMag;
            }
        return (dx, dp, dpMag);
    }

    /// <summary>The context z (N, C): spatial mean, or the l1 norm; and its magnitude.</summary>
    public static (double[] z, double[] mag) Context(double[] x, int n, int c, long hw, CudaPiXContext context)
    {
        var z = new double[n * c];
        var mag = new double[n * c];
        for (long r = 0; r < (long)n * c; r++) {
            double sum = 0, abs = 0;
            for (long i = 0; i < hw; i++) {
                double v = x[r * hw + i];
                sum += context == CudaPiXContext.L1 ? Math.Abs(v) : v;
                abs += Math.Abs(v);
            }
            z[r] = context == CudaPiXContext.L1 ? sum : sum / hw;
            mag[r] = context == CudaPiXContext.L1 ? abs : abs / hw;
        }
        return (z, mag);
    }

    /// <summary>The gate p = sigmoid(W·z + b) (N, Co); the magnitude bounds the logit's rounding error.</summary>
    public static (double[] p, double[] mag) Gate(double[] z, double[] w, double[]? b, int n, int c, int co)
    {
        var p = new double[n * co];
        var mag = new double[n * co];
        for (int s = 0; s < n; s++)
            for (int o = 0; o < co; o++) {
                double acc = b?[o] ?? 0, abs = Math.Abs(b?[o] ?? 0);
                for (int k = 0; k < c; k++) {
                    acc += w[o * c + k] * z[s * c + k];
                    abs += Math.Abs(w[o * c + k] * z[s * c + k]);
                }
                p[s * co + o] = 1 / (1 + Math.Exp(-acc));
                mag[s * co + o] = abs / 4 + p[s * co + o];   // sigmoid' ≤ 1/4
            }
        return (p, mag);
    }

    /// <summary>
    /// The worst |actual − expected| / (magnitude + tiny) and where; NaN must meet NaN. Returns (ok, worst ratio to
    /// the tolerance, index of the worst element or the first NaN mismatch).
    /// </summary>
    public static (bool ok, double worst, long at) Compare(double[] actual, double[] expected, double[] magnitude, double tolerance)
    {
        if (actual.Length != expected.Length)
            throw new ArgumentException($"compare: {actual.Length} values against {expected.Length} expected.");
        double worst = 0;
        long at = -1;
        for (long i = 0; i < actual.Length; i++) {
            double a = actual[i], e = expected[i];
            if (double.IsNaN(e) || double.IsNaN(a)) {
                if (double.IsNaN(e) != double.IsNaN(a)) return (false, double.PositiveInfinity, i);
                continue;
            }
            double ratio = Math.Abs(a - e) / (tolerance * (magnitude[i] + 1e-30));
            if (ratio > worst) { worst = ratio; at = i; }
        }
        return (worst <= 1, worst, at);
    }
}
