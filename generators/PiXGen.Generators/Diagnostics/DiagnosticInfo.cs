using System.Collections.Generic;
using System.Collections.Immutable;
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
    LocationInfo? Also = null,
    /// <summary>What a code fix needs (<see cref="FixProperties"/>): key, value, key, value…; reported as Diagnostic.Properties.</summary>
    EquatableArray<string> Properties = default)
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

    /// <summary>
    /// PIX0005: <paramref name="written"/> is not an argument of <paramref name="className"/>, whose arguments are
    /// <paramref name="known"/>; the message lists them and names the nearest. With <paramref name="renameFix"/> (a
    /// [Use] argument) the code fix's rename goes with it.
    /// </summary>
    public static DiagnosticInfo UnknownArgument(LocationInfo? location, string where, string written, string className,
        IReadOnlyCollection<string> known, bool renameFix)
    {
        var near = Parsing.Suggest.Closest(written, known);
        var d = Create(DiagnosticDescriptors.UnknownParameter, location, where, written, className,
            known.Count == 0 ? "(none)" : string.Join(", ", known), near is not null ? $" (did you mean '{near}'?)" : "");
        return renameFix ? d.WithArgumentRename(written, near) : d;
    }

    /// <summary>This diagnostic with one more code-fix property; a null value adds nothing.</summary>
    public DiagnosticInfo With(string key, string? value)
        => value is null ? this : this with { Properties = Properties.Concat(new[] { key, value }).ToEquatableArray() };

    /// <summary>Fix: rename the [Use] argument <paramref name="written"/> to <paramref name="suggestion"/> (nothing without a suggestion).</summary>
    public DiagnosticInfo WithArgumentRename(string written, string? suggestion) => suggestion is null ? this
        : With(FixProperties.Kind, FixProperties.KindRenameIdentifier).With(FixProperties.Setting, FixProperties.ArgsSetting)
            .With(FixProperties.Written, written).With(FixProperties.Suggestion, suggestion);

    /// <summary>Fix: replace the string <paramref name="written"/> of <paramref name="setting"/> (null: any string of the attribute) by <paramref name="suggestion"/>.</summary>
    public DiagnosticInfo WithWordReplacement(string? setting, string? written, string? suggestion) => suggestion is null || written is null ? this
        : With(FixProperties.Kind, FixProperties.KindReplaceWord).With(FixProperties.Setting, setting)
            .With(FixProperties.Written, written).With(FixProperties.Suggestion, suggestion);

    /// <summary>Fix: declare the field as <paramref name="type"/> (fully qualified); null: no fix.</summary>
    public DiagnosticInfo WithFieldType(string? type) => type is null || type.IndexOf('?') >= 0 ? this
        : With(FixProperties.Kind, FixProperties.KindChangeFieldType).With(FixProperties.Type, type);

    public Diagnostic ToDiagnostic(Compilation? compilation)
    {
        var descriptor = DiagnosticDescriptors.ById(Id);
        var location = Location?.ToLocation(compilation) ?? Microsoft.CodeAnalysis.Location.None;
        var args = Arguments.Cast<object>().ToArray();
        var also = Also?.ToLocation(compilation);
        var additional = also is null || also == Microsoft.CodeAnalysis.Location.None ? null : new[] { also };
        ImmutableDictionary<string, string?>? properties = null;
        if (!Properties.IsEmpty)
        {
            var builder = ImmutableDictionary.CreateBuilder<string, string?>();
            for (int i = 0; i + 1 < Properties.Count; i += 2) builder[Properties[i]] = Properties[i + 1];
            properties = builder.ToImmutable();
        }
        return Diagnostic.Create(descriptor, location, Severity ?? descriptor.DefaultSeverity, additional, properties, args);
    }
}
