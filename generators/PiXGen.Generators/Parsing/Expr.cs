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
/// integers, reals and booleans, with Python's real arithmetic where torchvision's builders need it (<c>//</c>,
/// <c>round</c>, <c>ceil</c>, <c>floor</c>, <c>int</c>, <c>log</c>, <c>pow</c>, <c>sum</c>, slices, <c>make_divisible</c>,
/// RegNet's width rule; src/PiXGen.Definitions/PyMath.cs, shared with
/// the runtime). Parsed once, then evaluated at compile time (shape inference) and emitted as C# into the generated
/// constructor. Values are <c>long</c>, <c>double</c> or <c>bool</c>; static types "int", "double", "bool".
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

    /// <summary>
    /// Whether evaluating the expression can fail on an arithmetic rule, given the static types of names: an operation on
    /// two integers that can overflow or divide by zero (<c>+ - * / // %</c>, negation), or a PyMath function that checks
    /// its result (<c>round</c>, <c>make_divisible</c>, …); real arithmetic cannot. The generated constructor computes such
    /// an expression over the arguments in <c>checked</c> context (PyMath.Checked), so that run time reports what
    /// compile time reports (PIX0003) instead of wrapping.
    /// </summary>
    internal virtual bool MayFail(Func<string, string?> typeOf) => false;

    /// <summary>Whether both operands are integers (a type error counts as yes: the check stays).</summary>
    internal static bool Integers(Func<string, string?> typeOf, params Expr[] operands)
    {
        try { return Array.TrueForAll(operands, o => o.InferType(typeOf) == "int"); }
        catch (ExprException) { return true; }
    }

    /// <summary>Writes the expression as C# (<paramref name="source"/> false) or in PiXGen's own syntax (true).</summary>
    internal abstract void Emit(StringBuilder sb, Func<string, string> names, bool source);
    public abstract void CollectIdentifiers(ISet<string> into);

    /// <summary>
    /// Partial evaluation: names that <paramref name="known"/> gives a value for become constants, and every
    /// subexpression whose operands are constants is folded (a '?:' with a constant condition becomes its branch).
    /// Used to unroll a repeated [Use] (<c>i</c> known), so a repeat's arguments read as if written one by one.
    /// </summary>
    public abstract Expr Fold(Func<string, object?> known);

    internal static Expr Constant(object v) => v switch
    {
        bool b => new BoolExpr(b), double d => new RealExpr(d),
        long[] list => new ArrayExpr(Array.ConvertAll(list, x => (Expr)new NumberExpr(x))),
        _ => new NumberExpr((long)v),
    };

    internal static bool IsConstant(Expr e) => e is NumberExpr or BoolExpr or RealExpr || e is ArrayExpr a && a.AllConstant;

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
        Emit(sb, names, source: false);
        return sb.ToString();
    }

    /// <summary>The expression in PiXGen's own syntax (for rewritten declarations and messages).</summary>
    public string ToSource(Func<string, string> names)
    {
        var sb = new StringBuilder();
        Emit(sb, names, source: true);
        return sb.ToString();
    }

    public long EvaluateInt(Func<string, object?> lookup)
    {
        var v = Evaluate(lookup);
        if (v is long l) return l;
        throw new ExprException($"expected an integer but the expression is {Describe(v)}" + (v is double ? RealHint : ""));
    }

    /// <summary>What to write where a real number is given and an integer is needed.</summary>
    internal const string RealHint = "; make it one with round(), int(), ceil() or floor()";

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

    /// <summary>Whether a value of static type <paramref name="type"/> may stand where <paramref name="expected"/> is
    /// needed: the same type, or an integer where a real is needed (C# converts it).</summary>
    public static bool Fits(string type, string expected) => type == expected || (expected == "double" && type == "int");

    internal static string Expect(Expr e, string type, Func<string, string?> typeOf, string what)
    {
        var t = e.InferType(typeOf);
        if (!Fits(t, type)) throw new ExprException($"{what} needs {TypeWords(type)}, not {TypeWords(t)}" + (t == "double" && type == "int" ? RealHint : ""));
        return t;
    }

    /// <summary>A number (integer or real): the type of the operand.</summary>
    internal static string ExpectNumber(Expr e, Func<string, string?> typeOf, string what)
    {
        var t = e.InferType(typeOf);
        if (t != "int" && t != "double") throw new ExprException($"{what} needs a number, not {TypeWords(t)}");
        return t;
    }

    /// <summary>"an integer", "a real number", "a condition".</summary>
    public static string TypeWords(string type) => type switch { "bool" => "a condition", "double" => "a real number", ListType => "a list of integers", _ => "an integer" };

    internal static string Describe(object v) => v switch { bool => "a condition", double => "a real number", long[] => "a list of integers", _ => "an integer" };

    /// <summary>The static type of a list of integers (<c>[64, M, 128]</c>, an <c>int[]</c> [Arg] or [Let]).</summary>
    public const string ListType = "int[]";

    /// <summary>A numeric value as a real (integers convert).</summary>
    internal static bool TryReal(object v, out double d)
    {
        switch (v)
        {
            case long l: d = l; return true;
            case double x: d = x; return true;
            default: d = 0; return false;
        }
    }

    internal static void EmitChild(StringBuilder sb, Expr child, int parentPrecedence, Func<string, string> names, bool source, bool rightAssocSide = false)
    {
        bool paren = child.Precedence < parentPrecedence || (rightAssocSide && child.Precedence == parentPrecedence);
        if (paren) sb.Append('(');
        child.Emit(sb, names, source);
        if (paren) sb.Append(')');
    }

    /// <summary>The C# of a runtime helper call (src/PiXGen.Definitions/PyMath.cs).</summary>
    internal const string PyMath = "global::PiXGen.Runtime.PyMath.";

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
            if (c == '(' || c == '[') depth++;
            else if (c == ')' || c == ']') depth--;
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

        private bool Peek(char c) { Skip(); return _i < _s.Length && _s[_i] == c; }

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
            new[] { "+", "-" }, new[] { "*", "//", "/", "%" },
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
            var e = ParsePrimary();
            while (Accept("["))
            {
                // An entry, list[i], or Python's slice, list[a:b] (either bound may be left out).
                var index = Accept(":") ? null : ParseConditional();
                if (index is null || Accept(":"))
                {
                    var end = Peek(']') ? null : ParseConditional();
                    if (!Accept("]")) throw new ExprException($"missing ']' in '{_s.Trim()}'");
                    e = new SliceExpr(e, index, end);
                    continue;
                }
                if (!Accept("]")) throw new ExprException($"missing ']' in '{_s.Trim()}'");
                e = new IndexExpr(e, index);
            }
            return e;
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
            if (c == '[')
            {
                // A list of integers: [64, M, 128, M] (Python's list, C#'s int[]).
                _i++;
                var items = new List<Expr>();
                if (!Accept("]"))
                {
                    items.Add(ParseConditional());
                    while (Accept(",")) items.Add(ParseConditional());
                    if (!Accept("]")) throw new ExprException($"missing ']' in '{_s.Trim()}'");
                }
                return new ArrayExpr(items.ToArray());
            }
            if (char.IsDigit(c))
            {
                int start = _i;
                while (_i < _s.Length && char.IsDigit(_s[_i])) _i++;
                bool real = false;
                if (_i + 1 < _s.Length && _s[_i] == '.' && char.IsDigit(_s[_i + 1]))
                {
                    real = true; _i++;
                    while (_i < _s.Length && char.IsDigit(_s[_i])) _i++;
                }
                if (_i < _s.Length && (_s[_i] == 'e' || _s[_i] == 'E'))
                {
                    int mark = _i++;
                    if (_i < _s.Length && (_s[_i] == '+' || _s[_i] == '-')) _i++;
                    if (_i >= _s.Length || !char.IsDigit(_s[_i])) throw new ExprException($"malformed number '{_s.Substring(start, _i - start)}' in '{_s.Trim()}'");
                    while (_i < _s.Length && char.IsDigit(_s[_i])) _i++;
                    real = mark >= 0;
                }
                if (_i < _s.Length && (char.IsLetter(_s[_i]) || _s[_i] == '_' || _s[_i] == '.'))
                    throw new ExprException($"malformed number in '{_s.Trim()}'");
                var digits = _s.Substring(start, _i - start);
                if (real)
                {
                    var d = double.Parse(digits, NumberStyles.Float, CultureInfo.InvariantCulture);
                    if (double.IsInfinity(d)) throw new ExprException($"real number '{digits}' is too large");
                    return new RealExpr(d);
                }
                if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var v))
                    throw new ExprException($"integer '{digits}' is too large");
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
                    if (!CallExpr.Arity.TryGetValue(name, out var arity))
                        throw new ExprException($"unknown function '{name}'" +
                            (Suggest.Closest(name, CallExpr.Arity.Keys) is { } near ? $" (did you mean '{near}'?)" : "") +
                            $"; available: {string.Join(", ", CallExpr.Arity.Keys)}");
                    var args = new List<Expr>();
                    if (!Accept(")"))
                    {
                        args.Add(ParseConditional());
                        while (Accept(",")) args.Add(ParseConditional());
                        if (!Accept(")")) throw new ExprException($"missing ')' after {name}(...)");
                    }
                    if (args.Count < arity.Min || args.Count > arity.Max)
                        throw new ExprException($"{name} takes {(arity.Min == arity.Max ? arity.Min.ToString(CultureInfo.InvariantCulture) : $"{arity.Min} or {arity.Max}")} argument{(arity.Max == 1 ? "" : "s")}, not {args.Count}");
                    return new CallExpr(name, args.ToArray());
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
    internal override void Emit(StringBuilder sb, Func<string, string> names, bool source) => sb.Append(Value.ToString(CultureInfo.InvariantCulture));
    public override void CollectIdentifiers(ISet<string> into) { }
    public override Expr Fold(Func<string, object?> known) => this;
}

