using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.PiX;

/// <summary>
/// The custom autograd function behind <see cref="PiXImplementation.Fused"/> and <see cref="PiXImplementation.Composite"/>:
/// the forward is the fused kernel or the composite operations; the backward is the official kernel's (first
/// arg-max channel at ties, p·g/groupsize for Mix, dp = Σ (max or mean)·g, nothing through p &lt; τ).
/// Arguments to <c>apply</c>: x, p (N, Co, 1, 1), ζ (int), τ (double), <see cref="PiXMode"/>, fused (bool).
/// </summary>
internal sealed class PiXFunction : autograd.SingleTensorFunction<PiXFunction>
{
    private const string KeyZeta = "zeta", KeyTau = "tau", KeyMode = "mode", KeyFused = "fused", KeyNeedX = "needX", KeyNeedP = "needP";

    public override string Name => "PiXBackward";

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var x = (Tensor)vars[0];
        var p = (Tensor)vars[1];
        int zeta = (int)vars[2];
        double tau = (double)vars[3];
        var mode = (PiXMode)vars[4];
        bool fused = (bool)vars[5];

        ctx.save_for_backward(new List<Tensor> { x, p });
        ctx.save_data(KeyZeta, zeta);
        ctx.save_data(KeyTau, tau);
        ctx.save_data(KeyMode, mode);
        ctx.save_data(KeyFused, fused);
        ctx.save_data(KeyNeedX, x.requires_grad);
        ctx.save_data(KeyNeedP, p.requires_grad);

        return fused ? PiXCpuKernel.Forward(x, p, zeta, tau, mode) : PiXComposite.Forward(x, p, zeta, tau, mode);
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        using var scope = NewDisposeScope();
        var saved = ctx.get_saved_variables();
        var x = saved[0];
        var p = saved[1];
        int zeta = (int)ctx.get_data(KeyZeta);
        double tau = (double)ctx.get_data(KeyTau);
        var mode = (PiXMode)ctx.get_data(KeyMode);
        bool fused = (bool)ctx.get_data(KeyFused);
        bool needX = (bool)ctx.get_data(KeyNeedX);
        bool needP = (bool)ctx.get_data(KeyNeedP);

        Tensor? dx, dp;
        if (fused) {
            (dx, dp) = PiXCpuKernel.Backward(x, p, grad_output.contiguous(), zeta, tau, mode, needX);
            if (!needP) dp = null;
        } else {
            (dx, dp) = PiXComposite.Backward(x, p, grad_output, zeta, tau, mode, needX, needP);
        }
        // The autograd engine reads the handles after this returns: keep the gradients alive past this scope
        // (they land in the caller's dispose scope, if any).
        dx?.MoveToOuterDisposeScope();
        dp?.MoveToOuterDisposeScope();
        return new List<Tensor> { dx!, dp!, null!, null!, null!, null! };
    }
}
