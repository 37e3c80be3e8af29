using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

using PiXGen.Platform;

namespace PiXGen.PiX;

/// <summary>
/// A whole <see cref="PiXLayer"/> with the mean context as one autograd node, for training on the CPU: context
/// z = spatial mean of X, p = sigmoid(W·z + b), Y = the fused pick/mix kernel. Arguments to <c>apply</c>: x (contiguous, or
/// channels-last: see <see cref="ChannelsLast"/>),
/// φ's weight (Co, C, 1, 1), φ's bias (Co) when the layer has one, then ζ (int), τ (double), <see cref="PiXMode"/>.
/// </summary>
/// <remarks>
/// Composed of separate autograd nodes (mean, linear, sigmoid, PiX), X's gradient is two full-size tensors — the
/// pick/mix gradient and the mean's gradient broadcast over every pixel — that autograd then adds: two extra passes
/// over the widest activation of the block and two allocations of its size. Here the backward runs the kernel twice:
/// first for dp only (reads X and the output gradient), then, with dz = (dp·p·(1−p))·W known, for dX with dz/(H·W)
/// added to every pixel of its channel in the same pass. The gradients are those of the composed form (tested
/// against autograd of the composite operations and by finite differences).
/// </remarks>
internal sealed class PiXLayerFunction : autograd.SingleTensorFunction<PiXLayerFunction>
{
    private const string KeyZeta = "zeta", KeyTau = "tau", KeyMode = "mode", KeyNeed = "need";

    public override string Name => "PiXLayerBackward";

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var x = (Tensor)vars[0];
        var weight = (Tensor)vars[1];
        var bias = vars[2] as Tensor;
        int k = bias is null ? 2 : 3;
        int zeta = (int)vars[k];
        double tau = (double)vars[k + 1];
        var mode = (PiXMode)vars[k + 2];

        Tensor z, p, y;
        using (var scope = NewDisposeScope()) {
            (p, z) = PiXLayer.Gate(x, PiXContext.Mean, weight, bias, tau, mode);
            y = PiXCpuKernel.Forward(x, p, zeta, tau, mode);
            // z and p must outlive this scope: the context reads their handles when forward returns.
            z.MoveToOuterDisposeScope();
            p.MoveToOuterDisposeScope();
            y.MoveToOuterDisposeScope();
        }

        ctx.save_for_backward(new List<Tensor> { x, weight, p, z });
        ctx.save_data(KeyZeta, zeta);
        ctx.save_data(KeyTau, tau);
        ctx.save_data(KeyMode, mode);
        ctx.save_data(KeyNeed, (x.requires_grad, weight.requires_grad, bias is not null, bias?.requires_grad ?? false));
        return y;
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        using var scope = NewDisposeScope();
        var saved = ctx.get_saved_variables();
        var (x, weight, p, z) = (saved[0], saved[1], saved[2], saved[3]);
        int zeta = (int)ctx.get_data(KeyZeta);
        double tau = (double)ctx.get_data(KeyTau);
        var mode = (PiXMode)ctx.get_data(KeyMode);
        var (needX, needW, hasBias, needB) = ((bool, bool, bool, bool))ctx.get_data(KeyNeed);
        long n = x.shape[0], co = weight.shape[0], c = weight.shape[1], hw = x.shape[2] * x.shape[3];

        var g = ChannelsLast.Is(x) ? ChannelsLast.To(grad_output) : grad_output.contiguous();   // X's format
        var (_, dp) = PiXCpuKernel.Backward(x, p, g, zeta, tau, mode, needX: false);
        var pv = p.view(n, co);
        var dlogits = dp.view(n, co) * pv * (1 - pv);                       // through the sigmoid
        Tensor? dx = null, dw = null, db = null;
        if (needX) {
            var dz = dlogits.mm(weight.view(co, c)).div_(hw).contiguous();    // (N, C): the mean's gradient per pixel
            (dx, _) = PiXCpuKernel.Backward(x, p, g, zeta, tau, mode, needX: true, addToX: dz);
        }
        if (needW) dw = dlogits.t().mm(z).view(co, c, 1, 1);
        if (needB) db = dlogits.sum(new long[] { 0 });   // (an int literal 0 would bind to sum(ScalarType))
        // The autograd engine reads the handles after this returns (see PiXFunction).
        dx?.MoveToOuterDisposeScope();
        dw?.MoveToOuterDisposeScope();
        db?.MoveToOuterDisposeScope();
        // One entry per argument of apply; TorchSharp matches the tensors' gradients by position (x, weight, bias first).
        var grads = new List<Tensor> { dx!, dw! };
        if (hasBias) grads.Add(db!);
        grads.AddRange(new Tensor[] { null!, null!, null! });
        return grads;
    }
}
