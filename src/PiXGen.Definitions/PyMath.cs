// Shared source (src/PiXGen.Definitions): compiled into the runtime (PiXGen.Runtime.PyMath, which generated constructors call) and into
// the generator (which evaluates the same expressions at compile time), so that both compute the same numbers.
using System;

namespace PiXGen.Runtime;

/// <summary>
/// The real arithmetic of PiXGen's expression language, with Python's semantics as torchvision's model builders use
/// them: <c>round</c> half to even, floor division, <c>ceil</c>/<c>floor</c>/<c>int</c> to integers, <c>math.log</c> and
/// <c>math.pow</c>, <c>sum</c> and slices of integer lists, torchvision's channel rounding
/// <see cref="MakeDivisible(double, long, long)"/> and RegNet width rule (<see cref="RegNetDepths"/>, <see cref="RegNetWidths"/>). Integer results are <c>int</c> and overflow is an
/// <see cref="OverflowException"/>, never a wrapped value.
/// </summary>
#if PIXGEN_GENERATOR
internal
#else
public
#endif
static class PyMath
{
    /// <summary>Python's <c>round(x)</c>: the nearest integer, ties to the even one (<c>round(2.5) == 2</c>).</summary>
    public static int Round(double x) => ToInt(Math.Round(x, MidpointRounding.ToEven), "round", x);

    /// <summary>Python's <c>math.ceil(x)</c>.</summary>
    public static int Ceil(double x) => ToInt(Math.Ceiling(x), "ceil", x);

    /// <summary>Python's <c>math.floor(x)</c>.</summary>
    public static int Floor(double x) => ToInt(Math.Floor(x), "floor", x);

    /// <summary>Python's <c>int(x)</c>: toward zero.</summary>
    public static int Int(double x) => ToInt(Math.Truncate(x), "int", x);

    /// <summary>Python's <c>a // b</c> on integers: rounds toward negative infinity (C#'s <c>/</c> rounds toward zero).</summary>
    public static int FloorDiv(int a, int b) => checked((int)FloorDiv((long)a, b));

    /// <summary>Python's <c>a // b</c> on integers.</summary>
    public static long FloorDiv(long a, long b)
    {
        if (b == 0) throw new DivideByZeroException("integer division by zero in '//'");
        long q = a / b;
        return (a % b != 0) && ((a < 0) != (b < 0)) ? checked(q - 1) : q;
    }

    /// <summary>Python's <c>a // b</c> on reals: <c>floor(a / b)</c>, a real.</summary>
    public static double FloorDiv(double a, double b)
    {
        if (b == 0) throw new DivideByZeroException("real division by zero in '//'");
        return Math.Floor(a / b);
    }

    /// <summary>
    /// torchvision's <c>_make_divisible(v, divisor, min_value)</c>: <paramref name="v"/> rounded to the nearest multiple of
    /// <paramref name="divisor"/> (halves up), at least <paramref name="minValue"/> (the divisor when 0), and raised by one
    /// divisor when rounding lost more than 10 % of <paramref name="v"/>.
    /// </summary>
    public static int MakeDivisible(double v, long divisor, long minValue = 0)
    {
        if (divisor < 1) throw new ArgumentOutOfRangeException(nameof(divisor), divisor, "make_divisible needs a divisor of at least 1");
        long floor = minValue > 0 ? minValue : divisor;
        long rounded = FloorDiv((long)Int(v + divisor / 2.0), divisor) * divisor;
        long result = Math.Max(floor, rounded);
        if (result < 0.9 * v) result += divisor;
        return checked((int)result);
    }

    /// <summary>Python's <c>math.log(x)</c>: the natural logarithm; a non-positive <paramref name="x"/> is an error (Python's "math domain error").</summary>
    public static double Log(double x)
    {
        if (!(x > 0)) throw new ArgumentOutOfRangeException(nameof(x), x, $"log({Text(x)}): math domain error (log needs a positive number)");
        return Math.Log(x);
    }

    /// <summary>Python's <c>math.log(x, base)</c>: <c>log(x) / log(base)</c>, computed as Python does (so base 1 divides by zero).</summary>
    public static double Log(double x, double @base)
    {
        double denominator = Log(@base);
        if (denominator == 0) throw new DivideByZeroException($"log({Text(x)}, {Text(@base)}): division by zero (log of the base is 0)");
        return Log(x) / denominator;
    }

    /// <summary>
    /// Python's <c>math.pow(x, y)</c> (and <c>x ** y</c> on reals): a negative <paramref name="x"/> needs an integer exponent,
    /// zero a non-negative one, and a finite result must not overflow (Python's ValueError and OverflowError).
    /// </summary>
    public static double Pow(double x, double y)
    {
        if (x < 0 && y != Math.Floor(y) && !double.IsInfinity(y)) throw new ArgumentOutOfRangeException(nameof(x), x, $"pow({Text(x)}, {Text(y)}): math domain error (a negative number to a fractional power)");
        if (x == 0 && y < 0) throw new ArgumentOutOfRangeException(nameof(x), x, $"pow({Text(x)}, {Text(y)}): math domain error (zero to a negative power)");
        double result = Math.Pow(x, y);
        if (double.IsInfinity(result) && !double.IsInfinity(x) && !double.IsInfinity(y)) throw new OverflowException($"pow({Text(x)}, {Text(y)}) is too large for a real number");
        return result;
    }