/// <summary>A real literal (<c>0.25</c>, <c>1e-3</c>).</summary>
internal sealed class RealExpr : Expr
{
    public readonly double Value;
    public RealExpr(double v) { Value = v; }
    public override object Evaluate(Func<string, object?> lookup, Func<string, bool>? int32 = null) => Value;
    internal override bool IsInt32(Func<string, bool> int32) => false;
    public override string InferType(Func<string, string?> typeOf) => "double";
    internal override int Precedence => 100;
    internal override void Emit(StringBuilder sb, Func<string, string> names, bool source)
    {
        var text = Value.ToString("R", CultureInfo.InvariantCulture);
        sb.Append(text);
        if (text.IndexOf('.') < 0 && text.IndexOf('E') < 0) sb.Append(".0");   // stays a real in C#
    }
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
    internal override void Emit(StringBuilder sb, Func<string, string> names, bool source) => sb.Append(Value ? "true" : "false");
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
    internal override void Emit(StringBuilder sb, Func<string, string> names, bool source) => sb.Append(names(Name));
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
        if (_op == "-")
            return v switch
            {
                long l => (object)CheckInt32(Checked(() => checked(-l)), this, int32),
                double d => -d,
                _ => throw new ExprException("'-' needs a number"),
            };
        return v is bool b ? !b : throw new ExprException("'!' needs a condition");
    }
    internal override int Precedence => 90;
    internal override bool IsInt32(Func<string, bool> int32) => _op == "-" && _e.IsInt32(int32);
    internal override bool MayFail(Func<string, string?> typeOf) => _op == "-" && Integers(typeOf, _e) || _e.MayFail(typeOf);
    public override string InferType(Func<string, string?> typeOf)
        => _op == "-" ? ExpectNumber(_e, typeOf, "'-'") : Expect(_e, "bool", typeOf, $"'{_op}'");
    internal override void Emit(StringBuilder sb, Func<string, string> names, bool source) { sb.Append(_op); EmitChild(sb, _e, Precedence, names, source); }
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
        => _op is "+" or "-" or "*" or "/" or "//" or "%" && _l.IsInt32(int32) && _r.IsInt32(int32);
    public override string InferType(Func<string, string?> typeOf)
    {
        switch (_op)
        {
            case "&&": case "||":
                Expect(_l, "bool", typeOf, $"'{_op}'"); Expect(_r, "bool", typeOf, $"'{_op}'"); return "bool";
            case "==": case "!=":
                var lt = _l.InferType(typeOf);
                var rt = _r.InferType(typeOf);
                if (lt == ListType || rt == ListType) throw new ExprException($"'{_op}' compares numbers or conditions, not lists");
                if ((lt == "bool") != (rt == "bool"))
                    throw new ExprException($"'{_op}' with {TypeWords(lt)} on its left needs {TypeWords(lt)} on its right, not {TypeWords(rt)}");
                return "bool";
            case "<": case "<=": case ">": case ">=":
                ExpectNumber(_l, typeOf, $"'{_op}'"); ExpectNumber(_r, typeOf, $"'{_op}'"); return "bool";
            case "%":
                Expect(_l, "int", typeOf, "'%'"); Expect(_r, "int", typeOf, "'%'"); return "int";
            default:
                var a = ExpectNumber(_l, typeOf, $"'{_op}'");
                var b = ExpectNumber(_r, typeOf, $"'{_op}'");
                return a == "double" || b == "double" ? "double" : "int";
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
        if (_op is "==" or "!=")
        {
            bool equal = a is long la && b is long lb ? la == lb
                : TryReal(a, out var da) && TryReal(b, out var db) ? da == db
                : a.Equals(b);
            return _op == "==" ? equal : !equal;
        }
        if (a is long x && b is long y)
        {
            switch (_op)
            {
                case "+": return CheckInt32(Checked(() => checked(x + y)), this, int32);
                case "-": return CheckInt32(Checked(() => checked(x - y)), this, int32);
                case "*": return CheckInt32(Checked(() => checked(x * y)), this, int32);
                case "/": if (y == 0) throw new ExprException("division by zero"); return CheckInt32(Checked(() => checked(x / y)), this, int32);
                case "//": if (y == 0) throw new ExprException("division by zero"); return CheckInt32(Checked(() => Runtime.PyMath.FloorDiv(x, y)), this, int32);
                case "%": if (y == 0) throw new ExprException("division by zero"); return Checked(() => checked(y == -1 ? 0 : x % y));
                case "<": return x < y;
                case "<=": return x <= y;
                case ">": return x > y;
                case ">=": return x >= y;
            }
        }
        if (!TryReal(a, out var p) || !TryReal(b, out var q) || _op == "%")
            throw new ExprException(_op == "%" ? "'%' needs integers" : $"'{_op}' needs numbers");
        switch (_op)
        {
            case "+": return p + q;
            case "-": return p - q;
            case "*": return p * q;
            case "/": if (q == 0) throw new ExprException("division by zero"); return p / q;
            case "//": if (q == 0) throw new ExprException("division by zero"); return Runtime.PyMath.FloorDiv(p, q);
            case "<": return p < q;
            case "<=": return p <= q;
            case ">": return p > q;
            case ">=": return p >= q;
        }
        throw new ExprException($"unknown operator '{_op}'");
    }
    internal override void Emit(StringBuilder sb, Func<string, string> names, bool source)
    {
        if (_op == "//" && !source)
        {
            // Python's floor division; C#'s '/' truncates. Both operands' types pick the overload (int, long or double).
            sb.Append(PyMath).Append("FloorDiv(");
            _l.Emit(sb, names, source); sb.Append(", "); _r.Emit(sb, names, source); sb.Append(')');
            return;
        }
        EmitChild(sb, _l, _prec, names, source);
        sb.Append(' ').Append(_op).Append(' ');
        EmitChild(sb, _r, _prec, names, source, rightAssocSide: true);
    }
    public override void CollectIdentifiers(ISet<string> into) { _l.CollectIdentifiers(into); _r.CollectIdentifiers(into); }
    internal override bool MayFail(Func<string, string?> typeOf)
        => _op is "+" or "-" or "*" or "/" or "//" or "%" && Integers(typeOf, _l, _r) || _l.MayFail(typeOf) || _r.MayFail(typeOf);
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
        var u = _b.InferType(typeOf);
        if (t == u) return t;
        if (Fits(t, "double") && Fits(u, "double")) return "double";
        throw new ExprException($"both branches of '?:' need the same kind of value, not {TypeWords(t)} and {TypeWords(u)}");
    }
    public override object Evaluate(Func<string, object?> lookup, Func<string, bool>? int32 = null)
    {
        var c = _c.Evaluate(lookup, int32);
        if (c is not bool cb) throw new ExprException("the condition of '?:' must be true/false");
        return cb ? _a.Evaluate(lookup, int32) : _b.Evaluate(lookup, int32);
    }
    internal override bool IsInt32(Func<string, bool> int32) => _a.IsInt32(int32) && _b.IsInt32(int32);
    internal override bool MayFail(Func<string, string?> typeOf) => _c.MayFail(typeOf) || _a.MayFail(typeOf) || _b.MayFail(typeOf);
    internal override void Emit(StringBuilder sb, Func<string, string> names, bool source)
    {
        EmitChild(sb, _c, 1, names, source); sb.Append(" ? ");
        EmitChild(sb, _a, 1, names, source); sb.Append(" : ");
        EmitChild(sb, _b, 0, names, source);
    }
    public override void CollectIdentifiers(ISet<string> into) { _c.CollectIdentifiers(into); _a.CollectIdentifiers(into); _b.CollectIdentifiers(into); }
    public override Expr Fold(Func<string, object?> known)
    {
        var c = _c.Fold(known);
        if (c is BoolExpr cb) return cb.Value ? _a.Fold(known) : _b.Fold(known);
        return new CondExpr(c, _a.Fold(known), _b.Fold(known));
    }
}

