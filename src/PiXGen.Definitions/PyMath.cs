// Shared source (src/PiXGen.Definitions): compiled into the runtime (PiXGen.Runtime.PyMath, which generated constructors call) and into
// the generator (which evaluates the same expressions at compile time), so that both compute the same numbers.
using System;

namespace PiXGen.Runtime;

/// <summary>
/// The real arithmetic of PiXGen's expression language, with Python's semantics as torchvision's model builders use
/// them: <c>round</c> half to even, floor division, <c>ceil</c>/<c>floor</c>/<c>int</c> to integers, and torchvision's
/// channel rounding <see cref="MakeDivisible(double, long, long)"/>. Integer results are <c>int</c> and overflow is an
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

    private static int ToInt(double value, string function, double x)
    {
        if (double.IsNaN(value) || value < int.MinValue || value > int.MaxValue)
            throw new OverflowException($"{function}({x.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}) does not fit in an int");
        return (int)value;
    }
}
