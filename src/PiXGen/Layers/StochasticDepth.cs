using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Layers;

/// <summary>
/// Stochastic depth as torchvision's <c>ops.StochasticDepth</c> defines it: the identity in evaluation (and when
/// p = 0); in training, each sample (<c>"row"</c> mode) or the whole batch (<c>"batch"</c> mode) is zeroed with
/// probability p and what survives is scaled by 1/(1−p). No parameters, no state.
/// </summary>
public sealed class StochasticDepth : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the module with drop probability <paramref name="p"/> and mode "row" or "batch".</summary>
    public StochasticDepth(double p, string mode = "row") : base(nameof(StochasticDepth))
    {
        if (!(p >= 0 && p <= 1)) throw new System.ArgumentException($"StochasticDepth: drop probability must be between 0 and 1, got {p}.");
        if (System.Array.IndexOf(Definitions.Words.StochasticDepthModes, mode) < 0)
            throw new System.ArgumentException($"StochasticDepth: mode must be \"row\" or \"batch\", got \"{mode}\".");
        P = p;
        Mode = mode;
    }

    /// <summary>Drop probability.</summary>
    public double P { get; }

    /// <summary>"row" (per sample) or "batch".</summary>
    public string Mode { get; }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        if (!training || P == 0.0) return input;
        using var scope = NewDisposeScope();
        var size = new long[input.dim()];
        for (int i = 0; i < size.Length; i++) size[i] = 1;
        if (Mode == "row") size[0] = input.shape[0];
        double survival = 1.0 - P;
        var noise = torch.empty(size, input.dtype, input.device).bernoulli_(survival);
        if (survival > 0.0) noise.div_(survival);
        return (input * noise).MoveToOuterDisposeScope();
    }
}
