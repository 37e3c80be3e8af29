using System;
using System.Linq;
using PiXGen.PiX;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PiXGen.Operators.Tests;

public class PiXLayerTests
{
    private sealed class Block : nn.Module<Tensor, Tensor>
    {
        private readonly PiXLayer conv_sqz;
        public Block() : base(nameof(Block)) { conv_sqz = new PiXLayer(256, 4); RegisterComponents(); }
        public override Tensor forward(Tensor input) => conv_sqz.forward(input);
    }

    [Fact]
    public void StateDictHasOnlyTheSqueezeConvWeight()
    {
        using var layer = new PiXLayer(256, 4);
        var sd = layer.state_dict();
        Assert.Equal(new[] { "weight" }, sd.Keys.ToArray());
        Assert.Equal(new long[] { 64, 256, 1, 1 }, sd["weight"].shape);
        Assert.Empty(layer.buffers());

        using var withBias = new PiXLayer(10, 3, bias: true);
        var sdb = withBias.state_dict();
        Assert.Equal(new[] { "bias", "weight" }, sdb.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray());
        Assert.Equal(new long[] { 4, 10, 1, 1 }, sdb["weight"].shape);
        Assert.Equal(new long[] { 4 }, sdb["bias"].shape);
        Assert.Equal(2, withBias.parameters().Count());

        using var block = new Block();
        Assert.Equal(new[] { "conv_sqz.weight" }, block.state_dict().Keys.ToArray());
    }

    [Fact]
    public void ExposesItsConfiguration()
    {
        using var layer = new PiXLayer(10, 3, 0.25, PiXMode.MaxOnly, PiXContext.L1, bias: true);
        Assert.Equal(10, layer.InChannels);
        Assert.Equal(4, layer.OutChannels);
        Assert.Equal(3, layer.Zeta);
        Assert.Equal(0.25, layer.Tau);
        Assert.Equal(PiXMode.MaxOnly, layer.Mode);
        Assert.Equal(PiXContext.L1, layer.Context);
        Assert.True(layer.HasBias);
        Assert.Equal(PiXImplementation.Auto, layer.Implementation);
    }

    [Fact]
    public void InitialisationFollowsConv2dDefaults()
    {
        using var layer = new PiXLayer(256, 4, bias: true);
        double bound = 1 / Math.Sqrt(256);
        var w = TestData.ToArray(layer.Weight);
        var b = TestData.ToArray(layer.Bias!);
        Assert.All(w, v => Assert.InRange(Math.Abs(v), 0, bound));
        Assert.All(b, v => Assert.InRange(Math.Abs(v), 0, bound));
        // Uniform on ±bound: the spread is close to the whole interval.
        Assert.True(w.Max() > 0.9 * bound && w.Min() < -0.9 * bound);
        Assert.InRange(w.Select(v => v * v).Average(), bound * bound / 3 * 0.9, bound * bound / 3 * 1.1);
    }

    [Theory]
    [InlineData(PiXContext.Mean, false, PiXMode.PickOrMix)]
    [InlineData(PiXContext.Mean, true, PiXMode.PickOrMix)]
    [InlineData(PiXContext.L1, false, PiXMode.PickOrMix)]
    [InlineData(PiXContext.L1, true, PiXMode.AvgOnly)]
    [InlineData(PiXContext.Mean, false, PiXMode.MaxOnly)]
    public void ForwardMatchesNaiveReference(PiXContext context, bool bias, PiXMode mode)
    {
        var rng = new Random(41);
        foreach (var (n, c, h, w, zeta) in new[] { (2, 7, 3, 4, 3), (1, 8, 5, 5, 4), (3, 4, 1, 1, 1), (2, 5, 2, 3, 8) }) {
            using var scope = NewDisposeScope();
            using var layer = new PiXLayer(c, zeta, 0.5, mode, context, bias);
            layer.to(ScalarType.Float64);
            int co = (c + zeta - 1) / zeta, hw = h * w;
            var xs = TestData.Normal(rng, n * c * hw);
            var x = TestData.ToTensor(xs, new long[] { n, c, h, w }, ScalarType.Float64);
            var wv = TestData.ToArray(layer.Weight);
            var bv = bias ? TestData.ToArray(layer.Bias!) : new double[co];

            var ps = new double[n * co];
            for (int s = 0; s < n; s++)
                for (int o = 0; o < co; o++) {
                    double logit = bv[o];
                    for (int ch = 0; ch < c; ch++) {
                        double z = 0;
                        for (int i = 0; i < hw; i++) {
                            double v = xs[(s * c + ch) * hw + i];
                            z += context == PiXContext.Mean ? v : Math.Abs(v);
                        }
                        if (context == PiXContext.Mean) z /= hw;
                        logit += wv[o * c + ch] * z;
                    }
                    ps[s * co + o] = 1 / (1 + Math.Exp(-logit));
                }

            TestData.AssertClose(ps, TestData.ToArray(layer.probabilities(x)), 1e-12, 1e-12, "p");
            var y = layer.forward(x);
            Assert.Equal(new long[] { n, co, h, w }, y.shape);
            TestData.AssertClose(NaivePiX.Forward(xs, ps, n, c, h, w, zeta, 0.5, mode), TestData.ToArray(y), 1e-12, 1e-12, "y");
        }
    }

