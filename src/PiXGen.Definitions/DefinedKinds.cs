// Shared by the generator and the runtime (see Arithmetic.cs): layer kinds defined in one place. Adding one is an
// entry in DefinedKind.All here plus its attribute class (src/PiXGen/Attributes), and a module under src/PiXGen/Layers
// only where TorchSharp has none; the field-type check, shape inference, module emission, costs, the graph (fused or
// not), the graph executor and ONNX export all read the entry.
#if PIXGEN_GENERATOR
namespace PiXGen.Generators.Definitions;
#else
namespace PiXGen.Definitions;
#endif
using System.Collections.Generic;
using System;
#if !PIXGEN_GENERATOR
using static TorchSharp.torch;
#endif

/// <summary>A setting of a defined layer kind.</summary>
/// <param name="Name">The attribute property or constructor argument, capitalised ("Alpha", "UpscaleFactor").</param>
/// <param name="GraphName">The graph attribute ("alpha", "upscale_factor").</param>
/// <param name="Integer">An integer (an expression over the block's arguments, like every integer setting) rather than a real number.</param>
/// <param name="Default">PyTorch's default; null when the setting is required.</param>
public sealed record KindSetting(string Name, string GraphName, bool Integer, double? Default)
{
    /// <summary>
    /// An integer the user may leave out, given together with the kind's other optional settings (all or none: a missing one
    /// is PIX0004 when another is given); NaN among the values when left out.
    /// </summary>
    public bool Optional { get; init; }

    /// <summary>An integer group count that must divide the input channels (PIX0102 at the attribute otherwise).</summary>
    public bool DividesChannels { get; init; }

    /// <summary>A flag ("true"/"false" in the declaration and the graph; 1 or 0 among the values).</summary>
    public bool Flag { get; init; }

    /// <summary>Not written by the user: the input channel count, recorded under <see cref="Name"/> and carried to the graph.</summary>
    public bool FromInput { get; init; }

    /// <summary>
    /// For a <see cref="FromInput"/> setting: the attribute property with which the user may state the value (Linear's
    /// <c>In</c>): checked against the input (PIX0101 at the attribute when it differs), not recorded; inside a block, a
    /// layer after a Flatten of unknown area needs it (PIX0107).
    /// </summary>
    public string? Declared { get; init; }

    /// <summary>
    /// For a <see cref="Declared"/> value: checked as a layer's input channels (PIX0104, naming the input's shape: a
    /// convolution's <c>In</c>) rather than as Linear's in-features (PIX0101).
    /// </summary>
    public bool DeclaredChannels { get; init; }

    /// <summary>A word from this list (the first is PyTorch's default, index 0 among the values; Words.cs holds the lists).</summary>
    public string[]? Words { get; init; }

    /// <summary>
    /// Carried to the graph (true by default). A setting only training reads (BatchNorm2d's Momentum) is not: the graph
    /// has eval semantics, and the graph's readers see the default.
    /// </summary>
    public bool InGraph { get; init; } = true;

    /// <summary>
    /// A per-axis integer (<c>Kernel = "1x7"</c>, <c>new[] { 1, 7 }</c>, or one value for both axes): two consecutive values,
    /// height then width (<see cref="DefinedKind.Slot(string)"/>); recorded as "3" or "1×7" and carried to the graph as "h,w".
    /// The module's C# gets two consecutive expressions too: the height's and the width's, the width null when one value
    /// was written (both null when none was).
    /// </summary>
    public bool Pair { get; init; }

    /// <summary>For a setting left out: the value of the earlier setting of this name (a pool's stride is its kernel).</summary>
    public string? SameAs { get; init; }

    /// <summary>
    /// One of the kind's alternatives, of which exactly one is written (Upsample's ScaleFactor and Size; the kind's
    /// <see cref="DefinedKind.CheckWritten"/> words the diagnostic when both or neither are): the one left out is NaN among the
    /// values (both of a pair's) and not recorded, and its C# null.
    /// </summary>
    public bool Alternative { get; init; }

    /// <summary>
    /// Not written by the user: the instantiated output's height and width (a <see cref="Pair"/>), recorded once the output
    /// shape is known and carried to the graph (Upsample's size, which a scale factor alone does not give at run time);
    /// NaN among the values the settings' checks and costs see, null in the module's C#.
    /// </summary>
    public bool FromOutput { get; init; }

    /// <summary>
    /// Whether the user must write it (PIX0004 where the attribute is written otherwise): no default, not taken from the input
    /// or the output, not optional, not one of alternatives, not another setting's value when left out.
    /// </summary>
    public bool Required => Default is null && !FromInput && !FromOutput && !Optional && !Alternative && SameAs is null;

    /// <summary>
    /// When the module takes scalars (no <see cref="Pair"/> setting of the kind written as a pair): a constant expression is
    /// written into the module's C# as its value (Conv2d's padding: a constant 0 expression would also convert to TorchSharp's
    /// Padding enum, an ambiguous call).
    /// </summary>
    public bool Folded { get; init; }

    /// <summary>
    /// An integer the module's constructor takes as an <c>int</c>: an expression that mixes in long names is written cast,
    /// <c>(int)(…)</c> (PiX's ζ).
    /// </summary>
    public bool Int32 { get; init; }

    /// <summary>A real number: a literal, or an expression over the block's arguments (<c>Eps = "eps"</c>).</summary>
    public bool Real => !Integer && !Flag && !FromInput && Words is null;

    /// <summary>The default as the generator records it and the graph carries it ("1E-05", "true"); null when required.</summary>
    public string? DefaultText => Default is not { } d ? null : Flag ? (d != 0 ? "true" : "false") : Words is { } words ? words[(int)d]
        : d.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The value of a recorded setting or graph attribute (<paramref name="text"/>; null: the default, or 0 when required).</summary>
    public double Parse(string? text)
    {
        if (text is null) return Default ?? 0;
        if (Flag) return text == "true" ? 1 : 0;
        if (Words is { } words) return Math.Max(0, Array.IndexOf(words, text));
        return double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : Default ?? 0;
    }