    /// <summary>Python's <c>sum(list)</c> of integers (0 for an empty list); an int overflow is an <see cref="OverflowException"/>.</summary>
    public static int Sum(int[] list)
    {
        int total = 0;
        foreach (var v in list) total = checked(total + v);
        return total;
    }

    /// <summary>
    /// Python's slice <c>list[start:end]</c>: a negative bound counts from the end, bounds outside the list are clamped to
    /// it, a missing one (null) is the list's start or end; an empty range gives an empty list.
    /// </summary>
    public static int[] Slice(int[] list, long? start, long? end)
    {
        long Bound(long? b, long missing)
        {
            if (b is not long v) return missing;
            if (v < 0) v += list.Length;
            return Math.Min(Math.Max(v, 0), list.Length);
        }
        long from = Bound(start, 0), to = Bound(end, list.Length);
        if (to <= from) return new int[0];
        var result = new int[to - from];
        Array.Copy(list, from, result, 0, to - from);
        return result;
    }

    /// <summary>
    /// torchvision's RegNet width rule (<c>BlockParams.from_init_params</c>), per block: block j (of
    /// <paramref name="depth"/>) has the continuous width w0 + j·wa, the capacity round(log(width / w0) / log(wm)), and
    /// the width w0 · wm^capacity rounded to a multiple of 8. torchvision's settings checks apply (wa ≥ 0, w0 &gt; 0 and a
    /// multiple of 8, wm &gt; 1). torchvision computes this in float32 tensors, here in double; for every torchvision
    /// RegNet the values before rounding are at least 0.0026 from a rounding tie or exactly on one in both precisions, so
    /// both give the same widths.
    /// </summary>
    public static int[] RegNetBlockWidths(long depth, double w0, double wa, double wm)
    {
        const int Quantum = 8;
        if (depth < 1) throw new ArgumentOutOfRangeException(nameof(depth), depth, "a RegNet needs a depth of at least 1");
        if (wa < 0 || w0 <= 0 || wm <= 1 || w0 % Quantum != 0)
            throw new ArgumentOutOfRangeException(nameof(w0), w0, $"invalid RegNet settings (w0 {Text(w0)}, wa {Text(wa)}, wm {Text(wm)}): torchvision needs wa >= 0, w0 > 0 and a multiple of 8, wm > 1");
        var widths = new int[depth];
        for (long j = 0; j < depth; j++)
        {
            int capacity = Round(Log((j * wa + w0) / w0, wm));
            widths[j] = checked(Round(w0 * Pow(wm, capacity) / Quantum) * Quantum);
        }
        return widths;
    }

    /// <summary>
    /// RegNet's stages from its width rule: consecutive blocks of <see cref="RegNetBlockWidths"/> with one width form a
    /// stage; these are the stages' block counts (torchvision's <c>stage_depths</c>).
    /// </summary>
    public static int[] RegNetDepths(long depth, double w0, double wa, double wm) => RegNetStages(depth, w0, wa, wm).Depths;

    /// <summary>
    /// The stages' widths of <see cref="RegNetDepths"/>, each made compatible with the group width as torchvision does
    /// (bottleneck multiplier 1): <c>make_divisible(w, min(groupWidth, w))</c>.
    /// </summary>
    public static int[] RegNetWidths(long depth, double w0, double wa, double wm, long groupWidth)
    {
        if (groupWidth < 1) throw new ArgumentOutOfRangeException(nameof(groupWidth), groupWidth, "a RegNet needs a group width of at least 1");
        var widths = RegNetStages(depth, w0, wa, wm).Widths;
        for (int k = 0; k < widths.Length; k++) widths[k] = MakeDivisible(widths[k], Math.Min(groupWidth, widths[k]));
        return widths;
    }

    private static (int[] Depths, int[] Widths) RegNetStages(long depth, double w0, double wa, double wm)
    {
        var blocks = RegNetBlockWidths(depth, w0, wa, wm);
        var depths = new System.Collections.Generic.List<int>();
        var widths = new System.Collections.Generic.List<int>();
        for (int j = 0; j < blocks.Length; j++)
        {
            if (j > 0 && blocks[j] == blocks[j - 1]) depths[depths.Count - 1]++;
            else { widths.Add(blocks[j]); depths.Add(1); }
        }
        return (depths.ToArray(), widths.ToArray());
    }

    /// <summary>
    /// The generated constructors' checked arithmetic over their arguments: <paramref name="value"/> computes one setting
    /// in <c>checked</c> context; an overflow or a division by zero there is rethrown (same type) with
    /// <paramref name="where"/>, the class, member and expression, in its message, so run time reports what compile time
    /// reports as PIX0003 for the default arguments instead of building a different network from a wrapped value.
    /// </summary>
    public static T Checked<T>(Func<T> value, string where)
    {
        try { return value(); }
        catch (OverflowException e) { throw new OverflowException($"{where}: {Reason(e)} (the value does not fit in its type; use smaller arguments, or declare them long)", e); }
        catch (DivideByZeroException e) { throw new DivideByZeroException($"{where}: {Reason(e)}", e); }
    }

    private static string Reason(Exception e) => e.Message.TrimEnd('.');

    private static string Text(double x) => x.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    private static int ToInt(double value, string function, double x)
    {
        if (double.IsNaN(value) || value < int.MinValue || value > int.MaxValue)
            throw new OverflowException($"{function}({Text(x)}) does not fit in an int");
        return (int)value;
    }
}