/// <summary>
/// A function call: <c>min</c>, <c>max</c> (integers or reals), <c>round</c>, <c>ceil</c>, <c>floor</c>, <c>int</c> (to an
/// integer, Python's semantics), <c>float</c> (to a real), <c>log(x[, base])</c> and <c>pow(x, y)</c> (Python's
/// <c>math.log</c>, <c>math.pow</c>: reals), <c>len</c> and <c>sum</c> of a list, <c>make_divisible(v, divisor[, min_value])</c>
/// (torchvision's channel rounding) and <c>regnet_depths(depth, w0, wa, wm)</c>, <c>regnet_widths(depth, w0, wa, wm,
/// group_width)</c> (torchvision's RegNet width rule: the stages' block counts and widths, lists). The rules are in src/PiXGen.Definitions/PyMath.cs, shared with the generated code.
/// </summary>
internal sealed class CallExpr : Expr
{
    /// <summary>The functions and how many arguments each takes.</summary>
    internal static readonly IReadOnlyDictionary<string, (int Min, int Max)> Arity = new Dictionary<string, (int, int)>
    {
        ["min"] = (2, 2), ["max"] = (2, 2), ["round"] = (1, 1), ["ceil"] = (1, 1), ["floor"] = (1, 1), ["int"] = (1, 1),
        ["float"] = (1, 1), ["make_divisible"] = (2, 3), ["len"] = (1, 1), ["sum"] = (1, 1), ["log"] = (1, 2), ["pow"] = (2, 2),
        ["regnet_depths"] = (4, 4), ["regnet_widths"] = (5, 5),
    };

