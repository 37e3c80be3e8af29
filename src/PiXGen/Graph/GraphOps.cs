using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

using PiXGen.Definitions;

namespace PiXGen.Graph;

/// <summary>
/// What every consumer of a <see cref="NetworkGraph"/> (executor, fusion, ONNX export) agrees on: the known ops,
/// the parameters each op reads from the weights, and a structural check with one clear error per problem.
/// </summary>
/// <remarks>
/// Besides the ops of the contract, fused graphs (<see cref="GraphFusion"/>) use these attributes:
/// <c>activation</c> on <c>Conv2d</c>, <c>ConvTranspose2d</c>, <c>Linear</c> and <c>PiX</c> (an activation op applied to
/// the node's result; its own attributes are prefixed: <c>activation_slope</c>, <c>activation_approximate</c>), and
/// <c>epilogue</c> = true on <c>PiX</c>: the result is multiplied by <c>Module.epilogue_scale</c> and shifted by
/// <c>Module.epilogue_shift</c> (per output channel) before the activation.
/// </remarks>
public static class GraphOps
{
    /// <summary>Activation ops (no parameters; one input).</summary>
    public static readonly IReadOnlySet<string> Activations =
        DefinedKind.All.Values.Where(k => k.IsActivation).Select(k => k.Name).ToHashSet(StringComparer.Ordinal);

    /// <summary>Ops that are the identity in eval mode.</summary>
    public static readonly IReadOnlySet<string> EvalIdentities =
        DefinedKind.All.Values.Where(k => k.EvalIdentity).Select(k => k.Name).ToHashSet(StringComparer.Ordinal);

    /// <summary>Every op of the contract.</summary>
    public static readonly IReadOnlySet<string> All = new HashSet<string>(
        new[] {
            "Add", "Mul", "Concat", "ChannelSlice",
        }.Concat(Activations).Concat(DefinedKind.All.Values.Where(k => !k.Composite).Select(k => k.Name)), StringComparer.Ordinal);

    /// <summary>The attribute name prefix of a fused activation's own attributes.</summary>
    public const string ActivationPrefix = "activation_";

    /// <summary>One parameter or buffer a node reads: its state_dict key, expected shape, whether it may be absent.</summary>
    public readonly record struct WeightSpec(string Key, long[] Shape, bool Optional);

    /// <summary>The parameters and buffers <paramref name="node"/> reads from the weights.</summary>
    public static IEnumerable<WeightSpec> Weights(GraphNode node)
    {
        if (node.Module is not { } m) yield break;
        string K(string leaf) => m + "." + leaf;
        long C(string name) => node.GetInt(name);
        if (DefinedKind.All.TryGetValue(node.Op, out var kind))
            foreach (var t in kind.Tensors(Settings(kind, node)).Where(t => !t.Counter))
                yield return new(KindTensor.Key(m, t.Leaf), t.Shape, t.Optional);
        // A PiX node with a BatchNorm folded into its epilogue (GraphFusion) reads the epilogue's scale and shift too.
        if (DefinedKind.PiX.Is(node.Op) && node.GetBool("epilogue")) {
            yield return new(K(GraphFusion.EpilogueScale), new[] { C("out") }, false);
            yield return new(K(GraphFusion.EpilogueShift), new[] { C("out") }, false);
        }
    }

    /// <summary>The setting values of a defined kind's node (<paramref name="prefix"/>: "activation_" for a fused activation).</summary>
    public static IReadOnlyList<double> Settings(DefinedKind kind, GraphNode node, string prefix = "")
        => kind.Read(s => node.Get(prefix + s.GraphName));

