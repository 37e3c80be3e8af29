using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace PiXGen.Generators.Parsing;

/// <summary>Thrown for malformed or unevaluable expressions; turned into PIX0003 at the attribute.</summary>
public sealed class ExprException : Exception
{
    public ExprException(string message) : base(message) { }
}

/// <summary>
/// The expression language of attribute settings: a small, side-effect-free subset of C# over
/// integers and booleans. Parsed once, then evaluated at compile time (shape inference) and emitted
/// as C# into the generated constructor.
/// </summary>
public abstract class Expr
{
    /// <summary>
    /// Evaluates with checked 64-bit arithmetic. With <paramref name="int32"/> (which names are declared <c>int</c>),
    /// an operation whose operands are both <c>int</c> in the generated C# — int names, literals that fit in an int, and
    /// results of such operations — must also fit in 32 bits: the emitted code computes it in <c>int</c> and would wrap
    /// where this evaluation does not, so compile time and run time would disagree. Such an overflow is an
    /// <see cref="ExprException"/> naming the operation.
    /// </summary>
    public abstract object Evaluate(Func<string, object?> lookup, Func<string, bool>? int32 = null);

    /// <summary>Whether the generated C# computes this integer expression in <c>int</c> (32 bits), given which names are int.</summary>
    internal abstract bool IsInt32(Func<string, bool> int32);

    /// <summary>The overflow check of <see cref="Evaluate"/> for one int operation.</summary>
    internal static long CheckInt32(long value, Expr node, Func<string, bool>? int32)
    {
        if (int32 is null || !node.IsInt32(int32) || (value >= int.MinValue && value <= int.MaxValue)) return value;
        throw new ExprException(
            $"integer overflow: '{node.ToSource(n => n)}' is {value.ToString("N0", CultureInfo.InvariantCulture)}, which does not fit in an int " +
            "(the generated code computes it in int, where it would wrap); declare the arguments it uses as long, or use smaller values");
    }
    internal abstract int Precedence { get; }
    internal abstract void Emit(StringBuilder sb, Func<string, string> names);
    public abstract void CollectIdentifiers(ISet<string> into);

    /// <summary>
    /// Partial evaluation: names that <paramref name="known"/> gives a value for become constants, and every
    /// subexpression whose operands are constants is folded (a '?:' with a constant condition becomes its branch).
    /// Used to unroll a repeated [Use] (<c>i</c> known), so a repeat's arguments read as if written one by one.
    /// </summary>
    public abstract Expr Fold(Func<string, object?> known);

    internal static Expr Constant(object v) => v is bool b ? new BoolExpr(b) : new NumberExpr((long)v);

    internal static bool IsConstant(Expr e) => e is NumberExpr or BoolExpr;

    /// <summary>Folds a node whose operands are folded: evaluates it when they are all constant (errors stay unfolded).</summary>
    internal static Expr FoldNode(Expr node, params Expr[] operands)
    {
        foreach (var o in operands) if (!IsConstant(o)) return node;
        try { return Constant(node.Evaluate(_ => null, _ => false)); }
        catch (ExprException) { return node; }
    }

    public string ToCSharp(Func<string, string> names)
    {
        var sb = new StringBuilder();
        Emit(sb, names);
        return sb.ToString();
    }

    /// <summary>The expression in PiXGen's own syntax (for rewritten declarations).</summary>
    public string ToSource(Func<string, string> names)
        => ToCSharp(names).Replace("global::System.Math.Min(", "min(").Replace("global::System.Math.Max(", "max(");

    public long EvaluateInt(Func<string, object?> lookup)
    {
        var v = Evaluate(lookup);
        if (v is long l) return l;
        throw new ExprException($"expected an integer but the expression is a {Describe(v)}");
    }

    public bool EvaluateBool(Func<string, object?> lookup)
    {
        var v = Evaluate(lookup);
        if (v is bool b) return b;
        throw new ExprException($"expected a condition (true/false) but the expression is an integer");
    }

    /// <summary>Runs checked 64-bit arithmetic (callers write <c>checked(...)</c>), reporting overflow as an expression error instead of wrapping.</summary>
    internal static long Checked(Func<long> f)
    {
        try { return f(); }
        catch (OverflowException) { throw new ExprException("integer overflow (the value does not fit in 64 bits)"); }
    }

