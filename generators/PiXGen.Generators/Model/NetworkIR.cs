using System.Collections.Generic;
using System.Globalization;

namespace PiXGen.Generators.Model;

// The instantiated network: every layer of every block instance with concrete settings and shapes,
// produced by Analysis/ShapeInference for a [Network] with its default arguments. Cost accounting,
// PiX substitution and variant selection read (and rewrite) this tree.

/// <summary>Shape of one sample: rank 3 (C×H×W) or rank 1 (features).</summary>
public readonly record struct Shape(int Rank, long C, long H, long W)
{
    public static Shape Map(long c, long h, long w) => new(3, c, h, w);
    public static Shape Vector(long f) => new(1, f, 1, 1);
    public long Elements => Rank == 3 ? C * H * W : C;
    /// <summary>A rank-3 sample held H×W×C (after [Permute(0, 2, 3, 1)]); see Definitions.Dims.</summary>
    public bool ChannelsLast { get; init; }
    /// <summary>A channels-first C×H×W map.</summary>
    public bool IsMap => Rank == 3 && !ChannelsLast;
    public static implicit operator Definitions.Dims(Shape s) => new(s.Rank, s.C, s.H, s.W) { ChannelsLast = s.ChannelsLast };
    public static implicit operator Shape(Definitions.Dims d) => new(d.Rank, d.C, d.H, d.W) { ChannelsLast = d.ChannelsLast };
    public override string ToString() => Rank != 3 ? C.ToString(CultureInfo.InvariantCulture)
        : ChannelsLast ? string.Format(CultureInfo.InvariantCulture, "{0}x{1}x{2} (channels last)", H, W, C)
        : string.Format(CultureInfo.InvariantCulture, "{0}x{1}x{2}", C, H, W);
    /// <summary>The shape in memory order (H, W, C when channels last).</summary>
    public string ToArrayLiteral() => Rank != 3 ? C.ToString(CultureInfo.InvariantCulture)
        : ChannelsLast ? string.Format(CultureInfo.InvariantCulture, "{0}, {1}, {2}", H, W, C)
        : string.Format(CultureInfo.InvariantCulture, "{0}, {1}, {2}", C, H, W);
}

/// <summary>
/// Kinds of nodes. <see cref="Parallel"/>: a group of [Branch] members, whose children are the branches (each a
/// <see cref="Sequential"/>-kind node named after the branch, holding its members); Settings "Merge" (concat|add)
/// and "Split" (true|false).
/// </summary>
public enum NodeKind { Network, Block, Sequential, Layer, Parallel }

/// <summary>Where a node sits relative to its class's residual connection.</summary>
public enum NodeRole { Main, Shortcut, AfterAdd }

/// <summary>
/// Where an instantiated node was declared: item <paramref name="Item"/> of member <paramref name="Member"/> of class
/// <paramref name="Class"/> (fully qualified). Passes use it to go from an instance back to the declaration that makes it.
/// </summary>
public readonly record struct DeclRef(string Class, string Member, int Item)
{
    /// <summary>Whether the node was declared in class <paramref name="fullName"/> itself (not in a block inlined into it).</summary>
    public bool In(string fullName) => Class == fullName;

    /// <summary>The declaring member, looked up in <paramref name="network"/> or <paramref name="blocks"/>; null when neither has it.</summary>
    public LayerMember? Find(ClassDecl network, IReadOnlyDictionary<string, ClassDecl> blocks)
    {
        var cls = Class == network.FullName ? network : blocks.TryGetValue(Class, out var b) ? b : null;
        if (cls is null) return null;
        foreach (var m in cls.Members) if (m.Name == Member) return m;
        return null;
    }
}

/// <summary>One node of the instantiated network.</summary>
/// <param name="Name">Local PyTorch name ("conv1", "0").</param>
/// <param name="Path">Full state_dict prefix ("layer1.0.conv1"); empty for the network.</param>
/// <param name="Op">Layer kind name ("Conv2d"), block class name, "Sequential", or the network name.</param>
/// <param name="Settings">Resolved settings of a layer (integers and flags as invariant text) or a block's arguments.</param>
/// <param name="Parameters">Trainable parameters of this node and everything below it.</param>
/// <param name="Residual">For blocks and networks: whether a residual add happens in this instance.</param>
public sealed record LayerNode(
    NodeKind Kind,
    LayerKind? Layer,
    string Name,
    string Path,
    string Op,
    Shape In,
    Shape Out,
    EquatableArray<Setting> Settings,
    long Parameters,
    NodeRole Role,
    bool Residual,
    EquatableArray<LayerNode> Children,
    /// <summary>Where the node was declared (see <see cref="DeclRef"/>); null for Sequential containers and networks.</summary>
    DeclRef? Origin = null,
    /// <summary>For blocks: the class that builds this instance (global::...), a PiX-specialised variant included.</summary>
    string? Class = null,
    /// <summary>For [Dense] blocks and networks: the output is cat(input, children's output) along the channels.</summary>
    bool Dense = false)
{
    public string? Get(string name)
    {
        foreach (var s in Settings) if (s.Name == name) return s.Value;
        return null;
    }

    /// <summary>
    /// An integer setting. A per-axis pair ("1×7") reads as its larger side, so code that expects square settings never
    /// takes a 1×7 kernel or a 2×1 stride for 1; per-axis code reads both sides (CostModel.Axes).
    /// </summary>
    public long GetInt(string name, long fallback = 0)
    {
        var text = Get(name);
        if (text is not null && text.IndexOf(Setting.PairSeparator) >= 0)
        {
            var (h, w) = Setting.Split(text);
            if (long.TryParse(h, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var vh)
                && long.TryParse(w, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var vw))
                return System.Math.Max(vh, vw);
        }
        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : fallback;
    }
}
