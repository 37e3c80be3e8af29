using System;
using PiXGen.PiX;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Operators.Tests;

public class ValidationTests
{
    private static ArgumentException Throws(Action act, string param, params string[] mentions)
    {
        var ex = Assert.ThrowsAny<ArgumentException>(act);
        Assert.Equal(param, ex.ParamName);
        foreach (var m in mentions) Assert.Contains(m, ex.Message);
        return ex;
    }

    [Fact]
    public void WrongRankOfX()
    {
        using var scope = NewDisposeScope();
        Throws(() => PiXFunctional.pix(randn(2, 8, 4), rand(2, 2, 1, 1), 4), "x", "[2, 8, 4]");
        Throws(() => PiXFunctional.pix(randn(new long[] { 1, 2, 8, 4, 4 }), rand(1, 2, 1, 1), 4), "x", "[1, 2, 8, 4, 4]");
    }

    [Fact]
    public void WrongShapeOfP()
    {
        using var scope = NewDisposeScope();
        var x = randn(2, 8, 4, 4);
        Throws(() => PiXFunctional.pix(x, rand(2, 3, 1, 1), 4), "p", "[2, 3, 1, 1]", "[2, 8, 4, 4]", "[2, 2, 1, 1]");
        Throws(() => PiXFunctional.pix(x, rand(1, 2, 1, 1), 4), "p", "[1, 2, 1, 1]");
        Throws(() => PiXFunctional.pix(x, rand(2, 2, 4, 4), 4), "p", "[2, 2, 4, 4]");
        Throws(() => PiXFunctional.pix(x, rand(2, 2, 1), 4), "p", "[2, 2, 1]");
        Throws(() => PiXFunctional.pix(x, rand(4), 4), "p", "[4]");
        // ceil: C = 9, ζ = 4 → Co = 3
        Throws(() => PiXFunctional.pix(randn(1, 9, 2, 2), rand(1, 2, 1, 1), 4), "p", "[1, 3, 1, 1]");
    }

    [Fact]
    public void ZetaBelowOne()
    {
        using var scope = NewDisposeScope();
        Throws(() => PiXFunctional.pix(randn(2, 8, 4, 4), rand(2, 2, 1, 1), 0), "zeta", "[2, 8, 4, 4]");
        Throws(() => PiXFunctional.pix(randn(2, 8, 4, 4), rand(2, 2, 1, 1), -3), "zeta");
        Throws(() => new PiXLayer(8, 0), "zeta");
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void NonFiniteTau(double tau)
    {
        using var scope = NewDisposeScope();
        Throws(() => PiXFunctional.pix(randn(2, 8, 4, 4), rand(2, 2, 1, 1), 4, tau), "tau");
        Throws(() => new PiXLayer(8, 4, tau), "tau");
    }

    [Fact]
    public void DtypeMismatch()
    {
        using var scope = NewDisposeScope();
        Throws(() => PiXFunctional.pix(randn(2, 8, 4, 4), rand(2, 2, 1, 1, dtype: ScalarType.Float64), 4), "p", "Float64", "Float32");
    }

    [Fact]
    public void NonFloatingInput()
    {
        using var scope = NewDisposeScope();
        Throws(() => PiXFunctional.pix(ones(2, 8, 4, 4, dtype: ScalarType.Int32), ones(2, 2, 1, 1, dtype: ScalarType.Int32), 4), "x", "Int32");
    }

    [Fact]
    public void DeviceMismatch()
    {
        using var scope = NewDisposeScope();
        // Only the CPU is available here; the meta device stands in for "another device".
        var p = empty(new long[] { 2, 2, 1, 1 }, device: new Device(DeviceType.META));
        Throws(() => PiXFunctional.pix(randn(2, 8, 4, 4), p, 4), "p", "meta");
    }

    [Fact]
    public void FusedOnAnUnsupportedDtype()
    {
        using var scope = NewDisposeScope();
        Throws(() => PiXFunctional.pix(randn(2, 8, 4, 4, dtype: ScalarType.BFloat16), rand(2, 2, 1, 1, dtype: ScalarType.BFloat16), 4,
                                       0.5, PiXMode.PickOrMix, PiXImplementation.Fused), "impl", "BFloat16");
    }

    [Fact]
    public void UndefinedEnumValues()
    {
        using var scope = NewDisposeScope();
        Throws(() => PiXFunctional.pix(randn(2, 8, 4, 4), rand(2, 2, 1, 1), 4, 0.5, (PiXMode)7), "mode");
        Throws(() => PiXFunctional.pix(randn(2, 8, 4, 4), rand(2, 2, 1, 1), 4, 0.5, PiXMode.PickOrMix, (PiXImplementation)9), "impl");
        Throws(() => new PiXLayer(8, 4, context: (PiXContext)5), "context");
    }

    [Fact]
    public void LayerInputChecks()
    {
        using var scope = NewDisposeScope();
        using var layer = new PiXLayer(8, 4);
        Throws(() => layer.forward(randn(2, 6, 4, 4)), "input", "[2, 6, 4, 4]", "8");
        Throws(() => layer.forward(randn(2, 8, 4)), "input", "[2, 8, 4]");
        Throws(() => layer.forward(randn(2, 8, 4, 4, dtype: ScalarType.Float64)), "input", "Float64");
        Throws(() => new PiXLayer(0, 4), "inChannels");
    }

    [Fact]
    public void NullArguments()
    {
        using var scope = NewDisposeScope();
        Throws(() => PiXFunctional.pix(null!, rand(2, 2, 1, 1), 4), "x");
        Throws(() => PiXFunctional.pix(randn(2, 8, 4, 4), null!, 4), "p");
    }
}
