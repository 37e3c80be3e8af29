using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using PiXGen.Engines;
using PiXGen.Graph;

namespace PiXGen.Zoo;

/// <summary>
/// <c>bench A --vs B --fuse --profile</c>: the per-node ONNX Runtime profiles of two fused networks, taken with their
/// runs in turn (<see cref="EngineBench.ProfileFused"/>), compared node by node. The nodes both fused graphs have — the
/// same op with the same settings and output shape, in the same order (a longest common subsequence of the two node
/// lists) — are summed by op on each side; the nodes only one network has are summed by op on that side; and the
/// kernels ONNX Runtime adds itself (layout reorders and the like), which no graph node names, are summed apart.
/// So where two networks differ in a few layers (PiX-ResNet-50 and ResNet-50: the squeezing convolutions), the table
/// shows whether the layers they share take the same time and what the differing layers cost.
/// </summary>
public static class LayerComparison
{
    /// <summary>One row: a kind of node, how many of them and their kernel time per run on each side (0 where absent).</summary>
    public sealed record Row(string Nodes, string Kind, int CountA, double MsA, int CountB, double MsB);

    /// <summary>Where the two networks differ: the nodes of each between two nodes both have (or before the first, or
    /// after the last), in network order, with their kernel time per run on each side.</summary>
    public sealed record Difference(IReadOnlyList<GraphNode> A, double MsA, IReadOnlyList<GraphNode> B, double MsB);

    /// <summary>The rows, in order: shared kinds, kinds only in A, kinds only in B, ONNX Runtime's own kernels.</summary>
    public static List<Row> Compare(EngineBench.FusedProfile a, EngineBench.FusedProfile b)
    {
        var (sharedA, sharedB) = Align(a, b);
        var timeA = TimeByNode(a);
        var timeB = TimeByNode(b);
        var rows = new List<Row>();

        // One row per kind among the given nodes of each side, the slowest first.
        void Add(string nodes, IReadOnlyList<GraphNode> sideA, IReadOnlyList<GraphNode> sideB)
        {
            rows.AddRange(sideA.Concat(sideB).Select(Kind).Distinct()
                .Select(kind => {
                    var na = sideA.Where(n => Kind(n) == kind).ToList();
                    var nb = sideB.Where(n => Kind(n) == kind).ToList();
                    return new Row(nodes, kind, na.Count, na.Sum(n => timeA.Nodes.GetValueOrDefault(n.Output)),
                                   nb.Count, nb.Sum(n => timeB.Nodes.GetValueOrDefault(n.Output)));
                })
                .OrderByDescending(r => Math.Max(r.MsA, r.MsB)));
        }
        List<GraphNode> Side(EngineBench.FusedProfile p, bool[] shared, bool wanted) => p.Graph.Nodes.Where((n, i) => shared[i] == wanted).ToList();
        var none = new List<GraphNode>();

        Add("both", Side(a, sharedA, true), Side(b, sharedB, true));
        Add($"only {a.Model}", Side(a, sharedA, false), none);
        Add($"only {b.Model}", none, Side(b, sharedB, false));
        rows.AddRange(timeA.Own.Keys.Union(timeB.Own.Keys)
            .Select(op => new Row("ONNX Runtime's own", op, timeA.OwnCount.GetValueOrDefault(op), timeA.Own.GetValueOrDefault(op),
                                  timeB.OwnCount.GetValueOrDefault(op), timeB.Own.GetValueOrDefault(op)))
            .OrderByDescending(r => Math.Max(r.MsA, r.MsB)));
        return rows;
    }

