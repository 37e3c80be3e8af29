using System;
using System.Linq;
using PiXGen.Generators.Definitions;

namespace PiXGen.Generators.Model;

// The parsed declarations: what the user wrote, as plain values. Produced by Parsing/, read by
// Analysis/ and Emit/. No Roslyn objects; every record compares by value.

/// <summary>Kinds of layer items a member can hold.</summary>
public enum LayerKind
{
    /// <summary>A kind defined in src/PiXGen.Definitions/DefinedKinds.cs (every kind of <c>DefinedKind.All</c>, the one list of
    /// them): its name is the item's attribute name.</summary>
    Defined,
    /// <summary>An instance (or repeated instances) of a [Block] class.</summary>
    Use,
}

public enum ClassKind { Network, Block }

/// <summary>One named setting of a layer attribute; <see cref="Value"/> is an expression text or a literal.</summary>
public sealed record Setting(string Name, string Value, SettingType Type) : IEquatable<Setting>
{
    /// <summary>The separator of a per-axis pair's canonical text (the definitions' <see cref="DefinedKind.PairSeparator"/>).</summary>
    public const char PairSeparator = DefinedKind.PairSeparator;

    /// <summary>The canonical text of a per-axis pair.</summary>
    public static string PairText(string height, string width) => height + PairSeparator + width;

    /// <summary>The two sides of a pair's text ("1×7" → ("1", "7")); a scalar text is both sides.</summary>
    public static (string Height, string Width) Split(string value) => DefinedKind.SplitPair(value);
}

/// <summary>
/// How a setting's <see cref="Setting.Value"/> reads: an integer expression, a flag, a floating-point literal, a
/// word from a fixed list (string-typed settings such as <c>Mode = "bilinear"</c>), or a per-axis pair
/// "H×W" of two integer expressions (<c>Kernel = "1x7"</c>; see <see cref="Setting.Pair"/>).
/// </summary>
public enum SettingType { Expression, Bool, Double, Text, Pair }

/// <summary>One layer attribute on a member.</summary>
public sealed record LayerItem(
    LayerKind Kind,
    string AttributeName,
    EquatableArray<Setting> Settings,
    string? When,
    bool AfterAdd,
    /// <summary>For <see cref="LayerKind.Use"/>: the block's fully qualified name (global::...), else null.</summary>
    string? BlockType,
    /// <summary>For <see cref="LayerKind.Use"/>: the raw named-argument text.</summary>
    string? BlockArgs,
    LocationInfo? Location,
    /// <summary>For a repeated <see cref="LayerKind.Use"/> whose repeats a PiX pass specialised differently: the block
    /// type of each repeat, in order (the item itself stays where it was declared); null when every repeat is <see cref="BlockType"/>.</summary>
    EquatableArray<string>? RepeatBlockTypes = null)
{
    /// <summary>The block type of repeat <paramref name="i"/> of a <see cref="LayerKind.Use"/>.</summary>
    public string? BlockTypeOf(long i)
        => RepeatBlockTypes is { } types && types.Count > 0 ? types[(int)System.Math.Min(i, types.Count - 1)] : BlockType;

    /// <summary>A [Use(Inline = true)]: the block's layers join the enclosing Sequential's numbered children.</summary>
    public bool IsInline => Kind == LayerKind.Use && Get("Inline") == "true";

    public string? Get(string name)
    {
        foreach (var s in Settings) if (s.Name == name) return s.Value;
        return null;
    }

    /// <summary>Whether the item is a layer of the defined kind <paramref name="kind"/>.</summary>
    public bool Is(DefinedKind kind) => Kind == LayerKind.Defined && kind.Is(AttributeName);
}

/// <summary>Tests of an IR node against a defined kind (<see cref="DefinedKind.BatchNorm2d"/>, …).</summary>
public static class DefinedKindNodes
{
    /// <summary>Whether <paramref name="node"/> is a layer of the defined kind <paramref name="kind"/>.</summary>
    public static bool Is(this LayerNode node, DefinedKind kind) => node.Kind == NodeKind.Layer && node.Layer == LayerKind.Defined && kind.Is(node.Op);
}

