using System;

namespace PiXGen;

// The attribute language. Integer-valued settings are typed `object` so that they take either an
// integer constant (`Stride = 2`) or an expression string over the class's arguments
// (`Stride = "stride"`, `Groups = "hidden"`, `Count = "depth - 1"`). Expressions use C# syntax:
// integer literals, identifiers, + - * / %, comparisons, && || !, ?: and min(a, b) / max(a, b).
// Identifiers are the class's [Arg] and [Let] fields, `in` (the class's input channels) and, inside
// the arguments of a repeated [Use], `i` (the repeat index, from 0).

/// <summary>
/// Marks a <c>partial</c> class as a complete network. PiXGen generates a
/// <c>Module&lt;Tensor, Tensor&gt;</c> with a constructor, registered components, a forward pass,
/// shape documentation and compile-time shape checking from the declared input shape.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class NetworkAttribute : Attribute
{
    /// <summary>Input shape of one sample, channels × height × width, e.g. <c>"3x224x224"</c>. Required.</summary>
    public string? Input { get; set; }

    /// <summary>Name in the generated network catalogue (for CLIs); defaults to the class name.</summary>
    public string? Name { get; set; }

    /// <summary>
    /// Reuses another network's declaration (arguments, layers, residual) for this one, whose class body stays
    /// empty: PiXGen declares the fields. With <see cref="VariantsAttribute"/> this builds a variant of an existing
    /// network under its own name, e.g. <c>[Network(Like = typeof(ResNet50)), Variants(Pin = "prune", Target = "2.0G")]</c>.
    /// The input shape is the other network's unless <see cref="Input"/> is given.
    /// </summary>
    public Type? Like { get; set; }

    /// <summary>
    /// With <see cref="Like"/>: argument values for this network, as named arguments over the reused declaration's
    /// [Arg]s (<c>"depth: 50, groups: 32"</c>); each replaces that argument's default. <see cref="Like"/> may name a
    /// [Block] — a family's body, whose arguments are the family's parameters — so that each member of a family is one
    /// line: <c>[Network(Like = typeof(ResNetFamily), With = "depth: 50", Input = "3x224x224")] public partial class ResNet50;</c>
    /// </summary>
    public string? With { get; set; }

    /// <summary>
    /// Budget for the trainable parameter count: an integer (<c>25_000_000</c>) or text with a K, M, G or T
    /// suffix (<c>"25.6M"</c>). Exceeding it is a compile error (PIX0201) naming the five layers with the most
    /// parameters. Overrides the MSBuild property <c>PiXGenMaxParameters</c> for this network. See docs/costs.md.
    /// </summary>
    public object? MaxParameters { get; set; }

    /// <summary>
    /// Budget for the MACs (Conv2d + Linear multiply-accumulates, bias excluded, batch 1): an integer or text
    /// with a K, M, G or T suffix (<c>"4.1G"</c>). Exceeding it is a compile error (PIX0201) naming the five
    /// costliest layers. Overrides the MSBuild property <c>PiXGenMaxMacs</c> for this network. See docs/costs.md.
    /// </summary>
    public object? MaxMacs { get; set; }
}

/// <summary>
/// Marks a <c>partial</c> class as a reusable, parameterised block (a bottleneck, an inverted residual,
/// a stage...). Its constructor takes the input channel count followed by its <see cref="ArgAttribute"/>
/// fields as named parameters; networks and other blocks instantiate it with <see cref="UseAttribute"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class BlockAttribute : Attribute
{
}

/// <summary>
/// Declares a constructor argument of a network or block. The field must be an <c>int</c> (or
/// <c>bool</c>/<c>double</c>); the generated constructor assigns it. Without a default the argument is
/// required (networks must give every argument a default so they are constructible without arguments).
/// </summary>
[AttributeUsage(AttributeTargets.Field, Inherited = false)]
public sealed class ArgAttribute : Attribute
{
    /// <summary>An argument without a default.</summary>
    public ArgAttribute() { }

    /// <summary>An argument with a default value (an integer, a bool, a double or an expression string).</summary>
    public ArgAttribute(object @default) { Default = @default; }

    /// <summary>The default value, or null when the argument is required.</summary>
    public object? Default { get; }
}