    private readonly string _f; private readonly Expr[] _args;
    public CallExpr(string f, params Expr[] args) { _f = f; _args = args; }
    internal override int Precedence => 100;
    public override string InferType(Func<string, string?> typeOf)
    {
        switch (_f)
        {
            case "min": case "max":
                var a = ExpectNumber(_args[0], typeOf, _f);
                var b = ExpectNumber(_args[1], typeOf, _f);
                return a == "double" || b == "double" ? "double" : "int";
            case "float":
                ExpectNumber(_args[0], typeOf, _f); return "double";
            case "len": case "sum":
                Expect(_args[0], ListType, typeOf, _f); return "int";
            case "log": case "pow":
                foreach (var arg in _args) ExpectNumber(arg, typeOf, _f);
                return "double";
            case "regnet_depths": case "regnet_widths":
                Expect(_args[0], "int", typeOf, $"{_f}'s depth");
                for (int i = 1; i < 4; i++) ExpectNumber(_args[i], typeOf, $"{_f}'s {RegNetArgument(i)}");
                if (_args.Length > 4) Expect(_args[4], "int", typeOf, $"{_f}'s group width");
                return ListType;
            case "make_divisible":
                ExpectNumber(_args[0], typeOf, _f);
                for (int i = 1; i < _args.Length; i++) Expect(_args[i], "int", typeOf, $"{_f}'s {(i == 1 ? "divisor" : "min_value")}");
                return "int";
            default:   // round, ceil, floor, int
                ExpectNumber(_args[0], typeOf, _f); return "int";
        }
    }
    internal override bool IsInt32(Func<string, bool> int32) => _f switch
    {
        "min" or "max" => _args[0].IsInt32(int32) && _args[1].IsInt32(int32),
        "float" or "log" or "pow" or "regnet_depths" or "regnet_widths" => false,
        _ => true,   // the other PyMath helpers, len and sum return int
    };
    public override object Evaluate(Func<string, object?> lookup, Func<string, bool>? int32 = null)
    {
        var values = new object[_args.Length];
        for (int i = 0; i < _args.Length; i++) values[i] = _args[i].Evaluate(lookup, int32);
        if (_f == "len") return values[0] is long[] list ? list.LongLength : throw new ExprException("len needs a list of integers");
        if (_f == "sum")
        {
            if (values[0] is not long[] items) throw new ExprException("sum needs a list of integers");
            long total = 0;
            foreach (var item in items) total = Checked(() => checked(total + item));
            return CheckInt32(total, this, int32);
        }
        if (_f is "regnet_depths" or "regnet_widths") return RegNet(values);
        if (_f is "min" or "max")
        {
            if (values[0] is long x && values[1] is long y) return _f == "min" ? Math.Min(x, y) : Math.Max(x, y);
            if (!TryReal(values[0], out var p) || !TryReal(values[1], out var q)) throw new ExprException($"{_f} needs numbers");
            return _f == "min" ? Math.Min(p, q) : Math.Max(p, q);
        }
        if (!TryReal(values[0], out var v)) throw new ExprException($"{_f} needs a number");
        try
        {
            switch (_f)
            {
                case "float": return v;
                case "round": return (long)Runtime.PyMath.Round(v);
                case "ceil": return (long)Runtime.PyMath.Ceil(v);
                case "floor": return (long)Runtime.PyMath.Floor(v);
                case "int": return (long)Runtime.PyMath.Int(v);
                case "log":
                    if (values.Length == 1) return Runtime.PyMath.Log(v);
                    return TryReal(values[1], out var b) ? Runtime.PyMath.Log(v, b) : throw new ExprException("log's base must be a number");
                case "pow":
                    return TryReal(values[1], out var y) ? Runtime.PyMath.Pow(v, y) : throw new ExprException("pow needs numbers");
                default:
                    if (values[1] is not long divisor || divisor < 1) throw new ExprException("make_divisible's divisor must be a positive integer");
                    long min = 0;
                    if (values.Length > 2 && (values[2] is not long m || (min = m) < 0)) throw new ExprException("make_divisible's min_value must be a non-negative integer");
                    return (long)Runtime.PyMath.MakeDivisible(v, divisor, min);
            }
        }
        catch (OverflowException ex) { throw new ExprException((_f is "log" or "pow" ? "" : "integer overflow: ") + ex.Message); }
        catch (ArgumentException ex) { throw new ExprException(FirstLine(ex.Message)); }
        catch (DivideByZeroException ex) { throw new ExprException(ex.Message); }
    }

