using System;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Operators.Tests;

internal static class TestData
{
    /// <summary>Values on a coarse grid (multiples of 0.25 in [-2, 2]) so that exact ties in the max are common
    /// and every value is exact in float32.</summary>
    public static double[] Tied(Random rng, int count) =>
        Enumerable.Range(0, count).Select(_ => rng.Next(-8, 9) * 0.25).ToArray();

    /// <summary>Continuous values (ties have probability zero).</summary>
    public static double[] Normal(Random rng, int count) =>
        Enumerable.Range(0, count).Select(_ => {
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        }).ToArray();

    /// <summary>Probabilities in (0, 1) on a grid of 1/64 (exact in float32), about a fifth of them exactly τ = 0.5.</summary>
    public static double[] Probabilities(Random rng, int count) =>
        Enumerable.Range(0, count).Select(_ => rng.Next(5) == 0 ? 0.5 : rng.Next(1, 64) / 64.0).ToArray();

    public static Tensor ToTensor(double[] data, long[] shape, ScalarType dtype, bool requiresGrad = false) =>
        tensor(data, shape, dtype: ScalarType.Float64).to_type(dtype).requires_grad_(requiresGrad);

    public static double[] ToArray(Tensor t)
    {
        using var d = t.detach().to_type(ScalarType.Float64).cpu().contiguous();
        return d.data<double>().ToArray();
    }

    public static void AssertClose(double[] expected, double[] actual, double rtol, double atol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) {
            double e = expected[i], a = actual[i];
            if (double.IsNaN(e) || double.IsNaN(a)) {
                Assert.True(double.IsNaN(e) && double.IsNaN(a), $"{what}[{i}]: expected {e}, got {a}");
                continue;
            }
            if (double.IsInfinity(e) || double.IsInfinity(a)) {
                Assert.True(e == a, $"{what}[{i}]: expected {e}, got {a}");
                continue;
            }
            Assert.True(Math.Abs(e - a) <= atol + rtol * Math.Abs(e), $"{what}[{i}]: expected {e}, got {a} (|Δ| = {Math.Abs(e - a)})");
        }
    }
}
