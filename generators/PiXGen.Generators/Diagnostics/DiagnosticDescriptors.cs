using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace PiXGen.Generators.Diagnostics;

/// <summary>
/// The diagnostics catalogue. IDs are stable: never renumber, only add. Documented in docs/diagnostics.md
/// and tracked in AnalyzerReleases.*.md. No help links: the project has no web site; every ID has its section
/// in the repository's docs/diagnostics.md.
/// </summary>
public static class DiagnosticDescriptors
{
    private const string Declaration = "PiXGen.Declaration";
    private const string Shape = "PiXGen.Shape";
    private const string Cost = "PiXGen.Cost";
    private const string Generator = "PiXGen.Generator";

    private static readonly Dictionary<string, DiagnosticDescriptor> All = new();

    private static DiagnosticDescriptor Make(string id, string title, string message, string category,
        DiagnosticSeverity severity, string description)
    {
        var d = new DiagnosticDescriptor(id, title, message, category, severity, isEnabledByDefault: true,
            description: description);
        All[id] = d;
        return d;
    }

    public static DiagnosticDescriptor ById(string id) => All[id];
    public static IEnumerable<DiagnosticDescriptor> Catalogue => All.Values;

    // ---- Declarations (PIX0001–PIX0099) ----
    public static readonly DiagnosticDescriptor NotPartial = Make("PIX0001", "Class must be partial",
        "'{0}' must be declared partial so PiXGen can generate its module code", Declaration, DiagnosticSeverity.Error,
        "Network and block classes are completed by generated code and must be partial.");

    public static readonly DiagnosticDescriptor MissingInput = Make("PIX0002", "Network has no valid input shape",
        "Network '{0}' {1}; declare it as [Network(Input = \"CxHxW\")], e.g. \"3x224x224\"", Declaration, DiagnosticSeverity.Error,
        "Shape inference starts from the network's declared input shape (channels x height x width).");

    public static readonly DiagnosticDescriptor BadExpression = Make("PIX0003", "Invalid expression",
        "{0}: {1}", Declaration, DiagnosticSeverity.Error,
        "Integer settings take a constant or a C#-style expression over [Arg] and [Let] fields, 'in' and, in a repeated [Use], 'i'.");

    public static readonly DiagnosticDescriptor MissingParameter = Make("PIX0004", "Missing parameter",
        "{0}: required parameter '{1}' is not given", Declaration, DiagnosticSeverity.Error,
        "A layer or block instance lacks a parameter that has no default.");

    public static readonly DiagnosticDescriptor UnknownParameter = Make("PIX0005", "Unknown parameter",
        "{0}: '{1}' is not a parameter of {2}{4}; known: {3}", Declaration, DiagnosticSeverity.Error,
        "A block instance names an argument the block does not declare.");

    public static readonly DiagnosticDescriptor FieldTypeMismatch = Make("PIX0006", "Field type does not match its layer",
        "Field '{0}' is declared as {1} but its attributes create {2}", Declaration, DiagnosticSeverity.Error,
        "A field with one layer attribute has that layer's TorchSharp type; a field with several items is a Sequential.");

    public static readonly DiagnosticDescriptor NotABlock = Make("PIX0007", "Type is not a block",
        "{0}: '{1}' is not marked [Block]", Declaration, DiagnosticSeverity.Error,
        "[Use] instantiates classes declared with [Block].");

    public static readonly DiagnosticDescriptor BlockCycle = Make("PIX0008", "Cycle in block use",
        "Block '{0}' uses itself through {1}", Declaration, DiagnosticSeverity.Error,
        "Blocks may not instantiate themselves, directly or indirectly.");

    public static readonly DiagnosticDescriptor InvalidMember = Make("PIX0009", "Invalid layer member",
        "Field '{0}' {1}", Declaration, DiagnosticSeverity.Error,
        "Layer fields must be readonly instance fields; conditional fields must be nullable.");

    public static readonly DiagnosticDescriptor ResidualMisuse = Make("PIX0010", "Invalid residual declaration",
        "'{0}': {1}", Declaration, DiagnosticSeverity.Error,
        "[Shortcut] and AfterAdd need [Residual] on the class; at most one [Shortcut] member.");