    /// <summary>The names of RegNet's rule arguments, for messages.</summary>
    private static string RegNetArgument(int i) => i switch { 0 => "depth", 1 => "w0", 2 => "wa", 3 => "wm", _ => "group width" };

    /// <summary>regnet_depths / regnet_widths (src/PiXGen.Definitions/PyMath.cs) at compile time.</summary>
    private object RegNet(object[] values)
    {
        if (values[0] is not long depth) throw new ExprException($"{_f}'s depth must be an integer");
        var reals = new double[3];
        for (int i = 1; i < 4; i++)
            if (!TryReal(values[i], out reals[i - 1])) throw new ExprException($"{_f}'s {RegNetArgument(i)} must be a number");
        try
        {
            int[] list;
            if (_f == "regnet_depths") list = Runtime.PyMath.RegNetDepths(depth, reals[0], reals[1], reals[2]);
            else if (values[4] is long groupWidth) list = Runtime.PyMath.RegNetWidths(depth, reals[0], reals[1], reals[2], groupWidth);
            else throw new ExprException($"{_f}'s group width must be an integer");
            return Array.ConvertAll(list, x => (long)x);
        }
        catch (OverflowException ex) { throw new ExprException("integer overflow: " + ex.Message); }
        catch (ArgumentException ex) { throw new ExprException(FirstLine(ex.Message)); }
    }

