using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using static TorchSharp.torch;

namespace PiXGen.Checkpoints;

/// <summary>
/// PyTorch's <c>torch.save</c> format (since 1.6): a zip archive <c>&lt;name&gt;/data.pkl</c> (a pickle in which every
/// tensor is a call to <c>torch._utils._rebuild_tensor_v2</c> whose storage is a persistent id naming the archive entry
/// <c>&lt;name&gt;/data/&lt;key&gt;</c> holding the raw little-endian elements), <c>&lt;name&gt;/version</c>, and optionally
/// <c>&lt;name&gt;/byteorder</c>. Reading interprets only the pickle opcodes and the few globals a state_dict uses — it
/// never runs code named in the file.
/// </summary>
internal static class TorchZip
{
    // ---------------------------------------------------------------- reading

    /// <summary>Limits that keep a hostile file from exhausting memory or stack (docs/interop.md, threat model).</summary>
    internal const int MaxNesting = 100;
    internal const long MaxPickleBytes = 1L << 30;

    /// <summary>
    /// Opens a checkpoint and reads its structure (zip directory and pickle) without reading any tensor data.
    /// As PyTorch's reader does, every entry must lie in one top-level folder, no name may occur twice, and the
    /// pickle is <c>&lt;folder&gt;/data.pkl</c>.
    /// </summary>
    public static CheckpointSource Open(string path)
    {
        var stream = Checkpoint.OpenRead(path);
        try
        {
            var magic = new byte[4];
            int got = stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
            if (got < 4 || magic[0] != 0x50 || magic[1] != 0x4B || magic[2] != 0x03 || magic[3] != 0x04)
            {
                string what = got == 0 ? "the file is empty"
                    : got >= 2 && magic[0] == 0x80 && magic[1] <= 5 ? "it is a bare pickle, i.e. the legacy torch.save format (PyTorch < 1.6); re-save it with a current PyTorch"
                    : "it does not start with a zip signature";
                throw new CheckpointFormatException(path, $"not a torch.save checkpoint (zip archive): {what}.");
            }
            if (!stream.CanSeek)
                throw new CheckpointFormatException(path, "not a regular file: a torch.save archive is read from its central directory, which needs a seekable file.");
            stream.Position = 0;
            ZipArchive zip;
            try { zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: false); }
            catch (InvalidDataException e)
            {
                throw new CheckpointFormatException(path, $"the zip archive is damaged or truncated ({e.Message}).", e);
            }
            try { return Parse(path, zip); }
            catch { zip.Dispose(); throw; }
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Dict key comparisons the unpickler made on this thread so far.</summary>
    internal static long DictKeyComparisons => KeyComparer.Comparisons;

    private static Source Parse(string path, ZipArchive zip)
    {
        var byName = new Dictionary<string, ZipArchiveEntry>(StringComparer.Ordinal);
        string? folder = null;
        foreach (var e in zip.Entries)
        {
            string name = e.FullName;
            int slash = name.IndexOf('/');
            if (folder is null)
            {
                if (slash <= 0)
                    throw new CheckpointFormatException(path, $"the archive's first entry '{Clip(name)}' is not in a folder, as torch.save writes every entry (PyTorch refuses this file too).");
                folder = name.Substring(0, slash + 1);
            }
            if (!name.StartsWith(folder, StringComparison.Ordinal) || name.Contains('\\') || name.Split('/').Any(part => part == ".."))
                throw new CheckpointFormatException(path, $"the entry '{Clip(name)}' lies outside the archive's folder '{folder}'; torch.save never writes such a file.");
            if (!byName.TryAdd(name, e))
                throw new CheckpointFormatException(path, $"the entry '{Clip(name)}' occurs twice in the archive; readers disagree on which copy counts, so the file is refused.");
        }
        if (folder is null)
            throw new CheckpointFormatException(path, "the zip archive has no entries, so it was not written by torch.save.");
        var pkl = byName.GetValueOrDefault(folder + "data.pkl")
                  ?? throw new CheckpointFormatException(path, $"the zip archive has no {folder}data.pkl entry, so it was not written by torch.save.");
        if (byName.GetValueOrDefault(folder + "byteorder") is { } byteorder)
        {
            string order = Encoding.ASCII.GetString(ReadEntry(path, byteorder, 64)).Trim();
            if (order != "little")
                throw new CheckpointFormatException(path, $"the tensors are stored {Clip(order)}-endian; only little-endian checkpoints are supported.");
        }

        PyDict dict;
        Unpickler unpickler;
        try
        {
            unpickler = new Unpickler(ReadEntry(path, pkl, MaxPickleBytes));
            dict = FindStateDict(path, unpickler.Load());
        }
        catch (PickleException e) { throw new CheckpointFormatException(path, $"{pkl.FullName}: {e.Message}"); }
        return BuildSource(path, zip, byName, folder, dict, unpickler.Tensors);
    }

    private static Source BuildSource(string path, ZipArchive zip, Dictionary<string, ZipArchiveEntry> byName, string folder, PyDict dict,
                                      IReadOnlyList<TensorSpec> allTensors)
    {
        // Every tensor the pickle builds is checked, also one a later duplicate key replaces: PyTorch reads its
        // storage and makes its view while unpickling, so it refuses such a file as well.
        var storages = new Dictionary<string, (StorageRef Ref, ZipArchiveEntry Entry)>(StringComparer.Ordinal);
        var keyOf = new Dictionary<TensorSpec, string>(ReferenceEqualityComparer.Instance);
        foreach (var (k, v) in dict.Items)
            if (k is string key && v is TensorSpec t) keyOf.TryAdd(t, key);
        foreach (var spec in allTensors)
        {
            string key = keyOf.GetValueOrDefault(spec) ?? "(a tensor no key keeps)";
            if (storages.TryGetValue(spec.Storage.Key, out var known))
            {
                if (known.Ref.Type != spec.Storage.Type || known.Ref.Numel != spec.Storage.Numel)
                    throw new CheckpointFormatException(path,
                        $"'{Clip(key)}' names storage '{Clip(spec.Storage.Key)}' as {spec.Storage.Numel:N0} {spec.Storage.Type.Type} elements, an earlier tensor as {known.Ref.Numel:N0} {known.Ref.Type.Type}.");
            }
            else
            {
                string name = folder + "data/" + spec.Storage.Key;
                var entry = byName.GetValueOrDefault(name)
                            ?? throw new CheckpointFormatException(path, $"the pickle refers to storage '{Clip(spec.Storage.Key)}' but the archive has no entry {Clip(name)}.");
                long bytes = Checked(path, key, () => checked(spec.Storage.Numel * spec.Storage.Type.Size));
                if (entry.Length < bytes)
                    throw new CheckpointFormatException(path, $"{Clip(name)} holds {entry.Length:N0} bytes but its {spec.Storage.Numel:N0} {spec.Storage.Type.Type} elements need {bytes:N0}.");
                storages.Add(spec.Storage.Key, (spec.Storage, entry));
            }
            CheckView(path, key, spec);
        }
        var entries = new List<CheckpointSource.Entry>();
        var specs = new List<TensorSpec>();
        foreach (var (keyObject, value) in dict.Items)
        {
            if (keyObject is not string key)
                throw new CheckpointFormatException(path, $"a state_dict key is {Describe(keyObject)}, not a string.");
            var spec = (TensorSpec)value!;
            entries.Add(new CheckpointSource.Entry(key, spec.Storage.Type, spec.Size, entries.Count));
            specs.Add(spec);
        }
        var versions = new Dictionary<string, long>(StringComparer.Ordinal);
        if (dict.Metadata is { } md)
            foreach (var (prefix, info) in md.Items)
                if (prefix is string p && info is PyDict d && d.TryGet("version", out var v) && v is long version)
                    versions[p] = version;
        return new Source(path, zip, entries, specs, storages.ToDictionary(kv => kv.Key, kv => kv.Value.Entry, StringComparer.Ordinal), versions);
    }

    /// <summary>The view must lie inside its storage (as <c>as_strided</c> demands in PyTorch); nothing is read yet.</summary>
    private static void CheckView(string path, string key, TensorSpec spec)
    {
        if (spec.Size.Length != spec.Stride.Length)
            throw new CheckpointFormatException(path, $"'{Clip(key)}' has size {Checkpoint.FormatShape(spec.Size)} but stride {Checkpoint.FormatShape(spec.Stride)}.");
        if (spec.Offset < 0 || spec.Size.Any(d => d < 0) || spec.Stride.Any(d => d < 0))
            throw new CheckpointFormatException(path, $"'{Clip(key)}' has a negative size, stride or storage offset.");
        if (DTypes.TryNumel(spec.Size) is null || !DTypes.ExtentFits(spec.Size))
            throw new CheckpointFormatException(path, $"'{Clip(key)}' has size {Checkpoint.FormatShape(spec.Size)}, more elements than a 64-bit count holds.");
        if (LastElement(spec) is { } last && last >= spec.Storage.Numel)
            throw new CheckpointFormatException(path,
                $"'{Clip(key)}' {Checkpoint.FormatShape(spec.Size)} reaches element {last:N0} of its storage '{Clip(spec.Storage.Key)}', which has {spec.Storage.Numel:N0}: the view is larger than its storage.");
    }

    /// <summary>The storage index of the view's last element; null for an empty view; long.MaxValue when it overflows.</summary>
    private static long? LastElement(TensorSpec spec)
    {
        if (spec.Size.Any(d => d == 0)) return null;
        try
        {
            long last = spec.Offset;
            for (int i = 0; i < spec.Size.Length; i++) last = checked(last + checked((spec.Size[i] - 1) * spec.Stride[i]));
            return last;
        }
        catch (OverflowException) { return long.MaxValue; }
    }

    private static long Checked(string path, string key, Func<long> f)
    {
        try { return f(); }
        catch (OverflowException) { throw new CheckpointFormatException(path, $"'{Clip(key)}': a size in the file overflows a 64-bit count."); }
    }

    private static string Clip(string s) => s.Length > 80 ? s.Substring(0, 80) + "…" : s;

    /// <summary>Reads at most <paramref name="limit"/> bytes of an entry; memory follows the bytes really there, not the claimed length.</summary>
    private static byte[] ReadEntry(string path, ZipArchiveEntry entry, long limit)
    {
        if (entry.Length > limit)
            throw new CheckpointFormatException(path, $"{Clip(entry.FullName)} is {entry.Length:N0} bytes, more than the {limit:N0} this reader accepts.");
        try
        {
            using var s = entry.Open();
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            while (buffer.Length < entry.Length)
            {
                int n = s.Read(chunk, 0, (int)Math.Min(chunk.Length, entry.Length - buffer.Length));
                if (n == 0) break;
                buffer.Write(chunk, 0, n);
            }
            if (buffer.Length != entry.Length)
                throw new CheckpointFormatException(path, $"{Clip(entry.FullName)} ends after {buffer.Length:N0} of its {entry.Length:N0} bytes; the file is damaged or truncated.");
            return buffer.ToArray();
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException or NotSupportedException)
        {
            throw new CheckpointFormatException(path, $"{Clip(entry.FullName)} cannot be read ({e.Message}); the file is damaged or truncated.", e);
        }
    }

    /// <summary>The opened archive: reads only the storages (and of them only the prefix) the requested tensors use.</summary>
    private sealed class Source : CheckpointSource
    {
        private readonly ZipArchive zip;
        private readonly List<TensorSpec> specs;
        private readonly Dictionary<string, ZipArchiveEntry> storageEntries;
        private readonly Dictionary<string, long> versions;

        public Source(string path, ZipArchive zip, List<Entry> entries, List<TensorSpec> specs,
                      Dictionary<string, ZipArchiveEntry> storageEntries, Dictionary<string, long> versions)
            : base(path, entries)
        {
            this.zip = zip;
            this.specs = specs;
            this.storageEntries = storageEntries;
            this.versions = versions;
        }

        /// <summary>An upper bound of the distinct storage elements a view touches: the span from its first to its last element.</summary>
        public override long StorageElements(Entry entry)
        {
            var spec = specs[entry.Index];
            return LastElement(spec) is { } last ? last - spec.Offset + 1 : 0;
        }

        protected override long? ModuleVersionAt(string prefix) => versions.TryGetValue(prefix, out var v) ? v : null;

        protected override Tensor[] ReadTensors(IReadOnlyList<Entry> wanted)
        {
            // How much of each storage the wanted views reach: only that prefix is decompressed.
            var needed = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var e in wanted)
            {
                var spec = specs[e.Index];
                if (LastElement(spec) is not { } last) continue;
                needed[spec.Storage.Key] = Math.Max(needed.GetValueOrDefault(spec.Storage.Key), last + 1);
            }
            var storages = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            var result = new List<Tensor>();
            try
            {
                foreach (var (key, count) in needed)
                {
                    var spec = specs.First(s => s.Storage.Key == key).Storage;
                    storages.Add(key, ReadStorage(storageEntries[key], spec.Type, count));
                }
                foreach (var e in wanted)
                {
                    var spec = specs[e.Index];
                    result.Add(storages.TryGetValue(spec.Storage.Key, out var storage)
                        ? storage.as_strided(spec.Size, spec.Stride, spec.Offset)
                        : empty(spec.Size, spec.Storage.Type.Type));
                }
                return result.ToArray();
            }
            catch
            {
                foreach (var t in result) t.Dispose();
                throw;
            }
            finally
            {
                foreach (var s in storages.Values) s.Dispose();
            }
        }

        private Tensor ReadStorage(ZipArchiveEntry entry, DTypes.Info type, long count)
        {
            long bytes = count * type.Size;   // ≤ the entry's length, checked when the file was opened
            var t = empty(new[] { count }, type.Type);
            try
            {
                using var s = entry.Open();
                ReadInto(s, t, bytes, entry.FullName);
                return t;
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException or NotSupportedException)
            {
                t.Dispose();
                throw new CheckpointFormatException(FilePath, $"{Clip(entry.FullName)} cannot be read ({e.Message}); the file is damaged or truncated.", e);
            }
            catch
            {
                t.Dispose();
                throw;
            }
        }

        protected override void Dispose(bool disposing) => zip.Dispose();
    }