    /// <summary>
    /// The two values of a <see cref="Pair"/> from its recorded text ("3", "1×7") or graph attribute ("1,7");
    /// <paramref name="fallback"/> when absent.
    /// </summary>
    public (double H, double W) ParsePair(string? text, (double H, double W) fallback)
    {
        if (text is null) return fallback;
        var sides = text.Split(',', '\u00d7');
        double Side(string t, double f) => double.TryParse(t.Trim(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : f;
        double h = Side(sides[0], fallback.H);
        return (h, sides.Length > 1 ? Side(sides[1], fallback.W) : h);
    }
}

/// <summary>A parameter or buffer of a defined kind's module.</summary>
/// <param name="Leaf">Its state_dict name under the module ("weight").</param>
/// <param name="Shape">Its shape.</param>
/// <param name="Init">Its initial value as the PyTorch backend's init table names it ("ones", "zeros"); for a tensor the
/// network's [Init] scheme draws (<see cref="KindTensor.Scheme"/>), the rule of the module's constructor ("default",
/// "default_bias"), which it keeps without an [Init] plan.</param>
/// <param name="Buffer">Non-trainable state rather than a parameter.</param>
/// <param name="Optional">It may be absent from the weights.</param>
/// <param name="Counter">An int64 count of training steps (BatchNorm2d's num_batches_tracked): part of the module's state
/// and initial values, but not among the weights the graph reads.</param>
public sealed record KindTensor(string Leaf, long[] Shape, string Init, bool Buffer = false, bool Optional = false, bool Counter = false)
{
    /// <summary>
    /// The rule of the network's <c>[Init]</c> scheme that draws its initial value (PiXGen.Init.Initializer, the PyTorch
    /// backend's init table), or null for the constant <see cref="Init"/> names. A bias's bounds come from the weight
    /// beside it (the same path with the leaf "weight").
    /// </summary>
    public InitRule? Scheme { get; init; }

    /// <summary>
    /// The state_dict key of tensor <paramref name="leaf"/> of the module at <paramref name="module"/>: "module.leaf", or the
    /// module's own key for the empty leaf (a <see cref="DefinedKind.IsParameter"/> kind's one tensor).
    /// </summary>
    public static string Key(string? module, string leaf) => leaf.Length == 0 ? module ?? "" : module + "." + leaf;
}

/// <summary>
/// One graph node of a <see cref="DefinedKind.Composite"/> kind's lowering: the node's output name, its op (a graph op, as
/// the graph's contract in PiXGen.Graph.NetworkGraph names them), its inputs, the state_dict prefix of its module (null
/// when it has none), its attributes (as the graph carries them) and the output's shape for one sample.
/// </summary>
public sealed record GraphPart(string Output, string Op, string[] Inputs, string? Module, KeyValuePair<string, string>[] Attributes, Dims Shape);

/// <summary>
/// A rule of an <c>[Init]</c> scheme (docs/initialisation.md; the per-scheme distributions are PiXGen.Init.Initializer's):
/// which of the scheme's distributions draws a tensor.
/// </summary>
public enum InitRule
{
    /// <summary>A convolution's weight (also PiX's φ).</summary>
    ConvolutionWeight,
    /// <summary>A convolution's bias.</summary>
    ConvolutionBias,
    /// <summary>A linear layer's weight.</summary>
    LinearWeight,
    /// <summary>A linear layer's bias.</summary>
    LinearBias,
}

/// <summary>
/// A layer kind defined by one entry: its attribute and PyTorch name, its settings, its checks on the input, its cost
/// definition (<see cref="LayerSpec"/>), the TorchSharp module generated code builds, and (at run time) its function
/// for the graph executor, its ONNX form and its PyTorch-backend module. Kinds without parameters only (the built-in
/// activations without settings are entries too); activations are also fused into the
/// convolution, linear or PiX layer before them.
/// </summary>
public abstract class DefinedKind
{
    /// <summary>The attribute name without "Attribute", PyTorch's module name, and the graph op ("ELU").</summary>
    public abstract string Name { get; }

    /// <summary>An element-wise activation: any input rank, fusable, one paper-convention operation per output element.</summary>
    public virtual bool IsActivation => true;

    /// <summary>
    /// Whether the layer returns its input in eval mode (Identity, Dropout, StochasticDepth): graph fusion drops its node, and
    /// the graph executor and ONNX export (eval only) pass the input on.
    /// </summary>
    public virtual bool EvalIdentity => false;

    /// <summary>
    /// Whether the layer turns its input into a vector of all its elements (Flatten): the generated code's features after it
    /// are the channels times the spatial area it tracks, a block's Linear after it needs that area known (PIX0107), and a
    /// block with such a member is not inlined.
    /// </summary>
    public virtual bool Flattens => false;

    /// <summary>Whether the kind named <paramref name="name"/> is defined and <see cref="Flattens"/>.</summary>
    public static bool Flattening(string? name) => name is not null && All.TryGetValue(name, out var kind) && kind.Flattens;

    /// <summary>
    /// The output channels a <see cref="KindSetting.DividesChannels"/> group count must divide as well as the input
    /// channels (a convolution's; PIX0102 names both), or null when only the input channels.
    /// </summary>
    public virtual long? GroupedOutChannels(IReadOnlyList<double> values) => null;

    /// <summary>Whether the kind needs a C×H×W input (PIX0105 at the attribute for a flattened one, checked before the settings).</summary>
    public virtual bool NeedsMap => false;

    /// <summary>
    /// For a kind that does not take every rank its <see cref="NeedsMap"/> allows: what it needs and what <paramref name="x"/>
    /// is, as PIX0105 at the attribute words them (checked before the settings); null when it takes <paramref name="x"/>.
    /// </summary>
    public virtual (string Needs, string Got)? WrongRank(Dims x) => null;

    /// <summary>
    /// Whether PIX0105 on a C×H×W map (its <see cref="WrongRank"/>) carries the code fix that inserts <c>[Flatten]</c>
    /// before the layer, after <c>[AdaptiveAvgPool2d(1)]</c> where the map has an area (Linear).
    /// </summary>
    public virtual bool FlattenFix => false;

    /// <summary>
    /// Whether the output keeps the input's height and width while the channels may change (Linear over a channels-last
    /// map): the spatial area the generated code tracks for a later Flatten survives the layer. True when <see cref="KeepsShape"/>.
    /// </summary>
    public virtual bool KeepsSpatialSize => KeepsShape;

    /// <summary>Whether its graph node names its module (the kind has parameters or buffers, at least with some settings).</summary>
    public virtual bool Stateful => false;

    /// <summary>
    /// Whether the layer is a parameter of the enclosing class rather than a module, by which the map is multiplied
    /// (ConvNeXt's layer scale): its field is declared with <see cref="ModuleType"/> (TorchSharp's <c>Parameter</c>), alone on
    /// its member and never a Sequential's child or inlined; forward writes <c>x.mul(field)</c>; its one tensor has the
    /// empty leaf (<see cref="KindTensor.Key"/>: the graph node's module is the parameter's own key) and its graph node's
    /// output is the path + ".mul"; the PyTorch backend applies it as <c>x * self.field</c>.
    /// </summary>
    public virtual bool IsParameter => false;

    /// <summary>Whether the kind named <paramref name="name"/> is defined and <see cref="IsParameter"/>.</summary>
    public static bool ParameterKind(string? name) => name is not null && All.TryGetValue(name, out var kind) && kind.IsParameter;

    /// <summary>The parameters and buffers of its module for these setting values, in state_dict order.</summary>
    public virtual IReadOnlyList<KindTensor> Tensors(IReadOnlyList<double> values) => Array.Empty<KindTensor>();

    /// <summary>Whether the output has the input's shape (the generated code's spatial size survives the layer).</summary>
    public virtual bool KeepsShape => IsActivation;

    /// <summary>The settings, in the order <see cref="Module"/> and the other members take their values.</summary>
    public virtual IReadOnlyList<KindSetting> Settings => Array.Empty<KindSetting>();

    /// <summary>The module type the field is declared with (TorchSharp's; a kind with its own module in src/PiXGen/Layers overrides it).</summary>
    public virtual string ModuleType => "global::TorchSharp.Modules." + Name;

    /// <summary>Why the kind cannot take <paramref name="x"/> with these setting values (a sentence naming the setting), or null.</summary>
    public virtual string? Check(Dims x, IReadOnlyList<double> values) => null;

    /// <summary>
    /// What is wrong with the settings as written (<paramref name="written"/>: a setting's text, null when left out), whatever
    /// the instance: settings that exclude or need each other, each a sentence (PIX0106 at the attribute, before
    /// instantiation, after the words are checked).
    /// </summary>
    public virtual IEnumerable<string> CheckWritten(Func<string, string?> written) => Array.Empty<string>();

    /// <summary>
    /// The settings left out that the kind needs one of (<paramref name="written"/>: a setting's text, null when left out), as
    /// PIX0004 names them where the attribute is written ("Zeta (or OutChannels)"), or null when none is missing.
    /// </summary>
    public virtual string? MissingWritten(Func<string, string?> written) => null;

    /// <summary>
    /// The module's property that holds its output channels, which generated code reads from the built module (PiX's
    /// <c>OutChannels</c>, ⌈C/ζ⌉ at run time), cast to <see cref="ModuleType"/> where the field is declared as a plain module;
    /// null when the channels are <see cref="OutChannels(string, IReadOnlyList{string})"/>.
    /// </summary>
    public virtual string? OutChannelsMember => null;

    /// <summary>Its cost definition for these setting values.</summary>
    public virtual LayerSpec Spec(IReadOnlyList<double> values) => new ActivationSpec(Name);

    /// <summary>
    /// The C# expression generated code builds the module with; <paramref name="channels"/>: the input channels as a C#
    /// expression (parenthesised where needed), <paramref name="values"/>: the settings as C# expressions (a pair's two,
    /// see <see cref="KindSetting.Pair"/>; null for a setting left out that has no default text).
    /// </summary>
    public abstract string Module(string channels, IReadOnlyList<string> values);

    /// <summary>
    /// The C# expression of the output channels, from the input channels' expression and the settings' C# expressions
    /// (each parenthesised where needed); null when the kind keeps the channels.
    /// </summary>
    public virtual string? OutChannels(string channels, IReadOnlyList<string> values) => null;

    /// <summary>
    /// The values an instance records and its graph node carries, from the values the user gave (checked): the given ones
    /// unless settings combine (StochasticDepth's ramp records P·Step/Steps as its P).
    /// </summary>
    public virtual IReadOnlyList<double> Resolved(IReadOnlyList<double> values) => values;

    /// <summary>The settings' values from their recorded texts (<paramref name="text"/>: null when absent).</summary>
    public IReadOnlyList<double> Read(Func<KindSetting, string?> text)
        => Values((s, _) => s.Parse(text(s)), (s, fallback) => s.ParsePair(text(s), fallback ?? (0, 0)));

    /// <summary>", name: value" for a C# named argument, or "" when <paramref name="value"/> is the default's text.</summary>
    protected static string Named(string name, string value, string defaultValue) => value == defaultValue ? "" : $", {name}: {value}";

    /// <summary>
    /// The settings' values: <paramref name="read"/>(setting, default) for each, in order; a <see cref="KindSetting.Pair"/>'s
    /// two by <paramref name="pair"/>(setting, default: its <see cref="KindSetting.SameAs"/>'s values, its default on both
    /// axes, or null when required), or without it <paramref name="read"/>'s value on both axes.
    /// </summary>
    public IReadOnlyList<double> Values(Func<KindSetting, double, double> read, Func<KindSetting, (double H, double W)?, (double H, double W)>? pair = null)
    {
        var values = new List<double>(Settings.Count);
        foreach (var s in Settings)
        {
            if (!s.Pair) { values.Add(read(s, s.Default ?? 0)); continue; }
            (double H, double W)? fallback = s.SameAs is { } other ? (values[Slot(other)], values[Slot(other) + 1]) : s.Default is { } d ? (d, d) : null;
            double both = pair is null ? read(s, fallback?.H ?? 0) : 0;
            var (h, w) = pair is null ? (both, both) : pair(s, fallback);
            values.Add(h);
            values.Add(w);
        }
        return values;
    }

    /// <summary>The index among the values of the setting named <paramref name="name"/> (a pair's height; its width follows), or -1.</summary>
    public int Slot(string name)
    {
        int at = 0;
        foreach (var s in Settings)
        {
            if (s.Name == name) return at;
            at += s.Pair ? 2 : 1;
        }
        return -1;
    }

    /// <summary>
    /// The <see cref="KindSetting.Pair"/> setting that is the output's height and width whatever the input's (the adaptive
    /// pools' OutputSize): after it the generated code knows the spatial size, so a block's Flatten and Linear after it
    /// infer their features. Null for other kinds.
    /// </summary>
    public virtual string? OutputSize => null;

    /// <summary>
    /// Whether the graph has no op of this kind: each instance is lowered to graph ops of other kinds (<see cref="Lower"/>),
    /// which the executor, fusion, ONNX export and the PyTorch backend run, so it has no <c>Apply</c>, <c>Onnx</c> or
    /// <c>PyTorch</c> of its own (SqueezeExcitation: pool, two 1×1 convolutions with their activations, a product).
    /// </summary>
    public virtual bool Composite => false;

    /// <summary>
    /// For a <see cref="Composite"/> kind: the graph nodes of one instance at <paramref name="path"/> (its state_dict prefix
    /// and the name of its last node) on the value <paramref name="x"/> of one sample's shape <paramref name="input"/>, in
    /// order, the last one its output; null for other kinds.
    /// </summary>
    public virtual IReadOnlyList<GraphPart>? Lower(string path, string x, Dims input, IReadOnlyList<double> values) => null;

    /// <summary>The character between a per-axis pair's height and width in its recorded text ("1×7", "k×1"; never part of an expression).</summary>
    public const char PairSeparator = '×';

    /// <summary>The two sides of a pair's recorded text ("1×7" → ("1", "7")); a text without the separator is both sides.</summary>
    public static (string Height, string Width) SplitPair(string text)
    {
        int at = text.IndexOf(PairSeparator);
        return at < 0 ? (text, text) : (text.Substring(0, at), text.Substring(at + 1));
    }

    /// <summary>
    /// One instance's graph attributes, in the settings' order: each <see cref="KindSetting.InGraph"/> setting under its
    /// graph name, its value the recorded text <paramref name="text"/>(setting name) gives, or, where that is null, a pair's
    /// <see cref="KindSetting.SameAs"/> text or the default. A pair is written "h,w". The graph emitter's rule for every
    /// defined node, and what a composite kind's <see cref="Lower"/> writes for its parts.
    /// </summary>
    public KeyValuePair<string, string>[] GraphAttributes(Func<string, string?> text)
    {
        var attributes = new List<KeyValuePair<string, string>>();
        foreach (var s in Settings)
        {
            if (!s.InGraph) continue;
            string value;
            if (s.Pair)
            {
                var written = text(s.Name) ?? (s.SameAs is { } other ? text(other) : null);
                var (h, w) = written is null ? (IntText((long)(s.Default ?? 0)), IntText((long)(s.Default ?? 0))) : SplitPair(written);
                value = h.Trim() + "," + w.Trim();
            }
            else value = text(s.Name) ?? s.DefaultText!;
            attributes.Add(new KeyValuePair<string, string>(s.GraphName, value));
        }
        return attributes.ToArray();
    }

    private static string IntText(long v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A C# expression as an operand of a binary operator: parenthesised unless it is a name, a member access or a number.</summary>
    public static string Parenthesised(string cs)
    {
        foreach (var ch in cs)
            if (!char.IsLetterOrDigit(ch) && ch != '_' && ch != '.') return "(" + cs + ")";
        return cs;
    }

#if !PIXGEN_GENERATOR
    /// <summary>The layer applied to <paramref name="x"/> (N×…) with the settings' <paramref name="values"/> (graph executor).</summary>
    public abstract Tensor Apply(Tensor x, IReadOnlyList<double> values);

    /// <summary>The layer applied with its module's <paramref name="tensor"/>s (by leaf name; null when absent).</summary>
    public virtual Tensor Apply(Tensor x, IReadOnlyList<double> values, Func<string, Tensor?> tensor) => Apply(x, values);

    /// <summary>Writes the layer on <paramref name="x"/> as ONNX (opset 17) nodes ending in <paramref name="output"/>.</summary>
    public abstract void Onnx(IOnnxOps onnx, string x, string output, IReadOnlyList<double> values);

    /// <summary>
    /// The PyTorch module (Python source, <c>nn</c> = <c>torch.nn</c>) the PyTorch backend builds for <paramref name="channels"/>
    /// input channels; <paramref name="real"/> writes a real setting as a Python literal.
    /// </summary>
    public abstract string PyTorch(long channels, IReadOnlyList<double> values, Func<double, string> real);

    /// <summary>
    /// The PyTorch module for a node of a built network: <paramref name="module"/> is its TorchSharp module (null when
    /// none is known), <paramref name="has"/> whether the module's state holds a tensor (by leaf name). By default
    /// <see cref="PyTorch(long, IReadOnlyList{double}, Func{double, string})"/>.
    /// </summary>
    public virtual string PyTorch(long channels, IReadOnlyList<double> values, Func<double, string> real, nn.Module? module, Func<string, bool> has)
        => PyTorch(channels, values, real);

    /// <summary>The PyTorch expression applying the layer to <paramref name="x"/> without a module (the backend's inline form).</summary>
    public virtual string PyTorchCall(string x, long channels, IReadOnlyList<double> values, Func<double, string> real)
        => $"{PyTorch(channels, values, real)}({x})";
#endif

    /// <summary>Whether <paramref name="op"/> (a graph op, an IR node's op, an attribute's name) names this kind.</summary>
    public bool Is(string? op) => op == Name;

    /// <summary>
    /// Batch normalisation, which passes recognise by this reference: fusion folds it into the convolution before it
    /// (or a PiX's epilogue, also on CUDA), PiX substitution removes it after a replaced convolution, zero_init_residual
    /// names the last one of a residual branch, and fine-tuning re-estimates its statistics.
    /// </summary>
    public static readonly DefinedKind BatchNorm2d = new BatchNorm();

    /// <summary>
    /// The linear layer, which passes recognise by this reference: fusion folds a BatchNorm2d and fuses an activation into
    /// it, a block's Linear after a Flatten of unknown area needs its In (PIX0107), a block with one is not inlined, and
    /// the residual add after it is in place.
    /// </summary>
    public static readonly DefinedKind Linear = new LinearKind();

    /// <summary>
    /// The transposed convolution, which passes recognise by this reference: fusion folds a BatchNorm2d into its weight
    /// (whose output channels are its second axis) and fuses an activation into it.
    /// </summary>
    public static readonly DefinedKind ConvTranspose2d = new ConvTranspose2dKind();

    /// <summary>
    /// The convolution, which passes recognise by this reference: PiX substitution finds the channel-squeezing 1×1 ones
    /// (and [PiXSqueeze] marks one), fusion folds a BatchNorm2d and fuses an activation (or a PiX's epilogue) into it,
    /// zero_init_residual and the in-place residual add look for it, and the variant selector counts its savings.
    /// </summary>
    public static readonly DefinedKind Conv2d = new Conv2dKind();

    /// <summary>
    /// The explicit PiX layer (PiXGen.PiX.PiXLayer), which passes recognise by this reference: PiX substitution and the
    /// variant passes create it, the CUDA wiring finds it, fusion folds a BatchNorm2d into its epilogue and fuses an
    /// activation after it, and the executor and ONNX export run that epilogue.
    /// </summary>
    public static readonly DefinedKind PiX = new PiXKind();

#if !PIXGEN_GENERATOR
    /// <summary>The modules of <see cref="BatchNorm2d"/> (TorchSharp's, which generated code builds) among <paramref name="model"/>'s modules.</summary>
    public static IEnumerable<TorchSharp.Modules.BatchNorm2d> BatchNorms(nn.Module model) => System.Linq.Enumerable.OfType<TorchSharp.Modules.BatchNorm2d>(model.modules());

    /// <summary>The defined kind whose <see cref="ModuleType"/> <paramref name="module"/> is, or null.</summary>
    public static DefinedKind? Of(nn.Module module) => ByModuleType.Kinds.TryGetValue(module.GetType().FullName ?? "", out var kind) ? kind : null;

    // Built on first use, after All.
    private static class ByModuleType
    {
        public static readonly Dictionary<string, DefinedKind> Kinds = Build();
        private static Dictionary<string, DefinedKind> Build()
        {
            var kinds = new Dictionary<string, DefinedKind>(StringComparer.Ordinal);
            foreach (var kind in All.Values)
            {
                var type = kind.ModuleType.StartsWith("global::", StringComparison.Ordinal) ? kind.ModuleType.Substring("global::".Length) : kind.ModuleType;
                if (!kinds.ContainsKey(type)) kinds.Add(type, kind);
            }
            return kinds;
        }
    }

    /// <summary>
    /// The setting values of a built <paramref name="module"/> of this kind, read from its tensors (the run-time summary's
    /// MACs, the initialiser's <see cref="KindTensor.Scheme"/> rules); null when the kind cannot read them.
    /// </summary>
    public virtual IReadOnlyList<double>? ValuesOf(nn.Module module) => null;
#endif

    /// <summary>Every defined kind by name (its <see cref="Name"/>, so a kind is spelled once).</summary>
    public static readonly IReadOnlyDictionary<string, DefinedKind> All = ByName(
        BatchNorm2d,
        // Element-wise activations without settings.
        new ReLU(), new ReLU6(), new SiLU(), new Sigmoid(),
        new Hardswish(), new Hardsigmoid(), new Tanh(),
        new Elu(),
        new Mish(),
        new PixelShuffle(),
        // Pools (per-axis pair settings).
        new MaxPoolKind(), new AvgPoolKind(),
        new AdaptiveAvgPoolKind(), new AdaptiveMaxPoolKind(),
        new InstanceNorm2d(),
        new ChannelShuffle(),
        new GroupNorm(),
        new LeakyReLU(),
        new Gelu(),
        new Permute(),
        new Identity(),
        new Flatten(),
        new Dropout(),
        new StochasticDepth(),
        new LayerNorm2d(),
        new LayerNorm(),
        Linear,
        new SqueezeExcitation(),
        ConvTranspose2d,
        Conv2d,
        new LayerScale(),
        new Upsample(),
        PiX);

    // Each kind under its own Name; two kinds of one name are a definition error, caught by the first use of All.
    private static Dictionary<string, DefinedKind> ByName(params DefinedKind[] kinds)
    {
        var all = new Dictionary<string, DefinedKind>(StringComparer.Ordinal);
        foreach (var kind in kinds)
        {
            if (all.ContainsKey(kind.Name)) throw new InvalidOperationException($"Two defined kinds are named '{kind.Name}'.");
            all.Add(kind.Name, kind);
        }
        return all;
    }

    /// <summary>
    /// A layer that returns its input at inference (any rank, no arithmetic: 0 in both conventions); the graph executor and
    /// ONNX export, which are eval-only, pass the input on.
    /// </summary>
    private abstract class EvalIdentityKind : DefinedKind
    {
        public override bool IsActivation => false;
        public override bool KeepsShape => true;
        public override bool EvalIdentity => true;
        public override LayerSpec Spec(IReadOnlyList<double> values) => new PassSpec(Name);
#if !PIXGEN_GENERATOR
        public override Tensor Apply(Tensor x, IReadOnlyList<double> values) => x.alias();
        public override void Onnx(IOnnxOps onnx, string x, string output, IReadOnlyList<double> values)
            => onnx.Op("Identity", output, new[] { x });
#endif
    }

    /// <summary>The check of a drop probability (<paramref name="what"/>: "dropout", "drop").</summary>
    private static string? Probability(string what, double p)
        => p >= 0 && p <= 1 ? null : $"{what} probability must be between 0 and 1, got {p.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>
    /// <c>nn.Dropout(p)</c>: in training each element is zeroed with probability p and the rest scaled by 1/(1−p); in eval its
    /// input. P may be an expression over the block's arguments.
    /// </summary>
    private sealed class Dropout : EvalIdentityKind
    {
        public override string Name => "Dropout";
        public override IReadOnlyList<KindSetting> Settings { get; } = new[] { new KindSetting("P", "p", false, 0.5) };
        public override string? Check(Dims x, IReadOnlyList<double> values) => Probability("dropout", values[0]);
        public override string Module(string channels, IReadOnlyList<string> values) => $"global::TorchSharp.torch.nn.Dropout({values[0]})";
#if !PIXGEN_GENERATOR
        public override string PyTorch(long channels, IReadOnlyList<double> values, Func<double, string> real) => $"nn.Dropout({real(values[0])})";
        public override string PyTorchCall(string x, long channels, IReadOnlyList<double> values, Func<double, string> real)
            => $"F.dropout({x}, {real(values[0])}, self.training)";
#endif
    }

    /// <summary>
    /// Stochastic depth (<c>PiXGen.Layers.StochasticDepth</c>, torchvision's <c>ops.StochasticDepth</c>): in training the whole
    /// input is zeroed with probability p (per sample in "row" mode, for the batch in "batch" mode) and the rest scaled by
    /// 1/(1−p); in eval its input. With Step and Steps the probability is p·Step/Steps (torchvision's linear ramp), which the
    /// instance records as its P and the graph carries.
    /// </summary>
    private sealed class StochasticDepth : EvalIdentityKind
    {
        public override string Name => "StochasticDepth";
        public override IReadOnlyList<KindSetting> Settings { get; } = new[]
        {
            new KindSetting("P", "p", false, null), new KindSetting("Mode", "mode", false, 0) { Words = Words.StochasticDepthModes },
            new KindSetting("Step", "step", true, null) { Optional = true, InGraph = false },
            new KindSetting("Steps", "steps", true, null) { Optional = true, InGraph = false },
        };
        public override string ModuleType => "global::PiXGen.Layers.StochasticDepth";
        private static bool Ramp(IReadOnlyList<double> values) => !double.IsNaN(values[2]);
        public override string? Check(Dims x, IReadOnlyList<double> values)
            => Probability("drop", values[0]) ?? (!Ramp(values) || values[3] > 0 && values[2] >= 0 && values[2] <= values[3] ? null
                : $"the ramp needs 0 <= Step <= Steps and Steps > 0, got Step = {(long)values[2]}, Steps = {(long)values[3]}");
        public override IReadOnlyList<double> Resolved(IReadOnlyList<double> values)
            => Ramp(values) ? new[] { values[0] * values[2] / values[3], values[1], values[2], values[3] } : values;
        public override string Module(string channels, IReadOnlyList<string> values)
            => $"new global::PiXGen.Layers.StochasticDepth({values[0]}{(values[2] is { } step && values[3] is { } steps ? $" * ({step}) / (double)({steps})" : "")}" +
               $"{Named("mode", $"\"{values[1]}\"", "\"row\"")})";
#if !PIXGEN_GENERATOR
        private static string Mode(IReadOnlyList<double> values) => Words.StochasticDepthModes[(int)values[1]];
        public override string PyTorch(long channels, IReadOnlyList<double> values, Func<double, string> real)
            => $"StochasticDepth({real(values[0])}, \"{Mode(values)}\")";
        public override string PyTorchCall(string x, long channels, IReadOnlyList<double> values, Func<double, string> real)
            => $"stochastic_depth({x}, {real(values[0])}, \"{Mode(values)}\", self.training)";
#endif
    }

