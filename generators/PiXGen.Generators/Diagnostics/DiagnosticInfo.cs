using System.Linq;
using Microsoft.CodeAnalysis;
using PiXGen.Generators.Model;

namespace PiXGen.Generators.Diagnostics;

/// <summary>
/// A diagnostic as plain values: descriptor id, message arguments, location and, where a build option sets
/// it, a severity replacing the descriptor's default (.editorconfig and #pragma still apply on top).
/// </summary>
public sealed record DiagnosticInfo(string Id, EquatableArray<string> Arguments, LocationInfo? Location, DiagnosticSeverity? Severity = null,
    /// <summary>A second place the problem shows (e.g. the [Use] that instantiates a block), or null.</summary>
    LocationInfo? Also = null)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params object?[] args)
        => new(descriptor.Id, args.Select(a => a?.ToString() ?? "").ToEquatableArray(), location);

    public Diagnostic ToDiagnostic(Compilation? compilation)
    {
        var descriptor = DiagnosticDescriptors.ById(Id);
        var location = Location?.ToLocation(compilation) ?? Microsoft.CodeAnalysis.Location.None;
        var args = Arguments.Cast<object>().ToArray();
        var also = Also?.ToLocation(compilation);
        var additional = also is null || also == Microsoft.CodeAnalysis.Location.None ? null : new[] { also };
        return Diagnostic.Create(descriptor, location, Severity ?? descriptor.DefaultSeverity, additional, properties: null, args);
    }
}
