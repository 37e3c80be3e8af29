using System;

namespace PiXGen;

/// <summary>
/// Base of every layer attribute. Layer attributes go on <c>readonly</c> fields whose names are the
/// PyTorch module names; fields are applied in declaration order. Several layer attributes on one
/// <c>Sequential</c> field build a PyTorch-style numbered <c>nn.Sequential</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Field, AllowMultiple = true, Inherited = false)]
public abstract class LayerAttribute : Attribute
{
    /// <summary>Condition (expression) under which the layer exists; always when null.</summary>
    public string? When { get; set; }

    /// <summary>In a <see cref="ResidualAttribute"/> class, apply this member after the residual add.</summary>
    public bool AfterAdd { get; set; }
}

/// <summary><c>nn.Conv2d</c>. Input channels are inferred; square kernels.</summary>
public sealed class Conv2dAttribute : LayerAttribute
{
    /// <summary>A convolution with <paramref name="outChannels"/> output channels (integer or expression).</summary>
    public Conv2dAttribute(object outChannels) { OutChannels = outChannels; }
    /// <summary>Output channels.</summary>
    public object OutChannels { get; }
    /// <summary>Kernel size (required).</summary>
    public object? Kernel { get; set; }
    /// <summary>Stride; 1 by default.</summary>
    public object? Stride { get; set; }
    /// <summary>Zero padding; 0 by default.</summary>
    public object? Padding { get; set; }
    /// <summary>Dilation; 1 by default.</summary>
    public object? Dilation { get; set; }
    /// <summary>Groups; 1 by default. Must divide input and output channels.</summary>
    public object? Groups { get; set; }
    /// <summary>Learnable bias; true by default, as in PyTorch.</summary>
    public bool Bias { get; set; } = true;
    /// <summary>Expected input channels; inferred when null, checked when given.</summary>
    public object? In { get; set; }
}

/// <summary><c>nn.BatchNorm2d</c> over the inferred channel count.</summary>
public sealed class BatchNorm2dAttribute : LayerAttribute
{
    /// <summary>Epsilon; 1e-5 by default. A number, or an expression over the class's arguments (<c>Eps = "eps"</c>).</summary>
    public object Eps { get; set; } = 1e-5;
    /// <summary>Momentum; 0.1 by default. A number, or an expression over the class's arguments (<c>Momentum = "momentum"</c>).</summary>
    public object Momentum { get; set; } = 0.1;
}

/// <summary><c>nn.ReLU</c>.</summary>
public sealed class ReLUAttribute : LayerAttribute { }
/// <summary><c>nn.ReLU6</c>.</summary>
public sealed class ReLU6Attribute : LayerAttribute { }
/// <summary><c>nn.SiLU</c>.</summary>
public sealed class SiLUAttribute : LayerAttribute { }
/// <summary><c>nn.Sigmoid</c>.</summary>
public sealed class SigmoidAttribute : LayerAttribute { }
/// <summary><c>nn.Hardswish</c>.</summary>
public sealed class HardswishAttribute : LayerAttribute { }
/// <summary><c>nn.Identity</c>.</summary>
public sealed class IdentityAttribute : LayerAttribute { }
/// <summary><c>nn.Tanh</c>.</summary>
public sealed class TanhAttribute : LayerAttribute { }
/// <summary><c>nn.Hardsigmoid</c> (MobileNetV3's gate).</summary>
public sealed class HardsigmoidAttribute : LayerAttribute { }

/// <summary><c>nn.ELU</c>: x for x &gt; 0, α(eˣ − 1) otherwise.</summary>
public sealed class ELUAttribute : LayerAttribute
{
    /// <summary>α; 1.0 by default, as in PyTorch.</summary>
    public double Alpha { get; set; } = 1.0;
}

/// <summary><c>nn.Mish</c>: x · tanh(softplus(x)).</summary>
public sealed class MishAttribute : LayerAttribute { }

/// <summary>
/// <c>nn.InstanceNorm2d(C)</c> as PyTorch builds it by default (<c>affine=False</c>, <c>track_running_stats=False</c>):
/// normalises each sample's channel over its H×W positions, in training and eval alike; no parameters. C is the input's.
/// </summary>
public sealed class InstanceNorm2dAttribute : LayerAttribute
{
    /// <summary>Added to the variance; 1e-5 by default, as in PyTorch.</summary>
    public double Eps { get; set; } = 1e-5;
}

