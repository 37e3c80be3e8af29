using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using PiXGen.Generators.Definitions;
using PiXGen.Generators.Diagnostics;
using PiXGen.Generators.Model;

namespace PiXGen.Generators.Analysis;

/// <summary>
/// Build-time variants of [Variants] networks (stage 2): picks the variant from the pin or the MSBuild
/// properties and decides per instance on the dense network's IR which convolutions change; <see cref="PiXPass"/>
/// computes the resulting network and <see cref="PiXRewriter.Apply"/> specialises the declarations it is emitted from.
/// <list type="bullet">
/// <item><c>pix</c>: every channel-squeezing 1×1 convolution on a main path becomes PiX (with its BN and activation).</item>
/// <item><c>downscale</c>: a PiX with factor ζ goes in front of every ungrouped k×k convolution (any k) on a main
/// path (a [Branch] member's included) whose input channels ζ divides; the convolution then takes C/ζ channels.
/// Shortcut (projection) convolutions, layers of inlined blocks and layers marked [NoVariant] are left alone; an RGB
/// stem (3 channels) is never divisible.</item>
/// <item><c>prune</c>: the same placement with ζ ∈ {2, 4, 8} chosen per layer, greedily by MAC saving, until the
/// network meets the target with the fewest layers changed.</item>
/// </list>
/// </summary>
public static class VariantSelector
{
    public static readonly string[] Kinds = { "dense", "pix", "downscale", "prune" };
    private static readonly int[] Zetas = { 2, 4, 8 };

    /// <summary>The selected variant: kind, ζ (downscale) and MAC target (prune, as written).</summary>
    public sealed record Choice(string Kind, int Zeta, string? Target);

