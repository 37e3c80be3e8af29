using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;

namespace PiXGen.Testing;

/// <summary>
/// Builds checkpoint, safetensors and .npy files byte by byte from a description, valid or hostile, for the
/// regression tests and the reader fuzzer (no binary fixtures). Independent of PiXGen's own writers.
/// </summary>
public static class CheckpointFiles
{
    /// <summary>The element size of a torch storage class (FloatStorage → 4).</summary>
    public static readonly IReadOnlyDictionary<string, int> StorageSizes = new Dictionary<string, int>
    {
        ["FloatStorage"] = 4, ["DoubleStorage"] = 8, ["HalfStorage"] = 2, ["BFloat16Storage"] = 2, ["LongStorage"] = 8,
        ["IntStorage"] = 4, ["ShortStorage"] = 2, ["CharStorage"] = 1, ["ByteStorage"] = 1, ["BoolStorage"] = 1,
    };

    /// <summary>The safetensors dtype of the same element type.</summary>
    public static readonly IReadOnlyDictionary<string, string> SafetensorsNames = new Dictionary<string, string>
    {
        ["FloatStorage"] = "F32", ["DoubleStorage"] = "F64", ["HalfStorage"] = "F16", ["BFloat16Storage"] = "BF16", ["LongStorage"] = "I64",
        ["IntStorage"] = "I32", ["ShortStorage"] = "I16", ["CharStorage"] = "I8", ["ByteStorage"] = "U8", ["BoolStorage"] = "BOOL",
    };

    /// <summary>One tensor of a torch.save file: a view (offset, size, stride) of a storage.</summary>
    public sealed record PtTensor(string Key, string StorageKey, string StorageType, long StorageNumel, long Offset, long[] Size, long[] Stride);

    /// <summary>A zip entry: name, content, whether it is deflated.</summary>
    public sealed record ZipItem(string Name, byte[] Data, bool Deflate = false);

    /// <summary>The pickle torch.save writes for a state_dict (protocol 2), with optional module versions (_metadata).</summary>
    public static byte[] StateDictPickle(IEnumerable<PtTensor> tensors, IReadOnlyDictionary<string, long>? versions = null)
    {
        var p = new Pickle();
        p.Global("collections", "OrderedDict").Op(')').Op('R').Op('(');
        foreach (var t in tensors)
        {
            p.Str(t.Key);
            p.Global("torch._utils", "_rebuild_tensor_v2").Op('(');
            p.Op('(').Str("storage").Global("torch", t.StorageType).Str(t.StorageKey).Str("cpu").Int(t.StorageNumel).Op('t').Op('Q');
            p.Int(t.Offset).Tuple(t.Size).Tuple(t.Stride).Op(0x89);
            p.Global("collections", "OrderedDict").Op(')').Op('R').Op('t').Op('R');
        }
        p.Op('u');
        if (versions is not null)
        {
            // BUILD with the state {'_metadata': {prefix: {'version': n}}}, as OrderedDict's __reduce__ gives it.
            p.Op('}').Str("_metadata").Op('}').Op('(');
            foreach (var (prefix, version) in versions) p.Str(prefix).Op('}').Str("version").Int(version).Op('s');
            p.Op('u').Op('s').Op('b');
        }
        return p.Op('.').ToArray();
    }

