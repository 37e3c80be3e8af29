using System.Linq;
using Microsoft.CodeAnalysis;
using PiXGen.Generators.Model;

namespace PiXGen.Generators.Diagnostics;

/// <summary>
/// A diagnostic as plain values: descriptor id, message arguments, location and, where a build option sets
/// it, a severity replacing the descriptor's default (.editorconfig and #pragma still apply on top).
/// </summary>
public sealed record DiagnosticInfo(string Id, EquatableArray<string> Arguments, LocationInfo? Location, DiagnosticSeverity? Severity = null)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params object?[] args)
        => new(descriptor.Id, args.Select(a => a?.ToString() ?? "").ToEquatableArray(), location);

    public Diagnostic ToDiagnostic(Compilation? compilation)
    {
        var descriptor = DiagnosticDescriptors.ById(Id);
        var location = Location?.ToLocation(compilation) ?? Microsoft.CodeAnalysis.Location.None;
        var args = Arguments.Cast<object>().ToArray();
        return Severity is { } severity && severity != descriptor.DefaultSeverity
            ? Diagnostic.Create(descriptor, location, severity, additionalLocations: null, properties: null, args)
            : Diagnostic.Create(descriptor, location, args);
    }
}