    private static PyDict FindStateDict(string path, object? root)
    {
        static bool IsStateDict(object? o) => o is PyDict d && d.Items.All(kv => kv.Value is TensorSpec);
        if (IsStateDict(root)) return (PyDict)root!;
        if (root is PyDict outer)
        {
            foreach (var name in new[] { "state_dict", "model_state_dict", "model" })
                if (outer.TryGet(name, out var inner) && IsStateDict(inner)) return (PyDict)inner!;
            var keys = string.Join(", ", outer.Items.Take(8).Select(kv => $"'{Clip(kv.Key.ToString() ?? "")}': {Describe(kv.Value)}"));
            throw new CheckpointFormatException(path,
                $"holds a dict that is not a state_dict (not every value is a tensor, and no 'state_dict'/'model_state_dict'/'model' entry is one): {{{keys}{(outer.Items.Count > 8 ? ", …" : "")}}}.");
        }
        if (root is PyObject)
            throw new CheckpointFormatException(path,
                $"holds a pickled object ({Describe(root)}), not a state_dict; save the weights with torch.save(model.state_dict(), path).");
        throw new CheckpointFormatException(path, $"holds {Describe(root)}, not a state_dict (a dict of tensors).");
    }

    private static string Describe(object? o) => o switch
    {
        null => "None",
        string s => $"the string '{Clip(s)}'",
        long or double or bool => $"the number {o}",
        TensorSpec t => $"a tensor {Checkpoint.FormatShape(t.Size)}",
        PyDict d => $"a dict of {d.Items.Count} entries",
        object?[] t => $"a tuple of {t.Length}",
        List<object?> l => $"a list of {l.Count}",
        PyObject p => p.Callable is PyGlobal g ? $"an object of {Clip(g.Module)}.{Clip(g.Name)}" : "an object",
        PyGlobal g => $"the global {Clip(g.Module)}.{Clip(g.Name)}",
        _ => o.GetType().Name,
    };

