using System;
using System.Collections.Generic;
using PiXGen.Definitions;

namespace PiXGen.Costs;

/// <summary>Why the defined kinds' own values are obsolete: generated costs tag them <see cref="CostOp.Defined"/>.</summary>
internal static class CostOpNotes
{
    /// <summary>The message of the obsolete values.</summary>
    public const string DefinedNow = "This layer kind is a defined layer kind: its cost nodes have Op CostOp.Defined and Spec.Kind naming it.";
}

/// <summary>What a <see cref="CostNode"/> is: a container or one kind of layer.</summary>
public enum CostOp
{
    /// <summary>The network itself.</summary>
    Network,
    /// <summary>An instance of a [Block] class.</summary>
    Block,
    /// <summary>A Sequential member.</summary>
    Sequential,
    /// <summary>A group of [Branch] members: its children are the branches (Sequential nodes), merged.</summary>
    Parallel,
#pragma warning disable CS1591 // layer kinds named like the attributes
    [Obsolete(CostOpNotes.DefinedNow)] Conv2d, [Obsolete(CostOpNotes.DefinedNow)] BatchNorm2d,
    [Obsolete(CostOpNotes.DefinedNow)] ReLU, [Obsolete(CostOpNotes.DefinedNow)] ReLU6, [Obsolete(CostOpNotes.DefinedNow)] SiLU, [Obsolete(CostOpNotes.DefinedNow)] Sigmoid,
    [Obsolete(CostOpNotes.DefinedNow)] Hardswish,
    [Obsolete(CostOpNotes.DefinedNow)] Identity, [Obsolete(CostOpNotes.DefinedNow)] MaxPool2d, [Obsolete(CostOpNotes.DefinedNow)] AvgPool2d,
    [Obsolete(CostOpNotes.DefinedNow)] AdaptiveAvgPool2d, [Obsolete(CostOpNotes.DefinedNow)] Flatten, [Obsolete(CostOpNotes.DefinedNow)] Dropout, [Obsolete(CostOpNotes.DefinedNow)] Linear, [Obsolete(CostOpNotes.DefinedNow)] SqueezeExcitation, [Obsolete(CostOpNotes.DefinedNow)] PiX,
    [Obsolete(CostOpNotes.DefinedNow)] GELU, [Obsolete(CostOpNotes.DefinedNow)] LeakyReLU, [Obsolete(CostOpNotes.DefinedNow)] Hardsigmoid, [Obsolete(CostOpNotes.DefinedNow)] Tanh,
    [Obsolete(CostOpNotes.DefinedNow)] GroupNorm, [Obsolete(CostOpNotes.DefinedNow)] LayerNorm2d, [Obsolete(CostOpNotes.DefinedNow)] Upsample, [Obsolete(CostOpNotes.DefinedNow)] ConvTranspose2d, [Obsolete(CostOpNotes.DefinedNow)] AdaptiveMaxPool2d,
    [Obsolete(CostOpNotes.DefinedNow)] StochasticDepth, [Obsolete(CostOpNotes.DefinedNow)] ChannelShuffle, [Obsolete(CostOpNotes.DefinedNow)] LayerNorm, [Obsolete(CostOpNotes.DefinedNow)] LayerScale,
#pragma warning restore CS1591
    /// <summary>
    /// A layer kind defined in src/PiXGen.Definitions/DefinedKinds.cs (every kind of <c>DefinedKind.All</c>, the one list of
    /// them); its <see cref="CostNode.Spec"/> names it.
    /// </summary>
    Defined,
}

/// <summary>Where a node sits relative to its parent's residual connection.</summary>
public enum CostRole
{
    /// <summary>On the main path (or in a class without a residual add).</summary>
    Main,
    /// <summary>Computes the shortcut from the parent's input.</summary>
    Shortcut,
    /// <summary>Applied to the sum after the residual add.</summary>
    AfterAdd,
}

/// <summary>The compile-time figures of one leaf layer for the declared input size (batch 1).</summary>
/// <param name="OutputShape">Output shape of one sample (C, H, W) or (features).</param>
/// <param name="Parameters">Trainable parameters.</param>
/// <param name="Buffers">Non-trainable state (BatchNorm2d: running_mean, running_var, num_batches_tracked).</param>
/// <param name="Macs">Conv2d/Linear multiply-accumulates, bias excluded.</param>
/// <param name="MacsPaper">The paper convention (see docs/costs.md).</param>
public sealed record CostFigures(IReadOnlyList<long> OutputShape, long Parameters, long Buffers, long Macs, long MacsPaper);

