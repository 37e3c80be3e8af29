using System.Collections.Generic;
using System.Linq;
using PiXGen.Generators.Definitions;
using PiXGen.Generators.Diagnostics;
using PiXGen.Generators.Model;
using PiXGen.Generators.Parsing;

namespace PiXGen.Generators.Analysis;

/// <summary>
/// Stage 2, instance-independent checks of one class: field types, residual structure, expression
/// syntax and scoping, block arguments and cycles. A class with errors here is not emitted.
/// </summary>
public static class DeclarationValidator
{
    public const string SequentialType = "global::TorchSharp.Modules.Sequential";

    /// <summary>The TorchSharp (or PiXGen) type a single layer item creates.</summary>
    public static string ModuleType(LayerItem item) => item.Kind switch
    {
        LayerKind.Use => item.BlockType ?? "?",
        LayerKind.Defined => DefinedKind.All[item.AttributeName].ModuleType,
        _ => "global::TorchSharp.Modules." + item.Kind,
    };

    /// <summary>The words <paramref name="setting"/> of <paramref name="item"/> accepts (the first is the default), or null.</summary>
    public static string[]? Choices(LayerItem item, string setting)
        => item.Kind == LayerKind.Defined ? DefinedKind.All[item.AttributeName].Settings.FirstOrDefault(s => s.Name == setting)?.Words
            : null;

    /// <summary>
    /// Whether <paramref name="setting"/> of <paramref name="item"/> takes a height×width pair ("1x7" or new[] { 1, 7 }) as well
    /// as one integer: a defined kind's <see cref="KindSetting.Pair"/> settings.
    /// </summary>
    public static bool IsPerAxis(LayerItem item, string setting)
        => item.Kind == LayerKind.Defined && DefinedKind.All[item.AttributeName].Settings.Any(s => s.Name == setting && s.Pair);