    // ---------------------------------------------------------------- the pickle subset

    private sealed class PickleException : Exception
    {
        public PickleException(string message) : base(message) { }
    }

    private sealed record PyGlobal(string Module, string Name);

    // Objects, storages and tensors compare by identity, as Python's do: a class (not a record), so neither
    // equality, hashing nor ToString ever walks into the arguments (a deep chain cannot overflow the stack).
    private sealed class PyObject
    {
        public PyObject(object? callable, object?[] args) { Callable = callable; Args = args; }
        public object? Callable { get; }
        public object?[] Args { get; }
    }

    private sealed record StorageRef(string Key, DTypes.Info Type, long Numel);

    private sealed class TensorSpec
    {
        public TensorSpec(StorageRef storage, long offset, long[] size, long[] stride) { Storage = storage; Offset = offset; Size = size; Stride = stride; }
        public StorageRef Storage { get; }
        public long Offset { get; }
        public long[] Size { get; }
        public long[] Stride { get; }
    }

    /// <summary>
    /// A Python dict: insertion-ordered, with a hash index so that n insertions take linear time. Keys follow
    /// Python's rules: strings, numbers (1 == 1.0 == True), bytes and tuples of those by value; objects and tensors
    /// by identity; lists and dicts are unhashable.
    /// </summary>
    private sealed class PyDict
    {
        private readonly Dictionary<object, int> index = new(KeyComparer.Instance);

