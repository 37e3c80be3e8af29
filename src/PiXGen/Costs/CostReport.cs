using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

using PiXGen.Definitions;

namespace PiXGen.Costs;

/// <summary>One row of a <see cref="CostReport"/>: a leaf layer, or a container with the sums of its layers.</summary>
/// <param name="Path">state_dict prefix ("layer1.0.conv1").</param>
/// <param name="Type">Layer type, block class name or "Sequential".</param>
/// <param name="Depth">Nesting depth (0 for the network's members).</param>
/// <param name="IsLeaf">Whether this row is a layer (containers repeat the sums of their layers).</param>
/// <param name="OutputShape">Output shape of one sample.</param>
/// <param name="Parameters">Trainable parameters.</param>
/// <param name="Buffers">Non-trainable state.</param>
/// <param name="Macs">Conv2d/Linear multiply-accumulates, bias excluded.</param>
/// <param name="MacsPaper">The paper convention.</param>
/// <param name="ActivationBytes">Bytes of the outputs of the layers in this row, batch 1, float32.</param>
public sealed record LayerCostRow(string Path, string Type, int Depth, bool IsLeaf, IReadOnlyList<long> OutputShape,
    long Parameters, long Buffers, long Macs, long MacsPaper, long ActivationBytes);

/// <summary>
/// The cost of a network at batch 1: per layer and in total, in two named conventions (docs/costs.md).
/// <see cref="ToString"/> renders a torchinfo-style table. Generated networks expose the compile-time report
/// as <c>Cost</c> and re-evaluate it for another input size with <c>CostFor(height, width)</c>.
/// </summary>
public sealed class CostReport
{
    /// <summary>Bytes per activation element (float32).</summary>
    public const long BytesPerElement = 4;

    /// <summary>The MAC convention, as named in every report.</summary>
    public const string MacsConvention = "MACs: Conv2d + Linear multiply-accumulates, bias excluded; torchvision convention";

    /// <summary>The paper convention, as named in every report.</summary>
    public const string PaperConvention =
        "paper convention: MACs + bias adds + 2 per BatchNorm element + 1 per activation element + 1 per pooling input element";

    /// <summary>Creates a report; the totals are the sums of the leaf rows, the peak is given.</summary>
    public CostReport(string network, IReadOnlyList<long> inputShape, IReadOnlyList<LayerCostRow> rows, long peakActivationBytes)
    {
        Network = network;
        InputShape = inputShape;
        Rows = rows;
        var leaves = rows.Where(r => r.IsLeaf).ToList();
        Layers = leaves;
        Parameters = leaves.Sum(r => r.Parameters);
        Buffers = leaves.Sum(r => r.Buffers);
        Macs = leaves.Sum(r => r.Macs);
        MacsPaper = leaves.Sum(r => r.MacsPaper);
        ActivationBytes = leaves.Sum(r => r.ActivationBytes);
        PeakActivationBytes = peakActivationBytes;
        OutputShape = leaves.Count == 0 ? inputShape : LastOutput(rows);
    }

    private static IReadOnlyList<long> LastOutput(IReadOnlyList<LayerCostRow> rows)
        => rows.Where(r => r.Depth == 0).Last().OutputShape;

    /// <summary>The network's class name.</summary>
    public string Network { get; }

    /// <summary>Input shape of one sample (C, H, W).</summary>
    public IReadOnlyList<long> InputShape { get; }

    /// <summary>Output shape of one sample.</summary>
    public IReadOnlyList<long> OutputShape { get; }

    /// <summary>Every row, containers included, in execution order.</summary>
    public IReadOnlyList<LayerCostRow> Rows { get; }

    /// <summary>The leaf layers only.</summary>
    public IReadOnlyList<LayerCostRow> Layers { get; }

    /// <summary>Trainable parameters.</summary>
    public long Parameters { get; }

    /// <summary>Buffers (BatchNorm2d running statistics and batch counters).</summary>
    public long Buffers { get; }

    /// <summary>Conv2d + Linear multiply-accumulates, bias excluded.</summary>
    public long Macs { get; }

    /// <summary>The paper convention.</summary>
    public long MacsPaper { get; }

    /// <summary>Σ of every layer's output bytes (batch 1, float32).</summary>
    public long ActivationBytes { get; }

    /// <summary>Peak live activation bytes of an inference forward (docs/costs.md).</summary>
    public long PeakActivationBytes { get; }

    /// <summary>The one-line summary the compiler reports as PIX0200.</summary>
    public string Summary =>
        $"{Network}: {Grouped(Parameters)} params · {Scaled(Macs, "MACs")} (torchvision convention; paper convention {Scaled(MacsPaper, "")}) · " +
        $"{Dims(InputShape, "×")} → {Dims(OutputShape, "×")} · {Bytes(ActivationBytes)} activations (peak {Bytes(PeakActivationBytes)})";

