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

    public static StateDict Read(string path)
    {
        using var stream = Checkpoint.OpenRead(path);
        var magic = new byte[4];
        int got = stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
        if (got < 4 || magic[0] != 0x50 || magic[1] != 0x4B || magic[2] != 0x03 || magic[3] != 0x04)
        {
            string what = got == 0 ? "the file is empty"
                : got >= 2 && magic[0] == 0x80 && magic[1] <= 5 ? "it is a bare pickle, i.e. the legacy torch.save format (PyTorch < 1.6); re-save it with a current PyTorch"
                : "it does not start with a zip signature";
            throw new CheckpointFormatException(path, $"not a torch.save checkpoint (zip archive): {what}.");
        }
        stream.Position = 0;

        ZipArchive zip;
        try { zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true); }
        catch (InvalidDataException e)
        {
            throw new CheckpointFormatException(path, $"the zip archive is damaged or truncated ({e.Message}).", e);
        }
        using (zip)
        {
            var pkl = zip.Entries.FirstOrDefault(e => e.FullName == "data.pkl" || e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal))
                      ?? throw new CheckpointFormatException(path, "the zip archive has no data.pkl entry, so it was not written by torch.save.");
            string prefix = pkl.FullName.Substring(0, pkl.FullName.Length - "data.pkl".Length);
            var byteorder = zip.GetEntry(prefix + "byteorder");
            if (byteorder is not null)
            {
                string order = Encoding.ASCII.GetString(ReadEntry(path, byteorder, byteorder.Length)).Trim();
                if (order != "little")
                    throw new CheckpointFormatException(path, $"the tensors are stored {order}-endian; only little-endian checkpoints are supported.");
            }

            object? root;
            try { root = new Unpickler(ReadEntry(path, pkl, pkl.Length)).Load(); }
            catch (PickleException e) { throw new CheckpointFormatException(path, $"{pkl.FullName}: {e.Message}"); }

            var dict = FindStateDict(path, root);
            var result = new StateDict(path);
            var storages = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            try
            {
                foreach (var (keyObject, value) in dict.Items)
                {
                    if (keyObject is not string key)
                        throw new CheckpointFormatException(path, $"a state_dict key is {Describe(keyObject)}, not a string.");
                    var spec = (TensorSpec)value!;
                    if (!storages.TryGetValue(spec.Storage.Key, out var storage))
                    {
                        storage = LoadStorage(path, zip, prefix, spec.Storage);
                        storages.Add(spec.Storage.Key, storage);
                    }
                    result.Add(key, Materialise(path, key, storage, spec));
                }
            }
            catch
            {
                result.Dispose();
                throw;
            }
            finally
            {
                foreach (var s in storages.Values) s.Dispose();
            }
            return result;
        }
    }

    private static byte[] ReadEntry(string path, ZipArchiveEntry entry, long length)
    {
        if (length > Array.MaxLength)
            throw new CheckpointFormatException(path, $"{entry.FullName} is {length:N0} bytes, larger than one array can hold.");
        var buffer = new byte[length];
        try
        {
            using var s = entry.Open();
            s.ReadExactly(buffer);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException)
        {
            throw new CheckpointFormatException(path, $"{entry.FullName} cannot be read ({e.Message}); the file is damaged or truncated.", e);
        }
        return buffer;
    }

    private static Tensor LoadStorage(string path, ZipArchive zip, string prefix, StorageRef storage)
    {
        string name = prefix + "data/" + storage.Key;
        var entry = zip.GetEntry(name)
                    ?? throw new CheckpointFormatException(path, $"the pickle refers to storage '{storage.Key}' but the archive has no entry {name}.");
        long bytes = checked(storage.Numel * storage.Type.Size);
        if (entry.Length < bytes)
            throw new CheckpointFormatException(path, $"{name} holds {entry.Length:N0} bytes but its {storage.Numel:N0} {storage.Type.Type} elements need {bytes:N0}.");
        var data = ReadEntry(path, entry, entry.Length);
        if (data.Length != bytes) Array.Resize(ref data, (int)bytes);
        return DTypes.FromBytes(data, storage.Type.Type, new[] { storage.Numel });
    }

    private static Tensor Materialise(string path, string key, Tensor storage, TensorSpec spec)
    {
        if (spec.Size.Length != spec.Stride.Length)
            throw new CheckpointFormatException(path, $"'{key}' has size {Checkpoint.FormatShape(spec.Size)} but stride {Checkpoint.FormatShape(spec.Stride)}.");
        if (spec.Offset < 0 || spec.Size.Any(d => d < 0) || spec.Stride.Any(d => d < 0))
            throw new CheckpointFormatException(path, $"'{key}' has a negative size, stride or storage offset.");
        var result = empty(spec.Size, storage.dtype);
        if (DTypes.Numel(spec.Size) == 0) return result;
        long last = spec.Offset;
        for (int i = 0; i < spec.Size.Length; i++) last = checked(last + (spec.Size[i] - 1) * spec.Stride[i]);
        if (last >= spec.Storage.Numel)
        {
            result.Dispose();
            throw new CheckpointFormatException(path, $"'{key}' {Checkpoint.FormatShape(spec.Size)} reaches element {last:N0} of its storage '{spec.Storage.Key}', which has {spec.Storage.Numel:N0}.");
        }
        using var view = storage.as_strided(spec.Size, spec.Stride, spec.Offset);
        result.copy_(view);
        return result;
    }

    private static PyDict FindStateDict(string path, object? root)
    {
        static bool IsStateDict(object? o) => o is PyDict d && d.Items.All(kv => kv.Value is TensorSpec);
        if (IsStateDict(root)) return (PyDict)root!;
        if (root is PyDict outer)
        {
            foreach (var name in new[] { "state_dict", "model_state_dict", "model" })
                if (outer.TryGet(name, out var inner) && IsStateDict(inner)) return (PyDict)inner!;
            var keys = string.Join(", ", outer.Items.Take(8).Select(kv => $"'{kv.Key}': {Describe(kv.Value)}"));
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
        string s => $"the string '{(s.Length > 40 ? s.Substring(0, 40) + "…" : s)}'",
        long or double or bool => $"the number {o}",
        TensorSpec t => $"a tensor {Checkpoint.FormatShape(t.Size)}",
        PyDict d => $"a dict of {d.Items.Count} entries",
        object?[] t => $"a tuple of {t.Length}",
        List<object?> l => $"a list of {l.Count}",
        PyObject p => p.Callable is PyGlobal g ? $"an object of {g.Module}.{g.Name}" : "an object",
        PyGlobal g => $"the global {g.Module}.{g.Name}",
        _ => o.GetType().Name,
    };

    // ---------------------------------------------------------------- the pickle subset

    private sealed class PickleException : Exception
    {
        public PickleException(string message) : base(message) { }
    }

    private sealed record PyGlobal(string Module, string Name);

    private sealed record PyObject(object? Callable, object?[] Args);

    private sealed record StorageRef(string Key, DTypes.Info Type, long Numel);

    private sealed record TensorSpec(StorageRef Storage, long Offset, long[] Size, long[] Stride);

    private sealed class PyDict
    {
        public List<KeyValuePair<object, object?>> Items { get; } = new();

        public void Set(object? key, object? value)
        {
            if (key is null) throw new PickleException("a dict key is None.");
            int i = Items.FindIndex(kv => kv.Key.Equals(key));
            if (i >= 0) Items[i] = new(key, value);
            else Items.Add(new(key, value));
        }

        public bool TryGet(string key, out object? value)
        {
            foreach (var kv in Items)
                if (kv.Key is string s && s == key) { value = kv.Value; return true; }
            value = null;
            return false;
        }
    }

    private sealed class Unpickler
    {
        private static readonly object Mark = new();
        private readonly byte[] data;
        private int pos;
        private readonly List<object?> stack = new();
        private readonly Dictionary<long, object?> memo = new();

        public Unpickler(byte[] data) => this.data = data;

        private ReadOnlySpan<byte> Take(long n)
        {
            if (n < 0 || pos + n > data.Length) throw new PickleException($"the pickle ends early (needs {n} more bytes at offset {pos}); the file is damaged.");
            var s = data.AsSpan(pos, (int)n);
            pos += (int)n;
            return s;
        }

        private byte Byte() => Take(1)[0];

        private string Line()
        {
            int end = Array.IndexOf(data, (byte)'\n', pos);
            if (end < 0) throw new PickleException($"unterminated GLOBAL name at offset {pos}.");
            var s = Encoding.UTF8.GetString(data, pos, end - pos);
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
                    case (byte)'X': stack.Add(Encoding.UTF8.GetString(Take(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))))); break;
                    case 0x8C: stack.Add(Encoding.UTF8.GetString(Take(Byte()))); break;  // SHORT_BINUNICODE
                    case 0x8D: stack.Add(Encoding.UTF8.GetString(Take((long)BinaryPrimitives.ReadUInt64LittleEndian(Take(8))))); break;
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
                    case (byte)'t': stack.Add(PopToMark().ToArray()); break;
                    case 0x85: stack.Add(new[] { Pop() }); break;
                    case 0x86: { var b = Pop(); var a = Pop(); stack.Add(new[] { a, b }); break; }
                    case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); stack.Add(new[] { a, b, c }); break; }
                    case (byte)'l': stack.Add(PopToMark()); break;
                    case (byte)'d':
                    {
                        var items = PopToMark();
                        var d = new PyDict();
                        for (int i = 0; i + 1 < items.Count; i += 2) d.Set(items[i], items[i + 1]);
                        stack.Add(d);
                        break;
                    }
                    case (byte)'a': { var v = Pop(); (Top() as List<object?>)?.Add(v); break; }
                    case (byte)'e': { var items = PopToMark(); (Top() as List<object?>)?.AddRange(items); break; }
                    case (byte)'s': { var v = Pop(); var k = Pop(); (Top() as PyDict)?.Set(k, v); break; }
                    case (byte)'u':
                    {
                        var items = PopToMark();
                        if (items.Count % 2 != 0) throw new PickleException($"SETITEMS with an odd number of items at offset {at}.");
                        if (Top() is PyDict d) for (int i = 0; i < items.Count; i += 2) d.Set(items[i], items[i + 1]);
                        break;
                    }
                    case (byte)'0': Pop(); break;
                    case (byte)'1': PopToMark(); break;
                    case (byte)'2': stack.Add(Top()); break;
                    case (byte)'b': Pop(); Top(); break;                                 // BUILD: state is not needed
                    case (byte)'Q': stack.Add(PersistentLoad(Pop(), at)); break;         // BINPERSID
                    case (byte)'R': { var args = Pop() as object?[]; var f = Pop(); stack.Add(Reduce(f, args, at)); break; }
                    case 0x81: { var args = Pop() as object?[]; var cls = Pop(); stack.Add(new PyObject(cls, args ?? Array.Empty<object?>())); break; }
                    default:
                        throw new PickleException($"unsupported pickle opcode 0x{op:X2} at offset {at} (not a state_dict written by torch.save?).");
                }
            }
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

        private static object Reduce(object? callable, object?[]? args, int at)
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
                        return new TensorSpec(storage, offset, size, stride);
                    case ("torch._utils", "_rebuild_parameter"):
                    case ("torch._utils", "_rebuild_parameter_with_state"):
                        return args.Length > 0 && args[0] is TensorSpec p ? p : throw new PickleException($"malformed {g.Name} call at offset {at}.");
                }
            }
            return new PyObject(callable, args);
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

        Checkpoint.WriteAtomically(path, stream =>
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