    /// <summary>The differences between the two networks, in network order (see <see cref="Difference"/>).</summary>
    public static List<Difference> Differences(EngineBench.FusedProfile a, EngineBench.FusedProfile b)
    {
        var (sharedA, sharedB) = Align(a, b);
        var timeA = TimeByNode(a).Nodes;
        var timeB = TimeByNode(b).Nodes;
        var nodesA = a.Graph.Nodes;
        var nodesB = b.Graph.Nodes;
        var differences = new List<Difference>();
        for (int i = 0, j = 0; i < nodesA.Count || j < nodesB.Count;) {
            var gapA = new List<GraphNode>();
            var gapB = new List<GraphNode>();
            while (i < nodesA.Count && !sharedA[i]) gapA.Add(nodesA[i++]);
            while (j < nodesB.Count && !sharedB[j]) gapB.Add(nodesB[j++]);
            if (gapA.Count + gapB.Count > 0)
                differences.Add(new Difference(gapA, gapA.Sum(n => timeA.GetValueOrDefault(n.Output)), gapB, gapB.Sum(n => timeB.GetValueOrDefault(n.Output))));
            // Both now stand on the same pair of the common subsequence (or at their ends): step past it.
            if (i < nodesA.Count) i++;
            if (j < nodesB.Count) j++;
        }
        return differences;
    }

    /// <summary>Which nodes of each fused graph the two have in common (<see cref="Key"/>, <see cref="CommonSubsequence"/>).</summary>
    private static (bool[] InA, bool[] InB) Align(EngineBench.FusedProfile a, EngineBench.FusedProfile b) =>
        CommonSubsequence(a.Graph.Nodes.Select(Key).ToArray(), b.Graph.Nodes.Select(Key).ToArray());

    /// <summary>The most differences <see cref="Write"/> lists.</summary>
    public const int ListedDifferences = 40;

    /// <summary>Prints the comparison: one row per kind of node and side, then every total and the ratio of B's time to
    /// A's, then where the networks differ, in network order.</summary>
    public static void Write(TextWriter o, EngineBench.FusedProfile a, EngineBench.FusedProfile b, int threads)
    {
        var rows = Compare(a, b);
        o.WriteLine($"ONNX Runtime per-node profiles of both fused networks, their runs in turn ({a.Rounds} runs each after {a.Warmup} warm-up, {threads} threads), " +
                    $"node by node: the nodes both graphs have (same op, settings and output shape, in order), those only one has, and ONNX Runtime's own kernels; ms per run");
        var table = ZooCli.PlainTable(("nodes", false), ("op", false), ($"{a.Model} n", true), ($"{a.Model} ms", true), ($"{b.Model} n", true), ($"{b.Model} ms", true));
        foreach (var r in rows)
            table.AddPlainRow(r.Nodes, r.Kind, r.CountA == 0 ? "-" : r.CountA.ToString(CultureInfo.InvariantCulture), r.CountA == 0 ? "-" : Ms(r.MsA),
                              r.CountB == 0 ? "-" : r.CountB.ToString(CultureInfo.InvariantCulture), r.CountB == 0 ? "-" : Ms(r.MsB));
        foreach (var group in rows.GroupBy(r => r.Nodes))
            table.AddPlainRow(group.Key, "total", group.Sum(r => r.CountA).ToString(CultureInfo.InvariantCulture), Ms(group.Sum(r => r.MsA)),
                              group.Sum(r => r.CountB).ToString(CultureInfo.InvariantCulture), Ms(group.Sum(r => r.MsB)));
        table.AddPlainRow("all", "total", "", Ms(a.TotalMs), "", Ms(b.TotalMs));
        ZooCli.WriteTable(o, table);
        double Shared(Func<Row, double> ms) => rows.Where(r => r.Nodes == "both").Sum(ms);
        o.WriteLine($"node time of {b.Model} over {a.Model}: {Ratio(b.TotalMs, a.TotalMs)}x in all, {Ratio(Shared(r => r.MsB), Shared(r => r.MsA))}x in the nodes both have");
        var differences = Differences(a, b);
        if (differences.Count == 0) return;
        o.WriteLine($"where they differ, in network order (the nodes between two that both have; ms per run, and {b.Model}'s time over {a.Model}'s):");
        var listed = ZooCli.PlainTable((a.Model, false), ($"{a.Model} ms", true), (b.Model, false), ($"{b.Model} ms", true), ("ratio", true));
        string Names(IReadOnlyList<GraphNode> nodes) => nodes.Count == 0 ? "-" : string.Join(", ", nodes.Select(n => $"{n.Module ?? n.Output} ({Kind(n)})"));
        foreach (var d in differences.Take(ListedDifferences))
            listed.AddPlainRow(Names(d.A), d.A.Count == 0 ? "-" : Ms(d.MsA), Names(d.B), d.B.Count == 0 ? "-" : Ms(d.MsB),
                               d.A.Count == 0 || d.B.Count == 0 ? "-" : Ratio(d.MsB, d.MsA) + "x");
        ZooCli.WriteTable(o, listed);
        if (differences.Count > ListedDifferences) o.WriteLine($"… and {differences.Count - ListedDifferences} more");
    }