        public List<KeyValuePair<object, object?>> Items { get; } = new();

        /// <summary>The state_dict's <c>_metadata</c> (module prefix → {'version': n}) when the pickle sets it.</summary>
        public PyDict? Metadata { get; set; }

        public void Set(object? key, object? value)
        {
            if (key is null) throw new PickleException("a dict key is None.");
            key = KeyComparer.Canonical(key);
            if (index.TryGetValue(key, out int i)) Items[i] = new(Items[i].Key, value);
            else
            {
                index.Add(key, Items.Count);
                Items.Add(new(key, value));
            }
        }

        public bool TryGet(string key, out object? value)
        {
            if (index.TryGetValue(key, out int i)) { value = Items[i].Value; return true; }
            value = null;
            return false;
        }
    }

    /// <summary>Python's key equality; recursion only into tuples, whose depth the unpickler bounds.</summary>
    private sealed class KeyComparer : IEqualityComparer<object>
    {
        public static readonly KeyComparer Instance = new();

        /// <summary>Numbers equal in Python are one key: True → 1, 2.0 → 2.</summary>
        public static object Canonical(object key) => key switch
        {
            bool b => b ? 1L : 0L,
            double d when d == Math.Floor(d) && d >= long.MinValue && d < 9.2e18 => (long)d,
            List<object?> or PyDict => throw new PickleException($"a dict key is a {(key is PyDict ? "dict" : "list")}, which is unhashable."),
            object?[] t => CheckTuple(t),
            _ => key,
        };

