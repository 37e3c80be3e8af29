using System;
using System.Collections.Generic;
using System.Linq;

using PiXGen.Definitions;

namespace PiXGen.Costs;

/// <summary>
/// Evaluates a network's cost for any input size from its layer tree (<see cref="CostNode"/>): the run-time
/// twin of the generator's shape inference and cost model. Each leaf's shape and figures are its layer definition's
/// (src/PiXGen.Definitions, compiled into the generator too, so the two agree by construction); this class walks the
/// tree (residual adds, [Dense], [Branch]) and replays the peak. The forward-hook counter (RuntimeSummary) and
/// PyTorch fixtures check the definitions independently. The cost definitions are those of docs/costs.md.
/// </summary>
public static class CostEvaluator
{
    /// <summary>
    /// The cost of <paramref name="tree"/> on a <paramref name="channels"/>×<paramref name="height"/>×<paramref name="width"/>
    /// input at batch 1. Throws <see cref="ArgumentException"/> when the network cannot run on that input (a spatial
    /// size reaching zero, a Linear whose in-features would change, a residual add of different shapes).
    /// </summary>
    public static CostReport Evaluate(string network, CostNode tree, long channels, long height, long width)
    {
        if (channels <= 0 || height <= 0 || width <= 0)
            throw new ArgumentException($"{network}: input {channels}×{height}×{width} must be positive.");
        var input = new[] { channels, height, width };
        var figures = new Dictionary<CostNode, CostFigures>(ReferenceEqualityComparer.Instance);
        Walk(network, tree, Dims.Map(channels, height, width), figures);
        long peak = Peak(tree, input, figures);
        return new CostReport(network, input, CostReport.RowsOf(tree, n => figures[n]), peak);
    }

    // ------------------------------------------------------------------ shapes and per-layer figures

    // The walk carries Dims, not arrays, so a channels-last map (after Permute(0, 2, 3, 1)) keeps its layout; the
    // figures record shapes in memory order (Dims.ToArray).
    private static Dims Walk(string network, CostNode node, Dims x, Dictionary<CostNode, CostFigures> figures)
    {
        if (node.IsLeaf)
        {
            var (f, y) = Figures(network, node, x);
            figures[node] = f;
            return y;
        }
        if (node.Op == CostOp.Parallel)
        {
            bool concat = node.Concat, split = node.Split;
            long n = node.Children.Count;
            if (split && (!x.IsMap || x.C % n != 0))
                throw new ArgumentException($"{network}.{node.Path}: {n} branches cannot split {x} into equal chunks.");
            var part = split ? x with { C = x.C / n } : x;
            var outs = node.Children.Select(b => Walk(network, b, part, figures)).ToList();
            foreach (var o in outs.Skip(1))
                if (concat ? !o.IsMap || !outs[0].IsMap || o.H != outs[0].H || o.W != outs[0].W : o != outs[0])
                    throw new ArgumentException($"{network}.{node.Path}: the branches would {(concat ? "concatenate" : "add")} {string.Join(" and ", outs)} at this input size.");
            var merged = concat ? Dims.Map(outs.Sum(o => o.C), outs[0].H, outs[0].W) : outs[0];
            figures[node] = new CostFigures(merged.ToArray(), 0, 0, 0, 0); // the merge's output, for the peak
            return merged;
        }
        if (node.Dense)
        {
            var members = node.Children.Aggregate(x, (t, c) => Walk(network, c, t, figures));
            if (!x.IsMap || !members.IsMap || members.H != x.H || members.W != x.W)
                throw new ArgumentException($"{network}.{node.Path}: [Dense] would concatenate {x} with {members} at this input size.");
            return Dims.Map(x.C + members.C, x.H, x.W);
        }
        if (!node.Residual) return node.Children.Aggregate(x, (t, c) => Walk(network, c, t, figures));
        var main = node.Children.Where(c => c.Role == CostRole.Main).Aggregate(x, (t, c) => Walk(network, c, t, figures));
        var shortcut = node.Children.Where(c => c.Role == CostRole.Shortcut).Aggregate(x, (t, c) => Walk(network, c, t, figures));
        if (main != shortcut)
            throw new ArgumentException($"{network}.{node.Path}: the residual add would combine {main} with {shortcut} at this input size.");
        return node.Children.Where(c => c.Role == CostRole.AfterAdd).Aggregate(main, (t, c) => Walk(network, c, t, figures));
    }

