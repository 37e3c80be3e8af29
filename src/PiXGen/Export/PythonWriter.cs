using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using PiXGen.Definitions;
using PiXGen.Graph;
using PiXGen.Init;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PiXGen.Export;

/// <summary>
/// Writes the Python module of <see cref="PyTorchExporter"/>: the module tree from the graph's module paths, one class
/// per block structure, the forward of each block and of the network, the initialisation table and the manifest.
/// </summary>
internal sealed class PythonWriter
{
    private enum Kind { Leaf, Sequential, Block, Holder }

    private sealed class TreeNode
    {
        public required string Path;
        public required string Name;
        public TreeNode? Parent;
        public readonly List<TreeNode> Children = new();
        public Kind Kind;
        public int Node = -1;                 // the graph node of a leaf
        public List<int> Region = new();      // the graph nodes under this path, in order
        public string? ClassName;
    }

    private readonly NetworkGraph graph;
    private readonly string moduleName;
    private readonly List<PyTorchExporter.StateEntry> stateDict;
    private readonly IReadOnlyDictionary<string, nn.Module> modules;
    private readonly InitPlan? plan;
    private readonly PyTorchExporter.Manifest manifest;
    private readonly Dictionary<string, TreeNode> tree = new(StringComparer.Ordinal);
    private readonly TreeNode root;
    private readonly string[] owner;                               // per graph node: its leaf path or its output name
    private readonly Dictionary<string, int> producer = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<int>> readers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> classTexts = new(StringComparer.Ordinal); // body → class name
    private readonly List<string> classes = new();
    private readonly HashSet<string> classNames = new(StringComparer.Ordinal);

    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif", "else",
        "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise",
        "return", "try", "while", "with", "yield",
        // nn.Module members a child must not shadow
        "training", "forward", "state_dict", "parameters", "buffers", "modules", "children", "apply", "cuda", "cpu", "type", "float",
        "double", "half", "to", "train", "eval", "zero_grad", "register_buffer", "register_parameter", "add_module", "load_state_dict",
        "named_modules", "named_parameters", "named_buffers", "named_children", "requires_grad_", "extra_repr", "get_submodule",
        "weight", "bias", "x", "self", "torch", "nn", "F",
    };

    public PythonWriter(NetworkGraph graph, string moduleName, List<PyTorchExporter.StateEntry> stateDict,
                        IReadOnlyDictionary<string, nn.Module> modules, InitPlan? plan, PyTorchExporter.Manifest manifest)
    {
        this.graph = graph;
        this.moduleName = moduleName;
        this.stateDict = stateDict;
        this.modules = modules;
        this.plan = plan;
        this.manifest = manifest;
        root = new TreeNode { Path = "", Name = "", Kind = Kind.Block, ClassName = ClassName(graph.Network) };
        tree[""] = root;
        owner = new string[graph.Nodes.Count];
        for (int i = 0; i < graph.Nodes.Count; i++) {
            var n = graph.Nodes[i];
            producer[n.Output] = i;
            foreach (var v in n.Inputs) {
                if (!readers.TryGetValue(v, out var list)) readers[v] = list = new List<int>();
                list.Add(i);
            }
        }
        BuildTree();
        Classify(root);
    }

    internal static bool IsIdentifier(string s) =>
        s.Length > 0 && !char.IsDigit(s[0]) && s.All(ch => ch == '_' || (ch < 128 && char.IsLetterOrDigit(ch)));

    private static bool IsAttribute(string s) => IsIdentifier(s) && !Keywords.Contains(s);

    // ------------------------------------------------------------------ the module tree

    private void BuildTree()
    {
        var order = modules.Keys.Select((k, i) => (k, i)).ToDictionary(p => p.k, p => p.i, StringComparer.Ordinal);
        for (int i = 0; i < graph.Nodes.Count; i++) {
            var n = graph.Nodes[i];
            string? leaf = n.Module;
            if (leaf is null && DefinedKind.All.ContainsKey(n.Op) && modules.TryGetValue(n.Output, out var m) && !m.children().Any()
                && !tree.ContainsKey(n.Output))
                leaf = n.Output;
            owner[i] = leaf ?? n.Output;
            if (leaf is null) continue;
            if (tree.TryGetValue(leaf, out var existing))
                throw new ArgumentException($"Graph '{graph.Network}': module '{leaf}' is read by node '{graph.Nodes[existing.Node].Output}' and by node '{n.Output}'; the PyTorch export needs one node per module.");
            var t = Ensure(leaf);
            t.Kind = Kind.Leaf;
            t.Node = i;
        }
        // every state_dict entry must belong to a module a node reads
        foreach (var e in stateDict) {
            int dot = e.Key.LastIndexOf('.');
            string path = dot < 0 ? "" : e.Key[..dot];
            // a layer scale is itself the entry: its node's module is its key
            if (tree.TryGetValue(e.Key, out var own) && own.Kind == Kind.Leaf && DefinedKind.ParameterKind(graph.Nodes[own.Node].Op)) continue;
            if (!tree.TryGetValue(path, out var t) || t.Kind != Kind.Leaf || t.Children.Count > 0)
                throw new ArgumentException($"Graph '{graph.Network}': the state_dict entry '{e.Key}' belongs to module '{path}', which no graph node reads as a layer; the PyTorch export cannot place it.");
        }
        foreach (var t in tree.Values) {
            if (t.Kind == Kind.Leaf && t.Children.Count > 0)
                throw new ArgumentException($"Graph '{graph.Network}': module '{t.Path}' is a layer of node '{graph.Nodes[t.Node].Output}' and also holds modules ({string.Join(", ", t.Children.Select(c => c.Path))}).");
            t.Children.Sort((a, b) => Order(a).CompareTo(Order(b)));
        }
        int Order(TreeNode t) => order.TryGetValue(t.Path, out var i) ? i : int.MaxValue;
        // a node named after a container (squeeze-and-excitation's final Mul) belongs to it
        for (int i = 0; i < graph.Nodes.Count; i++)
            for (var p = tree.TryGetValue(owner[i], out var own) && own.Kind != Kind.Leaf ? owner[i] : Parent(owner[i]); p is not null; p = Parent(p))
                if (tree.TryGetValue(p, out var t)) t.Region.Add(i);
        root.Region = Enumerable.Range(0, graph.Nodes.Count).ToList();
        foreach (var t in tree.Values.Where(t => t.Kind == Kind.Leaf)) t.Region = new List<int> { t.Node };
    }

    private static string? Parent(string path)
    {
        if (path.Length == 0) return null;
        int dot = path.LastIndexOf('.');
        return dot < 0 ? "" : path[..dot];
    }

    private TreeNode Ensure(string path)
    {
        if (tree.TryGetValue(path, out var t)) return t;
        var parent = Ensure(Parent(path)!);
        t = new TreeNode { Path = path, Name = path[(path.LastIndexOf('.') + 1)..], Parent = parent, Kind = Kind.Holder };
        parent.Children.Add(t);
        tree[path] = t;
        return t;
    }

    /// <summary>Blocks (single entry, single exit, contiguous), Sequentials (chains of children 0…n−1) and holders.</summary>
    private void Classify(TreeNode t)
    {
        foreach (var c in t.Children) Classify(c);
        if (t.Kind == Kind.Leaf || t == root) return;
        var entry = Entry(t.Region);
        if (entry is null) { t.Kind = Kind.Holder; return; }
        bool numbered = t.Children.Select((c, i) => c.Name == i.ToString(CultureInfo.InvariantCulture)).All(b => b);
        if (numbered && t.Children.All(c => c.Kind != Kind.Holder)) {
            var chain = t.Children.SelectMany(c => c.Region).ToList();
            string input = entry;
            bool isChain = chain.SequenceEqual(t.Region);
            foreach (var c in t.Children) {
                if (!isChain) break;
                isChain = Entry(c.Region) == input;
                input = graph.Nodes[c.Region[^1]].Output;
            }
            if (isChain) { t.Kind = Kind.Sequential; return; }
        }
        t.Kind = Kind.Block;
    }

    /// <summary>The one value a contiguous region reads from outside, when only its last value is read outside; else null.</summary>
    private string? Entry(List<int> region)
    {
        if (region.Count == 0 || region[^1] - region[0] + 1 != region.Count) return null;
        var inside = region.Select(i => graph.Nodes[i].Output).ToHashSet(StringComparer.Ordinal);
        var external = region.SelectMany(i => graph.Nodes[i].Inputs).Where(v => !inside.Contains(v)).Distinct().ToList();
        if (external.Count != 1) return null;
        foreach (var i in region.Take(region.Count - 1)) {
            var v = graph.Nodes[i].Output;
            if (v == graph.Output) return null;
            if (readers.TryGetValue(v, out var rs) && rs.Any(r => r < region[0] || r > region[^1])) return null;
        }
        return external[0];
    }

    // ------------------------------------------------------------------ writing

    public string Write()
    {
        var body = new StringBuilder();
        string rootClass = WriteContainer(root);
        var w = new StringBuilder();
        w.Append(PythonRuntime.Header(graph.Network, moduleName, rootClass, graph.InputShape));
        w.Append(PythonRuntime.Library);
        foreach (var c in classes) w.Append("\n\n").Append(c);
        w.Append("\n\n").Append(InitTable());
        w.Append("\n\n").Append(Build(rootClass));
        w.Append("\n\n").Append(ManifestText());
        return w.ToString();
    }

    /// <summary>Writes the class of a block, holder or the network (deduplicated by text) and returns its name.</summary>
    private string WriteContainer(TreeNode t)
    {
        var init = new StringBuilder();
        foreach (var c in t.Children) {
            string expr = Construct(c, "        ");
            init.Append(IsAttribute(c.Name)
                ? $"        self.{c.Name} = {expr}\n"
                : $"        self.add_module(\"{c.Name}\", {expr})\n");
        }
        string baseClass = t == root ? "ExportedNetwork" : "nn.Module";
        var text = new StringBuilder();
        string doc = t == root
            ? $"The network {graph.Network}, {Dims(graph.InputShape)} → {Dims(manifest.OutputShape)}."
            : t.Kind == Kind.Block
                ? $"{TypeName(t)} (first used at '{t.Path}')."
                : $"Holds the modules at '{t.Path}' ({TypeName(t)}); its ops run in the enclosing forward.";
        text.Append($"    \"\"\"{doc}\"\"\"\n\n");
        text.Append("    def __init__(self):\n        super().__init__()\n");
        text.Append(init.Length == 0 ? "" : init.ToString());
        if (t.Kind == Kind.Block) {
            text.Append("\n    def forward(self, x):\n");
            text.Append(Forward(t));
        }
        string body = text.ToString();
        if (t == root) {
            classes.Add($"class {t.ClassName}({baseClass}):\n{body}");
            return t.ClassName!;
        }
        // identical structure, one class: the docstring's first path is left out of the comparison
        string key = body.Replace($"'{t.Path}'", "''");
        if (classTexts.TryGetValue(key, out var name)) return name;
        name = ClassName(TypeName(t));
        classTexts[key] = name;
        classes.Add($"class {name}({baseClass}):\n{body}");
        return name;
    }

    private string TypeName(TreeNode t) =>
        modules.TryGetValue(t.Path, out var m) && m.GetType().Name is var n && n != "Sequential" && n != "ModuleList" && !n.StartsWith('<')
            ? n : "Stage";

    private string ClassName(string preferred)
    {
        var baseName = new string(preferred.Select(ch => ch < 128 && char.IsLetterOrDigit(ch) ? ch : '_').ToArray());
        if (baseName.Length == 0 || char.IsDigit(baseName[0])) baseName = "Net" + baseName;
        if (PythonRuntime.Names.Contains(baseName)) baseName += "Block";
        string name = baseName;
        for (int i = 2; !classNames.Add(name); i++) name = baseName + i.ToString(CultureInfo.InvariantCulture);
        return name;
    }

    private string Construct(TreeNode c, string indent)
    {
        switch (c.Kind) {
        case Kind.Leaf:
            return LeafModule(c);
        case Kind.Sequential: {
                var items = c.Children.Select(x => Construct(x, indent + "    ")).ToList();
                return "nn.Sequential(\n" + string.Concat(items.Select(i => $"{indent}    {i},\n")) + indent + ")";
            }
        default:
            return WriteContainer(c) + "()";
        }
    }

    /// <summary>The forward of a block or the network over its region.</summary>
    private string Forward(TreeNode block)
    {
        var sb = new StringBuilder();
        var vars = new Dictionary<string, string>(StringComparer.Ordinal);
        var used = new HashSet<string>(StringComparer.Ordinal) { "x" };
        string entry = block == root ? NetworkGraph.InputName : Entry(block.Region)!;
        vars[entry] = "x";
        string Var(string value, string? nameAfter = null)
        {
            if (vars.TryGetValue(value, out var v)) return v;
            string named = nameAfter ?? value;
            string rel = block.Path.Length > 0 && named.StartsWith(block.Path + ".", StringComparison.Ordinal) ? named[(block.Path.Length + 1)..] : named;
            var baseName = new string(rel.Select(ch => ch < 128 && char.IsLetterOrDigit(ch) ? ch : '_').ToArray());
            if (baseName.Length == 0 || char.IsDigit(baseName[0]) || Keywords.Contains(baseName) || PythonRuntime.Names.Contains(baseName)) baseName = "v_" + baseName;
            string name = baseName;
            for (int i = 2; !used.Add(name); i++) name = baseName + "_" + i.ToString(CultureInfo.InvariantCulture);
            return vars[value] = name;
        }
        var region = block.Region;
        int k = 0;
        while (k < region.Count) {
            int i = region[k];
            var n = graph.Nodes[i];
            var unit = UnitOf(block, owner[i]);
            if (unit is not null) {
                string last = graph.Nodes[unit.Region[^1]].Output;
                string input = unit.Kind == Kind.Leaf ? n.Inputs[0] : Entry(unit.Region)!;
                string call = unit.Kind == Kind.Leaf && DefinedKind.ParameterKind(n.Op)
                    ? $"{Var(input)} * {Reference(block, unit)}"          // a parameter, not a module
                    : $"{Reference(block, unit)}({Var(input)})";
                sb.Append($"        {Var(last, unit.Path)} = {call}\n");
                k += unit.Region.Count;
                continue;
            }
            sb.Append($"        {Var(n.Output)} = {Inline(n, n.Inputs.Select(v => Var(v)).ToArray())}\n");
            k++;
        }
        sb.Append($"        return {Var(block == root ? graph.Output : graph.Nodes[region[^1]].Output)}\n");
        return sb.ToString();
    }

    /// <summary>The leaf, Sequential or block below <paramref name="block"/> that runs <paramref name="ownerPath"/>'s node as a unit, or null (inline).</summary>
    private TreeNode? UnitOf(TreeNode block, string ownerPath)
    {
        if (ownerPath == block.Path) return null;   // a node named after the block itself (squeeze-and-excitation's Mul)
        string rel = block.Path.Length == 0 ? ownerPath : ownerPath[(block.Path.Length + 1)..];
        var t = block;
        foreach (var seg in rel.Split('.')) {
            var next = t.Children.FirstOrDefault(c => c.Name == seg);
            if (next is null) return null;
            if (next.Kind != Kind.Holder) return next;
            t = next;
        }
        return null;
    }

    private string Reference(TreeNode from, TreeNode to)
    {
        var chain = new List<TreeNode>();
        for (var t = to; t != from; t = t.Parent!) chain.Add(t);
        chain.Reverse();
        var sb = new StringBuilder("self");
        foreach (var t in chain) {
            if (t.Parent!.Kind == Kind.Sequential) sb.Append('[').Append(t.Name).Append(']');
            else if (IsAttribute(t.Name)) sb.Append('.').Append(t.Name);
            else { var inner = sb.ToString(); sb.Clear().Append($"getattr({inner}, \"{t.Name}\")"); }
        }
        return sb.ToString();
    }

    // ------------------------------------------------------------------ ops

    private string LeafModule(TreeNode t)
    {
        var n = graph.Nodes[t.Node];
        bool HasKey(string leaf) => stateDict.Any(e => e.Key == KindTensor.Key(t.Path, leaf));
        return DefinedModule(n, modules.GetValueOrDefault(t.Path), HasKey) ?? throw new ArgumentException($"Graph '{graph.Network}', node '{n.Output}': op {n.Op} has no PyTorch module in the exporter.");
    }

    private string Inline(GraphNode n, string[] xs)
    {
        string x = xs.Length > 0 ? xs[0] : "";
        switch (n.Op) {
        case "Add": return string.Join(" + ", xs);
        case "Mul": return $"{xs[0]} * {xs[1]}";
        case "Concat": return $"torch.cat([{string.Join(", ", xs)}], 1)";
        case "ChannelSlice": return $"{x}[:, {Int(n.GetInt("start"))}:{Int(n.GetInt("start") + n.GetInt("count"))}]";
        default:
            return DefinedKind.All.TryGetValue(n.Op, out var kind)
                ? kind.PyTorchCall(x, GraphOps.ShapeOf(graph, n.Inputs[0])[0], GraphOps.Settings(kind, n), Real)
                : throw new ArgumentException($"Graph '{graph.Network}', node '{n.Output}': op {n.Op}{(n.Module is null ? "" : $" (module '{n.Module}')")} has no inline PyTorch form in the exporter.");
        }
    }

    private static string Int(long v) => v.ToString(CultureInfo.InvariantCulture);
    private static string Dims(IEnumerable<long> shape) => string.Join("×", shape.Select(Int));

    /// <summary>The PyTorch module of a kind defined in src/PiXGen.Definitions/DefinedKinds.cs, or null for another op.</summary>
    private string? DefinedModule(GraphNode n, nn.Module? module, Func<string, bool> has)
        => DefinedKind.All.TryGetValue(n.Op, out var kind)
            ? kind.PyTorch(GraphOps.ShapeOf(graph, n.Inputs[0])[0], GraphOps.Settings(kind, n), Real, module, has)
            : null;

    internal static string Real(double v)
    {
        string s = v.ToString("R", CultureInfo.InvariantCulture);
        return s.Contains('.') || s.Contains('E') || s.Contains("Inf") || s.Contains("NaN") ? s : s + ".0";
    }

    // ------------------------------------------------------------------ initialisation, build, manifest

    private string InitTable()
    {
        var sb = new StringBuilder();
        sb.Append("# ---- initialisation: the C# constructor's [Init] plan, per tensor (src/PiXGen/Init, docs/initialisation.md) ----\n\n");
        sb.Append($"INIT_SCHEME = \"{plan?.Scheme ?? InitSchemes.TorchSharpDefault}\"\n");
        sb.Append($"INIT_SEED = {(plan?.Seed is long seed ? Int(seed) : "None")}\n");
        if (plan is null) {
            sb.Append("# No [Init] plan: every layer keeps PyTorch's constructor defaults, as the C# network keeps TorchSharp's (the same).\n");
            sb.Append("INIT = []\n");
            return sb.ToString();
        }
        sb.Append("# (state_dict key, rule) in the order the C# initializer draws them; the rules are defined in init_tensor().\n");
        sb.Append("INIT = [\n");
        var keys = stateDict.Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
        void Add(string key, string rule) { if (keys.Contains(key)) sb.Append($"    (\"{key}\", \"{rule}\"),\n"); }
        foreach (var (path, m) in modules) {
            if (!tree.TryGetValue(path, out var t) || t.Kind != Kind.Leaf) continue;
            var op = graph.Nodes[t.Node].Op;
            var rules = Initializer.RulesAt(plan, path);
            // A defined kind's tensors: a constant, or the rule of the scheme that draws it (KindTensor.Scheme).
            if (DefinedKind.All.TryGetValue(op, out var kind))
                foreach (var tensor in kind.Tensors(GraphOps.Settings(kind, graph.Nodes[t.Node])))
                    Add(path + "." + tensor.Leaf, tensor.Scheme is { } scheme ? SchemeRule(rules, scheme) : tensor.Init);
        }
        foreach (var path in plan.ZeroGamma) Add(path + ".weight", "zeros");
        sb.Append("]\n");
        return sb.ToString();
    }

    /// <summary>The Python rule name of a distribution (snake case of <see cref="Initializer.Dist"/>).</summary>
    private static string Rule(Initializer.Dist d) => d == Initializer.Dist.Zero ? "zeros"
        : string.Concat(d.ToString().Select((ch, i) => char.IsUpper(ch) ? (i > 0 ? "_" : "") + char.ToLowerInvariant(ch) : ch.ToString()));

    private static string BiasRule(Initializer.Dist d) => d == Initializer.Dist.Default ? "default_bias" : Rule(d);

    /// <summary>The Python rule of the scheme's <paramref name="rule"/> under <paramref name="rules"/>.</summary>
    private static string SchemeRule(Initializer.Rules rules, InitRule rule)
        => Initializer.Rules.IsBias(rule) ? BiasRule(rules.Of(rule)) : Rule(rules.Of(rule));

    private string Build(string rootClass) =>
        "def build(seed=None):\n" +
        $"    \"\"\"{graph.Network}, initialised as the C# constructor initialises it (INIT_SCHEME, INIT; seed: INIT_SEED unless given).\"\"\"\n" +
        $"    model = {rootClass}()\n" +
        "    initialise(model, INIT, INIT_SEED if seed is None else seed)\n" +
        "    return model\n";

    private string ManifestText()
    {
        var sb = new StringBuilder();
        sb.Append($"# ---- manifest: the state_dict (key, shape, dtype) of the C# network; {moduleName}.manifest.json holds the same ----\n\n");
        sb.Append($"INPUT_SHAPE = ({string.Join(", ", manifest.InputShape.Select(Int))})\n");
        sb.Append($"OUTPUT_SHAPE = ({string.Join(", ", manifest.OutputShape.Select(Int))}{(manifest.OutputShape.Length == 1 ? "," : "")})\n");
        sb.Append("STATE_DICT = [\n");
        foreach (var e in stateDict)
            sb.Append($"    (\"{e.Key}\", ({string.Join(", ", e.Shape.Select(Int))}{(e.Shape.Length == 1 ? "," : "")}), \"{e.Dtype}\"),\n");
        sb.Append("]\n");
        return sb.ToString();
    }
}
