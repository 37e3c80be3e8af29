using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using PiXGen.Graph;
using PiXGen.Zoo;

namespace PiXGen.Tests;

/// <summary>
/// <c>draw</c> (the network graph as SVG, MSAGL layout) and <c>cost --plot</c> (per-stage MACs and parameters, ScottPlot):
/// the files are checked against the network's graph and cost report, not against themselves.
/// </summary>
public sealed class ZooDrawTests : IDisposable
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private readonly string _dir = Directory.CreateTempSubdirectory("pixgen-draw-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = ZooCli.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    private static NetworkGraph GraphOf(string model) => NetworkDrawing.GraphOf(ZooCatalog.Find(model)!);

    private XDocument Draw(string model, params string[] extra)
    {
        var path = Path.Combine(_dir, model + ".svg");
        var (code, output, err) = Run(new[] { "draw", model, "--svg", path }.Concat(extra).ToArray());
        Assert.True(code == 0, err);
        Assert.Contains(path, output);
        return XDocument.Load(path);   // well-formed XML, or this throws
    }

    private static List<XElement> Groups(XDocument doc, string cls)
        => doc.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == cls).ToList();

    [Theory]
    [InlineData("resnet50")]
    [InlineData("pix_resnet50")]
    [InlineData("googlenet")]    // branches concatenated
    public void Svg_has_one_node_per_layer_and_names_every_block(string model)
    {
        var doc = Draw(model);
        Assert.Equal("svg", doc.Root!.Name.LocalName);
        var graph = GraphOf(model);

        // One layer node per graph node, with its path, op and output shape.
        var layers = Groups(doc, "layer");
        Assert.Equal(graph.Nodes.Count, layers.Count);
        var byPath = layers.ToDictionary(g => (string)g.Attribute("data-path")!);
        foreach (var n in graph.Nodes)
        {
            Assert.True(byPath.TryGetValue(n.Output, out var g), $"no node for {n.Output}");
            Assert.Equal(n.Op, (string?)g!.Attribute("data-op"));
            Assert.Contains(string.Join("×", n.Shape), string.Concat(g.Descendants(Svg + "text").Select(t => t.Value + "\n")));
        }

        // Merges (residual adds, concatenated branches) are round nodes with an edge from each input.
        var merges = graph.Nodes.Where(n => n.Op is "Add" or "Concat").ToList();
        Assert.NotEmpty(merges);
        Assert.All(merges, n => Assert.NotNull(byPath[n.Output].Element(Svg + "ellipse")));
        if (model == "googlenet") Assert.Contains(merges, n => n.Op == "Concat" && n.Inputs.Length == 4);

        // Every block (a proper prefix of a layer path) is a labelled cluster.
        var blocks = graph.Nodes.SelectMany(n => { var p = n.Output.Split('.'); return Enumerable.Range(1, p.Length - 1).Select(k => string.Join(".", p.Take(k))); })
            .ToHashSet();
        var clusters = Groups(doc, "block").ToDictionary(g => (string)g.Attribute("data-path")!);
        Assert.Equal(blocks.OrderBy(b => b, StringComparer.Ordinal), clusters.Keys.OrderBy(b => b, StringComparer.Ordinal));
        foreach (var b in blocks) Assert.StartsWith(b + " · ", clusters[b].Element(Svg + "text")!.Value);

        // Every edge of the graph is drawn (plus the one to the output).
        Assert.Equal(graph.Nodes.Sum(n => n.Inputs.Distinct().Count()) + 1, doc.Descendants(Svg + "path").Count(p => (string?)p.Attribute("class") == "edge"));
    }

    [Fact]
    public void Nodes_are_shaded_by_share_of_MACs_and_PiX_layers_are_marked()
    {
        var doc = Draw("pix_resnet50");
        var cost = ZooCatalog.Find("pix_resnet50")!.Cost!;
        var layers = Groups(doc, "layer");
        var pix = layers.Where(g => (string?)g.Attribute("data-op") == "PiX").ToList();
        Assert.Equal(GraphOf("pix_resnet50").Nodes.Count(n => n.Op == "PiX"), pix.Count);
        Assert.NotEmpty(pix);
        Assert.All(pix, g => Assert.Equal("#d35400", (string?)g.Element(Svg + "rect")!.Attribute("stroke")));
        Assert.All(layers.Where(g => (string?)g.Attribute("data-op") == "Conv2d"), g => Assert.NotEqual("#d35400", (string?)g.Element(Svg + "rect")!.Attribute("stroke")));

        // MACs per node are the cost report's; a node without MACs is white, the costliest the darkest.
        var rows = cost.Rows.Where(r => r.IsLeaf).ToDictionary(r => r.Path);
        foreach (var g in layers)
        {
            var path = (string)g.Attribute("data-path")!;
            Assert.Equal(rows.TryGetValue(path, out var r) ? r.Macs : 0, (long)g.Attribute("data-macs")!);
        }
        string Fill(XElement g) => (string)g.Element(Svg + "rect")!.Attribute("fill")!;
        int Darkness(XElement g) { var f = Fill(g); return 3 * 255 - Convert.ToInt32(f.Substring(1, 2), 16) - Convert.ToInt32(f.Substring(3, 2), 16) - Convert.ToInt32(f.Substring(5, 2), 16); }
        var boxes = layers.Where(g => g.Element(Svg + "rect") is not null).ToList();
        Assert.All(boxes.Where(g => (long)g.Attribute("data-macs")! == 0), g => Assert.Equal("#ffffff", Fill(g)));
        var costliest = boxes.MaxBy(g => (long)g.Attribute("data-macs")!)!;
        Assert.Equal(boxes.Max(Darkness), Darkness(costliest));
        Assert.True(Darkness(costliest) > 0);
    }

    [Fact]
    public void Depth_collapses_blocks_into_nodes_that_sum_their_layers()
    {
        var doc = Draw("resnet50", "--depth", "1");
        var cost = ZooCatalog.Find("resnet50")!.Cost!;
        var top = cost.Rows.Where(r => r.Depth == 0).ToList();
        var collapsed = Groups(doc, "layer collapsed");
        var layers = Groups(doc, "layer");
        // At depth 1: one node per network member; the four stages are collapsed and carry their MACs.
        Assert.Equal(top.Count, layers.Count + collapsed.Count);
        Assert.Equal(new[] { "layer1", "layer2", "layer3", "layer4" }, collapsed.Select(g => (string)g.Attribute("data-path")!));
        foreach (var g in collapsed)
            Assert.Equal(top.Single(r => r.Path == (string)g.Attribute("data-path")!).Macs, (long)g.Attribute("data-macs")!);
        Assert.Empty(Groups(doc, "block"));

        // At depth 2: the stages are clusters of collapsed bottlenecks.
        doc = Draw("resnet50", "--depth", "2");
        Assert.Equal(new[] { "layer1", "layer2", "layer3", "layer4" }, Groups(doc, "block").Select(g => (string)g.Attribute("data-path")!).OrderBy(p => p));
        Assert.Equal(3 + 4 + 6 + 3, Groups(doc, "layer collapsed").Count);
    }

    [Fact]
    public void Draw_errors_name_the_problem_and_write_nothing()
    {
        var (code, _, err) = Run("draw", "resnt50", "--svg", Path.Combine(_dir, "x.svg"));
        Assert.Equal(1, code);
        Assert.Contains("resnet50", err);
        var missing = Path.Combine(_dir, "no-such-folder", "x.svg");
        (code, _, err) = Run("draw", "resnet18", "--svg", missing);
        Assert.Equal(1, code);
        Assert.Contains("no-such-folder", err);
        (code, _, err) = Run("draw", "resnet18", "--svg", Path.Combine(_dir, "y.svg"), "--depth", "0");
        Assert.Equal(2, code);
        Assert.Contains("--depth", err);
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public void Cost_plot_writes_a_png_of_the_expected_size()
    {
        var path = Path.Combine(_dir, "cost.png");
        var (code, output, err) = Run("cost", "resnet50", "--vs", "pix_resnet50", "--plot", path);
        Assert.True(code == 0, err);
        Assert.Contains("6 stages", output);   // stem, layer1..layer4, head
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, bytes.Take(8));
        int Be(int at) => (bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3];
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        Assert.Equal(CostPlot.Width, Be(16));
        Assert.Equal(CostPlot.Height, Be(20));
        Assert.Equal((1200, 900), (CostPlot.Width, CostPlot.Height));
        Assert.DoesNotContain(Directory.GetFiles(_dir), f => f.EndsWith(".tmp"));
    }

    [Fact]
    public void Cost_stages_sum_to_the_network_and_pair_up_across_names()
    {
        var dense = CostPlot.Stages(ZooCatalog.Find("resnet50")!.Cost!);
        var pix = CostPlot.Stages(ZooCatalog.Find("pix_resnet50")!.Cost!);
        Assert.Equal(new[] { "stem", "layer1", "layer2", "layer3", "layer4", "head" }, dense.Select(s => s.Name));
        Assert.Equal(dense.Select(s => s.Name), pix.Select(s => s.Name));   // conv_stem/classifier vs conv1/fc: both stem and head
        Assert.Equal(ZooCatalog.Find("resnet50")!.Cost!.Macs, dense.Sum(s => s.Macs));
        Assert.Equal(ZooCatalog.Find("resnet50")!.Cost!.Parameters, dense.Sum(s => s.Parameters));
        Assert.True(pix.Single(s => s.Name == "layer3").Macs < dense.Single(s => s.Name == "layer3").Macs);
    }

    [Fact]
    public void Cost_vs_without_plot_is_a_usage_error()
    {
        var (code, _, err) = Run("cost", "resnet50", "--vs", "pix_resnet50");
        Assert.Equal(2, code);
        Assert.Contains("--plot", err);
        (code, _, err) = Run("cost", "resnet50", "--vs", "pix_resnt50", "--plot", Path.Combine(_dir, "c.png"));
        Assert.Equal(1, code);
        Assert.Contains("pix_resnet50", err);
    }
}
