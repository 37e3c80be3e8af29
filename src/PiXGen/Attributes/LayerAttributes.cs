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
    /// <summary>Epsilon; 1e-5 by default.</summary>
    public double Eps { get; set; } = 1e-5;
    /// <summary>Momentum; 0.1 by default.</summary>
    public double Momentum { get; set; } = 0.1;
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

/// <summary><c>nn.Flatten</c> from dimension 1 (keeps the batch).</summary>
public sealed class FlattenAttribute : LayerAttribute { }

/// <summary><c>nn.Dropout</c>.</summary>
public sealed class DropoutAttribute : LayerAttribute
{
    /// <summary>Dropout with probability <paramref name="p"/>.</summary>
    public DropoutAttribute(double p = 0.5) { P = p; }
    /// <summary>Drop probability.</summary>
    public double P { get; }
}

/// <summary><c>nn.Linear</c>. Input features are inferred from the flattened input.</summary>
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
/// <see cref="Reduction"/> ratio (16 by default).
/// </summary>
public sealed class SqueezeExcitationAttribute : LayerAttribute
{
    /// <summary>Squeeze channels; <c>in / Reduction</c> when null.</summary>
    public object? Squeeze { get; set; }
    /// <summary>Reduction ratio used when <see cref="Squeeze"/> is null; 16 by default.</summary>
    public object? Reduction { get; set; }
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