        private static object CheckTuple(object?[] t)
        {
            for (int i = 0; i < t.Length; i++)
                if (t[i] is { } item) t[i] = Canonical(item);
            return t;
        }

        /// <summary>Key comparisons made on this thread (the tests check that insertion is not a linear search).</summary>
        [ThreadStatic] public static long Comparisons;

        public new bool Equals(object? a, object? b)
        {
            Comparisons++;
            if (ReferenceEquals(a, b)) return true;
            return (a, b) switch
            {
                (string x, string y) => x == y,
                (long x, long y) => x == y,
                (double x, double y) => x.Equals(y),
                (byte[] x, byte[] y) => x.AsSpan().SequenceEqual(y),
                (PyGlobal x, PyGlobal y) => x == y,
                (object?[] x, object?[] y) => x.Length == y.Length && x.Zip(y).All(p => p.First is null ? p.Second is null : p.Second is not null && Equals(p.First, p.Second)),
                _ => false,
            };
        }

        public int GetHashCode(object o) => o switch
        {
            string s => s.GetHashCode(StringComparison.Ordinal),   // randomised per process: no chosen collisions
            long l => HashCode.Combine(l),                        // HashCode is seeded per process too
            double d => HashCode.Combine(d),
            byte[] b => Bytes(b),
            PyGlobal g => HashCode.Combine(g.Module.GetHashCode(StringComparison.Ordinal), g.Name.GetHashCode(StringComparison.Ordinal)),
            object?[] t => t.Aggregate(t.Length, (h, x) => HashCode.Combine(h, x is null ? 0 : GetHashCode(x))),
            _ => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(o),
        };

        private static int Bytes(byte[] b)
        {
            var h = new HashCode();
            h.AddBytes(b);
            return h.ToHashCode();
        }
    }

    private sealed class Unpickler
    {
        private static readonly object Mark = new();
        private readonly byte[] data;
        private int pos;
        private readonly List<object?> stack = new();
        private readonly Dictionary<long, object?> memo = new();
        private readonly Dictionary<object, int> depth = new(ReferenceEqualityComparer.Instance);

        /// <summary>Every tensor the pickle builds, in order.</summary>
        public List<TensorSpec> Tensors { get; } = new();

        /// <summary>Records a container's nesting depth (1 + its deepest element's) and refuses it beyond <see cref="MaxNesting"/>.</summary>
        private T Nest<T>(T container, IEnumerable<object?> elements) where T : class
        {
            int d = 1;
            foreach (var e in elements)
                if (e is not null && depth.TryGetValue(e, out int inner)) d = Math.Max(d, inner + 1);
            if (d > MaxNesting)
                throw new PickleException($"objects are nested more than {MaxNesting} deep at offset {pos}; no state_dict is.");
            depth[container] = d;
            return container;
        }

        private object?[] Tuple(object?[] items) => items.Length == 0 ? items : Nest(items, items);

        public Unpickler(byte[] data) => this.data = data;

        private ReadOnlySpan<byte> Take(long n)
        {
            if (n < 0 || pos + n > data.Length) throw new PickleException($"the pickle ends early (needs {n} more bytes at offset {pos}); the file is damaged.");
            var s = data.AsSpan(pos, (int)n);
            pos += (int)n;
            return s;
        }