    /// <summary><c>nn.Identity</c>: its input, in training and in eval.</summary>
    private sealed class Identity : EvalIdentityKind
    {
        public override string Name => "Identity";
        public override string Module(string channels, IReadOnlyList<string> values) => "global::TorchSharp.torch.nn.Identity()";
#if !PIXGEN_GENERATOR
        public override string PyTorch(long channels, IReadOnlyList<double> values, Func<double, string> real) => "nn.Identity()";
        public override string PyTorchCall(string x, long channels, IReadOnlyList<double> values, Func<double, string> real) => x;
#endif
    }

    /// <summary><c>nn.Flatten()</c> (from dimension 1): every dimension after the batch into one; a view of its input, 0 in both conventions.</summary>
    private sealed class Flatten : DefinedKind
    {
        public override string Name => "Flatten";
        public override bool IsActivation => false;
        public override bool Flattens => true;
        public override LayerSpec Spec(IReadOnlyList<double> values) => new FlattenSpec();
        public override string Module(string channels, IReadOnlyList<string> values) => "global::TorchSharp.torch.nn.Flatten()";
#if !PIXGEN_GENERATOR
        public override Tensor Apply(Tensor x, IReadOnlyList<double> values) => x.flatten(1);
        public override void Onnx(IOnnxOps onnx, string x, string output, IReadOnlyList<double> values)
            => onnx.Op("Flatten", output, new[] { x }, ("axis", 1L));
        public override string PyTorch(long channels, IReadOnlyList<double> values, Func<double, string> real) => "nn.Flatten(1)";
        public override string PyTorchCall(string x, long channels, IReadOnlyList<double> values, Func<double, string> real) => $"torch.flatten({x}, 1)";
#endif
    }

    /// <summary>
    /// An element-wise activation without settings: PyTorch's and TorchSharp's <c>nn.{Name}()</c>, and
    /// <paramref name="pyFunction"/> as the PyTorch backend's inline form.
    /// </summary>
    private abstract class SimpleActivation(string name, string pyFunction) : DefinedKind
    {
        public override string Name => name;
        /// <summary>The PyTorch function the backend writes for it inline (<c>F.relu</c>).</summary>
        public string PyFunction { get; } = pyFunction;
        public override string Module(string channels, IReadOnlyList<string> values) => $"global::TorchSharp.torch.nn.{name}()";
#if !PIXGEN_GENERATOR
        public override string PyTorch(long channels, IReadOnlyList<double> values, Func<double, string> real) => $"nn.{name}()";
        public override string PyTorchCall(string x, long channels, IReadOnlyList<double> values, Func<double, string> real) => $"{PyFunction}({x})";
#endif
    }

    /// <summary><c>nn.ReLU</c>: max(x, 0).</summary>
    private sealed class ReLU : SimpleActivation
    {
        public ReLU() : base("ReLU", "F.relu") { }
#if !PIXGEN_GENERATOR
        public override Tensor Apply(Tensor x, IReadOnlyList<double> values) => nn.functional.relu(x);
        public override void Onnx(IOnnxOps onnx, string x, string output, IReadOnlyList<double> values)
            => onnx.Op("Relu", output, new[] { x });
#endif
    }

    /// <summary><c>nn.ReLU6</c>: min(max(x, 0), 6).</summary>
    private sealed class ReLU6 : SimpleActivation
    {
        public ReLU6() : base("ReLU6", "F.relu6") { }
#if !PIXGEN_GENERATOR
        public override Tensor Apply(Tensor x, IReadOnlyList<double> values) => nn.functional.relu6(x);
        public override void Onnx(IOnnxOps onnx, string x, string output, IReadOnlyList<double> values)
            => onnx.Op("Clip", output, new[] { x, onnx.Scalar(0), onnx.Scalar(6) });
#endif
    }

    /// <summary><c>nn.SiLU</c>: x · sigmoid(x).</summary>
    private sealed class SiLU : SimpleActivation
    {
        public SiLU() : base("SiLU", "F.silu") { }
#if !PIXGEN_GENERATOR
        public override Tensor Apply(Tensor x, IReadOnlyList<double> values) => nn.functional.silu(x);
        public override void Onnx(IOnnxOps onnx, string x, string output, IReadOnlyList<double> values)
            => onnx.Op("Mul", output, new[] { x, onnx.Op("Sigmoid", onnx.Fresh(output, "sigmoid"), new[] { x }) });
#endif
    }

    /// <summary><c>nn.Sigmoid</c>: 1 / (1 + e⁻ˣ).</summary>
    private sealed class Sigmoid : SimpleActivation
    {
        public Sigmoid() : base("Sigmoid", "torch.sigmoid") { }
#if !PIXGEN_GENERATOR
        public override Tensor Apply(Tensor x, IReadOnlyList<double> values) => nn.functional.sigmoid(x);
        public override void Onnx(IOnnxOps onnx, string x, string output, IReadOnlyList<double> values)
            => onnx.Op("Sigmoid", output, new[] { x });
#endif
    }

    /// <summary><c>nn.Hardswish</c>: x · min(max(x + 3, 0), 6) / 6.</summary>
    private sealed class Hardswish : SimpleActivation
    {
        public Hardswish() : base("Hardswish", "F.hardswish") { }
#if !PIXGEN_GENERATOR
        public override Tensor Apply(Tensor x, IReadOnlyList<double> values) => nn.functional.hardswish(x);
        public override void Onnx(IOnnxOps onnx, string x, string output, IReadOnlyList<double> values)
            => onnx.Op("HardSwish", output, new[] { x });
#endif
    }

    /// <summary><c>nn.Hardsigmoid</c>: min(max(x / 6 + 1/2, 0), 1).</summary>
    private sealed class Hardsigmoid : SimpleActivation
    {
        public Hardsigmoid() : base("Hardsigmoid", "F.hardsigmoid") { }
#if !PIXGEN_GENERATOR
        public override Tensor Apply(Tensor x, IReadOnlyList<double> values) => nn.functional.hardsigmoid(x);
        public override void Onnx(IOnnxOps onnx, string x, string output, IReadOnlyList<double> values)
            => onnx.Op("HardSigmoid", output, new[] { x }, ("alpha", 1.0 / 6), ("beta", 0.5));
#endif
    }

    /// <summary><c>nn.Tanh</c>: tanh(x).</summary>
    private sealed class Tanh : SimpleActivation
    {
        public Tanh() : base("Tanh", "torch.tanh") { }
#if !PIXGEN_GENERATOR
        public override Tensor Apply(Tensor x, IReadOnlyList<double> values) => nn.functional.tanh(x);
        public override void Onnx(IOnnxOps onnx, string x, string output, IReadOnlyList<double> values)
            => onnx.Op("Tanh", output, new[] { x });
#endif
    }

    /// <summary><c>nn.ELU(alpha)</c>: x for x &gt; 0, α(eˣ − 1) otherwise.</summary>
    private sealed class Elu : DefinedKind
    {
        public override string Name => "ELU";
        public override IReadOnlyList<KindSetting> Settings { get; } = new[] { new KindSetting("Alpha", "alpha", false, 1.0) };
        public override string Module(string channels, IReadOnlyList<string> values) => $"global::TorchSharp.torch.nn.ELU({values[0]})";
#if !PIXGEN_GENERATOR
        public override Tensor Apply(Tensor x, IReadOnlyList<double> values) => nn.functional.elu(x, values[0]);
        public override void Onnx(IOnnxOps onnx, string x, string output, IReadOnlyList<double> values)
            => onnx.Op("Elu", output, new[] { x }, ("alpha", values[0]));
        public override string PyTorch(long channels, IReadOnlyList<double> values, Func<double, string> real) => $"nn.ELU({real(values[0])})";
#endif
    }

    /// <summary><c>nn.Mish</c>: x · tanh(softplus(x)).</summary>
    private sealed class Mish : DefinedKind
    {
        public override string Name => "Mish";
        public override string Module(string channels, IReadOnlyList<string> values) => "global::TorchSharp.torch.nn.Mish()";
#if !PIXGEN_GENERATOR
        public override Tensor Apply(Tensor x, IReadOnlyList<double> values) => nn.functional.mish(x);
        // ONNX's own Mish is opset 18; the exporter writes opset 17.
        public override void Onnx(IOnnxOps onnx, string x, string output, IReadOnlyList<double> values)
            => onnx.Op("Mul", output, new[] { x, onnx.Op("Tanh", onnx.Fresh(output, "tanh"), new[] { onnx.Op("Softplus", onnx.Fresh(output, "softplus"), new[] { x }) }) });
        public override string PyTorch(long channels, IReadOnlyList<double> values, Func<double, string> real) => "nn.Mish()";
#endif
    }

    /// <summary>
    /// <c>nn.PixelShuffle(r)</c>: C×H×W → C/r²×Hr×Wr, output channel c at (h·r + i, w·r + j) is input channel
    /// c·r² + i·r + j at (h, w). No arithmetic: 0 in both cost conventions.
    /// </summary>
    private sealed class PixelShuffle : DefinedKind
    {
        public override string Name => "PixelShuffle";
        public override bool IsActivation => false;
        public override IReadOnlyList<KindSetting> Settings { get; } = new[] { new KindSetting("UpscaleFactor", "upscale_factor", true, null) };
        public override string? Check(Dims x, IReadOnlyList<double> values) => new PixelShuffleSpec((long)values[0]).Check(x);
        public override LayerSpec Spec(IReadOnlyList<double> values) => new PixelShuffleSpec((long)values[0]);
        public override string Module(string channels, IReadOnlyList<string> values) => $"global::TorchSharp.torch.nn.PixelShuffle({values[0]})";
        public override string? OutChannels(string channels, IReadOnlyList<string> values) => $"{channels} / ({values[0]} * {values[0]})";
#if !PIXGEN_GENERATOR
        public override Tensor Apply(Tensor x, IReadOnlyList<double> values) => nn.functional.pixel_shuffle(x, (long)values[0]);
        // DepthToSpace's CRD mode is PixelShuffle's channel order.
        public override void Onnx(IOnnxOps onnx, string x, string output, IReadOnlyList<double> values)
            => onnx.Op("DepthToSpace", output, new[] { x }, ("blocksize", (long)values[0]), ("mode", "CRD"));
        public override string PyTorch(long channels, IReadOnlyList<double> values, Func<double, string> real) => $"nn.PixelShuffle({(long)values[0]})";
#endif
    }

    /// <summary>
    /// <c>nn.InstanceNorm2d(C, eps)</c> with PyTorch's defaults (no affine parameters, no running statistics): each
    /// sample's channel is normalised by its own spatial mean and biased variance, in training and in eval alike.
    /// No parameters or buffers; paper convention 2 per output element, as the other normalisations.
    /// </summary>
    private sealed class InstanceNorm2d : DefinedKind
    {
        public override string Name => "InstanceNorm2d";
        public override bool IsActivation => false;
        public override IReadOnlyList<KindSetting> Settings { get; } = new[] { new KindSetting("Eps", "eps", false, 1e-5) };
        public override string? Check(Dims x, IReadOnlyList<double> values)
            => values[0] <= 0 ? $"Eps must be positive, got {values[0].ToString("R", System.Globalization.CultureInfo.InvariantCulture)}."
                : !x.IsMap ? $"needs a C×H×W input, got {x}."
                : x.H * x.W < 2 ? $"needs more than one spatial element per channel (PyTorch refuses it), got {x}." : null;
        public override LayerSpec Spec(IReadOnlyList<double> values) => new NormSpec(Name, Affine: false);
        public override string Module(string channels, IReadOnlyList<string> values)
            => $"global::TorchSharp.torch.nn.InstanceNorm2d({channels}, {values[0]})";
#if !PIXGEN_GENERATOR
        public override Tensor Apply(Tensor x, IReadOnlyList<double> values)
            => nn.functional.instance_norm(x, eps: values[0]);
        // Written out (ONNX's InstanceNormalization needs scale and bias inputs of the channel count): with m the
        // spatial mean, y = (x − m) / √(mean((x − m)²) + eps).
        public override void Onnx(IOnnxOps onnx, string x, string output, IReadOnlyList<double> values)
        {
            string Mean(string v, string suffix) => onnx.Op("ReduceMean", onnx.Fresh(output, suffix), new[] { v }, ("axes", new long[] { 2, 3 }), ("keepdims", 1L));
            var centred = onnx.Op("Sub", onnx.Fresh(output, "centred"), new[] { x, Mean(x, "mean") });
            var variance = Mean(onnx.Op("Mul", onnx.Fresh(output, "square"), new[] { centred, centred }), "variance");
            var std = onnx.Op("Sqrt", onnx.Fresh(output, "std"), new[] { onnx.Op("Add", onnx.Fresh(output, "shifted"), new[] { variance, onnx.Scalar(values[0]) }) });
            onnx.Op("Div", output, new[] { centred, std });
        }
        public override string PyTorch(long channels, IReadOnlyList<double> values, Func<double, string> real)
            => $"nn.InstanceNorm2d({channels}, eps={real(values[0])})";
#endif
    }

    /// <summary>A layer on a C×H×W map that keeps its shape (not an activation: not fused, its own graph node).</summary>
    private abstract class ShapeKeeping : DefinedKind
    {
        public override bool IsActivation => false;
        public override bool NeedsMap => true;
        public override bool KeepsShape => true;

        /// <summary>The check of a group count.</summary>
        protected static string? PositiveGroups(double groups) => groups < 1 ? $"Groups must be positive, got {(long)groups}" : null;

        /// <summary>The check of a normalisation's epsilon.</summary>
        protected static string? PositiveEps(double eps)
            => !(eps > 0) || double.IsInfinity(eps) ? $"Eps must be a positive finite number, got {eps.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}" : null;
    }

    /// <summary>
    /// <c>nn.ChannelShuffle(g)</c> (ShuffleNet): C×H×W → C×H×W, output channel j is input channel (j mod g)·C/g + ⌊j/g⌋
    /// (the channels as g×C/g, transposed). No arithmetic: 0 in both cost conventions.
    /// </summary>
    private sealed class ChannelShuffle : ShapeKeeping
    {
        public override string Name => "ChannelShuffle";
        public override IReadOnlyList<KindSetting> Settings { get; } = new[] { new KindSetting("Groups", "groups", true, null) { DividesChannels = true } };
        public override string? Check(Dims x, IReadOnlyList<double> values)
            => PositiveGroups(values[0]);
        public override LayerSpec Spec(IReadOnlyList<double> values) => new PassSpec(Name);
        public override string Module(string channels, IReadOnlyList<string> values) => $"global::TorchSharp.torch.nn.ChannelShuffle({values[0]})";
#if !PIXGEN_GENERATOR
        public override Tensor Apply(Tensor x, IReadOnlyList<double> values)
        {
            long g = (long)values[0], n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
            return x.reshape(n, g, c / g, h, w).transpose(1, 2).reshape(n, c, h, w);
        }
        public override void Onnx(IOnnxOps onnx, string x, string output, IReadOnlyList<double> values)
        {
            long g = (long)values[0];
            var i = onnx.ShapeOf(x);
            var grouped = onnx.Op("Reshape", onnx.Fresh(output, "grouped"), new[] { x, onnx.Int64s(onnx.Fresh(output, "grouped_shape"), 0, g, i[0] / g, i[1], i[2]) });
            var swapped = onnx.Op("Transpose", onnx.Fresh(output, "swapped"), new[] { grouped }, ("perm", new long[] { 0, 2, 1, 3, 4 }));
            onnx.Op("Reshape", output, new[] { swapped, onnx.Int64s(onnx.Fresh(output, "shape"), 0, i[0], i[1], i[2]) });
        }
        // The backend's own ChannelShuffle module and channel_shuffle function (PythonRuntime.cs).
        public override string PyTorch(long channels, IReadOnlyList<double> values, Func<double, string> real) => $"ChannelShuffle({(long)values[0]})";
        public override string PyTorchCall(string x, long channels, IReadOnlyList<double> values, Func<double, string> real)
            => $"channel_shuffle({x}, {(long)values[0]})";
#endif
    }