/// <summary>A field of a network or block class that carries layer attributes.</summary>
public sealed record LayerMember(
    string Name,
    /// <summary>The registered (state_dict) name: the field name, or its TorchSharp [ComponentName].</summary>
    string PyName,
    /// <summary>The declared field type, fully qualified (global::...).</summary>
    string FieldType,
    bool IsNullable,
    bool IsReadOnly,
    EquatableArray<LayerItem> Items,
    bool IsShortcut,
    string? ShortcutWhen,
    LocationInfo? Location,
    /// <summary>[PiXSqueeze] on this member, or null.</summary>
    PiXMark? PiX = null,
    /// <summary>[NoVariant]: build-time variants leave this member as declared.</summary>
    bool NoVariant = false,
    /// <summary>Added by a variant (a PiX in front of a convolution): the generator declares the field.</summary>
    bool Generated = false,
    /// <summary>[Init("scheme")] on this member: a per-layer override, or null.</summary>
    string? InitScheme = null,
    /// <summary>[Branch] on this member, or null.</summary>
    BranchDecl? Branch = null)
{
    public bool AfterAdd => Items.Count > 0 && Items[0].AfterAdd;

    /// <summary>
    /// A repeated [Use] with a name template (<c>Name = "denselayer{i + 1}"</c>): its instances are registered directly in
    /// the class under the names the template gives, and the field is an array of them.
    /// </summary>
    public bool IsNamedRepeat => Items.Any(i => i.Kind == LayerKind.Use && i.Get(NameSetting) is not null);

    /// <summary>The template of a named repeat, or null.</summary>
    public string? NameTemplate => Items.Select(i => i.Kind == LayerKind.Use ? i.Get(NameSetting) : null).FirstOrDefault(t => t is not null);

    /// <summary>The [Use] setting that holds a name template.</summary>
    public const string NameSetting = "Name";
}

/// <summary>[Branch(Name, Merge, Split)] on a member: where it is written.</summary>
public sealed record BranchDecl(string Name, string Merge, bool Split, LocationInfo? Location);

/// <summary>An [Arg] field: a constructor argument.</summary>
public sealed record ArgDecl(string Name, string Type, string? Default, LocationInfo? Location);

/// <summary>A [Let] field: a value derived from the arguments.</summary>
public sealed record LetDecl(string Name, string Type, string Expression, LocationInfo? Location);

/// <summary>A [Network] or [Block] class as declared.</summary>
public sealed record ClassDecl(
    ClassKind Kind,
    string Namespace,
    string Name,
    /// <summary>Fully qualified name, global::Namespace.Name.</summary>
    string FullName,
    string Accessibility,
    string? Input,
    string CatalogName,
    bool HasResidual,
    string? ResidualWhen,
    EquatableArray<ArgDecl> Args,
    EquatableArray<LetDecl> Lets,
    EquatableArray<LayerMember> Members,
    bool HasUserForward,
    bool HasUserDispose,
    LocationInfo? Location,
    LocationInfo? AttributeLocation,
    /// <summary>[Network(MaxParameters = ...)]: the parameter budget as written, or null.</summary>
    BudgetDecl? MaxParameters = null,
    /// <summary>[Network(MaxMacs = ...)]: the MAC budget as written, or null.</summary>
    BudgetDecl? MaxMacs = null,
    /// <summary>[SubstitutePiX] on a network, or null.</summary>
    PiXSubstitutionDecl? Substitution = null,
    /// <summary>For a block specialised by network-wide substitution: the block it was derived from (global::...).
    /// Such a class is emitted whole (fields included), nested in its network.</summary>
    string? VariantOf = null,
    /// <summary>[Variants] on a network, or null.</summary>
    VariantsDecl? Variants = null,
    /// <summary>The build-time variant that was built (set by variant selection), e.g. "downscale(ζ=2)"; null for plain networks.</summary>
    string? BuiltVariant = null,
    /// <summary>[Network(Like = typeof(X))]: the network whose declaration this one reuses (global::...), or null.</summary>
    string? Like = null,
    /// <summary>The generator declares every field (a network made from another one's declaration).</summary>
    bool DeclaresFields = false,
    /// <summary>[Output] on a class with a hand-written forward: the output channel expression and stride, or null.</summary>
    OutputDecl? Output = null,
    /// <summary>[Init] on the class: its initialisation scheme, or null.</summary>
    InitDecl? Init = null,
    /// <summary>[Dense] on the class (output = cat(input, members(input))): where it is written; null when absent.</summary>
    LocationInfo? Dense = null,
    /// <summary>[Network(Like = ..., With = "a: 1, b: 2")]: the argument values given to the reused declaration, or null.</summary>
    WithDecl? With = null,
    /// <summary>
    /// Fields the class declares for layers this build leaves out (a replaced convolution's BatchNorm and activation, by
    /// [PiXSqueeze] or network-wide substitution): not members of the network; the emitter declares them where PiXGen
    /// owns the fields, and sets them to null.
    /// </summary>
    EquatableArray<LayerMember> Omitted = default);

