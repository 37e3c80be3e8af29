using System;
using System.Collections.Generic;
using System.Linq;
using PiXGen.PiX;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

using PiXGen.Definitions;
namespace PiXGen.Graph;

/// <summary>
/// Runs a <see cref="NetworkGraph"/> with TorchSharp functional operations on a set of weights (state_dict names →
/// tensors), with eval semantics: BatchNorm uses its running statistics, Dropout and StochasticDepth are the identity,
/// no autograd graph is recorded. Because it reads nothing but the graph and the weights, running it next to the
/// generated module is an independent check that the graph describes the module. It also runs fused graphs
/// (<see cref="GraphFusion"/>).
/// </summary>
/// <example><code>
/// using var model = new ResNet18();
/// model.eval();
/// var executor = GraphExecutor.ForModule(model);      // the module's Graph and state_dict
/// var y = executor.Run(torch.randn(2, 3, 224, 224));  // equals model.forward(x)
/// </code></example>
public sealed class GraphExecutor
{
    private readonly Func<string, Tensor?> weight;
    private readonly List<string>[] freeAfter;

    /// <summary>An executor of <paramref name="graph"/> on <paramref name="weights"/> (checked now: every parameter
    /// the graph reads must be there with the expected shape). The tensors are used as they are, not copied.</summary>
    public GraphExecutor(NetworkGraph graph, IReadOnlyDictionary<string, Tensor> weights)
        : this(graph, key => weights.TryGetValue(key, out var t) ? t : null)
    {
        if (weights is null) throw new ArgumentNullException(nameof(weights));
    }

    /// <summary>An executor that looks each parameter up through <paramref name="weight"/> at every run (null: absent).</summary>
    public GraphExecutor(NetworkGraph graph, Func<string, Tensor?> weight)
    {
        Graph = graph ?? throw new ArgumentNullException(nameof(graph));
        this.weight = weight ?? throw new ArgumentNullException(nameof(weight));
        GraphOps.Validate(graph);
        GraphOps.ValidateWeights(graph, weight);
        freeAfter = LastUses(graph);
    }

    /// <summary>The executor of a generated network: its <see cref="IHasGraph.Graph"/> on its state_dict.</summary>
    public static GraphExecutor ForModule(IHasGraph module)
    {
        if (module is not nn.Module m)
            throw new ArgumentException($"{module?.GetType().Name ?? "null"} implements IHasGraph but is not a TorchSharp module, so it has no state_dict.", nameof(module));
        return new GraphExecutor(module.Graph, m.state_dict());
    }

    /// <summary>The graph this executor runs.</summary>
    public NetworkGraph Graph { get; }

    /// <summary>Runs the graph on <paramref name="input"/> (N, C, H, W) and returns the network output.</summary>
    /// <exception cref="ArgumentException">The input is not (N, C, H, W) with the graph's C.</exception>
    public Tensor Run(Tensor input)
    {
        if (input is null) throw new ArgumentNullException(nameof(input));
        if (input.dim() != 4 || input.shape[1] != Graph.InputShape[0])
            throw new ArgumentException(
                $"Graph '{Graph.Network}' expects input (N, {Graph.InputShape[0]}, H, W) (declared {string.Join("x", Graph.InputShape)}); got [{GraphOps.Join(input.shape)}].",
                nameof(input));
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var values = new Dictionary<string, Tensor>(StringComparer.Ordinal) { [NetworkGraph.InputName] = input };
        for (int i = 0; i < Graph.Nodes.Count; i++) {
            var node = Graph.Nodes[i];
            var xs = new Tensor[node.Inputs.Length];
            for (int j = 0; j < xs.Length; j++) xs[j] = values[node.Inputs[j]];
            Tensor y;
            try {
                y = Evaluate(node, xs, weight);
            } catch (Exception ex) when (ex is ArgumentException or System.Runtime.InteropServices.ExternalException or InvalidOperationException) {
                throw new InvalidOperationException(
                    $"Graph '{Graph.Network}', node '{node.Output}' ({node.Op}{(node.Module is null ? "" : ", module '" + node.Module + "'")}) " +
                    $"failed on input(s) {string.Join(", ", xs.Select(x => "[" + GraphOps.Join(x.shape) + "]"))}: {ex.Message}", ex);
            }
            values[node.Output] = y;
            foreach (var dead in freeAfter[i]) {
                values[dead].Dispose();
                values.Remove(dead);
            }
        }
        return values[Graph.Output].MoveToOuterDisposeScope();
    }

    /// <summary>Runs <paramref name="graph"/> on <paramref name="weights"/> once.</summary>
    public static Tensor Run(NetworkGraph graph, IReadOnlyDictionary<string, Tensor> weights, Tensor input) =>
        new GraphExecutor(graph, weights).Run(input);

