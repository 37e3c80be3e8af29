using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PiXGen.Layers;

/// <summary>
/// Layer normalisation over the channels at every position of an N×C×H×W map, as ConvNeXt's <c>LayerNorm2d</c>
/// (a <c>nn.LayerNorm(C)</c> applied to the channels-last view). State keys <c>weight</c> and <c>bias</c>, shape (C),
/// when <c>affine</c>.
/// </summary>
public sealed class LayerNorm2d : nn.Module<Tensor, Tensor>
{
    private readonly long[] _shape;
    private readonly double _eps;
    // Named as registered: TorchSharp's to()/cuda() replace parameters through the fields of the same name.
    private Parameter? weight;
    private Parameter? bias;

    /// <summary>Creates the module for <paramref name="channels"/> channels.</summary>
    public LayerNorm2d(long channels, double eps = 1e-5, bool affine = true) : base(nameof(LayerNorm2d))
    {
        if (channels <= 0) throw new System.ArgumentException($"LayerNorm2d needs a positive channel count, got {channels}.");
        if (!(eps > 0)) throw new System.ArgumentException($"LayerNorm2d needs a positive eps, got {eps}.");
        _shape = new[] { channels };
        _eps = eps;
        if (affine)
        {
            weight = new Parameter(torch.ones(channels));
            bias = new Parameter(torch.zeros(channels));
            register_parameter("weight", weight);
            register_parameter("bias", bias);
        }
    }

    /// <summary>Channels normalised.</summary>
    public long Channels => _shape[0];

    /// <summary>The per-channel scale (null without affine).</summary>
    public Parameter? Weight => weight;

    /// <summary>The per-channel shift (null without affine).</summary>
    public Parameter? Bias => bias;

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        if (input.dim() != 4 || input.shape[1] != _shape[0])
            throw new System.ArgumentException($"LayerNorm2d({_shape[0]}) needs an N×{_shape[0]}×H×W input, got [{string.Join(", ", input.shape)}].");
        using var scope = NewDisposeScope();
        var y = nn.functional.layer_norm(input.permute(0, 2, 3, 1), _shape, weight, bias, _eps).permute(0, 3, 1, 2);
        return y.MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing) { weight?.Dispose(); bias?.Dispose(); }
        base.Dispose(disposing);
    }
}