    /// <summary>A leaf layer's figures for input <paramref name="input"/>: its shared definition (<see cref="CostNode.Spec"/>).</summary>
    private static (CostFigures Figures, Dims Out) Figures(string network, CostNode n, Dims input)
    {
        string where = $"{network}.{n.Path} ({n.Type})";
        var spec = n.Spec ?? throw new ArgumentException($"{where}: a layer without a definition.");
        if (spec.Check(input) is { } problem) throw new ArgumentException($"{where} {problem}");
        var f = spec.Figures(input);
        if (f.Out.Rank == 3 && (f.Out.H <= 0 || f.Out.W <= 0))
            throw new ArgumentException($"{where}: the output size reaches {f.Out.H}×{f.Out.W} from an input of {input.H}×{input.W}.");
        return (new CostFigures(f.Out.ToArray(), f.Parameters, f.Buffers, f.Macs, f.MacsPaper), f.Out);
    }

    // ------------------------------------------------------------------ peak live memory

    /// <summary>
    /// Replays an inference forward over tensors with explicit owners: a tensor stays live while something still
    /// needs it (the next layer, or the shortcut of a residual block); Flatten, Dropout and Identity hand their
    /// input on; the residual add writes into the main-path output. The peak is the most bytes live at once.
    /// </summary>
    private static long Peak(CostNode tree, long[] input, Dictionary<CostNode, CostFigures> figures)
    {
        var owners = new Dictionary<int, (long Bytes, int Owners)>();
        long live = 0, peak = 0;
        int next = 0;

        int New(long elements)
        {
            var id = next++;
            owners[id] = (elements * CostReport.BytesPerElement, 1);
            live += elements * CostReport.BytesPerElement;
            peak = Math.Max(peak, live);
            return id;
        }
        void Share(int id) => owners[id] = (owners[id].Bytes, owners[id].Owners + 1);
        void Drop(int id)
        {
            var (bytes, count) = owners[id];
            if (count == 1) { owners.Remove(id); live -= bytes; }
            else owners[id] = (bytes, count - 1);
        }
        int Run(CostNode node, int x)
        {
            if (node.IsLeaf)
            {
                if (node.Spec!.Aliases) return x;
                var y = New(figures[node].OutputShape.Aggregate(1L, (a, b) => a * b));
                Drop(x);
                return y;
            }
            if (node.Op == CostOp.Parallel)
            {
                // every branch reads the input (or a view of its chunk); the merge allocates the output, then frees the branches' outputs
                for (int i = 1; i < node.Children.Count; i++) Share(x);
                var outs = node.Children.Select(b => Run(b, x)).ToList();
                int y = New(figures[node].OutputShape.Aggregate(1L, (a, b) => a * b));
                foreach (var o in outs) Drop(o);
                return y;
            }
            if (node.Dense)
            {
                Share(x); // held for the concatenation, which allocates the output and frees both parts
                int members = node.Children.Aggregate(x, (t, c) => Run(c, t));
                int y = New((owners[x].Bytes + owners[members].Bytes) / CostReport.BytesPerElement); // channels add up
                Drop(members);
                Drop(x);
                return y;
            }
            if (!node.Residual) return node.Children.Aggregate(x, (t, c) => Run(c, t));
            Share(x);
            int main = node.Children.Where(c => c.Role == CostRole.Main).Aggregate(x, (t, c) => Run(c, t));
            int shortcut = node.Children.Where(c => c.Role == CostRole.Shortcut).Aggregate(x, (t, c) => Run(c, t));
            Drop(shortcut);
            return node.Children.Where(c => c.Role == CostRole.AfterAdd).Aggregate(main, (t, c) => Run(c, t));
        }

        Run(tree, New(input.Aggregate(1L, (a, b) => a * b)));
        return peak;
    }
}