    /// <summary>An argument exception's message without the "(Parameter …)" lines .NET appends.</summary>
    private static string FirstLine(string message)
    {
        int cut = message.IndexOf(" (Parameter", StringComparison.Ordinal);
        if (cut < 0) cut = message.IndexOf('\n');
        return cut < 0 ? message : message.Substring(0, cut);
    }
    internal override void Emit(StringBuilder sb, Func<string, string> names, bool source)
    {
        if (_f == "len" && !source)
        {
            EmitChild(sb, _args[0], 100, names, source);
            sb.Append(".Length");
            return;
        }
        if (source) sb.Append(_f);
        else sb.Append(_f switch
        {
            "min" => "global::System.Math.Min",
            "max" => "global::System.Math.Max",
            "float" => "(double)",
            "round" => PyMath + "Round",
            "ceil" => PyMath + "Ceil",
            "floor" => PyMath + "Floor",
            "int" => PyMath + "Int",
            "log" => PyMath + "Log",
            "pow" => PyMath + "Pow",
            "sum" => PyMath + "Sum",
            "regnet_depths" => PyMath + "RegNetDepths",
            "regnet_widths" => PyMath + "RegNetWidths",
            _ => PyMath + "MakeDivisible",
        });
        sb.Append('(');
        for (int i = 0; i < _args.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            _args[i].Emit(sb, names, source);
        }
        sb.Append(')');
    }
    public override void CollectIdentifiers(ISet<string> into) { foreach (var a in _args) a.CollectIdentifiers(into); }
    internal override bool MayFail(Func<string, string?> typeOf) => _f is not ("min" or "max" or "float" or "len") || Array.Exists(_args, a => a.MayFail(typeOf));
    public override Expr Fold(Func<string, object?> known)
    {
        var folded = new Expr[_args.Length];
        for (int i = 0; i < _args.Length; i++) folded[i] = _args[i].Fold(known);
        return FoldNode(new CallExpr(_f, folded), folded);
    }
}

