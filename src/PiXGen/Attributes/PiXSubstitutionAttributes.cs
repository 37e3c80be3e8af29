using System;
using PiXGen.PiX;

namespace PiXGen;

/// <summary>
/// Marks a channel-squeezing 1×1 convolution for replacement by PiX (<see cref="PiXLayer"/>). The field
/// keeps its name, so φ's weight takes the convolution's state_dict key (<c>conv1.weight</c>, same shape).
/// By default the BatchNorm and activation that directly follow the convolution are replaced too (the
/// official PiX-ResNet placement); their fields then stay null and must be declared nullable. ζ is
/// C_in / C_out, checked for every instance, unless <see cref="Zeta"/> is given. The convolution must have
/// kernel 1, stride 1, groups 1 and C_out &lt; C_in (C_out = C_in only with an explicit Zeta = 1).
/// The field must be declared as <see cref="PiXLayer"/> (or <c>Module&lt;Tensor, Tensor&gt;</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Field, Inherited = false)]
public sealed class PiXSqueezeAttribute : Attribute
{
    /// <summary>Squeeze factor ζ (integer or expression); inferred from the channel ratio when null.</summary>
    public object? Zeta { get; set; }
    /// <summary>Pick threshold τ; 0.5 by default.</summary>
    public double Tau { get; set; } = 0.5;
    /// <summary>Pick-or-mix (default) or an ablation mode.</summary>
    public PiXMode Mode { get; set; }
    /// <summary>Global context for φ: spatial mean (default) or l1.</summary>
    public PiXContext Context { get; set; }
    /// <summary>Whether φ's projection has a bias (off by default, as in the official code).</summary>
    public bool PhiBias { get; set; }
    /// <summary>Also replace the BatchNorm and activation that directly follow (true by default).</summary>
    public bool WithNormAndActivation { get; set; } = true;
}

/// <summary>
/// Network-wide PiX substitution: every channel-squeezing 1×1 convolution of the instantiated network
/// (kernel 1, stride 1, groups 1, C_out &lt; C_in, C_in divisible by C_out) in every block instance is
/// replaced by PiX with ζ = C_in / C_out, together with the BatchNorm and activation that follow it. Blocks
/// are specialised per network (generated nested classes), so the dense blocks stay dense elsewhere.
/// An info diagnostic (PIX0300) lists what was replaced.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class SubstitutePiXAttribute : Attribute
{
    /// <summary>
    /// Layer paths (state_dict prefixes such as <c>"layer1.0.conv1"</c>; <c>*</c> matches any characters) to
    /// replace even when the automatic rule would not: 1×1, stride-1, ungrouped convolutions with C_out ≤ C_in
    /// dividing C_in (C_out = C_in gives ζ = 1, SE-like gating).
    /// </summary>
    public string[]? Include { get; set; }
    /// <summary>Layer paths (with <c>*</c> wildcards) never to replace.</summary>
    public string[]? Exclude { get; set; }
    /// <summary>Pick threshold τ; 0.5 by default.</summary>
    public double Tau { get; set; } = 0.5;
    /// <summary>Pick-or-mix (default) or an ablation mode.</summary>
    public PiXMode Mode { get; set; }
    /// <summary>Global context for φ: spatial mean (default) or l1.</summary>
    public PiXContext Context { get; set; }
    /// <summary>Whether φ's projection has a bias (off by default).</summary>
    public bool PhiBias { get; set; }
    /// <summary>Also replace the BatchNorm and activation that directly follow each convolution (true by default).</summary>
    public bool WithNormAndActivation { get; set; } = true;
}
