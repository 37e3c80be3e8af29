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
/// index for the unrolled twin, <c>i</c> itself for the repeated form), and the repeat count (0: no Count);
/// <paramref name="CountText"/>, when given, is the repeated form's Count expression (<c>len(p0)</c> over a list);
/// <paramref name="Planes"/> and <paramref name="Stride"/> are the two parts of <paramref name="Args"/> (null where the
/// case was written by hand).</summary>
public sealed record UseItem(int Block, Func<string, string> Args, int Count, string? CountText = null,
    Func<string, string>? Planes = null, Func<string, string>? Stride = null);

/// <summary>
/// A <c>[Use(Inline = true)]</c> over a list (VGG's <c>make_layers</c>): chain block <paramref name="Block"/> (a
/// <see cref="NetworkGen.ChainBlock"/>) once per value of list <paramref name="List"/>, its layers numbered as the
/// Sequential's own children; the twin writes the layers of every value out in the field itself.
/// </summary>
public sealed record InlineItem(string Block, string List, int[] Values, bool Norm)
{
    /// <summary>The layers one value contributes, as the chain block's conditions select them.</summary>
    public IEnumerable<string> LayersOf(int v) => v > 0
        ? new[] { FormattableString.Invariant($"Conv2d({v}, Kernel = 3, Padding = 1)") }.Concat(Norm ? new[] { "BatchNorm2d" } : Array.Empty<string>()).Append("ReLU")
        : new[] { "MaxPool2d(3, Stride = 1, Padding = 1)" };
}

/// <summary>
/// A network member: its items (layer attribute text or a <see cref="UseItem"/>), its field type and name. A
/// <paramref name="Named"/> member is one repeated [Use] whose instances are named <c>{Name}_{i}</c> (a named repeat,
/// an array field of <paramref name="Type"/>); its twin declares one field of that type per instance.
/// </summary>
public sealed record Member(IReadOnlyList<object> Items, string Type, string Name, bool Named = false);

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
    /// <summary>The <see cref="Feature"/>s of parallel branches, [Dense] and shuffles the network runs.</summary>
    public IReadOnlySet<string> Features { get; init; } = new HashSet<string>();

    /// <summary>
    /// The network's <c>width</c> when the case declares the network as a family member (<c>[Network(Like =
    /// typeof(NetBody), With = "width: W")]</c> on an empty class, the body a [Block] whose <c>width</c> defaults to 4),
    /// null for a plain [Network]. Its twin is the plain network with <c>[Arg(W)] width</c>.
    /// </summary>
    public string? FamilyWidth { get; init; }
    /// <summary>List lets of the network (<c>[Let("[a, b]")] readonly int[] name;</c>) that repeated [Use]s iterate.</summary>
    public IReadOnlyList<(string Name, int[] Values)> Lists { get; init; } = Array.Empty<(string, int[])>();

    /// <summary>Whether some [Use] repeats (so the twin differs from the declaration).</summary>
    public bool Repeats => Members.SelectMany(m => m.Items).OfType<UseItem>().Any(u => u.Count > 0);

    /// <summary>
    /// Whether the twin spells the network differently from the declaration, beyond unrolling (a named repeat's
    /// separate fields, a family's plain network, a list's values written out where the declaration loops over the
    /// list, an inlined chain's layers, which also iterate a list): the generated network code then differs in form,
    /// and the twin is held to the same validity, state_dict, costs, graph and outputs instead of the same text.
    /// </summary>
    public bool Respelled => FamilyWidth is not null || Members.Any(m => m.Named) || Lists.Count > 0;

    /// <summary>Whether the twin differs from the declaration at all.</summary>
    public bool HasTwin => Repeats || Respelled;

    public string Source(bool unrolled)
    {
        var sb = new StringBuilder(Prelude);
        foreach (var b in Blocks) sb.Append('\n').Append(b);
        string input = FormattableString.Invariant($"Input = \"{Channels}x{Size}x{Size}\"");
        bool family = FamilyWidth is not null && !unrolled;
        sb.Append(family ? "\n[Block]\npublic partial class NetBody\n{\n" : $"\n[Network({input}){Attributes}]\npublic partial class Net\n{{\n");
        sb.Append("    [Arg(").Append(unrolled && FamilyWidth is not null ? FamilyWidth : "4").Append(")] readonly int width;\n");
        foreach (var (name, values) in Lists)
            sb.Append("    [Let(\"[").Append(string.Join(", ", values.Select(v => v.ToString(CultureInfo.InvariantCulture)))).Append("]\")] readonly int[] ").Append(name).Append(";\n");
        foreach (var m in Members)
        {
            if (m.Named)
            {
                var named = (UseItem)m.Items.Single();
                string element = m.Type[..^2];
                if (!unrolled)
                    sb.Append(CultureInfo.InvariantCulture, $"    [Use(typeof(Block{named.Block}), \"{named.Args("i")}\", Count = {CountOf(named)}, Name = \"{m.Name}_{{i}}\")] readonly {m.Type} {m.Name};\n");
                else
                    for (int i = 0; i < named.Count; i++)
                        sb.Append(CultureInfo.InvariantCulture, $"    [Use(typeof(Block{named.Block}), \"{named.Args(i.ToString(CultureInfo.InvariantCulture))}\")] readonly {element} {m.Name}_{i};\n");
                continue;
            }
            sb.Append("    ");
            foreach (var item in m.Items)
            {
                if (item is string layer) { sb.Append('[').Append(layer).Append("] "); continue; }
                if (item is InlineItem inline)
                {
                    if (!unrolled)
                        sb.Append(CultureInfo.InvariantCulture, $"[Use(typeof({inline.Block}), \"v: {inline.List}[i], norm: {(inline.Norm ? "true" : "false")}\", Count = \"len({inline.List})\", Inline = true)] ");
                    else
                        foreach (var l in inline.Values.SelectMany(inline.LayersOf)) sb.Append('[').Append(l).Append("] ");
                    continue;
                }
                var use = (UseItem)item;
                if (use.Count == 0) sb.Append(CultureInfo.InvariantCulture, $"[Use(typeof(Block{use.Block}), \"{use.Args("i")}\")] ");
                else if (!unrolled) sb.Append(CultureInfo.InvariantCulture, $"[Use(typeof(Block{use.Block}), \"{use.Args("i")}\", Count = {CountOf(use)})] ");
                else for (int i = 0; i < use.Count; i++) sb.Append(CultureInfo.InvariantCulture, $"[Use(typeof(Block{use.Block}), \"{use.Args(i.ToString(CultureInfo.InvariantCulture))}\")] ");
            }
            sb.Append("readonly ").Append(m.Type).Append(' ').Append(m.Name).Append(";\n");
        }
        sb.Append("}\n");
        if (family)
            sb.Append(CultureInfo.InvariantCulture, $"\n[Network(Like = typeof(NetBody), With = \"width: {FamilyWidth}\", {input}){Attributes}]\npublic partial class Net {{ }}\n");
        return sb.ToString();
    }

    private static string CountOf(UseItem use)
        => use.CountText is null ? use.Count.ToString(CultureInfo.InvariantCulture) : $"\"{use.CountText}\"";

    /// <summary>The reproducing declaration: variant build properties as a comment, then the source with Count.</summary>
    public override string ToString()
        => $"// variant: {Variant}{string.Concat(Properties.Select(p => $" -p:{p.Key}={p.Value}"))}\n" + Source(unrolled: false);
}