    [Fact]
    public void ImplementationsAgreeThroughTheModule()
    {
        using var scope = NewDisposeScope();
        using var layer = new PiXLayer(12, 4);
        var x = randn(3, 12, 6, 6);
        layer.Implementation = PiXImplementation.Fused;
        var a = layer.forward(x);
        layer.Implementation = PiXImplementation.Composite;
        var b = layer.forward(x);
        Assert.True(a.allclose(b, 1e-6, 1e-6));
    }

    [Fact]
    public void LoadsAStateDictAndTrains()
    {
        using var scope = NewDisposeScope();
        using var layer = new PiXLayer(8, 2);
        using var other = new PiXLayer(8, 2);
        other.load_state_dict(layer.state_dict());
        Assert.True(layer.Weight.allclose(other.Weight, 0, 0));

        var x = randn(4, 8, 5, 5);
        var before = layer.Weight.detach().clone();
        var opt = optim.SGD(layer.parameters(), 0.1);
        opt.zero_grad();
        layer.forward(x).square().sum().backward();
        Assert.NotNull(layer.Weight.grad);
        opt.step();
        Assert.False(layer.Weight.allclose(before, 0, 0));
    }

    /// <summary>Finite differences in float64 through the module: φ's weight and bias (through p) and X (through
    /// both z and the operator). Inputs are chosen so that no p is near τ and no max is near a tie.</summary>
    [Theory]
    [InlineData(PiXContext.Mean, PiXImplementation.Fused)]
    [InlineData(PiXContext.L1, PiXImplementation.Fused)]
    [InlineData(PiXContext.Mean, PiXImplementation.Composite)]
    public void FiniteDifferencesThroughTheModule(PiXContext context, PiXImplementation impl)
    {
        const int n = 2, c = 6, h = 3, w = 3, zeta = 2;
        const double eps = 1e-6;
        using var scope = NewDisposeScope();
        using var layer = new PiXLayer(c, zeta, 0.5, PiXMode.PickOrMix, context, bias: true) { Implementation = impl };
        layer.to(ScalarType.Float64);
        var rng = new Random(53);
        Tensor x = null!, g = null!;
        for (int attempt = 0; ; attempt++) {
            Assert.True(attempt < 200, "no well-conditioned sample found");
            x = TestData.ToTensor(TestData.Normal(rng, n * c * h * w), new long[] { n, c, h, w }, ScalarType.Float64);
            using (no_grad()) {
                // Scale φ so that p lands on both sides of τ.
                layer.Weight.copy_(TestData.ToTensor(TestData.Normal(rng, c * (c / zeta)), new long[] { c / zeta, c, 1, 1 }, ScalarType.Float64)
                                   * (context == PiXContext.Mean ? 2.0 : 0.2));
            }
            var pv = TestData.ToArray(layer.probabilities(x));
            var xv = TestData.ToArray(x);
            bool farFromTau = pv.All(v => Math.Abs(v - 0.5) > 0.02) && pv.Any(v => v < 0.5) && pv.Any(v => v > 0.5);
            bool noNearTie = true;
            for (int s = 0; s < n && noNearTie; s++)
                for (int o = 0; o < c / zeta; o++)
                    for (int i = 0; i < h * w; i++) {
                        double a = xv[(s * c + o * 2) * h * w + i], b = xv[(s * c + o * 2 + 1) * h * w + i];
                        if (Math.Abs(a - b) < 1e-3) noNearTie = false;
                    }
            if (farFromTau && noNearTie) break;
        }
        g = randn(n, c / zeta, h, w, dtype: ScalarType.Float64);

        double Loss()
        {
            using var sc = NewDisposeScope();
            using var ng = no_grad();
            return (layer.forward(x) * g).sum().ToDouble();
        }

        x.requires_grad_(true);
        layer.zero_grad();
        (layer.forward(x) * g).sum().backward();
        var dx = TestData.ToArray(x.grad!);
        var dw = TestData.ToArray(layer.Weight.grad!);
        var db = TestData.ToArray(layer.Bias!.grad!);
        x.requires_grad_(false);

        void Check(Tensor t, double[] analytic, string name)
        {
            var flat = t.detach().view(-1);
            for (int k = 0; k < analytic.Length; k++) {
                double orig = flat[k].ToDouble();
                using (no_grad()) flat[k] = orig + eps;
                double up = Loss();
                using (no_grad()) flat[k] = orig - eps;
                double down = Loss();
                using (no_grad()) flat[k] = orig;
                double fd = (up - down) / (2 * eps);
                Assert.True(Math.Abs(fd - analytic[k]) < 1e-6 * Math.Max(1, Math.Abs(fd)), $"{name}[{k}]: analytic {analytic[k]}, numeric {fd}");
            }
        }
        Check(layer.Weight, dw, "dW");
        Check(layer.Bias!, db, "db");
        Check(x, dx, "dx");
    }