/// <summary>
/// One node of a network's layer tree as PiXGen emits it into the generated <c>Cost</c>/<c>CostFor</c> members:
/// the layer's kind and resolved settings (enough to recompute shapes and costs for another input size with
/// <see cref="CostEvaluator"/>) and, for leaf layers, the figures the compiler computed.
/// </summary>
public sealed class CostNode
{
    private CostNode(CostOp op, string path, string type, CostRole role, bool residual, LayerSpec? spec,
        IReadOnlyList<CostNode> children, CostFigures? compiled)
    {
        Op = op; Path = path; Type = type; Role = role; Residual = residual; Spec = spec; Children = children; Compiled = compiled;
    }

    /// <summary>The kind of node.</summary>
    public CostOp Op { get; }

    /// <summary>state_dict prefix ("layer1.0.conv1"); empty for the network.</summary>
    public string Path { get; }

    /// <summary>Layer type or block class name.</summary>
    public string Type { get; }

    /// <summary>Position relative to the parent's residual add.</summary>
    public CostRole Role { get; }

    /// <summary>For blocks and networks: whether this instance adds a residual connection.</summary>
    public bool Residual { get; }

    /// <summary>
    /// A leaf layer's definition with its resolved settings (<c>Conv2dSpec</c>, <c>LinearSpec</c>, …; src/PiXGen.Definitions,
    /// shared with the generator): what <see cref="CostEvaluator"/> recomputes shapes and costs from. The in channels or
    /// features are what the module was built with; the evaluator checks the input it computes against them. Null for containers.
    /// </summary>
    public LayerSpec? Spec { get; }

    /// <summary>Children of a container, in declaration order (main path, shortcut, after the add).</summary>
    public IReadOnlyList<CostNode> Children { get; }

    /// <summary>The compiler's figures for a leaf layer at the declared input size; null for containers.</summary>
    public CostFigures? Compiled { get; }

    /// <summary>Whether this is a layer rather than a container.</summary>
    public bool IsLeaf => Op is not (CostOp.Network or CostOp.Block or CostOp.Sequential or CostOp.Parallel);

    /// <summary>A leaf layer with its compile-time figures.</summary>
    public static CostNode Layer(CostOp op, string path, string type, CostRole role, LayerSpec spec,
        long[] outputShape, long parameters, long buffers, long macs, long macsPaper)
        => new(op, path, type, role, false, spec ?? throw new ArgumentNullException(nameof(spec)), Array.Empty<CostNode>(),
            new CostFigures(outputShape, parameters, buffers, macs, macsPaper));

    /// <summary>A container (network, block instance or Sequential).</summary>
    public static CostNode Container(CostOp op, string path, string type, CostRole role, bool residual, params CostNode[] children)
        => new(op, path, type, role, residual, null, children, null);

    /// <summary>
    /// A [Dense] network or block instance: its output is its input concatenated with its children's output along
    /// the channels.
    /// </summary>
    public static CostNode DenseContainer(CostOp op, string path, string type, CostRole role, params CostNode[] children)
        => new(op, path, type, role, false, null, children, null) { Dense = true };

    /// <summary>
    /// A group of [Branch] members: each child is a branch (a <see cref="CostOp.Sequential"/> node) applied to the group's input
    /// (with <paramref name="split"/>, to its own equal chunk of the channels); the outputs are concatenated along the
    /// channels (<paramref name="concat"/>) or added.
    /// </summary>
    public static CostNode Parallel(string path, CostRole role, bool concat, bool split, params CostNode[] branches)
        => new(CostOp.Parallel, path, "Branches", role, false, null, branches, null) { Concat = concat, Split = split };

    /// <summary>For a <see cref="CostOp.Parallel"/> group: whether the branches are concatenated along the channels (else added).</summary>
    public bool Concat { get; private init; }

    /// <summary>For a <see cref="CostOp.Parallel"/> group: whether each branch takes its own equal chunk of the input's channels.</summary>
    public bool Split { get; private init; }

    /// <summary>For a [Dense] container: the output is cat(input, children's output) along the channels.</summary>
    public bool Dense { get; private init; }

    /// <summary>Leaf layers below this node in execution order.</summary>
    public IEnumerable<CostNode> Leaves()
    {
        if (IsLeaf) { yield return this; yield break; }
        foreach (var c in Children)
            foreach (var l in c.Leaves())
                yield return l;
    }
}
