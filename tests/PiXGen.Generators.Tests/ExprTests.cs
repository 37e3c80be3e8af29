using System;
using System.Collections.Generic;
using PiXGen.Generators.Parsing;

namespace PiXGen.Generators.Tests;

/// <summary>The attribute expression language (Parsing/Expr.cs): parsing, evaluation, errors and C# emission.</summary>
public class ExprTests
{
    private static readonly Dictionary<string, object> Env = new()
    {
        ["in"] = 24L, ["planes"] = 64L, ["stride"] = 2L, ["expand"] = 6L, ["flag"] = true, ["i"] = 0L,
    };

    private static object Eval(string text) => Expr.Parse(text).Evaluate(n => Env.TryGetValue(n, out var v) ? v : null);

    [Theory]
    [InlineData("1 + 2 * 3", 7L)]
    [InlineData("(1 + 2) * 3", 9L)]
    [InlineData("10 - 4 - 3", 3L)]
    [InlineData("100 / 10 / 5", 2L)]
    [InlineData("17 % 5 * 2", 4L)]
    [InlineData("-3 * -2", 6L)]
    [InlineData("- (2 + 3)", -5L)]
    [InlineData("7 / 2", 3L)]
    [InlineData("-7 / 2", -3L)]
    [InlineData("planes * expand / 4", 96L)]
    [InlineData("in * expand", 144L)]
    [InlineData("min(planes, 32) + max(1, stride)", 34L)]
    [InlineData("max(min(3, 4), min(5, 6))", 5L)]
    [InlineData("stride == 1 ? 1 : 0", 0L)]
    [InlineData("i == 0 ? 2 : 1", 2L)]
    [InlineData("stride > 1 ? planes : planes * 2", 64L)]
    [InlineData("flag ? 1 : flag ? 2 : 3", 1L)]
    [InlineData("false ? 1 : true ? 2 : 3", 2L)]
    public void Evaluates(string text, long expected) => Assert.Equal(expected, Eval(text));

    [Fact]
    public void LogicalOperatorsShortCircuit()
    {
        // The unknown name on the right is never looked up.
        Assert.Equal(false, Expr.Parse("false && unknown").Evaluate(_ => null));
        Assert.Equal(true, Expr.Parse("true || unknown").Evaluate(_ => null));
        Assert.Equal(5L, Expr.Parse("true ? 5 : unknown").Evaluate(_ => null));
    }