/// <summary>A list of integers, <c>[64, M, 128]</c>: VGG's configuration, DenseNet's block sizes. C#: <c>new int[] { … }</c>.</summary>
internal sealed class ArrayExpr : Expr
{
    private readonly Expr[] _items;
    public ArrayExpr(Expr[] items) { _items = items; }
    internal bool AllConstant => Array.TrueForAll(_items, i => i is NumberExpr);
    internal override int Precedence => 100;
    public override string InferType(Func<string, string?> typeOf)
    {
        foreach (var item in _items) Expect(item, "int", typeOf, "an entry of a list");
        return ListType;
    }
    internal override bool IsInt32(Func<string, bool> int32) => false;
    public override object Evaluate(Func<string, object?> lookup, Func<string, bool>? int32 = null)
    {
        var values = new long[_items.Length];
        for (int k = 0; k < _items.Length; k++)
        {
            if (_items[k].Evaluate(lookup, int32) is not long v) throw new ExprException("a list holds integers only");
            if (v < int.MinValue || v > int.MaxValue)
                throw new ExprException($"integer overflow: the list entry {v.ToString("N0", CultureInfo.InvariantCulture)} does not fit in an int");
            values[k] = v;
        }
        return values;
    }
    internal override void Emit(StringBuilder sb, Func<string, string> names, bool source)
    {
        sb.Append(source ? "[" : "new int[] { ");
        for (int k = 0; k < _items.Length; k++)
        {
            if (k > 0) sb.Append(", ");
            _items[k].Emit(sb, names, source);
        }
        sb.Append(source ? "]" : (_items.Length > 0 ? " }" : "}"));
    }
    public override void CollectIdentifiers(ISet<string> into) { foreach (var i in _items) i.CollectIdentifiers(into); }
    internal override bool MayFail(Func<string, string?> typeOf) => Array.Exists(_items, i => i.MayFail(typeOf));
    public override Expr Fold(Func<string, object?> known) => new ArrayExpr(Array.ConvertAll(_items, i => i.Fold(known)));
}