    /// <summary>
    /// The static type of the expression, "int" (any integer) or "bool", given the types of names; throws
    /// <see cref="ExprException"/> on a type error. Lets the validator check blocks no network instantiates.
    /// </summary>
    public abstract string InferType(Func<string, string?> typeOf);

    internal static string Expect(Expr e, string type, Func<string, string?> typeOf, string what)
    {
        var t = e.InferType(typeOf);
        if (t != type) throw new ExprException($"{what} needs {(type == "bool" ? "a condition" : "an integer")}, not {(t == "bool" ? "a condition" : "an integer")}");
        return t;
    }

    internal static string Describe(object v) => v is bool ? "condition" : "integer";

    internal static void EmitChild(StringBuilder sb, Expr child, int parentPrecedence, Func<string, string> names, bool rightAssocSide = false)
    {
        bool paren = child.Precedence < parentPrecedence || (rightAssocSide && child.Precedence == parentPrecedence);
        if (paren) sb.Append('(');
        child.Emit(sb, names);
        if (paren) sb.Append(')');
    }

    // ---------------- parser ----------------

    public static Expr Parse(string text)
    {
        if (text is null || text.Trim().Length == 0) throw new ExprException("the expression is empty");
        var p = new Parser(text);
        var e = p.ParseConditional();
        p.ExpectEnd();
        return e;
    }

    /// <summary>Parses named arguments "a: expr, b: expr" into (name, expression) pairs.</summary>
    public static List<KeyValuePair<string, Expr>> ParseNamedArguments(string text)
    {
        var result = new List<KeyValuePair<string, Expr>>();
        if (string.IsNullOrWhiteSpace(text)) return result;
        var parts = new List<string>();
        int depth = 0, start = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '(') depth++;
            else if (c == ')') depth--;
            else if (c == ',' && depth == 0) { parts.Add(text.Substring(start, i - start)); start = i + 1; }
        }
        parts.Add(text.Substring(start));
        foreach (var raw in parts)
        {
            var part = raw.Trim();
            int colon = part.IndexOf(':');
            if (colon <= 0) throw new ExprException($"'{part}' is not a named argument; write 'name: value'");
            var name = part.Substring(0, colon).Trim();
            if (!IsIdentifier(name)) throw new ExprException($"'{name}' is not a valid argument name");
            foreach (var kv in result)
                if (kv.Key == name) throw new ExprException($"argument '{name}' is given twice");
            var valueText = part.Substring(colon + 1);
            Expr value;
            try { value = Parse(valueText); }
            catch (ExprException ex) { throw new ExprException($"argument '{name}': {ex.Message}"); }
            result.Add(new KeyValuePair<string, Expr>(name, value));
        }
        return result;
    }

    public static bool IsIdentifier(string s)
    {
        if (s.Length == 0 || !(char.IsLetter(s[0]) || s[0] == '_')) return false;
        foreach (var c in s) if (!(char.IsLetterOrDigit(c) || c == '_')) return false;
        return true;
    }

    private sealed class Parser
    {
        private readonly string _s;
        private int _i;
        public Parser(string s) { _s = s; }

        private void Skip() { while (_i < _s.Length && char.IsWhiteSpace(_s[_i])) _i++; }

        private bool Accept(string tok)
        {
            Skip();
            if (string.CompareOrdinal(_s, _i, tok, 0, tok.Length) == 0)
            {
                // don't split "<=" when asked for "<", "&&" when asked for "&", etc.
                if (tok.Length == 1 && _i + 1 < _s.Length && "=&|".IndexOf(_s[_i + 1]) >= 0 && "<>=!&|".IndexOf(tok[0]) >= 0
                    && !(tok[0] == '=' )) return false;
                _i += tok.Length;
                return true;
            }
            return false;
        }

        public void ExpectEnd()
        {
            Skip();
            if (_i < _s.Length) throw new ExprException($"unexpected '{_s.Substring(_i)}' in '{_s.Trim()}'");
        }

        public Expr ParseConditional()
        {
            var c = ParseBinary(0);
            if (Accept("?"))
            {
                var a = ParseConditional();
                if (!Accept(":")) throw new ExprException($"expected ':' in conditional '{_s.Trim()}'");
                var b = ParseConditional();
                return new CondExpr(c, a, b);
            }
            return c;
        }

        private static readonly string[][] Levels =
        {
            new[] { "||" }, new[] { "&&" }, new[] { "==", "!=" }, new[] { "<=", ">=", "<", ">" },
            new[] { "+", "-" }, new[] { "*", "/", "%" },
        };

        private Expr ParseBinary(int level)
        {
            if (level == Levels.Length) return ParseUnary();
            var left = ParseBinary(level + 1);
            while (true)
            {
                string? op = null;
                foreach (var candidate in Levels[level])
                    if (Accept(candidate)) { op = candidate; break; }
                if (op is null) return left;
                var right = ParseBinary(level + 1);
                left = new BinaryExpr(op, left, right, level + 1);
            }
        }

        private Expr ParseUnary()
        {
            if (Accept("-")) return new UnaryExpr("-", ParseUnary());
            if (Accept("!")) return new UnaryExpr("!", ParseUnary());
            return ParsePrimary();
        }

        private Expr ParsePrimary()
        {
            Skip();
            if (_i >= _s.Length) throw new ExprException($"unexpected end of '{_s.Trim()}'");
            char c = _s[_i];
            if (c == '(')
            {
                _i++;
                var e = ParseConditional();
                if (!Accept(")")) throw new ExprException($"missing ')' in '{_s.Trim()}'");
                return e;
            }
            if (char.IsDigit(c))
            {
                int start = _i;
                while (_i < _s.Length && char.IsDigit(_s[_i])) _i++;
                if (_i < _s.Length && (_s[_i] == '.' || _s[_i] == 'e' || _s[_i] == 'E'))
                    throw new ExprException($"only integers are supported, not '{_s.Trim()}'");
                if (!long.TryParse(_s.Substring(start, _i - start), NumberStyles.None, CultureInfo.InvariantCulture, out var v))
                    throw new ExprException($"integer '{_s.Substring(start, _i - start)}' is too large");
                return new NumberExpr(v);
            }
            if (char.IsLetter(c) || c == '_')
            {
                int start = _i;
                while (_i < _s.Length && (char.IsLetterOrDigit(_s[_i]) || _s[_i] == '_')) _i++;
                var name = _s.Substring(start, _i - start);
                if (name == "true") return new BoolExpr(true);
                if (name == "false") return new BoolExpr(false);
                if (Accept("("))
                {
                    if (name != "min" && name != "max") throw new ExprException($"unknown function '{name}'; min and max are available");
                    var a = ParseConditional();
                    if (!Accept(",")) throw new ExprException($"{name} takes two arguments");
                    var b = ParseConditional();
                    if (!Accept(")")) throw new ExprException($"missing ')' after {name}(...)");
                    return new CallExpr(name, a, b);
                }
                return new IdentExpr(name);
            }
            throw new ExprException($"unexpected '{c}' in '{_s.Trim()}'");
        }
    }
}