/// <summary>[Network(With = "...")]: named argument values as written, and where.</summary>
public sealed record WithDecl(string Text, LocationInfo? Location);


/// <summary>[Init(scheme, ZeroInitResidual, Seed)] on a class, as written.</summary>
public sealed record InitDecl(string Scheme, bool ZeroInitResidual, long? Seed, LocationInfo? Location)
{
    /// <summary>The schemes PiXGen.Init.Initializer knows (shared with the runtime: src/PiXGen.Definitions/Words.cs).</summary>
    public static readonly string[] Schemes = Definitions.Words.InitSchemes;
}

/// <summary>[Output(channels, Stride = s)]: what a hand-written forward outputs.</summary>
public sealed record OutputDecl(string Channels, int Stride, LocationInfo? Location);

/// <summary>[Variants] on a network: the pin, ζ and target as written.</summary>
public sealed record VariantsDecl(string? Pin, int Zeta, string? Target, LocationInfo? Location);

/// <summary>The variant MSBuild properties (build_property.PiXGenVariant/Zeta/Target), as written; null when unset.</summary>
/// <summary>
/// What the build tells the generator through MSBuild properties (build_property.*): the [Variants] choice
/// (<c>PiXGenVariant</c>, <c>PiXGenZeta</c>, <c>PiXGenTarget</c>) and <c>PiXGenCheckTranslation</c>, which has every PiX
/// rewrite checked against the PiX pass on the instantiated IR (<see cref="Analysis.TranslationValidator"/>, PIX9999 on
/// a difference): on in the zoo, the generator tests and the fuzzer; off by default, since the rewrite is the one
/// the module is emitted from.
/// </summary>
public sealed record BuildOptions(string? Variant, string? Zeta, string? Target, bool CheckTranslation = false)
{
    public static readonly BuildOptions Default = new(null, null, null);

    /// <summary>The MSBuild property that turns the translation check on ("true").</summary>
    public const string CheckTranslationProperty = "PiXGenCheckTranslation";
}

/// <summary>PiX options shared by [PiXSqueeze] and [SubstitutePiX] (τ as invariant text, enums as integers).</summary>
public sealed record PiXOptionsDecl(string Tau, int Mode, int Context, bool PhiBias, bool WithNormAndActivation);

/// <summary>[PiXSqueeze] on a convolution member.</summary>
public sealed record PiXMark(string? Zeta, PiXOptionsDecl Options, LocationInfo? Location);

/// <summary>[SubstitutePiX] on a network.</summary>
public sealed record PiXSubstitutionDecl(EquatableArray<string> Include, EquatableArray<string> Exclude, PiXOptionsDecl Options,
    LocationInfo? Location);

/// <summary>A cost budget as written on [Network] (an integer or text such as "4.1G") and where it was written.</summary>
public sealed record BudgetDecl(string Text, LocationInfo? Location);
