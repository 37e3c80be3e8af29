using System;
using System.Collections.Generic;
using PiXGen.PiX;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Operators.Tests;

/// <summary>Gradients: the official kernel's backward (naive reference), fused = composite, finite differences.</summary>
public class BackwardTests
{
    private static (double[] dx, double[] dp) Grads(double[] xs, double[] ps, double[] gs, (int n, int c, int h, int w, int zeta) s,
                                                    ScalarType dtype, PiXMode mode, PiXImplementation impl, double tau = 0.5)
    {
        using var scope = NewDisposeScope();
        int co = (s.c + s.zeta - 1) / s.zeta;
        var x = TestData.ToTensor(xs, new long[] { s.n, s.c, s.h, s.w }, dtype, requiresGrad: true);
        var p = TestData.ToTensor(ps, new long[] { s.n, co, 1, 1 }, dtype, requiresGrad: true);
        var g = TestData.ToTensor(gs, new long[] { s.n, co, s.h, s.w }, dtype);
        var y = PiXFunctional.pix(x, p, s.zeta, tau, mode, impl);
        (y * g).sum().backward();
        return (TestData.ToArray(x.grad!), TestData.ToArray(p.grad!));
    }

    public static IEnumerable<object[]> Cases()
    {
        foreach (var impl in new[] { PiXImplementation.Fused, PiXImplementation.Composite })
            foreach (var dtype in new[] { ScalarType.Float32, ScalarType.Float64 })
                foreach (var mode in new[] { PiXMode.PickOrMix, PiXMode.AvgOnly, PiXMode.MaxOnly })
                    yield return new object[] { impl, dtype, mode };
    }

    /// <summary>With exact ties in the max (coarse grid): the gradient goes to the first maximal channel.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesOfficialBackwardIncludingTies(PiXImplementation impl, ScalarType dtype, PiXMode mode)
    {
        var rng = new Random(99);
        foreach (var s in ForwardTests.Shapes) {
            int co = (s.c + s.zeta - 1) / s.zeta;
            var xs = TestData.Tied(rng, s.n * s.c * s.h * s.w);
            var ps = TestData.Probabilities(rng, s.n * co);
            var gs = TestData.Tied(rng, s.n * co * s.h * s.w);
            var (edx, edp) = NaivePiX.Backward(xs, ps, gs, s.n, s.c, s.h, s.w, s.zeta, 0.5, mode);
            var (dx, dp) = Grads(xs, ps, gs, s, dtype, mode, impl);
            double tol = dtype == ScalarType.Float32 ? 1e-5 : 1e-12;
            TestData.AssertClose(edx, dx, tol, tol, $"dx {impl}/{dtype}/{mode} {s}");
            TestData.AssertClose(edp, dp, tol, tol, $"dp {impl}/{dtype}/{mode} {s}");
        }
    }

