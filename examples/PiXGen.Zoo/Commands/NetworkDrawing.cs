using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Xml;
using Microsoft.Msagl.Core.Geometry;
using Microsoft.Msagl.Core.Geometry.Curves;
using Microsoft.Msagl.Core.Layout;
using Microsoft.Msagl.Core.Routing;
using Microsoft.Msagl.Layout.Layered;
using Microsoft.Msagl.Miscellaneous;
using PiXGen.Costs;
using PiXGen.Graph;

namespace PiXGen.Zoo;

/// <summary>
/// <c>draw</c>: a network's dataflow graph (<see cref="NetworkGraph"/>, the generated <c>Graph</c>) as an SVG picture.
/// MSAGL's layered (Sugiyama) layout places the nodes, routes the edges and sizes the clusters; this class only turns
/// that geometry into SVG. One node per layer with its output shape, shaded by its share of the network's MACs (from
/// the compile-time <see cref="CostReport"/>); blocks as labelled clusters (collapsed into one node each below
/// <c>depth</c>); PiX layers outlined and tagged; adds and concatenations as round merge nodes, so branches show.
/// </summary>
public static class NetworkDrawing
{
    /// <summary>What was drawn: the SVG text and the counts the tests and the command's message use.</summary>
    public sealed record Drawing(string Svg, int Nodes, int Blocks, int Edges);

