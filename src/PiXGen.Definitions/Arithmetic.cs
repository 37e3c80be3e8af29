// Shared by the generator (netstandard2.0) and the runtime (net8.0/net10.0): linked into both projects as source
// (<Compile Include="..." Link="..."/>), so both compile the same rules. The namespace differs so that a project
// referencing both assemblies (the generator tests) sees two distinct types.
#if PIXGEN_GENERATOR
namespace PiXGen.Generators.Definitions;
#else
namespace PiXGen.Definitions;
#endif
using System;
using System.Globalization;

/// <summary>A per-axis setting: a height and a width value ("3" is 3×3, "1x7" is 1×7).</summary>
/// <param name="H">The height value.</param>
/// <param name="W">The width value.</param>
public readonly record struct Axes(long H, long W)
{
    /// <summary>The same value along both axes.</summary>
    public Axes(long both) : this(both, both) { }

    /// <summary>Both axes from one integer.</summary>
    public static implicit operator Axes(long both) => new(both);

    /// <summary>Whether the two values are equal.</summary>
    public bool Square => H == W;

    /// <summary>H·W (a kernel's window size).</summary>
    public long Area => H * W;

    /// <summary>"3" or "1x7".</summary>
    public override string ToString() => Square ? H.ToString(CultureInfo.InvariantCulture)
        : H.ToString(CultureInfo.InvariantCulture) + "x" + W.ToString(CultureInfo.InvariantCulture);

    /// <summary>The value as PyTorch's arguments take it: "3" or "(1, 7)".</summary>
    public string ToPython() => Square ? H.ToString(CultureInfo.InvariantCulture)
        : "(" + H.ToString(CultureInfo.InvariantCulture) + ", " + W.ToString(CultureInfo.InvariantCulture) + ")";

    /// <summary>The C# expression the generator writes for this value: "3" or "new(1, 7)".</summary>
    public string ToCSharp() => Square ? H.ToString(CultureInfo.InvariantCulture)
        : "new(" + H.ToString(CultureInfo.InvariantCulture) + ", " + W.ToString(CultureInfo.InvariantCulture) + ")";
}

/// <summary>
/// The shape of one sample: rank 3 (C×H×W) or rank 1 (features, in <see cref="C"/>). A rank-3 sample may be
/// <see cref="ChannelsLast"/> (H×W×C in memory, after <c>[Permute(0, 2, 3, 1)]</c>): its C, H and W keep their meaning.
/// </summary>
/// <param name="Rank">3 or 1.</param>
/// <param name="C">Channels (rank 3) or features (rank 1).</param>
/// <param name="H">Height (1 for rank 1).</param>
/// <param name="W">Width (1 for rank 1).</param>
public readonly record struct Dims(int Rank, long C, long H, long W)
{
    /// <summary>A C×H×W feature map.</summary>
    public static Dims Map(long c, long h, long w) => new(3, c, h, w);

    /// <summary>A flattened vector of <paramref name="features"/>.</summary>
    public static Dims Vector(long features) => new(1, features, 1, 1);

    /// <summary>A rank-3 sample whose channels are the last axis (H×W×C), as ConvNeXt's block permutes it.</summary>
    public bool ChannelsLast { get; init; }

    /// <summary>A channels-first C×H×W map: what convolutions, pools and the 2-d normalisations take.</summary>
    public bool IsMap => Rank == 3 && !ChannelsLast;

    /// <summary>The channel (feature) count when the channels are the last axis: a vector's features or a channels-last map's channels; else null.</summary>
    public long? LastAxisFeatures => Rank == 1 || ChannelsLast ? C : null;

    /// <summary>Elements of one sample.</summary>
    public long Elements => Rank == 3 ? C * H * W : C;

    /// <summary>The shape as an array in memory order: { C, H, W }, { H, W, C } (channels last) or { features }.</summary>
    public long[] ToArray() => Rank != 3 ? new[] { C } : ChannelsLast ? new[] { H, W, C } : new[] { C, H, W };

    /// <summary>From an array { C, H, W } or { features }.</summary>
    public static Dims Of(System.Collections.Generic.IReadOnlyList<long> shape)
        => shape.Count == 3 ? Map(shape[0], shape[1], shape[2]) : shape.Count == 1 ? Vector(shape[0])
            : throw new ArgumentException("a sample shape has 3 (C×H×W) or 1 (features) dimensions, got " + shape.Count);

    /// <summary>"64×56×56", "56×56×64 (channels last)" or "1000".</summary>
    public override string ToString() => Rank != 3 ? C.ToString(CultureInfo.InvariantCulture)
        : ChannelsLast ? string.Format(CultureInfo.InvariantCulture, "{0}×{1}×{2} (channels last)", H, W, C)
        : string.Format(CultureInfo.InvariantCulture, "{0}×{1}×{2}", C, H, W);
}