        private byte Byte() => Take(1)[0];

        private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

        /// <summary>Python refuses a string that is not UTF-8, so does this reader (no silent U+FFFD keys).</summary>
        private static string Utf8(ReadOnlySpan<byte> bytes, int at)
        {
            try { return StrictUtf8.GetString(bytes); }
            catch (DecoderFallbackException) { throw new PickleException($"a string at offset {at} is not valid UTF-8."); }
        }

        private string Line()
        {
            int end = Array.IndexOf(data, (byte)'\n', pos);
            if (end < 0) throw new PickleException($"unterminated GLOBAL name at offset {pos}.");
            var s = Utf8(data.AsSpan(pos, end - pos), pos);
            pos = end + 1;
            return s;
        }

        private object? Pop()
        {
            if (stack.Count == 0) throw new PickleException($"stack underflow at offset {pos}.");
            var o = stack[^1];
            stack.RemoveAt(stack.Count - 1);
            if (ReferenceEquals(o, Mark)) throw new PickleException($"unexpected MARK at offset {pos}.");
            return o;
        }

        private object? Top() => stack.Count == 0 ? throw new PickleException($"stack underflow at offset {pos}.") : stack[^1];

        private List<object?> PopToMark()
        {
            int i = stack.LastIndexOf(Mark);
            if (i < 0) throw new PickleException($"no MARK on the stack at offset {pos}.");
            var items = stack.GetRange(i + 1, stack.Count - i - 1);
            stack.RemoveRange(i, stack.Count - i);
            return items;
        }