    /// <summary>TorchSharp's own autograd of the composite form agrees wherever there is no tie in the max.</summary>
    [Theory]
    [InlineData(PiXMode.PickOrMix)]
    [InlineData(PiXMode.AvgOnly)]
    [InlineData(PiXMode.MaxOnly)]
    public void CompositeAutogradMatchesWithoutTies(PiXMode mode)
    {
        var rng = new Random(17);
        foreach (var s in ForwardTests.Shapes) {
            int co = (s.c + s.zeta - 1) / s.zeta;
            var xs = TestData.Normal(rng, s.n * s.c * s.h * s.w);
            var ps = TestData.Probabilities(rng, s.n * co);
            var gs = TestData.Normal(rng, s.n * co * s.h * s.w);
            var (edx, edp) = NaivePiX.Backward(xs, ps, gs, s.n, s.c, s.h, s.w, s.zeta, 0.5, mode);
            var (dx, dp) = Grads(xs, ps, gs, s, ScalarType.Float64, mode, PiXImplementation.CompositeAutograd);
            TestData.AssertClose(edx, dx, 1e-12, 1e-12, $"dx {mode} {s}");
            TestData.AssertClose(edp, dp, 1e-12, 1e-12, $"dp {mode} {s}");
        }
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float64)]
    public void FusedEqualsCompositeBackward(ScalarType dtype)
    {
        var rng = new Random(23);
        foreach (var mode in new[] { PiXMode.PickOrMix, PiXMode.AvgOnly, PiXMode.MaxOnly })
            foreach (var s in ForwardTests.Shapes) {
                int co = (s.c + s.zeta - 1) / s.zeta;
                var xs = TestData.Normal(rng, s.n * s.c * s.h * s.w);
                var ps = TestData.Probabilities(rng, s.n * co);
                var gs = TestData.Normal(rng, s.n * co * s.h * s.w);
                var (fdx, fdp) = Grads(xs, ps, gs, s, dtype, mode, PiXImplementation.Fused);
                var (cdx, cdp) = Grads(xs, ps, gs, s, dtype, mode, PiXImplementation.Composite);
                double tol = dtype == ScalarType.Float32 ? 1e-5 : 1e-12;
                TestData.AssertClose(cdx, fdx, tol, tol, $"dx {dtype}/{mode} {s}");
                TestData.AssertClose(cdp, fdp, tol, tol, $"dp {dtype}/{mode} {s}");
            }
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float64)]
    public void NaNInTheInputGivesTheSameGradientsInFusedAndComposite(ScalarType dtype)
    {
        var rng = new Random(29);
        var s = (n: 2, c: 8, h: 5, w: 7, zeta: 4);
        var xs = TestData.Normal(rng, s.n * s.c * s.h * s.w);
        for (int k = 3; k < xs.Length; k += 11) xs[k] = double.NaN;
        for (int k = 4; k < xs.Length; k += 23) xs[k] = double.PositiveInfinity;
        var ps = new double[] { 0.25, 0.75, 0.75, 0.25 };
        var gs = TestData.Normal(rng, s.n * 2 * s.h * s.w);
        foreach (var mode in new[] { PiXMode.PickOrMix, PiXMode.AvgOnly, PiXMode.MaxOnly }) {
            var (fdx, fdp) = Grads(xs, ps, gs, s, dtype, mode, PiXImplementation.Fused);
            var (cdx, cdp) = Grads(xs, ps, gs, s, dtype, mode, PiXImplementation.Composite);
            TestData.AssertClose(cdx, fdx, 1e-5, 1e-5, $"dx {mode}");
            TestData.AssertClose(cdp, fdp, 1e-5, 1e-5, $"dp {mode}");
        }
    }

    [Fact]
    public void GradientOnlyForTheInputsThatNeedIt()
    {
        using var scope = NewDisposeScope();
        foreach (var impl in new[] { PiXImplementation.Fused, PiXImplementation.Composite }) {
            var x = randn(2, 8, 4, 4);
            var p = rand(2, 2, 1, 1, requires_grad: true);
            PiXFunctional.pix(x, p, 4, 0.5, PiXMode.PickOrMix, impl).sum().backward();
            Assert.Null(x.grad);
            Assert.NotNull(p.grad);

            var x2 = randn(2, 8, 4, 4, requires_grad: true);
            var p2 = rand(2, 2, 1, 1);
            PiXFunctional.pix(x2, p2, 4, 0.5, PiXMode.PickOrMix, impl).sum().backward();
            Assert.NotNull(x2.grad);
            Assert.Null(p2.grad);
        }
    }

    /// <summary>Central finite differences in float64 for X and p, away from ties and from p = τ.</summary>
    [Theory]
    [InlineData(PiXImplementation.Fused, PiXMode.PickOrMix)]
    [InlineData(PiXImplementation.Fused, PiXMode.AvgOnly)]
    [InlineData(PiXImplementation.Fused, PiXMode.MaxOnly)]
    [InlineData(PiXImplementation.Composite, PiXMode.PickOrMix)]
    [InlineData(PiXImplementation.CompositeAutograd, PiXMode.PickOrMix)]
    public void FiniteDifferencesForXAndP(PiXImplementation impl, PiXMode mode)
    {
        var rng = new Random(31);
        foreach (var s in new[] { (n: 2, c: 7, h: 3, w: 4, zeta: 3), (n: 1, c: 8, h: 5, w: 2, zeta: 4), (n: 2, c: 3, h: 2, w: 2, zeta: 1) }) {
            int co = (s.c + s.zeta - 1) / s.zeta;
            var xs = TestData.Normal(rng, s.n * s.c * s.h * s.w);
            var ps = new double[s.n * co];
            for (int k = 0; k < ps.Length; k++) ps[k] = k % 2 == 0 ? 0.1 + 0.3 * rng.NextDouble() : 0.6 + 0.3 * rng.NextDouble();
            var gs = TestData.Normal(rng, s.n * co * s.h * s.w);
            var shapeX = new long[] { s.n, s.c, s.h, s.w };
            var shapeP = new long[] { s.n, co, 1, 1 };
            var shapeG = new long[] { s.n, co, s.h, s.w };

            double Loss(double[] xv, double[] pv)
            {
                using var sc = NewDisposeScope();
                using var ng = no_grad();
                var y = PiXFunctional.pix(TestData.ToTensor(xv, shapeX, ScalarType.Float64), TestData.ToTensor(pv, shapeP, ScalarType.Float64),
                                          s.zeta, 0.5, mode, impl);
                return (y * TestData.ToTensor(gs, shapeG, ScalarType.Float64)).sum().ToDouble();
            }

            var (dx, dp) = Grads(xs, ps, gs, s, ScalarType.Float64, mode, impl);
            const double eps = 1e-6;
            for (int k = 0; k < xs.Length; k++) {
                var plus = (double[])xs.Clone(); plus[k] += eps;
                var minus = (double[])xs.Clone(); minus[k] -= eps;
                double fd = (Loss(plus, ps) - Loss(minus, ps)) / (2 * eps);
                Assert.True(Math.Abs(fd - dx[k]) < 1e-6, $"dx[{k}] {impl}/{mode} {s}: analytic {dx[k]}, numeric {fd}");
            }
            for (int k = 0; k < ps.Length; k++) {
                var plus = (double[])ps.Clone(); plus[k] += eps;
                var minus = (double[])ps.Clone(); minus[k] -= eps;
                double fd = (Loss(xs, plus) - Loss(xs, minus)) / (2 * eps);
                Assert.True(Math.Abs(fd - dp[k]) < 1e-6, $"dp[{k}] {impl}/{mode} {s}: analytic {dp[k]}, numeric {fd}");
            }
        }
    }
}

public class TieTests
{
    [Theory]
    [InlineData(PiXImplementation.Fused, 1.0, 0.0)]
    [InlineData(PiXImplementation.Composite, 1.0, 0.0)]
    [InlineData(PiXImplementation.CompositeAutograd, 0.5, 0.5)]   // amax splits the gradient between tied maxima
    public void TiedMaximumSendsTheGradientToTheFirstChannel(PiXImplementation impl, double first, double second)
    {
        using var scope = NewDisposeScope();
        var x = tensor(new double[] { 1, 3, 3, 2 }, new long[] { 1, 4, 1, 1 }, requires_grad: true);
        var p = tensor(new double[] { 0.25 }, new long[] { 1, 1, 1, 1 }, requires_grad: true);
        PiXFunctional.pix(x, p, 4, 0.5, PiXMode.PickOrMix, impl).sum().backward();
        TestData.AssertClose(new[] { 0, 0.25 * first, 0.25 * second, 0 }, TestData.ToArray(x.grad!), 0, 1e-15, "dx");
        TestData.AssertClose(new[] { 3.0 }, TestData.ToArray(p.grad!), 0, 1e-15, "dp");
    }
}