    /// <summary>
    /// Checks the structure of <paramref name="graph"/>: known ops, unique outputs, every input produced by an earlier
    /// node (topological order), the right number of inputs, and an output that exists.
    /// </summary>
    /// <exception cref="ArgumentException">The first problem, naming the network and the node.</exception>
    public static void Validate(NetworkGraph graph)
    {
        if (graph is null) throw new ArgumentNullException(nameof(graph));
        var seen = new HashSet<string>(StringComparer.Ordinal) { NetworkGraph.InputName };
        if (graph.InputShape is null || graph.InputShape.Length != 3)
            throw new ArgumentException($"Graph '{graph.Network}': the input shape must be (C, H, W); got [{Join(graph.InputShape)}].", nameof(graph));
        foreach (var n in graph.Nodes) {
            string where = $"Graph '{graph.Network}', node '{n.Output}' ({n.Op})";
            if (!All.Contains(n.Op))
                throw new ArgumentException($"{where}: unknown op '{n.Op}'. Known ops: {string.Join(", ", All.OrderBy(o => o, StringComparer.Ordinal))}.", nameof(graph));
            foreach (var i in n.Inputs)
                if (!seen.Contains(i))
                    throw new ArgumentException($"{where} reads '{i}', which no earlier node produces (nodes must be in topological order).", nameof(graph));
            int arity = n.Inputs.Length;
            bool arityOk = n.Op switch {
                "Add" => arity >= 2,
                "Concat" => arity >= 1,
                "Mul" => arity == 2,
                _ => arity == 1,
            };
            if (!arityOk)
                throw new ArgumentException($"{where} has {arity} input(s) [{string.Join(", ", n.Inputs)}]; {n.Op} takes {(n.Op == "Add" ? "two or more" : n.Op == "Mul" ? "two" : "one")}.", nameof(graph));
            if (n.Get("activation") is { } act && !Activations.Contains(act))
                throw new ArgumentException($"{where}: unknown fused activation '{act}'.", nameof(graph));
            if (DefinedKind.PiX.Is(n.Op)) {
                long inC = n.GetInt("in"), outC = n.GetInt("out"), zeta = n.GetInt("zeta");
                if (zeta < 1 || inC < 1 || outC != Arithmetic.PiXChannels(inC, zeta))
                    throw new ArgumentException($"{where}: in = {inC}, zeta = {zeta} gives ceil(in / zeta) = {(zeta < 1 ? 0 : Arithmetic.PiXChannels(inC, zeta))} output channels, but out = {outC}.", nameof(graph));
            }
            if (!seen.Add(n.Output))
                throw new ArgumentException($"{where}: the value '{n.Output}' is produced twice.", nameof(graph));
        }
        if (!seen.Contains(graph.Output))
            throw new ArgumentException($"Graph '{graph.Network}': the output '{graph.Output}' is not produced by any node.", nameof(graph));
    }

    /// <summary>
    /// Checks that the weights (looked up by <paramref name="weight"/>; null: absent) hold every parameter the graph reads, with the expected shape.
    /// </summary>
    /// <exception cref="ArgumentException">The first missing or misshapen entry, naming node, key and shapes.</exception>
    public static void ValidateWeights(NetworkGraph graph, Func<string, TorchSharp.torch.Tensor?> weight)
    {
        foreach (var n in graph.Nodes)
            foreach (var spec in Weights(n)) {
                var t = weight(spec.Key);
                string where = $"Graph '{graph.Network}', node '{n.Output}' ({n.Op}, module '{n.Module}')";
                if (t is null) {
                    if (spec.Optional) continue;
                    throw new ArgumentException($"{where} needs '{spec.Key}' of shape [{Join(spec.Shape)}], which the weights do not have.", "weights");
                }
                if (!t.shape.SequenceEqual(spec.Shape))
                    throw new ArgumentException($"{where}: '{spec.Key}' has shape [{Join(t.shape)}]; the graph expects [{Join(spec.Shape)}].", "weights");
            }
    }

    internal static string Join(IEnumerable<long>? shape) => shape is null ? "" : string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));

    /// <summary>The per-sample shape of <paramref name="value"/> (the input's, or its producer's).</summary>
    internal static long[] ShapeOf(NetworkGraph graph, string value) =>
        value == NetworkGraph.InputName ? graph.InputShape : graph.Producer(value)!.Shape;
}
