// Shared by the generator and the runtime (see Arithmetic.cs): one definition per layer kind of what the compiler and
// the run-time cost evaluator need to agree on: its resolved settings (named and typed: the cost ABI between generated
// code and the runtime), its output shape, parameters, buffers, MACs in both conventions (docs/costs.md) and the name
// of the dataflow-graph op it lowers to.
#if PIXGEN_GENERATOR
namespace PiXGen.Generators.Definitions;
#else
namespace PiXGen.Definitions;
#endif
using System.Globalization;

/// <summary>What one leaf layer costs for one input shape (batch 1).</summary>
/// <param name="Out">Output shape of one sample.</param>
/// <param name="Parameters">Trainable parameters.</param>
/// <param name="Buffers">Non-trainable state (BatchNorm2d: running_mean, running_var, num_batches_tracked).</param>
/// <param name="Macs">Multiply-accumulates, torchvision convention (bias excluded).</param>
/// <param name="MacsPaper">The paper (ptflops-style) convention: MACs + bias adds + per-element work.</param>
public readonly record struct LayerFigures(Dims Out, long Parameters, long Buffers, long Macs, long MacsPaper);

/// <summary>
/// One layer kind's definition with its resolved settings: the settings are the record's properties; the rules are
/// its members. The generator writes each leaf layer of a network as one of these (<see cref="ToCSharp"/>) and the
/// runtime re-evaluates it for another input size with the same members.
/// </summary>
public abstract record LayerSpec
{
    /// <summary>The layer kind as the attribute and PyTorch name it ("Conv2d").</summary>
    public abstract string Kind { get; }

    /// <summary>The dataflow-graph op this layer lowers to (PiXGen.Graph.GraphOps).</summary>
    public virtual string GraphOp => Kind;

    /// <summary>Whether the layer returns (a view of) its input instead of a new tensor at inference.</summary>
    public virtual bool Aliases => false;

    /// <summary>Whether the layer needs a C×H×W input (false: any rank).</summary>
    protected virtual bool NeedsMap => true;

    /// <summary>Why the layer cannot take <paramref name="x"/> (a sentence to follow the layer's name), or null.</summary>
    public virtual string? Check(Dims x) => NeedsMap && !x.IsMap ? $"needs a C×H×W input, got {x}." : null;

    /// <summary>The output shape for input <paramref name="x"/> (a spatial size may reach zero; the caller reports it).</summary>
    public virtual Dims Output(Dims x) => x;

    /// <summary>Trainable parameters for input <paramref name="x"/>.</summary>
    public virtual long Parameters(Dims x) => 0;

    /// <summary>Non-trainable state in the state_dict for input <paramref name="x"/>.</summary>
    public virtual long Buffers(Dims x) => 0;

    /// <summary>Multiply-accumulates (torchvision convention) from <paramref name="x"/> to <paramref name="y"/>.</summary>
    public virtual long Macs(Dims x, Dims y) => 0;

    /// <summary>What the paper convention adds to <see cref="Macs"/>: bias adds and per-element work.</summary>
    public virtual long PaperExtra(Dims x, Dims y) => 0;

    /// <summary>All figures for input <paramref name="x"/>.</summary>
    public LayerFigures Figures(Dims x)
    {
        var y = Output(x);
        long macs = Macs(x, y);
        return new LayerFigures(y, Parameters(x), Buffers(x), macs, unchecked(macs + PaperExtra(x, y)));
    }

    /// <summary>The settings as C# named arguments ("OutChannels: 64, Kernel: 3").</summary>
    protected abstract string Arguments { get; }

    /// <summary>The C# expression that builds this definition; <paramref name="prefix"/> qualifies the type name.</summary>
    public string ToCSharp(string prefix) => "new " + prefix + GetType().Name + "(" + Arguments + ")";