    /// <summary>
    /// <c>nn.BatchNorm2d(C, eps, momentum)</c>: each channel normalised by batch statistics in training (which update the
    /// running mean and unbiased variance with the momentum) and by the running statistics in eval, then a per-channel
    /// weight and bias: 2·C parameters, 2·C + 1 buffers (<see cref="BatchNorm2dSpec"/>); paper convention 2 per output
    /// element. Momentum only matters in training: it is not carried to the graph.
    /// </summary>
    private sealed class BatchNorm : ShapeKeeping
    {
        public override string Name => "BatchNorm2d";
        public override bool Stateful => true;
        public override IReadOnlyList<KindSetting> Settings { get; } = new[]
        {
            new KindSetting("Features", "channels", true, null) { FromInput = true },
            new KindSetting("Eps", "eps", false, 1e-5),
            new KindSetting("Momentum", "momentum", false, 0.1) { InGraph = false },
        };
        public override string? Check(Dims x, IReadOnlyList<double> values) => PositiveEps(values[1]);
        public override LayerSpec Spec(IReadOnlyList<double> values) => new BatchNorm2dSpec();
        public override IReadOnlyList<KindTensor> Tensors(IReadOnlyList<double> values)
        {
            var c = new[] { (long)values[0] };
            // The weight and bias may be absent (a module built with affine = false), not the running statistics.
            return new[]
            {
                new KindTensor("weight", c, "ones", Optional: true), new KindTensor("bias", c, "zeros", Optional: true),
                new KindTensor("running_mean", c, "zeros", Buffer: true), new KindTensor("running_var", c, "ones", Buffer: true),
                new KindTensor("num_batches_tracked", Array.Empty<long>(), "zeros", Buffer: true, Optional: true, Counter: true),
            };
        }
        public override string Module(string channels, IReadOnlyList<string> values)
            => $"global::TorchSharp.torch.nn.BatchNorm2d({channels}{Named("eps", values[1], "1E-05")}{Named("momentum", values[2], "0.1")})";
#if !PIXGEN_GENERATOR
        public override Tensor Apply(Tensor x, IReadOnlyList<double> values) => throw new InvalidOperationException("BatchNorm2d needs its running statistics.");
        public override Tensor Apply(Tensor x, IReadOnlyList<double> values, Func<string, Tensor?> tensor)
            => nn.functional.batch_norm(x, tensor("running_mean")!, tensor("running_var")!, tensor("weight"), tensor("bias"), false, values[2], values[1]);
        // ONNX's BatchNormalization (eval): an absent weight or bias is written as ones or zeros of the channel count.
        public override void Onnx(IOnnxOps onnx, string x, string output, IReadOnlyList<double> values)
        {
            long c = (long)values[0];
            onnx.Op("BatchNormalization", output, new[] { x, onnx.TensorOr("weight", c, 1), onnx.TensorOr("bias", c, 0),
                onnx.TensorOr("running_mean", c, 0), onnx.TensorOr("running_var", c, 1) }, ("epsilon", values[1]));
        }
        public override string PyTorch(long channels, IReadOnlyList<double> values, Func<double, string> real)
            => PyTorch(channels, values, real, null, _ => true);
        // The momentum from the built module (the graph does not carry it); affine = False when the state has no weight.
        public override string PyTorch(long channels, IReadOnlyList<double> values, Func<double, string> real, nn.Module? module, Func<string, bool> has)
        {
            var args = new List<string> { channels.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            if (values[1] != 1e-5) args.Add($"eps={real(values[1])}");
            double momentum = module is TorchSharp.Modules.NormBase { momentum: double m } ? m : values[2];
            if (momentum != 0.1) args.Add($"momentum={real(momentum)}");
            if (!has("weight")) args.Add("affine=False");
            return $"nn.BatchNorm2d({string.Join(", ", args)})";
        }
#endif
    }

    /// <summary>
    /// <c>nn.GroupNorm(g, C, eps, affine)</c>: each sample's channels in g groups, each group normalised by its own mean
    /// and biased variance, then (affine) a per-channel weight and bias: 2·C parameters, no buffers; paper convention 2 per
    /// output element, as the other normalisations.
    /// </summary>
    private sealed class GroupNorm : ShapeKeeping
    {
        public override string Name => "GroupNorm";
        public override bool Stateful => true;
        public override IReadOnlyList<KindSetting> Settings { get; } = new[]
        {
            new KindSetting("Groups", "groups", true, null) { DividesChannels = true },
            new KindSetting("Features", "channels", true, null) { FromInput = true },
            new KindSetting("Eps", "eps", false, 1e-5),
            new KindSetting("Affine", "affine", false, 1) { Flag = true },
        };
        public override string? Check(Dims x, IReadOnlyList<double> values)
            => PositiveGroups(values[0]) ?? PositiveEps(values[2]);
        public override LayerSpec Spec(IReadOnlyList<double> values) => new NormSpec(Name, Affine: values[3] != 0);
        public override IReadOnlyList<KindTensor> Tensors(IReadOnlyList<double> values)
            => values[3] == 0 ? Array.Empty<KindTensor>()
                : new[] { new KindTensor("weight", new[] { (long)values[1] }, "ones"), new KindTensor("bias", new[] { (long)values[1] }, "zeros") };
        public override string Module(string channels, IReadOnlyList<string> values)
            // Through DefinedModules.Initialised: TorchSharp 0.107 leaves GroupNorm's weight and bias uninitialised.
            => $"global::PiXGen.Layers.DefinedModules.Initialised(\"GroupNorm\", global::TorchSharp.torch.nn.GroupNorm({values[0]}, {channels}" +
               $"{Named("eps", values[2], "1E-05")}{Named("affine", values[3], "true")}), {values[0]}, {channels}, {values[2]}, " +
               (values[3] switch { "true" => "1", "false" => "0", var flag => $"({flag}) ? 1 : 0" }) + ")";
#if !PIXGEN_GENERATOR
        public override Tensor Apply(Tensor x, IReadOnlyList<double> values) => Apply(x, values, _ => null);
        public override Tensor Apply(Tensor x, IReadOnlyList<double> values, Func<string, Tensor?> tensor)
            => nn.functional.group_norm(x, (long)values[0], values[3] != 0 ? tensor("weight") : null, values[3] != 0 ? tensor("bias") : null, values[2]);
        // Written out: the groups' statistics by ReduceMean over (N, g, C/g·H·W), then the per-channel weight and bias.
        public override void Onnx(IOnnxOps onnx, string x, string output, IReadOnlyList<double> values)
        {
            long g = (long)values[0], c = (long)values[1];
            bool affine = values[3] != 0;
            var i = onnx.ShapeOf(x);
            string Mean(string v, string name) => onnx.Op("ReduceMean", onnx.Fresh(output, name), new[] { v }, ("axes", new long[] { 2 }), ("keepdims", 1L));
            var grouped = onnx.Op("Reshape", onnx.Fresh(output, "grouped"), new[] { x, onnx.Int64s(onnx.Fresh(output, "grouped_shape"), 0, g, -1) });
            var centred = onnx.Op("Sub", onnx.Fresh(output, "centred"), new[] { grouped, Mean(grouped, "mean") });
            var variance = Mean(onnx.Op("Mul", onnx.Fresh(output, "squared"), new[] { centred, centred }), "variance");
            var std = onnx.Op("Sqrt", onnx.Fresh(output, "std"), new[] { onnx.Op("Add", onnx.Fresh(output, "variance_eps"), new[] { variance, onnx.Scalar(values[2]) }) });
            var normed = onnx.Op("Div", onnx.Fresh(output, "normed"), new[] { centred, std });
            var back = onnx.Op("Reshape", affine ? onnx.Fresh(output, "ungrouped") : output, new[] { normed, onnx.Int64s(onnx.Fresh(output, "shape"), 0, c, i[1], i[2]) });
            if (!affine) return;
            var scaled = onnx.Op("Mul", onnx.Fresh(output, "scaled"), new[] { back, onnx.Tensor("weight", new[] { c, 1L, 1L }, "c11") });
            onnx.Op("Add", output, new[] { scaled, onnx.Tensor("bias", new[] { c, 1L, 1L }, "c11") });
        }
        public override string PyTorch(long channels, IReadOnlyList<double> values, Func<double, string> real)
            => $"nn.GroupNorm({(long)values[0]}, {(long)values[1]}, eps={real(values[2])}{(values[3] != 0 ? "" : ", affine=False")})";
#endif
    }
    /// <summary>
    /// A layer normalisation over the channels (<c>eps</c>, <c>affine</c>): each position's C values normalised by their
    /// own mean and biased variance, then (affine) a per-channel weight and bias: 2·C parameters, no buffers; paper
    /// convention 2 per output element, as the other normalisations.
    /// </summary>
    private abstract class ChannelLayerNorm : ShapeKeeping
    {
        public override bool Stateful => true;
        public override IReadOnlyList<KindSetting> Settings { get; } = new[]
        {
            new KindSetting("Features", "channels", true, null) { FromInput = true },
            new KindSetting("Eps", "eps", false, 1e-5),
            new KindSetting("Affine", "affine", false, 1) { Flag = true },
        };
        public override string? Check(Dims x, IReadOnlyList<double> values) => PositiveEps(values[1]);
        public override IReadOnlyList<KindTensor> Tensors(IReadOnlyList<double> values)
            => values[2] == 0 ? Array.Empty<KindTensor>()
                : new[] { new KindTensor("weight", new[] { (long)values[0] }, "ones"), new KindTensor("bias", new[] { (long)values[0] }, "zeros") };
#if !PIXGEN_GENERATOR
        public override Tensor Apply(Tensor x, IReadOnlyList<double> values) => Apply(x, values, _ => null);

        /// <summary>Layer normalisation of <paramref name="x"/>'s last axis (the channels).</summary>
        protected static Tensor LastAxis(Tensor x, IReadOnlyList<double> values, Func<string, Tensor?> tensor)
            => nn.functional.layer_norm(x, new[] { (long)values[0] }, values[2] != 0 ? tensor("weight") : null, values[2] != 0 ? tensor("bias") : null, values[1]);

        /// <summary>ONNX's LayerNormalization over the last axis of <paramref name="x"/>; without affine, a weight of ones and a bias of zeros.</summary>
        protected static string LastAxis(IOnnxOps onnx, string x, string output, IReadOnlyList<double> values)
        {
            long c = (long)values[0];
            return onnx.Op("LayerNormalization", output, new[] { x, onnx.TensorOr("weight", c, 1), onnx.TensorOr("bias", c, 0) },
                ("axis", -1L), ("epsilon", values[1]));
        }
#endif
    }

    /// <summary>
    /// ConvNeXt's <c>LayerNorm2d(C, eps, affine)</c> (PiXGen.Layers.LayerNorm2d, which TorchSharp lacks): the layer
    /// normalisation over the channels at every position of a C×H×W map.
    /// </summary>
    private sealed class LayerNorm2d : ChannelLayerNorm
    {
        public override string Name => "LayerNorm2d";
        public override string ModuleType => "global::PiXGen.Layers.LayerNorm2d";
        public override LayerSpec Spec(IReadOnlyList<double> values) => new NormSpec(Name, Affine: values[2] != 0);
        public override string Module(string channels, IReadOnlyList<string> values)
            => $"new global::PiXGen.Layers.LayerNorm2d({channels}{Named("eps", values[1], "1E-05")}{Named("affine", values[2], "true")})";
#if !PIXGEN_GENERATOR
        public override Tensor Apply(Tensor x, IReadOnlyList<double> values, Func<string, Tensor?> tensor)
        {
            using var nhwc = x.permute(Permute.ToLast);
            using var normed = LastAxis(nhwc, values, tensor);
            return normed.permute(Permute.ToFirst).contiguous();
        }
        // Transposed to channels last and back around LayerNormalization.
        public override void Onnx(IOnnxOps onnx, string x, string output, IReadOnlyList<double> values)
        {
            var nhwc = onnx.Op("Transpose", onnx.Fresh(output, "nhwc"), new[] { x }, ("perm", Permute.ToLast));
            var normed = LastAxis(onnx, nhwc, onnx.Fresh(output, "normed"), values);
            onnx.Op("Transpose", output, new[] { normed }, ("perm", Permute.ToFirst));
        }
        // The backend's own LayerNorm2d module (PythonRuntime.cs).
        public override string PyTorch(long channels, IReadOnlyList<double> values, Func<double, string> real)
            => $"LayerNorm2d({(long)values[0]}, eps={real(values[1])}{(values[2] != 0 ? "" : ", affine=False")})";
#endif
    }

    /// <summary>
    /// <c>nn.LayerNorm(C, eps, elementwise_affine)</c> over the last axis: a flattened vector's features or a channels-last
    /// map's channels (after <c>[Permute(0, 2, 3, 1)]</c>, which keeps the run-time channel count); costs <see cref="LayerNormSpec"/>.
    /// </summary>
    private sealed class LayerNorm : ChannelLayerNorm
    {
        public override string Name => "LayerNorm";
        public override bool NeedsMap => false;
        // On a C×H×W map it would normalise the width.
        public override (string Needs, string Got)? WrongRank(Dims x) => x.IsMap
            ? ("a flattened vector or a channels-last map (add [Permute(0, 2, 3, 1)] before it, or use [LayerNorm2d] for the channels of a CxHxW map)", $"a {x} feature map")
            : null;
        public override LayerSpec Spec(IReadOnlyList<double> values) => new LayerNormSpec(Affine: values[2] != 0);
        public override string Module(string channels, IReadOnlyList<string> values)
            => $"global::TorchSharp.torch.nn.LayerNorm(new long[] {{ {channels} }}{Named("eps", values[1], "1E-05")}{Named("elementwise_affine", values[2], "true")})";
#if !PIXGEN_GENERATOR
        public override Tensor Apply(Tensor x, IReadOnlyList<double> values, Func<string, Tensor?> tensor) => LastAxis(x, values, tensor);
        public override void Onnx(IOnnxOps onnx, string x, string output, IReadOnlyList<double> values) => LastAxis(onnx, x, output, values);
        public override string PyTorch(long channels, IReadOnlyList<double> values, Func<double, string> real)
            => $"nn.LayerNorm({(long)values[0]}, eps={real(values[1])}{(values[2] != 0 ? "" : ", elementwise_affine=False")})";
#endif
    }

