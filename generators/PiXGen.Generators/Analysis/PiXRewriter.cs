using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using PiXGen.Generators.Definitions;
using PiXGen.Generators.Diagnostics;
using PiXGen.Generators.Model;
using PiXGen.Generators.Parsing;

namespace PiXGen.Generators.Analysis;

/// <summary>
/// PiX substitution as a rewrite of declarations (stage 2):
/// <list type="bullet">
/// <item>[PiXSqueeze] on a member: decided per instance on the dense network's IR (<see cref="MarkerDecisions"/>,
/// PIX0301 at the marker for an instance that cannot become PiX); for emission the class's own Conv2d item becomes a
/// PiX item and the following BatchNorm and activation disappear, for every instance of the class
/// (<see cref="ApplyMarkers"/>), and <see cref="TranslationValidator"/> checks that rewrite against the pass.</item>
/// <item>[SubstitutePiX] and [Variants] on a network: decisions are taken per instance on the dense network's
/// instantiated IR (<see cref="Decisions"/>, <see cref="VariantSelector.Decide"/>); <see cref="PiXPass"/> computes the
/// network they make, and <see cref="Apply"/> specialises the declarations the module is emitted from: blocks whose
/// instances change become variant classes nested in the network, so the dense block stays dense for other networks.
/// <see cref="TranslationValidator"/> checks that those declarations infer to the pass's network.</item>
/// </list>
/// The PiX item keeps the member's name, so φ's weight takes the convolution's state_dict key. Whether an
/// instance can be substituted (kernel 1, stride 1, groups 1, no padding, C_out dividing C_in) is decided on the IR.
/// </summary>
public static class PiXRewriter
{
    public const string ModuleBase = "global::TorchSharp.torch.nn.Module<global::TorchSharp.torch.Tensor, global::TorchSharp.torch.Tensor>";
    public const string PiXLayerType = "global::PiXGen.PiX.PiXLayer";

    private static readonly HashSet<string> Activations = new(System.StringComparer.Ordinal) { "ReLU", "ReLU6", "SiLU", "Sigmoid", "Hardswish" };

    /// <summary>Whether a layer op (its attribute's name) is an activation that substitution removes after a replaced convolution's BatchNorm.</summary>
    public static bool IsActivation(string? op) => op is not null && Activations.Contains(op);

    // ------------------------------------------------------------------ the PiX item

    /// <summary>The PiX item replacing <paramref name="conv"/>: ζ explicit, or derived from the convolution's output channels.</summary>
    public static LayerItem PiXItemFor(LayerItem conv, string? zeta, PiXOptionsDecl o, LocationInfo? location, bool check)
    {
        var settings = new List<Setting>();
        if (zeta is not null) settings.Add(new Setting("Zeta", zeta, SettingType.Expression));
        else settings.Add(new Setting("OutChannels", conv.Get("OutChannels") ?? "0", SettingType.Expression));
        AddOptions(settings, o);
        if (check)
        {
            // The replaced convolution's expressions, so the declaration validator still checks them (a marked block
            // alone has no IR). Eligibility is decided per instance on the dense IR (MarkerDecisions); inference ignores these.
            settings.Add(new Setting("ReplacedKernel", conv.Get("Kernel") ?? "1", SettingType.Expression));
            settings.Add(new Setting("ReplacedStride", conv.Get("Stride") ?? "1", SettingType.Expression));
            settings.Add(new Setting("ReplacedGroups", conv.Get("Groups") ?? "1", SettingType.Expression));
        }
        return new LayerItem(LayerKind.Defined, DefinedKind.PiX.Name, settings.ToEquatableArray(), conv.When, conv.AfterAdd, null, null, location ?? conv.Location);
    }

