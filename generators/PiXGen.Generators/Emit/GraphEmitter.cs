using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using PiXGen.Generators.Definitions;
using PiXGen.Generators.Model;

namespace PiXGen.Generators.Emit;

/// <summary>
/// Lowers the instantiated network (<see cref="LayerNode"/> tree, after every pass) to its dataflow graph and
/// emits it as the network's <c>Graph</c> (<c>PiXGen.Graph.NetworkGraph</c>, see src/PiXGen/Graph/NetworkGraph.cs):
/// one node per tensor op in topological order, with concrete settings, the compile-time output shape and the
/// state_dict prefix of its parameters. Residual connections become <c>Add</c> nodes; composite layers
/// (squeeze-excitation) become their primitive ops. Inference fusion, ONNX export and the graph executor read it.
/// </summary>
public static class GraphEmitter
{
    /// <summary>A node of the lowered graph.</summary>
    public sealed record Node(string Output, string Op, IReadOnlyList<string> Inputs, string? Module,
        IReadOnlyList<KeyValuePair<string, string>> Attributes, Shape Shape);

    /// <summary>The lowered graph, or null with the reason when some part is not described by attributes.</summary>
    public sealed record Lowered(IReadOnlyList<Node>? Nodes, string? Output, string? Unsupported);

    public static string HintName(ClassDecl network) => network.FullName.Replace("global::", "") + ".Graph.g.cs";

    /// <summary>Lowers <paramref name="network"/>; <paramref name="userForward"/> tells which classes have a hand-written forward.</summary>
    public static Lowered Lower(LayerNode network, System.Func<string, bool> userForward)
    {
        var nodes = new List<Node>();
        try
        {
            var output = Scope(network, "input", nodes, userForward);
            return new Lowered(nodes, output, null);
        }
        catch (UnsupportedException ex)
        {
            return new Lowered(null, null, ex.Message);
        }
    }

    private sealed class UnsupportedException : System.Exception
    {
        public UnsupportedException(string message) : base(message) { }
    }

