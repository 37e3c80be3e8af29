using System.Collections.Generic;
using System.Linq;
using PiXGen.Generators.Definitions;
using PiXGen.Generators.Model;

namespace PiXGen.Generators.Analysis;

/// <summary>The compile-time cost of one leaf layer (a module that computes), batch 1, float32.</summary>
/// <param name="Path">state_dict prefix ("layer1.0.conv1").</param>
/// <param name="Type">Layer type name ("Conv2d").</param>
/// <param name="Parameters">Trainable parameters.</param>
/// <param name="Buffers">Non-trainable state (BatchNorm2d: running_mean, running_var, num_batches_tracked).</param>
/// <param name="Macs">Conv2d/Linear multiply-accumulates, bias excluded (torchvision's "GFLOPS").</param>
/// <param name="MacsPaper">The paper (ptflops-style) convention: MACs + bias adds + 2 per BatchNorm output element
/// + 1 per activation output element + 1 per pooling input element.</param>
public sealed record LayerCost(string Path, string Type, LayerKind Kind, Shape Out, long Parameters, long Buffers, long Macs, long MacsPaper)
{
    /// <summary>Bytes of this layer's output at batch 1, float32.</summary>
    public long OutputBytes => Out.Elements * CostModel.BytesPerElement;
}

/// <summary>The compile-time cost of a whole network: its leaf layers in execution order and the totals.</summary>
public sealed record NetworkCost(
    EquatableArray<LayerCost> Layers,
    long Parameters,
    long Buffers,
    long Macs,
    long MacsPaper,
    long ActivationBytes,
    long PeakActivationBytes)
{
    /// <summary>The <paramref name="count"/> layers with the most MACs (ties: execution order).</summary>
    public IEnumerable<LayerCost> CostliestByMacs(int count) => Layers.OrderByDescending(l => l.Macs).Take(count);

    /// <summary>The <paramref name="count"/> layers with the most parameters (ties: execution order).</summary>
    public IEnumerable<LayerCost> CostliestByParameters(int count) => Layers.OrderByDescending(l => l.Parameters).Take(count);
}

/// <summary>
/// Stage 2, costs: a pure function of the instantiated network (<see cref="LayerNode"/>). The definitions
/// (docs/costs.md) are:
/// <list type="bullet">
/// <item>MACs: Conv2d Cout·(Cin/g)·kh·kw·Hout·Wout, ConvTranspose2d Cin·(Cout/g)·kh·kw·Hin·Win, Linear in·out, squeeze-and-excitation its two 1×1
/// convolutions C·S + S·C; bias excluded. Everything else 0.</item>
/// <item>Paper convention: MACs + one add per output element of a layer with bias + 2 per BatchNorm2d
/// output element + 1 per ReLU/ReLU6/SiLU/Sigmoid/Hardswish output element + 1 per MaxPool2d/AvgPool2d/
/// AdaptiveAvgPool2d input element. Residual adds, the sigmoid and scaling inside squeeze-and-excitation
/// and the PiX operator count 0.</item>
/// <item>Activation memory: Σ over every leaf layer of its output bytes (batch 1, float32).</item>
/// <item>Peak live activation memory: the largest sum of live tensors at any allocation of an
/// inference forward in which a tensor is freed after its last use (see <see cref="PeakBytes"/>).</item>
/// </list>
/// Every per-layer figure is the layer's shared definition (<see cref="Spec"/>, src/PiXGen.Definitions), which the
/// run-time evaluator <c>PiXGen.Costs.CostEvaluator</c> reads too.
/// </summary>
public static class CostModel
{
    public const long BytesPerElement = 4;

    /// <summary>Costs of <paramref name="network"/>'s leaf layers and their totals.</summary>
    public static NetworkCost Compute(LayerNode network)
    {
        var layers = new List<LayerCost>();
        foreach (var leaf in Leaves(network)) layers.Add(Layer(leaf));
        return new NetworkCost(layers.ToEquatableArray(),
            Total(layers, l => l.Parameters), Total(layers, l => l.Buffers), Total(layers, l => l.Macs), Total(layers, l => l.MacsPaper),
            Total(layers, l => l.OutputBytes), PeakBytes(network));
    }

    // Unchecked like the shape arithmetic: an absurd declaration (2^31-wide inputs) must not crash the generator.
    private static long Total(List<LayerCost> layers, System.Func<LayerCost, long> value)
    {
        long total = 0;
        foreach (var l in layers) total = unchecked(total + value(l));
        return total;
    }

    /// <summary>The leaf layers below <paramref name="node"/>, in execution order (main path, shortcut, after the add).</summary>
    public static IEnumerable<LayerNode> Leaves(LayerNode node)
    {
        if (node.Kind == NodeKind.Layer) { yield return node; yield break; }
        foreach (var child in node.Children)
            foreach (var leaf in Leaves(child))
                yield return leaf;
    }

