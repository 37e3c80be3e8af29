using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PiXGen.Layers;

/// <summary>
/// Squeeze-and-excitation as torchvision's <c>ops.SqueezeExcitation</c> defines it: global average pool,
/// 1×1 conv to <c>squeeze</c> channels, an activation (ReLU by default), 1×1 conv back, a scale activation
/// (sigmoid by default), channel-wise scale. EfficientNet uses SiLU and Sigmoid, MobileNetV3 ReLU and Hardsigmoid.
/// State keys <c>fc1.weight</c>, <c>fc1.bias</c>, <c>fc2.weight</c>, <c>fc2.bias</c> (the activations hold no state).
/// </summary>
public sealed class SqueezeExcitation : nn.Module<Tensor, Tensor>
{
    /// <summary>The activations after <c>fc1</c>: ReLU (default), SiLU, ReLU6, Hardswish, GELU.</summary>
    public static readonly string[] Activations = Definitions.Words.SqueezeExcitationActivations;

    /// <summary>The scale activations after <c>fc2</c>: Sigmoid (default), Hardsigmoid.</summary>
    public static readonly string[] ScaleActivations = Definitions.Words.SqueezeExcitationScaleActivations;

    private readonly Conv2d fc1;
    private readonly Conv2d fc2;

    /// <summary>
    /// Creates the module for <paramref name="channels"/> channels squeezed to <paramref name="squeeze"/>, with the
    /// named <paramref name="activation"/> and <paramref name="scaleActivation"/>.
    /// </summary>
    public SqueezeExcitation(long channels, long squeeze, string activation = "ReLU", string scaleActivation = "Sigmoid")
        : base(nameof(SqueezeExcitation))
    {
        if (channels <= 0 || squeeze <= 0)
            throw new System.ArgumentException($"SqueezeExcitation needs positive channels and squeeze channels, got {channels} and {squeeze}.");
        if (System.Array.IndexOf(Activations, activation) < 0)
            throw new System.ArgumentException($"SqueezeExcitation: activation must be one of {string.Join(", ", Activations)}, got \"{activation}\".");
        if (System.Array.IndexOf(ScaleActivations, scaleActivation) < 0)
            throw new System.ArgumentException($"SqueezeExcitation: scale activation must be one of {string.Join(", ", ScaleActivations)}, got \"{scaleActivation}\".");
        Activation = activation;
        ScaleActivation = scaleActivation;
        fc1 = nn.Conv2d(channels, squeeze, 1);
        fc2 = nn.Conv2d(squeeze, channels, 1);
        RegisterComponents();
    }

    /// <summary>The activation after <c>fc1</c>.</summary>
    public string Activation { get; }

    /// <summary>The activation that turns <c>fc2</c>'s output into channel scales.</summary>
    public string ScaleActivation { get; }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var s = fc1.call(nn.functional.adaptive_avg_pool2d(input, 1));
        // The activations are the defined kinds of these names, at their default settings (GELU's exact form).
        s = Apply(Activation, s);
        s = Apply(ScaleActivation, fc2.call(s));
        return (input * s).MoveToOuterDisposeScope();
    }

    private static Tensor Apply(string activation, Tensor x)
    {
        var kind = Definitions.DefinedKind.All[activation];
        return kind.Apply(x, kind.Values((_, fallback) => fallback));
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing) { fc1.Dispose(); fc2.Dispose(); }
        base.Dispose(disposing);
    }
}