    public static readonly DiagnosticDescriptor InvalidArg = Make("PIX0011", "Invalid argument declaration",
        "'{0}': {1}", Declaration, DiagnosticSeverity.Error,
        "[Arg] and [Let] fields are int, long or bool instance fields; network arguments need defaults.");

    public static readonly DiagnosticDescriptor UnsupportedDeclaration = Make("PIX0012", "Unsupported declaration",
        "'{0}': {1}", Declaration, DiagnosticSeverity.Error,
        "Network and block classes must be non-generic, top-level (not nested) classes.");

    public static readonly DiagnosticDescriptor UserForward = Make("PIX0013", "Hand-written forward",
        "'{0}' defines its own forward; PiXGen generates the constructor and components only, and shape inference assumes the declared layer order", Declaration, DiagnosticSeverity.Info,
        "The escape hatch: write 'public override Tensor forward(Tensor x)' yourself when the declarative form is not enough.");

    public static readonly DiagnosticDescriptor UnusableBlock = Make("PIX0014", "Block has declaration errors",
        "{0}: block '{1}' has declaration errors (see its own diagnostics) and cannot be used until they are fixed", Declaration, DiagnosticSeverity.Error,
        "A [Use] names a [Block] class that PiXGen could not read (not partial, nested, generic...).");

    public static readonly DiagnosticDescriptor UnattributedModule = Make("PIX0015", "Module field without a layer attribute",
        "Field '{0}' holds a {1} but has no layer attribute: PiXGen leaves it out of shapes, parameter counts and costs, so the compile-time figures of '{2}' do not include it", Declaration, DiagnosticSeverity.Warning,
        "Give the field a layer attribute (or [Use] for a block) so PiXGen builds and accounts for it, or make it a local of your own forward. TorchSharp registers Parameter and Tensor fields too (as parameters and buffers), so they are in the state_dict but not in PiXGen's figures.");

    public static readonly DiagnosticDescriptor UndeclaredForwardOutput = Make("PIX0016", "Hand-written forward without [Output]",
        "'{0}' defines its own forward but does not say what it outputs; PiXGen assumes its last declared layer's output ({1}). Declare it with [Output(\"channels\", Stride = s)] if the forward does anything else (concatenation, splitting, pooling)", Declaration, DiagnosticSeverity.Warning,
        "Shape inference cannot read a hand-written forward. [Output] states the output channels and spatial stride so the network's shapes stay true.");

    public static readonly DiagnosticDescriptor ForwardCostsUnknown = Make("PIX0017", "Costs of a hand-written forward are estimated",
        "'{0}' has a hand-written forward: its layers' parameters are counted as declared, but their MACs are estimated as if the layers ran in declaration order", Declaration, DiagnosticSeverity.Warning,
        "PiXGen cannot see what a hand-written forward computes; parameters are exact, MACs of its layers are an estimate.");

    public static readonly DiagnosticDescriptor UnknownInitScheme = Make("PIX0018", "Unknown initialisation scheme",
        "[Init] on '{0}': '{1}' is not an initialisation scheme{2}; known: {3}", Declaration, DiagnosticSeverity.Error,
        "The schemes are listed in docs/initialisation.md.");

    public static readonly DiagnosticDescriptor DuplicateName = Make("PIX0019", "Two members registered under one name",
        "'{0}': {1} and {2} are both registered as '{3}'{4}", Declaration, DiagnosticSeverity.Error,
        "TorchSharp registers a class's modules, parameters and buffers by name (the field name, or its [ComponentName]); a second registration under the same name replaces the first in the state_dict while both still run, and a field of another kind under that name breaks Module.to(). Give each member its own name.");

    public static readonly DiagnosticDescriptor OutputWithoutForward = Make("PIX0020", "[Output] without a hand-written forward",
        "[Output] on '{0}' has no effect: the class has no hand-written forward, so PiXGen generates forward and takes its output from the declared layers ({1}). Remove [Output], or write the forward it describes", Declaration, DiagnosticSeverity.Warning,
        "[Output] tells shape inference what a hand-written forward returns; a generated forward's output is known from its layers.");

    // ---- Shapes (PIX0100–PIX0199) ----
    public static readonly DiagnosticDescriptor ResidualShapeMismatch = Make("PIX0100", "Residual shapes differ",
        "{0}: cannot add the main path output {1} to the shortcut {2}{3}", Shape, DiagnosticSeverity.Error,
        "Both sides of a residual add must have the same shape.");