    private static string Ratio(double x, double y) => y > 0 ? (x / y).ToString("F3", CultureInfo.InvariantCulture) : "-";

    private static string Ms(double ms) => ms.ToString("F2", CultureInfo.InvariantCulture);

    /// <summary>What a row calls a node: its op, with the kernel size where it has one ("Conv2d 3×3").</summary>
    public static string Kind(GraphNode n)
    {
        if (n.Get("kernel") is null) return n.Op;
        var k = n.GetPair("kernel");
        return $"{n.Op} {k[0]}×{k[1]}";
    }

    /// <summary>What makes two nodes of different graphs the same work: op, settings and output shape.</summary>
    public static string Key(GraphNode n) =>
        n.Op + "(" + string.Join(",", n.Attributes.Select(x => x.Name + "=" + x.Value)) + ")" + string.Join("x", n.Shape);

    /// <summary>Which nodes of each list belong to a longest common subsequence of the two.</summary>
    public static (bool[] InA, bool[] InB) CommonSubsequence(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        var length = new int[a.Count + 1, b.Count + 1];
        for (int i = a.Count - 1; i >= 0; i--)
            for (int j = b.Count - 1; j >= 0; j--)
                length[i, j] = a[i] == b[j] ? length[i + 1, j + 1] + 1 : Math.Max(length[i + 1, j], length[i, j + 1]);
        var inA = new bool[a.Count];
        var inB = new bool[b.Count];
        for (int i = 0, j = 0; i < a.Count && j < b.Count;) {
            if (a[i] == b[j]) { inA[i++] = true; inB[j++] = true; }
            else if (length[i + 1, j] >= length[i, j + 1]) i++;
            else j++;
        }
        return (inA, inB);
    }

    /// <summary>Each graph node's kernel time per run (by its output), and ONNX Runtime's own kernels by op type
    /// (<see cref="EngineBench.FusedProfile.NodeOf"/> tells which is which).</summary>
    public static (Dictionary<string, double> Nodes, Dictionary<string, double> Own, Dictionary<string, int> OwnCount) TimeByNode(EngineBench.FusedProfile p)
    {
        var nodes = new Dictionary<string, double>(StringComparer.Ordinal);
        var own = new Dictionary<string, double>(StringComparer.Ordinal);
        var ownEvents = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var t in p.Timed) {
            double ms = t.Microseconds / p.Rounds / 1000;
            if (p.NodeOf(t.Node) is { } node) nodes[node.Output] = nodes.GetValueOrDefault(node.Output) + ms;
            else { own[t.OpType] = own.GetValueOrDefault(t.OpType) + ms; ownEvents[t.OpType] = ownEvents.GetValueOrDefault(t.OpType) + 1; }
        }
        var ownCount = ownEvents.ToDictionary(x => x.Key, x => x.Value / p.Rounds, StringComparer.Ordinal);
        return (nodes, own, ownCount);
    }
}
