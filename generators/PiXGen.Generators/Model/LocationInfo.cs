using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace PiXGen.Generators.Model;

/// <summary>
/// A source location as plain values (file path and span), so models stay free of Roslyn objects.
/// Turned back into a real <see cref="Location"/> of the compilation's syntax tree when reported, so
/// <c>#pragma warning disable</c> and <c>.editorconfig</c> severities apply.
/// </summary>
public sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public static LocationInfo? From(Location? location)
    {
        if (location is null || location.SourceTree is null) return null;
        return new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
    }

    public static LocationInfo? From(SyntaxNode? node) => node is null ? null : From(node.GetLocation());

    public Location ToLocation(Compilation? compilation)
    {
        if (compilation is not null)
            foreach (var tree in compilation.SyntaxTrees)
                if (tree.FilePath == FilePath && Span.End <= tree.Length)
                    return Location.Create(tree, Span);
        return Location.Create(FilePath, Span, LineSpan);
    }
}
