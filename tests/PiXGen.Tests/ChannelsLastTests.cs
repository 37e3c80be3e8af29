using System;
using System.Linq;
using PiXGen.PiX;
using PiXGen.Platform;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace PiXGen.Tests;

/// <summary>
/// Channels-last training batches (PiXGen.Platform.ChannelsLast) and PiX's CPU kernel on that format: y and dX must be
/// the NCHW kernel's bit for bit (same operations in the same order per value), dp the same sum in another order; the
/// 16-channel AVX-512 path and the one-value-at-a-time path alike. SgdStepTests checks whole training steps on such
/// batches against PyTorch.
/// </summary>
public class ChannelsLastTests
{
    // (C, ζ): whole groups with Co a multiple of 16 (the AVX-512 path where the machine has it) for ζ 1, 2, 4 and 8; then
    // Co not a multiple of 16, a ζ that is not a power of two, and a short last group (the value-at-a-time path).
    public static TheoryData<int, int> Shapes() => new() { { 32, 1 }, { 64, 2 }, { 128, 4 }, { 256, 8 }, { 40, 4 }, { 96, 3 }, { 30, 4 } };

    private static void SameBits(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        var e = expected.contiguous().view(-1);
        var a = actual.contiguous().view(-1);
        bool equal = expected.dtype == ScalarType.Float32
            ? e.data<float>().ToArray().Select(BitConverter.SingleToInt32Bits).SequenceEqual(a.data<float>().ToArray().Select(BitConverter.SingleToInt32Bits))
            : e.data<double>().ToArray().Select(BitConverter.DoubleToInt64Bits).SequenceEqual(a.data<double>().ToArray().Select(BitConverter.DoubleToInt64Bits));
        Assert.True(equal, $"{what}: the channels-last result differs from the NCHW one");
    }

