using static TorchSharp.torch;

namespace PiXGen.Layers;

/// <summary>
/// torchvision's <c>ops.misc.Permute</c>: the input's axes in the given order (ConvNeXt's block moves the channels of
/// an N×C×H×W map last with (0, 2, 3, 1) and back with (0, 3, 1, 2)). No parameters, no state.
/// </summary>
public sealed class Permute : nn.Module<Tensor, Tensor>
{
    private readonly long[] _dims;

    /// <summary>Creates the module for the axis order <paramref name="dims"/> (a permutation of 0 … n−1).</summary>
    public Permute(params long[] dims) : base(nameof(Permute))
    {
        var seen = new bool[dims.Length];
        foreach (var d in dims)
        {
            if (d < 0 || d >= dims.Length || seen[d])
                throw new System.ArgumentException($"Permute needs a permutation of 0 … {dims.Length - 1}, got ({string.Join(", ", dims)}).");
            seen[d] = true;
        }
        _dims = (long[])dims.Clone();
    }

    /// <summary>The axis order.</summary>
    public System.Collections.Generic.IReadOnlyList<long> Dims => _dims;

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        if (input.dim() != _dims.Length)
            throw new System.ArgumentException($"Permute({string.Join(", ", _dims)}) needs a {_dims.Length}-dimensional input, got [{string.Join(", ", input.shape)}].");
        return input.permute(_dims);
    }
}