/// <summary><c>nn.PixelShuffle(r)</c>: C×H×W → C/r²×rH×rW (the rearrangement of sub-pixel convolution).</summary>
public sealed class PixelShuffleAttribute : LayerAttribute
{
    /// <summary>Rearranges by <paramref name="upscaleFactor"/> r (integer or expression); the input channels must be divisible by r².</summary>
    public PixelShuffleAttribute(object upscaleFactor) { UpscaleFactor = upscaleFactor; }
    /// <summary>The upscale factor r.</summary>
    public object UpscaleFactor { get; }
}

/// <summary><c>nn.GELU</c>.</summary>
public sealed class GELUAttribute : LayerAttribute
{
    /// <summary><c>"none"</c> (exact, the default) or <c>"tanh"</c> (the tanh approximation).</summary>
    public string Approximate { get; set; } = "none";
}

/// <summary><c>nn.LeakyReLU</c>.</summary>
public sealed class LeakyReLUAttribute : LayerAttribute
{
    /// <summary>Slope for negative inputs; 0.01 by default, as in PyTorch.</summary>
    public double NegativeSlope { get; set; } = 0.01;
}

/// <summary><c>nn.GroupNorm</c> over the inferred channel count.</summary>
public sealed class GroupNormAttribute : LayerAttribute
{
    /// <summary>Group normalisation with <paramref name="groups"/> groups (integer or expression), which must divide the channels.</summary>
    public GroupNormAttribute(object groups) { Groups = groups; }
    /// <summary>Number of groups.</summary>
    public object Groups { get; }
    /// <summary>Epsilon; 1e-5 by default. A number, or an expression over the class's arguments (<c>Eps = "eps"</c>).</summary>
    public object Eps { get; set; } = 1e-5;
    /// <summary>Learnable per-channel weight and bias; true by default.</summary>
    public bool Affine { get; set; } = true;
}

/// <summary>
/// Layer normalisation over the channels at each position of a C×H×W map (<see cref="Layers.LayerNorm2d"/>,
/// ConvNeXt's <c>LayerNorm2d</c>): state keys <c>weight</c> and <c>bias</c> of shape (C).
/// </summary>
public sealed class LayerNorm2dAttribute : LayerAttribute
{
    /// <summary>Epsilon; 1e-5 by default as <c>nn.LayerNorm</c> (ConvNeXt uses 1e-6). A number, or an expression over the class's arguments.</summary>
    public object Eps { get; set; } = 1e-5;
    /// <summary>Learnable per-channel weight and bias; true by default.</summary>
    public bool Affine { get; set; } = true;
}

/// <summary>
/// <c>nn.LayerNorm(C)</c> over the last axis: the features of a flattened vector, or the channels of a channels-last map
/// (after <see cref="PermuteAttribute"/>(0, 2, 3, 1), as in ConvNeXt's block). State keys <c>weight</c> and <c>bias</c>
/// of shape (C). For the channels of a C×H×W map use <see cref="LayerNorm2dAttribute"/>.
/// </summary>
public sealed class LayerNormAttribute : LayerAttribute
{
    /// <summary>Epsilon; 1e-5 by default as <c>nn.LayerNorm</c> (ConvNeXt uses 1e-6). A number, or an expression over the class's arguments.</summary>
    public object Eps { get; set; } = 1e-5;
    /// <summary>Learnable per-feature weight and bias (<c>elementwise_affine</c>); true by default.</summary>
    public bool Affine { get; set; } = true;
}

/// <summary>
/// Reorders the axes of an N×C×H×W map (<see cref="Layers.Permute"/>, torchvision's <c>Permute</c>): (0, 2, 3, 1) moves
/// the channels last, so that <see cref="LayerNormAttribute"/> and <see cref="LinearAttribute"/> act on them at every
/// position, and (0, 3, 1, 2) moves them back. Those two orders only.
/// </summary>
public sealed class PermuteAttribute : LayerAttribute
{
    /// <summary>The axis order, batch axis included (integers or expressions).</summary>
    public PermuteAttribute(object dim0, object dim1, object dim2, object dim3) { Dim0 = dim0; Dim1 = dim1; Dim2 = dim2; Dim3 = dim3; }
    /// <summary>The axis that becomes axis 0.</summary>
    public object Dim0 { get; }
    /// <summary>The axis that becomes axis 1.</summary>
    public object Dim1 { get; }
    /// <summary>The axis that becomes axis 2.</summary>
    public object Dim2 { get; }
    /// <summary>The axis that becomes axis 3.</summary>
    public object Dim3 { get; }
}

