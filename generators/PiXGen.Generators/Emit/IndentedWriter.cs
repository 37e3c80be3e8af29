using System.Text;

namespace PiXGen.Generators.Emit;

/// <summary>A minimal indented text writer for generated C#.</summary>
public sealed class IndentedWriter
{
    private readonly StringBuilder _sb = new();
    private int _indent;

    public IndentedWriter Line(string text = "")
    {
        if (text.Length > 0) _sb.Append(' ', _indent * 4).Append(text);
        _sb.Append('\n');
        return this;
    }

    public IndentedWriter Open(string header)
    {
        if (header.Length > 0) Line(header);
        Line("{");
        _indent++;
        return this;
    }

    public IndentedWriter Close(string suffix = "")
    {
        _indent--;
        return Line("}" + suffix);
    }

    public override string ToString() => _sb.ToString();
}