    /// <summary>Reads the pin or the properties; null (with PIX0401/PIX0403) when they are invalid.</summary>
    public static Choice? Select(ClassDecl network, BuildOptions options, List<DiagnosticInfo> diagnostics)
    {
        var v = network.Variants!;
        if (network.Substitution is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.VariantConflict, v.Location, network.Name,
                "[Variants] and [SubstitutePiX] both rewrite the network; use [Variants(Pin = \"pix\")] or [SubstitutePiX], not both"));
            return null;
        }
        string kind = (v.Pin ?? options.Variant ?? "dense").Trim().ToLowerInvariant();
        string source = v.Pin is not null ? "[Variants(Pin)]" : options.Variant is not null ? "PiXGenVariant" : "default";
        if (!Kinds.Contains(kind))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidVariantValue, v.Location, network.Name, source,
                v.Pin ?? options.Variant, string.Join(", ", Kinds)));
            return null;
        }
        int zeta = 2;
        if (v.Zeta != 0) zeta = v.Zeta;
        else if (options.Zeta is { } z && !string.IsNullOrWhiteSpace(z))
        {
            if (!int.TryParse(z.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out zeta)) zeta = -1;
        }
        if (kind == "downscale" && !Zetas.Contains(zeta))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidVariantValue, v.Location, network.Name,
                v.Zeta != 0 ? "[Variants(Zeta)]" : "PiXGenZeta", v.Zeta != 0 ? v.Zeta.ToString(CultureInfo.InvariantCulture) : options.Zeta, "2, 4, 8"));
            return null;
        }
        if (v.Pin is not null && v.Zeta != 0 && kind != "downscale")
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.VariantConflict, v.Location, network.Name,
                $"Zeta = {v.Zeta} is pinned but the pinned variant is '{kind}'; Zeta applies to 'downscale' (prune chooses ζ per layer)"));
            return null;
        }
        string? target = v.Target ?? options.Target;
        if (kind == "prune")
        {
            if (string.IsNullOrWhiteSpace(target) || ParseTarget(target!, 1) is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidVariantValue, v.Location, network.Name,
                    v.Target is not null ? "[Variants(Target)]" : "PiXGenTarget", target ?? "(none)",
                    "a ratio of the dense MACs in (0, 1], e.g. 0.5, or a MAC budget such as 2.0G, 800M, 1500000000"));
                return null;
            }
        }
        return new Choice(kind, zeta, target);
    }

    /// <summary>"0.5" → ratio × dense MACs; "2.0G"/"800M"/"1500000000" → absolute MACs.</summary>
    public static long? ParseTarget(string text, long denseMacs)
    {
        if (!Quantity.TrySplit(text, out var t, out var suffix)) return null;
        double scale = (double)suffix;
        if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value <= 0 || double.IsInfinity(value)) return null;
        if (scale == 1 && value <= 1) return (long)System.Math.Floor(value * denseMacs); // a ratio
        return (long)System.Math.Floor(value * scale);
    }

    /// <summary>The PiX actions per convolution path, and a label for the Variant constant. Null on PIX0402.</summary>
    public static (Dictionary<string, PiXRewriter.PiXAction> Actions, string Label, string Details)? Decide(Choice choice, ClassDecl network,
        IReadOnlyDictionary<string, ClassDecl> blocks, LayerNode dense, long denseMacs, List<DiagnosticInfo> diagnostics)
    {
        var actions = new Dictionary<string, PiXRewriter.PiXAction>();
        var convs = PiXRewriter.Convolutions(dense).Where(c => !c.Inlined).Select(c => c.Conv)
            .Where(c => c.Role != NodeRole.Shortcut && !OptedOut(c, network, blocks)).ToList();
        switch (choice.Kind)
        {
            case "dense":
                return (actions, "dense", "as declared");
            case "pix":
                foreach (var c in convs.Where(PiXRewriter.IsSqueeze))
                    actions[c.Path] = new PiXRewriter.PiXAction(false, 0);
                return (actions, "pix", $"{actions.Count} squeeze convolutions replaced by PiX");
            case "downscale":
                foreach (var c in convs.Where(c => Downscalable(c, choice.Zeta)))
                    actions[c.Path] = new PiXRewriter.PiXAction(true, choice.Zeta);
                return (actions, $"downscale(ζ={choice.Zeta})", $"PiX ζ={choice.Zeta} in front of {actions.Count} convolutions");
            default:
            {
                long target = ParseTarget(choice.Target!, denseMacs)!.Value;
                long needed = denseMacs - target;
                var candidates = convs.Where(c => Downscalable(c, 2)).OrderByDescending(c => Saving(c, MaxZeta(c))).ThenBy(c => c.Path, System.StringComparer.Ordinal).ToList();
                long maxSaving = candidates.Sum(c => System.Math.Max(0, Saving(c, MaxZeta(c))));
                if (needed > maxSaving)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnreachableTarget, network.Variants!.Location, network.Name,
                        choice.Target, CostDiagnostics.Grouped(target), CostDiagnostics.Grouped(denseMacs - maxSaving), candidates.Count));
                    return null;
                }
                var chosen = new List<string>();
                foreach (var c in candidates)
                {
                    if (needed <= 0) break;
                    int zeta = MaxZeta(c);
                    foreach (var z in Zetas) if (c.GetInt("InChannels") % z == 0 && Saving(c, z) >= needed) { zeta = z; break; }
                    long saving = Saving(c, zeta);
                    if (saving <= 0) continue;
                    actions[c.Path] = new PiXRewriter.PiXAction(true, zeta);
                    chosen.Add($"{c.Path} ζ={zeta}");
                    needed -= saving;
                }
                return (actions, $"prune(target {choice.Target}: {actions.Count} layer{(actions.Count == 1 ? "" : "s")})", string.Join(", ", chosen));
            }
        }
    }

    private static bool OptedOut(LayerNode conv, ClassDecl network, IReadOnlyDictionary<string, ClassDecl> blocks)
        => conv.Origin?.Find(network, blocks)?.NoVariant == true;

    private static bool Downscalable(LayerNode c, int zeta)
        => c.GetInt("Groups", 1) == 1 && c.GetInt("InChannels") % zeta == 0 && c.GetInt("InChannels") / zeta >= 1;

    private static int MaxZeta(LayerNode c)
    {
        long cin = c.GetInt("InChannels");
        return cin % 8 == 0 ? 8 : cin % 4 == 0 ? 4 : 2;
    }

    /// <summary>MACs saved by a PiX with factor ζ in front of <paramref name="c"/>: the conv's MACs shrink by ζ, φ adds C·C/ζ.</summary>
    public static long Saving(LayerNode c, int zeta)
    {
        // Both sides by the shared definitions: the convolution as it is, and PiX (ζ, no φ bias) followed by the same
        // convolution on ⌈C_in/ζ⌉ channels. A per-axis kernel (1×7) reads kh·kw weights, not the larger side squared.
        var conv = (Conv2dSpec)CostModel.Spec(c);
        var pix = new PiXSpec(zeta, conv.InChannels, false);
        var squeezed = pix.Output(c.In);
        long before = conv.Macs(c.In, c.Out);
        long after = pix.Macs(c.In, squeezed) + (conv with { InChannels = squeezed.C }).Macs(squeezed, c.Out);
        return before - after;
    }
}