/// <summary>Integer rules used by shape inference, costs, the graph and the PiX operator.</summary>
public static class Arithmetic
{
    /// <summary>
    /// PyTorch's output length of a convolution or pooling window along one axis (<c>pooling_output_shape</c>;
    /// convolutions use the floor form): ⌊(L + 2p − d(k−1) − 1 + (ceil ? s−1 : 0)) / s⌋ + 1, minus one when ceil mode
    /// would start the last window in the right padding. May be zero or negative (the caller reports it).
    /// </summary>
    public static long WindowOut(long length, long k, long s, long p, long d, bool ceil)
    {
        long span = length + 2 * p - d * (k - 1) - 1;
        long o = (ceil ? -FloorDiv(-span, s) : FloorDiv(span, s)) + 1;
        if (ceil && (o - 1) * s >= length + p) o--;
        return o;
    }

    /// <summary>PyTorch's output length of a transposed convolution along one axis: (L − 1)·s − 2p + d·(k − 1) + output padding + 1.</summary>
    public static long TransposedOut(long length, long k, long s, long p, long d, long outputPadding)
        => (length - 1) * s - 2 * p + d * (k - 1) + outputPadding + 1;

    /// <summary>⌈<paramref name="a"/> / <paramref name="b"/>⌉ for a ≥ 0, b &gt; 0.</summary>
    public static long CeilDiv(long a, long b) => (a + b - 1) / b;

    /// <summary>The output channels of PiX with factor ζ on C channels: ⌈C/ζ⌉ (output channel c picks or mixes inputs [cζ, cζ+ζ)).</summary>
    public static long PiXChannels(long channels, long zeta) => CeilDiv(channels, zeta);

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : -((-a + b - 1) / b);
}

/// <summary>Quantities written with a metric suffix ("2.0G", "25.6M", "800K") and their rendering ("4.09 G").</summary>
public static class Quantity
{
    /// <summary>
    /// Reads a decimal number with an optional K, M, G or T suffix (case-insensitive, spaces before it allowed) into
    /// <paramref name="number"/> (without the suffix) and <paramref name="scale"/> (1 without a suffix). False when the
    /// text is not such a number. Digit separators and whole-number rules are the caller's.
    /// </summary>
    public static bool TrySplit(string text, out string number, out decimal scale)
    {
        var t = text.Trim();
        scale = 1;
        number = t;
        if (t.Length == 0) return false;
        switch (char.ToUpperInvariant(t[t.Length - 1]))
        {
            case 'K': scale = 1e3m; break;
            case 'M': scale = 1e6m; break;
            case 'G': scale = 1e9m; break;
            case 'T': scale = 1e12m; break;
        }
        if (scale != 1) number = t.Substring(0, t.Length - 1).TrimEnd();
        return number.Length > 0;
    }

    /// <summary>4,089,184,256 → "4.09 G" + unit; below 1,000 the plain number.</summary>
    public static string Scaled(long n, string unit)
    {
        var (div, prefix) = n >= 1_000_000_000_000 ? (1e12, "T") : n >= 1_000_000_000 ? (1e9, "G") : n >= 1_000_000 ? (1e6, "M") : n >= 1_000 ? (1e3, "K") : (1, "");
        var number = div == 1 ? n.ToString(CultureInfo.InvariantCulture) : (n / div).ToString("0.00", CultureInfo.InvariantCulture);
        return unit.Length == 0 ? (prefix.Length == 0 ? number : $"{number} {prefix}") : $"{number} {prefix}{unit}";
    }

    /// <summary>Bytes in decimal megabytes (10^6), or kilobytes (10^3) below 1 MB.</summary>
    public static string Bytes(long bytes)
        => bytes >= 1_000_000
            ? (bytes / 1e6).ToString("0.0", CultureInfo.InvariantCulture) + " MB"
            : (bytes / 1e3).ToString("0.0", CultureInfo.InvariantCulture) + " KB";
}
