using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using CsCheck;

namespace PiXGen.Fuzz;

/// <summary>
/// A stream of random choices drawn by CsCheck. The network generator reads its decisions from it, so CsCheck's
/// shrinking (smaller numbers, shorter arrays) shrinks a failing network toward choice 0 — always the simplest
/// option — and toward "stop adding items".
/// </summary>
public sealed class Choices
{
    private readonly uint[] values;
    private int next;
    public Choices(uint[] values) => this.values = values;

    /// <summary>A number in [0, n): 0 once the stream is used up.</summary>
    public int Pick(int n) => next < values.Length ? (int)(values[next++] % (uint)n) : 0;

    /// <summary>True with probability about <paramref name="percent"/> %, false once the stream is used up.</summary>
    public bool Chance(int percent) => Pick(100) >= 100 - percent;

    public T OneOf<T>(params T[] options) => options[Pick(options.Length)];
}

/// <summary>One <c>[Use]</c> of a network member: the block, its argument text for index <c>i</c> (the literal
/// index for the unrolled twin, <c>i</c> itself for the repeated form), and the repeat count (0: no Count).</summary>
public sealed record UseItem(int Block, Func<string, string> Args, int Count);

/// <summary>A network member: its items (layer attribute text or a <see cref="UseItem"/>), its field type and name.</summary>
public sealed record Member(IReadOnlyList<object> Items, string Type, string Name);

/// <summary>
/// One generated case: block declarations, a network with <c>[Use]</c>s, its attributes (substitution, variants)
/// and the MSBuild properties of the variant build. <see cref="Source"/> renders the declaration with
/// <c>Count = n</c> or unrolled (one <c>[Use]</c> per repeat, the index written out).
/// </summary>
public sealed class FuzzCase
{
    public const string Prelude = "using PiXGen;\nusing TorchSharp.Modules;\nnamespace Demo;\n";
    public required IReadOnlyList<string> Blocks { get; init; }
    public required IReadOnlyList<Member> Members { get; init; }
    public required int Channels { get; init; }
    public required int Size { get; init; }
    public required string Attributes { get; init; }
    public required IReadOnlyDictionary<string, string> Properties { get; init; }
    public required string Variant { get; init; }

    /// <summary>Whether some [Use] repeats (so the twin differs from the declaration).</summary>
    public bool Repeats => Members.SelectMany(m => m.Items).OfType<UseItem>().Any(u => u.Count > 0);

    public string Source(bool unrolled)
    {
        var sb = new StringBuilder(Prelude);
        foreach (var b in Blocks) sb.Append('\n').Append(b);
        sb.Append(CultureInfo.InvariantCulture, $"\n[Network(Input = \"{Channels}x{Size}x{Size}\"){Attributes}]\npublic partial class Net\n{{\n");
        sb.Append("    [Arg(4)] readonly int width;\n");
        foreach (var m in Members)
        {
            sb.Append("    ");
            foreach (var item in m.Items)
            {
                if (item is string layer) { sb.Append('[').Append(layer).Append("] "); continue; }
                var use = (UseItem)item;
                if (use.Count == 0) sb.Append(CultureInfo.InvariantCulture, $"[Use(typeof(Block{use.Block}), \"{use.Args("i")}\")] ");
                else if (!unrolled) sb.Append(CultureInfo.InvariantCulture, $"[Use(typeof(Block{use.Block}), \"{use.Args("i")}\", Count = {use.Count})] ");
                else for (int i = 0; i < use.Count; i++) sb.Append(CultureInfo.InvariantCulture, $"[Use(typeof(Block{use.Block}), \"{use.Args(i.ToString(CultureInfo.InvariantCulture))}\")] ");
            }
            sb.Append("readonly ").Append(m.Type).Append(' ').Append(m.Name).Append(";\n");
        }
        sb.Append("}\n");
        return sb.ToString();
    }

    /// <summary>The reproducing declaration: variant build properties as a comment, then the source with Count.</summary>
    public override string ToString()
        => $"// variant: {Variant}{string.Concat(Properties.Select(p => $" -p:{p.Key}={p.Value}"))}\n" + Source(unrolled: false);
}