    /// <summary>
    /// Training on the CPU runs the whole layer as one autograd node (context, φ, sigmoid and pick/mix; the mean's
    /// gradient added inside the kernel's pass). Its gradients for X, φ's weight and bias must be those of plain
    /// autograd through the composite operations, in float64, for every mode, with a short last group, with and
    /// without a bias, and when only some inputs want a gradient.
    /// </summary>
    [Theory]
    [InlineData(PiXMode.PickOrMix, 4, false, true, true)]
    [InlineData(PiXMode.PickOrMix, 3, true, true, true)]     // 10 channels, ζ = 3: a last group of one channel
    [InlineData(PiXMode.AvgOnly, 2, true, true, true)]
    [InlineData(PiXMode.MaxOnly, 1, false, true, true)]
    [InlineData(PiXMode.PickOrMix, 2, true, false, true)]    // frozen input: only φ's gradients
    [InlineData(PiXMode.PickOrMix, 2, false, true, false)]   // frozen φ: only X's gradient
    public void TrainingNodeMatchesAutogradOfTheCompositeForm(PiXMode mode, int zeta, bool bias, bool needX, bool needW)
    {
        const int n = 3, c = 10, h = 5, w = 7;
        using var scope = NewDisposeScope();
        manual_seed(71);
        using var fused = new PiXLayer(c, zeta, 0.5, mode, PiXContext.Mean, bias) { Implementation = PiXImplementation.Auto };
        using var reference = new PiXLayer(c, zeta, 0.5, mode, PiXContext.Mean, bias) { Implementation = PiXImplementation.CompositeAutograd };
        fused.to(ScalarType.Float64);
        reference.to(ScalarType.Float64);
        using (no_grad()) {
            // φ scaled so that p falls on both sides of τ.
            fused.Weight.copy_(randn(fused.Weight.shape, dtype: ScalarType.Float64) * 3);
        }
        reference.load_state_dict(fused.state_dict());
        foreach (var layer in new[] { fused, reference }) {
            layer.Weight.requires_grad_(needW);
            layer.Bias?.requires_grad_(needW);
        }
        var x0 = randn(n, c, h, w, dtype: ScalarType.Float64);
        var g = randn(n, fused.OutChannels, h, w, dtype: ScalarType.Float64);

        (Tensor y, Tensor? dx, Tensor? dw, Tensor? db) Run(PiXLayer layer)
        {
            var x = x0.detach().clone().requires_grad_(needX);
            layer.zero_grad();
            var y = layer.forward(x);
            (y * g).sum().backward();
            return (y.detach(), x.grad, layer.Weight.grad, layer.Bias?.grad);
        }

        var a = Run(fused);
        var b = Run(reference);
        var p = TestData.ToArray(reference.probabilities(x0));
        Assert.True(mode != PiXMode.PickOrMix || (p.Any(v => v < 0.5) && p.Any(v => v >= 0.5)), "p should fall on both sides of τ");
        Assert.True(a.y.allclose(b.y, 1e-12, 1e-12), "forward differs");
        void Same(Tensor? actual, Tensor? expected, string name)
        {
            Assert.Equal(expected is null, actual is null);
            if (expected is null) return;
            Assert.Equal(expected.shape, actual!.shape);
            TestData.AssertClose(TestData.ToArray(expected), TestData.ToArray(actual), 1e-10, 1e-12, name);
        }
        Same(a.dx, b.dx, "dX");
        Same(a.dw, b.dw, "dW");
        Same(a.db, b.db, "db");
    }
}
