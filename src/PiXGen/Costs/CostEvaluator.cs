using System;
using System.Collections.Generic;
using System.Linq;

namespace PiXGen.Costs;

/// <summary>
/// Evaluates a network's cost for any input size from its layer tree (<see cref="CostNode"/>): the run-time
/// twin of the generator's shape inference and cost model, written separately from them so the tests comparing
/// the two (and a forward-hook counter) check both. Rules follow PyTorch's documented output-size formulas;
/// the cost definitions are those of docs/costs.md.
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
        Walk(network, tree, input, figures);
        long peak = Peak(tree, input, figures);
        return new CostReport(network, input, CostReport.RowsOf(tree, n => figures[n]), peak);
    }

    // ------------------------------------------------------------------ shapes and per-layer figures

    private static long[] Walk(string network, CostNode node, long[] x, Dictionary<CostNode, CostFigures> figures)
    {
        if (node.IsLeaf)
        {
            var f = Figures(network, node, x);
            figures[node] = f;
            return f.OutputShape.ToArray();
        }
        if (node.Op == CostOp.Parallel)
        {
            bool concat = node.Settings[0] != 0, split = node.Settings[1] != 0;
            long n = node.Children.Count;
            if (split && (x.Length != 3 || x[0] % n != 0))
                throw new ArgumentException($"{network}.{node.Path}: {n} branches cannot split {string.Join("×", x)} into equal chunks.");
            var part = split ? new[] { x[0] / n, x[1], x[2] } : x;
            var outs = node.Children.Select(b => Walk(network, b, part, figures)).ToList();
            foreach (var o in outs.Skip(1))
                if (concat ? o.Length != 3 || outs[0].Length != 3 || o[1] != outs[0][1] || o[2] != outs[0][2] : !o.SequenceEqual(outs[0]))
                    throw new ArgumentException($"{network}.{node.Path}: the branches would {(concat ? "concatenate" : "add")} {string.Join(" and ", outs.Select(s => string.Join("×", s)))} at this input size.");
            var merged = concat ? new[] { outs.Sum(o => o[0]), outs[0][1], outs[0][2] } : outs[0];
            figures[node] = new CostFigures(merged, 0, 0, 0, 0); // the merge's output, for the peak
            return merged;
        }
        if (node.Dense)
        {
            var members = node.Children.Aggregate(x, (t, c) => Walk(network, c, t, figures));
            if (x.Length != 3 || members.Length != 3 || members[1] != x[1] || members[2] != x[2])
                throw new ArgumentException($"{network}.{node.Path}: [Dense] would concatenate {string.Join("×", x)} with {string.Join("×", members)} at this input size.");
            return new[] { x[0] + members[0], x[1], x[2] };
        }
        if (!node.Residual) return node.Children.Aggregate(x, (t, c) => Walk(network, c, t, figures));
        var main = node.Children.Where(c => c.Role == CostRole.Main).Aggregate(x, (t, c) => Walk(network, c, t, figures));
        var shortcut = node.Children.Where(c => c.Role == CostRole.Shortcut).Aggregate(x, (t, c) => Walk(network, c, t, figures));
        CheckAdd(network, node, main, shortcut);
        return node.Children.Where(c => c.Role == CostRole.AfterAdd).Aggregate(main, (t, c) => Walk(network, c, t, figures));
    }

    private static void CheckAdd(string network, CostNode node, long[] main, long[] shortcut)
    {
        if (!main.SequenceEqual(shortcut))
            throw new ArgumentException($"{network}.{node.Path}: the residual add would combine {string.Join("×", main)} with {string.Join("×", shortcut)} at this input size.");
    }

    private static CostFigures Figures(string network, CostNode n, long[] x)
    {
        string where = $"{network}.{n.Path} ({n.Type})";
        long S(int i) => n.Settings[i];
        long W(int i, long height) => n.Settings.Count > i ? n.Settings[i] : height; // width values, present when they differ
        long Numel(long[] s) => s.Aggregate(1L, (a, b) => a * b);
        void NeedMap() { if (x.Length != 3) throw new ArgumentException($"{where} needs a C×H×W input, got {string.Join("×", x)}."); }
        switch (n.Op)
        {
            case CostOp.Conv2d:
            {
                NeedMap();
                long outC = S(0), k = S(1), stride = S(2), pad = S(3), dil = S(4), groups = S(5), bias = S(6), inC = S(7);
                long kw = W(8, k), sw = W(9, stride), pw = W(10, pad), dw = W(11, dil);
                if (x[0] != inC) throw new ArgumentException($"{where} was built for {inC} input channels but receives {x[0]}.");
                long oh = WindowOut(where, x[1], k, stride, pad, dil, false), ow = WindowOut(where, x[2], kw, sw, pw, dw, false);
                long weightsPerOutput = inC / groups * k * kw;
                long outputs = outC * oh * ow;
                long macs = outputs * weightsPerOutput;
                return new CostFigures(new[] { outC, oh, ow }, outC * weightsPerOutput + bias * outC, 0, macs, macs + bias * outputs);
            }
            case CostOp.BatchNorm2d:
                NeedMap();
                return new CostFigures(x, 2 * x[0], 2 * x[0] + 1, 0, 2 * Numel(x));
            case CostOp.ReLU: case CostOp.ReLU6: case CostOp.SiLU: case CostOp.Sigmoid: case CostOp.Hardswish:
                return new CostFigures(x, 0, 0, 0, Numel(x));
            case CostOp.Identity: case CostOp.Dropout:
                return new CostFigures(x, 0, 0, 0, 0);
            case CostOp.Flatten:
                return new CostFigures(new[] { Numel(x) }, 0, 0, 0, 0);
            case CostOp.MaxPool2d: case CostOp.AvgPool2d:
            {
                NeedMap();
                long k = S(0), stride = S(1), pad = S(2), dil = S(3);
                long kw = W(5, k), sw = W(6, stride), pw = W(7, pad), dw = W(8, dil);
                bool ceil = S(4) != 0;
                long oh = WindowOut(where, x[1], k, stride, pad, dil, ceil), ow = WindowOut(where, x[2], kw, sw, pw, dw, ceil);
                return new CostFigures(new[] { x[0], oh, ow }, 0, 0, 0, Numel(x));
            }
            case CostOp.AdaptiveAvgPool2d: case CostOp.AdaptiveMaxPool2d:
                NeedMap();
                return new CostFigures(new[] { x[0], S(0), W(1, S(0)) }, 0, 0, 0, Numel(x));
            case CostOp.ConvTranspose2d:
            {
                NeedMap();
                long outC = S(0), groups = S(6), bias = S(7), inC = S(8);
                if (x[0] != inC) throw new ArgumentException($"{where} was built for {inC} input channels but receives {x[0]}.");
                // (L − 1)·s − 2p + d·(k − 1) + output padding + 1 along each axis
                long oh = (x[1] - 1) * S(2) - 2 * S(3) + S(5) * (S(1) - 1) + S(4) + 1;
                long ow = (x[2] - 1) * S(10) - 2 * S(11) + S(13) * (S(9) - 1) + S(12) + 1;
                if (oh <= 0 || ow <= 0) throw new ArgumentException($"{where}: the output size reaches {oh}×{ow} from an input of {x[1]}×{x[2]}.");
                long weights = inC * (outC / groups) * S(1) * S(9);
                long macs = weights * x[1] * x[2];
                long outputs = outC * oh * ow;
                return new CostFigures(new[] { outC, oh, ow }, weights + bias * outC, 0, macs, macs + bias * outputs);
            }
            case CostOp.GroupNorm: case CostOp.LayerNorm2d:
                NeedMap();
                return new CostFigures(x, S(0) * 2 * x[0], 0, 0, 2 * Numel(x));
            case CostOp.GELU: case CostOp.LeakyReLU: case CostOp.Hardsigmoid: case CostOp.Tanh:
                return new CostFigures(x, 0, 0, 0, Numel(x));
            case CostOp.StochasticDepth: case CostOp.ChannelShuffle:
                return new CostFigures(x, 0, 0, 0, 0);
            case CostOp.Upsample:
                NeedMap();
                return new CostFigures(S(0) > 0 ? new[] { x[0], x[1] * S(0), x[2] * S(1) } : new[] { x[0], S(2), S(3) }, 0, 0, 0, 0);
            case CostOp.Linear:
            {
                long outF = S(0), bias = S(1), inF = S(2);
                if (x.Length != 1) throw new ArgumentException($"{where} needs a flattened input, got {string.Join("×", x)}.");
                if (x[0] != inF)
                    throw new ArgumentException($"{where} was built for {inF} input features but receives {x[0]} at this input size " +
                                                "(pool to a fixed size with AdaptiveAvgPool2d before Flatten to accept any size).");
                return new CostFigures(new[] { outF }, inF * outF + bias * outF, 0, inF * outF, inF * outF + bias * outF);
            }
            case CostOp.PiX:
            {
                NeedMap();
                long zeta = S(0), phiBias = S(1), inC = S(2);
                if (x[0] != inC) throw new ArgumentException($"{where} was built for {inC} input channels but receives {x[0]}.");
                long groups = (inC + zeta - 1) / zeta; // output channel c mixes or picks input channels [cζ, cζ+ζ)
                // φ projects the pooled C-vector to one probability per output channel: C·Co multiply-accumulates.
                long phi = inC * groups;
                return new CostFigures(new[] { groups, x[1], x[2] }, phi + phiBias * groups, 0, phi, phi + phiBias * groups);
            }
            case CostOp.SqueezeExcitation:
            {
                NeedMap();
                long c = x[0], sq = S(0);
                long macs = 2 * c * sq;
                // pool (every input element) → conv C→S + bias → ReLU (S) → conv S→C + bias → sigmoid, scale (0)
                return new CostFigures(x, 2 * c * sq + sq + c, 0, macs, macs + sq + c + Numel(x) + sq);
            }
            default:
                throw new ArgumentException($"{where}: no cost rule for {n.Op}.");
        }
    }

    /// <summary>
    /// Output length of a sliding window, as PyTorch's <c>pooling_output_shape</c> computes it (convolutions use the
    /// floor form): ⌊(L + 2p − d(k−1) − 1 + (ceil ? s−1 : 0)) / s⌋ + 1, minus one when ceil mode would start the
    /// last window in the right padding.
    /// </summary>
    private static long WindowOut(string where, long length, long k, long s, long p, long d, bool ceil)
    {
        long numerator = length + 2 * p - d * (k - 1) - 1 + (ceil ? s - 1 : 0);
        long o = (long)Math.Floor(numerator / (double)s) + 1;
        if (ceil && (o - 1) * s >= length + p) o -= 1;
        if (o <= 0) throw new ArgumentException($"{where}: the output size reaches {o} from an input of {length}.");
        return o;
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
                if (node.Op is CostOp.Flatten or CostOp.Dropout or CostOp.Identity or CostOp.StochasticDepth) return x;
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