/// <summary>An entry of a list, <c>cfg[i]</c>, zero-based; an index outside the list is an error at compile time as at run time.</summary>
internal sealed class IndexExpr : Expr
{
    private readonly Expr _list, _index;
    public IndexExpr(Expr list, Expr index) { _list = list; _index = index; }
    internal override int Precedence => 100;
    public override string InferType(Func<string, string?> typeOf)
    {
        Expect(_list, ListType, typeOf, "'[...]'");
        Expect(_index, "int", typeOf, "an index");
        return "int";
    }
    internal override bool IsInt32(Func<string, bool> int32) => true;
    public override object Evaluate(Func<string, object?> lookup, Func<string, bool>? int32 = null)
    {
        if (_list.Evaluate(lookup, int32) is not long[] list) throw new ExprException($"'{ToSource(n => n)}': only a list of integers has entries");
        if (_index.Evaluate(lookup, int32) is not long k) throw new ExprException($"'{ToSource(n => n)}': the index must be an integer");
        if (k < 0 || k >= list.LongLength)
            throw new ExprException($"'{ToSource(n => n)}': index {k} is outside the list of {list.LongLength} entries");
        return list[k];
    }
    internal override void Emit(StringBuilder sb, Func<string, string> names, bool source)
    {
        EmitChild(sb, _list, 100, names, source);
        sb.Append('[');
        _index.Emit(sb, names, source);
        sb.Append(']');
    }
    public override void CollectIdentifiers(ISet<string> into) { _list.CollectIdentifiers(into); _index.CollectIdentifiers(into); }
    internal override bool MayFail(Func<string, string?> typeOf) => _list.MayFail(typeOf) || _index.MayFail(typeOf);
    public override Expr Fold(Func<string, object?> known)
    {
        var list = _list.Fold(known);
        var index = _index.Fold(known);
        return FoldNode(new IndexExpr(list, index), list, index);
    }
}

/// <summary>
/// Python's slice of a list, <c>cfg[a:b]</c>, <c>cfg[:i]</c>, <c>cfg[i:]</c>: negative bounds count from the end, bounds
/// outside the list are clamped (src/PiXGen.Definitions/PyMath.cs, shared with the generated code).
/// </summary>
internal sealed class SliceExpr : Expr
{
    private readonly Expr _list; private readonly Expr? _start, _end;
    public SliceExpr(Expr list, Expr? start, Expr? end) { _list = list; _start = start; _end = end; }
    internal override int Precedence => 100;
    public override string InferType(Func<string, string?> typeOf)
    {
        Expect(_list, ListType, typeOf, "a slice '[a:b]'");
        if (_start is not null) Expect(_start, "int", typeOf, "a slice's start");
        if (_end is not null) Expect(_end, "int", typeOf, "a slice's end");
        return ListType;
    }
    internal override bool IsInt32(Func<string, bool> int32) => false;
    public override object Evaluate(Func<string, object?> lookup, Func<string, bool>? int32 = null)
    {
        if (_list.Evaluate(lookup, int32) is not long[] list) throw new ExprException($"'{ToSource(n => n)}': only a list of integers can be sliced");
        long? Bound(Expr? e) => e is null ? null
            : e.Evaluate(lookup, int32) is long v ? v : throw new ExprException($"'{ToSource(n => n)}': a slice's bounds must be integers");
        var ints = Array.ConvertAll(list, x => (int)x);   // list entries are checked to fit in an int
        return Array.ConvertAll(Runtime.PyMath.Slice(ints, Bound(_start), Bound(_end)), x => (long)x);
    }
    internal override void Emit(StringBuilder sb, Func<string, string> names, bool source)
    {
        if (source)
        {
            EmitChild(sb, _list, 100, names, source);
            sb.Append('[');
            _start?.Emit(sb, names, source);
            sb.Append(':');
            _end?.Emit(sb, names, source);
            sb.Append(']');
            return;
        }
        sb.Append(PyMath).Append("Slice(");
        _list.Emit(sb, names, source);
        sb.Append(", ");
        if (_start is null) sb.Append("null"); else _start.Emit(sb, names, source);
        sb.Append(", ");
        if (_end is null) sb.Append("null"); else _end.Emit(sb, names, source);
        sb.Append(')');
    }
    public override void CollectIdentifiers(ISet<string> into) { _list.CollectIdentifiers(into); _start?.CollectIdentifiers(into); _end?.CollectIdentifiers(into); }
    internal override bool MayFail(Func<string, string?> typeOf) => _list.MayFail(typeOf) || _start?.MayFail(typeOf) == true || _end?.MayFail(typeOf) == true;
    public override Expr Fold(Func<string, object?> known)
    {
        var list = _list.Fold(known);
        var start = _start?.Fold(known);
        var end = _end?.Fold(known);
        var node = new SliceExpr(list, start, end);
        return start is not null && !IsConstant(start) || end is not null && !IsConstant(end) ? node : FoldNode(node, list);
    }
}