    /// <summary>
    /// <c>nn.Linear(in, out, bias)</c> over the last axis: a flattened vector's features, or a channels-last map's channels
    /// at every position (ConvNeXt's block, after <c>[Permute(0, 2, 3, 1)]</c>). In is the input's (the user may state it
    /// as <c>In</c>, checked); weight (out, in) and bias (out) drawn by the <c>[Init]</c> scheme's Linear rules; costs
    /// <see cref="LinearSpec"/>: in·out MACs per output vector, paper convention one more per output element with bias.
    /// </summary>
    private sealed class LinearKind : DefinedKind
    {
        public override string Name => "Linear";
        public override bool IsActivation => false;
        public override bool KeepsSpatialSize => true;
        public override bool Stateful => true;
        public override bool FlattenFix => true;
        public override IReadOnlyList<KindSetting> Settings { get; } = new[]
        {
            new KindSetting("InFeatures", "in", true, null) { FromInput = true, Declared = "In" },
            new KindSetting("OutFeatures", "out", true, null),
            new KindSetting("Bias", "bias", false, 1) { Flag = true },
        };
        // On a C×H×W map it would multiply the width.
        public override (string Needs, string Got)? WrongRank(Dims x) => x.IsMap
            ? (x.H * x.W > 1 ? $"a flattened vector (add [AdaptiveAvgPool2d(1)] and [Flatten] before it for {x.C} features, or [Flatten] alone for {x.Elements})"
                             : "a flattened vector (add [Flatten] before it)",
               string.Format(System.Globalization.CultureInfo.InvariantCulture, "a {0}x{1}x{2} feature map", x.C, x.H, x.W))
            : null;
        public override string? Check(Dims x, IReadOnlyList<double> values)
            => values[1] > 0 ? null : $"OutFeatures must be positive, got {(long)values[1]}";
        public override LayerSpec Spec(IReadOnlyList<double> values) => new LinearSpec((long)values[1], (long)values[0], values[2] != 0);
        public override IReadOnlyList<KindTensor> Tensors(IReadOnlyList<double> values)
        {
            long inF = (long)values[0], outF = (long)values[1];
            var weight = new KindTensor("weight", new[] { outF, inF }, "default") { Scheme = InitRule.LinearWeight };
            return values[2] == 0 ? new[] { weight }
                : new[] { weight, new KindTensor("bias", new[] { outF }, "default_bias") { Scheme = InitRule.LinearBias } };
        }
        public override string Module(string channels, IReadOnlyList<string> values)
            => $"global::TorchSharp.torch.nn.Linear({channels}, {values[1]}{Named("hasBias", values[2], "true")})";
        public override string? OutChannels(string channels, IReadOnlyList<string> values) => values[1];
#if !PIXGEN_GENERATOR
        public override Tensor Apply(Tensor x, IReadOnlyList<double> values) => throw new InvalidOperationException("Linear needs its weight.");
        public override Tensor Apply(Tensor x, IReadOnlyList<double> values, Func<string, Tensor?> tensor)
            => nn.functional.linear(x, tensor("weight")!, values[2] != 0 ? tensor("bias") : null);
        // Gemm on a vector; over the last axis of a channels-last map x · Wᵀ (+ b), broadcast over N, H, W.
        public override void Onnx(IOnnxOps onnx, string x, string output, IReadOnlyList<double> values)
        {
            bool bias = values[2] != 0;
            if (onnx.ShapeOf(x).Length != 1)
            {
                var wt = onnx.Op("Transpose", onnx.Fresh(output, "weight_t"), new[] { onnx.Tensor("weight") }, ("perm", new long[] { 1, 0 }));
                var product = onnx.Op("MatMul", bias ? onnx.Fresh(output, "matmul") : output, new[] { x, wt });
                if (bias) onnx.Op("Add", output, new[] { product, onnx.Tensor("bias") });
                return;
            }
            onnx.Op("Gemm", output, bias ? new[] { x, onnx.Tensor("weight"), onnx.Tensor("bias") } : new[] { x, onnx.Tensor("weight") }, ("transB", 1L));
        }
        public override string PyTorch(long channels, IReadOnlyList<double> values, Func<double, string> real)
            => $"nn.Linear({(long)values[0]}, {(long)values[1]}{(values[2] != 0 ? "" : ", bias=False")})";
        // In and out from the weight (out, in); the bias flag from the module's own parameters.
        public override IReadOnlyList<double>? ValuesOf(nn.Module module)
        {
            if (module is not TorchSharp.Modules.Linear linear || linear.weight is not { } weight) return null;
            return new double[] { weight.shape[1], weight.shape[0], linear.bias is null ? 0 : 1 };
        }
#endif
    }

    /// <summary>
    /// Squeeze-and-excitation (torchvision's <c>ops.SqueezeExcitation</c>, module PiXGen.Layers.SqueezeExcitation): C
    /// channels squeezed to <c>Squeeze</c> (or C / <c>Reduction</c>, 16 by default, recorded as its Squeeze), with the
    /// activation after <c>fc1</c> and the scale activation after <c>fc2</c> from Words.cs. Composite: in the graph it is
    /// pool → fc1 (1×1 Conv2d with bias) → activation → fc2 → scale activation → Mul with the input, its 1×1
    /// convolutions modules at <c>path.fc1</c> and <c>path.fc2</c> (drawn by the <c>[Init]</c> scheme's convolution
    /// rules as ordinary Conv2d modules); costs <see cref="SqueezeExcitationSpec"/>.
    /// </summary>
    private sealed class SqueezeExcitation : DefinedKind
    {
        private const int Channels = 0, Squeeze = 1, Reduction = 2, Activation = 3, ScaleActivation = 4;
        public override string Name => "SqueezeExcitation";
        public override bool IsActivation => false;
        public override bool KeepsShape => true;
        public override bool NeedsMap => true;
        public override bool Stateful => true;
        public override bool Composite => true;
        public override string ModuleType => "global::PiXGen.Layers.SqueezeExcitation";
        public override IReadOnlyList<KindSetting> Settings { get; } = new[]
        {
            new KindSetting("Channels", "channels", true, null) { FromInput = true },
            new KindSetting("Squeeze", "squeeze", true, null) { Optional = true },
            new KindSetting("Reduction", "reduction", true, 16),
            new KindSetting("Activation", "activation", false, 0) { Words = Words.SqueezeExcitationActivations },
            new KindSetting("ScaleActivation", "scale_activation", false, 0) { Words = Words.SqueezeExcitationScaleActivations },
        };
        // The squeeze channels given, or the input's divided by the reduction (an integer division, as torchvision's models write it).
        private static long SqueezeOf(IReadOnlyList<double> values)
            => double.IsNaN(values[Squeeze]) ? (long)values[Channels] / (long)values[Reduction] : (long)values[Squeeze];
        public override string? Check(Dims x, IReadOnlyList<double> values)
        {
            if (double.IsNaN(values[Squeeze]) && values[Reduction] <= 0) return $"Reduction must be positive, got {(long)values[Reduction]}";
            long squeeze = SqueezeOf(values);
            return squeeze > 0 ? null : $"squeeze channels must be positive, got {squeeze} for {x.C} channels";
        }
        public override IReadOnlyList<double> Resolved(IReadOnlyList<double> values)
        {
            var resolved = new List<double>(values);
            resolved[Squeeze] = SqueezeOf(values);
            return resolved;
        }
        public override LayerSpec Spec(IReadOnlyList<double> values) => new SqueezeExcitationSpec(SqueezeOf(values));
        public override IReadOnlyList<KindTensor> Tensors(IReadOnlyList<double> values)
        {
            long c = (long)values[Channels], s = SqueezeOf(values);
            KindTensor Weight(string conv, long cout, long cin) => new(conv + ".weight", new[] { cout, cin, 1L, 1L }, "default") { Scheme = InitRule.ConvolutionWeight };
            KindTensor Bias(string conv, long cout) => new(conv + ".bias", new[] { cout }, "default_bias") { Scheme = InitRule.ConvolutionBias };
            return new[] { Weight("fc1", s, c), Bias("fc1", s), Weight("fc2", c, s), Bias("fc2", c) };
        }
        public override string Module(string channels, IReadOnlyList<string> values)
        {
            var squeeze = values[Squeeze] ?? $"{channels} / {Parenthesised(values[Reduction] ?? "16")}";
            return $"new global::PiXGen.Layers.SqueezeExcitation({channels}, {squeeze}" +
                   $"{Named("activation", Quoted(values[Activation]), Quoted(Words.SqueezeExcitationActivations[0]))}" +
                   $"{Named("scaleActivation", Quoted(values[ScaleActivation]), Quoted(Words.SqueezeExcitationScaleActivations[0]))})";
        }
        private static string Quoted(string word) => "\"" + word.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
        public override IReadOnlyList<GraphPart> Lower(string path, string x, Dims input, IReadOnlyList<double> values)
        {
            long c = input.C, s = SqueezeOf(values);
            var pooled = Dims.Map(c, 1, 1);
            var none = Array.Empty<KeyValuePair<string, string>>();
            // The 1×1 convolutions and the pool with the attributes their own definitions give such a layer.
            GraphPart Conv(string name, string from, long cin, long cout) => new(path + "." + name, Conv2d.Name, new[] { from }, path + "." + name,
                Conv2d.GraphAttributes(setting => setting switch { "InChannels" => IntText(cin), "OutChannels" => IntText(cout), "Kernel" => "1", _ => null }),
                Dims.Map(cout, 1, 1));
            var gap = All["AdaptiveAvgPool2d"];
            var pool = new GraphPart(path + ".pool", gap.Name, new[] { x }, null, gap.GraphAttributes(setting => setting == "OutputSize" ? "1" : null), pooled);
            var fc1 = Conv("fc1", pool.Output, c, s);
            var act = new GraphPart(path + ".activation", Words.SqueezeExcitationActivations[(int)values[Activation]], new[] { fc1.Output }, null, none, Dims.Map(s, 1, 1));
            var fc2 = Conv("fc2", act.Output, s, c);
            var scale = new GraphPart(path + ".scale", Words.SqueezeExcitationScaleActivations[(int)values[ScaleActivation]], new[] { fc2.Output }, null, none, pooled);
            return new[] { pool, fc1, act, fc2, scale, new GraphPart(path, "Mul", new[] { x, scale.Output }, null, none, input) };
        }
#if !PIXGEN_GENERATOR
        private static InvalidOperationException Lowered() => new("SqueezeExcitation has no graph op: the graph holds its parts (DefinedKind.Lower).");
        public override Tensor Apply(Tensor x, IReadOnlyList<double> values) => throw Lowered();
        public override void Onnx(IOnnxOps onnx, string x, string output, IReadOnlyList<double> values) => throw Lowered();
        public override string PyTorch(long channels, IReadOnlyList<double> values, Func<double, string> real) => throw Lowered();
#endif
    }

    /// <summary>
    /// ConvNeXt's layer scale (torchvision's <c>layer_scale</c>): a learnable C×1×1 parameter of the enclosing block, every
    /// element Value at first, by which the C×H×W map is multiplied (<see cref="IsParameter"/>); costs
    /// <see cref="LayerScaleSpec"/>: C parameters, no MACs, paper convention one per output element.
    /// </summary>
    private sealed class LayerScale : ShapeKeeping
    {
        public override string Name => "LayerScale";
        public override bool Stateful => true;
        public override bool IsParameter => true;
        public override string ModuleType => "global::TorchSharp.Modules.Parameter";
        public override IReadOnlyList<KindSetting> Settings { get; } = new[]
        {
            new KindSetting("Features", "channels", true, null) { FromInput = true },
            new KindSetting("Value", "value", false, 1e-6),
        };
        public override LayerSpec Spec(IReadOnlyList<double> values) => new LayerScaleSpec();
        // The parameter itself (the empty leaf), filled with the Value setting (not a rule of the init table: no module holds it).
        public override IReadOnlyList<KindTensor> Tensors(IReadOnlyList<double> values)
            => new[] { new KindTensor("", new[] { (long)values[0], 1L, 1L }, "value") };
        // Ones times the value, as torchvision's ConvNeXt builds it.
        public override string Module(string channels, IReadOnlyList<string> values)
            => $"global::TorchSharp.torch.nn.Parameter(global::TorchSharp.torch.ones({channels}, 1, 1).mul_({values[1]}))";
#if !PIXGEN_GENERATOR
        public override Tensor Apply(Tensor x, IReadOnlyList<double> values) => throw new InvalidOperationException("LayerScale needs its parameter.");
        public override Tensor Apply(Tensor x, IReadOnlyList<double> values, Func<string, Tensor?> tensor)
            => x * (tensor("") ?? throw new ArgumentException("the layer scale's parameter is missing from the weights."));
        // The C×1×1 parameter broadcasts over N, H, W.
        public override void Onnx(IOnnxOps onnx, string x, string output, IReadOnlyList<double> values)
            => onnx.Op("Mul", output, new[] { x, onnx.Tensor("") });
        // A parameter of the enclosing block, which its forward multiplies the map by.
        public override string PyTorch(long channels, IReadOnlyList<double> values, Func<double, string> real)
            => $"nn.Parameter(torch.full(({(long)values[0]}, 1, 1), {real(values[1])}))";
#endif
    }

    /// <summary>
    /// <c>nn.Upsample</c>: each channel of a C×H×W map resized by an integer ScaleFactor or to a Size (per-axis pairs, exactly
    /// one written), Mode "nearest" or "bilinear" (AlignCorners for bilinear only); costs <see cref="UpsampleSpec"/>, 0 in both
    /// conventions. The graph carries the instantiated output's height and width as its size (OutSize,
    /// <see cref="KindSetting.FromOutput"/>), which the executor, ONNX's Resize and the PyTorch backend resize to.
    /// </summary>
    private sealed class Upsample : DefinedKind
    {
        // The first value of each setting: ScaleFactor (H, W), Size (H, W), Mode, OutSize (H, W), AlignCorners.
        private const int ScaleFactor = 0, Size = 2, Mode = 4, OutSize = 5, AlignCorners = 7;
        public override string Name => "Upsample";
        public override bool IsActivation => false;
        public override bool NeedsMap => true;
        public override IReadOnlyList<KindSetting> Settings { get; } = new[]
        {
            // Not in the graph under these names: the graph's size is the output's.
            new KindSetting("ScaleFactor", "scale_factor", true, null) { Pair = true, Alternative = true, InGraph = false },
            new KindSetting("Size", "written_size", true, null) { Pair = true, Alternative = true, InGraph = false },
            new KindSetting("Mode", "mode", false, 0) { Words = Words.UpsampleModes },
            new KindSetting("OutSize", "size", true, null) { Pair = true, FromOutput = true },
            new KindSetting("AlignCorners", "align_corners", false, 0) { Flag = true },
        };

        /// <summary>The pair at <paramref name="slot"/>; 0 for an alternative left out (NaN).</summary>
        private static Axes At(IReadOnlyList<double> values, int slot)
            => double.IsNaN(values[slot]) ? new Axes(0) : new Axes((long)values[slot], (long)values[slot + 1]);

        public override IEnumerable<string> CheckWritten(Func<string, string?> written)
        {
            bool scale = written("ScaleFactor") is not null, size = written("Size") is not null;
            if (scale == size) yield return scale ? "give ScaleFactor or Size, not both" : "give ScaleFactor (e.g. ScaleFactor = 2) or Size";
            if (written("AlignCorners") == "true" && (written("Mode") ?? "nearest") != "bilinear") yield return "AlignCorners applies to Mode = \"bilinear\" only";
        }
        public override string? Check(Dims x, IReadOnlyList<double> values)
        {
            if (double.IsNaN(values[Size]) && double.IsNaN(values[ScaleFactor])) return "give ScaleFactor (e.g. ScaleFactor = 2) or Size";
            bool size = !double.IsNaN(values[Size]);
            var v = At(values, size ? Size : ScaleFactor);
            return v.H <= 0 || v.W <= 0 ? $"{(size ? "Size" : "ScaleFactor")} must be positive, got {v}" : null;
        }
        public override LayerSpec Spec(IReadOnlyList<double> values) => new UpsampleSpec(At(values, ScaleFactor), At(values, Size));
        // An array of the pair as written (one value: both axes).
        public override string Module(string channels, IReadOnlyList<string> values)
        {
            bool bilinear = values[Mode] == "bilinear";
            var target = values[Size] is not null ? $"size: new long[] {{ {values[Size]}, {values[Size + 1] ?? values[Size]} }}"
                : $"scale_factor: new double[] {{ {values[ScaleFactor]}, {values[ScaleFactor + 1] ?? values[ScaleFactor]} }}";
            return $"global::TorchSharp.torch.nn.Upsample({target}{(bilinear ? ", mode: global::TorchSharp.torch.UpsampleMode.Bilinear" : "")}" +
                   $"{(bilinear ? $", align_corners: {values[AlignCorners]}" : "")})";
        }
#if !PIXGEN_GENERATOR
        private static bool Bilinear(IReadOnlyList<double> values) => values[Mode] == 1;
        private static long[] Output(IReadOnlyList<double> values) => new[] { (long)values[OutSize], (long)values[OutSize + 1] };
        public override Tensor Apply(Tensor x, IReadOnlyList<double> values)
            => nn.functional.interpolate(x, Output(values), mode: Bilinear(values) ? InterpolationMode.Bilinear : InterpolationMode.Nearest,
                align_corners: Bilinear(values) ? values[AlignCorners] != 0 : null);
        // Resize to N, C (the input's) and the output's H, W.
        public override void Onnx(IOnnxOps onnx, string x, string output, IReadOnlyList<double> values)
        {
            var size = Output(values);
            var shape = onnx.Op("Shape", onnx.Fresh(output, "input_shape"), new[] { x });
            var nc = onnx.Op("Slice", onnx.Fresh(output, "nc"), new[] { shape, onnx.Int64s("const/i64:0", 0), onnx.Int64s("const/i64:2", 2) });
            var sizes = onnx.Op("Concat", onnx.Fresh(output, "sizes"), new[] { nc, onnx.Int64s(onnx.Fresh(output, "hw"), size[0], size[1]) }, ("axis", 0L));
            var attributes = Bilinear(values)
                ? new (string, object)[] { ("mode", "linear"), ("coordinate_transformation_mode", values[AlignCorners] != 0 ? "align_corners" : "pytorch_half_pixel") }
                : new (string, object)[] { ("mode", "nearest"), ("coordinate_transformation_mode", "asymmetric"), ("nearest_mode", "floor") };
            onnx.Op("Resize", output, new[] { x, "", "", sizes }, attributes);
        }
        public override string PyTorch(long channels, IReadOnlyList<double> values, Func<double, string> real) => $"nn.Upsample({PyTorchArgs(values)})";
        public override string PyTorchCall(string x, long channels, IReadOnlyList<double> values, Func<double, string> real)
            => $"F.interpolate({x}, {PyTorchArgs(values)})";

