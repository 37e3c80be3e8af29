using System;

namespace PiXGen;

/// <summary>
/// Opts a network into build-time variants. Without <see cref="Pin"/>, the MSBuild properties decide:
/// <c>PiXGenVariant</c> = <c>dense</c> (default) | <c>pix</c> | <c>downscale</c> | <c>prune</c>,
/// <c>PiXGenZeta</c> (downscale factor, 2 by default) and <c>PiXGenTarget</c> (prune target: a ratio of the dense
/// MACs such as <c>0.5</c>, or a MAC budget such as <c>2.0G</c>). The generated class keeps its name and public
/// surface; its <c>Variant</c> constant states what was built. Layers marked <see cref="NoVariantAttribute"/>
/// are left as declared. See docs/variants.md.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class VariantsAttribute : Attribute
{
    /// <summary>Builds this variant whatever the MSBuild property says (<c>dense</c>, <c>pix</c>, <c>downscale</c> or <c>prune</c>).</summary>
    public string? Pin { get; set; }
    /// <summary>Downscale factor ζ (2, 4 or 8) for a pinned <c>downscale</c>; 0 = from <c>PiXGenZeta</c> or 2.</summary>
    public int Zeta { get; set; }
    /// <summary>Prune target for a pinned <c>prune</c> (a ratio such as "0.5" or MACs such as "2.0G"); null = from <c>PiXGenTarget</c>.</summary>
    public string? Target { get; set; }
}

/// <summary>Keeps this layer as declared in every build-time variant (<see cref="VariantsAttribute"/>).</summary>
[AttributeUsage(AttributeTargets.Field, Inherited = false)]
public sealed class NoVariantAttribute : Attribute
{
}