/// <summary>The dataflow constructs a case may hold (counted per run, required in the CI sample).</summary>
public static class Feature
{
    public const string Concat = "branches merged by concat";
    public const string Add = "branches merged by add";
    public const string Split = "branches with Split";
    public const string Dense = "[Dense] block";
    public const string Shuffle = "ChannelShuffle";
    public const string RepeatedBlock = "block with branches/[Dense] in a repeated [Use]";
    public const string CountInBranch = "repeated [Use] on a network branch";
    public const string UseInBranch = "block [Use] on a block's branch";
    public const string PiXInBranch = "PiXSqueeze on a branch";
    public const string NestedBranch = "nested branch group";
    public const string ChannelsLast = "channels-last layers (Permute, LayerNorm, Linear, LayerScale)";
    public const string NamedRepeat = "named repeat (Name = \"..{i}\", an array field)";
    public const string ListLoop = "repeated [Use] over a list (Count = \"len(p)\", p[i])";
    public const string Family = "family member (Like = typeof(body), With)";
    public const string Inline = "inlined [Use] over a list (Inline = true)";
    public static readonly string[] All = { Concat, Add, Split, Dense, Shuffle, RepeatedBlock, CountInBranch, UseInBranch, PiXInBranch, NestedBranch, ChannelsLast, NamedRepeat, ListLoop, Family, Inline };
    /// <summary>The constructs that make a network more than a chain of layers.</summary>
    public static readonly string[] Parallel = { Concat, Add, Split, Dense };
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
    /// <summary>The generator: 400 random choices (CsCheck shrinks them toward 0) turned into a case.</summary>
    public static readonly Gen<FuzzCase> Case = Gen.UInt.Array[400].Select(v => Build(new Choices(v)));

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);

    public static FuzzCase Build(Choices r)
    {
        int blockCount = 1 + r.Pick(3);
        var blocks = new List<string>();
        var infos = new List<BlockInfo>();
        for (int b = 0; b < blockCount; b++)
        {
            blocks.Add(Block(r, b, infos, out var info));
            infos.Add(info);
        }

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
        var features = new HashSet<string>(StringComparer.Ordinal);
        for (int s = 0; s < stages; s++)
        {
            // A branch stage, unless the previous member is a branch too (consecutive [Branch] members form one group).
            if (r.Chance(15) && !(members[^1].Items[0] is string last && last.StartsWith("Branch(", StringComparison.Ordinal)))
            {
                members.AddRange(BranchStage(r, s, blockCount, features));
                continue;
            }
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
        // The constructs of the blocks the network uses (blocks it does not use are compiled, never run).
        foreach (var use in members.SelectMany(m => m.Items).OfType<UseItem>())
        {
            var used = infos[use.Block].Features;
            features.UnionWith(used);
            if (use.Count > 0 && used.Overlaps(Feature.Parallel)) features.Add(Feature.RepeatedBlock);
        }
        if (members.SelectMany(m => m.Items).OfType<string>().Any(t => t.StartsWith("ChannelShuffle", StringComparison.Ordinal))) features.Add(Feature.Shuffle);
        // The language of families, named repeats and lists, drawn last so that the choices before keep their meaning.
        var lists = new List<(string, int[])>();
        bool typed = variant.StartsWith("dense", StringComparison.Ordinal); // no PiX rewrite: fields keep the block's type
        for (int m = 0; m < members.Count; m++)
        {
            var member = members[m];
            if (member.Items[0] is string first && first.StartsWith("Branch(", StringComparison.Ordinal)) continue;
            var items = member.Items.Select(item => item is UseItem { Count: > 0, Planes: not null } use && r.Chance(35) ? OverList(r, use, lists) : item).ToList();
            if (items.Count == 1 && items[0] is UseItem { Count: > 0 } only && member.Type == "Sequential" && r.Chance(40))
                members[m] = new Member(items, (typed ? $"Block{I(only.Block)}" : "TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>") + "[]", member.Name, Named: true);
            else
                members[m] = member with { Items = items };
        }
        // A family's body is a [Block], which does not know its input's size: a Flatten before Linear needs an adaptive
        // pool there (PIX0107, docs/language.md), so only networks whose head pools adaptively (or has no Linear) qualify.
        bool fixedHead = !members.Any(x => x.Items.OfType<string>().Any(t => t == "Flatten"))
            || members.Any(x => x.Items.OfType<string>().Any(t => t.StartsWith("AdaptiveAvgPool2d", StringComparison.Ordinal)));
        string? familyWidth = r.Chance(20) && fixedHead ? r.OneOf("4", "4", "2", "6") : null;
        // A chain of single layers inlined over a list, right after the stem (VGG's make_layers): the list's values
        // are even channels, or 0 for a pool that keeps the size.
        if (r.Chance(25))
        {
            string chain = "Chain" + I(blocks.Count), list = "c" + I(lists.Count);
            blocks.Add(ChainBlock.Replace("class Chain", "class " + chain, StringComparison.Ordinal));
            var values = Enumerable.Range(0, 1 + r.Pick(4)).Select(_ => r.Chance(25) ? 0 : 2 + 2 * r.Pick(4)).ToArray();
            lists.Add((list, values));
            members.Insert(1, new Member(new object[] { new InlineItem(chain, list, values, r.Chance(50)) }, "Sequential", "chain"));
            features.Add(Feature.Inline);
        }
        if (members.SelectMany(x => x.Items).OfType<UseItem>().Any(u => u.CountText is not null)) features.Add(Feature.ListLoop);
        if (members.Any(x => x.Named)) features.Add(Feature.NamedRepeat);
        if (familyWidth is not null) features.Add(Feature.Family);
        return new FuzzCase
        {
            Blocks = blocks, Members = members, Channels = channels, Size = size, Attributes = attributes, Properties = properties, Variant = variant,
            Features = features, Lists = lists, FamilyWidth = familyWidth,
        };
    }

    /// <summary>
    /// The chain block an <see cref="InlineItem"/> inlines (torchvision VGG's configuration entry): <c>v</c> channels of
    /// 3×3 convolution, BatchNorm when <c>norm</c>, ReLU; or, for <c>v</c> = 0, a max pool that keeps the size.
    /// </summary>
    public const string ChainBlock = """
        [Block]
        public partial class Chain
        {
            [Arg] readonly int v;
            [Arg(false)] readonly bool norm;
            [Conv2d("v", Kernel = 3, Padding = 1, When = "v > 0")] readonly Conv2d? conv;
            [BatchNorm2d(When = "v > 0 && norm")] readonly BatchNorm2d? bn;
            [ReLU(When = "v > 0")] readonly ReLU? relu;
            [MaxPool2d(3, Stride = 1, Padding = 1, When = "v == 0")] readonly MaxPool2d? pool;
        }
        """;

    /// <summary>
    /// <paramref name="use"/> over a new list let of the network: its planes drawn per instance into the list, Count
    /// its length and the planes <c>p[i]</c> (the unrolled twin writes each value); the stride stays as it was.
    /// </summary>
    private static UseItem OverList(Choices r, UseItem use, List<(string, int[])> lists)
    {
        string name = "p" + I(lists.Count);
        var values = Enumerable.Range(0, use.Count).Select(_ => 2 + 2 * r.Pick(4)).ToArray();
        lists.Add((name, values));
        var stride = use.Stride ?? (_ => "");
        Func<string, string> planes = i => i == "i" ? $"{name}[i]" : I(values[int.Parse(i, CultureInfo.InvariantCulture)]);
        return use with { Args = i => "planes: " + planes(i) + stride(i), CountText = $"len({name})", Planes = planes };
    }

    /// <summary>A layer attribute made conditional: <c>ReLU</c> → <c>ReLU(When = "c")</c>, <c>MaxPool2d(3)</c> → <c>MaxPool2d(3, When = "c")</c>.</summary>
    private static string When(string layer, string condition)
        => layer.EndsWith(')') ? $"{layer[..^1]}, When = \"{condition}\")" : $"{layer}(When = \"{condition}\")";

    private static string Activation(Choices r) => r.OneOf("ReLU", "ReLU", "ReLU6", "SiLU", "Hardswish", "Sigmoid", "Identity", "MaxPool2d(3, Stride = 1, Padding = 1)");

    /// <summary>
    /// A parallel group of the network (its input has an even number of channels: the stem gives <c>width</c> = 4 and
    /// every block and layer an even number): two or three branches, each a [Use] of a block (maybe repeated, with
    /// index expressions; no stride, so heights and widths agree) or layers, merged by concat or add (each branch
    /// ending at the same literal channels), with or without Split; a shuffle after an add.
    /// </summary>
    private static IEnumerable<Member> BranchStage(Choices r, int s, int blockCount, HashSet<string> features)
    {
        int kind = r.Pick(4); // 0: concat, 1: add, 2: split + concat, 3: split + add
        bool add = kind is 1 or 3, split = kind >= 2;
        features.Add(add ? Feature.Add : Feature.Concat);
        if (split) features.Add(Feature.Split);
        int n = split ? 2 : 2 + r.Pick(2);
        string p = I(2 + 2 * r.Pick(4));
        for (int k = 0; k < n; k++)
        {
            string name = FormattableString.Invariant($"s{s + 1}{(char)('a' + k)}");
            var items = new List<object> { $"Branch(\"{name}\"{(add ? ", Merge = \"add\"" : "")}{(split ? ", Split = true" : "")})" };
            if (!add && k == 0 && r.Chance(40))
            {
                items.Add("Identity");
                yield return new Member(items, "Identity", "stage" + I(s + 1) + "_" + name);
                continue;
            }
            if (r.Chance(65))
            {
                var use = Use(r, r.Pick(blockCount), strided: false);
                if (use.Count > 0) features.Add(Feature.CountInBranch);
                items.Add(use);
                if (add) items.Add($"Conv2d({p}, Kernel = 1)");
            }
            else if (add)
                items.AddRange(new object[] { $"Conv2d({p}, Kernel = 3, Padding = 1, Bias = false)", "BatchNorm2d" });
            else if (r.Chance(50))
                items.Add($"Conv2d({I(2 + 2 * r.Pick(4))}, Kernel = 1)");
            else
                items.AddRange(new object[] { "MaxPool2d(3, Stride = 1, Padding = 1)", $"Conv2d({I(2 + 2 * r.Pick(4))}, Kernel = 1)" });
            yield return new Member(items, "Sequential", "stage" + I(s + 1) + "_" + name);
        }
        if (add && r.Chance(50))
            yield return new Member(new object[] { "ChannelShuffle(2)" }, "ChannelShuffle", "stage" + I(s + 1) + "_shuffle");
    }

    /// <summary>A [Use] of block <paramref name="b"/>: planes and stride as literals or index expressions, maybe repeated.</summary>
    private static UseItem Use(Choices r, int b, bool strided = true)
    {
        int p = 2 + 2 * r.Pick(4), d = 2 * r.Pick(3);
        int kind = r.Pick(4), strideKind = strided ? r.Pick(4) : 0;
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
        return new UseItem(b, i => "planes: " + planes(i) + stride(i), count, Planes: planes, Stride: stride);
    }

    /// <summary>What the rest of the case needs to know of a generated block.</summary>
    /// <param name="OutIsPlanes">Its output has <c>planes</c> channels (not a [Dense] block, not a channel-keeping shuffle unit).</param>
    /// <param name="Strided">Its main path applies the <c>stride</c> argument.</param>
    /// <param name="NeedsSameIn">An unconditional residual without projection: valid only where <c>in == planes</c>.</param>
    /// <param name="Features">The <see cref="Feature"/>s its declaration holds (with those of the blocks it uses).</param>
    private sealed record BlockInfo(bool OutIsPlanes, bool Strided, bool NeedsSameIn, IReadOnlySet<string> Features);

    /// <summary>A block's member lines and the features they hold.</summary>
    private sealed class BlockText
    {
        private readonly StringBuilder sb = new();
        private int fields;
        public int Groups;
        public readonly HashSet<string> Features = new(StringComparer.Ordinal);
        /// <summary>Whether the last member is on a branch (a group right after it would join its group).</summary>
        public bool EndsWithBranch { get; private set; }
        public void Line(string text) => sb.Append(text);
        /// <summary>A member: its attributes, then <c>readonly type fN;</c>.</summary>
        public void Member(string attributes, string type)
        {
            if (attributes.Contains("ChannelShuffle", StringComparison.Ordinal)) Features.Add(Feature.Shuffle);
            EndsWithBranch = attributes.StartsWith("[Branch(", StringComparison.Ordinal);
            sb.Append("    ").Append(attributes).Append(" readonly ").Append(type).Append(" f").Append(I(fields++)).Append(";\n");
        }
        public override string ToString() => sb.ToString();
    }

    /// <summary>
    /// One block class: arguments planes and stride, maybe a [Let]; plain, one of three residual forms, or [Dense]; a main
    /// path that is a sequence (maybe holding a parallel group), Inception-like branches from the input, or a
    /// ShuffleNetV2 unit (split, shuffle).
    /// </summary>
    private static string Block(Choices r, int index, IReadOnlyList<BlockInfo> earlier, out BlockInfo info)
    {
        // 0: plain; 2: residual + projection; 3: conditional residual; 4: unconditional residual (valid only where the
        // block keeps its input shape, so often an error: the invalid minority); 5: [Dense] (no stride: the input and the
        // members' output are concatenated, so heights and widths must agree).
        int form = r.Pick(12) switch { < 3 => 0, < 6 => 2, < 8 => 3, 8 => 4, 9 => 0, _ => 5 };
        bool residual = form is 2 or 3 or 4;
        // 0: a sequence of layers; 1: parallel branches from the input (Inception); 2: a ShuffleNetV2 unit.
        int path = r.Pick(20) switch { < 14 => 0, < 17 => 1, _ => 2 };
        if (path == 2 && residual) path = 1;
        bool hasLet = r.Chance(60);
        int factor = r.OneOf(2, 4);
        var b = new BlockText();
        if (form == 5) b.Features.Add(Feature.Dense);
        b.Line(form switch
        {
            2 => "[Block, Residual]",
            3 => "[Block, Residual(When = \"stride == 1 && in == planes\")]",
            4 => "[Block, Residual]",
            5 => "[Block, Dense]",
            _ => "[Block]",
        });
        b.Line(FormattableString.Invariant($"\npublic partial class Block{index}\n{{\n    [Arg] readonly int planes;\n    [Arg(1)] readonly int stride;\n"));
        if (hasLet) b.Line(FormattableString.Invariant($"    [Let(\"planes * {factor}\")] readonly int hidden;\n"));
        // A plain block may ignore its stride; a residual one with a shortcut must apply it on the main path too.
        bool strided = form is not (4 or 5) && (residual || r.Chance(70));
        string stride = strided ? ", Stride = \"stride\"" : "";
        bool outIsPlanes = form != 5;
        string current = "planes";
        if (path == 0)
            current = Sequence(r, b, stride, hasLet, earlier);
        else if (path == 1)
            Inception(r, b, strided, hasLet, earlier);
        else if (!strided || r.Chance(50))
        {
            // ShuffleNetV2 at stride 1: half the channels pass, the other half is transformed; out = in channels.
            strided = false;
            b.Line("    [Let(\"in / 2\")] readonly int half;\n");
            b.Features.UnionWith(new[] { Feature.Split, Feature.Concat });
            if (r.Chance(60)) b.Member("[Branch(\"x1\", Split = true)] [Identity]", "Identity");
            else b.Member("[Branch(\"x1\", Split = true)] [Conv2d(\"half\", Kernel = 1, Bias = false)] [BatchNorm2d] [ReLU]", "Sequential");
            b.Member("[Branch(\"x2\", Split = true)] [Conv2d(\"half\", Kernel = 1, Bias = false)] [BatchNorm2d] [ReLU] [Conv2d(\"half\", Kernel = 3, Padding = 1, Groups = \"half\", Bias = false)] [BatchNorm2d] [Conv2d(\"half\", Kernel = 1, Bias = false)] [BatchNorm2d] [ReLU]", "Sequential");
            b.Member("[ChannelShuffle(2)]", "ChannelShuffle");
            outIsPlanes = false;
        }
        else
        {
            // ShuffleNetV2 at stride 2: both branches read the whole input; out = 2 * (planes / 2) = planes (planes is even).
            b.Line("    [Let(\"planes / 2\")] readonly int half;\n");
            b.Features.Add(Feature.Concat);
            b.Member($"[Branch(\"b1\")] [Conv2d(\"in\", Kernel = 3{stride}, Padding = 1, Groups = \"in\", Bias = false)] [BatchNorm2d] [Conv2d(\"half\", Kernel = 1, Bias = false)] [BatchNorm2d] [ReLU]", "Sequential");
            b.Member($"[Branch(\"b2\")] [Conv2d(\"half\", Kernel = 1, Bias = false)] [BatchNorm2d] [ReLU] [Conv2d(\"half\", Kernel = 3{stride}, Padding = 1, Groups = \"half\", Bias = false)] [BatchNorm2d] [Conv2d(\"half\", Kernel = 1, Bias = false)] [BatchNorm2d] [ReLU]", "Sequential");
            b.Member("[ChannelShuffle(2)]", "ChannelShuffle");
        }
        if (current == "hidden")
        {
            // Squeeze back to planes: a PiX marker (with nullable norm and activation it replaces), or a dense 1x1.
            if (r.Chance(40))
            {
                b.Member("[Conv2d(\"planes\", Kernel = 1, Bias = false), PiXSqueeze]", "PiXGen.PiX.PiXLayer");
                b.Member("[BatchNorm2d]", "BatchNorm2d?");
                if (r.Chance(50)) b.Member("[ReLU]", "ReLU?");
            }
            else
                b.Member("[Conv2d(\"planes\", Kernel = 1, Bias = false)] [BatchNorm2d]", "Sequential");
        }
        else if (residual && r.Chance(50))
            b.Member("[Conv2d(\"planes\", Kernel = 3, Padding = 1, Bias = false)] [BatchNorm2d]", "Sequential");
        if (form == 2)
            b.Member("[Shortcut(When = \"stride != 1 || in != planes\")] [Conv2d(\"planes\", Kernel = 1, Stride = \"stride\", Bias = false)] [BatchNorm2d]", "Sequential?");
        if (residual && r.Chance(50))
            b.Member("[ReLU(AfterAdd = true)]", "ReLU");
        b.Line("}\n");
        info = new BlockInfo(outIsPlanes, strided, form == 4, b.Features);
        return b.ToString();
    }

    /// <summary>A main path of layers: a first (strided) convolution, extras, maybe an expansion to hidden; returns
    /// the channels it ends at (<c>planes</c> or <c>hidden</c>).</summary>
    private static string Sequence(Choices r, BlockText b, string stride, bool hasLet, IReadOnlyList<BlockInfo> earlier)
    {
        string first = hasLet && r.Chance(50) ? "hidden" : "planes";
        int k = r.OneOf(1, 3, 3);
        string pad = k == 1 ? "" : r.OneOf(", Padding = 1", ", Padding = \"(3 - 1) / 2\"");
        if (r.Chance(50))
            b.Member($"[Conv2d(\"{first}\", Kernel = {I(k)}{stride}{pad}, Bias = false)] [BatchNorm2d] [{Activation(r)}]", "Sequential");
        else
        {
            b.Member($"[Conv2d(\"{first}\", Kernel = {I(k)}{stride}{pad}{(r.Chance(30) ? ", Bias = false" : "")})]", "Conv2d");
            if (r.Chance(60)) b.Member("[BatchNorm2d]", "BatchNorm2d");
            b.Member($"[{Activation(r)}]", "Sequential");
        }
        string current = first;
        int extras = r.Pick(3);
        for (int e = 0; e < extras; e++)
        {
            switch (r.Pick(8))
            {
                case 0: // conditional item
                    b.Member($"[{r.OneOf("ReLU", "Hardswish", "Identity")}(When = \"{r.OneOf("stride == 1", "planes > 4", "planes % 4 == 0")}\")]", r.OneOf("ReLU?", "Sequential?"));
                    break;
                case 1: // a 3x3 convolution keeping the channels, maybe grouped
                    b.Member($"[Conv2d(\"{current}\", Kernel = 3, Padding = 1{(r.Chance(40) ? $", Groups = \"{current}\"" : "")}, Bias = false)] [BatchNorm2d]", "Sequential");
                    break;
                case 2:
                    b.Member($"[{Activation(r)}]", "Sequential");
                    break;
                case 3: // squeeze-and-excitation
                    if (current == "hidden") b.Member("[SqueezeExcitation(Squeeze = 2)]", "PiXGen.Layers.SqueezeExcitation");
                    break;
                case 4: // expand then come back
                    if (hasLet && current == "planes")
                    {
                        b.Member("[Conv2d(\"hidden\", Kernel = 1, Bias = false)] [BatchNorm2d] [ReLU]", "Sequential");
                        current = "hidden";
                    }
                    break;
                case 5:
                    Group(r, b, current, hasLet, earlier);
                    break;
                case 6: // ConvNeXt-like: channels moved last, LayerNorm and two Linears over them, moved back; maybe a layer scale
                    b.Features.Add(Feature.ChannelsLast);
                    b.Member($"[Permute(0, 2, 3, 1)] [LayerNorm(Eps = 1e-6)] [Linear(\"2 * {current}\")] [{r.OneOf("GELU", "ReLU", "SiLU")}] [Linear(\"{current}\")] [Permute(0, 3, 1, 2)]", "Sequential");
                    if (r.Chance(50)) b.Member($"[LayerScale({r.OneOf("1e-6", "0.5", "1.0")})]", "Parameter");
                    break;
                default: // planes and hidden are even (hidden a multiple of 4)
                    b.Member($"[ChannelShuffle({(current == "hidden" ? r.OneOf("2", "4") : "2")})]", "ChannelShuffle");
                    break;
            }
        }
        return current;
    }

    /// <summary>An earlier block a branch may [Use] with <c>planes</c> channels out (and the stride applied when needed), or -1.</summary>
    private static int Usable(Choices r, IReadOnlyList<BlockInfo> earlier, bool strided)
    {
        var candidates = Enumerable.Range(0, earlier.Count).Where(j => earlier[j].OutIsPlanes && !earlier[j].NeedsSameIn && (earlier[j].Strided || !strided)).ToList();
        return candidates.Count == 0 ? -1 : candidates[r.Pick(candidates.Count)];
    }

    /// <summary>A [Use] of an earlier block as a branch member (its field has the block's type).</summary>
    private static void UseMember(BlockText b, IReadOnlyList<BlockInfo> earlier, int j, string attr, string planes, bool strided)
    {
        b.Features.Add(Feature.UseInBranch);
        b.Features.UnionWith(earlier[j].Features);
        b.Member($"{attr} [Use(typeof(Block{I(j)}), \"planes: {planes}{(strided ? ", stride: stride" : "")}\")]", "Block" + I(j));
    }

    /// <summary>A parallel group inside a sequence that keeps the channels <paramref name="c"/>: added branches,
    /// two concatenated halves, or a split (concat, or add followed by a 1×1 back to c).</summary>
    private static void Group(Choices r, BlockText b, string c, bool hasLet, IReadOnlyList<BlockInfo> earlier)
    {
        int g = b.Groups++;
        if (b.EndsWithBranch) b.Member($"[{Activation(r)}]", "Sequential"); // consecutive [Branch] members form one group
        string Name(int k) => FormattableString.Invariant($"g{g}{(char)('a' + k)}");
        string half = c + " / 2";
        switch (r.Pick(4))
        {
            case 0:
            {
                b.Features.Add(Feature.Add);
                int n = 2 + r.Pick(2);
                bool pix = c == "planes" && hasLet && r.Chance(60);
                for (int k = 0; k < n; k++)
                {
                    string attr = $"[Branch(\"{Name(k)}\", Merge = \"add\")]";
                    switch (k == 0 && pix ? 4 : r.Pick(5))
                    {
                        case 0:
                            b.Member($"{attr} [Conv2d(\"{c}\", Kernel = 3, Padding = 1, Bias = false)] [BatchNorm2d]{(r.Chance(25) ? " [ReLU(When = \"planes > 4\")]" : "")}", "Sequential");
                            break;
                        case 1: b.Member($"{attr} [Conv2d(\"{c}\", Kernel = 1)]", "Conv2d"); break;
                        case 2: b.Member($"{attr} [Identity]", "Identity"); break;
                        case 3:
                            b.Member($"{attr} [Conv2d(\"{c}\", Kernel = 3, Padding = 1, Groups = \"{c}\", Bias = false)] [BatchNorm2d] [{Activation(r)}]", "Sequential");
                            break;
                        default:
                            int j = Usable(r, earlier, strided: false);
                            if (k == 0 && pix || c == "planes" && hasLet && j < 0)
                            {
                                // An expansion and a PiX squeeze back, on one branch of three members.
                                b.Features.Add(Feature.PiXInBranch);
                                b.Member($"{attr} [Conv2d(\"hidden\", Kernel = 1, Bias = false)] [BatchNorm2d] [ReLU]", "Sequential");
                                b.Member($"{attr} [Conv2d(\"planes\", Kernel = 1, Bias = false), PiXSqueeze]", "PiXGen.PiX.PiXLayer");
                                b.Member($"{attr} [BatchNorm2d]", "BatchNorm2d?");
                            }
                            else if (j >= 0) UseMember(b, earlier, j, attr, c, strided: false);
                            else b.Member($"{attr} [Conv2d(\"{c}\", Kernel = 1, Bias = false)]", "Conv2d");
                            break;
                    }
                }
                break;
            }
            case 1: // two halves concatenated back to c
            {
                b.Features.Add(Feature.Concat);
                for (int k = 0; k < 2; k++)
                {
                    string attr = $"[Branch(\"{Name(k)}\"{(r.Chance(20) ? ", Merge = \"concat\"" : "")})]";
                    string channels = k == 0 ? half : $"{c} - {half}";
                    b.Member(r.Pick(3) switch
                    {
                        0 => $"{attr} [Conv2d(\"{channels}\", Kernel = 1)]",
                        1 => $"{attr} [Conv2d(\"{channels}\", Kernel = 3, Padding = 1, Bias = false)] [BatchNorm2d] [{Activation(r)}]",
                        _ => $"{attr} [MaxPool2d(3, Stride = 1, Padding = 1)] [Conv2d(\"{channels}\", Kernel = 1)]",
                    }, "Sequential");
                }
                if (r.Chance(40)) b.Member("[ChannelShuffle(2)]", "ChannelShuffle");
                break;
            }
            case 2: // ShuffleNetV2: split, concat, shuffle
            {
                b.Features.UnionWith(new[] { Feature.Split, Feature.Concat });
                if (r.Chance(50)) b.Member($"[Branch(\"{Name(0)}\", Split = true)] [Identity]", "Identity");
                else b.Member($"[Branch(\"{Name(0)}\", Split = true)] [Conv2d(\"{half}\", Kernel = 1)]", "Conv2d");
                b.Member($"[Branch(\"{Name(1)}\", Split = true)] [Conv2d(\"{half}\", Kernel = 3, Padding = 1, Groups = \"{half}\", Bias = false)] [BatchNorm2d] [{Activation(r)}]", "Sequential");
                if (r.Chance(70)) b.Member("[ChannelShuffle(2)]", "ChannelShuffle");
                break;
            }
            default: // split, added halves, a 1x1 back to c
            {
                b.Features.UnionWith(new[] { Feature.Split, Feature.Add });
                string attr(int k) => $"[Branch(\"{Name(k)}\", Merge = \"add\", Split = true)]";
                if (r.Chance(50)) b.Member($"{attr(0)} [Identity]", "Identity");
                else b.Member($"{attr(0)} [Conv2d(\"{half}\", Kernel = 1)]", "Conv2d");
                b.Member($"{attr(1)} [Conv2d(\"{half}\", Kernel = 3, Padding = 1, Bias = false)] [BatchNorm2d]", "Sequential");
                b.Member($"[Conv2d(\"{c}\", Kernel = 1, Bias = false)] [BatchNorm2d]", "Sequential");
                break;
            }
        }
    }

    /// <summary>Inception: two or three branches from the block's input, each applying the stride, merged by concat
    /// (to planes channels, directly or through a 1×1) or by add.</summary>
    private static void Inception(Choices r, BlockText b, bool strided, bool hasLet, IReadOnlyList<BlockInfo> earlier)
    {
        string stride = strided ? ", Stride = \"stride\"" : "";
        int n = 2 + r.Pick(2);
        bool add = r.Pick(3) == 0;
        bool back = !add && (n == 3 || r.Chance(30));
        b.Features.Add(add ? Feature.Add : Feature.Concat);
        for (int k = 0; k < n; k++)
        {
            string attr = FormattableString.Invariant($"[Branch(\"b{k}\"{(add ? ", Merge = \"add\"" : r.Chance(20) ? ", Merge = \"concat\"" : "")})]");
            string ch = add || back ? "planes" : k == 0 ? "planes / 2" : "planes - planes / 2";
            switch (r.Pick(5))
            {
                case 4 when ch == "planes": // a branch that splits again: a nested group of a 1×3 and a 3×1 (Inception-v3)
                {
                    b.Features.Add(Feature.NestedBranch);
                    b.Member($"{attr} [Conv2d(\"planes\", Kernel = 1{stride}, Bias = false)] [BatchNorm2d] [ReLU]", "Sequential");
                    bool nestedAdd = r.Chance(30);
                    string Sub(char name) => FormattableString.Invariant($"[Branch(\"b{k}/{name}\"{(nestedAdd ? ", Merge = \"add\"" : "")})]");
                    string ca = nestedAdd ? "planes" : "planes / 2", cb = nestedAdd ? "planes" : "planes - planes / 2";
                    b.Member($"{Sub('a')} [Conv2d(\"{ca}\", Kernel = \"1 x 3\", Padding = \"0 x 1\", Bias = false)] [BatchNorm2d]", "Sequential");
                    if (r.Chance(50)) b.Member($"{Sub('b')} [Conv2d(\"{cb}\", Kernel = \"3 x 1\", Padding = \"1 x 0\")]", "Conv2d");
                    else b.Member($"{Sub('b')} [Conv2d(\"{cb}\", Kernel = 1, Bias = false)] [BatchNorm2d] [{Activation(r)}]", "Sequential");
                    break;
                }
                case 0:
                case 4:
                    if (r.Chance(50)) b.Member($"{attr} [Conv2d(\"{ch}\", Kernel = 1{stride})]", "Conv2d");
                    else b.Member($"{attr} [Conv2d(\"{ch}\", Kernel = 1{stride}, Bias = false)] [BatchNorm2d] [{Activation(r)}]", "Sequential");
                    break;
                case 1 when hasLet && r.Chance(40): // an expansion and a PiX squeeze, members of one branch
                    b.Features.Add(Feature.PiXInBranch);
                    b.Member($"{attr} [Conv2d(\"hidden\", Kernel = 1{stride}, Bias = false)] [BatchNorm2d] [ReLU]", "Sequential");
                    b.Member($"{attr} [Conv2d(\"{ch}\", Kernel = 1, Bias = false), PiXSqueeze]", "PiXGen.PiX.PiXLayer");
                    b.Member($"{attr} [BatchNorm2d]", "BatchNorm2d?");
                    if (r.Chance(50)) b.Member($"{attr} [ReLU]", "ReLU?");
                    break;
                case 1: // a 1x1 reduction and a 3x3, as one member or two of the same branch
                {
                    string reduce = $"[Conv2d(\"{(hasLet ? "hidden" : ch)}\", Kernel = 1, Bias = false)] [BatchNorm2d] [ReLU]";
                    string conv = $"[Conv2d(\"{ch}\", Kernel = 3{stride}, Padding = 1, Bias = false)] [BatchNorm2d]";
                    if (r.Chance(50)) b.Member($"{attr} {reduce} {conv}", "Sequential");
                    else { b.Member($"{attr} {reduce}", "Sequential"); b.Member($"{attr} {conv}", "Sequential"); }
                    break;
                }
                case 2: // a pooling branch
                    b.Member($"{attr} [{r.OneOf("MaxPool2d", "AvgPool2d")}(3, Stride = {(strided ? "\"stride\"" : "1")}, Padding = 1)] [Conv2d(\"{ch}\", Kernel = 1)]", "Sequential");
                    break;
                default:
                    int j = Usable(r, earlier, strided);
                    if (j >= 0) UseMember(b, earlier, j, attr, ch, strided);
                    else b.Member($"{attr} [Conv2d(\"{ch}\", Kernel = 3{stride}, Padding = 1)]", "Conv2d");
                    break;
            }
        }
        if (back) b.Member($"[Conv2d(\"planes\", Kernel = 1, Bias = false)] [BatchNorm2d] [{Activation(r)}]", "Sequential");
        else if (!add && r.Chance(40)) b.Member("[ChannelShuffle(2)]", "ChannelShuffle");
    }
}