    /// <summary>The generated <c>Graph</c> of a zoo network (every generated network has one).</summary>
    public static NetworkGraph GraphOf(NetworkInfo info)
        => info.Type.GetProperty("Graph", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as NetworkGraph
           ?? throw new InvalidOperationException($"{info.Name} ({info.Type.Name}) has no generated Graph");

    /// <summary>
    /// The block paths of <paramref name="graph"/>: every proper prefix of a node's path ("layer1", "layer1.0",
    /// "layer1.0.downsample" for "layer1.0.downsample.0"), in first-use order.
    /// </summary>
    public static IReadOnlyList<string> Blocks(NetworkGraph graph)
    {
        var blocks = new List<string>();
        var seen = new HashSet<string>();
        foreach (var n in graph.Nodes)
        {
            var parts = n.Output.Split('.');
            for (int k = 1; k < parts.Length; k++)
            {
                var prefix = string.Join(".", parts.Take(k));
                if (seen.Add(prefix)) blocks.Add(prefix);
            }
        }
        return blocks;
    }

    private static int DepthOf(string path) => path.Count(c => c == '.') + 1;

    /// <summary>
    /// Draws <paramref name="graph"/>. <paramref name="depth"/> null: every layer; N: blocks nested deeper than N
    /// levels are collapsed into one node each (depth 1 draws ResNet's stages as single nodes, 2 its bottlenecks).
    /// </summary>
    public static Drawing Draw(NetworkGraph graph, CostReport cost, int? depth = null)
    {
        if (depth is < 1) throw new ArgumentException($"depth must be at least 1, got {depth}");
        var rows = cost.Rows.GroupBy(r => r.Path).ToDictionary(g => g.Key, g => g.First());
        long totalMacs = Math.Max(1, cost.Macs);

        // The drawn items: graph nodes, or, below the depth, one item per collapsed block (in topological order).
        string KeyOf(GraphNode n) => depth is { } d && DepthOf(n.Output) > d ? string.Join(".", n.Output.Split('.').Take(d)) : n.Output;
        var items = new Dictionary<string, Item>();
        var order = new List<Item>();
        var keyOfValue = new Dictionary<string, string> { [NetworkGraph.InputName] = NetworkGraph.InputName };
        var input = new Item(NetworkGraph.InputName, "Input", graph.InputShape, 0, 0, false, Collapsed: false);
        items[input.Key] = input; order.Add(input);
        foreach (var n in graph.Nodes)
        {
            var key = KeyOf(n);
            keyOfValue[n.Output] = key;
            long macs = rows.TryGetValue(n.Output, out var row) && row.IsLeaf ? row.Macs : 0;
            bool pix = n.Op == "PiX";
            if (items.TryGetValue(key, out var existing))
                items[key] = existing with { Shape = n.Shape, Macs = existing.Macs + macs, PiXCount = existing.PiXCount + (pix ? 1 : 0), Layers = existing.Layers + 1 };
            else
            {
                bool collapsed = key != n.Output;
                var it = new Item(key, collapsed ? (rows.TryGetValue(key, out var br) ? br.Type : "block") : n.Op, n.Shape, macs, pix ? 1 : 0, IsMerge(n.Op), collapsed);
                items[key] = it; order.Add(it);
            }
        }
        order = order.Select(i => items[i.Key]).ToList();

        var edges = new List<(string From, string To)>();
        var edgeSet = new HashSet<(string, string)>();
        foreach (var n in graph.Nodes)
            foreach (var v in n.Inputs)
            {
                var from = keyOfValue.TryGetValue(v, out var f) ? f : v;
                var to = keyOfValue[n.Output];
                if (from != to && edgeSet.Add((from, to))) edges.Add((from, to));
            }
        var output = new Item("output", "Output", graph.Nodes.Count > 0 ? graph.Nodes[^1].Shape : graph.InputShape, 0, 0, false, false);
        order.Add(output);
        edges.Add((keyOfValue[graph.Output], output.Key));

        // Clusters: the blocks above the depth that hold a drawn item.
        var clusterPaths = Blocks(graph).Where(b => depth is not { } d || DepthOf(b) <= d)
            .Where(b => order.Any(i => i.Key.StartsWith(b + ".", StringComparison.Ordinal))).ToList();

        // ---- MSAGL geometry
        var g = new GeometryGraph();
        var nodes = new Dictionary<string, Node>();
        foreach (var it in order)
        {
            var (w, h) = Size(Lines(it, totalMacs));
            if (it.IsMerge) (w, h) = (w * 1.25, h * 1.2);   // the text fits inside the ellipse
            var node = new Node(it.IsMerge ? CurveFactory.CreateEllipse(w / 2, h / 2, new Point()) : CurveFactory.CreateRectangleWithRoundedCorners(w, h, 4, 4, new Point()), it.Key);
            nodes[it.Key] = node;
            g.Nodes.Add(node);
        }
        foreach (var (from, to) in edges)
        {
            var e = new Edge(nodes[from], nodes[to]) { EdgeGeometry = { TargetArrowhead = new Arrowhead { Length = 6 } } };
            g.Edges.Add(e);
        }
        var clusters = new Dictionary<string, Cluster>();
        foreach (var path in clusterPaths.OrderBy(DepthOf))
        {
            var c = new Cluster { UserData = path, RectangularBoundary = new RectangularClusterBoundary { LeftMargin = 6, RightMargin = 6, TopMargin = LineHeight + 8, BottomMargin = 6 } };
            c.BoundaryCurve = CurveFactory.CreateRectangle(40, 40, new Point());
            clusters[path] = c;
            var parent = Parent(path, clusters);
            (parent ?? g.RootCluster).AddChild(c);
        }
        foreach (var it in order)
        {
            var owner = OwnerCluster(it.Key, clusters);
            (owner ?? g.RootCluster).AddChild(nodes[it.Key]);
        }
        var settings = new SugiyamaLayoutSettings
        {
            NodeSeparation = 14, LayerSeparation = 22, ClusterMargin = 8,
            EdgeRoutingSettings = { EdgeRoutingMode = EdgeRoutingMode.Spline },
        };
        LayoutHelpers.CalculateLayout(g, settings, null);

        // ---- SVG
        var box = g.BoundingBox;
        double pad = 12, legendHeight;
        string[] title = { $"{graph.Network}: {cost.Parameters:N0} parameters · {Macs(cost.Macs)}", $"input {Dims(graph.InputShape)} → output {Dims(output.Shape)}" };
        int perRow = LegendPerRow(box.Width);
        legendHeight = 2 * 16 + (LegendItems.Length + perRow - 1) / perRow * 18 + 4;
        double width = Math.Max(box.Width, Math.Max(perRow * LegendItem, title.Max(t => t.Length) * (CharWidth + 1.2))) + 2 * pad,
               height = box.Height + 2 * pad + legendHeight;
        string X(double x) => F(x - box.Left + pad);
        string Y(double y) => F(box.Top - y + pad + legendHeight);
        var stream = new System.IO.MemoryStream();
        using (var w = XmlWriter.Create(stream, new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false) }))
        {
            w.WriteStartElement("svg", "http://www.w3.org/2000/svg");
            w.WriteAttributeString("width", F(width));
            w.WriteAttributeString("height", F(height));
            w.WriteAttributeString("viewBox", $"0 0 {F(width)} {F(height)}");
            w.WriteAttributeString("font-family", "DejaVu Sans, Verdana, sans-serif");
            w.WriteAttributeString("font-size", F(FontSize));
            Rect(w, "0", "0", F(width), F(height), "#ffffff", "none", 0, 0);
            Text(w, F(pad), F(pad + 12), title[0], "start", bold: true);
            Text(w, F(pad), F(pad + 28), title[1], "start");
            Legend(w, pad, pad + 38, perRow);

            foreach (var (path, c) in clusters.OrderBy(kv => DepthOf(kv.Key)))
            {
                var b = c.BoundingBox;
                w.WriteStartElement("g");
                w.WriteAttributeString("class", "block");
                w.WriteAttributeString("data-path", path);
                Rect(w, X(b.Left), Y(b.Top), F(b.Width), F(b.Height), DepthOf(path) % 2 == 1 ? "#f2f5fa" : "#e6ecf5", "#8ea3c2", 1, 6);
                string type = rows.TryGetValue(path, out var r) ? r.Type : "";
                Text(w, F(b.Left - box.Left + pad + 6), F(box.Top - b.Top + pad + legendHeight + LineHeight), $"{path} · {type}", "start", bold: true, fill: "#34495e");
                w.WriteEndElement();
            }
            foreach (var e in g.Edges)
            {
                w.WriteStartElement("path");
                w.WriteAttributeString("class", "edge");
                w.WriteAttributeString("d", PathOf(e.Curve, X, Y) + (e.EdgeGeometry.TargetArrowhead is { } a ? $" L {X(a.TipPosition.X)} {Y(a.TipPosition.Y)}" : ""));
                w.WriteAttributeString("fill", "none");
                w.WriteAttributeString("stroke", "#555555");
                w.WriteAttributeString("stroke-width", "1");
                w.WriteEndElement();
                if (e.EdgeGeometry.TargetArrowhead is { } head) Arrow(w, e.Curve.End, head.TipPosition, X, Y);
            }
            foreach (var it in order)
            {
                var b = nodes[it.Key].BoundingBox;
                double share = (double)it.Macs / totalMacs;
                w.WriteStartElement("g");
                w.WriteAttributeString("class", it.Key is "input" or "output" ? "io" : it.Collapsed ? "layer collapsed" : "layer");
                w.WriteAttributeString("data-path", it.Key);
                w.WriteAttributeString("data-op", it.Op);
                w.WriteAttributeString("data-macs", it.Macs.ToString(CultureInfo.InvariantCulture));
                string fill = it.Key is "input" or "output" ? "#ffffff" : Shade(share);
                string stroke = it.PiXCount > 0 ? "#d35400" : "#2c3e50";
                double strokeWidth = it.PiXCount > 0 ? 2.5 : 1;
                if (it.IsMerge)
                {
                    w.WriteStartElement("ellipse");
                    w.WriteAttributeString("cx", X(b.Center.X)); w.WriteAttributeString("cy", Y(b.Center.Y));
                    w.WriteAttributeString("rx", F(b.Width / 2)); w.WriteAttributeString("ry", F(b.Height / 2));
                    w.WriteAttributeString("fill", "#fdf2c4"); w.WriteAttributeString("stroke", stroke);
                    w.WriteEndElement();
                }
                else Rect(w, X(b.Left), Y(b.Top), F(b.Width), F(b.Height), fill, stroke, strokeWidth, 4, dashed: it.Collapsed);
                var lines = Lines(it, totalMacs);
                double top = box.Top - b.Top + pad + legendHeight + (b.Height - lines.Count * LineHeight) / 2 + FontSize;
                string textFill = share > 0.45 * MaxShare(order, totalMacs) && share > 0.02 ? "#ffffff" : "#1a1a1a";
                for (int k = 0; k < lines.Count; k++)
                    Text(w, X(b.Center.X), F(top + k * LineHeight), lines[k], "middle", bold: k == 0, fill: textFill);
                w.WriteEndElement();
            }
            w.WriteEndElement();
        }
        return new Drawing(Encoding.UTF8.GetString(stream.ToArray()), order.Count(i => i.Key is not ("input" or "output")), clusters.Count, edges.Count);
    }

    private sealed record Item(string Key, string Op, long[] Shape, long Macs, int PiXCount, bool IsMerge, bool Collapsed, int Layers = 1);

    private static bool IsMerge(string op) => op is "Add" or "Concat" or "Mul";

    private const double FontSize = 10, LineHeight = 12.5, CharWidth = 6.1;

    private static List<string> Lines(Item it, long totalMacs)
    {
        var name = it.Key.Split('.')[^1];
        if (it.Key is "input" or "output") return new() { it.Op, Dims(it.Shape) };
        if (it.IsMerge) return new() { it.Op == "Add" ? "+ add" : it.Op == "Concat" ? "concat" : "× scale", Dims(it.Shape) };
        var lines = new List<string>
        {
            it.Collapsed ? $"{it.Key} · {it.Op}" : $"{name} · {it.Op}",
            Dims(it.Shape) + (it.Collapsed ? $" · {it.Layers} layers" : ""),
        };
        if (it.Macs > 0) lines.Add($"{Macs(it.Macs)} · {100.0 * it.Macs / totalMacs:0.0} %");
        if (it.PiXCount > 0) lines.Add(it.Collapsed ? $"PiX ×{it.PiXCount}" : "PiX");
        return lines;
    }

    private static (double W, double H) Size(List<string> lines)
        => (Math.Max(54, lines.Max(l => l.Length) * CharWidth + 14), lines.Count * LineHeight + 8);

    private static double MaxShare(List<Item> items, long total) => items.Select(i => (double)i.Macs / total).DefaultIfEmpty(0).Max();

    /// <summary>White to dark red by the share of MACs (square root, so small shares still show).</summary>
    private static string Shade(double share)
    {
        double t = Math.Sqrt(Math.Clamp(share / 0.1, 0, 1));
        int r = (int)Math.Round(255 - t * (255 - 178)), gg = (int)Math.Round(255 - t * (255 - 24)), b = (int)Math.Round(255 - t * (255 - 43));
        return $"#{r:x2}{gg:x2}{b:x2}";
    }

    private const double LegendItem = 118;

    /// <summary>The legend's items: the shading scale, the PiX outline, the collapsed-block outline.</summary>
    private static readonly (string Label, string Fill, string Stroke, double StrokeWidth, bool Dashed)[] LegendItems =
    {
        ("0 % of MACs", Shade(0), "#2c3e50", 1, false), ("1 %", Shade(0.01), "#2c3e50", 1, false), ("3 %", Shade(0.03), "#2c3e50", 1, false),
        ("≥ 10 %", Shade(0.1), "#2c3e50", 1, false), ("PiX layer", "#ffffff", "#d35400", 2.5, false), ("collapsed block", "#ffffff", "#2c3e50", 1, true),
    };

    private static int LegendPerRow(double width) => Math.Clamp((int)(width / LegendItem), 3, LegendItems.Length);

    private static void Legend(XmlWriter w, double x, double y, int perRow)
    {
        for (int i = 0; i < LegendItems.Length; i++)
        {
            var (label, fill, stroke, strokeWidth, dashed) = LegendItems[i];
            double ix = x + i % perRow * LegendItem, iy = y + i / perRow * 18;
            Rect(w, F(ix), F(iy), "16", "12", fill, stroke, strokeWidth, 2, dashed);
            Text(w, F(ix + 22), F(iy + 10), label, "start");
        }
    }

    private static Cluster? Parent(string path, Dictionary<string, Cluster> clusters)
    {
        for (int i = path.LastIndexOf('.'); i > 0; i = path.LastIndexOf('.', i - 1))
            if (clusters.TryGetValue(path.Substring(0, i), out var c)) return c;
        return null;
    }

    private static Cluster? OwnerCluster(string key, Dictionary<string, Cluster> clusters) => Parent(key, clusters);

    private static string PathOf(ICurve curve, Func<double, string> x, Func<double, string> y)
    {
        var sb = new StringBuilder($"M {x(curve.Start.X)} {y(curve.Start.Y)}");
        void Segment(ICurve s)
        {
            switch (s)
            {
                case LineSegment l: sb.Append($" L {x(l.End.X)} {y(l.End.Y)}"); break;
                case CubicBezierSegment c: sb.Append($" C {x(c.B(1).X)} {y(c.B(1).Y)} {x(c.B(2).X)} {y(c.B(2).Y)} {x(c.B(3).X)} {y(c.B(3).Y)}"); break;
                case Curve cc: foreach (var inner in cc.Segments) Segment(inner); break;
                default:
                    for (int i = 1; i <= 16; i++)
                    {
                        var p = s[s.ParStart + (s.ParEnd - s.ParStart) * i / 16];
                        sb.Append($" L {x(p.X)} {y(p.Y)}");
                    }
                    break;
            }
        }
        Segment(curve);
        return sb.ToString();
    }

    private static void Arrow(XmlWriter w, Point from, Point tip, Func<double, string> x, Func<double, string> y)
    {
        var d = tip - from;
        if (d.Length < 1e-6) return;
        var u = d / d.Length;
        var n = new Point(-u.Y, u.X) * 3;
        var a = from + n; var b = from - n;
        w.WriteStartElement("polygon");
        w.WriteAttributeString("points", $"{x(tip.X)},{y(tip.Y)} {x(a.X)},{y(a.Y)} {x(b.X)},{y(b.Y)}");
        w.WriteAttributeString("fill", "#555555");
        w.WriteEndElement();
    }

    private static void Rect(XmlWriter w, string x, string y, string width, string height, string fill, string stroke, double strokeWidth, double radius, bool dashed = false)
    {
        w.WriteStartElement("rect");
        w.WriteAttributeString("x", x); w.WriteAttributeString("y", y);
        w.WriteAttributeString("width", width); w.WriteAttributeString("height", height);
        if (radius > 0) { w.WriteAttributeString("rx", F(radius)); w.WriteAttributeString("ry", F(radius)); }
        w.WriteAttributeString("fill", fill);
        w.WriteAttributeString("stroke", stroke);
        w.WriteAttributeString("stroke-width", F(strokeWidth));
        if (dashed) w.WriteAttributeString("stroke-dasharray", "4 2");
        w.WriteEndElement();
    }

    private static void Text(XmlWriter w, string x, string y, string text, string anchor, bool bold = false, string fill = "#1a1a1a")
    {
        w.WriteStartElement("text");
        w.WriteAttributeString("x", x); w.WriteAttributeString("y", y);
        w.WriteAttributeString("text-anchor", anchor);
        w.WriteAttributeString("fill", fill);
        if (bold) w.WriteAttributeString("font-weight", "bold");
        w.WriteString(text);
        w.WriteEndElement();
    }

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Dims(IReadOnlyList<long> shape) => string.Join("×", shape);

    /// <summary>MACs as the cost line writes them: "4.09 GMACs", "118.0 MMACs", "640 MACs".</summary>
    public static string Macs(long v) => v < 1000 ? $"{v} MACs" : Fmt(v) + "MACs";

    /// <summary>A count with a K/M/G suffix.</summary>
    public static string Fmt(long v) => v switch
    {
        >= 1_000_000_000 => (v / 1e9).ToString("0.00", CultureInfo.InvariantCulture) + " G",
        >= 1_000_000 => (v / 1e6).ToString("0.0", CultureInfo.InvariantCulture) + " M",
        >= 1_000 => (v / 1e3).ToString("0.0", CultureInfo.InvariantCulture) + " K",
        _ => v.ToString(CultureInfo.InvariantCulture),
    };
}

/// <summary>The <c>draw</c> command: <c>draw &lt;model&gt; --svg out.svg [--depth N]</c>.</summary>
public static class DrawCommand
{
    public static int Run(string model, string svgPath, int? depth, System.IO.TextWriter o, System.IO.TextWriter e)
    {
        var info = ZooCli.Known(model, e);
        if (info is null) return 1;
        var drawing = NetworkDrawing.Draw(NetworkDrawing.GraphOf(info), info.Cost!, depth);
        PiXGen.AtomicFile.WriteAllText(svgPath, drawing.Svg);
        o.WriteLine($"{info.Name}: wrote {svgPath} ({drawing.Nodes} nodes, {drawing.Blocks} blocks, {drawing.Edges} edges{(depth is { } d ? $", blocks below depth {d} collapsed" : "")})");
        return 0;
    }
}