        /// <summary>The output size (one integer when square), the mode, and align_corners for bilinear.</summary>
        private static string PyTorchArgs(IReadOnlyList<double> values)
        {
            var size = Output(values);
            return $"size={new Axes(size[0], size[1]).ToPython()}, mode=\"{(Bilinear(values) ? "bilinear" : "nearest")}\"" +
                   (Bilinear(values) ? $", align_corners={(values[AlignCorners] != 0 ? "True" : "False")}" : "");
        }
#endif
    }

    /// <summary><c>nn.LeakyReLU(slope)</c>: x for x ≥ 0, slope·x otherwise.</summary>
    private sealed class LeakyReLU : DefinedKind
    {
        public override string Name => "LeakyReLU";
        public override IReadOnlyList<KindSetting> Settings { get; } = new[] { new KindSetting("NegativeSlope", "slope", false, 0.01) };
        public override string Module(string channels, IReadOnlyList<string> values)
            => $"global::TorchSharp.torch.nn.LeakyReLU({(values[0] == "0.01" ? "" : values[0])})";
#if !PIXGEN_GENERATOR
        public override Tensor Apply(Tensor x, IReadOnlyList<double> values) => nn.functional.leaky_relu(x, values[0]);
        public override void Onnx(IOnnxOps onnx, string x, string output, IReadOnlyList<double> values)
            => onnx.Op("LeakyRelu", output, new[] { x }, ("alpha", values[0]));
        public override string PyTorch(long channels, IReadOnlyList<double> values, Func<double, string> real) => $"nn.LeakyReLU({real(values[0])})";
        public override string PyTorchCall(string x, long channels, IReadOnlyList<double> values, Func<double, string> real)
            => $"F.leaky_relu({x}, {real(values[0])})";
#endif
    }

    /// <summary><c>nn.GELU(approximate)</c>: x·Φ(x), or with "tanh" 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).</summary>
    private sealed class Gelu : DefinedKind
    {
        public override string Name => "GELU";
        public override IReadOnlyList<KindSetting> Settings { get; } = new[] { new KindSetting("Approximate", "approximate", false, 0) { Words = Words.GeluApproximations } };
        private static bool UsesTanh(IReadOnlyList<double> values) => values[0] == 1;
        public override string Module(string channels, IReadOnlyList<string> values)
            => values[0] == "tanh" ? "global::TorchSharp.torch.nn.GELU(global::TorchSharp.Modules.GELU.Approximate.tanh)" : "global::TorchSharp.torch.nn.GELU()";
#if !PIXGEN_GENERATOR
        public override Tensor Apply(Tensor x, IReadOnlyList<double> values)
            => nn.functional.gelu(x, UsesTanh(values) ? TorchSharp.Modules.GELU.Approximate.tanh : TorchSharp.Modules.GELU.Approximate.none);
        public override void Onnx(IOnnxOps onnx, string x, string output, IReadOnlyList<double> values)
        {
            string inner;
            if (UsesTanh(values)) {
                var x3 = onnx.Op("Mul", onnx.Fresh(output, "x3"), new[] { onnx.Op("Mul", onnx.Fresh(output, "x2"), new[] { x, x }), x });
                var poly = onnx.Op("Add", onnx.Fresh(output, "poly"), new[] { x, onnx.Op("Mul", onnx.Fresh(output, "cubic"), new[] { x3, onnx.Scalar(0.044715f) }) });
                inner = onnx.Op("Tanh", onnx.Fresh(output, "tanh"), new[] { onnx.Op("Mul", onnx.Fresh(output, "scaled"), new[] { poly, onnx.Scalar((float)Math.Sqrt(2 / Math.PI)) }) });
            } else {
                inner = onnx.Op("Erf", onnx.Fresh(output, "erf"), new[] { onnx.Op("Div", onnx.Fresh(output, "scaled"), new[] { x, onnx.Scalar((float)Math.Sqrt(2)) }) });
            }
            var onePlus = onnx.Op("Add", onnx.Fresh(output, "one_plus"), new[] { inner, onnx.Scalar(1f) });
            var half = onnx.Op("Mul", onnx.Fresh(output, "half_x"), new[] { x, onnx.Scalar(0.5f) });
            onnx.Op("Mul", output, new[] { half, onePlus });
        }
        public override string PyTorch(long channels, IReadOnlyList<double> values, Func<double, string> real)
            => UsesTanh(values) ? "nn.GELU(approximate=\"tanh\")" : "nn.GELU()";
        public override string PyTorchCall(string x, long channels, IReadOnlyList<double> values, Func<double, string> real)
            => UsesTanh(values) ? $"F.gelu({x}, approximate=\"tanh\")" : $"F.gelu({x})";
#endif
    }
}

/// <summary>
/// <c>Permute(0, 2, 3, 1)</c> / <c>Permute(0, 3, 1, 2)</c> (torchvision's <c>ops.misc.Permute</c>): moves the channels of an
/// N×C×H×W map to the last axis and back, so that <c>[LayerNorm]</c> and <c>[Linear]</c> act on the channels at every
/// position (ConvNeXt's block). Shape inference carries the layout (<see cref="Dims.ChannelsLast"/>); the run-time
/// channel count is unchanged. No arithmetic: 0 in both cost conventions. Other orders are refused (PIX0106): the layers
/// after them would see a spatial axis as their features.
/// </summary>
internal sealed class Permute : DefinedKind
{
    /// <summary>The two orders: to channels last, and back.</summary>
    internal static readonly long[] ToLast = { 0, 2, 3, 1 }, ToFirst = { 0, 3, 1, 2 };

    public override string Name => "Permute";
    public override bool IsActivation => false;
    public override IReadOnlyList<KindSetting> Settings { get; } = new[]
    {
        new KindSetting("Dim0", "dim0", true, null), new KindSetting("Dim1", "dim1", true, null),
        new KindSetting("Dim2", "dim2", true, null), new KindSetting("Dim3", "dim3", true, null),
    };
    public override string ModuleType => "global::PiXGen.Layers.Permute";
    public override string? Check(Dims x, IReadOnlyList<double> values) => new PermuteSpec(Order(values)).Check(x);
    public override LayerSpec Spec(IReadOnlyList<double> values) => new PermuteSpec(Order(values));
    public override string Module(string channels, IReadOnlyList<string> values) => $"new global::PiXGen.Layers.Permute({string.Join(", ", values)})";

    private static bool ToChannelsLast(IReadOnlyList<double> values) => Order(values) == PermuteSpec.Text(ToLast);
    private static string Order(IReadOnlyList<double> values)
    {
        var dims = new long[values.Count];
        for (int i = 0; i < dims.Length; i++) dims[i] = (long)values[i];
        return PermuteSpec.Text(dims);
    }
#if !PIXGEN_GENERATOR
    private static long[] AxisOrder(IReadOnlyList<double> values) => ToChannelsLast(values) ? ToLast : ToFirst;
    public override Tensor Apply(Tensor x, IReadOnlyList<double> values) => x.permute(AxisOrder(values)).contiguous();
    public override void Onnx(IOnnxOps onnx, string x, string output, IReadOnlyList<double> values)
        => onnx.Op("Transpose", output, new[] { x }, ("perm", AxisOrder(values)));
    public override string PyTorch(long channels, IReadOnlyList<double> values, Func<double, string> real)
        => $"Permute([{string.Join(", ", AxisOrder(values))}])";
    public override string PyTorchCall(string x, long channels, IReadOnlyList<double> values, Func<double, string> real)
        => $"{x}.permute({string.Join(", ", AxisOrder(values))})";
#endif
}

/// <summary>A permutation of an N×C×H×W map's axes written as <paramref name="Order"/> ("0, 2, 3, 1"); 0 in both conventions.</summary>
public sealed record PermuteSpec(string Order) : LayerSpec
{
    /// <summary>The order's text, as <see cref="Order"/> holds it.</summary>
    public static string Text(IReadOnlyList<long> dims) => string.Join(", ", dims);
    private bool ToLast => Order == Text(Permute.ToLast);
    /// <inheritdoc/>
    public override string Kind => "Permute";
    /// <inheritdoc/>
    protected override bool NeedsMap => false;
    /// <inheritdoc/>
    public override string? Check(Dims x)
        => Order != Text(Permute.ToLast) && Order != Text(Permute.ToFirst)
            ? $"takes (0, 2, 3, 1), channels to the last axis, or (0, 3, 1, 2), back; got ({Order})."
            : x.Rank != 3 ? $"needs a C×H×W input, got {x}."
            : x.ChannelsLast == ToLast ? (ToLast ? $"(0, 2, 3, 1) needs a C×H×W map, got one whose channels are already last ({x})."
                                                 : $"(0, 3, 1, 2) needs a channels-last map (after Permute(0, 2, 3, 1)), got {x}.") : null;
    /// <inheritdoc/>
    public override Dims Output(Dims x) => x with { ChannelsLast = ToLast };
    /// <inheritdoc/>
    public override bool Aliases => false;
    /// <inheritdoc/>
    protected override string Arguments => $"Order: {S(Order)}";
}

/// <summary><c>BatchNorm2d</c>: 2·C parameters, 2·C + 1 buffers; paper convention 2 per output element.</summary>
public sealed record BatchNorm2dSpec : LayerSpec
{
    /// <inheritdoc/>
    public override string Kind => "BatchNorm2d";
    /// <inheritdoc/>
    public override long Parameters(Dims x) => 2 * x.C;
    /// <inheritdoc/>
    public override long Buffers(Dims x) => 2 * x.C + 1;
    /// <inheritdoc/>
    public override long PaperExtra(Dims x, Dims y) => 2 * y.Elements;
    /// <inheritdoc/>
    protected override string Arguments => "";
}

/// <summary><c>PixelShuffle</c> with factor <paramref name="UpscaleFactor"/> = r: C×H×W → C/r²×Hr×Wr; 0 in both conventions.</summary>
public sealed record PixelShuffleSpec(long UpscaleFactor) : LayerSpec
{
    /// <inheritdoc/>
    public override string Kind => "PixelShuffle";
    /// <inheritdoc/>
    public override string? Check(Dims x)
        => UpscaleFactor < 1 ? $"UpscaleFactor must be positive, got {N(UpscaleFactor)}."
            : !x.IsMap ? $"needs a C×H×W input, got {x}."
            : x.C % (UpscaleFactor * UpscaleFactor) != 0 ? $"needs input channels divisible by UpscaleFactor² = {N(UpscaleFactor * UpscaleFactor)}, got {N(x.C)}." : null;
    /// <inheritdoc/>
    public override Dims Output(Dims x) => Dims.Map(x.C / (UpscaleFactor * UpscaleFactor), x.H * UpscaleFactor, x.W * UpscaleFactor);
    /// <inheritdoc/>
    protected override string Arguments => $"UpscaleFactor: {N(UpscaleFactor)}";
}

/// <summary>
/// A pooling window over each channel of a C×H×W map: <c>nn.MaxPool2d(kernel, stride, padding, dilation, ceil_mode)</c> or
/// <c>nn.AvgPool2d(kernel, stride, padding, ceil_mode, count_include_pad)</c>. Kernel, stride, padding and the max pool's
/// dilation are per-axis pairs; the stride is the kernel when left out. The output size is <see cref="Arithmetic.WindowOut"/>
/// (through <see cref="Pool2dSpec"/>, which also counts one paper-convention operation per input element).
/// </summary>
internal abstract class WindowPool : DefinedKind
{
    /// <summary>The first value of each setting: kernel (H, W), stride (H, W), padding (H, W), ceil mode, then the max pool's
    /// dilation (H, W) or the average pool's count_include_pad.</summary>
    protected const int Kernel = 0, Stride = 2, Padding = 4, CeilMode = 6, Last = 7;

    /// <summary>TorchSharp's nn, as generated code names it.</summary>
    protected const string NN = "global::TorchSharp.torch.nn";

    /// <summary>The settings: the window's, then <paramref name="last"/> (the graph carries them in this order).</summary>
    protected static KindSetting[] Window(KindSetting last) => new[]
    {
        new KindSetting("Kernel", "kernel", true, null) { Pair = true },
        new KindSetting("Stride", "stride", true, null) { Pair = true, SameAs = "Kernel" },
        new KindSetting("Padding", "padding", true, 0) { Pair = true },
        new KindSetting("CeilMode", "ceil", false, 0) { Flag = true },
        last,
    };

    /// <summary>Max pooling (else average).</summary>
    protected abstract bool Max { get; }

    /// <summary>The window's dilation.</summary>
    protected abstract Axes Dilation(IReadOnlyList<double> values);

    public override bool IsActivation => false;
    public override bool NeedsMap => true;

    /// <summary>The pair whose height is value <paramref name="slot"/>.</summary>
    internal static Axes At(IReadOnlyList<double> values, int slot) => new((long)values[slot], (long)values[slot + 1]);

    public override string? Check(Dims x, IReadOnlyList<double> values)
    {
        Axes k = At(values, Kernel), s = At(values, Stride), p = At(values, Padding), d = Dilation(values);
        return k.H <= 0 || k.W <= 0 ? $"Kernel must be positive, got {k}"
            : s.H <= 0 || s.W <= 0 ? $"Stride must be positive, got {s}"
            : d.H <= 0 || d.W <= 0 ? $"Dilation must be positive, got {d}"
            : p.H < 0 || p.W < 0 || 2 * p.H > k.H || 2 * p.W > k.W ? $"Padding must be between 0 and half the kernel size ({k}), got {p}" : null;
    }

    public override LayerSpec Spec(IReadOnlyList<double> values)
        => new Pool2dSpec(Max, At(values, Kernel), At(values, Stride), At(values, Padding), Dilation(values), values[CeilMode] != 0);

    /// <summary>Whether one of the pair settings at <paramref name="slots"/> was written as a pair (its width's C# is given).</summary>
    internal static bool AnyPair(IReadOnlyList<string> values, params int[] slots)
    {
        foreach (var slot in slots) if (values[slot + 1] is not null) return true;
        return false;
    }

    /// <summary>The pair at <paramref name="slot"/> as a C# tuple "(h, w)" (one value written: "(v, v)"), or null when not written.</summary>
    internal static string? Tuple(IReadOnlyList<string> values, int slot)
        => values[slot] is null ? null : $"({values[slot]}, {values[slot + 1] ?? values[slot]})";

    /// <summary>", name: value", or "" when <paramref name="value"/> is null or <paramref name="fallback"/>.</summary>
    internal static string Arg(string name, string? value, string? fallback = null) => value is null || value == fallback ? "" : $", {name}: {value}";

#if !PIXGEN_GENERATOR
    /// <summary>A pair as the long[] TorchSharp and ONNX take.</summary>
    internal static long[] Longs(Axes a) => new[] { a.H, a.W };