    /// <summary>A torchinfo-style table: path, type, output shape, parameters and MACs per layer, then the totals.</summary>
    public override string ToString()
    {
        var cells = Rows.Select(r => new[] { new string(' ', 2 * r.Depth) + r.Path, r.Type, Dims(r.OutputShape, "×"),
            Grouped(r.Parameters), Grouped(r.Macs) });
        var sb = new StringBuilder(LayerTable.Render($"{Network}: cost per layer (batch 1, float32, input {Dims(InputShape, "×")})", cells,
            new[] { "", "", "", Grouped(Parameters), Grouped(Macs) }, Array.Empty<string>()));
        sb.Append($"Input → output: {Dims(InputShape, "×")} → {Dims(OutputShape, "×")}\n");
        sb.Append($"Trainable parameters: {Grouped(Parameters)}\n");
        sb.Append($"Buffers (BatchNorm running statistics): {Grouped(Buffers)}\n");
        sb.Append($"MACs ({MacsConvention.Substring("MACs: ".Length)}): {Grouped(Macs)} ({Scaled(Macs, "")})\n");
        sb.Append($"Paper convention ({PaperConvention.Substring("paper convention: ".Length)}): {Grouped(MacsPaper)} ({Scaled(MacsPaper, "")})\n");
        sb.Append($"Activation memory (every layer output, batch 1, float32): {Grouped(ActivationBytes)} bytes ({Bytes(ActivationBytes)})\n");
        sb.Append($"Peak live activation memory (inference forward): {Grouped(PeakActivationBytes)} bytes ({Bytes(PeakActivationBytes)})\n");
        return sb.ToString();
    }

    /// <summary>
    /// Builds the rows of a tree: leaves take their figures from <paramref name="figures"/>; containers sum
    /// their layers and show the shape they return.
    /// </summary>
    public static IReadOnlyList<LayerCostRow> RowsOf(CostNode network, Func<CostNode, CostFigures> figures)
    {
        var rows = new List<LayerCostRow>();
        foreach (var child in network.Children) Add(child, 0);
        return rows;

        // Returns the node's output shape (the container's: its last main-path or after-add child's).
        LayerCostRow Add(CostNode node, int depth)
        {
            if (node.IsLeaf)
            {
                var f = figures(node);
                var leaf = new LayerCostRow(node.Path, node.Type, depth, true, f.OutputShape, f.Parameters, f.Buffers, f.Macs, f.MacsPaper,
                    f.OutputShape.Aggregate(1L, (a, d) => a * d) * BytesPerElement);
                rows.Add(leaf);
                return leaf;
            }
            int at = rows.Count;
            rows.Add(null!); // placeholder, filled once the children are known
            IReadOnlyList<long>? shape = null;
            long p = 0, b = 0, m = 0, mp = 0, bytes = 0;
            foreach (var child in node.Children)
            {
                var r = Add(child, depth + 1);
                if (node.Op == CostOp.Parallel && node.Concat && shape is { Count: 3 } && r.OutputShape.Count == 3)
                    shape = new[] { shape[0] + r.OutputShape[0], shape[1], shape[2] }; // concatenated branches
                else if (child.Role != CostRole.Shortcut && !(node.Op == CostOp.Parallel && shape is not null)) shape = r.OutputShape;
                p += r.Parameters; b += r.Buffers; m += r.Macs; mp += r.MacsPaper; bytes += r.ActivationBytes;
            }
            var row = new LayerCostRow(node.Path, node.Type, depth, false, shape ?? Array.Empty<long>(), p, b, m, mp, bytes);
            rows[at] = row;
            return row;
        }
    }

    /// <summary>The report of a generated network's compile-time figures.</summary>
    public static CostReport FromCompiled(string network, IReadOnlyList<long> inputShape, CostNode tree, long peakActivationBytes)
        => new(network, inputShape, RowsOf(tree, n => n.Compiled ?? throw new ArgumentException($"layer '{n.Path}' has no compile-time figures")),
            peakActivationBytes);

    // ------------------------------------------------------------------ formatting

    private static string Grouped(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>4,089,184,256 → "4.09 G" + unit (T, G, M, K); below 1,000 the plain number. Shared with <see cref="RuntimeSummary"/>.</summary>
    internal static string Scaled(long n, string unit) => Quantity.Scaled(n, unit);

    private static string Bytes(long bytes) => Quantity.Bytes(bytes);

    private static string Dims(IReadOnlyList<long> shape, string separator)
        => string.Join(separator, shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));
}
