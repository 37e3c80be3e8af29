using System;
using PiXGen.Platform;
using PiXGen.PiX;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Tests;

/// <summary>
/// PiX's float64 context read in place (<c>PiXCpuKernel.Context64</c>, what <c>PiXLayer.Picks</c> decides on) against
/// libtorch's <c>mean</c>/<c>sum</c> with a float64 accumulator.
/// </summary>
public class PiXContextTests
{
    [Theory]
    [InlineData(2, 64, 5, 7)]     // whole vectors of channels
    [InlineData(3, 67, 4, 3)]     // a channel tail after the vectors, and a second 64-channel strip
    [InlineData(1, 5, 1, 1)]      // one pixel: too few values for one vector
    [InlineData(2, 130, 9, 11)]   // three strips, an odd plane length
    public void The_context_read_in_place_is_libtorchs_float64_mean_and_l1_sum(int n, int c, int h, int w)
    {
        using var scope = NewDisposeScope();
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.Float64 })
        foreach (bool last in new[] { false, true })
        foreach (bool absolute in new[] { false, true }) {
            var nchw = (randn(n, c, h, w, dtype: ScalarType.Float64) * 3 + 1).to(dtype);
            var x = last ? ChannelsLast.To(nchw) : nchw;
            var dims = new long[] { 2, 3 };
            var expected = absolute ? x.abs().sum(dims, false, ScalarType.Float64) : x.mean(dims, false, ScalarType.Float64);
            var actual = PiXCpuKernel.Context64(x, absolute);
            Assert.NotNull(actual);
            Assert.Equal(ScalarType.Float64, actual!.dtype);
            Assert.Equal(new long[] { n, c }, actual.shape);
            double error = (actual - expected).abs().max().item<double>() / (expected.abs().max().item<double>() + 1e-300);
            Assert.True(error < 1e-14, $"{dtype}, {(last ? "channels-last" : "NCHW")}, {(absolute ? "l1" : "mean")}: relative error {error:E2}");
        }
    }

    [Fact]
    public void Empty_tensors_give_what_libtorch_gives_and_other_layouts_are_left_to_libtorch()
    {
        using var scope = NewDisposeScope();
        var noPixels = zeros(2, 3, 0, 4);
        Assert.True(PiXCpuKernel.Context64(noPixels, absolute: false)!.isnan().all().item<bool>());   // 0 / 0
        Assert.Equal(0.0, PiXCpuKernel.Context64(noPixels, absolute: true)!.abs().sum().item<double>());
        Assert.Equal(new long[] { 0, 3 }, PiXCpuKernel.Context64(zeros(0, 3, 2, 2), absolute: false)!.shape);
        // A strided view is neither NCHW nor channels-last storage; integer and half tensors are not the kernel's.
        Assert.Null(PiXCpuKernel.Context64(randn(2, 6, 4, 4)[.., ..3], absolute: false));
        Assert.Null(PiXCpuKernel.Context64(ones(1, 2, 2, 2, dtype: ScalarType.Int32), absolute: false));
        Assert.Null(PiXCpuKernel.Context64(randn(1, 2, 2, 2).to(ScalarType.Float16), absolute: false));
    }
}