    /// <summary>
    /// PIX0019: every member is registered (RegisterComponents) under its own name — its field name or its
    /// [ComponentName] — and no registered name is another field's name: TorchSharp keys the state_dict by these
    /// names and Module.to() finds fields by them, so a collision silently drops a module from the state_dict (while
    /// forward still runs it) or breaks moving the module half-way.
    /// </summary>
    private static void CheckRegisteredNames(ClassDecl cls, List<DiagnosticInfo> diagnostics)
    {
        var registered = new Dictionary<string, LayerMember>();
        var otherFields = new Dictionary<string, string>();
        foreach (var a in cls.Args) otherFields[a.Name] = $"the [Arg] field '{a.Name}'";
        foreach (var l in cls.Lets) otherFields[l.Name] = $"the [Let] field '{l.Name}'";
        foreach (var m in cls.Members) otherFields[m.Name] = $"the field '{m.Name}'";
        foreach (var m in cls.Members)
        {
            if (m.IsNamedRepeat) continue; // registers the names its template gives, checked per instance (ShapeInference)
            if (registered.TryGetValue(m.PyName, out var first))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateName, m.Location, cls.Name,
                    $"the field '{first.Name}'", $"the field '{m.Name}'", m.PyName,
                    "; the state_dict would hold only one of them while forward runs both"));
            else
                registered[m.PyName] = m;
            if (m.PyName != m.Name && otherFields.TryGetValue(m.PyName, out var other))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateName, m.Location, cls.Name,
                    $"the field '{m.Name}' ([ComponentName])", other, m.PyName,
                    "; Module.to() would find the other field by that name and fail half-way"));
        }
    }

    public static bool Validate(ClassDecl cls, IReadOnlyDictionary<string, ClassDecl> blocks, List<DiagnosticInfo> diagnostics)
    {
        int before = diagnostics.Count(d => IsError(d));
        var scope = new Dictionary<string, string> { ["in"] = "int" };

        if (cls.Kind == ClassKind.Network && !ShapeInference.TryParseInput(cls.Input, out _, out var problem))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MissingInput, cls.AttributeLocation, cls.Name, problem));

        var names = new HashSet<string>();
        foreach (var arg in cls.Args)
        {
            if (arg.Name == "in" || arg.Name == "i" || arg.Name == "in_channels" || arg.Name == "c")
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidArg, arg.Location, arg.Name, "this name is reserved by PiXGen; choose another"));
            if (cls.Kind == ClassKind.Network && arg.Default is null)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidArg, arg.Location, arg.Name,
                    "network arguments need a default ([Arg(value)]) so the network is constructible without arguments"));
            if (arg.Default is not null) CheckExpression(arg.Default, scope, arg.Location, $"{cls.Name}.{arg.Name}", diagnostics, TypeOf(arg.Type));
            scope[arg.Name] = TypeOf(arg.Type);
        }
        foreach (var let in cls.Lets)
        {
            CheckExpression(let.Expression, scope, let.Location, $"{cls.Name}.{let.Name}", diagnostics, TypeOf(let.Type));
            scope[let.Name] = TypeOf(let.Type);
        }
        CheckExpression(cls.ResidualWhen, scope, cls.Location, $"{cls.Name} [Residual(When)]", diagnostics, "bool");
        if (cls.Dense is not null && cls.HasResidual)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ResidualMisuse, cls.Dense, cls.Name,
                "a class is either [Residual] (adds its input) or [Dense] (concatenates its input), not both"));

        CheckRegisteredNames(cls, diagnostics);

        // Fields left out of this build (Omitted) are checked as written, like every member.
        foreach (var m in cls.Members.Concat(cls.Omitted))
        {
            names.Add(m.Name);
            if (!m.IsReadOnly)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidMember, m.Location, m.Name, "must be readonly"));
            if ((m.IsShortcut || m.AfterAdd) && !cls.HasResidual)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ResidualMisuse, m.Location, m.Name,
                    (m.IsShortcut ? "[Shortcut]" : "AfterAdd") + " needs [Residual] on the class"));
            if (m.IsShortcut && m.AfterAdd)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ResidualMisuse, m.Location, m.Name,
                    "a [Shortcut] member cannot be AfterAdd"));
            if (m.Items.Select(i => i.AfterAdd).Distinct().Count() > 1)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ResidualMisuse, m.Location, m.Name,
                    "set AfterAdd on all of the member's layer attributes or on none"));
            CheckExpression(m.ShortcutWhen, scope, m.Location, $"{cls.Name}.{m.Name} [Shortcut(When)]", diagnostics, "bool");

            bool sequential = m.FieldType == SequentialType;
            // A parameter kind (a layer scale) is a parameter of the class, not a module: it cannot be a child of a Sequential.
            if (m.Items.Count > 1 && m.Items.FirstOrDefault(IsParameter) is { } scale)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidMember, scale.Location, m.Name,
                    $"has [{scale.AttributeName}] beside other layer attributes; a layer scale is a parameter of the class, so put it alone on a 'Parameter' field (e.g. '[LayerScale(1e-6)] readonly Parameter layer_scale;')"));
            bool repeated = m.Items.Any(i => i.Kind == LayerKind.Use && i.Get("Count") is not null);
            if (m.IsNamedRepeat) CheckNamedRepeat(cls, m, scope, diagnostics);
            else if (!sequential)
            {
                if (m.Items.Count > 1 || repeated)
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.FieldTypeMismatch, m.Location, m.Name, Short(m.FieldType),
                        "several modules (declare the field as Sequential)").WithFieldType(SequentialType));
                else if (!(m.Items[0].Kind == LayerKind.Use && m.Items[0].BlockType is null) && ModuleType(m.Items[0]) != m.FieldType && m.FieldType != PiXRewriter.ModuleBase)
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.FieldTypeMismatch, m.Location, m.Name, Short(m.FieldType),
                        Short(ModuleType(m.Items[0])) + " (declare the field with that type, or as Sequential)")
                        // No type change when [Use] names a class that is not a block: the [Use] is what is wrong.
                        .WithFieldType(diagnostics.Any(d => d.Id == DiagnosticDescriptors.NotABlock.Id && d.Location == m.Items[0].Location) ? null : ModuleType(m.Items[0])));
                // A left-out field stays null; PiXGen declares it nullable where it declares the fields.
                bool omitted = !cls.DeclaresFields && cls.Omitted.Contains(m);
                bool conditional = omitted || m.Items[0].When is not null || (m.IsShortcut && (m.ShortcutWhen is not null || cls.ResidualWhen is not null));
                if (conditional && !m.IsNullable)
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidMember, m.Location, m.Name,
                        (omitted ? "is removed by PiX substitution (it follows a replaced convolution)" : "exists only under a condition")
                        + "; declare it nullable (e.g. 'readonly " + Short(m.FieldType) + "? " + m.Name + ";')"));
            }
            else if (m.IsShortcut && (m.ShortcutWhen is not null || cls.ResidualWhen is not null) && !m.IsNullable)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidMember, m.Location, m.Name,
                    "exists only under a condition; declare it nullable (e.g. 'readonly Sequential? " + m.Name + ";')"));

            foreach (var item in m.Items)
            {
                var where = $"{cls.Name}.{m.Name} ({item.AttributeName})";
                CheckExpression(item.When, scope, item.Location, where + " When", diagnostics, "bool");
                foreach (var s in item.Settings)
                {
                    // Settings copied from a per-axis one (PiX's ReplacedKernel from a "1x1" kernel) are pairs too.
                    bool pair = s.Type == SettingType.Pair || s.Type == SettingType.Expression && s.Value.IndexOf(Setting.PairSeparator) >= 0;
                    if (s.Type == SettingType.Expression && !pair)
                        CheckExpression(s.Value, scope, item.Location, $"{where}, {s.Name}", diagnostics, IsRealSetting(item, s.Name) ? "double" : "int");
                    if (!pair) continue;
                    if (s.Type == SettingType.Pair && !IsPerAxis(item, s.Name))
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidValue, item.Location, where,
                            $"{s.Name} takes one integer or expression, not a height×width pair ('{s.Value}')"));
                        continue;
                    }
                    var (height, width) = Setting.Split(s.Value);
                    CheckExpression(height, scope, item.Location, $"{where}, {s.Name} (height)", diagnostics, "int");
                    CheckExpression(width, scope, item.Location, $"{where}, {s.Name} (width)", diagnostics, "int");
                }
                // Required settings are checked here too, so blocks no network instantiates are still checked.
                // A defined kind's required setting that is a property (a convolution's Kernel), not a constructor argument.
                if (item.Kind == LayerKind.Defined)
                    foreach (var required in DefinedKind.All[item.AttributeName].Settings.Where(r => r.Required))
                        if (item.Get(required.Name) is null)
                            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MissingParameter, item.Location, where, required.Name));
                // A defined kind's alternatives of which one is needed (PiX's Zeta or OutChannels).
                if (item.Kind == LayerKind.Defined && DefinedKind.All[item.AttributeName].MissingWritten(item.Get) is { } missing)
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MissingParameter, item.Location, where, missing));
                CheckChoices(item, where, diagnostics);
                if (item.Kind == LayerKind.Use) CheckUse(cls, item, scope, blocks, where, diagnostics);
                if (item.IsInline) CheckInline(m, item, blocks, where, diagnostics);
            }
        }

        CheckBranches(cls, diagnostics);
        if (cls.Kind == ClassKind.Block) CheckBlockFlatten(cls, diagnostics);
        CheckCycle(cls, blocks, diagnostics);
        return diagnostics.Count(d => IsError(d)) == before;
    }

    /// <summary>
    /// A named repeat (<c>[Use(typeof(B), ..., Name = "layer{i + 1}")] readonly B[] layers;</c>): one [Use] alone on an array
    /// field of its block type, a template whose literal text can be a registered name and whose expressions are integers
    /// over the class's names and <c>i</c>. The names themselves are checked per instance (duplicates: PIX0019).
    /// </summary>
    private static void CheckNamedRepeat(ClassDecl cls, LayerMember m, Dictionary<string, string> scope, List<DiagnosticInfo> diagnostics)
    {
        var item = m.Items.First(i => i.Kind == LayerKind.Use && i.Get(LayerMember.NameSetting) is not null);
        var where = $"{cls.Name}.{m.Name} ({item.AttributeName}, Name)";
        if (m.Items.Count > 1)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidMember, m.Location, m.Name,
                "holds a named repeat ([Use(Name = ...)]), whose instances are registered in the class itself: give the field no other layer attributes"));
        if (m.IsShortcut)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidMember, m.Location, m.Name,
                "is a [Shortcut]; a named repeat ([Use(Name = ...)]) is on the main path"));
        if (item.BlockType is not null && m.FieldType != item.BlockType + "[]" && m.FieldType != PiXRewriter.ModuleBase + "[]")
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.FieldTypeMismatch, m.Location, m.Name, Short(m.FieldType),
                $"named instances of {Short(item.BlockType)} (declare the field as {Short(item.BlockType)}[])").WithFieldType(item.BlockType + "[]"));
        NameTemplate template;
        try { template = NameTemplate.Parse(item.Get(LayerMember.NameSetting)!); }
        catch (ExprException ex)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidValue, item.Location, where,
                $"the name template \"{item.Get(LayerMember.NameSetting)}\" is not valid: {ex.Message}"));
            return;
        }
        var useScope = new Dictionary<string, string>(scope) { ["i"] = "int" };
        foreach (var (text, e) in template.Expressions)
            CheckExpression(e, text, useScope, item.Location, where, diagnostics, "int");
    }

    /// <summary>
    /// [Use(Inline = true)]: on a Sequential field (not a named repeat), of a block that is a plain chain of single layers,
    /// whose layers can therefore join the field's numbered children.
    /// </summary>
    private static void CheckInline(LayerMember m, LayerItem item, IReadOnlyDictionary<string, ClassDecl> blocks, string where, List<DiagnosticInfo> diagnostics)
    {
        void Problem(string text) => diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidValue, item.Location, where + ", Inline", text));
        if (m.FieldType != SequentialType || m.IsNamedRepeat)
            Problem("Inline = true puts the block's layers into a Sequential field's numbered children; declare the field as Sequential (without Name)");
        if (item.BlockType is null || !blocks.TryGetValue(item.BlockType, out var block)) return;
        string? why = block.HasResidual ? "is [Residual]" : block.Dense is not null ? "is [Dense]" : block.HasUserForward ? "has a hand-written forward"
            : block.Members.FirstOrDefault(b => b.Items.Count != 1 || b.Items[0].Kind == LayerKind.Use || b.IsShortcut || b.Branch is not null || b.PiX is not null
                || b.FieldType == SequentialType) is { } member ? $"has member '{member.Name}', which is not a single layer on the main path"
            : block.Members.FirstOrDefault(b => b.Items[0].Is(DefinedKind.Linear) || Flattens(b.Items[0])) is { } flat ? $"has member '{flat.Name}' (Flatten and Linear are not inlined)"
            : block.Members.FirstOrDefault(b => IsParameter(b.Items[0])) is { } scale ? $"has member '{scale.Name}' (a [{scale.Items[0].AttributeName}] parameter is no child of a Sequential)"
            : null;
        if (why is not null) Problem($"{block.Name} {why}; only a plain chain of single layers can be inlined");
    }

    /// <summary>
    /// The real-valued settings that also take an expression over the arguments: the drop probability of Dropout and StochasticDepth, and every real setting of a defined kind.
    /// </summary>
    private static bool IsRealSetting(LayerItem item, string setting) => setting switch
    {
        _ when item.Kind == LayerKind.Defined => DefinedKind.All[item.AttributeName].Settings.Any(s => s.Name == setting && s.Real),
        _ => false,
    };

    /// <summary>String-typed settings name one of a few choices; then a defined kind's checks of its settings as written (<see cref="DefinedKind.CheckWritten"/>: Upsample's ScaleFactor or Size).</summary>
    private static void CheckChoices(LayerItem item, string where, List<DiagnosticInfo> diagnostics)
    {
        foreach (var s in item.Settings)
        {
            if (s.Type != SettingType.Text || Choices(item, s.Name) is not { } choices) continue;
            if (!choices.Contains(s.Value))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidValue, item.Location, where,
                    $"{s.Name} must be {string.Join(" or ", choices.Select(c => $"\"{c}\""))}, got \"{s.Value}\"")
                    .WithWordReplacement(s.Name, s.Value, Parsing.Suggest.Closest(s.Value, choices)));
        }
        if (item.Kind != LayerKind.Defined) return;
        foreach (var problem in DefinedKind.All[item.AttributeName].CheckWritten(item.Get))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidValue, item.Location, where, problem));
    }

    /// <summary>
    /// [Branch] groups, nested ones too: two or more branches, one merge and split setting, branches not interrupted,
    /// no empty level in a nested branch name.
    /// </summary>
    private static void CheckBranches(ClassDecl cls, List<DiagnosticInfo> diagnostics)
    {
        void Report(LayerMember m, string problem)
            => diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidBranches, m.Branch!.Location ?? m.Location, $"{cls.Name}.{m.Name}", problem));
        bool emptyLevel = false; // the groups of such names would only repeat the cause
        foreach (var m in cls.Members.Where(m => m.Branch is not null))
        {
            if (m.IsShortcut || (m.AfterAdd && cls.HasResidual))
                Report(m, "a [Branch] member is on the main path: not a [Shortcut], not AfterAdd");
            if (m.Branch!.Name.Trim().Length == 0) Report(m, "give the branch a name: [Branch(\"name\")]");
            else if (PathStep.Segments(m).Any(s => s.Trim().Length == 0))
            {
                emptyLevel = true;
                Report(m, $"the branch name \"{m.Branch.Name}\" has an empty level; a branch nested in branch \"outer\" is named \"outer{PathStep.Separator}inner\"");
            }
            if (m.Branch.Merge is not ("concat" or "add"))
                Report(m, $"Merge must be \"concat\" or \"add\", got \"{m.Branch.Merge}\"");
        }
        if (!emptyLevel) CheckGroups(PathStep.Of(cls.Members.Where(m => !(m.IsShortcut || (m.AfterAdd && cls.HasResidual)))), Report);
    }

    /// <summary>The groups among <paramref name="steps"/> (a main path or one branch), then the groups nested in their branches.</summary>
    private static void CheckGroups(IEnumerable<PathStep> steps, System.Action<LayerMember, string> report)
    {
        var ended = new Dictionary<string, string>(); // branch name → the member that ended its group
        List<string>? open = null;
        foreach (var step in steps)
        {
            if (!step.IsGroup)
            {
                foreach (var name in open ?? new List<string>()) ended[name] = step.Member!.Name;
                open = null;
                continue;
            }
            var first = step.Branches![0].Members[0];
            if (step.Branches.Count < 2)
                report(first, $"branch '{step.Branches[0].Name}' is the only branch of its group; declare two or more (or remove [Branch] to apply the members in sequence)");
            // Merge and Split are set by the members naming this group's branches ("b3"); "b3/a" sets its own group's.
            var defining = step.Defining.ToList();
            foreach (var m in defining.Skip(1))
                if (m.Branch!.Merge != defining[0].Branch!.Merge || m.Branch.Split != defining[0].Branch!.Split)
                    report(m, $"every member of a group has the same Merge and Split; '{defining[0].Name}' has Merge = \"{defining[0].Branch!.Merge}\", Split = {(defining[0].Branch!.Split ? "true" : "false")}");
            foreach (var b in step.Branches)
                if (ended.TryGetValue(b.Name, out var by))
                    report(b.Members[0], $"branch '{b.Name}' continues after its group ended at member '{by}'; keep a group's members together");
            open = step.Branches.Select(b => b.Name).ToList();
            foreach (var b in step.Branches) CheckGroups(b.Steps, report);
        }
    }

    private static bool IsError(DiagnosticInfo d)
        => DiagnosticDescriptors.ById(d.Id).DefaultSeverity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error;

    /// <summary>A type's short name for messages: global::TorchSharp.Modules.Conv2d → Conv2d.</summary>
    internal static string Short(string fqn)
    {
        var s = fqn.StartsWith("global::", System.StringComparison.Ordinal) ? fqn.Substring(8) : fqn;
        if (s.StartsWith("TorchSharp.torch.nn.Module<", System.StringComparison.Ordinal)) return "Module<Tensor, Tensor>";
        int dot = s.LastIndexOf('.');
        return dot >= 0 ? s.Substring(dot + 1) : s;
    }

    /// <summary>The expression type of a declared [Arg]/[Let] type: bool, double, or int (int and long).</summary>
    internal static string TypeOf(string declaredType) => declaredType is "bool" or "double" or Expr.ListType ? declaredType : "int";

    /// <summary>Parses <paramref name="text"/>, checks every name is in scope and that the expression has type <paramref name="expected"/>.</summary>
    private static void CheckExpression(string? text, Dictionary<string, string> scope, LocationInfo? location, string where,
        List<DiagnosticInfo> diagnostics, string expected)
    {
        if (text is null) return;
        try { CheckExpression(Expr.Parse(text), text, scope, location, where, diagnostics, expected); }
        catch (ExprException ex)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BadExpression, location, where, ex.Message));
        }
    }

    private static void CheckExpression(Expr e, string text, Dictionary<string, string> scope, LocationInfo? location, string where,
        List<DiagnosticInfo> diagnostics, string? expected)
    {
        var ids = new HashSet<string>();
        e.CollectIdentifiers(ids);
        bool known = true;
        foreach (var id in ids)
            if (!scope.ContainsKey(id))
            {
                known = false;
                var near = Parsing.Suggest.Closest(id, scope.Keys);
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BadExpression, location, where,
                    $"unknown name '{id}' in '{text}'{(near is null ? "" : $" (did you mean '{near}'?)")}; known here: {string.Join(", ", scope.Keys.OrderBy(x => x))}")
                    .With(FixProperties.Kind, near is null ? null : FixProperties.KindRenameIdentifier).With(FixProperties.Written, id).With(FixProperties.Suggestion, near));
            }
        if (!known) return;
        try
        {
            var type = e.InferType(n => scope.TryGetValue(n, out var t) ? t : null);
            if (expected is not null && !Expr.Fits(type, expected))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BadExpression, location, where,
                    $"'{text}' is {Expr.TypeWords(type)} but {(expected == "bool" ? "a condition (true/false)" : Expr.TypeWords(expected))} is needed here" +
                    (type == "double" && expected == "int" ? Expr.RealHint : "")));
        }
        catch (ExprException ex)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BadExpression, location, where, $"'{text}': {ex.Message}"));
        }
    }

    private static void CheckUse(ClassDecl cls, LayerItem item, Dictionary<string, string> scope, IReadOnlyDictionary<string, ClassDecl> blocks,
        string where, List<DiagnosticInfo> diagnostics)
    {
        List<KeyValuePair<string, Expr>> given;
        try { given = Expr.ParseNamedArguments(item.BlockArgs ?? ""); }
        catch (ExprException ex)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BadExpression, item.Location, where, ex.Message));
            return;
        }
        blocks.TryGetValue(item.BlockType ?? "", out var block);
        var useScope = new Dictionary<string, string>(scope) { ["i"] = "int" };
        foreach (var kv in given)
        {
            var target = block?.Args.FirstOrDefault(a => a.Name == kv.Key);
            CheckExpression(kv.Value, kv.Value.ToCSharp(n => n), useScope, item.Location, $"{where}, argument '{kv.Key}'", diagnostics,
                target is null ? null : TypeOf(target.Type));
        }
        if (item.BlockType is null) return;
        if (block is null)
        {
            // A [Block] whose own declaration failed to parse (not partial, nested, generic...): it cannot be used.
            // A type that is not a [Block] at all already has PIX0007 from the parser at this location.
            if (!diagnostics.Any(d => d.Id == DiagnosticDescriptors.NotABlock.Id && d.Location == item.Location))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnusableBlock, item.Location, where, item.BlockType.Replace("global::", "")));
            return;
        }
        foreach (var kv in given)
            if (!block.Args.Any(a => a.Name == kv.Key))
                diagnostics.Add(DiagnosticInfo.UnknownArgument(item.Location, where, kv.Key, block.Name, block.Args.Select(a => a.Name).ToList(), renameFix: true));
        foreach (var a in block.Args)
            if (a.Default is null && !given.Any(kv => kv.Key == a.Name))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MissingParameter, item.Location, where, a.Name));
    }

    /// <summary>Whether <paramref name="item"/> is a defined kind that is a parameter of its class (<see cref="DefinedKind.IsParameter"/>).</summary>
    public static bool IsParameter(LayerItem item) => item.Kind == LayerKind.Defined && DefinedKind.ParameterKind(item.AttributeName);

    /// <summary>Whether <paramref name="item"/> is a defined kind that flattens its input (<see cref="DefinedKind.Flattens"/>).</summary>
    public static bool Flattens(LayerItem item) => item.Kind == LayerKind.Defined && DefinedKind.Flattening(item.AttributeName);

    /// <summary>Inside a block the spatial size is unknown, so Linear needs In unless an adaptive pool fixed it before Flatten.</summary>
    private static void CheckBlockFlatten(ClassDecl cls, List<DiagnosticInfo> diagnostics)
    {
        bool spatialKnown = false, flattenedUnknown = false;
        foreach (var m in cls.Members)
            foreach (var item in m.Items)
            {
                switch (item.Kind)
                {
                    case LayerKind.Use:
                        spatialKnown = false; break;
                    case LayerKind.Defined when Flattens(item): flattenedUnknown = !spatialKnown; break;
                    case LayerKind.Defined when item.Is(DefinedKind.Linear):
                        // Its in-features are the flattened size; stated (In), they need no area.
                        if (flattenedUnknown && !DefinedKind.Linear.Settings.Any(s => s.Declared is { } declared && item.Get(declared) is not null))
                            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownSpatial, item.Location, $"{cls.Name}.{m.Name} ({item.AttributeName})"));
                        flattenedUnknown = false;
                        break;
                    // An adaptive pool fixes the size; another kind whose output size differs (a pool) makes it unknown again.
                    case LayerKind.Defined when DefinedKind.All[item.AttributeName] is var kind && (kind.OutputSize is not null || !kind.KeepsSpatialSize):
                        spatialKnown = kind.OutputSize is not null; break;
                }
            }
    }

    private static void CheckCycle(ClassDecl cls, IReadOnlyDictionary<string, ClassDecl> blocks, List<DiagnosticInfo> diagnostics)
    {
        if (cls.Kind != ClassKind.Block) return;
        // Depth-first search from this block; report at this block's [Use] that leads back to it.
        foreach (var m in cls.Members)
            foreach (var item in m.Items)
            {
                if (item.Kind != LayerKind.Use || item.BlockType is null) continue;
                var path = new List<string> { cls.Name };
                if (Reaches(item.BlockType, cls.FullName, blocks, path, new HashSet<string>()))
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BlockCycle, item.Location, cls.Name, string.Join(" → ", path)));
            }
    }

    private static bool Reaches(string from, string target, IReadOnlyDictionary<string, ClassDecl> blocks, List<string> path, HashSet<string> seen)
    {
        if (!blocks.TryGetValue(from, out var b)) return false;
        path.Add(b.Name);
        if (from == target) return true;
        if (seen.Add(from))
            foreach (var m in b.Members)
                foreach (var item in m.Items)
                    if (item.Kind == LayerKind.Use && item.BlockType is not null && Reaches(item.BlockType, target, blocks, path, seen))
                        return true;
        path.RemoveAt(path.Count - 1);
        return false;
    }
}
