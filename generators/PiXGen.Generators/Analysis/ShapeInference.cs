using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using PiXGen.Generators.Definitions;
using PiXGen.Generators.Diagnostics;
using PiXGen.Generators.Model;
using PiXGen.Generators.Parsing;

namespace PiXGen.Generators.Analysis;

/// <summary>
/// Stage 2 for networks: instantiates a [Network] with its default arguments from its declared input
/// shape through every layer and block instance, computing concrete settings, shapes and parameter
/// counts (the <see cref="LayerNode"/> tree), and reporting shape errors at the attribute that causes
/// them, naming the layer path and the shapes involved. Inference of a network stops at its first
/// shape error so one mistake does not cascade into many.
/// </summary>
public sealed class ShapeInference
{
    private const string SequentialType = "global::TorchSharp.Modules.Sequential";

    private readonly IReadOnlyDictionary<string, ClassDecl> _blocks;
    private readonly List<DiagnosticInfo> _diagnostics;
    private readonly string _networkName;

    private sealed class Abort : Exception { }

    /// <summary>The [Use] that instantiates the block being inferred (a second location for its errors), or null.</summary>
    private LocationInfo? _useSite;

    /// <summary>When set: the explicit ζ of every [PiXSqueeze]-marked convolution instantiated, by path (<see cref="Run"/>).</summary>
    private readonly Dictionary<string, long>? _markerZetas;

    private ShapeInference(IReadOnlyDictionary<string, ClassDecl> blocks, List<DiagnosticInfo> diagnostics, string networkName,
        Dictionary<string, long>? markerZetas = null)
    {
        _blocks = blocks; _diagnostics = diagnostics; _networkName = networkName; _markerZetas = markerZetas;
    }

