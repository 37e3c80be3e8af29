using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace PiXGen.Generators.Parsing;

/// <summary>
/// A name template of a repeated [Use] (<c>Name = "denselayer{i + 1}"</c>, <c>"block{stage}-{i}"</c>): literal text and
/// integer expressions in braces. Parsed once here; the validator checks its names, shape inference evaluates it per
/// instance, the module emitter writes it as C#.
/// </summary>
public sealed class NameTemplate
{
    /// <summary>The parts in order: a literal (<see cref="Expr"/> null) or an expression (with its text).</summary>
    public IReadOnlyList<(string Text, Expr? Expr)> Parts { get; }

    private NameTemplate(List<(string, Expr?)> parts) { Parts = parts; }

    /// <summary>The characters a literal part may use: letters, digits, '_' and '-' (no '.', which separates paths).</summary>
    public static bool IsNameChar(char ch) => ch < 128 && (char.IsLetterOrDigit(ch) || ch == '_' || ch == '-');

    /// <summary>Parses a template; <see cref="ExprException"/> names what is wrong.</summary>
    public static NameTemplate Parse(string text)
    {
        var parts = new List<(string, Expr?)>();
        var literal = new StringBuilder();
        for (int k = 0; k < text.Length; k++)
        {
            char ch = text[k];
            if (ch == '{')
            {
                int close = text.IndexOf('}', k + 1);
                if (close < 0) throw new ExprException($"'{{' at {k} has no closing '}}'");
                var inner = text.Substring(k + 1, close - k - 1);
                if (inner.Trim().Length == 0) throw new ExprException($"empty '{{}}' at {k}; write an expression such as {{i + 1}}");
                if (literal.Length > 0) { parts.Add((literal.ToString(), null)); literal.Clear(); }
                parts.Add((inner.Trim(), Expr.Parse(inner)));
                k = close;
                continue;
            }
            if (ch == '}') throw new ExprException($"'}}' at {k} has no opening '{{'");
            if (!IsNameChar(ch))
                throw new ExprException($"'{ch}' cannot be part of a registered name (use letters, digits, '_' and '-')");
            literal.Append(ch);
        }
        if (literal.Length > 0) parts.Add((literal.ToString(), null));
        if (parts.Count == 0) throw new ExprException("the name is empty");
        return new NameTemplate(parts);
    }

    /// <summary>The expressions in the template.</summary>
    public IEnumerable<(string Text, Expr Expr)> Expressions => Parts.Where(p => p.Expr is not null).Select(p => (p.Text, p.Expr!));

    /// <summary>The name for one instance; <paramref name="evaluate"/> gives each expression's value, which must be an integer.</summary>
    public string Evaluate(Func<string, Expr, object> evaluate)
    {
        var name = new StringBuilder();
        foreach (var (text, e) in Parts)
        {
            if (e is null) { name.Append(text); continue; }
            var v = evaluate(text, e);
            if (v is not long n) throw new ExprException($"'{{{text}}}' is {Expr.Describe(v)}, not an integer");
            name.Append(n.ToString(CultureInfo.InvariantCulture));
        }
        return name.ToString();
    }

    /// <summary>The template as a C# string expression (invariant integer formatting), given C# for each expression.</summary>
    public string ToCSharp(Func<Expr, string> code)
    {
        var pieces = Parts.Select(p => p.Expr is null ? Quote(p.Text)
            : $"({code(p.Expr)}).ToString(global::System.Globalization.CultureInfo.InvariantCulture)").ToList();
        return pieces.Count == 1 && Parts[0].Expr is null ? pieces[0] : $"string.Concat({string.Join(", ", pieces)})";
    }

    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