    /// <summary>Invariant text of an integer.</summary>
    protected static string N(long v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>C# text of a flag.</summary>
    protected static string B(bool v) => v ? "true" : "false";

    /// <summary>C# text of a word.</summary>
    protected static string S(string v) => "\"" + v + "\"";

    /// <summary>The channel check of a layer built for <paramref name="inChannels"/>.</summary>
    protected string? CheckChannels(Dims x, long inChannels)
        => NeedsMap && !x.IsMap ? $"needs a C×H×W input, got {x}."
            : x.C != inChannels ? $"was built for {N(inChannels)} input channels but receives {N(x.C)}." : null;
}

/// <summary><c>Conv2d</c>: MACs Cout·(Cin/g)·kh·kw·Hout·Wout; paper convention adds one per output element with bias.</summary>
public sealed record Conv2dSpec(long OutChannels, long InChannels, Axes Kernel, Axes Stride, Axes Padding, Axes Dilation, long Groups, bool Bias) : LayerSpec
{
    /// <inheritdoc/>
    public override string Kind => "Conv2d";
    /// <inheritdoc/>
    public override string? Check(Dims x) => CheckChannels(x, InChannels);
    /// <inheritdoc/>
    public override Dims Output(Dims x) => Dims.Map(OutChannels,
        Arithmetic.WindowOut(x.H, Kernel.H, Stride.H, Padding.H, Dilation.H, false), Arithmetic.WindowOut(x.W, Kernel.W, Stride.W, Padding.W, Dilation.W, false));
    /// <summary>Weights each output element reads: (Cin/g)·kh·kw.</summary>
    public long WeightsPerOutput => InChannels / Groups * Kernel.Area;
    /// <inheritdoc/>
    public override long Parameters(Dims x) => OutChannels * WeightsPerOutput + (Bias ? OutChannels : 0);
    /// <inheritdoc/>
    public override long Macs(Dims x, Dims y) => y.Elements * WeightsPerOutput;
    /// <inheritdoc/>
    public override long PaperExtra(Dims x, Dims y) => Bias ? y.Elements : 0;
    /// <inheritdoc/>
    protected override string Arguments =>
        $"OutChannels: {N(OutChannels)}, InChannels: {N(InChannels)}, Kernel: {Kernel.ToCSharp()}, Stride: {Stride.ToCSharp()}, " +
        $"Padding: {Padding.ToCSharp()}, Dilation: {Dilation.ToCSharp()}, Groups: {N(Groups)}, Bias: {B(Bias)}";
}

/// <summary>
/// <c>ConvTranspose2d</c>: every input element is multiplied into a kh×kw window of Cout/g outputs,
/// Cin·(Cout/g)·kh·kw·Hin·Win MACs; paper convention adds one per output element with bias.
/// </summary>
public sealed record ConvTranspose2dSpec(long OutChannels, long InChannels, Axes Kernel, Axes Stride, Axes Padding, Axes OutputPadding,
    Axes Dilation, long Groups, bool Bias) : LayerSpec
{
    /// <inheritdoc/>
    public override string Kind => "ConvTranspose2d";
    /// <inheritdoc/>
    public override string? Check(Dims x) => CheckChannels(x, InChannels);
    /// <inheritdoc/>
    public override Dims Output(Dims x) => Dims.Map(OutChannels,
        Arithmetic.TransposedOut(x.H, Kernel.H, Stride.H, Padding.H, Dilation.H, OutputPadding.H),
        Arithmetic.TransposedOut(x.W, Kernel.W, Stride.W, Padding.W, Dilation.W, OutputPadding.W));
    /// <summary>Weight elements: Cin·(Cout/g)·kh·kw.</summary>
    public long Weights => InChannels * (OutChannels / Groups) * Kernel.Area;
    /// <inheritdoc/>
    public override long Parameters(Dims x) => Weights + (Bias ? OutChannels : 0);
    /// <inheritdoc/>
    public override long Macs(Dims x, Dims y) => Weights * x.H * x.W;
    /// <inheritdoc/>
    public override long PaperExtra(Dims x, Dims y) => Bias ? y.Elements : 0;
    /// <inheritdoc/>
    protected override string Arguments =>
        $"OutChannels: {N(OutChannels)}, InChannels: {N(InChannels)}, Kernel: {Kernel.ToCSharp()}, Stride: {Stride.ToCSharp()}, " +
        $"Padding: {Padding.ToCSharp()}, OutputPadding: {OutputPadding.ToCSharp()}, Dilation: {Dilation.ToCSharp()}, Groups: {N(Groups)}, Bias: {B(Bias)}";
}

/// <summary><c>MaxPool2d</c> (<paramref name="Max"/>) or <c>AvgPool2d</c>: paper convention one per input element.</summary>
public sealed record Pool2dSpec(bool Max, Axes Kernel, Axes Stride, Axes Padding, Axes Dilation, bool CeilMode) : LayerSpec
{
    /// <inheritdoc/>
    public override string Kind => Max ? "MaxPool2d" : "AvgPool2d";
    /// <inheritdoc/>
    public override Dims Output(Dims x) => Dims.Map(x.C,
        Arithmetic.WindowOut(x.H, Kernel.H, Stride.H, Padding.H, Dilation.H, CeilMode), Arithmetic.WindowOut(x.W, Kernel.W, Stride.W, Padding.W, Dilation.W, CeilMode));
    /// <inheritdoc/>
    public override long PaperExtra(Dims x, Dims y) => x.Elements;
    /// <inheritdoc/>
    protected override string Arguments =>
        $"Max: {B(Max)}, Kernel: {Kernel.ToCSharp()}, Stride: {Stride.ToCSharp()}, Padding: {Padding.ToCSharp()}, Dilation: {Dilation.ToCSharp()}, CeilMode: {B(CeilMode)}";
}

/// <summary><c>AdaptiveMaxPool2d</c> (<paramref name="Max"/>) or <c>AdaptiveAvgPool2d</c>: paper convention one per input element.</summary>
public sealed record AdaptivePool2dSpec(bool Max, Axes OutputSize) : LayerSpec
{
    /// <inheritdoc/>
    public override string Kind => Max ? "AdaptiveMaxPool2d" : "AdaptiveAvgPool2d";
    /// <inheritdoc/>
    public override Dims Output(Dims x) => Dims.Map(x.C, OutputSize.H, OutputSize.W);
    /// <inheritdoc/>
    public override long PaperExtra(Dims x, Dims y) => x.Elements;
    /// <inheritdoc/>
    protected override string Arguments => $"Max: {B(Max)}, OutputSize: {OutputSize.ToCSharp()}";
}

/// <summary>
/// <c>Linear</c> over the last axis: a flattened vector's features, or a channels-last map's channels at every position
/// (ConvNeXt's block). MACs in·out per output vector (output elements × in, as hooks count it); paper convention adds
/// one per output element with bias.
/// </summary>
public sealed record LinearSpec(long OutFeatures, long InFeatures, bool Bias) : LayerSpec
{
    /// <inheritdoc/>
    public override string Kind => "Linear";
    /// <inheritdoc/>
    protected override bool NeedsMap => false;
    /// <inheritdoc/>
    public override string? Check(Dims x)
        => x.LastAxisFeatures is not { } f ? $"needs a flattened input or a channels-last map, got {x}."
            : f != InFeatures ? $"was built for {N(InFeatures)} input features but receives {N(f)} at this input size " +
                                (x.Rank == 1 ? "(pool to a fixed size with AdaptiveAvgPool2d before Flatten to accept any size)." : "(on the channels).") : null;
    /// <inheritdoc/>
    public override Dims Output(Dims x) => x.Rank == 1 ? Dims.Vector(OutFeatures) : x with { C = OutFeatures };
    /// <inheritdoc/>
    public override long Parameters(Dims x) => InFeatures * OutFeatures + (Bias ? OutFeatures : 0);
    /// <inheritdoc/>
    public override long Macs(Dims x, Dims y) => InFeatures * y.Elements;
    /// <inheritdoc/>
    public override long PaperExtra(Dims x, Dims y) => Bias ? y.Elements : 0;
    /// <inheritdoc/>
    protected override string Arguments => $"OutFeatures: {N(OutFeatures)}, InFeatures: {N(InFeatures)}, Bias: {B(Bias)}";
}

/// <summary>
/// A normalisation over channel groups without running statistics (<paramref name="Kind"/>: GroupNorm, LayerNorm2d):
/// 2·C parameters with <paramref name="Affine"/>, no buffers; paper convention 2 per output element.
/// </summary>
public sealed record NormSpec(string Kind, bool Affine) : LayerSpec
{
    /// <inheritdoc/>
    public override string Kind { get; } = Kind;
    /// <inheritdoc/>
    public override long Parameters(Dims x) => Affine ? 2 * x.C : 0;
    /// <inheritdoc/>
    public override long PaperExtra(Dims x, Dims y) => 2 * y.Elements;
    /// <inheritdoc/>
    protected override string Arguments => $"Kind: {S(Kind)}, Affine: {B(Affine)}";
}

/// <summary>
/// <c>LayerNorm</c> over the last axis (PyTorch's <c>nn.LayerNorm(C)</c>): a vector's features or a channels-last map's
/// channels; 2·C parameters with <paramref name="Affine"/>, no buffers; paper convention 2 per output element.
/// </summary>
public sealed record LayerNormSpec(bool Affine) : LayerSpec
{
    /// <inheritdoc/>
    public override string Kind => "LayerNorm";
    /// <inheritdoc/>
    protected override bool NeedsMap => false;
    /// <inheritdoc/>
    public override string? Check(Dims x) => x.LastAxisFeatures is null
        ? $"normalises the last axis and needs a flattened input or a channels-last map (after [Permute(0, 2, 3, 1)]), got {x}; [LayerNorm2d] normalises the channels of a C×H×W map." : null;
    /// <inheritdoc/>
    public override long Parameters(Dims x) => Affine ? 2 * x.C : 0;
    /// <inheritdoc/>
    public override long PaperExtra(Dims x, Dims y) => 2 * y.Elements;
    /// <inheritdoc/>
    protected override string Arguments => $"Affine: {B(Affine)}";
}

/// <summary>
/// A learnable per-channel scale of a C×H×W map (ConvNeXt's <c>layer_scale</c>, a C×1×1 parameter): C parameters, no
/// MACs in torchvision's convention (no Conv2d or Linear); paper convention one per output element.
/// </summary>
public sealed record LayerScaleSpec : LayerSpec
{
    /// <inheritdoc/>
    public override string Kind => "LayerScale";
    /// <inheritdoc/>
    public override long Parameters(Dims x) => x.C;
    /// <inheritdoc/>
    public override long PaperExtra(Dims x, Dims y) => y.Elements;
    /// <inheritdoc/>
    protected override string Arguments => "";
}

/// <summary>
/// An element-wise activation (<paramref name="Kind"/>: ReLU, ReLU6, SiLU, Sigmoid, Hardswish, GELU, LeakyReLU,
/// Hardsigmoid, Tanh): no parameters; paper convention one per output element. Any input rank.
/// </summary>
public sealed record ActivationSpec(string Kind) : LayerSpec
{
    /// <inheritdoc/>
    public override string Kind { get; } = Kind;
    /// <inheritdoc/>
    protected override bool NeedsMap => false;
    /// <inheritdoc/>
    public override long PaperExtra(Dims x, Dims y) => y.Elements;
    /// <inheritdoc/>
    protected override string Arguments => $"Kind: {S(Kind)}";
}

/// <summary>
/// A layer that moves or passes data without arithmetic (<paramref name="Kind"/>: Identity, Dropout, StochasticDepth,
/// which return their input at inference; ChannelShuffle, which permutes it): 0 in both conventions. Any input rank.
/// </summary>
public sealed record PassSpec(string Kind) : LayerSpec
{
    /// <inheritdoc/>
    public override string Kind { get; } = Kind;
    // What the layer does with its input is its definition's to say (DefinedKind.EvalIdentity, NeedsMap).
    private DefinedKind? Definition => DefinedKind.All.TryGetValue(Kind, out var kind) ? kind : null;
    /// <inheritdoc/>
    public override bool Aliases => Definition?.EvalIdentity ?? true;
    /// <inheritdoc/>
    protected override bool NeedsMap => Definition?.NeedsMap ?? false;
    /// <inheritdoc/>
    protected override string Arguments => $"Kind: {S(Kind)}";
}

/// <summary><c>Flatten</c> of every dimension after the batch: returns a view of its input.</summary>
public sealed record FlattenSpec : LayerSpec
{
    /// <inheritdoc/>
    public override string Kind => "Flatten";
    /// <inheritdoc/>
    public override bool Aliases => true;
    /// <inheritdoc/>
    protected override bool NeedsMap => false;
    /// <inheritdoc/>
    public override Dims Output(Dims x) => Dims.Vector(x.Elements);
    /// <inheritdoc/>
    protected override string Arguments => "";
}

/// <summary><c>Upsample</c> by an integer <paramref name="ScaleFactor"/> or to a <paramref name="Size"/> (the other 0): 0 in both conventions.</summary>
public sealed record UpsampleSpec(Axes ScaleFactor, Axes Size) : LayerSpec
{
    /// <inheritdoc/>
    public override string Kind => "Upsample";
    /// <inheritdoc/>
    public override Dims Output(Dims x) => ScaleFactor.H > 0
        ? Dims.Map(x.C, x.H * ScaleFactor.H, x.W * ScaleFactor.W) : Dims.Map(x.C, Size.H, Size.W);
    /// <inheritdoc/>
    protected override string Arguments => $"ScaleFactor: {ScaleFactor.ToCSharp()}, Size: {Size.ToCSharp()}";
}

/// <summary>
/// Squeeze-and-excitation, C channels squeezed to <paramref name="Squeeze"/> = S: pool → 1×1 conv C→S (bias) → activation
/// → 1×1 conv S→C (bias) → scale activation → scale. MACs C·S + S·C; paper convention adds the bias adds (S + C), the
/// pooling (C·H·W) and the activation (S); the scale activation and the scaling count 0.
/// </summary>
public sealed record SqueezeExcitationSpec(long Squeeze) : LayerSpec
{
    /// <inheritdoc/>
    public override string Kind => "SqueezeExcitation";
    /// <inheritdoc/>
    public override long Parameters(Dims x) => 2 * x.C * Squeeze + Squeeze + x.C;
    /// <inheritdoc/>
    public override long Macs(Dims x, Dims y) => 2 * x.C * Squeeze;
    /// <inheritdoc/>
    public override long PaperExtra(Dims x, Dims y) => Squeeze + x.C + x.Elements + Squeeze;
    /// <inheritdoc/>
    protected override string Arguments => $"Squeeze: {N(Squeeze)}";
}

/// <summary>
/// PiX with factor <paramref name="Zeta"/> on <paramref name="InChannels"/> = C channels, Co = ⌈C/ζ⌉ outputs: φ (a C→Co
/// projection of the pooled map, a 1×1 Conv2d in the official code) counts C·Co MACs and C·Co (+ Co with
/// <paramref name="PhiBias"/>) parameters; the operator, its pooling and its sigmoid count 0; a φ bias adds Co in the paper convention.
/// </summary>
public sealed record PiXSpec(long Zeta, long InChannels, bool PhiBias) : LayerSpec
{
    /// <inheritdoc/>
    public override string Kind => "PiX";
    /// <summary>⌈C/ζ⌉.</summary>
    public long OutChannels => Arithmetic.PiXChannels(InChannels, Zeta);
    /// <inheritdoc/>
    public override string? Check(Dims x) => CheckChannels(x, InChannels);
    /// <inheritdoc/>
    public override Dims Output(Dims x) => Dims.Map(OutChannels, x.H, x.W);
    /// <inheritdoc/>
    public override long Parameters(Dims x) => InChannels * OutChannels + (PhiBias ? OutChannels : 0);
    /// <inheritdoc/>
    public override long Macs(Dims x, Dims y) => InChannels * OutChannels;
    /// <inheritdoc/>
    public override long PaperExtra(Dims x, Dims y) => PhiBias ? OutChannels : 0;
    /// <inheritdoc/>
    protected override string Arguments => $"Zeta: {N(Zeta)}, InChannels: {N(InChannels)}, PhiBias: {B(PhiBias)}";
}
