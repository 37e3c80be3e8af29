using System;
using System.Collections.Generic;
using PiXGen.PiX;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Operators.Tests;

/// <summary>The functional form against the naive float64 reference, for every implementation, dtype and mode.</summary>
public class ForwardTests
{
    /// <summary>(N, C, H, W, ζ): short last groups, ζ = 1, ζ = C, ζ &gt; C, H = W = 1, N = 1, vector tails, and
    /// one shape large enough for the parallel path.</summary>
    public static readonly (int n, int c, int h, int w, int zeta)[] Shapes = {
        (1, 1, 1, 1, 1), (2, 8, 3, 5, 4), (3, 7, 4, 4, 3), (1, 5, 2, 3, 8), (2, 6, 1, 1, 2), (1, 9, 6, 7, 2),
        (2, 16, 5, 5, 1), (2, 12, 9, 11, 4), (2, 10, 8, 8, 4), (1, 3, 4, 4, 3), (4, 32, 16, 16, 4), (3, 33, 7, 7, 4),
    };

    public static IEnumerable<object[]> Cases()
    {
        foreach (var impl in new[] { PiXImplementation.Auto, PiXImplementation.Fused, PiXImplementation.Composite, PiXImplementation.CompositeAutograd })
            foreach (var dtype in new[] { ScalarType.Float32, ScalarType.Float64 })
                foreach (var mode in new[] { PiXMode.PickOrMix, PiXMode.AvgOnly, PiXMode.MaxOnly })
                    yield return new object[] { impl, dtype, mode };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesNaiveReference(PiXImplementation impl, ScalarType dtype, PiXMode mode)
    {
        var rng = new Random(1234);
        double tol = dtype == ScalarType.Float32 ? 2e-6 : 1e-13;
        foreach (var (n, c, h, w, zeta) in Shapes) {
            using var scope = NewDisposeScope();
            int co = (c + zeta - 1) / zeta;
            var xs = TestData.Tied(rng, n * c * h * w);
            var ps = TestData.Probabilities(rng, n * co);
            var x = TestData.ToTensor(xs, new long[] { n, c, h, w }, dtype);
            var p = TestData.ToTensor(ps, new long[] { n, co, 1, 1 }, dtype);

            var y = PiXFunctional.pix(x, p, zeta, 0.5, mode, impl);

            Assert.Equal(new long[] { n, co, h, w }, y.shape);
            Assert.Equal(dtype, y.dtype);
            var expected = NaivePiX.Forward(xs, ps, n, c, h, w, zeta, 0.5, mode);
            TestData.AssertClose(expected, TestData.ToArray(y), tol, tol, $"{impl}/{dtype}/{mode} shape ({n},{c},{h},{w}) ζ={zeta}");
        }
    }

    [Theory]
    [InlineData(PiXImplementation.Fused)]
    [InlineData(PiXImplementation.Composite)]
    [InlineData(PiXImplementation.CompositeAutograd)]
    public void PEqualToTauMixesAndBelowTauPicks(PiXImplementation impl)
    {
        using var scope = NewDisposeScope();
        // One sample, C = 4, ζ = 2: group 0 gets p = τ exactly (mix), group 1 p just below τ (pick).
        float tau = 0.3f;   // not exact in binary: τ is compared in the tensor's dtype
        float below = MathF.BitDecrement(tau);
        var x = tensor(new float[] { 1, 2, 3, 4, 10, 20, 30, 40 }, new long[] { 1, 4, 1, 2 });
        var p = tensor(new float[] { tau, below }, new long[] { 1, 2, 1, 1 });
        var y = TestData.ToArray(PiXFunctional.pix(x, p, 2, tau, PiXMode.PickOrMix, impl));
        TestData.AssertClose(new double[] { tau * 2f, tau * 3f, below * 30f, below * 40f }, y, 1e-6, 0, "y");
    }

    [Fact]
    public void PAsTwoDimensionalIsAccepted()
    {
        using var scope = NewDisposeScope();
        var x = randn(2, 6, 3, 3);
        var p = rand(2, 3);
        var a = PiXFunctional.pix(x, p, 2);
        var b = PiXFunctional.pix(x, p.view(2, 3, 1, 1), 2);
        Assert.True(a.allclose(b, 0, 0));
        var pt = rand(3, 2).t();   // (N, Co) = (2, 3), not contiguous
        var c = PiXFunctional.pix(randn(2, 6, 3, 3), pt, 2);
        Assert.Equal(new long[] { 2, 3, 3, 3 }, c.shape);
    }

    [Fact]
    public void FusedEqualsCompositeOnFloat32AndFloat64()
    {
        var rng = new Random(7);
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.Float64 })
            foreach (var mode in new[] { PiXMode.PickOrMix, PiXMode.AvgOnly, PiXMode.MaxOnly })
                foreach (var (n, c, h, w, zeta) in Shapes) {
                    using var scope = NewDisposeScope();
                    int co = (c + zeta - 1) / zeta;
                    var x = TestData.ToTensor(TestData.Normal(rng, n * c * h * w), new long[] { n, c, h, w }, dtype);
                    var p = TestData.ToTensor(TestData.Probabilities(rng, n * co), new long[] { n, co, 1, 1 }, dtype);
                    var fused = PiXFunctional.pix(x, p, zeta, 0.5, mode, PiXImplementation.Fused);
                    var composite = PiXFunctional.pix(x, p, zeta, 0.5, mode, PiXImplementation.Composite);
                    double tol = dtype == ScalarType.Float32 ? 1e-6 : 1e-14;
                    Assert.True(fused.allclose(composite, tol, tol), $"{dtype}/{mode} ({n},{c},{h},{w}) ζ={zeta}");
                }
    }

    [Fact]
    public void NonContiguousInputsGiveTheSameResult()
    {
        using var scope = NewDisposeScope();
        var rng = new Random(3);
        var baseX = TestData.ToTensor(TestData.Normal(rng, 2 * 9 * 12 * 5), new long[] { 2, 5, 12, 9 }, ScalarType.Float32);
        var x = baseX.permute(0, 3, 2, 1);                      // (2, 9, 12, 5), not contiguous
        Assert.False(x.is_contiguous());
        var p = rand(3, 2).t().unsqueeze(-1).unsqueeze(-1);    // (2, 3, 1, 1), not contiguous
        var expected = PiXFunctional.pix(x.contiguous(), p.contiguous(), 3, 0.5, PiXMode.PickOrMix, PiXImplementation.Composite);
        var actual = PiXFunctional.pix(x, p, 3);
        Assert.True(expected.allclose(actual, 1e-6, 1e-6));
        var channelsLast = x.contiguous().permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);   // NHWC memory
        Assert.Equal(1, channelsLast.stride(1));
        Assert.True(expected.allclose(PiXFunctional.pix(channelsLast, p, 3), 1e-6, 1e-6));
    }

    [Theory]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float16)]
    public void OtherFloatingDtypesUseTheCompositePath(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var rng = new Random(11);
        var xs = TestData.Tied(rng, 2 * 6 * 3 * 3);
        var ps = TestData.Probabilities(rng, 2 * 2);
        var x = TestData.ToTensor(xs, new long[] { 2, 6, 3, 3 }, dtype);
        var p = TestData.ToTensor(ps, new long[] { 2, 2, 1, 1 }, dtype);
        Assert.False(PiXFunctional.IsFusedSupported(x));
        var y = PiXFunctional.pix(x, p, 3);
        Assert.Equal(dtype, y.dtype);
        TestData.AssertClose(NaivePiX.Forward(xs, ps, 2, 6, 3, 3, 3, 0.5, PiXMode.PickOrMix), TestData.ToArray(y), 1e-2, 1e-2, "y");
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float64)]
    public void NaNAndInfinityPropagateTheSameWayInEveryPath(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var rng = new Random(5);
        int n = 2, c = 8, h = 5, w = 7, zeta = 4;   // hw = 35: vector body and scalar tail
        var xs = TestData.Normal(rng, n * c * h * w);
        for (int k = 0; k < xs.Length; k += 13) xs[k] = double.NaN;
        for (int k = 5; k < xs.Length; k += 17) xs[k] = double.PositiveInfinity;
        for (int k = 9; k < xs.Length; k += 19) xs[k] = double.NegativeInfinity;
        var ps = new double[] { 0.25, 0.75, 0.75, 0.25 };   // both branches in both samples
        var x = TestData.ToTensor(xs, new long[] { n, c, h, w }, dtype);
        var p = TestData.ToTensor(ps, new long[] { n, 2, 1, 1 }, dtype);
        var expected = NaivePiX.Forward(xs, ps, n, c, h, w, zeta, 0.5, PiXMode.PickOrMix);
        Assert.Contains(expected, double.IsNaN);
        Assert.Contains(expected, double.IsPositiveInfinity);
        foreach (var impl in new[] { PiXImplementation.Fused, PiXImplementation.Composite, PiXImplementation.CompositeAutograd })
            foreach (var mode in new[] { PiXMode.PickOrMix, PiXMode.MaxOnly, PiXMode.AvgOnly })
                TestData.AssertClose(NaivePiX.Forward(xs, ps, n, c, h, w, zeta, 0.5, mode),
                                     TestData.ToArray(PiXFunctional.pix(x, p, zeta, 0.5, mode, impl)), 1e-6, 1e-6, $"{impl}/{mode}");
    }
}
