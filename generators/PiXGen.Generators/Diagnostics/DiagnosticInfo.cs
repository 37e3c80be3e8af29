using System.Collections.Generic;
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

    /// <summary>
    /// The diagnostics to report, one per cause. A block's expressions are checked once on their own (its validation,
    /// among <paramref name="blocks"/>) and again in every network that instantiates it (shape inference, among
    /// <paramref name="networks"/>): a network's expression error at a place where the block's own check already
    /// reported one is that same cause, and so is the same error at the same place reached through another network or
    /// instance (only the instance path, the first argument, differs). Exact repeats go too. Order is kept.
    /// </summary>
    public static IEnumerable<DiagnosticInfo> OnePerCause(IEnumerable<EquatableArray<DiagnosticInfo>> networks,
        IEnumerable<EquatableArray<DiagnosticInfo>> blocks, IEnumerable<EquatableArray<DiagnosticInfo>> others)
    {
        var expressionId = DiagnosticDescriptors.BadExpression.Id;
        var blockList = blocks.SelectMany(l => l).ToList();
        var checkedInBlocks = new HashSet<LocationInfo>(blockList.Where(d => d.Id == expressionId && d.Location is not null).Select(d => d.Location!));
        var seen = new HashSet<DiagnosticInfo>();
        var causes = new HashSet<(LocationInfo, string)>();
        foreach (var d in networks.SelectMany(l => l))
        {
            if (d.Id == expressionId && d.Location is { } at
                && (checkedInBlocks.Contains(at) || !causes.Add((at, string.Join("\u0001", d.Arguments.Skip(1)))))) continue;
            if (seen.Add(d)) yield return d;
        }
        foreach (var d in blockList.Concat(others.SelectMany(l => l)))
            if (seen.Add(d)) yield return d;
    }

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