        public object? Load()
        {
            while (true)
            {
                int at = pos;
                byte op = Byte();
                switch (op)
                {
                    case 0x80: Byte(); break;                                            // PROTO
                    case 0x95: Take(8); break;                                           // FRAME
                    case (byte)'.': return stack.Count == 1 ? stack[0] : throw new PickleException("STOP with a malformed stack.");
                    case (byte)'(': stack.Add(Mark); break;
                    case (byte)'}': stack.Add(new PyDict()); break;
                    case (byte)']': stack.Add(new List<object?>()); break;
                    case (byte)')': stack.Add(Array.Empty<object?>()); break;
                    case (byte)'N': stack.Add(null); break;
                    case 0x88: stack.Add(true); break;
                    case 0x89: stack.Add(false); break;
                    case (byte)'K': stack.Add((long)Byte()); break;
                    case (byte)'M': stack.Add((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break;
                    case (byte)'J': stack.Add((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break;
                    case 0x8A: stack.Add(Long(Byte())); break;                           // LONG1
                    case (byte)'G': stack.Add(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break;
                    case (byte)'X': stack.Add(Utf8(Take(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))), at)); break;
                    case 0x8C: stack.Add(Utf8(Take(Byte()), at)); break;                 // SHORT_BINUNICODE
                    case 0x8D: stack.Add(Utf8(Take((long)BinaryPrimitives.ReadUInt64LittleEndian(Take(8))), at)); break;
                    case (byte)'T': stack.Add(Encoding.Latin1.GetString(Take(BinaryPrimitives.ReadInt32LittleEndian(Take(4))))); break;
                    case (byte)'U': stack.Add(Encoding.Latin1.GetString(Take(Byte()))); break;
                    case (byte)'B': stack.Add(Take(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))).ToArray()); break;
                    case (byte)'C': stack.Add(Take(Byte()).ToArray()); break;
                    case (byte)'q': memo[Byte()] = Top(); break;                        // BINPUT
                    case (byte)'r': memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(4))] = Top(); break;
                    case 0x94: memo[memo.Count] = Top(); break;                          // MEMOIZE
                    case (byte)'h': stack.Add(Get(Byte())); break;                       // BINGET
                    case (byte)'j': stack.Add(Get(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))); break;
                    case (byte)'c': { var module = Line(); stack.Add(new PyGlobal(module, Line())); break; }
                    case 0x93:                                                           // STACK_GLOBAL
                    {
                        var name = Pop() as string;
                        var module = Pop() as string;
                        if (name is null || module is null) throw new PickleException($"STACK_GLOBAL without strings at offset {at}.");
                        stack.Add(new PyGlobal(module, name));
                        break;
                    }
                    case (byte)'t': stack.Add(Tuple(PopToMark().ToArray())); break;
                    case 0x85: stack.Add(Tuple(new[] { Pop() })); break;
                    case 0x86: { var b = Pop(); var a = Pop(); stack.Add(Tuple(new[] { a, b })); break; }
                    case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); stack.Add(Tuple(new[] { a, b, c })); break; }
                    case (byte)'l': stack.Add(PopToMark()); break;
                    case (byte)'d':
                    {
                        var items = PopToMark();
                        var d = new PyDict();
                        if (items.Count % 2 != 0) throw new PickleException($"DICT with an odd number of items at offset {at}.");
                        for (int i = 0; i < items.Count; i += 2) d.Set(items[i], items[i + 1]);
                        stack.Add(d);
                        break;
                    }
                    case (byte)'a': { var v = Pop(); List(at).Add(v); break; }
                    case (byte)'e': { var items = PopToMark(); List(at).AddRange(items); break; }
                    case (byte)'s': { var v = Pop(); var k = Pop(); Dict(at).Set(k, v); break; }
                    case (byte)'u':
                    {
                        var items = PopToMark();
                        if (items.Count % 2 != 0) throw new PickleException($"SETITEMS with an odd number of items at offset {at}.");
                        var d = Dict(at);
                        for (int i = 0; i < items.Count; i += 2) d.Set(items[i], items[i + 1]);
                        break;
                    }
                    case (byte)'0': Pop(); break;
                    case (byte)'1': PopToMark(); break;
                    case (byte)'2': stack.Add(Top()); break;
                    case (byte)'b': Build(Pop(), Top()); break;
                    case (byte)'Q': stack.Add(PersistentLoad(Pop(), at)); break;         // BINPERSID
                    case (byte)'R': { var args = Pop() as object?[]; var f = Pop(); stack.Add(Reduce(f, args, at)); break; }
                    case 0x81: { var args = Pop() as object?[] ?? Array.Empty<object?>(); var cls = Pop(); stack.Add(Nest(new PyObject(cls, args), args)); break; }
                    default:
                        throw new PickleException($"unsupported pickle opcode 0x{op:X2} at offset {at} (not a state_dict written by torch.save?).");
                }
            }
        }

        private List<object?> List(int at) => Top() as List<object?> ?? throw new PickleException($"APPEND(S) to something that is not a list at offset {at}.");

        private PyDict Dict(int at) => Top() as PyDict ?? throw new PickleException($"SETITEM(S) on something that is not a dict at offset {at}.");

        /// <summary>BUILD: a state_dict keeps its <c>_metadata</c> (the module versions); other state is not needed.</summary>
        private static void Build(object? state, object? target)
        {
            if (target is PyDict d && state is PyDict s && s.TryGet("_metadata", out var m) && m is PyDict metadata)
                d.Metadata = metadata;
        }

        private object? Get(long index) =>
            memo.TryGetValue(index, out var o) ? o : throw new PickleException($"memo entry {index} is used before it is set (offset {pos}).");

        private long Long(int n)
        {
            if (n > 8) throw new PickleException($"an integer of {n} bytes at offset {pos} is too large.");
            var bytes = Take(n);
            long v = 0;
            for (int i = n - 1; i >= 0; i--) v = (v << 8) | bytes[i];
            if (n > 0 && n < 8 && (bytes[n - 1] & 0x80) != 0) v -= 1L << (8 * n);
            return v;
        }

        private static object PersistentLoad(object? pid, int at)
        {
            if (pid is not object?[] { Length: 5 } t || t[0] as string != "storage")
                throw new PickleException($"unsupported persistent id at offset {at} (expected ('storage', type, key, location, numel)).");
            if (t[1] is not PyGlobal type || DTypes.FromStorage(type.Name) is not { } dtype)
                throw new PickleException($"unsupported storage type {(t[1] is PyGlobal g ? g.Module + "." + g.Name : "?")} at offset {at}.");
            if (t[2] is not string key || t[4] is not long numel || numel < 0)
                throw new PickleException($"malformed storage reference at offset {at}.");
            return new StorageRef(key, dtype, numel);
        }

        private object Reduce(object? callable, object?[]? args, int at)
        {
            if (args is null) throw new PickleException($"REDUCE without an argument tuple at offset {at}.");
            if (callable is PyGlobal g)
            {
                switch (g.Module, g.Name)
                {
                    case ("collections", "OrderedDict"):
                    case ("builtins", "dict"):
                        return new PyDict();
                    case ("torch._utils", "_rebuild_tensor_v2"):
                    case ("torch._utils", "_rebuild_tensor"):
                        if (args.Length < 4 || args[0] is not StorageRef storage || args[1] is not long offset
                            || Longs(args[2]) is not { } size || Longs(args[3]) is not { } stride)
                            throw new PickleException($"malformed {g.Name} call at offset {at}.");
                        var spec = new TensorSpec(storage, offset, size, stride);
                        Tensors.Add(spec);
                        return spec;
                    case ("torch._utils", "_rebuild_parameter"):
                    case ("torch._utils", "_rebuild_parameter_with_state"):
                        return args.Length > 0 && args[0] is TensorSpec p ? p : throw new PickleException($"malformed {g.Name} call at offset {at}.");
                }
            }
            return Nest(new PyObject(callable, args), args);
        }

        private static long[]? Longs(object? o) =>
            o is object?[] t && t.All(x => x is long) ? t.Select(x => (long)x!).ToArray() : null;
    }

    // ---------------------------------------------------------------- writing

    public static void Write(string path, IReadOnlyList<KeyValuePair<string, Tensor>> entries)
    {
        var pickle = new PickleWriter();
        var storages = new List<byte[]>();
        pickle.Global("collections", "OrderedDict");
        pickle.Op(')').Op('R').Op('(');
        foreach (var (key, tensor) in entries)
        {
            var dtype = DTypes.Of(tensor.dtype, path, key);
            long[] shape = tensor.shape;
            string storageKey = storages.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            storages.Add(DTypes.ToBytes(tensor));
            pickle.String(key);
            pickle.Global("torch._utils", "_rebuild_tensor_v2");
            pickle.Op('(');
            pickle.Op('(').String("storage").Global("torch", dtype.Storage).String(storageKey).String("cpu").Int(DTypes.Numel(shape)).Op('t').Op('Q');
            pickle.Int(0);
            pickle.Tuple(shape);
            pickle.Tuple(ContiguousStrides(shape));
            pickle.Op(0x89);
            pickle.Global("collections", "OrderedDict").Op(')').Op('R');
            pickle.Op('t').Op('R');
        }
        pickle.Op('u').Op('.');

        AtomicFile.Write(path, stream =>
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            void Add(string name, byte[] bytes)
            {
                var e = zip.CreateEntry("archive/" + name, CompressionLevel.NoCompression);
                using var s = e.Open();
                s.Write(bytes);
            }
            Add("data.pkl", pickle.ToArray());
            Add("byteorder", Encoding.ASCII.GetBytes("little"));
            for (int i = 0; i < storages.Count; i++) Add("data/" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), storages[i]);
            Add("version", Encoding.ASCII.GetBytes("3\n"));
        });
    }

    private static long[] ContiguousStrides(long[] shape)
    {
        var strides = new long[shape.Length];
        long s = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = s;
            s *= Math.Max(shape[i], 1);
        }
        return strides;
    }

    /// <summary>Pickle protocol 2, the subset torch.save writes for a state_dict.</summary>
    private sealed class PickleWriter
    {
        private readonly MemoryStream o = new();

        public PickleWriter() => o.Write(new byte[] { 0x80, 0x02 });

        public PickleWriter Op(char c) => Op((byte)c);

        public PickleWriter Op(byte b)
        {
            o.WriteByte(b);
            return this;
        }

        public PickleWriter Global(string module, string name)
        {
            Op('c');
            o.Write(Encoding.ASCII.GetBytes(module + "\n" + name + "\n"));
            return this;
        }

        public PickleWriter String(string s)
        {
            var bytes = Encoding.UTF8.GetBytes(s);
            Op('X');
            Span<byte> len = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(len, (uint)bytes.Length);
            o.Write(len);
            o.Write(bytes);
            return this;
        }

        public PickleWriter Int(long v)
        {
            Span<byte> b = stackalloc byte[8];
            if (v >= 0 && v < 256) { Op('K'); o.WriteByte((byte)v); }
            else if (v >= 0 && v < 65536) { Op('M'); BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)v); o.Write(b[..2]); }
            else if (v >= int.MinValue && v <= int.MaxValue) { Op('J'); BinaryPrimitives.WriteInt32LittleEndian(b, (int)v); o.Write(b[..4]); }
            else { Op(0x8A); o.WriteByte(8); BinaryPrimitives.WriteInt64LittleEndian(b, v); o.Write(b); }
            return this;
        }

        public PickleWriter Tuple(long[] values)
        {
            if (values.Length == 0) return Op(')');
            Op('(');
            foreach (var v in values) Int(v);
            return Op('t');
        }

        public byte[] ToArray() => o.ToArray();
    }
}
