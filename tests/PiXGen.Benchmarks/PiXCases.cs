using System;
using System.Collections.Generic;
using PiXGen.PiX;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PiXGen.Benchmarks;

/// <summary>One squeeze shape of ResNet-50 at batch 8: C → Co channels at H = W = Size, ζ = C / Co.</summary>
public sealed record Shape(int C, int Co, int Size)
{
    public const int Batch = 8;
    public int Zeta => C / Co;
    public override string ToString() => $"{C}->{Co}@{Size}";

    /// <summary>Every squeeze of ResNet-50 (ζ = 4) and the ζ = 2 first-block squeezes of stages 2–4.</summary>
    public static IEnumerable<Shape> ResNet50() => new[] {
        new Shape(256, 64, 56), new Shape(512, 128, 28), new Shape(1024, 256, 14), new Shape(2048, 512, 7),
        new Shape(256, 128, 56), new Shape(512, 256, 28), new Shape(1024, 512, 14),
    };
}

/// <summary>The measured operations on one shape, each run inside its own dispose scope. Forward runs without
/// autograd (inference); forward+backward asks autograd for the gradients of every input and parameter
/// (<c>torch.autograd.grad</c>, so nothing accumulates between runs).</summary>
public sealed class PiXCases : IDisposable
{
    public static readonly string[] Names = {
        "conv+bn+relu fwd", "composite fwd", "fused fwd", "floor fwd",
        "conv+bn+relu fwd+bwd", "composite autograd fwd+bwd", "composite (official bwd) fwd+bwd", "fused fwd+bwd", "floor fwd+bwd",
    };

    private readonly Shape shape;
    private readonly Tensor x, xg, p, pg, g;
    private readonly Conv2d conv;
    private readonly BatchNorm2d bn;

    public PiXCases(Shape shape)
    {
        this.shape = shape;
        manual_seed(0);
        x = randn(Shape.Batch, shape.C, shape.Size, shape.Size).DetachFromDisposeScope();
        xg = x.detach().requires_grad_(true).DetachFromDisposeScope();
        p = rand(Shape.Batch, shape.Co, 1, 1).DetachFromDisposeScope();
        pg = p.detach().requires_grad_(true).DetachFromDisposeScope();
        g = randn(Shape.Batch, shape.Co, shape.Size, shape.Size).DetachFromDisposeScope();
        conv = nn.Conv2d(shape.C, shape.Co, 1, bias: false);
        bn = nn.BatchNorm2d(shape.Co);
    }

    public Action Get(string name) => name switch {
        "conv+bn+relu fwd" => ConvForward,
        "composite fwd" => () => Forward(PiXImplementation.Composite),
        "fused fwd" => () => Forward(PiXImplementation.Fused),
        "floor fwd" => FloorForward,
        "conv+bn+relu fwd+bwd" => ConvForwardBackward,
        "composite autograd fwd+bwd" => () => ForwardBackward(PiXImplementation.CompositeAutograd),
        "composite (official bwd) fwd+bwd" => () => ForwardBackward(PiXImplementation.Composite),
        "fused fwd+bwd" => () => ForwardBackward(PiXImplementation.Fused),
        "floor fwd+bwd" => FloorForwardBackward,
        _ => throw new ArgumentException($"unknown case {name}", nameof(name)),
    };

    public void ConvForward()
    {
        using var scope = NewDisposeScope();
        using var ng = no_grad();
        conv.eval(); bn.eval();
        nn.functional.relu(bn.forward(conv.forward(x)));
    }

    public void Forward(PiXImplementation impl)
    {
        using var scope = NewDisposeScope();
        using var ng = no_grad();
        PiXFunctional.pix(x, p, shape.Zeta, 0.5, PiXMode.PickOrMix, impl);
    }

    /// <summary>The one-pass floor: a grouped sum over the same tensor (reads X once, writes Y once).</summary>
    public void FloorForward()
    {
        using var scope = NewDisposeScope();
        using var ng = no_grad();
        x.view(Shape.Batch, shape.Co, shape.Zeta, shape.Size, shape.Size).sum(2);
    }

    public void ConvForwardBackward()
    {
        using var scope = NewDisposeScope();
        conv.train(); bn.train();
        var y = nn.functional.relu(bn.forward(conv.forward(xg)));
        autograd.grad(new[] { y }, new Tensor[] { xg, conv.weight!, bn.weight!, bn.bias! }, new[] { g });
    }

    public void ForwardBackward(PiXImplementation impl)
    {
        using var scope = NewDisposeScope();
        var y = PiXFunctional.pix(xg, pg, shape.Zeta, 0.5, PiXMode.PickOrMix, impl);
        autograd.grad(new[] { y }, new[] { xg, pg }, new[] { g });
    }

    public void FloorForwardBackward()
    {
        using var scope = NewDisposeScope();
        var y = xg.view(Shape.Batch, shape.Co, shape.Zeta, shape.Size, shape.Size).sum(2);
        autograd.grad(new[] { y }, new[] { xg }, new[] { g });
    }

    public void Dispose()
    {
        x.Dispose(); xg.Dispose(); p.Dispose(); pg.Dispose(); g.Dispose();
        conv.Dispose(); bn.Dispose();
    }
}
