using System;
using System.Collections.Generic;
using static TorchSharp.torch;

namespace PiXGen.Checkpoints;

/// <summary>
/// An opened checkpoint whose structure (keys, dtypes, shapes, where the data lies) has been read and checked but
/// whose tensor data has not: a load compares keys and shapes with the module first and then reads only the
/// tensors it takes. Tensors read are CPU tensors in the file's dtype (for torch.save files, views of their
/// storages, as PyTorch loads them); the caller owns them.
/// </summary>
internal abstract class CheckpointSource : IDisposable
{
    /// <summary>One tensor the file holds.</summary>
    internal sealed record Entry(string Key, DTypes.Info Type, long[] Shape, int Index);

    private readonly Dictionary<string, Entry> byKey = new(StringComparer.Ordinal);
    private string wrapper = "";

    protected CheckpointSource(string path, IReadOnlyList<Entry> entries)
    {
        FilePath = path;
        Entries = entries;
        foreach (var e in entries)
            if (!byKey.TryAdd(e.Key, e))
                throw new CheckpointFormatException(path, $"the key '{e.Key}' occurs twice.");
    }

    public string FilePath { get; }

    /// <summary>The tensors in the file's order.</summary>
    public IReadOnlyList<Entry> Entries { get; private set; }

    public bool TryGet(string key, out Entry entry) => byKey.TryGetValue(key, out entry!);

    /// <summary>How many distinct storage elements the entry's data occupies (its numel for a plain layout).</summary>
    public virtual long StorageElements(Entry entry) => DTypes.Numel(entry.Shape);

    /// <summary>The module version PyTorch recorded for a module prefix (state_dict._metadata), or null.</summary>
    public long? ModuleVersion(string prefix) => ModuleVersionAt(wrapper + prefix);

    /// <summary>The module version recorded for a prefix as the file names it (wrapper prefixes included), or null.</summary>
    protected virtual long? ModuleVersionAt(string prefix) => null;

    /// <summary>
    /// Names the entries as the module does: the wrapper prefixes every key shares (<see cref="WrapperPrefixes"/>:
    /// "module." of DistributedDataParallel, "_orig_mod." of torch.compile) are removed; nothing changes when there are none.
    /// </summary>
    public CheckpointSource WithoutWrapperPrefixes()
    {
        int cut = WrapperPrefixes.SharedLength(byKey.Keys);
        if (cut == 0) return this;
        wrapper = Entries[0].Key[..cut];
        var renamed = new List<Entry>(Entries.Count);
        byKey.Clear();
        foreach (var e in Entries)
        {
            var r = e with { Key = e.Key[cut..] };
            if (!byKey.TryAdd(r.Key, r))
                throw new CheckpointFormatException(FilePath, $"the key '{r.Key}' occurs twice once the prefix '{wrapper}' is removed.");
            renamed.Add(r);
        }
        Entries = renamed;
        return this;
    }

    /// <summary>
    /// Reads the given tensors, all or none. Any failure is a <see cref="CheckpointFormatException"/> naming the
    /// file (an unexpected exception too: it is wrapped, never let through bare).
    /// </summary>
    public Tensor[] Read(IReadOnlyList<Entry> entries)
    {
        try { return ReadTensors(entries); }
        catch (Exception e) when (!Checkpoint.IsDocumented(e))
        {
            throw Checkpoint.Unexpected(FilePath, e);
        }
    }

    protected abstract Tensor[] ReadTensors(IReadOnlyList<Entry> entries);

    /// <summary>Fills <paramref name="target"/> (a new contiguous CPU tensor of <paramref name="bytes"/> bytes) from <paramref name="source"/>, a chunk at a time.</summary>
    protected void ReadInto(System.IO.Stream source, Tensor target, long bytes, string what)
    {
        if (bytes == 0) return;
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Checkpoints are little-endian; this machine is not.");
        long size = bytes / target.numel();
        using var flat = target.view(-1);
        var chunk = new byte[(int)Math.Min(1 << 20, bytes)];
        long done = 0;
        while (done < bytes)
        {
            int want = (int)Math.Min(chunk.Length, bytes - done);
            int n = source.ReadAtLeast(chunk.AsSpan(0, want), want, throwOnEndOfStream: false);
            if (n < want)
                throw new CheckpointFormatException(FilePath, $"{what} ends after {done + n:N0} of the {bytes:N0} bytes its tensors need; the file is damaged or truncated.");
            using var part = flat.narrow(0, done / size, want / size);
            part.bytes = chunk.AsSpan(0, want);
            done += want;
        }
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected abstract void Dispose(bool disposing);
}