internal sealed class NumberExpr : Expr
{
    public readonly long Value;
    public NumberExpr(long v) { Value = v; }
    public override object Evaluate(Func<string, object?> lookup, Func<string, bool>? int32 = null) => Value;
    internal override bool IsInt32(Func<string, bool> int32) => Value >= int.MinValue && Value <= int.MaxValue;
    public override string InferType(Func<string, string?> typeOf) => "int";
    internal override int Precedence => 100;
    internal override void Emit(StringBuilder sb, Func<string, string> names) => sb.Append(Value.ToString(CultureInfo.InvariantCulture));
    public override void CollectIdentifiers(ISet<string> into) { }
    public override Expr Fold(Func<string, object?> known) => this;
}

internal sealed class BoolExpr : Expr
{
    public readonly bool Value;
    public BoolExpr(bool v) { Value = v; }
    public override object Evaluate(Func<string, object?> lookup, Func<string, bool>? int32 = null) => Value;
    internal override bool IsInt32(Func<string, bool> int32) => false;
    public override string InferType(Func<string, string?> typeOf) => "bool";
    internal override int Precedence => 100;
    internal override void Emit(StringBuilder sb, Func<string, string> names) => sb.Append(Value ? "true" : "false");
    public override void CollectIdentifiers(ISet<string> into) { }
    public override Expr Fold(Func<string, object?> known) => this;
}