/// <summary>
/// A learnable per-channel scale on a <c>Parameter</c> field (ConvNeXt's <c>layer_scale</c>): the field is a C×1×1
/// parameter, registered under the field's name and filled with the value given; forward multiplies the C×H×W
/// map by it at the member's place. <c>[LayerScale(1e-6)] readonly Parameter layer_scale;</c>
/// </summary>
public sealed class LayerScaleAttribute : LayerAttribute
{
    /// <summary>A layer scale initialised to <paramref name="value"/> (a number, or an expression over the class's arguments).</summary>
    public LayerScaleAttribute(object value) { Value = value; }
    /// <summary>The initial value of every element.</summary>
    public object Value { get; }
}

/// <summary><c>nn.Upsample</c>: give an integer <see cref="ScaleFactor"/> or an output <see cref="Size"/>.</summary>
public sealed class UpsampleAttribute : LayerAttribute
{
    /// <summary>Integer scale factor (integer or expression); "HxW" for a different factor per axis.</summary>
    public object? ScaleFactor { get; set; }
    /// <summary>Output size (integer or expression, square); "HxW" for a rectangle.</summary>
    public object? Size { get; set; }
    /// <summary><c>"nearest"</c> (default) or <c>"bilinear"</c>.</summary>
    public string Mode { get; set; } = "nearest";
    /// <summary>Bilinear only: align the corner pixels; false by default.</summary>
    public bool AlignCorners { get; set; }
}

/// <summary><c>nn.ConvTranspose2d</c>. Input channels are inferred.</summary>
public sealed class ConvTranspose2dAttribute : LayerAttribute
{
    /// <summary>A transposed convolution with <paramref name="outChannels"/> output channels (integer or expression).</summary>
    public ConvTranspose2dAttribute(object outChannels) { OutChannels = outChannels; }
    /// <summary>Output channels.</summary>
    public object OutChannels { get; }
    /// <summary>Kernel size (required).</summary>
    public object? Kernel { get; set; }
    /// <summary>Stride; 1 by default.</summary>
    public object? Stride { get; set; }
    /// <summary>Padding removed from each side of the output; 0 by default.</summary>
    public object? Padding { get; set; }
    /// <summary>Extra size added to one side of the output; 0 by default, smaller than the stride or the dilation.</summary>
    public object? OutputPadding { get; set; }
    /// <summary>Dilation; 1 by default.</summary>
    public object? Dilation { get; set; }
    /// <summary>Groups; 1 by default. Must divide input and output channels.</summary>
    public object? Groups { get; set; }
    /// <summary>Learnable bias; true by default.</summary>
    public bool Bias { get; set; } = true;
    /// <summary>Expected input channels; inferred when null, checked when given.</summary>
    public object? In { get; set; }
}

/// <summary>
/// Stochastic depth (<see cref="Layers.StochasticDepth"/>, torchvision's <c>ops.StochasticDepth</c>): the identity
/// in evaluation; in training it zeroes the whole input with probability <c>p</c> (per sample in <c>"row"</c> mode,
/// for the whole batch in <c>"batch"</c> mode) and scales what survives by 1/(1−p).
/// </summary>
public sealed class StochasticDepthAttribute : LayerAttribute
{
    /// <summary>Stochastic depth with drop probability <paramref name="p"/>: a number, or an expression over the class's arguments.</summary>
    public StochasticDepthAttribute(object p) { P = p; }
    /// <summary>Drop probability.</summary>
    public object P { get; }
    /// <summary><c>"row"</c> (default) or <c>"batch"</c>.</summary>
    public string Mode { get; set; } = "row";
    /// <summary>
    /// With <see cref="Steps"/>: the drop probability is <c>p · Step / Steps</c>, torchvision's linear ramp over a network's
    /// blocks (EfficientNet: <c>0.2 · block_id / 16</c>). Integer or expression of the block's arguments.
    /// </summary>
    public object? Step { get; set; }
    /// <summary>The number of steps of the ramp (see <see cref="Step"/>); integer or expression, positive.</summary>
    public object? Steps { get; set; }
}