    /// <summary>A zip archive of the given entries (in order; names may repeat).</summary>
    public static byte[] Zip(IEnumerable<ZipItem> items)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var item in items)
            {
                var e = zip.CreateEntry(item.Name, item.Deflate ? CompressionLevel.Fastest : CompressionLevel.NoCompression);
                using var s = e.Open();
                s.Write(item.Data);
            }
        }
        return ms.ToArray();
    }

    /// <summary>A torch.save file: archive/data.pkl, archive/data/&lt;key&gt; for each storage, archive/version.</summary>
    public static byte[] TorchSave(IReadOnlyList<PtTensor> tensors, IReadOnlyDictionary<string, byte[]> storages,
                                   IReadOnlyDictionary<string, long>? versions = null, bool deflate = false, string folder = "archive")
    {
        var items = new List<ZipItem> { new($"{folder}/data.pkl", StateDictPickle(tensors, versions)), new($"{folder}/byteorder", Encoding.ASCII.GetBytes("little")) };
        items.AddRange(storages.Select(kv => new ZipItem($"{folder}/data/{kv.Key}", kv.Value, deflate)));
        items.Add(new($"{folder}/version", Encoding.ASCII.GetBytes("3\n")));
        return Zip(items);
    }

    /// <summary>Contiguous strides of a shape.</summary>
    public static long[] Contiguous(long[] size)
    {
        var s = new long[size.Length];
        long m = 1;
        for (int i = size.Length - 1; i >= 0; i--) { s[i] = m; m *= Math.Max(size[i], 1); }
        return s;
    }

    /// <summary>float32 values as little-endian bytes.</summary>
    public static byte[] Floats(params float[] values)
    {
        var b = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(4 * i), values[i]);
        return b;
    }

    /// <summary>A safetensors file from a raw JSON header and data section (the header is padded to 8 bytes).</summary>
    public static byte[] Safetensors(string headerJson, byte[] data) => Safetensors(Encoding.UTF8.GetBytes(headerJson), data);

    public static byte[] Safetensors(byte[] header, byte[] data)
    {
        var h = header.ToList();
        while (h.Count % 8 != 0) h.Add((byte)' ');
        var o = new byte[8 + h.Count + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(o, (ulong)h.Count);
        h.CopyTo(o, 8);
        data.CopyTo(o, 8 + h.Count);
        return o;
    }

    /// <summary>A .npy file (version 1.0) with the given header dict text and raw data.</summary>
    public static byte[] Npy(string dict, byte[] data, byte major = 1)
    {
        int prefix = major == 1 ? 10 : 12;
        int total = (prefix + dict.Length + 1 + 63) / 64 * 64;
        var header = Encoding.Latin1.GetBytes(dict.PadRight(total - prefix - 1) + "\n");
        var o = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', major, 0 };
        var len = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(len, (uint)header.Length);
        o.AddRange(major == 1 ? len.Take(2) : len);
        o.AddRange(header);
        o.AddRange(data);
        return o.ToArray();
    }

    /// <summary>A pickle writer: opcodes by hand, for hostile pickles too.</summary>
    public sealed class Pickle
    {
        private readonly MemoryStream o = new();

        public Pickle(int protocol = 2) { o.WriteByte(0x80); o.WriteByte((byte)protocol); }

        public Pickle Op(char c) => Op((byte)c);

        public Pickle Op(byte b) { o.WriteByte(b); return this; }

        public Pickle Raw(ReadOnlySpan<byte> bytes) { o.Write(bytes); return this; }

        public Pickle Global(string module, string name) { Op('c'); o.Write(Encoding.UTF8.GetBytes(module + "\n" + name + "\n")); return this; }

        public Pickle Str(string s) => Bytes('X', Encoding.UTF8.GetBytes(s));

        public Pickle Bytes(char op, byte[] bytes)
        {
            Op(op);
            Span<byte> len = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(len, (uint)bytes.Length);
            o.Write(len);
            o.Write(bytes);
            return this;
        }

        public Pickle Int(long v)
        {
            Span<byte> b = stackalloc byte[8];
            if (v >= 0 && v < 256) { Op('K'); o.WriteByte((byte)v); }
            else if (v >= int.MinValue && v <= int.MaxValue) { Op('J'); BinaryPrimitives.WriteInt32LittleEndian(b, (int)v); o.Write(b[..4]); }
            else { Op(0x8A); o.WriteByte(8); BinaryPrimitives.WriteInt64LittleEndian(b, v); o.Write(b); }
            return this;
        }

        public Pickle Tuple(long[] values)
        {
            if (values.Length == 0) return Op(')');
            Op('(');
            foreach (var v in values) Int(v);
            return Op('t');
        }

        public byte[] ToArray() => o.ToArray();
    }
}