    /// <summary>For each node, the values whose last reader it is (never the input or the output).</summary>
    private static List<string>[] LastUses(NetworkGraph graph)
    {
        var last = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < graph.Nodes.Count; i++)
            foreach (var v in graph.Nodes[i].Inputs) last[v] = i;
        var result = new List<string>[graph.Nodes.Count];
        for (int i = 0; i < result.Length; i++) result[i] = new List<string>();
        foreach (var (v, i) in last)
            if (v != NetworkGraph.InputName && v != graph.Output) result[i].Add(v);
        // A value nobody reads (and that is not the output) is freed right after it is made.
        for (int i = 0; i < graph.Nodes.Count; i++) {
            var o = graph.Nodes[i].Output;
            if (!last.ContainsKey(o) && o != graph.Output) result[i].Add(o);
        }
        return result;
    }

    // ------------------------------------------------------------------ op semantics

    /// <summary>The result of one node on its inputs (a new tensor; inputs are left untouched).</summary>
    internal static Tensor Evaluate(GraphNode n, Tensor[] xs, Func<string, Tensor?> weight)
    {
        Tensor W(string leaf) => weight(n.Module + "." + leaf) ?? throw new ArgumentException($"'{n.Module}.{leaf}' is missing from the weights.");
        Tensor? Opt(string leaf) => n.Module is null ? null : weight(KindTensor.Key(n.Module, leaf));
        var x = xs[0];
        switch (n.Op) {
        case "Add": {
                var sum = xs[0] + xs[1];
                for (int i = 2; i < xs.Length; i++) sum.add_(xs[i]);
                return sum;
            }
        case "Mul":
            return xs[0] * xs[1];
        case "Concat":
            return cat(xs, 1);
        case "ChannelSlice":
            return x.narrow(1, n.GetInt("start"), n.GetInt("count")).contiguous();
        default:
            // PiX with its fused epilogue or activation (GraphFusion), which its definition's Apply does not say.
            if (DefinedKind.PiX.Is(n.Op)) return PiX(n, x, W, Opt);
            // A defined kind's node may carry a fused activation (fusion gives one to the kinds it folds into).
            if (DefinedKind.All.TryGetValue(n.Op, out var kind)) return Fused(n, kind.Apply(x, GraphOps.Settings(kind, n), Opt));
            if (GraphOps.Activations.Contains(n.Op)) return Activate(n.Op, x, n, "");
            throw new ArgumentException($"unknown op '{n.Op}'.");
        }
    }

    /// <summary>Applies the node's fused activation (if any) in place to the fresh result <paramref name="y"/>.</summary>
    private static Tensor Fused(GraphNode n, Tensor y)
    {
        if (n.Get("activation") is not { } act) return y;
        if (act == "ReLU") return y.relu_();
        using (y) return Activate(act, y, n, GraphOps.ActivationPrefix);
    }

    /// <summary>The activation <paramref name="op"/>; its attributes are read from <paramref name="n"/> with
    /// <paramref name="prefix"/> ("" for an activation node, "activation_" for a fused one).</summary>
    internal static Tensor Activate(string op, Tensor x, GraphNode n, string prefix) => op switch {
        _ when DefinedKind.All.TryGetValue(op, out var kind) => kind.Apply(x, GraphOps.Settings(kind, n, prefix)),
        _ => throw new ArgumentException($"unknown activation '{op}'."),
    };

    /// <summary>PiX: p = sigmoid(W·z + b) from the context z (spatial mean or l1 norm), then the operator, then (in a
    /// fused graph) the per-channel epilogue and activation.</summary>
    private static Tensor PiX(GraphNode n, Tensor x, Func<string, Tensor> w, Func<string, Tensor?> opt)
    {
        using var scope = NewDisposeScope();
        long c = n.GetInt("in"), co = n.GetInt("out");
        int zeta = checked((int)n.GetInt("zeta"));
        double tau = n.GetDouble("tau", 0.5);
        var mode = (PiXMode)n.GetInt("mode");
        var context = n.GetInt("context") == (long)PiXContext.L1 ? PiXContext.L1 : PiXContext.Mean;
        var p = PiXLayer.Gate(x, context, w("weight"), n.GetBool("bias") ? w("bias") : null, tau, mode).p;   // PiXLayer's decision rule
        Tensor y;
        if (n.GetBool("epilogue")) {
            var act = n.Get("activation");
            var kernelAct = act switch { "ReLU" => PiXEpilogueActivation.ReLU, "ReLU6" => PiXEpilogueActivation.ReLU6, _ => PiXEpilogueActivation.None };
            y = PiXEpilogue.pix_affine(x, p, zeta, tau, mode, w(GraphFusion.EpilogueScale), w(GraphFusion.EpilogueShift), kernelAct);
            if (act is not null && kernelAct == PiXEpilogueActivation.None) y = Activate(act, y, n, GraphOps.ActivationPrefix);
        } else {
            y = PiXFunctional.pix(x, p, zeta, tau, mode);
            if (n.Get("activation") is { } act) y = Activate(act, y, n, GraphOps.ActivationPrefix);
        }
        return y.MoveToOuterDisposeScope();
    }
}