    /// <summary>Parses "3x224x224" (also "3,224,224" or "3×224×224").</summary>
    public static bool TryParseInput(string? text, out Shape shape, out string problem)
    {
        shape = default;
        if (string.IsNullOrWhiteSpace(text)) { problem = "has no input shape"; return false; }
        var parts = text!.Split(new[] { 'x', 'X', '×', ',', '*' }, StringSplitOptions.None).Select(p => p.Trim()).ToArray();
        if (parts.Length != 3) { problem = $"has input shape \"{text}\", which is not channels x height x width"; return false; }
        var dims = new long[3];
        for (int i = 0; i < 3; i++)
            if (!long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out dims[i]) || dims[i] <= 0)
            { problem = $"has input shape \"{text}\" with a dimension that is not a positive integer"; return false; }
        shape = Shape.Map(dims[0], dims[1], dims[2]);
        problem = "";
        return true;
    }

    /// <summary>
    /// Instantiates <paramref name="network"/>; null when its input shape is invalid or inference failed. With
    /// <paramref name="markerZetas"/>, the declarations are the dense ones (the [PiXSqueeze] markers not applied) and the
    /// explicit ζ a marker gives (<c>PiXSqueeze(Zeta = ...)</c>) is evaluated in each instance of its convolution and
    /// recorded by path, for <see cref="PiXRewriter.MarkerDecisions"/>.
    /// </summary>
    public static LayerNode? Run(ClassDecl network, IReadOnlyDictionary<string, ClassDecl> blocks, List<DiagnosticInfo> diagnostics,
        Dictionary<string, long>? markerZetas = null)
    {
        if (!TryParseInput(network.Input, out var input, out _)) return null; // reported by the validator
        var inference = new ShapeInference(blocks, diagnostics, network.Name, markerZetas);
        try
        {
            var env = inference.BindArguments(network, new Dictionary<string, object>(), new List<KeyValuePair<string, Expr>>(),
                input, network.AttributeLocation, network.Name);
            var children = inference.InstantiateMembers(network, env, input, "", new List<string>(), out var output, out bool residual);
            return new LayerNode(NodeKind.Network, null, network.Name, "", network.Name, input, output,
                ArgSettings(network, env), children.Sum(c => c.Parameters), NodeRole.Main, residual, children.ToEquatableArray(), Class: network.FullName,
                Dense: network.Dense is not null);
        }
        catch (Abort)
        {
            return null;
        }
    }

    /// <summary>
    /// The network with each [Use(Inline = true)] of its own members replaced by the layers it makes for the default
    /// arguments, their settings folded to constants (<c>in</c>, the block's arguments and <c>i</c> included). PiX
    /// substitution and build-time variants decide per layer on the network's own items, so a network they rewrite is
    /// expanded first; the expansion infers to the same network (paths, shapes and settings). Null when inference failed.
    /// </summary>
    public static ClassDecl? ExpandInline(ClassDecl network, IReadOnlyDictionary<string, ClassDecl> blocks, List<DiagnosticInfo> diagnostics)
    {
        if (!network.Members.Any(m => m.Items.Any(i => i.IsInline))) return network;
        if (!TryParseInput(network.Input, out var input, out _)) return null;
        var inference = new ShapeInference(blocks, diagnostics, network.Name) { _expanding = network.FullName };
        try
        {
            var env = inference.BindArguments(network, new Dictionary<string, object>(), new List<KeyValuePair<string, Expr>>(),
                input, network.AttributeLocation, network.Name);
            inference.InstantiateMembers(network, env, input, "", new List<string>(), out _, out _);
        }
        catch (Abort) { return null; }
        var members = network.Members.Select(m =>
        {
            if (!m.Items.Any(i => i.IsInline)) return m;
            var items = new List<LayerItem>();
            for (int k = 0; k < m.Items.Count; k++)
            {
                if (!m.Items[k].IsInline) items.Add(m.Items[k]);
                else if (inference._expansions.TryGetValue((m.Name, k), out var layers)) items.AddRange(layers);
            }
            return m with { Items = items.ToEquatableArray() };
        });
        return network with { Members = members.ToEquatableArray() };
    }

    /// <summary>For <see cref="ExpandInline"/>: the class whose inlined layers are recorded, and the layers per (member, item).</summary>
    private string? _expanding;
    private readonly Dictionary<(string Member, int Item), List<LayerItem>> _expansions = new();

    /// <summary>An inlined layer's declaration with its settings folded in the environment of its instance.</summary>
    private static LayerItem Folded(LayerItem layer, Dictionary<string, object> env)
    {
        string Fold(string text) => Expr.Parse(text).Fold(n => env.TryGetValue(n, out var v) ? v : null).ToSource(n => n);
        var settings = layer.Settings.Select(s => s.Type switch
        {
            SettingType.Expression when s.Value.IndexOf(Setting.PairSeparator) < 0 => s with { Value = Fold(s.Value) },
            SettingType.Expression or SettingType.Pair => s with { Value = Setting.Split(s.Value) is var (h, w) ? Setting.PairText(Fold(h), Fold(w)) : s.Value },
            _ => s,
        });
        return layer with { Settings = settings.ToEquatableArray(), When = null };
    }

    private static EquatableArray<Setting> ArgSettings(ClassDecl cls, Dictionary<string, object> env)
        => cls.Args.Select(a => new Setting(a.Name, Format(env[a.Name]), SettingType.Expression)).ToEquatableArray();

    private static string Format(object v) => Expr.Constant(v).ToSource(n => n);

    // ------------------------------------------------------------------ arguments and scopes

    private Dictionary<string, object> BindArguments(ClassDecl cls, Dictionary<string, object> callerEnv,
        List<KeyValuePair<string, Expr>> given, Shape input, LocationInfo? site, string where)
    {
        var env = new Dictionary<string, object> { ["in"] = input.C, [Int32Names] = Int32NamesOf(cls) };
        foreach (var kv in given)
            if (!cls.Args.Any(a => a.Name == kv.Key))
            {
                _diagnostics.Add(DiagnosticInfo.UnknownArgument(site, where, kv.Key, cls.Name, cls.Args.Select(a => a.Name).ToList(), renameFix: true));
                throw new Abort();
            }
        foreach (var arg in cls.Args)
        {
            var supplied = given.FirstOrDefault(kv => kv.Key == arg.Name);
            if (supplied.Value is not null)
                env[arg.Name] = Eval(supplied.Value, callerEnv, site, $"{where}, argument '{arg.Name}'");
            else if (arg.Default is not null)
                env[arg.Name] = Eval(ParseOrFail(arg.Default, arg.Location, $"{cls.Name}.{arg.Name}"), env, arg.Location, $"{cls.Name}.{arg.Name}");
            else
                Fail(DiagnosticDescriptors.MissingParameter, site, where, arg.Name);
            if (arg.Type == "double" && env[arg.Name] is long whole) env[arg.Name] = (double)whole;   // C# converts it too
            if (arg.Type switch { "bool" => env[arg.Name] is not bool, "double" => env[arg.Name] is not double, Expr.ListType => env[arg.Name] is not long[], _ => env[arg.Name] is not long })
                Fail(DiagnosticDescriptors.BadExpression, site ?? arg.Location, $"{where}, argument '{arg.Name}'",
                    $"expected {Expr.TypeWords(arg.Type == "long" ? "int" : arg.Type)}, got {Expr.Describe(env[arg.Name])}");
            CheckFitsInt(arg.Type, env[arg.Name], arg.Name, supplied.Value is not null ? site ?? arg.Location : arg.Location, $"{where}, argument '{arg.Name}'");
        }
        foreach (var let in cls.Lets)
        {
            env[let.Name] = Eval(ParseOrFail(let.Expression, let.Location, $"{cls.Name}.{let.Name}"), env, let.Location, $"{where}, {let.Name}");
            if (let.Type == "double" && env[let.Name] is long whole) env[let.Name] = (double)whole;
            CheckFitsInt(let.Type, env[let.Name], let.Name, let.Location, $"{where}, {let.Name}");
        }
        return env;
    }

    private Expr ParseOrFail(string text, LocationInfo? location, string where)
    {
        try { return Expr.Parse(text); }
        catch (ExprException ex) { Fail(DiagnosticDescriptors.BadExpression, location, where, ex.Message); throw; }
    }

    /// <summary>
    /// The key under which a class's environment holds the names the generated code declares <c>int</c> (its int
    /// [Arg]s and [Let]s, and a repeat's index <c>i</c>; <c>in</c> is a long), so that evaluation overflows where the
    /// generated int arithmetic would (<see cref="Expr.Evaluate"/>). No identifier can be this key.
    /// </summary>
    private const string Int32Names = "\0int32";

    private static HashSet<string> Int32NamesOf(ClassDecl cls)
    {
        var names = new HashSet<string> { "i" };
        foreach (var a in cls.Args) if (a.Type == "int") names.Add(a.Name);
        foreach (var l in cls.Lets) if (l.Type == "int") names.Add(l.Name);
        return names;
    }

    /// <summary>An int [Arg] or [Let] whose value does not fit in an int: the generated field could not hold it.</summary>
    private void CheckFitsInt(string type, object value, string name, LocationInfo? location, string where)
    {
        if (type == "int" && value is long v && (v < int.MinValue || v > int.MaxValue))
            Fail(DiagnosticDescriptors.BadExpression, location, where,
                $"integer overflow: {v.ToString("N0", CultureInfo.InvariantCulture)} does not fit in '{name}', an int; declare it long");
    }

    private object Eval(Expr e, Dictionary<string, object> env, LocationInfo? location, string where)
    {
        var int32 = env.TryGetValue(Int32Names, out var names) ? (HashSet<string>)names : null;
        try { return e.Evaluate(n => env.TryGetValue(n, out var v) ? v : null, n => int32?.Contains(n) == true); }
        catch (ExprException ex) { Fail(DiagnosticDescriptors.BadExpression, location, where, ex.Message); throw; }
    }

    private bool EvalCondition(string? text, Dictionary<string, object> env, LocationInfo? location, string where)
    {
        if (text is null) return true;
        var v = Eval(ParseOrFail(text, location, where), env, location, where);
        if (v is bool b) return b;
        Fail(DiagnosticDescriptors.BadExpression, location, where, $"condition '{text}' is an integer, not true/false");
        return false;
    }

    private void Fail(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, LocationInfo? location, params object?[] args)
    {
        _diagnostics.Add(DiagnosticInfo.Create(descriptor, location, args));
        throw new Abort();
    }

    // ------------------------------------------------------------------ members

    private List<LayerNode> InstantiateMembers(ClassDecl cls, Dictionary<string, object> env, Shape input, string prefix,
        List<string> stack, out Shape output, out bool residual)
    {
        var nodes = new List<LayerNode>();
        var outerRegistered = _registered;
        _registered = RegisteredFields(cls);
        residual = cls.HasResidual && EvalCondition(cls.ResidualWhen, env, cls.Location, $"{cls.Name} [Residual(When)]");
        var shape = input;
        foreach (var step in PathStep.Of(cls.Members.Where(m => !(m.IsShortcut || (m.AfterAdd && cls.HasResidual)))))
        {
            var made = step.IsGroup ? new List<LayerNode> { InstantiateGroup(cls, step, env, shape, prefix, stack) }
                : InstantiateMember(cls, step.Member!, env, shape, prefix, stack, NodeRole.Main);
            foreach (var node in made) { nodes.Add(node); shape = node.Out; }
        }
        if (residual)
        {
            // The shortcut path: every [Shortcut] member whose condition holds, in declaration order; else the identity.
            var shortcutShape = input;
            LayerMember? sc = null;
            foreach (var member in cls.Members.Where(m => m.IsShortcut))
            {
                sc = member;
                if (!EvalCondition(member.ShortcutWhen, env, member.Location, $"{prefix}{member.PyName} [Shortcut(When)]")) continue;
                foreach (var node in InstantiateMember(cls, member, env, shortcutShape, prefix, stack, NodeRole.Shortcut))
                { nodes.Add(node); shortcutShape = node.Out; }
            }
            if (shortcutShape != shape)
            {
                long stride = shape.H > 0 && input.H / shape.H > 1 ? input.H / shape.H : 1;
                string hint = sc is null
                    ? $"; the shortcut is the identity: add a projection, e.g. [Shortcut(When = \"...\")] [Conv2d({shape.C}, Kernel = 1, Stride = {stride}, Bias = false)], or make the residual conditional with [Residual(When = \"...\")]"
                    : "; make the [Shortcut] produce the main path's shape (channels and stride), or its When true for this instance";
                var mismatch = DiagnosticInfo.Create(DiagnosticDescriptors.ResidualShapeMismatch, sc?.Location ?? cls.Location,
                    $"{Where(prefix.TrimEnd('.'))} ({cls.Name})", shape, shortcutShape, hint) with { Also = _useSite };
                if (sc is null && shape.Rank == 3)
                    mismatch = mismatch.With(FixProperties.Kind, FixProperties.KindAddShortcut)
                        .With(FixProperties.Channels, shape.C.ToString(CultureInfo.InvariantCulture))
                        .With(FixProperties.Stride, stride.ToString(CultureInfo.InvariantCulture));
                _diagnostics.Add(mismatch);
                throw new Abort();
            }
        }
        if (cls.HasResidual)
        {
            foreach (var m in cls.Members)
            {
                if (m.IsShortcut || !m.AfterAdd) continue;
                foreach (var node in InstantiateMember(cls, m, env, shape, prefix, stack, NodeRole.AfterAdd)) { nodes.Add(node); shape = node.Out; }
            }
        }
        if (cls.Dense is not null)
        {
            var where = $"{Where(prefix.TrimEnd('.'))} ({cls.Name}, [Dense])";
            if (shape.Rank != 3 || input.Rank != 3)
                Fail(DiagnosticDescriptors.ConcatMismatch, cls.Dense, where, "concatenate", input, shape, "both must be CxHxW feature maps");
            if (shape.H != input.H || shape.W != input.W)
                Fail(DiagnosticDescriptors.ConcatMismatch, cls.Dense, where, "concatenate", $"the input {input}", $"the output {shape} of its members",
                    "heights and widths differ (keep the members' stride 1 and pad to keep the size)");
            shape = Shape.Map(input.C + shape.C, input.H, input.W);
        }
        output = cls.Output is { } declared ? DeclaredOutput(cls, declared, env, input, shape) : shape;
        _registered = outerRegistered;
        return nodes;
    }

    /// <summary>The names a class instance has registered or holds as fields so far, with what holds them (PIX0019).</summary>
    private Dictionary<string, (string What, string Why)>? _registered;

    private const string BothRun = "; the state_dict would hold only one of them while forward runs both";

    /// <summary>The class's fields other than named repeats: their registered names, and the other fields' names.</summary>
    private static Dictionary<string, (string What, string Why)> RegisteredFields(ClassDecl cls)
    {
        var names = new Dictionary<string, (string, string)>();
        foreach (var m in cls.Members.Where(m => !m.IsNamedRepeat)) names[m.PyName] = ($"the field '{m.Name}'", BothRun);
        const string to = "; Module.to() would find the other field by that name and fail half-way";
        foreach (var a in cls.Args) names[a.Name] = ($"the [Arg] field '{a.Name}'", to);
        foreach (var l in cls.Lets) names[l.Name] = ($"the [Let] field '{l.Name}'", to);
        foreach (var m in cls.Members) if (!names.ContainsKey(m.Name)) names[m.Name] = ($"the field '{m.Name}'", to);
        return names;
    }

    /// <summary>The name of instance <paramref name="i"/> of a named repeat, registered in its class's instance (PIX0019 when taken).</summary>
    private string NamedInstance(ClassDecl cls, LayerMember m, LayerItem item, Dictionary<string, object> callerEnv, long i, string prefix)
    {
        var where = $"{Where(prefix.TrimEnd('.'))} ({cls.Name}.{m.Name}, Name)";
        var text = item.Get(LayerMember.NameSetting)!;
        string name;
        try
        {
            name = NameTemplate.Parse(text).Evaluate((part, e) => Eval(e, callerEnv, item.Location, $"{where}, {{{part}}}"));
        }
        catch (ExprException ex) { Fail(DiagnosticDescriptors.InvalidValue, item.Location, where, $"the name template \"{text}\": {ex.Message}"); throw; }
        if (name.Length == 0 || name.Any(ch => !NameTemplate.IsNameChar(ch)))
            Fail(DiagnosticDescriptors.InvalidValue, item.Location, where,
                $"instance {i} is named '{name}', which is not a registered name (letters, digits, '_' and '-')");
        var what = $"instance {i} of '{m.Name}' (Name = \"{text}\")";
        if (_registered!.TryGetValue(name, out var first))
        {
            _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateName, item.Location, cls.Name, first.What, what, name, first.Why)
                with { Also = _useSite });
            throw new Abort();
        }
        _registered[name] = (what, BothRun);
        return name;
    }

    /// <summary>[Output] on a class with a hand-written forward: its declared output replaces the last layer's.</summary>
    private Shape DeclaredOutput(ClassDecl cls, OutputDecl declared, Dictionary<string, object> env, Shape input, Shape last)
    {
        var where = $"{cls.Name} [Output]";
        var value = Eval(ParseOrFail(declared.Channels, declared.Location, where), env, declared.Location, where);
        if (value is not long channels || channels <= 0)
        {
            Fail(DiagnosticDescriptors.InvalidValue, declared.Location, where, $"output channels must be a positive integer, got {Format(value)}");
            return last;
        }
        if (declared.Stride < 1) Fail(DiagnosticDescriptors.InvalidValue, declared.Location, where, $"Stride must be at least 1, got {declared.Stride}");
        _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ForwardCostsUnknown, declared.Location, cls.Name));
        if (last.Rank == 1 || input.Rank == 1) return Shape.Vector(channels);
        long s = declared.Stride;
        return Shape.Map(channels, (input.H + s - 1) / s, (input.W + s - 1) / s);
    }

    private string Where(string path) => path.Length == 0 ? _networkName : $"{_networkName}.{path}";

    /// <summary>A parallel group of [Branch] members: every branch from the group's input (or its chunk), merged.</summary>
    private LayerNode InstantiateGroup(ClassDecl cls, PathStep step, Dictionary<string, object> env, Shape input, string prefix, List<string> stack)
    {
        var all = step.Branches!;
        var first = (step.Defining.FirstOrDefault() ?? all[0].Members[0]).Branch!;
        var where = $"{Where(prefix.TrimEnd('.'))} ({cls.Name}, branches {string.Join(", ", all.Select(b => $"'{b.Name}'"))})";
        int n = all.Count;
        var branchInput = input;
        if (step.Split)
        {
            if (input.Rank != 3 || input.C % n != 0)
                Fail(DiagnosticDescriptors.InvalidBranches, first.Location, where,
                    $"Split needs a feature map whose channels the {n} branches divide, got {input}");
            branchInput = Shape.Map(input.C / n, input.H, input.W);
        }
        var branches = new List<LayerNode>();
        foreach (var b in all)
        {
            var shape = branchInput;
            var children = new List<LayerNode>();
            foreach (var s in b.Steps)
            {
                var made = s.IsGroup ? new List<LayerNode> { InstantiateGroup(cls, s, env, shape, prefix, stack) }
                    : InstantiateMember(cls, s.Member!, env, shape, prefix, stack, NodeRole.Main);
                foreach (var node in made) { children.Add(node); shape = node.Out; }
            }
            branches.Add(new LayerNode(NodeKind.Sequential, null, b.Name, prefix + b.Name, "Branch", branchInput, shape, EquatableArray<Setting>.Empty,
                children.Sum(c => c.Parameters), NodeRole.Main, false, children.ToEquatableArray()));
        }
        var out0 = branches[0].Out;
        for (int i = 1; i < n; i++)
        {
            var o = branches[i].Out;
            var location = all[i].Members[0].Branch!.Location;
            string Side(int k) => $"branch '{branches[k].Name}' ({branches[k].Out})";
            if (step.Merge == "add" && o != out0)
                Fail(DiagnosticDescriptors.ConcatMismatch, location, where, "add", Side(0), Side(i), "added branches need the same shape");
            if (step.Merge != "add" && (o.Rank != 3 || out0.Rank != 3 || o.H != out0.H || o.W != out0.W))
                Fail(DiagnosticDescriptors.ConcatMismatch, location, where, "concatenate", Side(0), Side(i), "heights and widths differ");
        }
        var output = step.Merge == "add" ? out0 : Shape.Map(branches.Sum(b => b.Out.C), out0.H, out0.W);
        var settings = new[] { new Setting("Merge", step.Merge, SettingType.Text), new Setting("Split", step.Split ? "true" : "false", SettingType.Bool) };
        return new LayerNode(NodeKind.Parallel, null, $"branches{step.Group.ToString(CultureInfo.InvariantCulture)}", prefix.TrimEnd('.'), "Branches",
            input, output, settings.ToEquatableArray(), branches.Sum(b => b.Parameters), NodeRole.Main, false, branches.ToEquatableArray());
    }

    /// <summary>The nodes of one member: its layer, block or Sequential; a named repeat's instances, each under its own name.</summary>
    private List<LayerNode> InstantiateMember(ClassDecl cls, LayerMember m, Dictionary<string, object> env, Shape input, string prefix,
        List<string> stack, NodeRole role)
    {
        int itemIndex = -1;
        bool named = m.IsNamedRepeat;
        bool sequential = m.FieldType == SequentialType && !named;
        var path = prefix + m.PyName;
        var children = new List<LayerNode>();
        var shape = input;
        int index = 0;
        foreach (var item in m.Items)
        {
            itemIndex++;
            var origin = new DeclRef(cls.FullName, m.Name, itemIndex);
            if (!EvalCondition(item.When, env, item.Location, $"{Where(path)} (When)")) continue;
            if (item.Kind == LayerKind.Use)
            {
                long count = 1;
                var countText = item.Get("Count");
                if (countText is not null)
                {
                    var v = Eval(ParseOrFail(countText, item.Location, $"{Where(path)} (Count)"), env, item.Location, $"{Where(path)} (Count)");
                    if (v is not long c || c < 0) { Fail(DiagnosticDescriptors.InvalidValue, item.Location, Where(path), $"Count must be a non-negative integer, got {Format(v)}"); return children; }
                    count = c;
                }
                for (long i = 0; i < count; i++)
                {
                    var callerEnv = new Dictionary<string, object>(env) { ["i"] = i };
                    if (item.IsInline && sequential)
                    {
                        var record = cls.FullName == _expanding && prefix.Length == 0 ? Expansion(m.Name, itemIndex) : null;
                        foreach (var layer in InstantiateInline(item, callerEnv, shape, path, index, role, record))
                        { children.Add(layer); shape = layer.Out; index++; }
                        continue;
                    }
                    var name = named ? NamedInstance(cls, m, item, callerEnv, i, prefix) : sequential ? index.ToString(CultureInfo.InvariantCulture) : m.PyName;
                    var childPath = named ? prefix + name : sequential ? $"{path}.{name}" : path;
                    var node = InstantiateBlock(item, item.BlockTypeOf(i), callerEnv, shape, name, childPath, stack, role) with { Origin = origin };
                    children.Add(node); shape = node.Out; index++;
                }
            }
            else
            {
                var name = sequential ? index.ToString(CultureInfo.InvariantCulture) : m.PyName;
                var childPath = sequential ? $"{path}.{name}" : path;
                var node = InstantiateLayer(item, env, shape, name, childPath, role) with { Origin = origin };
                if (_markerZetas is not null && m.PiX?.Zeta is { } zeta && itemIndex == PiXRewriter.MarkedItem(m))
                {
                    var where = $"{Where(childPath)} (PiXSqueeze, Zeta)";
                    if (Eval(ParseOrFail(zeta, m.PiX.Location, where), env, m.PiX.Location, where) is not long z)
                        Fail(DiagnosticDescriptors.BadExpression, m.PiX.Location, where, $"'{zeta}' is a condition, not an integer");
                    else _markerZetas[childPath] = z;
                }
                children.Add(node); shape = node.Out; index++;
            }
        }
        if (sequential)
            return new List<LayerNode> { new LayerNode(NodeKind.Sequential, null, m.PyName, path, "Sequential", input, shape, EquatableArray<Setting>.Empty,
                children.Sum(c => c.Parameters), role, false, children.ToEquatableArray()) };
        return named || children.Count == 0 ? children : new List<LayerNode> { children[0] };
    }

    /// <summary>
    /// One instance of a [Use(Inline = true)]: the block's layers (those whose When holds) as the Sequential's next
    /// numbered children, <c>path.index</c>, each evaluated in the block's own environment.
    /// </summary>
    private List<LayerItem> Expansion(string member, int item)
    {
        if (!_expansions.TryGetValue((member, item), out var list)) _expansions[(member, item)] = list = new List<LayerItem>();
        return list;
    }

    private List<LayerNode> InstantiateInline(LayerItem item, Dictionary<string, object> callerEnv, Shape input, string path, int index, NodeRole role,
        List<LayerItem>? record = null)
    {
        var where = $"{Where(path)}.{index.ToString(CultureInfo.InvariantCulture)}";
        if (item.BlockType is null || !_blocks.TryGetValue(item.BlockType, out var block)) throw new Abort(); // reported by the parser
        List<KeyValuePair<string, Expr>> given;
        try { given = Expr.ParseNamedArguments(item.BlockArgs ?? ""); }
        catch (ExprException ex) { Fail(DiagnosticDescriptors.BadExpression, item.Location, where, ex.Message); throw; }
        var env = BindArguments(block, callerEnv, given, input, item.Location, where);
        var layers = new List<LayerNode>();
        var shape = input;
        foreach (var m in block.Members)
        {
            var layer = m.Items[0];
            var name = (index + layers.Count).ToString(CultureInfo.InvariantCulture);
            if (!EvalCondition(layer.When, env, layer.Location, $"{Where(path)}.{name} ({block.Name}.{m.Name}, When)")) continue;
            var node = InstantiateLayer(layer, env, shape, name, $"{path}.{name}", role) with { Origin = new DeclRef(block.FullName, m.Name, 0) };
            record?.Add(Folded(layer, env));
            layers.Add(node); shape = node.Out;
        }
        return layers;
    }

    private LayerNode InstantiateBlock(LayerItem item, string? blockType, Dictionary<string, object> callerEnv, Shape input, string name, string path,
        List<string> stack, NodeRole role)
    {
        var where = Where(path);
        if (blockType is null || !_blocks.TryGetValue(blockType, out var block))
        {
            // The parser reported a type that is not a [Block]; nothing to infer through.
            throw new Abort();
        }
        if (stack.Contains(block.FullName)) throw new Abort(); // reported by the validator
        List<KeyValuePair<string, Expr>> given;
        try { given = Expr.ParseNamedArguments(item.BlockArgs ?? ""); }
        catch (ExprException ex) { Fail(DiagnosticDescriptors.BadExpression, item.Location, where, ex.Message); throw; }
        var env = BindArguments(block, callerEnv, given, input, item.Location, where);
        stack.Add(block.FullName);
        var outerSite = _useSite;
        _useSite = item.Location;
        var children = InstantiateMembers(block, env, input, path + ".", stack, out var output, out bool residual);
        _useSite = outerSite;
        stack.RemoveAt(stack.Count - 1);
        return new LayerNode(NodeKind.Block, LayerKind.Use, name, path, block.Name, input, output, ArgSettings(block, env),
            children.Sum(c => c.Parameters), role, residual, children.ToEquatableArray(), Class: block.FullName, Dense: block.Dense is not null);
    }

    // ------------------------------------------------------------------ layers

    private LayerNode InstantiateLayer(LayerItem item, Dictionary<string, object> env, Shape x, string name, string path, NodeRole role)
    {
        var where = $"{Where(path)} ({item.AttributeName})";
        var settings = new List<Setting>();
        long EvalInt(string setting, string text)
        {
            var v = Eval(ParseOrFail(text, item.Location, $"{where}, {setting}"), env, item.Location, $"{where}, {setting}");
            if (v is not long l) { Fail(DiagnosticDescriptors.BadExpression, item.Location, $"{where}, {setting}", $"'{text}' is {Expr.Describe(v)}, not an integer" + (v is double ? Expr.RealHint : "")); return 0; }
            return l;
        }
        long Int(string setting, long? fallback, bool record = true)
        {
            var text = item.Get(setting);
            long value;
            if (text is null)
            {
                if (fallback is null) { Fail(DiagnosticDescriptors.MissingParameter, item.Location, where, setting); return 0; }
                value = fallback.Value;
            }
            else
            {
                if (text.IndexOf(Setting.PairSeparator) >= 0)
                    Fail(DiagnosticDescriptors.InvalidValue, item.Location, where, $"{setting} takes one integer, not a height×width pair ('{text}')");
                value = EvalInt(setting, text);
            }
            if (record) settings.Add(new Setting(setting, value.ToString(CultureInfo.InvariantCulture), SettingType.Expression));
            return value;
        }
        // A per-axis setting: one integer for both axes, or a height×width pair; recorded as "3" or "1×7".
        (long H, long W) Int2(string setting, (long H, long W)? fallback)
        {
            var text = item.Get(setting);
            long h, w;
            if (text is null)
            {
                if (fallback is null) { Fail(DiagnosticDescriptors.MissingParameter, item.Location, where, setting); return (0, 0); }
                (h, w) = fallback.Value;
            }
            else
            {
                var (ht, wt) = Setting.Split(text);
                h = EvalInt(setting, ht);
                w = ht == wt ? h : EvalInt(setting, wt);
            }
            var recorded = h == w ? h.ToString(CultureInfo.InvariantCulture)
                : Setting.PairText(h.ToString(CultureInfo.InvariantCulture), w.ToString(CultureInfo.InvariantCulture));
            settings.Add(new Setting(setting, recorded, SettingType.Expression));
            return (h, w);
        }
        double Real(string setting, double fallback)
        {
            double value = RealValue(setting, fallback);
            settings.Add(new Setting(setting, value.ToString("R", CultureInfo.InvariantCulture), SettingType.Double));
            return value;
        }
        // A real setting's value in this instance (a literal, or an expression over the arguments), not recorded.
        double RealValue(string setting, double fallback)
        {
            var text = item.Get(setting);
            double value = fallback;
            if (item.Settings.Any(s => s.Name == setting && s.Type == SettingType.Expression))
            {
                // A real setting given as an expression over the arguments (Eps = "eps"): its value in this instance.
                var v = Eval(ParseOrFail(text!, item.Location, $"{where}, {setting}"), env, item.Location, $"{where}, {setting}");
                if (!Expr.TryReal(v, out value))
                    Fail(DiagnosticDescriptors.BadExpression, item.Location, $"{where}, {setting}", $"'{text}' is {Expr.Describe(v)}, not a number");
            }
            else if (text is not null) double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
            return value;
        }
        string Word(string setting)
        {
            var value = item.Get(setting) ?? DeclarationValidator.Choices(item, setting)![0];
            settings.Add(new Setting(setting, value, SettingType.Text));
            return value;
        }
        bool Flag(string setting, bool fallback)
        {
            var text = item.Get(setting);
            bool value = text is null ? fallback : text == "true";
            settings.Add(new Setting(setting, value ? "true" : "false", SettingType.Bool));
            return value;
        }
        void Require(bool ok, string problem) { if (!ok) Fail(DiagnosticDescriptors.InvalidValue, item.Location, where, problem); }
        void NeedMap()
        {
            if (x.Rank != 3) Fail(DiagnosticDescriptors.RankMismatch, item.Location, where, item.AttributeName, "a CxHxW feature map", $"a flattened vector of {x.C}");
            if (x.ChannelsLast) Fail(DiagnosticDescriptors.RankMismatch, item.Location, where, item.AttributeName, "a CxHxW feature map",
                $"a channels-last map {x} (add [Permute(0, 3, 1, 2)] before it)");
        }

        switch (item.Kind)
        {
            case LayerKind.Defined:
            {
                var kind = DefinedKind.All[item.AttributeName];
                if (kind.NeedsMap) NeedMap();
                else if (kind.WrongRank(x) is { } rank)
                {
                    var wrong = DiagnosticInfo.Create(DiagnosticDescriptors.RankMismatch, item.Location, where, item.AttributeName, rank.Needs, rank.Got);
                    // The code fix inserts [Flatten] before it, and [AdaptiveAvgPool2d(1)] before that for a map with an area.
                    if (kind.FlattenFix && x.IsMap)
                        wrong = wrong.With(FixProperties.Kind, FixProperties.KindFlattenBeforeLinear).With(FixProperties.Pool, x.H * x.W > 1 ? "true" : "false");
                    _diagnostics.Add(wrong);
                    throw new Abort();
                }
                var values = kind.Values((s, fallback) =>
                {
                    if (s.FromInput)
                    {
                        settings.Add(new Setting(s.Name, x.C.ToString(CultureInfo.InvariantCulture), SettingType.Expression));
                        return x.C;
                    }
                    if (s.Flag) return Flag(s.Name, fallback != 0) ? 1 : 0;
                    if (s.Words is { } words) return System.Array.IndexOf(words, Word(s.Name));
                    if (s.Optional && !kind.Settings.Any(o => o.Optional && item.Get(o.Name) is not null)) return double.NaN;
                    if (s.Alternative && item.Get(s.Name) is null) return double.NaN;   // left out (PiX's Zeta or OutChannels)
                    if (s.Integer) return Int(s.Name, s.Default is { } d ? (long)d : null);
                    double v = Real(s.Name, fallback);
                    Require(!double.IsNaN(v) && !double.IsInfinity(v), $"{s.Name} must be a finite number, got {item.Get(s.Name)}");
                    return v;
                }, (s, fallback) => s.FromOutput || s.Alternative && item.Get(s.Name) is null ? (double.NaN, double.NaN)   // recorded below, or left out
                    : Int2(s.Name, fallback is { } f ? ((long)f.H, (long)f.W) : null));
                // An input count the user stated (KindSetting.Declared) must be the input's.
                foreach (var s in kind.Settings)
                    if (s.Declared is { } declaredName && item.Get(declaredName) is not null)
                    {
                        long declared = Int(declaredName, null, record: false);
                        if (declared != x.C && s.DeclaredChannels) Fail(DiagnosticDescriptors.ChannelMismatch, item.Location, where, declared, x);
                        if (declared != x.C) Fail(DiagnosticDescriptors.LinearMismatch, item.Location, where, declared, x.C);
                    }
                if (kind.Check(x, values) is { } problem) Fail(DiagnosticDescriptors.InvalidValue, item.Location, where, problem);
                // Combined settings (StochasticDepth's ramp, SqueezeExcitation's squeeze from its reduction): the instance records
                // the resolved value (of a setting that is no pair), also of an optional one left out.
                var resolved = kind.Resolved(values);
                foreach (var s in kind.Settings.Where(s => !s.Pair))
                {
                    int i = kind.Slot(s.Name);
                    if (!resolved[i].Equals(values[i]))
                    {
                        var record = s.Integer ? new Setting(s.Name, ((long)resolved[i]).ToString(CultureInfo.InvariantCulture), SettingType.Expression)
                            : new Setting(s.Name, resolved[i].ToString("R", CultureInfo.InvariantCulture), SettingType.Double);
                        int at = settings.FindIndex(r => r.Name == s.Name);
                        if (at >= 0) settings[at] = record;
                        else settings.Add(record);
                    }
                    // A convolution's groups divide its output channels too (GroupedOutChannels).
                    if (s.DividesChannels && kind.GroupedOutChannels(values) is { } grouped && (x.C % (long)values[i] != 0 || grouped % (long)values[i] != 0))
                        Fail(DiagnosticDescriptors.GroupsMismatch, item.Location, where, (long)values[i], $"input channels {x.C} and output channels {grouped}");
                    if (s.DividesChannels && x.C % (long)values[i] != 0)
                        Fail(DiagnosticDescriptors.GroupsMismatch, item.Location, where, (long)values[i], $"the {x.C} input channels ({x})");
                }
                break;
            }
            default:
                throw new InvalidOperationException($"layer kind {item.Kind} has no shape rule");
        }
        // The output shape and the parameters are the layer's shared definition (src/PiXGen.Definitions) of the settings just resolved.
        var node = new LayerNode(NodeKind.Layer, item.Kind, name, path, item.AttributeName, x, x, settings.ToEquatableArray(),
            0, role, false, EquatableArray<LayerNode>.Empty);
        var spec = CostModel.Spec(node);
        Shape output = spec.Output(x);
        if (output.Rank == 3 && (output.H <= 0 || output.W <= 0))
            Fail(DiagnosticDescriptors.SpatialZero, item.Location, where, $"{output.C}x{output.H}x{output.W}", x);
        // A defined kind's settings from the output (KindSetting.FromOutput: Upsample's size in the graph), as a pair is recorded.
        if (item.Kind == LayerKind.Defined && DefinedKind.All[item.AttributeName].Settings.Any(s => s.FromOutput))
        {
            foreach (var s in DefinedKind.All[item.AttributeName].Settings.Where(s => s.FromOutput))
                settings.Add(new Setting(s.Name, output.H == output.W ? output.H.ToString(CultureInfo.InvariantCulture)
                    : Setting.PairText(output.H.ToString(CultureInfo.InvariantCulture), output.W.ToString(CultureInfo.InvariantCulture)), SettingType.Expression));
            node = node with { Settings = settings.ToEquatableArray() };
        }
        return node with { Out = output, Parameters = spec.Parameters(x) };
    }

}