    private static string Int(long v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>A network or block instance: main path, shortcut path, add, after-add layers.</summary>
    private static string Scope(LayerNode scope, string input, List<Node> nodes, System.Func<string, bool> userForward)
    {
        if (scope.Class is not null && userForward(scope.Class))
            throw new UnsupportedException($"{(scope.Path.Length == 0 ? scope.Name : scope.Path)} ({scope.Op}) has a hand-written forward");
        var x = input;
        foreach (var c in scope.Children.Where(c => c.Role == NodeRole.Main)) x = Apply(c, x, nodes, userForward);
        if (scope.Residual)
        {
            var shortcut = input;
            foreach (var c in scope.Children.Where(c => c.Role == NodeRole.Shortcut)) shortcut = Apply(c, shortcut, nodes, userForward);
            var name = Prefix(scope) + "add";
            nodes.Add(new Node(name, "Add", new[] { x, shortcut }, null, new KeyValuePair<string, string>[0], scope.Out));
            x = name;
        }
        foreach (var c in scope.Children.Where(c => c.Role == NodeRole.AfterAdd)) x = Apply(c, x, nodes, userForward);
        if (scope.Dense)
        {
            // [Dense]: the output is the input with the members' output appended along the channels.
            var name = Prefix(scope) + "cat";
            nodes.Add(new Node(name, "Concat", new[] { input, x }, null, new KeyValuePair<string, string>[0], scope.Out));
            x = name;
        }
        return x;
    }

    private static string Prefix(LayerNode scope) => scope.Path.Length == 0 ? "" : scope.Path + ".";

    private static string Apply(LayerNode n, string x, List<Node> nodes, System.Func<string, bool> userForward)
    {
        switch (n.Kind)
        {
            case NodeKind.Sequential:
                foreach (var c in n.Children) x = Apply(c, x, nodes, userForward);
                return x;
            case NodeKind.Block:
                return Scope(n, x, nodes, userForward);
            case NodeKind.Parallel:
            {
                // [Branch] members: every branch from the input (or from its channel chunk with Split), then concat or add.
                bool split = n.Get("Split") == "true";
                int count = n.Children.Count;
                var outputs = new List<string>();
                for (int i = 0; i < count; i++)
                {
                    var branch = n.Children[i];
                    var start = x;
                    if (split)
                    {
                        long size = n.In.C / count;
                        start = branch.Path + ".chunk";
                        nodes.Add(new Node(start, "ChannelSlice", new[] { x }, null, new[] { A("start", i * size), A("count", size) }, branch.In));
                    }
                    var y = start;
                    foreach (var c in branch.Children) y = Apply(c, y, nodes, userForward);
                    outputs.Add(y);
                }
                var merged = (n.Path.Length == 0 ? "" : n.Path + ".") + n.Name + (n.Get("Merge") == "add" ? ".add" : ".cat");
                nodes.Add(new Node(merged, n.Get("Merge") == "add" ? "Add" : "Concat", outputs, null, new KeyValuePair<string, string>[0], n.Out));
                return merged;
            }
            default:
                return Layer(n, x, nodes);
        }
    }

    private static KeyValuePair<string, string> A(string name, string value) => new(name, value);
    private static KeyValuePair<string, string> A(string name, long value) => new(name, Int(value));
    private static string Layer(LayerNode n, string x, List<Node> nodes)
    {
        string Add(string op, IReadOnlyList<KeyValuePair<string, string>> attributes, string? module = null, string? output = null,
            IReadOnlyList<string>? inputs = null, Shape? shape = null)
        {
            var name = output ?? n.Path;
            nodes.Add(new Node(name, op, inputs ?? new[] { x }, module, attributes, shape ?? n.Out));
            return name;
        }
        switch (n.Layer)
        {
            case LayerKind.Defined:
            {
                var kind = DefinedKind.All[n.Op];
                // A composite kind (SqueezeExcitation) is its parts.
                if (kind.Lower(n.Path, x, n.In, kind.Read(s => n.Get(s.Name))) is { } parts)
                {
                    foreach (var part in parts) Add(part.Op, part.Attributes, part.Module, part.Output, part.Inputs, part.Shape);
                    return parts[parts.Count - 1].Output;
                }
                // Its settings as the definition writes them (a pair as "h,w"; one left out takes its SameAs's text or its default).
                return Add(n.Op, kind.GraphAttributes(n.Get),
                    kind.Stateful ? n.Path : null,
                    // A parameter kind (a layer scale): the module is the parameter itself, whose state_dict key is the path.
                    output: kind.IsParameter ? n.Path + ".mul" : null);
            }
            default:
                // A layer kind the graph has no rule for yet: every setting as an attribute, under its attribute name.
                return Add(n.Op, n.Settings.Select(s => A(char.ToLowerInvariant(s.Name[0]) + s.Name.Substring(1), s.Value)).ToList(), n.Path);
        }
    }

    // ------------------------------------------------------------------ emission

    /// <summary>The generated file: the network implements <c>IHasGraph</c> and exposes <c>Graph</c>.</summary>
    public static string Emit(ClassDecl network, LayerNode ir, Lowered lowered)
    {
        var w = new IndentedWriter();
        w.Line("// <auto-generated/>");
        w.Line($"// Generated by PiXGen: the dataflow graph of {network.Name}, lowered from the compiler's IR.");
        w.Line("#nullable enable");
        w.Line();
        bool hasNs = network.Namespace.Length > 0;
        if (hasNs) w.Open($"namespace {network.Namespace}");
        w.Open($"partial class {network.Name} : global::PiXGen.Graph.IHasGraph");
        w.Line("private static global::PiXGen.Graph.NetworkGraph? s_graph;");
        w.Line();
        w.Line("/// <summary>");
        w.Line($"/// The dataflow graph of {network.Name} at its declared input {ir.In} (default arguments): every op in order, with its");
        w.Line("/// settings, output shape and state_dict prefix. Inference fusion and ONNX export read it.");
        w.Line("/// </summary>");
        w.Line("public static global::PiXGen.Graph.NetworkGraph Graph => s_graph ??= BuildGraph();");
        w.Line();
        w.Line("global::PiXGen.Graph.NetworkGraph global::PiXGen.Graph.IHasGraph.Graph => Graph;");
        w.Line();
        w.Open("private static global::PiXGen.Graph.NetworkGraph BuildGraph()");
        if (lowered.Nodes!.Any(n => n.Attributes.Count > 0))
            w.Line("static global::PiXGen.Graph.GraphAttribute A(string name, string value) => new(name, value);");
        w.Line("var nodes = new global::PiXGen.Graph.GraphNode[]");
        w.Line("{");
        foreach (var node in lowered.Nodes!)
        {
            var sb = new StringBuilder("    new(");
            sb.Append(Str(node.Output)).Append(", ").Append(Str(node.Op)).Append(", new[] { ")
              .Append(string.Join(", ", node.Inputs.Select(Str))).Append(" }, ")
              .Append(node.Module is null ? "null" : Str(node.Module)).Append(", ");
            sb.Append(node.Attributes.Count == 0 ? "global::System.Array.Empty<global::PiXGen.Graph.GraphAttribute>()"
                : "new[] { " + string.Join(", ", node.Attributes.Select(a => $"A({Str(a.Key)}, {Str(a.Value)})")) + " }");
            sb.Append(", new long[] { ").Append(node.Shape.ToArrayLiteral()).Append(" }),");
            w.Line(sb.ToString());
        }
        w.Line("};");
        w.Line($"return new global::PiXGen.Graph.NetworkGraph({Str(network.Name)}, new long[] {{ {ir.In.ToArrayLiteral()} }}, nodes, {Str(lowered.Output!)});");
        w.Close();
        w.Close();
        if (hasNs) w.Close();
        return w.ToString();
    }

    private static string Str(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
