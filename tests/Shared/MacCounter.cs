using System.Linq;
using PiXGen.PiX;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PiXGen.Tests.Shared;

/// <summary>
/// MACs of one real forward pass at batch 1, counted by forward hooks from the modules' actual outputs and
/// weights (independent of the compiler): Conv2d output elements × weight elements per output channel
/// (Cin/g·kh·kw); Linear output elements × in-features; PiX: φ's weight elements (a projection of the pooled
/// 1×1 map, as the official code's 1×1 Conv2d); SqueezeExcitation is covered by its Conv2d children.
/// Shared by the test projects (linked, not copied).
/// </summary>
public static class MacCounter
{
    public static long Count(nn.Module<Tensor, Tensor> model, params long[] sampleShape)
    {
        long macs = 0;
        using var scope = torch.NewDisposeScope();
        model.eval();
        foreach (var (_, module) in model.named_modules())
        {
            switch (module)
            {
                case Conv2d conv:
                    conv.register_forward_hook((m, input, output) =>
                    {
                        var w = ((Conv2d)m).weight!.shape;
                        macs += output.numel() * (w[1] * w[2] * w[3]);
                        return output;
                    });
                    break;
                case Linear linear:
                    linear.register_forward_hook((m, input, output) =>
                    {
                        macs += output.numel() * ((Linear)m).weight!.shape[1];
                        return output;
                    });
                    break;
                case PiXLayer pix:
                    pix.register_forward_hook((m, input, output) =>
                    {
                        macs += input.shape[0] * ((PiXLayer)m).Weight.numel();
                        return output;
                    });
                    break;
            }
        }
        using var _ = torch.no_grad();
        model.forward(torch.randn(new long[] { 1 }.Concat(sampleShape).ToArray()));
        return macs;
    }
}
