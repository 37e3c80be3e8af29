using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using PiXGen.Generators.Parsing;
using static PiXGen.Generators.Tests.Sources;

namespace PiXGen.Generators.Tests;

/// <summary>
/// Real numbers in the expression language, with Python's semantics where torchvision's builders rely on them. The
/// expected values were computed with Python 3.11 and torchvision 0.14.1's <c>_make_divisible</c>
/// (<c>/usr/bin/python3</c>); both the compile-time evaluator and the generated code (PiXGen.Runtime.PyMath) must give them.
/// </summary>
public class RealArithmeticTests
{
    private static readonly Dictionary<string, object> Env = new() { ["ratio"] = 0.25, ["width"] = 1.4, ["planes"] = 112L, ["in"] = 24L };

    private static object Eval(string text) => Expr.Parse(text).Evaluate(n => Env.TryGetValue(n, out var v) ? v : null);

    [Theory]
    [InlineData("round(0.5)", 0L)]
    [InlineData("round(1.5)", 2L)]
    [InlineData("round(2.5)", 2L)]
    [InlineData("round(-0.5)", 0L)]
    [InlineData("round(-1.5)", -2L)]
    [InlineData("round(2.675)", 3L)]
    [InlineData("7 // 2", 3L)]
    [InlineData("-7 // 2", -4L)]
    [InlineData("-7 / 2", -3L)]                  // '/' on integers keeps its C# meaning: declarations written before keep theirs
    [InlineData("ceil(2.1)", 3L)]
    [InlineData("floor(-2.1)", -3L)]
    [InlineData("int(-2.9)", -2L)]
    [InlineData("make_divisible(24.0, 8)", 24L)]
    [InlineData("make_divisible(17.6, 8)", 16L)]
    [InlineData("make_divisible(3.2, 8)", 8L)]
    [InlineData("make_divisible(91.5, 8)", 88L)]
    [InlineData("make_divisible(36.0, 8)", 40L)]
    [InlineData("make_divisible(planes * width, 8)", 160L)]
    [InlineData("make_divisible(1280 * 0.5, 8)", 640L)]
    [InlineData("make_divisible(7.0, 8, 16)", 16L)]
    [InlineData("make_divisible(27.4, 4)", 28L)]
    [InlineData("round(in * ratio)", 6L)]
    [InlineData("max(1, round(in * ratio))", 6L)]
    public void Integers_from_reals_follow_python(string text, long expected) => Assert.Equal(expected, Eval(text));

    [Theory]
    [InlineData("7.5 // 2", 3.0)]
    [InlineData("-7.5 // 2", -4.0)]
    [InlineData("1 / 4.0", 0.25)]
    [InlineData("in * ratio", 6.0)]
    [InlineData("float(in) / 5", 4.8)]
    [InlineData("1e-3 * 1000", 1.0)]
    [InlineData("min(0.5, 1)", 0.5)]
    [InlineData("ratio > 0.2 ? 1.5 : 2", 1.5)]
    public void Reals_evaluate(string text, double expected) => Assert.Equal(expected, (double)Eval(text), 12);

    [Theory]
    [InlineData("round(0.5)", 0)]
    [InlineData("round(2.5)", 2)]
    [InlineData("round(-1.5)", -2)]
    [InlineData("make_divisible(17.6, 8)", 16)]
    [InlineData("make_divisible(36.0, 8)", 40)]
    [InlineData("make_divisible(7.0, 8, 16)", 16)]
    public void The_runtime_helpers_agree_with_the_evaluator(string text, int expected)
    {
        var call = (CallExprView)text;
        int actual = call.Name switch
        {
            "round" => PiXGen.Runtime.PyMath.Round(call.Args[0]),
            _ => PiXGen.Runtime.PyMath.MakeDivisible(call.Args[0], (long)call.Args[1], call.Args.Length > 2 ? (long)call.Args[2] : 0),
        };
        Assert.Equal(expected, actual);
        Assert.Equal((long)expected, Eval(text));
        Assert.Equal(-4L, PiXGen.Runtime.PyMath.FloorDiv(-7L, 2L));
        Assert.Equal(-4.0, PiXGen.Runtime.PyMath.FloorDiv(-7.5, 2.0));
        Assert.Throws<OverflowException>(() => PiXGen.Runtime.PyMath.Round(1e12));
    }