    public static readonly DiagnosticDescriptor LinearMismatch = Make("PIX0101", "Linear input does not match",
        "{0}: Linear expects {1} input features but receives {2}", Shape, DiagnosticSeverity.Error,
        "A Linear layer's In must equal the flattened size of its input.");

    public static readonly DiagnosticDescriptor GroupsMismatch = Make("PIX0102", "Groups do not divide channels",
        "{0}: groups={1} must divide {2}", Shape, DiagnosticSeverity.Error,
        "Grouped convolutions, GroupNorm and ChannelShuffle need channel counts divisible by the group count.");

    public static readonly DiagnosticDescriptor SpatialZero = Make("PIX0103", "Spatial size reaches zero",
        "{0}: output size {1} from input {2} is not positive", Shape, DiagnosticSeverity.Error,
        "A convolution or pooling layer shrinks the feature map below 1x1.");

    public static readonly DiagnosticDescriptor ChannelMismatch = Make("PIX0104", "Channel count does not match",
        "{0}: declared In={1} but the input has shape {2}", Shape, DiagnosticSeverity.Error,
        "An explicit In on a layer must equal the inferred input channels.");

    public static readonly DiagnosticDescriptor RankMismatch = Make("PIX0105", "Wrong input rank",
        "{0}: {1} needs {2} input but receives {3}", Shape, DiagnosticSeverity.Error,
        "Convolutions, norms and pools need a CxHxW feature map; Linear needs a flattened vector (add [Flatten]).");

    public static readonly DiagnosticDescriptor InvalidValue = Make("PIX0106", "Invalid parameter value",
        "{0}: {1}", Shape, DiagnosticSeverity.Error,
        "A parameter evaluated to a value the layer does not accept, a word setting outside its list, or a height×width pair where one value is expected.");

    public static readonly DiagnosticDescriptor UnknownSpatial = Make("PIX0107", "Flattened size not known in a block",
        "{0}: a block does not know its input's height and width; pool to a fixed size with [AdaptiveAvgPool2d] before [Flatten], or give Linear an explicit In", Shape, DiagnosticSeverity.Error,
        "Inside a block, Linear in-features can only be inferred after AdaptiveAvgPool2d.");

    public static readonly DiagnosticDescriptor ConcatMismatch = Make("PIX0108", "Merged shapes differ",
        "{0}: cannot {1} {2} and {3}: {4}", Shape, DiagnosticSeverity.Error,
        "Tensors concatenated along the channels ([Dense], [Branch] groups) need the same height and width; added branches the same shape.");

    public static readonly DiagnosticDescriptor InvalidBranches = Make("PIX0109", "Invalid branches",
        "{0}: {1}", Declaration, DiagnosticSeverity.Error,
        "Consecutive [Branch] members form a parallel group of two or more named branches with one Merge (concat or add) and one Split setting; a branch is not interrupted, not a [Shortcut] and not AfterAdd; Split needs channels divisible by the branch count.");

    // ---- Costs (PIX0200–PIX0299) ----
    public static readonly DiagnosticDescriptor CostReport = Make("PIX0200", "Network cost report",
        "{0}: {1} params · {2} (torchvision convention; paper convention {3}) · {4} → {5} · {6} activations (peak {7}){8}", Cost, DiagnosticSeverity.Info,
        "Compile-time cost of a network at batch 1 for its default arguments: trainable parameters, MACs (Conv2d + Linear multiply-accumulates, bias excluded), " +
        "the paper convention (MACs + bias adds + 2 per BatchNorm element + 1 per activation element + 1 per pooling input element), input → output shape, " +
        "float32 activation memory (every layer output) and its peak. Severity: MSBuild property PiXGenCostSeverity (none|hidden|info|warning|error) or .editorconfig.");

    public static readonly DiagnosticDescriptor BudgetExceeded = Make("PIX0201", "Network exceeds its cost budget",
        "{0}: {1} exceed the budget of {2} ({3}); costliest layers: {4}", Cost, DiagnosticSeverity.Error,
        "A network's parameters or MACs exceed MaxParameters/MaxMacs on [Network] or the MSBuild properties PiXGenMaxParameters/PiXGenMaxMacs.");