internal sealed class IdentExpr : Expr
{
    public readonly string Name;
    public IdentExpr(string name) { Name = name; }
    public override object Evaluate(Func<string, object?> lookup, Func<string, bool>? int32 = null)
        => lookup(Name) ?? throw new ExprException($"unknown name '{Name}'");
    internal override bool IsInt32(Func<string, bool> int32) => int32(Name);
    public override string InferType(Func<string, string?> typeOf) => typeOf(Name) ?? throw new ExprException($"unknown name '{Name}'");
    internal override int Precedence => 100;
    internal override void Emit(StringBuilder sb, Func<string, string> names) => sb.Append(names(Name));
    public override void CollectIdentifiers(ISet<string> into) => into.Add(Name);
    public override Expr Fold(Func<string, object?> known) => known(Name) is { } v ? Constant(v) : this;
}

internal sealed class UnaryExpr : Expr
{
    private readonly string _op; private readonly Expr _e;
    public UnaryExpr(string op, Expr e) { _op = op; _e = e; }
    public override object Evaluate(Func<string, object?> lookup, Func<string, bool>? int32 = null)
    {
        var v = _e.Evaluate(lookup, int32);
        if (_op == "-") return v is long l ? CheckInt32(Checked(() => checked(-l)), this, int32) : throw new ExprException("'-' needs an integer");
        return v is bool b ? !b : throw new ExprException("'!' needs a condition");
    }
    internal override int Precedence => 90;
    internal override bool IsInt32(Func<string, bool> int32) => _op == "-" && _e.IsInt32(int32);
    public override string InferType(Func<string, string?> typeOf)
        => Expect(_e, _op == "-" ? "int" : "bool", typeOf, $"'{_op}'");
    internal override void Emit(StringBuilder sb, Func<string, string> names) { sb.Append(_op); EmitChild(sb, _e, Precedence, names); }
    public override void CollectIdentifiers(ISet<string> into) => _e.CollectIdentifiers(into);
    public override Expr Fold(Func<string, object?> known)
    {
        var e = _e.Fold(known);
        return FoldNode(new UnaryExpr(_op, e), e);
    }
}

internal sealed class BinaryExpr : Expr
{
    private readonly string _op; private readonly Expr _l, _r; private readonly int _prec;
    public BinaryExpr(string op, Expr l, Expr r, int prec) { _op = op; _l = l; _r = r; _prec = prec; }
    internal override int Precedence => _prec;
    internal override bool IsInt32(Func<string, bool> int32)
        => _op is "+" or "-" or "*" or "/" or "%" && _l.IsInt32(int32) && _r.IsInt32(int32);
    public override string InferType(Func<string, string?> typeOf)
    {
        switch (_op)
        {
            case "&&": case "||":
                Expect(_l, "bool", typeOf, $"'{_op}'"); Expect(_r, "bool", typeOf, $"'{_op}'"); return "bool";
            case "==": case "!=":
                var lt = _l.InferType(typeOf);
                Expect(_r, lt, typeOf, $"'{_op}' with {(lt == "bool" ? "a condition" : "an integer")} on its left");
                return "bool";
            case "<": case "<=": case ">": case ">=":
                Expect(_l, "int", typeOf, $"'{_op}'"); Expect(_r, "int", typeOf, $"'{_op}'"); return "bool";
            default:
                Expect(_l, "int", typeOf, $"'{_op}'"); Expect(_r, "int", typeOf, $"'{_op}'"); return "int";
        }
    }
    public override object Evaluate(Func<string, object?> lookup, Func<string, bool>? int32 = null)
    {
        var a = _l.Evaluate(lookup, int32);
        if (_op == "&&" || _op == "||")
        {
            if (a is not bool ab) throw new ExprException($"'{_op}' needs conditions");
            if (_op == "&&" && !ab) return false;
            if (_op == "||" && ab) return true;
            var bb = _r.Evaluate(lookup, int32);
            return bb is bool rb ? rb : throw new ExprException($"'{_op}' needs conditions");
        }
        var b = _r.Evaluate(lookup, int32);
        if (_op == "==") return a.Equals(b);
        if (_op == "!=") return !a.Equals(b);
        if (a is not long x || b is not long y) throw new ExprException($"'{_op}' needs integers");
        switch (_op)
        {
            case "+": return CheckInt32(Checked(() => checked(x + y)), this, int32);
            case "-": return CheckInt32(Checked(() => checked(x - y)), this, int32);
            case "*": return CheckInt32(Checked(() => checked(x * y)), this, int32);
            case "/": if (y == 0) throw new ExprException("division by zero"); return CheckInt32(Checked(() => checked(x / y)), this, int32);
            case "%": if (y == 0) throw new ExprException("division by zero"); return Checked(() => checked(y == -1 ? 0 : x % y));
            case "<": return x < y;
            case "<=": return x <= y;
            case ">": return x > y;
            case ">=": return x >= y;
        }
        throw new ExprException($"unknown operator '{_op}'");
    }
    internal override void Emit(StringBuilder sb, Func<string, string> names)
    {
        EmitChild(sb, _l, _prec, names);
        sb.Append(' ').Append(_op).Append(' ');
        EmitChild(sb, _r, _prec, names, rightAssocSide: true);
    }
    public override void CollectIdentifiers(ISet<string> into) { _l.CollectIdentifiers(into); _r.CollectIdentifiers(into); }
    public override Expr Fold(Func<string, object?> known)
    {
        Expr l = _l.Fold(known), r = _r.Fold(known);
        // Short-circuit with one constant side: false && x, true || x.
        if ((_op == "&&" || _op == "||") && l is BoolExpr lb && lb.Value == (_op == "||")) return lb;
        return FoldNode(new BinaryExpr(_op, l, r, _prec), l, r);
    }
}