    /// <summary>"f(a, b)" with numeric arguments, for calling the runtime helper directly.</summary>
    private sealed record CallExprView(string Name, double[] Args)
    {
        public static explicit operator CallExprView(string text)
        {
            int open = text.IndexOf('(');
            var args = text.Substring(open + 1, text.Length - open - 2).Split(',')
                .Select(a => double.Parse(a, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            return new CallExprView(text.Substring(0, open), args);
        }
    }

    // Python 3.11: math.log(10), math.log(8, 2), math.log(100, 10), math.pow(2.52, 3), math.pow(-8, 3), math.log(6).
    [Theory]
    [InlineData("log(10)", 2.302585092994046)]
    [InlineData("log(8, 2)", 3.0)]
    [InlineData("log(100, 10)", 2.0)]
    [InlineData("pow(2.52, 3)", 16.003008)]
    [InlineData("pow(-8, 3)", -512.0)]
    [InlineData("log(in * ratio)", 1.791759469228055)]
    public void Log_and_pow_follow_python(string text, double expected)
    {
        Assert.Equal(expected, (double)Eval(text), 12);
        var call = (CallExprView)text.Replace("in * ratio", "6");
        double runtime = call.Name == "pow" ? PiXGen.Runtime.PyMath.Pow(call.Args[0], call.Args[1])
            : call.Args.Length == 2 ? PiXGen.Runtime.PyMath.Log(call.Args[0], call.Args[1]) : PiXGen.Runtime.PyMath.Log(call.Args[0]);
        Assert.Equal((double)Eval(text), runtime);
    }

    // Python: sum and slices of lists (negative bounds from the end, bounds outside the list clamped).
    [Theory]
    [InlineData("sum([2, 4, 4, 6])", 16L)]
    [InlineData("sum([2, 4, 4, 6][:2])", 6L)]
    [InlineData("sum([2, 4, 4, 6][1:])", 14L)]
    [InlineData("sum([2, 4, 4, 6][-2:])", 10L)]
    [InlineData("sum([2, 4, 4, 6][:-3])", 2L)]
    [InlineData("len([2, 4, 4, 6][1:3])", 2L)]
    [InlineData("len([2, 4, 4, 6][3:1])", 0L)]
    [InlineData("len([2, 4, 4, 6][:10])", 4L)]
    [InlineData("[2, 4, 4, 6][1:][0]", 4L)]
    [InlineData("sum([])", 0L)]
    public void Sums_and_slices_follow_python(string text, long expected) => Assert.Equal(expected, Eval(text));

    /// <summary>
    /// torchvision 0.14.1's <c>BlockParams.from_init_params(depth, w_0, w_a, w_m, group_width)</c> for every RegNet it
    /// builds (stage depths and widths as /usr/bin/python3 printed them): the compile-time evaluator and the run-time
    /// helpers both give them.
    /// </summary>
    [Theory]
    [InlineData(22, 24, 24.48, 2.54, 16, new[] { 1, 2, 7, 12 }, new[] { 32, 64, 160, 400 })]
    [InlineData(16, 56, 35.73, 2.28, 16, new[] { 1, 3, 7, 5 }, new[] { 64, 128, 288, 672 })]
    [InlineData(18, 80, 34.01, 2.25, 24, new[] { 2, 4, 10, 2 }, new[] { 72, 168, 408, 912 })]
    [InlineData(25, 88, 26.31, 2.25, 48, new[] { 2, 6, 15, 2 }, new[] { 96, 192, 432, 1008 })]
    [InlineData(23, 80, 49.56, 2.88, 120, new[] { 2, 5, 15, 1 }, new[] { 80, 240, 720, 1920 })]
    [InlineData(22, 216, 55.59, 2.1, 128, new[] { 2, 6, 13, 1 }, new[] { 256, 512, 896, 2048 })]
    [InlineData(23, 320, 69.86, 2.0, 168, new[] { 2, 7, 13, 1 }, new[] { 336, 672, 1344, 2520 })]
    [InlineData(16, 48, 27.89, 2.09, 8, new[] { 1, 3, 6, 6 }, new[] { 48, 104, 208, 440 })]
    [InlineData(14, 56, 38.84, 2.4, 16, new[] { 1, 3, 8, 2 }, new[] { 64, 144, 320, 784 })]
    [InlineData(27, 48, 20.71, 2.65, 24, new[] { 2, 6, 17, 2 }, new[] { 48, 120, 336, 888 })]
    [InlineData(21, 80, 42.63, 2.66, 24, new[] { 2, 5, 13, 1 }, new[] { 72, 216, 576, 1512 })]
    [InlineData(17, 192, 76.82, 2.19, 56, new[] { 2, 4, 10, 1 }, new[] { 224, 448, 896, 2016 })]
    [InlineData(18, 200, 106.23, 2.48, 112, new[] { 2, 4, 11, 1 }, new[] { 224, 448, 1232, 3024 })]
    [InlineData(20, 232, 115.89, 2.53, 232, new[] { 2, 5, 12, 1 }, new[] { 232, 696, 1392, 3712 })]
    [InlineData(27, 456, 160.83, 2.52, 264, new[] { 2, 7, 17, 1 }, new[] { 528, 1056, 2904, 7392 })]
    public void The_regnet_width_rule_gives_torchvisions_stages(int depth, int w0, double wa, double wm, int groupWidth, int[] depths, int[] widths)
    {
        string Real(double x) => x.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        var rule = $"{depth}, {w0}, {Real(wa)}, {Real(wm)}";
        Assert.Equal(depths.Select(d => (long)d), (long[])Eval($"regnet_depths({rule})"));
        Assert.Equal(widths.Select(w => (long)w), (long[])Eval($"regnet_widths({rule}, {groupWidth})"));
        Assert.Equal(depth, (long)Eval($"sum(regnet_depths({rule}))"));
        Assert.Equal(depths, PiXGen.Runtime.PyMath.RegNetDepths(depth, w0, wa, wm));
        Assert.Equal(widths, PiXGen.Runtime.PyMath.RegNetWidths(depth, w0, wa, wm, groupWidth));
    }

    [Theory]
    [InlineData("log(0)", "log(0): math domain error")]
    [InlineData("log(-1.5)", "math domain error")]
    [InlineData("log(8, 1)", "division by zero")]
    [InlineData("pow(-8, 0.5)", "math domain error (a negative number to a fractional power)")]
    [InlineData("pow(0, -1)", "math domain error (zero to a negative power)")]
    [InlineData("pow(10, 400)", "too large for a real number")]
    [InlineData("regnet_depths(16, 20, 27.89, 2.09)", "invalid RegNet settings (w0 20, wa 27.89, wm 2.09)")]
    [InlineData("regnet_widths(16, 48, 27.89, 1.0, 8)", "wm > 1")]
    [InlineData("regnet_widths(16, 48, 27.89, 2.09, 0)", "group width of at least 1")]
    [InlineData("sum([2147483647, 1])", "integer overflow")]
    public void Math_errors_are_explained(string text, string message)
        => Assert.Contains(message, Assert.Throws<ExprException>(() => Expr.Parse(text).Evaluate(_ => null, _ => true)).Message);

    [Theory]
    [InlineData("a // b", "global::PiXGen.Runtime.PyMath.FloorDiv(this.a, this.b)")]
    [InlineData("round(a * 1.5)", "global::PiXGen.Runtime.PyMath.Round(this.a * 1.5)")]
    [InlineData("make_divisible(a * 2.0, 8)", "global::PiXGen.Runtime.PyMath.MakeDivisible(this.a * 2.0, 8)")]
    [InlineData("float(a) / 3", "(double)(this.a) / 3")]
    [InlineData("log(a, 2) * pow(a, 0.5)", "global::PiXGen.Runtime.PyMath.Log(this.a, 2) * global::PiXGen.Runtime.PyMath.Pow(this.a, 0.5)")]
    [InlineData("sum(l[:a])", "global::PiXGen.Runtime.PyMath.Sum(global::PiXGen.Runtime.PyMath.Slice(this.l, null, this.a))")]
    [InlineData("regnet_widths(a, 48, 27.89, b, 8)", "global::PiXGen.Runtime.PyMath.RegNetWidths(this.a, 48, 27.89, this.b, 8)")]
    [InlineData("1e-3", "0.001")]
    [InlineData("2.0", "2.0")]
    public void Emits_csharp(string text, string expected) => Assert.Equal(expected, Expr.Parse(text).ToCSharp(n => "this." + n));

    [Theory]
    [InlineData("a // b")]
    [InlineData("round(a * 1.5) + make_divisible(a, 8, 16)")]
    [InlineData("float(a) / 3")]
    [InlineData("sum(l[:a]) + l[a:][0] + len(l[1:-1])")]
    [InlineData("pow(log(a, 2), 2.5)")]
    public void Source_form_round_trips(string text) => Assert.Equal(text, Expr.Parse(Expr.Parse(text).ToSource(n => n)).ToSource(n => n));

    [Theory]
    [InlineData("round()", "round takes 1 argument, not")]
    [InlineData("rund(2.5)", "unknown function 'rund' (did you mean 'round'?)")]
    [InlineData("make_divisible(1.0)", "make_divisible takes 2 or 3 arguments, not 1")]
    [InlineData("1.5.2", "malformed number")]
    [InlineData("2e", "malformed number")]
    public void Bad_real_syntax_is_explained(string text, string message)
        => Assert.Contains(message, Assert.Throws<ExprException>(() => Expr.Parse(text)).Message);

    [Theory]
    [InlineData("2.5 % 2", "'%' needs an integer, not a real number")]
    [InlineData("true ? 1.5 : false", "both branches of '?:' need the same kind of value")]
    [InlineData("make_divisible(1.0, 2.5)", "make_divisible's divisor needs an integer, not a real number")]
    [InlineData("sum(3)", "sum needs a list of integers, not an integer")]
    [InlineData("[1, 2][0.5:]", "a slice's start needs an integer, not a real number")]
    [InlineData("log(true)", "log needs a number, not a condition")]
    [InlineData("regnet_depths(16.5, 48, 27.89, 2.09)", "regnet_depths's depth needs an integer, not a real number")]
    public void Type_errors_are_explained(string text, string message)
        => Assert.Contains(message, Assert.Throws<ExprException>(() => Expr.Parse(text).InferType(_ => null)).Message);

    [Fact]
    public void A_family_width_rule_builds_what_the_compiler_computed()
    {
        // An EfficientNet-style width multiplier on a double argument: channels through make_divisible, a depth through
        // ceil, an SE width through max/int — checked at compile time, emitted as calls to PyMath, and equal at run time.
        var run = GeneratorHarness.Run(Src("""
            [Block]
            public partial class Stage
            {
                [Arg] readonly int channels;
                [Arg(1.0)] readonly double widthMult;
                [Let("make_divisible(channels * widthMult, 8)")] readonly int width;
                [Conv2d("width", Kernel = 1, Bias = false)] readonly Conv2d conv;
                [SqueezeExcitation(Squeeze = "max(1, int(width * 0.25))")] readonly PiXGen.Layers.SqueezeExcitation se;
            }
            [Network(Input = "3x8x8")]
            public partial class Scaled
            {
                [Arg(1.1)] readonly double widthMult;
                [Arg(1.2)] readonly double depthMult;
                [Use(typeof(Stage), "channels: 40, widthMult: widthMult", Count = "ceil(2 * depthMult)")] readonly Sequential stages;
                [Conv2d("round(11 * 2.5) // 2", Kernel = 1)] readonly Conv2d head;
            }
            """)).AssertCompilesCleanly();
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
        var text = run.File("Demo.Stage.g.cs").Text;
        // Checked at run time as at compile time (PyMath.Checked names the class, the let and the expression).
        Assert.Contains("this.width = global::PiXGen.Runtime.PyMath.Checked(() => checked(global::PiXGen.Runtime.PyMath.MakeDivisible(this.channels * this.widthMult, 8)), \"Stage, [Let] width: make_divisible(channels * widthMult, 8)\");", text);
        // make_divisible(40 * 1.1, 8) = 48 (Python); round(27.5) // 2 = 28 // 2 = 14; ceil(2.4) = 3 stages.
        Assert.Contains("new long[] { 14, 8, 8 }", run.File("Demo.Scaled.g.cs").Text);
        var model = RuntimeCheck.Check(RuntimeCheck.Load(run), "Demo.Scaled", 8, 8);
        Assert.Equal(3, ((TorchSharp.Modules.Sequential)model.named_children().Single(c => c.name == "stages").module).Count);
    }

    [Fact]
    public void A_real_where_an_integer_is_needed_is_an_error_with_the_fix()
    {
        var run = GeneratorHarness.Run(Src("""
            [Network(Input = "3x8x8")]
            public partial class Half
            {
                [Arg(0.5)] readonly double ratio;
                [Conv2d("16 * ratio", Kernel = 1)] readonly Conv2d conv;
            }
            """));
        var d = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0003");
        Assert.Contains("'16 * ratio' is a real number but an integer is needed here; make it one with round(), int(), ceil() or floor()", d.GetMessage());
    }
}