    [Theory]
    [InlineData("1 < 2 && 2 <= 2", true)]
    [InlineData("1 > 2 || 3 >= 4", false)]
    [InlineData("!flag || stride != 2", false)]
    [InlineData("stride == 1 || in != planes", true)]
    [InlineData("1 + 1 == 2", true)]
    [InlineData("!(1 == 1)", false)]
    [InlineData("flag == true", true)]
    [InlineData("true || 1 / 0 == 1", true)]
    public void EvaluatesConditions(string text, bool expected) => Assert.Equal(expected, Eval(text));

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("1 +", "unexpected end")]
    [InlineData("(1 + 2", "missing ')'")]
    [InlineData("1 2", "unexpected '2'")]
    [InlineData("planes planes", "unexpected 'planes'")]
    [InlineData("1 + 2)", "unexpected ')'")]
    [InlineData("sqrt(2)", "unknown function 'sqrt'")]
    [InlineData("min(1)", "min takes 2 arguments, not 1")]
    [InlineData("max(1, 2", "missing ')' after max")]
    [InlineData("1.5.", "malformed number")]
    [InlineData("1e", "malformed number")]
    [InlineData("99999999999999999999", "too large")]
    [InlineData("flag ? 1", "expected ':'")]
    [InlineData("#", "unexpected '#'")]
    public void ParseErrors(string text, string messagePart)
    {
        var ex = Assert.Throws<ExprException>(() => Expr.Parse(text));
        Assert.Contains(messagePart, ex.Message);
    }

    [Theory]
    [InlineData("1 / 0", "division by zero")]
    [InlineData("planes % (stride - 2)", "division by zero")]
    [InlineData("missing + 1", "unknown name 'missing'")]
    [InlineData("flag + 1", "needs numbers")]
    [InlineData("-flag", "'-' needs a number")]
    [InlineData("!planes", "'!' needs a condition")]
    [InlineData("planes ? 1 : 2", "must be true/false")]
    [InlineData("planes && flag", "needs conditions")]
    [InlineData("min(flag, 1)", "min needs numbers")]
    public void EvaluationErrors(string text, string messagePart)
    {
        var ex = Assert.Throws<ExprException>(() => Eval(text));
        Assert.Contains(messagePart, ex.Message);
    }

    [Fact]
    public void EvaluateIntAndBool_CheckTheResultType()
    {
        Assert.Equal(3L, Expr.Parse("1 + 2").EvaluateInt(_ => null));
        Assert.True(Expr.Parse("1 < 2").EvaluateBool(_ => null));
        Assert.Throws<ExprException>(() => Expr.Parse("1 < 2").EvaluateInt(_ => null));
        Assert.Throws<ExprException>(() => Expr.Parse("1 + 2").EvaluateBool(_ => null));
    }

    [Fact]
    public void Overflow_IsAnExprException()
        => Assert.Throws<ExprException>(() => Eval("(-9223372036854775807 - 1) / -1"));

    [Fact]
    public void CollectsIdentifiers()
    {
        var ids = new HashSet<string>();
        Expr.Parse("stride == 1 && in == planes ? min(a, b) : -c").CollectIdentifiers(ids);
        Assert.Equal(new[] { "a", "b", "c", "in", "planes", "stride" }, new SortedSet<string>(ids, StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("1 + 2 * 3", "1 + 2 * 3")]
    [InlineData("(1 + 2) * 3", "(1 + 2) * 3")]
    [InlineData("a - (b - c)", "this.a - (this.b - this.c)")]
    [InlineData("(a - b) - c", "this.a - this.b - this.c")]
    [InlineData("a / (b * c)", "this.a / (this.b * this.c)")]
    [InlineData("-(a + 1)", "-(this.a + 1)")]
    [InlineData("!(a == 1)", "!(this.a == 1)")]
    [InlineData("in * 2", "in_channels * 2")]
    [InlineData("i == 0 ? 2 : 1", "i == 0 ? 2 : 1")]
    [InlineData("a ? b ? 1 : 2 : 3", "this.a ? (this.b ? 1 : 2) : 3")]
    [InlineData("(a ? 1 : 2) + 3", "(this.a ? 1 : 2) + 3")]
    [InlineData("min(a, max(b, 2))", "global::System.Math.Min(this.a, global::System.Math.Max(this.b, 2))")]
    [InlineData("a < b == (c < d)", "this.a < this.b == this.c < this.d")]
    [InlineData("(a == b) == c", "this.a == this.b == this.c")]
    [InlineData("a == (b == c)", "this.a == (this.b == this.c)")]
    public void ToCSharp(string text, string expected)
        => Assert.Equal(expected, Expr.Parse(text).ToCSharp(n => n switch { "in" => "in_channels", "i" => "i", _ => "this." + n }));

    /// <summary>
    /// Round trip: the emitted C# (identity names) parses back to an expression that evaluates to the same
    /// value and emits the same text — so precedence survives emission.
    /// </summary>
    [Theory]
    [InlineData("1 + 2 * 3 - 4 / 2 % 3")]
    [InlineData("(1 + 2) * (3 - 4) / -(2 - 5)")]
    [InlineData("10 - (4 - 3) - (2 - 1)")]
    [InlineData("100 / (10 / 5) / (2 * 1)")]
    [InlineData("planes * expand / 4 + in % 5")]
    [InlineData("stride == 1 && in == planes || !flag")]
    [InlineData("stride != 1 || (in != planes && flag)")]
    [InlineData("(stride == 1 ? 1 : 2) * (flag ? planes : in)")]
    [InlineData("flag ? stride > 1 ? 3 : 4 : 5")]
    [InlineData("(flag ? 1 : 0) == 1 ? -1 : -2")]
    [InlineData("min(planes - in, max(stride * 3, 2)) - -1")]
    [InlineData("1 < 2 == (3 < 4)")]
    public void ToCSharp_RoundTrips(string text)
    {
        var e = Expr.Parse(text);
        var cs = e.ToCSharp(n => n);
        var back = Expr.Parse(cs.Replace("global::System.Math.Min", "min").Replace("global::System.Math.Max", "max"));
        Assert.Equal(Eval(text), back.Evaluate(n => Env.TryGetValue(n, out var v) ? v : null));
        Assert.Equal(cs, back.ToCSharp(n => n));
    }

    [Fact]
    public void NamedArguments()
    {
        var args = Expr.ParseNamedArguments("planes: 64, stride: i == 0 ? 2 : 1, width: min(a, b)");
        Assert.Equal(new[] { "planes", "stride", "width" }, args.ConvertAll(kv => kv.Key));
        Assert.Equal("i == 0 ? 2 : 1", args[1].Value.ToCSharp(n => n));
        Assert.Empty(Expr.ParseNamedArguments("  "));
        Assert.Contains("not a named argument", Assert.Throws<ExprException>(() => Expr.ParseNamedArguments("64")).Message);
        Assert.Contains("given twice", Assert.Throws<ExprException>(() => Expr.ParseNamedArguments("a: 1, a: 2")).Message);
        Assert.Contains("not a valid argument name", Assert.Throws<ExprException>(() => Expr.ParseNamedArguments("1a: 1")).Message);
        Assert.Contains("argument 'a'", Assert.Throws<ExprException>(() => Expr.ParseNamedArguments("a: 1 +")).Message);
    }
}
