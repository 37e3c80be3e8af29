using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace PiXGen.Checkpoints;

/// <summary>Why a state_dict entry was not loaded.</summary>
public enum SkipReason
{
    /// <summary>The module has the key, the file does not: the module keeps its own value.</summary>
    Missing,

    /// <summary>The file has the key, the module does not: the file's tensor is ignored.</summary>
    Unexpected,

    /// <summary>Both have the key, with different shapes: the module keeps its own value.</summary>
    ShapeMismatch,

    /// <summary>Both have the key and shape, but one is floating point and the other is not (e.g. a float
    /// file tensor for an int64 <c>num_batches_tracked</c>): no value is converted across kinds.</summary>
    DtypeMismatch,
}

/// <summary>One state_dict entry that was not loaded, with both sides' shapes where they exist.</summary>
/// <param name="Key">The state_dict key.</param>
/// <param name="Reason">Why it was skipped.</param>
/// <param name="ModuleShape">The module's shape, or null when the module has no such key.</param>
/// <param name="FileShape">The file's shape, or null when the file has no such key.</param>
/// <param name="ModuleDtype">The module tensor's dtype, or null.</param>
/// <param name="FileDtype">The file tensor's dtype, or null.</param>
public sealed record SkippedKey(string Key, SkipReason Reason, long[]? ModuleShape, long[]? FileShape,
                                string? ModuleDtype = null, string? FileDtype = null)
{
    /// <summary>"key [shape]" for missing/unexpected keys, "key: module [..], file [..]" for mismatches.</summary>
    public override string ToString() => Reason switch
    {
        SkipReason.Missing => $"{Key} {Checkpoint.FormatShape(ModuleShape!)}",
        SkipReason.Unexpected => $"{Key} {Checkpoint.FormatShape(FileShape!)}",
        SkipReason.ShapeMismatch => $"{Key}: module {Checkpoint.FormatShape(ModuleShape!)}, file {Checkpoint.FormatShape(FileShape!)}",
        _ => $"{Key}: module {ModuleDtype} {Checkpoint.FormatShape(ModuleShape!)}, file {FileDtype} {Checkpoint.FormatShape(FileShape!)}",
    };
}

/// <summary>What a load did: the keys it copied and those it skipped, with the reason for each.</summary>
public sealed class LoadReport
{
    internal LoadReport(string path, string moduleName, IReadOnlyList<string> loaded, IReadOnlyList<SkippedKey> skipped,
                        IReadOnlyList<string> converted)
    {
        FilePath = path;
        ModuleName = moduleName;
        Loaded = loaded;
        Skipped = skipped;
        Converted = converted;
    }

    /// <summary>The checkpoint file.</summary>
    public string FilePath { get; }

    /// <summary>The module's type name.</summary>
    public string ModuleName { get; }

    /// <summary>Keys whose values were copied into the module (empty when a strict load failed).</summary>
    public IReadOnlyList<string> Loaded { get; }

    /// <summary>Keys that were not loaded, with the reason.</summary>
    public IReadOnlyList<SkippedKey> Skipped { get; }

    /// <summary>Loaded keys whose file dtype differed from the module's and was converted (e.g. float16 → float32).</summary>
    public IReadOnlyList<string> Converted { get; }

    /// <summary>Module keys the file does not have.</summary>
    public IEnumerable<SkippedKey> Missing => Skipped.Where(s => s.Reason == SkipReason.Missing);

    /// <summary>File keys the module does not have.</summary>
    public IEnumerable<SkippedKey> Unexpected => Skipped.Where(s => s.Reason == SkipReason.Unexpected);

    /// <summary>Keys both have whose shape or kind of dtype differs.</summary>
    public IEnumerable<SkippedKey> Mismatched =>
        Skipped.Where(s => s.Reason is SkipReason.ShapeMismatch or SkipReason.DtypeMismatch);

    /// <summary>True when every key of both sides was loaded.</summary>
    public bool IsComplete => Skipped.Count == 0;

    /// <summary>A readable summary: counts, then each skipped key with its reason (at most <paramref name="perList"/> per reason).</summary>
    public string Describe(int perList = int.MaxValue)
    {
        var b = new StringBuilder();
        b.Append($"{FilePath} → {ModuleName}: loaded {Loaded.Count} tensors");
        if (Converted.Count > 0) b.Append($" ({Converted.Count} converted to the module's dtype)");
        b.Append(Skipped.Count == 0 ? ", skipped none." : $", skipped {Skipped.Count}:");
        AppendList(b, "missing from the file (the module keeps its values)", Missing, perList);
        AppendList(b, "unexpected in the file (ignored)", Unexpected, perList);
        AppendList(b, "shape mismatch", Skipped.Where(s => s.Reason == SkipReason.ShapeMismatch), perList);
        AppendList(b, "dtype kind mismatch", Skipped.Where(s => s.Reason == SkipReason.DtypeMismatch), perList);
        return b.ToString();
    }

    internal static void AppendList(StringBuilder b, string title, IEnumerable<SkippedKey> items, int perList, string where = "")
    {
        var list = items.ToList();
        if (list.Count == 0) return;
        b.Append(Environment.NewLine).Append($"  {title} ({list.Count}):");
        foreach (var s in list.Take(perList)) b.Append(Environment.NewLine).Append("    ").Append(s);
        if (list.Count > perList) b.Append(Environment.NewLine).Append($"    … and {list.Count - perList} more{where}");
    }

    /// <inheritdoc/>
    public override string ToString() => Describe();
}

/// <summary>How <see cref="Checkpoint.Load"/> treats keys and shapes that do not match.</summary>
public sealed class LoadOptions
{
    /// <summary>
    /// True (default): every module key must be in the file, no file key may be unknown to the module, and every
    /// shape must be equal; otherwise a <see cref="CheckpointMismatchException"/> and the module is unchanged.
    /// False: what matches is loaded, the rest is listed in the returned <see cref="LoadReport"/>.
    /// </summary>
    public bool Strict { get; init; } = true;

    /// <summary>
    /// With <see cref="Strict"/> false: throw a <see cref="CheckpointMismatchException"/> (module unchanged) when no
    /// key at all could be loaded — the checkpoint is for another network. Default true.
    /// </summary>
    public bool RequireAnyMatch { get; init; } = true;

    /// <summary>
    /// With <see cref="Strict"/> false: throw a <see cref="CheckpointMismatchException"/> (module unchanged) unless more
    /// than half of the file's tensors fit (<see cref="Checkpoint.LoadForFineTuning"/> sets it). Default false.
    /// </summary>
    public bool RequireMostMatch { get; init; }

    /// <summary>The default, strict options.</summary>
    public static LoadOptions StrictDefault { get; } = new();

    /// <summary>Non-strict: load what matches, report the rest.</summary>
    public static LoadOptions Lenient { get; } = new() { Strict = false };
}
