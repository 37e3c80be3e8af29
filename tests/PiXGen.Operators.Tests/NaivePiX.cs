using System;

namespace PiXGen.Operators.Tests;

/// <summary>
/// An independent float64 reference written as plain loops over arrays in NCHW order: the forward of pix.md
/// (short last group divided by its true size) and the official kernel's backward (first arg-max channel).
/// </summary>
internal static class NaivePiX
{
    public static double[] Forward(double[] x, double[] p, int n, int c, int h, int w, int zeta, double tau, PiX.PiXMode mode)
    {
        int co = (c + zeta - 1) / zeta, hw = h * w;
        var y = new double[n * co * hw];
        for (int s = 0; s < n; s++)
            for (int o = 0; o < co; o++) {
                int c0 = o * zeta, size = Math.Min(zeta, c - c0);
                double pv = p[s * co + o];
                bool pick = IsPick(mode, pv, tau);
                for (int i = 0; i < hw; i++) {
                    double max = double.NegativeInfinity, sum = 0;
                    bool nan = false;
                    for (int j = 0; j < size; j++) {
                        double v = x[(s * c + c0 + j) * hw + i];
                        if (double.IsNaN(v)) nan = true;
                        else if (v > max) max = v;
                        sum += v;
                    }
                    double sel = pick ? (nan ? double.NaN : max) : sum / size;
                    y[(s * co + o) * hw + i] = pv * sel;
                }
            }
        return y;
    }

    public static (double[] dx, double[] dp) Backward(double[] x, double[] p, double[] g, int n, int c, int h, int w,
                                                      int zeta, double tau, PiX.PiXMode mode)
    {
        int co = (c + zeta - 1) / zeta, hw = h * w;
        var dx = new double[x.Length];
        var dp = new double[n * co];
        for (int s = 0; s < n; s++)
            for (int o = 0; o < co; o++) {
                int c0 = o * zeta, size = Math.Min(zeta, c - c0);
                double pv = p[s * co + o];
                bool pick = IsPick(mode, pv, tau);
                double acc = 0;
                for (int i = 0; i < hw; i++) {
                    double gv = g[(s * co + o) * hw + i];
                    int arg = 0;
                    double max = x[(s * c + c0) * hw + i], sum = 0;
                    for (int j = 0; j < size; j++) {
                        double v = x[(s * c + c0 + j) * hw + i];
                        sum += v;
                        if (j > 0 && v > max) { max = v; arg = j; }
                    }
                    acc += (pick ? max : sum / size) * gv;
                    for (int j = 0; j < size; j++)
                        dx[(s * c + c0 + j) * hw + i] = pick ? (j == arg ? pv * gv : 0) : pv * gv / size;
                }
                dp[s * co + o] = acc;
            }
        return (dx, dp);
    }

    private static bool IsPick(PiX.PiXMode mode, double p, double tau) =>
        mode == PiX.PiXMode.MaxOnly || (mode == PiX.PiXMode.PickOrMix && p < tau);
}