/// <summary>
/// Declares a value derived from the arguments, e.g. <c>[Let("in * expand")] readonly int hidden;</c>.
/// Lets are evaluated in declaration order and can be used in every later expression.
/// </summary>
[AttributeUsage(AttributeTargets.Field, Inherited = false)]
public sealed class LetAttribute : Attribute
{
    /// <summary>Creates a derived value.</summary>
    public LetAttribute(string expression) { Expression = expression; }

    /// <summary>The expression over arguments, earlier lets and <c>in</c>.</summary>
    public string Expression { get; }
}

/// <summary>
/// Makes the class residual: the output of the main path (every layer member not marked
/// <see cref="ShortcutAttribute"/> or <see cref="LayerAttribute.AfterAdd"/>) is added to the shortcut
/// (the <see cref="ShortcutAttribute"/> member, or the identity when there is none or its condition is
/// false); members marked <see cref="LayerAttribute.AfterAdd"/> then apply to the sum. The shapes of
/// both sides are checked at compile time for every instance.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ResidualAttribute : Attribute
{
    /// <summary>Condition for the residual connection (e.g. <c>"stride == 1 &amp;&amp; in == out"</c>); always when null.</summary>
    public string? When { get; set; }
}

/// <summary>Marks the member that computes the shortcut (projection) of a <see cref="ResidualAttribute"/> class.</summary>
[AttributeUsage(AttributeTargets.Field, Inherited = false)]
public sealed class ShortcutAttribute : Attribute
{
    /// <summary>Condition under which the projection exists; otherwise the shortcut is the identity. The field must then be nullable.</summary>
    public string? When { get; set; }
}

/// <summary>
/// Instantiates a <see cref="BlockAttribute"/> class as (part of) a member. On a field of the block's
/// type it creates one instance; on a <c>Sequential</c> field it appends <see cref="Count"/> instances
/// named 0, 1, 2... (continuing the numbering of the field's other items).
/// </summary>
[AttributeUsage(AttributeTargets.Field, AllowMultiple = true, Inherited = false)]
public sealed class UseAttribute : LayerAttribute
{
    /// <summary>Instantiates <paramref name="block"/> with the named arguments in <paramref name="args"/>.</summary>
    /// <param name="block">A class marked <see cref="BlockAttribute"/>.</param>
    /// <param name="args">Named arguments, C# style: <c>"planes: 64, stride: i == 0 ? 2 : 1"</c>.</param>
    public UseAttribute(Type block, string args = "") { Block = block; Args = args; }

    /// <summary>The block type.</summary>
    public Type Block { get; }

    /// <summary>The named arguments.</summary>
    public string Args { get; }

    /// <summary>How many instances (an integer or an expression); 1 by default.</summary>
    public object? Count { get; set; }

    /// <summary>
    /// A name template for each instance, e.g. <c>"denselayer{i + 1}"</c> or <c>"block{stage}-{i}"</c>: text with integer
    /// expressions in braces over the class's arguments and the repeat index <c>i</c>. The instances are then registered
    /// directly in this class under those names (not in a <c>Sequential</c>), and the field is an array of the block
    /// type (<c>readonly DenseLayer[] layers;</c>) that forward applies in order.
    /// </summary>
    public string? Name { get; set; }

    /// <summary>
    /// On a <c>Sequential</c> field: the block's layers join the field's numbered children directly (torchvision's
    /// <c>layers += [conv, nn.ReLU()]</c> in VGG's <c>make_layers</c>), instead of one child per instance. The block must
    /// be a plain chain: one layer attribute per member, no residual, dense connection, branches or hand-written forward.
    /// </summary>
    public bool Inline { get; set; }
}

/// <summary>
/// On a network or block with a hand-written <c>forward</c>: what that forward outputs, so shape inference,
/// parameter counts and costs stay true. <see cref="Channels"/> is an expression over the class's arguments and
/// <c>in</c> (e.g. <c>"in + growth"</c> for a dense layer that concatenates its input with its output);
/// <see cref="Stride"/> divides the input's height and width. The declared layers' parameters are counted as
/// declared; their MACs are computed as if applied in declaration order, which the compiler states with a warning
/// (PIX0017) because a hand-written forward may apply them differently.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class OutputAttribute : Attribute
{
    /// <summary>Output channels (integer or expression over the arguments and <c>in</c>).</summary>
    public OutputAttribute(object channels) { Channels = channels; }

    /// <summary>Output channels.</summary>
    public object Channels { get; }

    /// <summary>Spatial downscale factor of the forward (1 = same height and width).</summary>
    public int Stride { get; set; } = 1;
}