    /// <summary>τ, mode, context and φ bias as PiX item settings (defaults left out, as if written by hand).</summary>
    private static void AddOptions(List<Setting> settings, PiXOptionsDecl o)
    {
        settings.Add(new Setting("Tau", o.Tau, SettingType.Double));
        if (o.Mode != 0) settings.Add(new Setting("Mode", o.Mode.ToString(CultureInfo.InvariantCulture), SettingType.Expression));
        if (o.Context != 0) settings.Add(new Setting("Context", o.Context.ToString(CultureInfo.InvariantCulture), SettingType.Expression));
        if (o.PhiBias) settings.Add(new Setting("PhiBias", "true", SettingType.Bool));
    }

    // ------------------------------------------------------------------ [PiXSqueeze]

    /// <summary>
    /// Applies the [PiXSqueeze] markers of one class to its own declaration: the marked convolution becomes a PiX item and
    /// its BatchNorm and activation leave the class. A field the user declared for one of those is listed in
    /// <see cref="ClassDecl.Omitted"/>: declared, never built.
    /// </summary>
    public static ClassDecl ApplyMarkers(ClassDecl cls, List<DiagnosticInfo> diagnostics)
    {
        if (!cls.Members.Any(m => m.PiX is not null)) return cls;
        var members = cls.Members;
        var edits = new ClassEdits();
        for (int mi = 0; mi < members.Count; mi++)
        {
            var m = members[mi];
            if (m.PiX is null) continue;
            int k = MarkedItem(m);
            if (k < 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PiXNotSubstitutable, m.PiX.Location, $"{cls.Name}.{m.Name}",
                    "[PiXSqueeze] goes on a field with a [Conv2d] attribute"));
                continue;
            }
            bool sequential = m.FieldType == DeclarationValidator.SequentialType;
            if (!sequential && m.FieldType != PiXLayerType && m.FieldType != ModuleBase)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PiXFieldType, m.Location, m.Name, Short(m.FieldType),
                    "PiXLayer (or Module<Tensor, Tensor>)", "it holds the PiX layer that replaces the convolution").WithFieldType(PiXLayerType));
                continue;
            }
            edits.Replace[(m.Name, k)] = PiXItemFor(m.Items[k], m.PiX.Zeta, m.PiX.Options, m.PiX.Location, check: true);
            if (m.PiX.Options.WithNormAndActivation) edits.Remove.UnionWith(DeclaredFollowers(members, mi, k));
        }
        var (kept, omitted) = edits.Apply(members, generatedFields: false);
        return cls with { Members = kept.ToEquatableArray(), Omitted = cls.Omitted.Concat(omitted).ToEquatableArray() };
    }

    /// <summary>The item a [PiXSqueeze] marker on <paramref name="m"/> replaces: its first Conv2d item, or -1.</summary>
    public static int MarkedItem(LayerMember m) => IndexOf(m.Items, i => i.Is(DefinedKind.Conv2d));

    /// <summary>
    /// [PiXSqueeze] markers as decisions, per instance: every instance of a marked convolution in the dense network's IR
    /// (the declarations without the markers, instantiated) is replaced by PiX with the marker's options and ζ (its
    /// explicit Zeta, evaluated per instance in <paramref name="zetas"/>, or C_in / C_out). An instance that cannot be
    /// replaced is PIX0301 at the marker, with the reason (<see cref="MarkerReason"/>). <see cref="PiXPass"/> computes the
    /// network these decisions make; <see cref="ApplyMarkers"/> is the declaration rewrite it is validated against.
    /// </summary>
    public static Dictionary<string, PiXAction> MarkerDecisions(ClassDecl network, IReadOnlyDictionary<string, ClassDecl> blocks, LayerNode dense,
        IReadOnlyDictionary<string, long> zetas, List<DiagnosticInfo> diagnostics)
    {
        var decisions = new Dictionary<string, PiXAction>();
        foreach (var (conv, _) in Convolutions(dense))
        {
            if (conv.Origin is not { } origin || origin.Find(network, blocks) is not { PiX: { } mark } member || MarkedItem(member) != origin.Item) continue;
            zetas.TryGetValue(conv.Path, out long zeta);
            var reason = MarkerReason(conv, mark.Zeta is not null) ?? (mark.Zeta is null ? null : ZetaReason(conv, zeta));
            if (reason is not null)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PiXNotSubstitutable, mark.Location, $"{network.Name}.{conv.Path}", reason));
            else decisions[conv.Path] = new PiXAction(Insert: false, Zeta: (int)zeta, mark.Options);
        }
        return decisions;
    }

    /// <summary>
    /// Why a [PiXSqueeze]-marked convolution instance cannot become PiX, or null: kernel 1, stride 1, groups 1, no padding,
    /// and (without an explicit ζ) C_out &lt; C_in dividing C_in; an explicit ζ is checked by <see cref="ZetaReason"/>.
    /// </summary>
    public static string? MarkerReason(LayerNode conv, bool explicitZeta)
        => explicitZeta ? Reason(conv, allowEqual: true, channels: false) : Reason(conv, allowEqual: false);

    /// <summary>
    /// Why an explicit ζ cannot replace this convolution, or null: PiX makes ⌈C_in / ζ⌉ channels, which must be the
    /// convolution's C_out (anything else would change every shape after it).
    /// </summary>
    private static string? ZetaReason(LayerNode conv, long zeta)
    {
        long cin = conv.GetInt("InChannels"), cout = conv.GetInt("OutChannels");
        if (zeta < 1) return $"its Zeta is {zeta}; ζ must be at least 1";
        long co = Arithmetic.PiXChannels(cin, zeta);
        return co == cout ? null
            : $"Zeta {zeta} makes {co} channels from C_in {cin}, the convolution makes C_out {cout}; PiX must keep the layer's output shape";
    }

    /// <summary>
    /// The declared positions of the BatchNorm right after item <paramref name="k"/> of member <paramref name="mi"/>, then of
    /// the activation after that, on the same path: inside a Sequential the next items; otherwise the next members (single-item
    /// fields on the same path and branch). The declaration-level reading of <see cref="PiXPass"/>'s followers.
    /// </summary>
    private static IEnumerable<(string Member, int Item)> DeclaredFollowers(EquatableArray<LayerMember> members, int mi, int k)
    {
        var m = members[mi];
        if (m.FieldType == DeclarationValidator.SequentialType || m.Items.Count > 1)
            return PiXPass.FollowersAfter(m.Items, k, elsewhere: _ => false, isNorm: i => i.Is(DefinedKind.BatchNorm2d),
                isActivation: i => IsActivation(i.AttributeName)).Select(j => (m.Name, j));
        bool Same(LayerMember x) => x.Branch?.Name == m.Branch?.Name;
        return PiXPass.FollowersAfter(members, mi, elsewhere: x => x.IsShortcut || x.AfterAdd != m.AfterAdd,
                isNorm: x => Same(x) && IsSingle(x, DefinedKind.BatchNorm2d),
                isActivation: x => Same(x) && x.Items.Count == 1 && IsActivation(x.Items[0].AttributeName) && x.FieldType != DeclarationValidator.SequentialType)
            .Select(j => (members[j].Name, 0));
    }

    /// <summary>
    /// The PiX rewrite of one class's declaration, keyed by declared position (member name, item index), applied at once by
    /// <see cref="Apply"/> so no position moves before every edit is known.
    /// </summary>
    private sealed class ClassEdits
    {
        /// <summary>Items replaced (a convolution by its PiX item).</summary>
        public readonly Dictionary<(string Member, int Item), LayerItem> Replace = new();
        /// <summary>Items removed (a replaced convolution's BatchNorm and activation).</summary>
        public readonly HashSet<(string Member, int Item)> Remove = new();
        /// <summary>Items put in front of an item (a downscaling PiX); in front of a single-item field, as a field of its own.</summary>
        public readonly Dictionary<(string Member, int Item), LayerItem> InsertBefore = new();
        /// <summary>Single-item fields whose type becomes PiXLayer (in a class whose fields PiXGen declares).</summary>
        public readonly HashSet<string> PiXFields = new();

        /// <summary>
        /// The members after the edits, and the members none of whose items is left: fields declared in the class that
        /// this build never builds. <paramref name="generatedFields"/>: inserted PiX fields are declared by PiXGen.
        /// </summary>
        public (List<LayerMember> Members, List<LayerMember> Omitted) Apply(EquatableArray<LayerMember> members, bool generatedFields)
        {
            var kept = new List<LayerMember>();
            var omitted = new List<LayerMember>();
            foreach (var m in members)
            {
                bool ownField = m.FieldType != DeclarationValidator.SequentialType && m.Items.Count == 1;
                var items = new List<LayerItem>();
                for (int k = 0; k < m.Items.Count; k++)
                {
                    if (InsertBefore.TryGetValue((m.Name, k), out var pix))
                    {
                        if (ownField) kept.Add(PiXFieldBefore(m, pix, members, kept, generatedFields));
                        else items.Add(pix);
                    }
                    if (Remove.Contains((m.Name, k))) continue;
                    items.Add(Replace.TryGetValue((m.Name, k), out var replaced) ? replaced : m.Items[k]);
                }
                if (items.Count == 0) { omitted.Add(m); continue; }
                kept.Add(m with
                {
                    Items = items.ToEquatableArray(),
                    FieldType = PiXFields.Contains(m.Name) && m.FieldType != DeclarationValidator.SequentialType ? PiXLayerType : m.FieldType,
                });
            }
            return (kept, omitted);
        }

        /// <summary>A field of its own holding the PiX put in front of <paramref name="m"/>: "&lt;conv&gt;_pix", on its branch.</summary>
        private static LayerMember PiXFieldBefore(LayerMember m, LayerItem pix, EquatableArray<LayerMember> members, List<LayerMember> kept, bool generated)
        {
            var name = m.Name + "_pix";
            while (members.Any(x => x.Name == name) || kept.Any(x => x.Name == name)) name += "_";
            return new LayerMember(name, m.PyName == m.Name ? name : m.PyName + "_pix", PiXLayerType,
                IsNullable: pix.When is not null, IsReadOnly: true, new[] { pix }.ToEquatableArray(), m.IsShortcut, m.ShortcutWhen,
                m.Location, Generated: generated, Branch: m.Branch);
        }
    }

    private static bool IsSingle(LayerMember m, DefinedKind kind)
        => m.Items.Count == 1 && m.Items[0].Is(kind) && m.FieldType != DeclarationValidator.SequentialType;

    private static int IndexOf(EquatableArray<LayerItem> items, System.Func<LayerItem, bool> p)
    {
        for (int i = 0; i < items.Count; i++) if (p(items[i])) return i;
        return -1;
    }

    private static string Short(string fqn) => DeclarationValidator.Short(fqn);

    // ------------------------------------------------------------------ [SubstitutePiX]

    /// <summary>The outcome of network-wide substitution.</summary>
    public sealed record Result(ClassDecl Network, List<ClassDecl> Variants, List<string> Replaced);

    /// <summary>
    /// [SubstitutePiX]: decides, on the dense network's IR, which convolutions PiX replaces (the automatic squeeze rule,
    /// Include and Exclude patterns), keyed by path. <see cref="PiXPass"/> computes the network these decisions make and
    /// <see cref="Apply"/> specialises the declarations that emit it. Unusable includes and unused patterns are reported.
    /// </summary>
    public static Dictionary<string, PiXAction> Decisions(ClassDecl network, LayerNode dense, List<DiagnosticInfo> diagnostics)
    {
        var sub = network.Substitution!;
        var decisions = new Dictionary<string, PiXAction>();
        var matched = new HashSet<string>();
        foreach (var (conv, inlined) in Convolutions(dense))
        {
            var included = sub.Include.Where(p => Matches(p, conv.Path)).ToList();
            var excluded = sub.Exclude.Where(p => Matches(p, conv.Path)).ToList();
            foreach (var p in included.Concat(excluded)) matched.Add(p);
            if (excluded.Count > 0) continue;
            if (included.Count > 0)
            {
                string? reason = inlined ? InlinedReason : Reason(conv, allowEqual: true);
                if (reason is not null)
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PiXNotSubstitutable, sub.Location,
                        $"{network.Name}.{conv.Path} (included by \"{included[0]}\")", reason));
                else decisions[conv.Path] = Replace;
            }
            else if (!inlined && conv.Role != NodeRole.Shortcut && IsSqueeze(conv)) decisions[conv.Path] = Replace;
        }
        foreach (var pattern in sub.Include.Concat(sub.Exclude))
            if (!matched.Contains(pattern))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PiXPatternUnused, sub.Location, network.Name, pattern));
        return decisions;
    }

    /// <summary>
    /// What happens to one convolution: replaced by PiX (ζ = C_in / C_out, or <paramref name="Zeta"/> when a [PiXSqueeze]
    /// marker gives one), or a PiX with factor ζ put in front of it. <paramref name="Options"/>: a marker's own PiX options;
    /// null takes the pass's.
    /// </summary>
    public sealed record PiXAction(bool Insert, int Zeta, PiXOptionsDecl? Options = null);

    private static readonly PiXAction Replace = new(Insert: false, Zeta: 0);

    private const string InlinedReason = "it is a layer of an inlined block ([Use(Inline = true)]); PiX substitution and variants do not reach those";

    /// <summary>
    /// The convolutions of the IR in order ([Branch] members, nested ones too, included), each with whether it is a layer
    /// of an inlined block. Decisions never name an inlined layer: the declaration specialiser cannot reach one
    /// (docs/language.md), and a decision it dropped would be a network other than the one decided.
    /// </summary>
    /// <remarks>The layers of an inlined block ([Use(Inline = true)]) are declared in the block but sit in the enclosing
    /// class's Sequential, where a specialised block could not put a PiX.</remarks>
    public static IEnumerable<(LayerNode Conv, bool Inlined)> Convolutions(LayerNode node, string? owner = null)
    {
        if (node.Kind == NodeKind.Layer)
        {
            bool inlined = owner is not null && node.Origin is { } origin && !origin.In(owner);
            if (node.Is(DefinedKind.Conv2d)) yield return (node, inlined);
            yield break;
        }
        foreach (var child in node.Children)
            foreach (var conv in Convolutions(child, node.Class ?? owner))
                yield return conv;
    }

    /// <summary>Rewrites the network and its blocks so the convolutions at the given paths get their PiX actions.</summary>
    public static Result Apply(ClassDecl network, IReadOnlyDictionary<string, ClassDecl> blocks, LayerNode dense,
        IReadOnlyDictionary<string, PiXAction> actions, PiXOptionsDecl options, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        var rewriter = new VariantBuilder(network, blocks, options, actions, PiXPass.Followers(dense, actions, options), location, diagnostics);
        var rewritten = rewriter.Rewrite(dense, network, isNetwork: true);
        return new Result(rewritten, rewriter.Variants, actions.Keys.OrderBy(p => p, System.StringComparer.Ordinal).ToList());
    }

    /// <summary>The PiX item put in front of a convolution by downscaling: factor ζ, the convolution then sees C/ζ channels.</summary>
    public static LayerItem InsertedPiX(LayerItem conv, int zeta, PiXOptionsDecl o, LocationInfo? location)
    {
        var settings = new List<Setting> { new("Zeta", zeta.ToString(CultureInfo.InvariantCulture), SettingType.Expression) };
        AddOptions(settings, o);
        return new LayerItem(LayerKind.Defined, DefinedKind.PiX.Name, settings.ToEquatableArray(), conv.When, conv.AfterAdd, null, null, location ?? conv.Location);
    }

    /// <summary>The automatic rule: a channel-squeezing convolution (1×1, stride 1, no padding, ungrouped, C_out &lt; C_in dividing C_in).</summary>
    public static bool IsSqueeze(LayerNode conv) => Reason(conv, allowEqual: false) is null;

    /// <summary>
    /// Why an instantiated convolution cannot become PiX with ζ = C_in / C_out (<paramref name="channels"/> false: with an
    /// explicit ζ, so any channel counts), or null.
    /// </summary>
    public static string? Reason(LayerNode conv, bool allowEqual, bool channels = true)
    {
        long padding = conv.GetInt("Padding");
        if (padding != 0 && conv.GetInt("Kernel") == 1)
            return $"its padding is {conv.Get("Padding")}; a padded 1x1 convolution grows the map, PiX keeps its size";
        long cin = channels ? conv.GetInt("InChannels") : 1, cout = channels ? conv.GetInt("OutChannels") : 1;
        return Reason(conv.GetInt("Kernel"), conv.GetInt("Stride", 1), conv.GetInt("Groups", 1), cin, cout, allowEqual);
    }

    /// <summary>Why a convolution cannot become PiX with ζ = C_in / C_out, or null.</summary>
    public static string? Reason(long k, long s, long g, long cin, long cout, bool allowEqual)
    {
        if (k != 1) return $"its kernel is {k}x{k}; PiX replaces 1x1 convolutions";
        if (s != 1) return $"its stride is {s}; PiX keeps the spatial size (put the stride on the next convolution)";
        if (g != 1) return $"it is grouped (groups={g}); PiX replaces dense 1x1 convolutions";
        if (cout > cin) return $"C_out {cout} > C_in {cin}; PiX only reduces channels";
        if (cout == cin && !allowEqual) return $"C_out = C_in = {cin}: nothing to squeeze (give Zeta = 1 for SE-like gating)";
        if (cin % cout != 0) return $"C_in {cin} is not divisible by C_out {cout}, so ζ cannot be inferred (give Zeta)";
        return null;
    }

    /// <summary>Glob match of a layer path: '*' matches any characters.</summary>
    public static bool Matches(string pattern, string path)
    {
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < path.Length)
        {
            if (p < pattern.Length && pattern[p] == path[t]) { p++; t++; }
            else if (p < pattern.Length && pattern[p] == '*') { star = p++; mark = t; }
            else if (star >= 0) { p = star + 1; t = ++mark; }
            else return false;
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }

    /// <summary>Builds the specialised declarations bottom-up from the dense IR.</summary>
    private sealed class VariantBuilder
    {
        private readonly ClassDecl _network;
        private readonly IReadOnlyDictionary<string, ClassDecl> _blocks;
        private readonly PiXOptionsDecl _options;
        private readonly IReadOnlyDictionary<string, PiXAction> _actions;
        private readonly HashSet<string> _followers;
        private readonly LocationInfo? _location;
        private readonly List<DiagnosticInfo> _diagnostics;
        private readonly Dictionary<string, ClassDecl> _bySignature = new();
        private readonly Dictionary<string, int> _counters = new();
        public List<ClassDecl> Variants { get; } = new();

        public VariantBuilder(ClassDecl network, IReadOnlyDictionary<string, ClassDecl> blocks, PiXOptionsDecl options,
            IReadOnlyDictionary<string, PiXAction> actions, HashSet<string> followers, LocationInfo? location, List<DiagnosticInfo> diagnostics)
        {
            _network = network; _blocks = blocks; _options = options; _actions = actions; _location = location; _diagnostics = diagnostics;
            _followers = followers;
        }

        /// <summary>
        /// Direct descendants of <paramref name="node"/> declared in its own class: through Sequential containers, and
        /// through [Branch] groups (nested ones too) to their branches' members.
        /// </summary>
        private static IEnumerable<LayerNode> Own(LayerNode node)
        {
            foreach (var c in node.Children)
            {
                if (c.Kind == NodeKind.Parallel) { foreach (var g in c.Children.SelectMany(Own)) yield return g; }
                else if (c.Kind == NodeKind.Sequential) { foreach (var g in c.Children) yield return g; }
                else yield return c;
            }
        }

        /// <summary>Rewrites the class of one instance; returns it unchanged when nothing below changes.</summary>
        public ClassDecl Rewrite(LayerNode node, ClassDecl cls, bool isNetwork)
        {
            var replace = new List<(string Member, int Item)>();
            var removals = new List<(string Member, int Item)>();
            var inserts = new List<(string Member, int Item, int Zeta)>();
            var choices = new Dictionary<(string Member, int Item), List<ClassDecl>>();
            foreach (var child in Own(node))
            {
                if (child.Origin is not { } origin || !origin.In(cls.FullName)) continue; // an inlined block's layer
                var key = (origin.Member, origin.Item);
                if (child.Is(DefinedKind.Conv2d) && _actions.TryGetValue(child.Path, out var action))
                {
                    if (action.Insert) inserts.Add((key.Member, key.Item, action.Zeta));
                    else replace.Add(key);
                }
                else if (child.Kind == NodeKind.Layer && _followers.Contains(child.Path)) removals.Add(key);
                else if (child.Kind == NodeKind.Block)
                {
                    var member = cls.Members.First(m => m.Name == key.Member);
                    var block = _blocks[member.Items[key.Item].BlockType!];
                    var chosen = Rewrite(child, block, isNetwork: false);
                    if (!choices.TryGetValue(key, out var list)) choices[key] = list = new List<ClassDecl>();
                    list.Add(chosen);
                }
            }
            bool changed = replace.Count > 0 || removals.Count > 0 || inserts.Count > 0 || choices.Any(kv => kv.Value.Any(b => !ReferenceEquals(b, _blocks[Original(cls, kv.Key)])));
            if (!changed) return cls;

            var signature = new StringBuilder(cls.FullName);
            foreach (var r in replace.Distinct().OrderBy(r => r.Member, System.StringComparer.Ordinal).ThenBy(r => r.Item))
                signature.Append(';').Append(r.Member).Append('#').Append(r.Item);
            foreach (var r in removals.Distinct().OrderBy(r => r.Member, System.StringComparer.Ordinal).ThenBy(r => r.Item))
                signature.Append(";-").Append(r.Member).Append('#').Append(r.Item);
            foreach (var ins in inserts.Distinct().OrderBy(r => r.Member, System.StringComparer.Ordinal).ThenBy(r => r.Item))
                signature.Append(";+").Append(ins.Member).Append('#').Append(ins.Item).Append('z').Append(ins.Zeta);
            foreach (var kv in choices.OrderBy(kv => kv.Key.Member, System.StringComparer.Ordinal).ThenBy(kv => kv.Key.Item))
                signature.Append(';').Append(kv.Key.Member).Append('#').Append(kv.Key.Item).Append('=').Append(string.Join(",", kv.Value.Select(b => b.FullName)));
            if (!isNetwork && _bySignature.TryGetValue(signature.ToString(), out var existing)) return existing;

            var members = cls.Members.ToList();
            // Block choices first (they do not move items), then replacements and their removed followers.
            foreach (var kv in choices)
            {
                int mi = members.FindIndex(m => m.Name == kv.Key.Member);
                var m = members[mi];
                var items = m.Items.ToList();
                var item = items[kv.Key.Item];
                var runs = Runs(kv.Value);
                // The item stays where it was declared: one block type for all repeats, or one per repeat.
                items[kv.Key.Item] = runs.Count == 1
                    ? item with { BlockType = runs[0].Block.FullName }
                    : item with { BlockType = runs[0].Block.FullName, RepeatBlockTypes = kv.Value.Select(b => b.FullName).ToEquatableArray() };
                var fieldType = m.FieldType;
                if (m.IsNamedRepeat)
                {
                    // An array of the instances: of the one specialised block, or of modules when the repeats differ.
                    var arrayType = (runs.Count == 1 ? runs[0].Block.FullName : ModuleBase) + "[]";
                    if (isNetwork && !cls.DeclaresFields && m.FieldType != arrayType && m.FieldType != ModuleBase + "[]")
                        _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PiXFieldType, m.Location, m.Name, Short(m.FieldType),
                            "Module<Tensor, Tensor>[]", "PiX substitution specialises its block for this network").WithFieldType(ModuleBase + "[]"));
                    if (!isNetwork || cls.DeclaresFields) fieldType = arrayType;
                }
                else if (m.FieldType != DeclarationValidator.SequentialType)
                {
                    var newType = runs[0].Block.FullName;
                    if (isNetwork && !cls.DeclaresFields && m.FieldType != newType && m.FieldType != ModuleBase)
                        _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PiXFieldType, m.Location, m.Name, Short(m.FieldType),
                            "Module<Tensor, Tensor> (or Sequential)", "PiX substitution specialises its block for this network").WithFieldType(ModuleBase));
                    if (!isNetwork || cls.DeclaresFields) fieldType = newType;
                }
                members[mi] = m with { Items = items.ToEquatableArray(), FieldType = fieldType };
            }
            var edits = new ClassEdits();
            foreach (var (member, k) in replace.Distinct())
            {
                var m = members.First(x => x.Name == member);
                if (isNetwork && !cls.DeclaresFields && m.FieldType != DeclarationValidator.SequentialType && m.FieldType != PiXLayerType && m.FieldType != ModuleBase)
                {
                    _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PiXFieldType, m.Location, m.Name, Short(m.FieldType),
                        "PiXLayer or Module<Tensor, Tensor>", "network-wide substitution replaces its convolution by PiX").WithFieldType(PiXLayerType));
                    continue;
                }
                edits.Replace[(member, k)] = PiXItemFor(m.Items[k], null, _options, _location, check: false);
                if (!isNetwork || cls.DeclaresFields) edits.PiXFields.Add(member);
            }
            // The followers the pass removes with their convolutions (PiXPass.Followers), wherever this instance has them.
            edits.Remove.UnionWith(removals);
            foreach (var (member, k, zeta) in inserts.Distinct())
                edits.InsertBefore[(member, k)] = InsertedPiX(members.First(x => x.Name == member).Items[k], zeta, _options, _location);
            var (edited, omitted) = edits.Apply(members.ToEquatableArray(), generatedFields: isNetwork);
            // The network keeps the fields it declares (its own or, with [Network(Like)], PiXGen's) for the layers this
            // build leaves out: they are listed as omitted, declared and never built.
            if (isNetwork)
                return cls with { Members = edited.ToEquatableArray(), Omitted = cls.Omitted.Concat(omitted).ToEquatableArray() };

            // A block variant is emitted whole: what substitution removed is gone, and the fields get their new types.
            var kept = edited.Select(m => m with
            {
                FieldType = m.FieldType != DeclarationValidator.SequentialType && m.Items.Count == 1 && !m.IsNamedRepeat ? DeclarationValidator.ModuleType(m.Items[0]) : m.FieldType,
                PiX = null,
            }).ToList();
            _counters.TryGetValue(cls.Name, out int n);
            _counters[cls.Name] = ++n;
            var name = $"{cls.Name}_PiX{n}";
            var variant = cls with
            {
                Name = name,
                FullName = $"{_network.FullName}.{name}",
                Members = kept.ToEquatableArray(),
                Omitted = EquatableArray<LayerMember>.Empty, // a variant declares its own fields: none for what it leaves out
                HasUserForward = false,
                HasUserDispose = false,
                VariantOf = cls.FullName,
            };
            _bySignature[signature.ToString()] = variant;
            Variants.Add(variant);
            return variant;
        }

        private string Original(ClassDecl cls, (string Member, int Item) key)
            => cls.Members.First(m => m.Name == key.Member).Items[key.Item].BlockType!;

        private static List<(ClassDecl Block, int Count)> Runs(List<ClassDecl> choices)
        {
            var runs = new List<(ClassDecl, int)>();
            foreach (var c in choices)
            {
                if (runs.Count > 0 && ReferenceEquals(runs[runs.Count - 1].Item1, c)) runs[runs.Count - 1] = (c, runs[runs.Count - 1].Item2 + 1);
                else runs.Add((c, 1));
            }
            return runs;
        }
    }
}