    public static readonly DiagnosticDescriptor InvalidBudget = Make("PIX0202", "Invalid cost budget",
        "{0}: '{1}' is not a valid {2} budget; accepted: a whole number (25557032, 25_557_032 or 25,557,032) or a number with a K, M, G or T suffix (25.6M, 4.1G)", Cost, DiagnosticSeverity.Error,
        "Budgets are whole numbers or decimal numbers with a K (10^3), M (10^6), G (10^9) or T (10^12) suffix.");

    public static readonly DiagnosticDescriptor InvalidBuildProperty = Make("PIX0203", "Invalid PiXGen build property",
        "MSBuild property {0} = '{1}' is not valid; accepted: {2}", Cost, DiagnosticSeverity.Error,
        "PiXGenCostSeverity takes none, hidden, info, warning or error.");

    // ---- PiX substitution (PIX0300–PIX0399) ----
    public static readonly DiagnosticDescriptor PiXSubstituted = Make("PIX0300", "PiX substitution summary",
        "{0}: PiX replaced {1} convolution(s): {2}", "PiXGen.PiX", DiagnosticSeverity.Info,
        "Lists the 1x1 convolutions that [SubstitutePiX] replaced, with their ζ.");

    public static readonly DiagnosticDescriptor PiXNotSubstitutable = Make("PIX0301", "Layer cannot be replaced by PiX",
        "{0}: cannot replace this convolution by PiX: {1}", "PiXGen.PiX", DiagnosticSeverity.Error,
        "PiX replaces channel-squeezing convolutions: kernel 1, stride 1, groups 1, no padding, C_out < C_in dividing C_in (or an explicit ζ with ⌈C_in / ζ⌉ = C_out), not a layer of an inlined block.");

    public static readonly DiagnosticDescriptor PiXPatternUnused = Make("PIX0302", "Include/Exclude pattern matches nothing",
        "{0}: [SubstitutePiX] pattern \"{1}\" matches no convolution of the network", "PiXGen.PiX", DiagnosticSeverity.Warning,
        "Include and Exclude name layer paths (state_dict prefixes, '*' wildcards); a pattern that matches nothing is probably misspelt.");

    public static readonly DiagnosticDescriptor PiXFieldType = Make("PIX0303", "Field cannot hold the PiX substitution",
        "Field '{0}' is declared as {1}; declare it as {2}: {3}", "PiXGen.PiX", DiagnosticSeverity.Error,
        "A field whose layer PiX replaces must be able to hold the new module.");

    // ---- Build-time variants (PIX0400–PIX0499) ----
    public static readonly DiagnosticDescriptor VariantBuilt = Make("PIX0400", "Variant built",
        "{0}: built variant {1} ({2})", "PiXGen.Variants", DiagnosticSeverity.Info,
        "States which build-time variant of a [Variants] network was generated and what changed (for prune: ζ per layer).");

    public static readonly DiagnosticDescriptor InvalidVariantValue = Make("PIX0401", "Invalid variant setting",
        "{0}: {1} = '{2}' is not valid; valid values: {3}", "PiXGen.Variants", DiagnosticSeverity.Error,
        "PiXGenVariant takes dense, pix, downscale or prune; PiXGenZeta 2, 4 or 8; PiXGenTarget a ratio or a MAC budget.");

    public static readonly DiagnosticDescriptor UnreachableTarget = Make("PIX0402", "Prune target unreachable",
        "{0}: the prune target {1} ({2} MACs) cannot be reached; the best reachable is {3} MACs, with ζ=8 on all {4} eligible layers", "PiXGen.Variants", DiagnosticSeverity.Error,
        "Even the largest squeeze factor on every eligible layer does not bring the network under the target.");

    public static readonly DiagnosticDescriptor VariantConflict = Make("PIX0403", "Conflicting variant settings",
        "{0}: {1}", "PiXGen.Variants", DiagnosticSeverity.Error,
        "The pinned settings of [Variants] contradict each other or another attribute.");

    // ---- Generator (PIX9xxx) ----
    public static readonly DiagnosticDescriptor InternalError = Make("PIX9999", "PiXGen internal error",
        "PiXGen failed while generating '{0}': {1}", Generator, DiagnosticSeverity.Error,
        "An unexpected condition inside the generator, or a failed translation validation (the declarations the module would be emitted from are not the network the PiX pass computed). Please report it with the declaration that caused it.");
}