    /// <summary>An input with ties, NaNs and values on both sides of zero; p on both sides of τ = 0.5.</summary>
    private static (Tensor x, Tensor p, Tensor g) Case(int c, int zeta, ScalarType dtype, long h = 17, long w = 16)
    {
        manual_seed(c * 31 + zeta);
        long n = 3, co = (c + zeta - 1) / zeta;
        var x = randn(n, c, h, w, dtype: dtype);
        using (no_grad()) {
            x.view(-1)[5] = double.NaN;                                 // a NaN inside a group
            x[1, 1] = x[1, 0];                                          // a whole channel tied with its neighbour
            x[2, c - 1, 3, 4] = double.NaN;                             // a NaN in the last group
        }
        var p = rand(n, co, 1, 1, dtype: dtype);
        var g = randn(n, co, h, w, dtype: dtype);
        return (x, p, g);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Kernel_gives_the_NCHW_results_on_channels_last_tensors(int c, int zeta)
    {
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.Float64 })
        foreach (var mode in new[] { PiXMode.PickOrMix, PiXMode.AvgOnly, PiXMode.MaxOnly }) {
            using var scope = NewDisposeScope();
            var (x, p, g) = Case(c, zeta, dtype);
            var xl = ChannelsLast.To(x);
            var gl = ChannelsLast.To(g);
            Assert.True(ChannelsLast.Is(xl));
            string what = $"C {c}, ζ {zeta}, {dtype}, {mode}";

            var y = PiXCpuKernel.Forward(x, p, zeta, 0.5, mode);
            var yl = PiXCpuKernel.Forward(xl, p, zeta, 0.5, mode);
            Assert.True(ChannelsLast.Is(yl), $"{what}: y is not channels-last");
            SameBits(y, yl, $"{what}: y");

            var add = randn(x.shape[0], c, dtype: dtype);
            foreach (var term in new[] { null, add }) {
                var (dx, dp) = PiXCpuKernel.Backward(x, p, g, zeta, 0.5, mode, needX: true, addToX: term);
                var (dxl, dpl) = PiXCpuKernel.Backward(xl, p, gl, zeta, 0.5, mode, needX: true, addToX: term);
                Assert.True(ChannelsLast.Is(dxl!), $"{what}: dX is not channels-last");
                SameBits(dx!, dxl!, $"{what}: dX{(term is null ? "" : " with the per-channel term")}");
                // dp sums over 272 pixels in another order; NaN where the NCHW one has NaN.
                var (a, b) = (dp.to(ScalarType.Float64), dpl.to(ScalarType.Float64));
                Assert.True(a.isnan().eq(b.isnan()).all().item<bool>(), $"{what}: dp's NaNs differ");
                double tol = dtype == ScalarType.Float32 ? 1e-4 : 1e-11;
                Assert.True(a.nan_to_num().allclose(b.nan_to_num(), tol, tol), $"{what}: dp differs");
                var (_, dpOnly) = PiXCpuKernel.Backward(xl, p, gl, zeta, 0.5, mode, needX: false);
                SameBits(dpl, dpOnly, $"{what}: dp without dX");
            }
        }
    }

    [Fact]
    public void Kernel_refuses_an_output_gradient_in_another_format()
    {
        using var scope = NewDisposeScope();
        var (x, p, g) = Case(32, 4, ScalarType.Float32);
        var ex = Assert.Throws<ArgumentException>(() => PiXCpuKernel.Backward(ChannelsLast.To(x), p, g, 4, 0.5, PiXMode.PickOrMix, needX: true));
        Assert.Contains("same memory format", ex.Message);
    }

    /// <summary>
    /// The training node (PiXLayerFunction) on a channels-last input keeps that format for y and dX, and gives the NCHW
    /// input's values: φ's context is a mean over pixels that libtorch adds in another order in this format, so p (and
    /// everything after it) may differ in the last bits of float32.
    /// </summary>
    [Theory]
    [InlineData(64, 4)]
    [InlineData(96, 3)]
    public void Training_layer_keeps_the_format_and_the_values(int c, int zeta)
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        using var layer = new PiXLayer(c, zeta, 0.5, PiXMode.PickOrMix, PiXContext.Mean, bias: true);
        using (no_grad()) layer.Weight.mul_(3);
        var x0 = randn(4, c, 9, 11);
        var g = randn(4, layer.OutChannels, 9, 11);

        (Tensor y, Tensor dx, Tensor dw, Tensor db) Run(Tensor input)
        {
            var x = input.detach().clone().requires_grad_(true);
            if (ChannelsLast.Is(input)) Assert.True(ChannelsLast.Is(x), "clone kept the format");
            layer.zero_grad();
            var y = layer.forward(x);
            (y * g).sum().backward();
            return (y.detach(), x.grad!, layer.Weight.grad!.clone(), layer.Bias!.grad!.clone());
        }

        var a = Run(x0);
        var b = Run(ChannelsLast.To(x0));
        Assert.True(ChannelsLast.Is(b.y), "y is not channels-last");
        Assert.True(ChannelsLast.Is(b.dx), "dX is not channels-last");
        Assert.True(a.y.allclose(b.y, 1e-5, 1e-6), "y differs");
        Assert.True(a.dx.allclose(b.dx, 1e-5, 1e-6), "dX differs");
        Assert.True(a.dw.allclose(b.dw, 1e-4, 1e-5), "dW differs");
        Assert.True(a.db.allclose(b.db, 1e-4, 1e-5), "db differs");
    }

    [Fact]
    public void Format_helpers()
    {
        using var scope = NewDisposeScope();
        var x = randn(2, 3, 4, 5);
        Assert.False(ChannelsLast.Is(x));
        var cl = ChannelsLast.To(x);
        Assert.True(ChannelsLast.Is(cl));
        Assert.Equal(new long[] { 60, 1, 15, 3 }, cl.stride());
        Assert.True(cl.eq(x).all().item<bool>());
        Assert.True(ChannelsLast.Is(ChannelsLast.To(cl)));
        // One channel or one pixel: the same storage as NCHW, which is how it counts.
        Assert.False(ChannelsLast.Is(ChannelsLast.To(randn(2, 1, 4, 5))));
        Assert.False(ChannelsLast.Is(ChannelsLast.To(randn(2, 3, 1, 1))));
        // A transposed view is neither.
        Assert.False(ChannelsLast.Is(x.transpose(2, 3)));
        Assert.Throws<ArgumentException>(() => ChannelsLast.To(randn(2, 3)));
    }

    [Fact]
    public void Setting_is_read_from_the_environment_variable()
    {
        TorchPlatform.EnsureInitialized(); // the expected default below reads the decision it takes
        Assert.True(ChannelsLast.Default("1"));
        Assert.False(ChannelsLast.Default("0"));
        Assert.Equal(!TorchPlatform.MkldnnDisabled && !TorchPlatform.MkldnnForInferenceOnly, ChannelsLast.Default(null));
        var ex = Assert.Throws<InvalidOperationException>(() => ChannelsLast.Default("yes"));
        Assert.Contains(ChannelsLast.SettingVariable, ex.Message);
    }

    [Fact]
    public void Prepare_follows_the_setting_and_leaves_other_tensors_alone()
    {
        bool saved = ChannelsLast.ForTraining;
        try {
            using var scope = NewDisposeScope();
            var x = randn(2, 3, 4, 5);
            ChannelsLast.ForTraining = true;
            Assert.True(ChannelsLast.Is(ChannelsLast.Prepare(x)));
            var flat = randn(2, 7);
            Assert.Same(flat, ChannelsLast.Prepare(flat));
            ChannelsLast.ForTraining = false;
            Assert.Same(x, ChannelsLast.Prepare(x));
        } finally {
            ChannelsLast.ForTraining = saved;
        }
    }
}