/// <summary>
/// The CsCheck generator of valid random networks (and a minority of invalid ones): blocks with [Arg]s and
/// [Let]s; plain blocks, residual blocks with a projection shortcut, with a conditional residual and with an
/// unconditional one; conditional items (When); PiX squeeze markers; networks that use the blocks with
/// <c>Count</c> and index expressions, items after a repeated [Use] in the same Sequential, and a pooling head or a
/// convolutional output; network-wide [SubstitutePiX] and every build-time variant.
/// </summary>
public static class NetworkGen
{
    /// <summary>The generator: 200 random choices (CsCheck shrinks them toward 0) turned into a case.</summary>
    public static readonly Gen<FuzzCase> Case = Gen.UInt.Array[200].Select(v => Build(new Choices(v)));

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);

    public static FuzzCase Build(Choices r)
    {
        int blockCount = 1 + r.Pick(3);
        var blocks = new List<string>();
        var hasLet = new bool[blockCount];
        for (int b = 0; b < blockCount; b++) blocks.Add(Block(r, b, out hasLet[b]));

        int channels = 1 + r.Pick(4);
        int size = 8 + 2 * r.Pick(5); // 8, 10, ..., 16
        var members = new List<Member>();
        int n = 0;
        // Stem: a convolution of "width" (network argument), alone or with norm and activation.
        if (r.Chance(50))
            members.Add(new Member(new object[] { $"Conv2d(\"width\", Kernel = 3, Padding = 1{(r.Chance(30) ? ", Stride = 2" : "")})" }, "Conv2d", "stem"));
        else
            members.Add(new Member(new object[] { "Conv2d(\"width\", Kernel = 3, Padding = 1, Bias = false)", "BatchNorm2d", Activation(r) }, "Sequential", "stem"));
        int stages = 1 + r.Pick(3);
        for (int s = 0; s < stages; s++)
        {
            var items = new List<object>();
            if (r.Chance(15)) items.Add(Activation(r));
            int uses = 1 + r.Pick(2);
            for (int u = 0; u < uses; u++) items.Add(Use(r, r.Pick(blockCount)));
            // Items after a repeated [Use] in the same Sequential: the shape that once miscompiled.
            if (r.Chance(30)) items.Add(Activation(r));
            if (r.Chance(15)) items.Add($"Conv2d({I(2 + 2 * r.Pick(4))}, Kernel = 1)");
            if (r.Chance(10)) items.Add(When(Activation(r), "width > 2"));
            bool conditional = items.OfType<string>().Any(t => t.Contains("When", StringComparison.Ordinal));
            members.Add(new Member(items, conditional && items.Count == 1 ? "Sequential?" : "Sequential", "stage" + I(s + 1)));
        }
        if (r.Chance(20)) members.Add(new Member(new object[] { "ReLU(When = \"width != 4\")" }, "ReLU?", "maybe" + I(n++)));
        switch (r.Pick(4))
        {
            case 0: break; // convolutional output C×H×W
            case 1:
                members.Add(new Member(new object[] { "AdaptiveAvgPool2d(1)" }, "AdaptiveAvgPool2d", "pool"));
                members.Add(new Member(new object[] { "Flatten" }, "Flatten", "flatten"));
                members.Add(new Member(new object[] { $"Linear({I(1 + r.Pick(10))})" }, "Linear", "fc"));
                break;
            case 2:
                members.Add(new Member(new object[] { "AdaptiveAvgPool2d(2)", "Flatten", "Dropout(0.2)", $"Linear({I(1 + r.Pick(6))})" }, "Sequential", "head"));
                break;
            default:
                members.Add(new Member(new object[] { r.OneOf("MaxPool2d(2)", "AvgPool2d(2)", "MaxPool2d(3, Stride = 1, Padding = 1)") }, "Sequential", "pool"));
                members.Add(new Member(new object[] { "Flatten" }, "Flatten", "flatten"));
                members.Add(new Member(new object[] { $"Linear({I(1 + r.Pick(10))})" }, "Linear", "fc"));
                break;
        }

        string attributes = "", variant = "dense";
        var properties = new Dictionary<string, string>();
        switch (r.Pick(7))
        {
            case 0: case 1: break;
            case 2: attributes = ", SubstitutePiX"; variant = "substitute"; break;
            case 3: attributes = ", Variants"; variant = "pix"; properties["PiXGenVariant"] = "pix"; break;
            case 4:
                attributes = ", Variants"; variant = "downscale"; properties["PiXGenVariant"] = "downscale";
                properties["PiXGenZeta"] = r.OneOf("2", "2", "4"); break;
            case 5:
                attributes = ", Variants"; variant = "prune"; properties["PiXGenVariant"] = "prune";
                properties["PiXGenTarget"] = r.OneOf("0.9", "0.8", "0.95"); break;
            default: attributes = ", Variants"; variant = "dense (Variants)"; break;
        }
        return new FuzzCase { Blocks = blocks, Members = members, Channels = channels, Size = size, Attributes = attributes, Properties = properties, Variant = variant };
    }

    /// <summary>A layer attribute made conditional: <c>ReLU</c> → <c>ReLU(When = "c")</c>, <c>MaxPool2d(3)</c> → <c>MaxPool2d(3, When = "c")</c>.</summary>
    private static string When(string layer, string condition)
        => layer.EndsWith(')') ? $"{layer[..^1]}, When = \"{condition}\")" : $"{layer}(When = \"{condition}\")";

    private static string Activation(Choices r) => r.OneOf("ReLU", "ReLU", "ReLU6", "SiLU", "Hardswish", "Sigmoid", "Identity", "MaxPool2d(3, Stride = 1, Padding = 1)");

    /// <summary>A [Use] of block <paramref name="b"/>: planes and stride as literals or index expressions, maybe repeated.</summary>
    private static UseItem Use(Choices r, int b)
    {
        int p = 2 + 2 * r.Pick(4), d = 2 * r.Pick(3);
        int kind = r.Pick(4), strideKind = r.Pick(4);
        Func<string, string> planes = kind switch
        {
            0 => _ => I(p),
            1 => i => $"{I(p)} + {i} * {I(d)}",
            2 => i => $"{i} == 0 ? {I(p)} : {I(p + d)}",
            _ => i => $"max({I(p)}, {i} * 2)",
        };
        Func<string, string> stride = strideKind switch
        {
            0 => _ => "",
            1 => i => $", stride: {i} == 0 ? 2 : 1",
            2 => _ => ", stride: 2",
            _ => i => $", stride: 1 + {i} % 2",
        };
        int count = r.Chance(60) ? 1 + r.Pick(3) : 0;
        return new UseItem(b, i => "planes: " + planes(i) + stride(i), count);
    }

    /// <summary>One block class: arguments planes and stride, maybe a [Let]; plain or one of three residual forms.</summary>
    private static string Block(Choices r, int index, out bool hasLet)
    {
        // 0-2: plain; 3-5: residual + projection; 6-7: conditional residual; 8: unconditional residual (valid only where
        // the block keeps its input shape, so often an error: the invalid minority).
        int form = r.Pick(9) switch { < 3 => 0, < 6 => 2, < 8 => 3, _ => 4 };
        hasLet = r.Chance(60);
        int factor = r.OneOf(2, 4);
        var sb = new StringBuilder();
        sb.Append(form switch
        {
            2 => "[Block, Residual]",
            3 => "[Block, Residual(When = \"stride == 1 && in == planes\")]",
            4 => "[Block, Residual]",
            _ => "[Block]",
        });
        sb.Append(CultureInfo.InvariantCulture, $"\npublic partial class Block{index}\n{{\n    [Arg] readonly int planes;\n    [Arg(1)] readonly int stride;\n");
        if (hasLet) sb.Append(CultureInfo.InvariantCulture, $"    [Let(\"planes * {factor}\")] readonly int hidden;\n");
        int f = 0;
        string F() => "f" + I(f++);
        // Main path: a first (strided) convolution, optional extras, and an end at "planes" channels.
        string current;
        string first = hasLet && r.Chance(50) ? "hidden" : "planes";
        int k = r.OneOf(1, 3, 3);
        string pad = k == 1 ? "" : r.OneOf(", Padding = 1", ", Padding = \"(3 - 1) / 2\"");
        // A plain block may ignore its stride; a residual one with a shortcut must apply it on the main path too.
        string stride = form == 4 ? "" : form >= 2 || r.Chance(70) ? ", Stride = \"stride\"" : "";
        if (r.Chance(50))
            sb.Append(CultureInfo.InvariantCulture, $"    [Conv2d(\"{first}\", Kernel = {I(k)}{stride}{pad}, Bias = false)] [BatchNorm2d] [{Activation(r)}] readonly Sequential {F()};\n");
        else
        {
            sb.Append(CultureInfo.InvariantCulture, $"    [Conv2d(\"{first}\", Kernel = {I(k)}{stride}{pad}{(r.Chance(30) ? ", Bias = false" : "")})] readonly Conv2d {F()};\n");
            if (r.Chance(60)) sb.Append(CultureInfo.InvariantCulture, $"    [BatchNorm2d] readonly BatchNorm2d {F()};\n");
            sb.Append(CultureInfo.InvariantCulture, $"    [{Activation(r)}] readonly Sequential {F()};\n");
        }
        current = first;
        int extras = r.Pick(3);
        for (int e = 0; e < extras; e++)
        {
            switch (r.Pick(5))
            {
                case 0: // conditional item
                    sb.Append(CultureInfo.InvariantCulture, $"    [{r.OneOf("ReLU", "Hardswish", "Identity")}(When = \"{r.OneOf("stride == 1", "planes > 4", "planes % 4 == 0")}\")] readonly {r.OneOf("ReLU?", "Sequential?")} {F()};\n");
                    break;
                case 1: // a 3x3 convolution keeping the channels, maybe grouped
                    sb.Append(CultureInfo.InvariantCulture, $"    [Conv2d(\"{current}\", Kernel = 3, Padding = 1{(r.Chance(40) ? $", Groups = \"{current}\"" : "")}, Bias = false)] [BatchNorm2d] readonly Sequential {F()};\n");
                    break;
                case 2:
                    sb.Append(CultureInfo.InvariantCulture, $"    [{Activation(r)}] readonly Sequential {F()};\n");
                    break;
                case 3: // squeeze-and-excitation
                    if (current == "hidden") sb.Append(CultureInfo.InvariantCulture, $"    [SqueezeExcitation(Squeeze = 2)] readonly PiXGen.Layers.SqueezeExcitation {F()};\n");
                    break;
                default: // expand then come back
                    if (hasLet && current == "planes")
                    {
                        sb.Append(CultureInfo.InvariantCulture, $"    [Conv2d(\"hidden\", Kernel = 1, Bias = false)] [BatchNorm2d] [ReLU] readonly Sequential {F()};\n");
                        current = "hidden";
                    }
                    break;
            }
        }
        if (current == "hidden")
        {
            // Squeeze back to planes: a PiX marker (with nullable norm and activation it replaces), or a dense 1x1.
            if (r.Chance(40))
            {
                sb.Append(CultureInfo.InvariantCulture, $"    [Conv2d(\"planes\", Kernel = 1, Bias = false), PiXSqueeze] readonly PiXGen.PiX.PiXLayer {F()};\n");
                sb.Append(CultureInfo.InvariantCulture, $"    [BatchNorm2d] readonly BatchNorm2d? {F()};\n");
                if (r.Chance(50)) sb.Append(CultureInfo.InvariantCulture, $"    [ReLU] readonly ReLU? {F()};\n");
            }
            else
                sb.Append(CultureInfo.InvariantCulture, $"    [Conv2d(\"planes\", Kernel = 1, Bias = false)] [BatchNorm2d] readonly Sequential {F()};\n");
        }
        else if (form >= 2 && r.Chance(50))
            sb.Append(CultureInfo.InvariantCulture, $"    [Conv2d(\"planes\", Kernel = 3, Padding = 1, Bias = false)] [BatchNorm2d] readonly Sequential {F()};\n");
        if (form == 2)
            sb.Append(CultureInfo.InvariantCulture, $"    [Shortcut(When = \"stride != 1 || in != planes\")] [Conv2d(\"planes\", Kernel = 1, Stride = \"stride\", Bias = false)] [BatchNorm2d] readonly Sequential? {F()};\n");
        if (form >= 2 && r.Chance(50))
            sb.Append(CultureInfo.InvariantCulture, $"    [ReLU(AfterAdd = true)] readonly ReLU {F()};\n");
        sb.Append("}\n");
        return sb.ToString();
    }
}