/// <summary><c>nn.ChannelShuffle</c> (ShuffleNet): interleaves the channels of <c>groups</c> groups.</summary>
public sealed class ChannelShuffleAttribute : LayerAttribute
{
    /// <summary>Channel shuffle of <paramref name="groups"/> groups (integer or expression), which must divide the channels.</summary>
    public ChannelShuffleAttribute(object groups) { Groups = groups; }
    /// <summary>Number of groups.</summary>
    public object Groups { get; }
}

/// <summary><c>nn.MaxPool2d</c>.</summary>
public sealed class MaxPool2dAttribute : LayerAttribute
{
    /// <summary>Max pooling with a square window.</summary>
    public MaxPool2dAttribute(object kernel) { Kernel = kernel; }
    /// <summary>Window size.</summary>
    public object Kernel { get; }
    /// <summary>Stride; the kernel size by default.</summary>
    public object? Stride { get; set; }
    /// <summary>Padding; 0 by default.</summary>
    public object? Padding { get; set; }
    /// <summary>Dilation; 1 by default.</summary>
    public object? Dilation { get; set; }
    /// <summary>Ceil mode for the output size.</summary>
    public bool CeilMode { get; set; }
}

/// <summary><c>nn.AvgPool2d</c>.</summary>
public sealed class AvgPool2dAttribute : LayerAttribute
{
    /// <summary>Average pooling with a square window.</summary>
    public AvgPool2dAttribute(object kernel) { Kernel = kernel; }
    /// <summary>Window size.</summary>
    public object Kernel { get; }
    /// <summary>Stride; the kernel size by default.</summary>
    public object? Stride { get; set; }
    /// <summary>Padding; 0 by default.</summary>
    public object? Padding { get; set; }
    /// <summary>Ceil mode for the output size.</summary>
    public bool CeilMode { get; set; }
    /// <summary>Whether the zero padding counts in the average; true by default, as in PyTorch.</summary>
    public bool CountIncludePad { get; set; } = true;
}

/// <summary><c>nn.AdaptiveAvgPool2d</c> to a square output.</summary>
public sealed class AdaptiveAvgPool2dAttribute : LayerAttribute
{
    /// <summary>Adaptive average pooling to <paramref name="outputSize"/> × <paramref name="outputSize"/>.</summary>
    public AdaptiveAvgPool2dAttribute(object outputSize) { OutputSize = outputSize; }
    /// <summary>Output height and width.</summary>
    public object OutputSize { get; }
}

/// <summary><c>nn.AdaptiveMaxPool2d</c>.</summary>
public sealed class AdaptiveMaxPool2dAttribute : LayerAttribute
{
    /// <summary>Adaptive max pooling to <paramref name="outputSize"/> × <paramref name="outputSize"/>.</summary>
    public AdaptiveMaxPool2dAttribute(object outputSize) { OutputSize = outputSize; }
    /// <summary>Output height and width.</summary>
    public object OutputSize { get; }
}

/// <summary><c>nn.Flatten</c> from dimension 1 (keeps the batch).</summary>
public sealed class FlattenAttribute : LayerAttribute { }

/// <summary><c>nn.Dropout</c>.</summary>
public sealed class DropoutAttribute : LayerAttribute
{
    /// <summary>Dropout with probability 0.5, as PyTorch's default.</summary>
    public DropoutAttribute() { P = 0.5; }
    /// <summary>Dropout with probability <paramref name="p"/>: a number, or an expression over the class's arguments (<c>[Dropout("dropout")]</c>).</summary>
    public DropoutAttribute(object p) { P = p; }
    /// <summary>Drop probability.</summary>
    public object P { get; }
}

/// <summary><c>nn.Linear</c> over the last axis: a flattened input's features (inferred), or a channels-last map's channels at every position (after <see cref="PermuteAttribute"/>(0, 2, 3, 1)).</summary>
public sealed class LinearAttribute : LayerAttribute
{
    /// <summary>A linear layer with <paramref name="outFeatures"/> outputs (integer or expression).</summary>
    public LinearAttribute(object outFeatures) { OutFeatures = outFeatures; }
    /// <summary>Output features.</summary>
    public object OutFeatures { get; }
    /// <summary>Learnable bias; true by default.</summary>
    public bool Bias { get; set; } = true;
    /// <summary>Expected input features; inferred when null, checked when given.</summary>
    public object? In { get; set; }
}