    /// <summary>The cost of one leaf layer: its definition's figures (src/PiXGen.Definitions) for its input.</summary>
    public static LayerCost Layer(LayerNode n)
    {
        var f = Spec(n).Figures(n.In);
        return new LayerCost(n.Path, n.Op, n.Layer ?? LayerKind.Defined, n.Out, n.Parameters, f.Buffers, f.Macs, f.MacsPaper);
    }

    /// <summary>
    /// The shared definition of an instantiated leaf layer with its resolved settings: what shape inference reads the
    /// output shape and parameters from, what the cost model counts and what the generated cost tree carries to the
    /// run-time evaluator.
    /// </summary>
    public static LayerSpec Spec(LayerNode n)
    {
        switch (n.Layer)
        {
            case LayerKind.Defined:
            {
                var kind = DefinedKind.All[n.Op];
                return kind.Spec(kind.Read(s => n.Get(s.Name)));
            }
            default:
                throw new System.InvalidOperationException($"layer kind {n.Layer} has no definition");
        }
    }

    /// <summary>A per-axis setting of an instantiated layer ("3" or "1×7") as (height, width).</summary>
    public static (long H, long W) Axes(LayerNode n, string name, long fallback)
    {
        var text = n.Get(name);
        if (text is null) return (fallback, fallback);
        var (h, w) = Setting.Split(text);
        return (Parse(h, fallback), Parse(w, fallback));
        static long Parse(string t, long f)
            => long.TryParse(t, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : f;
    }

    /// <summary>Whether a layer returns (a view of) its input instead of a new tensor at inference.</summary>
    public static bool Aliases(LayerNode node) => Spec(node).Aliases;

    /// <summary>
    /// Peak live activation bytes of an inference forward at batch 1: the network input is live from the
    /// start; every layer allocates its output while its input is still live and its input is freed after
    /// its last use; Flatten, Dropout (eval) and Identity return their input; a residual block keeps its
    /// input alive until the shortcut has read it and adds the shortcut into the main-path output in place
    /// (torchvision's <c>out += identity</c>). The peak is the largest total at any allocation.
    /// </summary>
    public static long PeakBytes(LayerNode network)
    {
        var sim = new PeakSimulation();
        var input = sim.Allocate(network.In.Elements * BytesPerElement);
        sim.Run(network, input);
        return sim.Peak;
    }

    private sealed class LiveTensor
    {
        public long Bytes;
        public int Uses;
    }

    private sealed class PeakSimulation
    {
        private long _live;
        public long Peak { get; private set; }

        public LiveTensor Allocate(long bytes)
        {
            _live += bytes;
            if (_live > Peak) Peak = _live;
            return new LiveTensor { Bytes = bytes, Uses = 1 };
        }

        private void Release(LiveTensor t)
        {
            if (--t.Uses == 0) _live -= t.Bytes;
        }

        /// <summary>Runs <paramref name="node"/> on <paramref name="x"/>, consuming one use of it.</summary>
        public LiveTensor Run(LayerNode node, LiveTensor x)
        {
            if (node.Kind == NodeKind.Layer)
            {
                if (Aliases(node)) return x;
                var y = Allocate(node.Out.Elements * BytesPerElement);
                Release(x);
                return y;
            }
            if (node.Kind == NodeKind.Parallel)
            {
                // Every branch reads the group's input (Split: a view of its chunk); the merge allocates the output
                // and frees the branch outputs.
                x.Uses += node.Children.Count - 1;
                var outs = node.Children.Select(branch => branch.Children.Aggregate(x, (t, c) => Run(c, t))).ToList();
                var y = Allocate(node.Out.Elements * BytesPerElement);
                foreach (var o in outs) Release(o);
                return y;
            }
            if (node.Dense)
            {
                // The input is held for the concatenation, which allocates the output and frees both parts.
                x.Uses++;
                var members = x;
                foreach (var child in node.Children) members = Run(child, members);
                var y = Allocate(node.Out.Elements * BytesPerElement);
                Release(members);
                Release(x);
                return y;
            }
            if (!node.Residual)
            {
                foreach (var child in node.Children) x = Run(child, x);
                return x;
            }
            x.Uses++; // held for the shortcut
            var main = x;
            foreach (var child in node.Children.Where(c => c.Role == NodeRole.Main)) main = Run(child, main);
            var shortcut = x;
            foreach (var child in node.Children.Where(c => c.Role == NodeRole.Shortcut)) shortcut = Run(child, shortcut);
            Release(shortcut); // added into the main-path output in place
            foreach (var child in node.Children.Where(c => c.Role == NodeRole.AfterAdd)) main = Run(child, main);
            return main;
        }
    }
}