internal sealed class CondExpr : Expr
{
    private readonly Expr _c, _a, _b;
    public CondExpr(Expr c, Expr a, Expr b) { _c = c; _a = a; _b = b; }
    internal override int Precedence => 0;
    public override string InferType(Func<string, string?> typeOf)
    {
        Expect(_c, "bool", typeOf, "the condition of '?:'");
        var t = _a.InferType(typeOf);
        Expect(_b, t, typeOf, "both branches of '?:'");
        return t;
    }
    public override object Evaluate(Func<string, object?> lookup, Func<string, bool>? int32 = null)
    {
        var c = _c.Evaluate(lookup, int32);
        if (c is not bool cb) throw new ExprException("the condition of '?:' must be true/false");
        return cb ? _a.Evaluate(lookup, int32) : _b.Evaluate(lookup, int32);
    }
    internal override bool IsInt32(Func<string, bool> int32) => _a.IsInt32(int32) && _b.IsInt32(int32);
    internal override void Emit(StringBuilder sb, Func<string, string> names)
    {
        EmitChild(sb, _c, 1, names); sb.Append(" ? ");
        EmitChild(sb, _a, 1, names); sb.Append(" : ");
        EmitChild(sb, _b, 0, names);
    }
    public override void CollectIdentifiers(ISet<string> into) { _c.CollectIdentifiers(into); _a.CollectIdentifiers(into); _b.CollectIdentifiers(into); }
    public override Expr Fold(Func<string, object?> known)
    {
        var c = _c.Fold(known);
        if (c is BoolExpr cb) return cb.Value ? _a.Fold(known) : _b.Fold(known);
        return new CondExpr(c, _a.Fold(known), _b.Fold(known));
    }
}

internal sealed class CallExpr : Expr
{
    private readonly string _f; private readonly Expr _a, _b;
    public CallExpr(string f, Expr a, Expr b) { _f = f; _a = a; _b = b; }
    internal override int Precedence => 100;
    public override string InferType(Func<string, string?> typeOf)
    {
        Expect(_a, "int", typeOf, _f); Expect(_b, "int", typeOf, _f); return "int";
    }
    internal override bool IsInt32(Func<string, bool> int32) => _a.IsInt32(int32) && _b.IsInt32(int32);
    public override object Evaluate(Func<string, object?> lookup, Func<string, bool>? int32 = null)
    {
        if (_a.Evaluate(lookup, int32) is not long x || _b.Evaluate(lookup, int32) is not long y) throw new ExprException($"{_f} needs integers");
        return _f == "min" ? Math.Min(x, y) : Math.Max(x, y);
    }
    internal override void Emit(StringBuilder sb, Func<string, string> names)
    {
        sb.Append("global::System.Math.").Append(_f == "min" ? "Min" : "Max").Append('(');
        _a.Emit(sb, names); sb.Append(", "); _b.Emit(sb, names); sb.Append(')');
    }
    public override void CollectIdentifiers(ISet<string> into) { _a.CollectIdentifiers(into); _b.CollectIdentifiers(into); }
    public override Expr Fold(Func<string, object?> known)
    {
        Expr a = _a.Fold(known), b = _b.Fold(known);
        return FoldNode(new CallExpr(_f, a, b), a, b);
    }
}