/// <summary>
/// Squeeze-and-excitation (<see cref="Layers.SqueezeExcitation"/>, torchvision's
/// <c>SqueezeExcitation</c>: state keys <c>fc1</c>, <c>fc2</c>). Give <see cref="Squeeze"/> channels or a
/// <see cref="Reduction"/> ratio (16 by default). EfficientNet: <c>Activation = "SiLU"</c>; MobileNetV3:
/// <c>ScaleActivation = "Hardsigmoid"</c>.
/// </summary>
public sealed class SqueezeExcitationAttribute : LayerAttribute
{
    /// <summary>Squeeze channels (integer or expression over <c>in</c> and the arguments); <c>in / Reduction</c> when null.</summary>
    public object? Squeeze { get; set; }
    /// <summary>Reduction ratio used when <see cref="Squeeze"/> is null; 16 by default.</summary>
    public object? Reduction { get; set; }
    /// <summary>Activation after <c>fc1</c>: <c>"ReLU"</c> (default), <c>"SiLU"</c>, <c>"ReLU6"</c>, <c>"Hardswish"</c> or <c>"GELU"</c>.</summary>
    public string Activation { get; set; } = "ReLU";
    /// <summary>Activation giving the channel scales after <c>fc2</c>: <c>"Sigmoid"</c> (default) or <c>"Hardsigmoid"</c>.</summary>
    public string ScaleActivation { get; set; } = "Sigmoid";
}

/// <summary>
/// An explicit PiX layer (<see cref="PiX.PiXLayer"/>): Pick-or-Mix channel sampling from C to ceil(C / ζ)
/// channels, with φ's weight registered as <c>weight</c> (shape Co×C×1×1, like the 1×1 convolution it
/// replaces). Give <see cref="Zeta"/>, or <see cref="OutChannels"/> to derive ζ = C / OutChannels.
/// </summary>
public sealed class PiXAttribute : LayerAttribute
{
    /// <summary>Squeeze factor ζ ≥ 1 (integer or expression).</summary>
    public object? Zeta { get; set; }
    /// <summary>Output channels; ζ = C / OutChannels, which must divide exactly.</summary>
    public object? OutChannels { get; set; }
    /// <summary>Pick threshold τ; 0.5 by default.</summary>
    public double Tau { get; set; } = 0.5;
    /// <summary>Pick-or-mix (default) or an ablation mode.</summary>
    public PiX.PiXMode Mode { get; set; }
    /// <summary>Global context for φ: spatial mean (default) or l1.</summary>
    public PiX.PiXContext Context { get; set; }
    /// <summary>Whether φ's projection has a bias (off by default, as in the official code).</summary>
    public bool PhiBias { get; set; }
}

/// <summary>
/// Dense connectivity (DenseNet's dense layer) on a <c>[Block]</c> or <c>[Network]</c> class: the class's output is
/// its input concatenated with the output of its members along the channels, <c>cat([input, members(input)], 1)</c>,
/// so the channels add up. Heights and widths must agree (PIX0108). A class is either <c>[Residual]</c> or
/// <c>[Dense]</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class DenseAttribute : Attribute { }

/// <summary>
/// Puts a member on a parallel branch. Consecutive <c>[Branch]</c> members form one parallel group: every branch
/// (the members sharing a name, applied in declaration order) receives the group's input, and the branches' outputs
/// are merged, concatenated along the channels (<c>Merge = "concat"</c>, Inception, SqueezeNet's Fire) or added
/// (<c>"add"</c>). With <c>Split = true</c> the input channels are split into equal consecutive chunks, one per branch
/// in order of appearance (ShuffleNetV2's <c>chunk(2)</c>). Members after the group receive the merged output.
/// A name with a <c>/</c> nests: <c>[Branch("b3/a")]</c> is branch <c>a</c> of a group inside branch <c>b3</c>, which
/// receives <c>b3</c>'s output at that point (Inception-v3's InceptionE); Merge and Split then describe that inner group.
/// </summary>
[AttributeUsage(AttributeTargets.Field, Inherited = false)]
public sealed class BranchAttribute : Attribute
{
    /// <summary>Puts the member on branch <paramref name="name"/>.</summary>
    public BranchAttribute(string name) { Name = name; }
    /// <summary>The branch's name; members with the same name form one branch ("outer/inner" for a nested branch).</summary>
    public string Name { get; }
    /// <summary><c>"concat"</c> (default) or <c>"add"</c>; the same on every member of a group.</summary>
    public string Merge { get; set; } = "concat";
    /// <summary>Split the input channels among the branches instead of giving each the whole input; the same on every member of a group.</summary>
    public bool Split { get; set; }
}
