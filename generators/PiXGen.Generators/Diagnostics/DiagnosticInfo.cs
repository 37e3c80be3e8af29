using System.Linq;
using Microsoft.CodeAnalysis;
using PiXGen.Generators.Model;

namespace PiXGen.Generators.Diagnostics;

/// <summary>A diagnostic as plain values: descriptor id, message arguments and location.</summary>
public sealed record DiagnosticInfo(string Id, EquatableArray<string> Arguments, LocationInfo? Location)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params object?[] args)
        => new(descriptor.Id, args.Select(a => a?.ToString() ?? "").ToEquatableArray(), location);

    public Diagnostic ToDiagnostic(Compilation? compilation)
        => Diagnostic.Create(DiagnosticDescriptors.ById(Id), Location?.ToLocation(compilation) ?? Microsoft.CodeAnalysis.Location.None,
            Arguments.Cast<object>().ToArray());
}
