using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PiXGen.Layers;

/// <summary>
/// Squeeze-and-excitation as torchvision's <c>ops.SqueezeExcitation</c> defines it: global average pool,
/// 1×1 conv to <c>squeeze</c> channels, ReLU, 1×1 conv back, sigmoid, channel-wise scale. State keys
/// <c>fc1.weight</c>, <c>fc1.bias</c>, <c>fc2.weight</c>, <c>fc2.bias</c>.
/// </summary>
public sealed class SqueezeExcitation : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d fc1;
    private readonly Conv2d fc2;

    /// <summary>Creates the module for <paramref name="channels"/> channels squeezed to <paramref name="squeeze"/>.</summary>
    public SqueezeExcitation(long channels, long squeeze) : base(nameof(SqueezeExcitation))
    {
        if (channels <= 0 || squeeze <= 0)
            throw new System.ArgumentException($"SqueezeExcitation needs positive channels and squeeze channels, got {channels} and {squeeze}.");
        fc1 = nn.Conv2d(channels, squeeze, 1);
        fc2 = nn.Conv2d(squeeze, channels, 1);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var s = nn.functional.adaptive_avg_pool2d(input, 1);
        s = nn.functional.relu(fc1.call(s));
        s = nn.functional.sigmoid(fc2.call(s));
        return (input * s).MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing) { fc1.Dispose(); fc2.Dispose(); }
        base.Dispose(disposing);
    }
}