    // ONNX's MaxPool and AveragePool; dilations only when not 1 (the exporter's form before dilation was carried).
    public override void Onnx(IOnnxOps onnx, string x, string output, IReadOnlyList<double> values)
    {
        var p = At(values, Padding);
        var attributes = new List<(string, object)>
        {
            ("kernel_shape", Longs(At(values, Kernel))), ("strides", Longs(At(values, Stride))), ("pads", new[] { p.H, p.W, p.H, p.W }),
            ("ceil_mode", values[CeilMode] != 0 ? 1L : 0L),
        };
        var d = Dilation(values);
        if (Max && (d.H != 1 || d.W != 1)) attributes.Add(("dilations", Longs(d)));
        if (!Max) attributes.Add(("count_include_pad", values[Last] != 0 ? 1L : 0L));
        onnx.Op(Max ? "MaxPool" : "AveragePool", output, new[] { x }, attributes.ToArray());
    }

    public override string PyTorch(long channels, IReadOnlyList<double> values, Func<double, string> real) => $"nn.{Name}({PyTorchArgs(values)})";
    public override string PyTorchCall(string x, long channels, IReadOnlyList<double> values, Func<double, string> real)
        => $"F.{(Max ? "max" : "avg")}_pool2d({x}, {PyTorchArgs(values)})";

    /// <summary>The arguments of PyTorch's module and function: kernel_size and stride always, the rest when not PyTorch's default.</summary>
    private string PyTorchArgs(IReadOnlyList<double> values)
    {
        Axes p = At(values, Padding), d = Dilation(values);
        var args = new List<string> { $"kernel_size={At(values, Kernel).ToPython()}", $"stride={At(values, Stride).ToPython()}" };
        if (p.H != 0 || p.W != 0) args.Add($"padding={p.ToPython()}");
        if (Max && (d.H != 1 || d.W != 1)) args.Add($"dilation={d.ToPython()}");
        if (values[CeilMode] != 0) args.Add("ceil_mode=True");
        if (!Max && values[Last] == 0) args.Add("count_include_pad=False");
        return string.Join(", ", args);
    }
#endif
}

/// <summary><c>nn.MaxPool2d(kernel, stride, padding, dilation, ceil_mode)</c>: the maximum of each (dilated) window.</summary>
internal sealed class MaxPoolKind : WindowPool
{
    public override string Name => "MaxPool2d";
    protected override bool Max => true;
    public override IReadOnlyList<KindSetting> Settings { get; } = Window(new KindSetting("Dilation", "dilation", true, 1) { Pair = true });
    protected override Axes Dilation(IReadOnlyList<double> values) => At(values, Last);
    // Scalars as written, or C# tuples as soon as one of the pairs is written as a pair (TorchSharp's two overloads).
    public override string Module(string channels, IReadOnlyList<string> values)
        => AnyPair(values, Kernel, Stride, Padding, Last)
            ? $"{NN}.MaxPool2d({Tuple(values, Kernel)}{Arg("stride", Tuple(values, Stride))}{Arg("padding", Tuple(values, Padding))}" +
              $"{Arg("dilation", Tuple(values, Last))}{Arg("ceil_mode", values[CeilMode], "false")})"
            : $"{NN}.MaxPool2d({values[Kernel]}{Arg("stride", values[Stride])}{Arg("padding", values[Padding], "0")}" +
              $"{Arg("dilation", values[Last], "1")}{Arg("ceil_mode", values[CeilMode], "false")})";
#if !PIXGEN_GENERATOR
    public override Tensor Apply(Tensor x, IReadOnlyList<double> values)
        => nn.functional.max_pool2d(x, Longs(At(values, Kernel)), Longs(At(values, Stride)), Longs(At(values, Padding)), Longs(Dilation(values)),
            values[CeilMode] != 0);
#endif
}

/// <summary>
/// <c>nn.AvgPool2d(kernel, stride, padding, ceil_mode, count_include_pad)</c>: the mean of each window, over the whole window
/// (the zero padding included, PyTorch's default) or over its elements inside the input.
/// </summary>
internal sealed class AvgPoolKind : WindowPool
{
    public override string Name => "AvgPool2d";
    protected override bool Max => false;
    public override IReadOnlyList<KindSetting> Settings { get; } = Window(new KindSetting("CountIncludePad", "count_include_pad", false, 1) { Flag = true });
    protected override Axes Dilation(IReadOnlyList<double> values) => new(1);
    public override string Module(string channels, IReadOnlyList<string> values)
        => AnyPair(values, Kernel, Stride, Padding)
            ? $"{NN}.AvgPool2d({Tuple(values, Kernel)}{Arg("stride", Tuple(values, Stride))}{Arg("padding", Tuple(values, Padding))}" +
              $"{Arg("ceil_mode", values[CeilMode], "false")}{Arg("count_include_pad", values[Last], "true")})"
            : $"{NN}.AvgPool2d({values[Kernel]}{Arg("stride", values[Stride])}{Arg("padding", values[Padding], "0")}" +
              $"{Arg("ceil_mode", values[CeilMode], "false")}{Arg("count_include_pad", values[Last], "true")})";
#if !PIXGEN_GENERATOR
    public override Tensor Apply(Tensor x, IReadOnlyList<double> values)
        => nn.functional.avg_pool2d(x, Longs(At(values, Kernel)), Longs(At(values, Stride)), Longs(At(values, Padding)), values[CeilMode] != 0,
            values[Last] != 0);
#endif
}

/// <summary>
/// <c>nn.AdaptiveAvgPool2d(size)</c> / <c>nn.AdaptiveMaxPool2d(size)</c>: each channel pooled to an OutputSize (a per-axis
/// pair) whatever the input's size (<see cref="AdaptivePool2dSpec"/>: one paper-convention operation per input element).
/// </summary>
internal abstract class AdaptivePool : DefinedKind
{
    /// <summary>Max pooling (else average).</summary>
    protected abstract bool Max { get; }

    /// <summary>TorchSharp's nn, as generated code names it.</summary>
    protected const string NN = "global::TorchSharp.torch.nn";

    public override bool IsActivation => false;
    public override bool NeedsMap => true;
    public override IReadOnlyList<KindSetting> Settings { get; } = new[] { new KindSetting("OutputSize", "size", true, null) { Pair = true } };
    public override string? OutputSize => "OutputSize";
    public override string? Check(Dims x, IReadOnlyList<double> values)
        => WindowPool.At(values, 0) is var o && (o.H <= 0 || o.W <= 0) ? $"OutputSize must be positive, got {o}" : null;
    public override LayerSpec Spec(IReadOnlyList<double> values) => new AdaptivePool2dSpec(Max, WindowPool.At(values, 0));
#if !PIXGEN_GENERATOR
    /// <summary>The output size as the long[] TorchSharp takes.</summary>
    protected static long[] Size(IReadOnlyList<double> values) => new[] { (long)values[0], (long)values[1] };

    /// <summary>PyTorch's output size: one integer when square.</summary>
    private static string SizeText(IReadOnlyList<double> values) => WindowPool.At(values, 0).ToPython();

    // ONNX has no adaptive pooling: a global pool to 1×1, else a fixed pool where the size divides the input.
    public override void Onnx(IOnnxOps onnx, string x, string output, IReadOnlyList<double> values)
    {
        var size = Size(values);
        var i = onnx.ShapeOf(x);
        if (size[0] == 1 && size[1] == 1) {
            onnx.Op(Max ? "GlobalMaxPool" : "GlobalAveragePool", output, new[] { x });
            return;
        }
        if (i[1] % size[0] != 0 || i[2] % size[1] != 0)
            throw onnx.Unsupported($"pools {i[1]}x{i[2]} to {size[0]}x{size[1]}; ONNX has no adaptive pooling, and only sizes that divide the input map to a fixed pool.");
        var kernel = new[] { i[1] / size[0], i[2] / size[1] };
        onnx.Op(Max ? "MaxPool" : "AveragePool", output, new[] { x }, ("kernel_shape", kernel), ("strides", kernel));
    }
    public override string PyTorch(long channels, IReadOnlyList<double> values, Func<double, string> real) => $"nn.{Name}({SizeText(values)})";
    public override string PyTorchCall(string x, long channels, IReadOnlyList<double> values, Func<double, string> real)
        => $"F.adaptive_{(Max ? "max" : "avg")}_pool2d({x}, {SizeText(values)})";
#endif
}

/// <summary><c>nn.AdaptiveAvgPool2d(size)</c>: the mean of each adaptive window.</summary>
internal sealed class AdaptiveAvgPoolKind : AdaptivePool
{
    public override string Name => "AdaptiveAvgPool2d";
    protected override bool Max => false;
    // One integer as written, or a C# tuple.
    public override string Module(string channels, IReadOnlyList<string> values)
        => $"{NN}.AdaptiveAvgPool2d({(values[1] is null ? values[0] : $"({values[0]}, {values[1]})")})";
#if !PIXGEN_GENERATOR
    public override Tensor Apply(Tensor x, IReadOnlyList<double> values) => nn.functional.adaptive_avg_pool2d(x, Size(values));
#endif
}

/// <summary><c>nn.AdaptiveMaxPool2d(size)</c>: the maximum of each adaptive window.</summary>
internal sealed class AdaptiveMaxPoolKind : AdaptivePool
{
    public override string Name => "AdaptiveMaxPool2d";
    protected override bool Max => true;
    public override string Module(string channels, IReadOnlyList<string> values)
        => $"{NN}.AdaptiveMaxPool2d(new long[] {{ {values[0]}, {values[1] ?? values[0]} }})";
#if !PIXGEN_GENERATOR
    public override Tensor Apply(Tensor x, IReadOnlyList<double> values) => nn.functional.adaptive_max_pool2d(x, Size(values));
#endif
}

/// <summary>
/// A 2-d convolution over a C×H×W map, the settings and rules the convolutions share: InChannels (the input's, graph
/// "in"; the user's <c>In</c> checked with PIX0104), OutChannels (an expression), per-axis Kernel (required), Stride,
/// Padding, the transposed one's OutputPadding and Dilation, Groups (dividing the input and the output channels, PIX0102)
/// and Bias, in the graph's attribute order; weight and bias drawn by the <c>[Init]</c> scheme's convolution rules; the
/// module, ONNX's Conv/ConvTranspose and PyTorch's module written from them. <c>[Conv2d]</c> and <c>[ConvTranspose2d]</c>
/// are its entries.
/// </summary>
internal abstract class ConvolutionKind : DefinedKind
{
    /// <summary>TorchSharp's nn, as generated code names it.</summary>
    protected const string NN = "global::TorchSharp.torch.nn";

    /// <summary>The first value of each setting before the dilation: in, out, then the pairs' heights.</summary>
    protected const int In = 0, Out = 1, Kernel = 2, Stride = 4, Padding = 6, OutputPadding = 8;

    /// <summary>Whether the convolution is transposed (it has an OutputPadding).</summary>
    protected abstract bool Transposed { get; }

    /// <summary>The first value of the dilation, the groups and the bias flag.</summary>
    protected int Dilation => Transposed ? 10 : 8;
    /// <inheritdoc cref="Dilation"/>
    protected int Groups => Dilation + 2;
    /// <inheritdoc cref="Dilation"/>
    protected int Bias => Groups + 1;

    /// <summary>The settings, in the graph's attribute order.</summary>
    protected static KindSetting[] Window(bool transposed)
    {
        var settings = new List<KindSetting>
        {
            new("InChannels", "in", true, null) { FromInput = true, Declared = "In", DeclaredChannels = true },
            new("OutChannels", "out", true, null),
            new("Kernel", "kernel", true, null) { Pair = true },
            new("Stride", "stride", true, 1) { Pair = true },
            new("Padding", "padding", true, 0) { Pair = true, Folded = !transposed },
        };
        if (transposed) settings.Add(new("OutputPadding", "output_padding", true, 0) { Pair = true });
        settings.Add(new("Dilation", "dilation", true, 1) { Pair = true });
        settings.Add(new("Groups", "groups", true, 1) { DividesChannels = true });
        settings.Add(new("Bias", "bias", false, 1) { Flag = true });
        return settings.ToArray();
    }

    public override bool IsActivation => false;
    public override bool NeedsMap => true;
    public override bool Stateful => true;

    /// <summary>The pair whose height is value <paramref name="slot"/>.</summary>
    protected static Axes At(IReadOnlyList<double> values, int slot) => WindowPool.At(values, slot);

    /// <summary>The weight's shape: (out, in/groups, kh, kw), or transposed (in, out/groups, kh, kw).</summary>
    private long[] WeightShape(IReadOnlyList<double> values)
    {
        long inC = (long)values[In], outC = (long)values[Out], g = Math.Max(1, (long)values[Groups]);
        var k = At(values, Kernel);
        return Transposed ? new[] { inC, outC / g, k.H, k.W } : new[] { outC, inC / g, k.H, k.W };
    }

    public override string? Check(Dims x, IReadOnlyList<double> values)
    {
        static string? Positive(string name, Axes a) => a.H <= 0 || a.W <= 0 ? $"{name} must be positive, got {a}" : null;
        static string? NotNegative(string name, Axes a) => a.H < 0 || a.W < 0 ? $"{name} must not be negative, got {a}" : null;
        long outC = (long)values[Out], g = (long)values[Groups];
        return (outC <= 0 ? $"OutChannels must be positive, got {outC}" : null)
            ?? Positive("Kernel", At(values, Kernel)) ?? Positive("Stride", At(values, Stride)) ?? NotNegative("Padding", At(values, Padding))
            ?? (Transposed ? NotNegative("OutputPadding", At(values, OutputPadding)) : null) ?? Positive("Dilation", At(values, Dilation))
            ?? (g <= 0 ? $"Groups must be positive, got {g}" : null)
            ?? CheckMore(values);
    }

    /// <summary>A kind's own checks, after the shared ones.</summary>
    protected virtual string? CheckMore(IReadOnlyList<double> values) => null;

    public override long? GroupedOutChannels(IReadOnlyList<double> values) => (long)values[Out];

    public override IReadOnlyList<KindTensor> Tensors(IReadOnlyList<double> values)
    {
        var weight = new KindTensor("weight", WeightShape(values), "default") { Scheme = InitRule.ConvolutionWeight };
        return values[Bias] == 0 ? new[] { weight }
            : new[] { weight, new KindTensor("bias", new[] { (long)values[Out] }, "default_bias") { Scheme = InitRule.ConvolutionBias } };
    }

    public override string? OutChannels(string channels, IReadOnlyList<string> values) => values[Out];

    // Scalars as written, or C# tuples as soon as one of the pairs is written as a pair (TorchSharp's two overloads).
    public override string Module(string channels, IReadOnlyList<string> values)
    {
        var pairs = Transposed ? new[] { Kernel, Stride, Padding, OutputPadding, Dilation } : new[] { Kernel, Stride, Padding, Dilation };
        var e = WindowPool.AnyPair(values, pairs)
            ? $"{NN}.{Name}({channels}, {values[Out]}, {WindowPool.Tuple(values, Kernel)}{WindowPool.Arg("stride", WindowPool.Tuple(values, Stride))}" +
              $"{WindowPool.Arg("padding", WindowPool.Tuple(values, Padding))}" +
              (Transposed ? WindowPool.Arg("output_padding", WindowPool.Tuple(values, OutputPadding)) : "") + WindowPool.Arg("dilation", WindowPool.Tuple(values, Dilation))
            : $"{NN}.{Name}({channels}, {values[Out]}, {values[Kernel]}{WindowPool.Arg("stride", values[Stride], "1")}{WindowPool.Arg("padding", values[Padding], "0")}" +
              (Transposed ? WindowPool.Arg("output_padding", values[OutputPadding], "0") : "") + WindowPool.Arg("dilation", values[Dilation], "1");
        return e + $"{WindowPool.Arg("groups", values[Groups], "1")}{WindowPool.Arg("bias", values[Bias], "true")})";
    }

#if !PIXGEN_GENERATOR
    public override Tensor Apply(Tensor x, IReadOnlyList<double> values) => throw new InvalidOperationException($"{Name} needs its weight.");

