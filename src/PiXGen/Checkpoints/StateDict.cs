using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using static TorchSharp.torch;

namespace PiXGen.Checkpoints;

/// <summary>
/// A state_dict read from a file: its tensors (on the CPU, contiguous, in the file's dtypes) in the file's order.
/// A torch.save view that repeats storage elements (a stride of 0, overlapping rows) is kept as a view of its
/// storage, as PyTorch keeps it, instead of being expanded.
/// It owns the tensors: dispose it when done.
/// </summary>
public sealed class StateDict : IReadOnlyDictionary<string, Tensor>, IDisposable
{
    private readonly List<KeyValuePair<string, Tensor>> entries = new();
    private readonly Dictionary<string, Tensor> byKey = new(StringComparer.Ordinal);

    /// <summary>The file the entries came from.</summary>
    public string FilePath { get; }

    internal StateDict(string path) => FilePath = path;

    internal void Add(string key, Tensor value)
    {
        if (!byKey.TryAdd(key, value))
        {
            value.Dispose();
            throw new CheckpointFormatException(FilePath, $"the key '{key}' occurs twice.");
        }
        entries.Add(new(key, value));
    }

    /// <inheritdoc/>
    public Tensor this[string key] => byKey[key];

    /// <inheritdoc/>
    public IEnumerable<string> Keys { get { foreach (var e in entries) yield return e.Key; } }

    /// <inheritdoc/>
    public IEnumerable<Tensor> Values { get { foreach (var e in entries) yield return e.Value; } }

    /// <inheritdoc/>
    public int Count => entries.Count;

    /// <inheritdoc/>
    public bool ContainsKey(string key) => byKey.ContainsKey(key);

    /// <inheritdoc/>
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out Tensor value) => byKey.TryGetValue(key, out value);

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<string, Tensor>> GetEnumerator() => entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Disposes every tensor.</summary>
    public void Dispose()
    {
        foreach (var e in entries) e.Value.Dispose();
        entries.Clear();
        byKey.Clear();
    }
}