    /// <summary>The pair whose height is value <paramref name="slot"/> as the long[] TorchSharp and ONNX take.</summary>
    protected static long[] LongsAt(IReadOnlyList<double> values, int slot) => WindowPool.Longs(At(values, slot));

    // ONNX's Conv or ConvTranspose on the stored weight and bias.
    public override void Onnx(IOnnxOps onnx, string x, string output, IReadOnlyList<double> values)
    {
        var inputs = values[Bias] != 0 ? new[] { x, onnx.Tensor("weight"), onnx.Tensor("bias") } : new[] { x, onnx.Tensor("weight") };
        var p = At(values, Padding);
        var attributes = new List<(string, object)>
        {
            ("kernel_shape", LongsAt(values, Kernel)), ("strides", LongsAt(values, Stride)), ("pads", new[] { p.H, p.W, p.H, p.W }),
            ("dilations", LongsAt(values, Dilation)), ("group", (long)values[Groups]),
        };
        if (Transposed) attributes.Add(("output_padding", LongsAt(values, OutputPadding)));
        onnx.Op(Transposed ? "ConvTranspose" : "Conv", output, inputs, attributes.ToArray());
    }

    // PyTorch's module: in, out and kernel_size always, the rest when not PyTorch's default.
    public override string PyTorch(long channels, IReadOnlyList<double> values, Func<double, string> real)
    {
        static bool Is(Axes a, long v) => a.H == v && a.W == v;
        var args = new List<string> { ((long)values[In]).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ((long)values[Out]).ToString(System.Globalization.CultureInfo.InvariantCulture), $"kernel_size={At(values, Kernel).ToPython()}" };
        if (!Is(At(values, Stride), 1)) args.Add($"stride={At(values, Stride).ToPython()}");
        if (!Is(At(values, Padding), 0)) args.Add($"padding={At(values, Padding).ToPython()}");
        if (Transposed && !Is(At(values, OutputPadding), 0)) args.Add($"output_padding={At(values, OutputPadding).ToPython()}");
        if ((long)values[Groups] != 1) args.Add($"groups={(long)values[Groups]}");
        if (!Is(At(values, Dilation), 1)) args.Add($"dilation={At(values, Dilation).ToPython()}");
        if (values[Bias] == 0) args.Add("bias=False");
        return $"nn.{Name}({string.Join(", ", args)})";
    }

    // The settings of TorchSharp's module (in, out, kernel, stride, padding, output padding, dilation, groups, bias).
    public override IReadOnlyList<double>? ValuesOf(nn.Module module)
    {
        if (module is not TorchSharp.Modules.Convolution conv || conv.transposed != Transposed || conv.kernel_size.Length != 2) return null;
        var values = new List<double> { conv.in_channels, conv.out_channels };
        void Pair(long[]? a, long fallback) { values.Add(a is { Length: 2 } ? a[0] : fallback); values.Add(a is { Length: 2 } ? a[1] : fallback); }
        Pair(conv.kernel_size, 1);
        Pair(conv.stride, 1);
        Pair(conv.padding, 0);
        if (Transposed) Pair(conv.output_padding, 0);
        Pair(conv.dilation, 1);
        values.Add(conv.groups);
        values.Add(conv.bias is null ? 0 : 1);
        return values;
    }
#endif
}

/// <summary>
/// <c>nn.ConvTranspose2d(in, out, kernel, stride, padding, output_padding, groups, bias, dilation)</c>: every input element
/// multiplied into a kh×kw window of out/groups outputs; output size <see cref="Arithmetic.TransposedOut"/>, weight (in,
/// out/groups, kh, kw), costs <see cref="ConvTranspose2dSpec"/>. The output padding is one value (TorchSharp 0.107 applies
/// the height's to both axes), smaller than the stride or the dilation.
/// </summary>
internal sealed class ConvTranspose2dKind : ConvolutionKind
{
    public override string Name => "ConvTranspose2d";
    protected override bool Transposed => true;
    public override IReadOnlyList<KindSetting> Settings { get; } = Window(transposed: true);
    protected override string? CheckMore(IReadOnlyList<double> values)
    {
        Axes s = At(values, Stride), op = At(values, OutputPadding), d = At(values, Dilation);
        return !op.Square ? $"OutputPadding {op}: TorchSharp 0.107's ConvTranspose2d applies one output padding (the height's) to both axes; give one value"
            : !((op.H < s.H || op.H < d.H) && (op.W < s.W || op.W < d.W)) ? $"OutputPadding {op} must be smaller than the stride {s} or the dilation {d}" : null;
    }
    public override LayerSpec Spec(IReadOnlyList<double> values)
        => new ConvTranspose2dSpec((long)values[Out], (long)values[In], At(values, Kernel), At(values, Stride), At(values, Padding), At(values, OutputPadding),
            At(values, Dilation), (long)values[Groups], values[Bias] != 0);
#if !PIXGEN_GENERATOR
    public override Tensor Apply(Tensor x, IReadOnlyList<double> values, Func<string, Tensor?> tensor)
        => nn.functional.conv_transpose2d(x, tensor("weight") ?? throw new ArgumentException($"{Name} needs its weight."), values[Bias] != 0 ? tensor("bias") : null,
            LongsAt(values, Stride), LongsAt(values, Padding), LongsAt(values, OutputPadding), LongsAt(values, Dilation), (long)values[Groups]);
#endif
}

/// <summary>
/// <c>nn.Conv2d(in, out, kernel, stride, padding, dilation, groups, bias)</c>: out/groups filters of in/groups × kh × kw per
/// group; output size <see cref="Arithmetic.WindowOut"/>, weight (out, in/groups, kh, kw), costs <see cref="Conv2dSpec"/>.
/// A constant padding expression is written as its value in the scalar form of the module (<see cref="KindSetting.Folded"/>).
/// </summary>
internal sealed class Conv2dKind : ConvolutionKind
{
    public override string Name => "Conv2d";
    protected override bool Transposed => false;
    public override IReadOnlyList<KindSetting> Settings { get; } = Window(transposed: false);
    public override LayerSpec Spec(IReadOnlyList<double> values)
        => new Conv2dSpec((long)values[Out], (long)values[In], At(values, Kernel), At(values, Stride), At(values, Padding), At(values, Dilation),
            (long)values[Groups], values[Bias] != 0);
#if !PIXGEN_GENERATOR
    public override Tensor Apply(Tensor x, IReadOnlyList<double> values, Func<string, Tensor?> tensor)
        => nn.functional.conv2d(x, tensor("weight") ?? throw new ArgumentException($"{Name} needs its weight."), values[Bias] != 0 ? tensor("bias") : null,
            LongsAt(values, Stride), LongsAt(values, Padding), LongsAt(values, Dilation), (long)values[Groups]);
#endif
}

/// <summary>
/// The explicit PiX layer <c>[PiX(Zeta | OutChannels, Tau, Mode, Context, PhiBias)]</c> (module PiXGen.PiX.PiXLayer) on a
/// C×H×W map: ζ given, or C / OutChannels (which must divide C exactly), Co = ⌈C/ζ⌉ outputs; φ's weight (Co, C, 1, 1) and
/// optional bias drawn by the <c>[Init]</c> scheme's convolution rules; costs <see cref="PiXSpec"/>. An instance records
/// its ζ and its Co (the graph's "out") whichever was written. Settings in the graph's attribute order (in, out, zeta,
/// tau, mode, context, bias); Mode and Context are PiXMode and PiXContext values.
/// </summary>
internal sealed class PiXKind : DefinedKind
{
    private const int In = 0, Out = 1, Zeta = 2, Tau = 3, Mode = 4, Context = 5, Bias = 6;
    private const string Layer = "global::PiXGen.PiX.PiXLayer";
    public override string Name => "PiX";
    public override bool IsActivation => false;
    public override bool NeedsMap => true;
    public override bool Stateful => true;
    public override string ModuleType => Layer;
    public override string? OutChannelsMember => "OutChannels";
    public override IReadOnlyList<KindSetting> Settings { get; } = new[]
    {
        new KindSetting("InChannels", "in", true, null) { FromInput = true },
        new KindSetting("OutChannels", "out", true, null) { Alternative = true },
        new KindSetting("Zeta", "zeta", true, null) { Alternative = true, Int32 = true },
        new KindSetting("Tau", "tau", false, 0.5),
        new KindSetting("Mode", "mode", true, 0),
        new KindSetting("Context", "context", true, 0),
        new KindSetting("PhiBias", "bias", false, 0) { Flag = true },
    };
    public override string? MissingWritten(Func<string, string?> written)
        => written("Zeta") is null && written("OutChannels") is null ? "Zeta (or OutChannels)" : null;
    // ζ given, or derived from OutChannels (checked to divide exactly); then ζ ≥ 1.
    public override string? Check(Dims x, IReadOnlyList<double> values)
    {
        double zeta = values[Zeta];
        if (double.IsNaN(zeta))
        {
            long outC = (long)values[Out];
            if (double.IsNaN(values[Out]) || !(outC > 0 && x.C % outC == 0))
                return $"OutChannels={(double.IsNaN(values[Out]) ? 0 : outC)} must divide the {x.C} input channels to give an integer ζ";
            zeta = x.C / outC;
        }
        return zeta >= 1 ? null : $"ζ (Zeta) must be at least 1, got {(long)zeta}";
    }
    // The instance records ζ (C / OutChannels when only OutChannels is written) and Co = ⌈C/ζ⌉.
    public override IReadOnlyList<double> Resolved(IReadOnlyList<double> values)
    {
        var resolved = new List<double>(values);
        long c = (long)values[In];
        if (double.IsNaN(resolved[Zeta]) && !double.IsNaN(values[Out]) && values[Out] > 0) resolved[Zeta] = c / (long)values[Out];
        if (resolved[Zeta] >= 1) resolved[Out] = Arithmetic.PiXChannels(c, (long)resolved[Zeta]);
        return resolved;
    }
    public override LayerSpec Spec(IReadOnlyList<double> values) => new PiXSpec((long)values[Zeta], (long)values[In], values[Bias] != 0);
    public override IReadOnlyList<KindTensor> Tensors(IReadOnlyList<double> values)
    {
        long c = (long)values[In], co = Arithmetic.PiXChannels(c, Math.Max(1, (long)values[Zeta]));
        var weight = new KindTensor("weight", new[] { co, c, 1L, 1L }, "default") { Scheme = InitRule.ConvolutionWeight };
        return values[Bias] == 0 ? new[] { weight }
            : new[] { weight, new KindTensor("bias", new[] { co }, "default_bias") { Scheme = InitRule.ConvolutionBias } };
    }
    // ζ as written (cast to int where it mixes in long names, KindSetting.Int32), or (int)(C / OutChannels) at run time.
    public override string Module(string channels, IReadOnlyList<string> values)
        => $"new {Layer}({channels}, {values[Zeta] ?? $"(int)({channels} / {Parenthesised(values[Out])})"}{Named("tau", values[Tau], "0.5")}" +
           $"{Cast("mode", "PiXMode", values[Mode])}{Cast("context", "PiXContext", values[Context])}{Named("bias", values[Bias], "false")})";

    // An enum argument as its cast integer, left out when not written or 0.
    private static string Cast(string name, string type, string? value)
        => value is null ? "" : Named(name, $"(global::PiXGen.PiX.{type}){value}", $"(global::PiXGen.PiX.{type})0");
#if !PIXGEN_GENERATOR
    public override Tensor Apply(Tensor x, IReadOnlyList<double> values) => throw new InvalidOperationException("PiX needs its weight.");
    // PiXLayer's decision rule and the operator (the executor's fused epilogue is GraphExecutor's, reached through DefinedKind.PiX).
    public override Tensor Apply(Tensor x, IReadOnlyList<double> values, Func<string, Tensor?> tensor)
    {
        using var scope = NewDisposeScope();
        var mode = (global::PiXGen.PiX.PiXMode)(long)values[Mode];
        var context = (long)values[Context] == (long)global::PiXGen.PiX.PiXContext.L1 ? global::PiXGen.PiX.PiXContext.L1 : global::PiXGen.PiX.PiXContext.Mean;
        var p = global::PiXGen.PiX.PiXLayer.Gate(x, context, tensor("weight") ?? throw new ArgumentException("PiX needs its weight."),
            values[Bias] != 0 ? tensor("bias") : null, values[Tau], mode).p;
        return global::PiXGen.PiX.PiXFunctional.pix(x, p, checked((int)values[Zeta]), values[Tau], mode).MoveToOuterDisposeScope();
    }
    // ONNX export writes PiX itself (standard nodes or the native ai.pixgen.PiX op, with its fused epilogue): OnnxExporter.PiX.
    public override void Onnx(IOnnxOps onnx, string x, string output, IReadOnlyList<double> values)
        => throw onnx.Unsupported("PiX is written by the exporter's own PiX form (OnnxExporter), which DefinedKind.PiX reaches");
    // The PyTorch backend's PiX module (src/PiXGen/Export/PythonRuntime.cs): in, zeta, then what is not the default.
    public override string PyTorch(long channels, IReadOnlyList<double> values, Func<double, string> real)
    {
        string Int(double v) => ((long)v).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var args = new List<string> { Int(values[In]), $"zeta={Int(values[Zeta])}" };
        if (values[Tau] != 0.5) args.Add($"tau={real(values[Tau])}");
        if ((long)values[Mode] != 0) args.Add($"mode={((long)values[Mode] switch { 1 => "AVG_ONLY", 2 => "MAX_ONLY", _ => "PICK_OR_MIX" })}");
        if ((long)values[Context] != 0) args.Add("context=L1_CONTEXT");
        if (values[Bias] != 0) args.Add("bias=True");
        return $"PiX({string.Join(", ", args)})";
    }
    // The settings of a built PiXLayer (the run-time summary's MACs, the initialiser's φ by the convolution rules).
    public override IReadOnlyList<double>? ValuesOf(nn.Module module)
        => module is global::PiXGen.PiX.PiXLayer pix
            ? new double[] { pix.InChannels, pix.OutChannels, pix.Zeta, pix.Tau, (double)pix.Mode, (double)pix.Context, pix.HasBias ? 1 : 0 }
            : null;
#endif
}

#if !PIXGEN_GENERATOR
/// <summary>What a layer definition may write into an ONNX graph (implemented by PiXGen.Graph.OnnxExporter).</summary>
public interface IOnnxOps
{
    /// <summary>
    /// Adds node <paramref name="type"/> from <paramref name="inputs"/> to <paramref name="output"/> with attributes (a double
    /// is written as a float, a long as an int, a long[] as ints, a string as a string); returns <paramref name="output"/>.
    /// </summary>
    string Op(string type, string output, string[] inputs, params (string Name, object Value)[] attributes);

    /// <summary>A fresh value name derived from <paramref name="output"/>.</summary>
    string Fresh(string output, string suffix);

    /// <summary>A float32 scalar constant (an initializer shared by every node that uses the value) for a node's input.</summary>
    string Scalar(double value);

    /// <summary>An int64 vector constant named <paramref name="name"/> (a shape for Reshape); returns its name.</summary>
    string Int64s(string name, params long[] values);

    /// <summary>The per-sample shape of the value <paramref name="value"/> ({ C, H, W } or { features }).</summary>
    long[] ShapeOf(string value);

    /// <summary>The exception for a form ONNX cannot express (<paramref name="why"/>), naming the node being written.</summary>
    Exception Unsupported(string why);

    /// <summary>
    /// The tensor <paramref name="leaf"/> of the node's module as an initializer named after its state_dict key, or, when
    /// the weights lack it (an optional tensor), a vector of <paramref name="count"/> values <paramref name="absent"/>.
    /// </summary>
    string TensorOr(string leaf, long count, double absent);

    /// <summary>
    /// The parameter <paramref name="leaf"/> of the node's module as an initializer reshaped to <paramref name="dims"/>,
    /// named after its state_dict key and <paramref name="suffix"/>.
    /// </summary>
    string Tensor(string leaf, long[] dims, string suffix);

    /// <summary>
    /// The parameter <paramref name="leaf"/> of the node's module as stored, an initializer named after its state_dict key
    /// (<see cref="KindTensor.Key"/>: the empty leaf is the module's own key).
    /// </summary>
    string Tensor(string leaf);
}
#endif
