using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using static PiXGen.Testing.CheckpointFiles;

namespace PiXGen.ReaderFuzz;

/// <summary>What the reference says a file holds: refused, these tensors, or unknown (invariants only).</summary>
public enum Verdict { Refuse, Load, Unknown }

/// <summary>One expected tensor: key, dtype (safetensors name), shape and raw little-endian C-order bytes.</summary>
public sealed record RefTensor(string Key, string Dtype, long[] Shape, byte[] Bytes);

/// <summary>A fuzz case: the file's bytes, its extension, and the reference decoder's answer.</summary>
public sealed record FuzzCase(string Ext, byte[] Bytes, Verdict Verdict, IReadOnlyList<RefTensor> Tensors, string What);

/// <summary>
/// Generates valid files and mutates them by structure (the description, then serialised: the reference knows the
/// answer exactly) or by bytes (then the reference decoder reads the bytes, or for a mutated pickle only the
/// invariants apply). Deterministic in (seed, index).
/// </summary>
public static class Cases
{
    private static readonly string[] Storages = StorageSizes.Keys.ToArray();

    private static readonly long[] Interesting =
        { 0, 1, 2, 3, 7, 8, 255, 256, 65535, 65536, int.MaxValue, 1L << 31, 1L << 32, (1L << 62) - 1, 1L << 62, long.MaxValue, -1, -2, long.MinValue };

    public static FuzzCase At(ulong seed, long index)
    {
        var rng = new Random(HashCode.Combine(seed, index) ^ (int)(index * 2654435761L));
        return (index % 3) switch
        {
            0 => Pt(rng),
            1 => SafetensorsCase(rng),
            _ => NpyCase(rng),
        };
    }

    private static long Pick(Random rng) => rng.Next(3) == 0 ? Interesting[rng.Next(Interesting.Length)] : rng.Next(0, 9);

    private static long[] RandomShape(Random rng, int maxRank = 3)
    {
        int rank = rng.Next(maxRank + 1);
        return Enumerable.Range(0, rank).Select(_ => (long)rng.Next(0, 5)).ToArray();
    }

    private static string Key(Random rng, int i) => rng.Next(4) == 0 ? $"layer{i}.weight" : $"t{i}";

    // ------------------------------------------------------------ torch.save

    private sealed class PtModel
    {
        public List<PtTensor> Tensors = new();
        public Dictionary<string, byte[]> Storage = new();
        public List<ZipItem>? Extra;
        public string Folder = "archive";
        public bool Deflate;
        public bool DropPkl, DuplicatePkl, DuplicateStorage, FlatPkl;
        public Dictionary<string, long>? Versions;
        public List<string> Notes = new();
    }

    private static FuzzCase Pt(Random rng)
    {
        var m = new PtModel { Deflate = rng.Next(3) == 0 };
        int storages = rng.Next(1, 4);
        for (int s = 0; s < storages; s++)
        {
            var type = Storages[rng.Next(Storages.Length)];
            long numel = rng.Next(0, 40);
            var bytes = new byte[numel * StorageSizes[type]];
            rng.NextBytes(bytes);
            m.Storage[s.ToString()] = bytes;
            int views = rng.Next(1, 3);
            for (int v = 0; v < views; v++)
            {
                var size = RandomShape(rng);
                long[] stride = rng.Next(3) == 0 ? size.Select(_ => (long)rng.Next(0, 4)).ToArray() : Contiguous(size);
                long offset = rng.Next(0, 4);
                m.Tensors.Add(new PtTensor(Key(rng, m.Tensors.Count), s.ToString(), type, numel, offset, size, stride));
            }
        }
        // Make most views fit their storage, so that valid files are common.
        for (int i = 0; i < m.Tensors.Count; i++)
        {
            var t = m.Tensors[i];
            if (rng.Next(4) != 0 && LastIndex(t) is { } last && last >= t.StorageNumel)
                m.Tensors[i] = t with { Offset = 0, Size = t.Size.Select(_ => 1L).ToArray() };
            if (rng.Next(4) != 0 && LastIndex(m.Tensors[i]) is { } l2 && l2 >= t.StorageNumel)
                m.Tensors[i] = m.Tensors[i] with { Size = m.Tensors[i].Size.Select(_ => 0L).ToArray() };
        }
        if (rng.Next(4) == 0) m.Versions = new Dictionary<string, long> { [""] = 1 };

        int mutations = rng.Next(0, 4);
        bool pickleBytes = false;
        for (int k = 0; k < mutations; k++)
        {
            if (rng.Next(6) == 0) { pickleBytes = true; continue; }
            MutatePt(rng, m);
        }
        var pkl = StateDictPickle(m.Tensors, m.Versions);
        if (pickleBytes)
        {
            pkl = MutateBytes(rng, pkl, 1 + rng.Next(4));
            m.Notes.Add("pickle bytes mutated");
        }
        var items = Items(m, pkl, m.Deflate && rng.Next(2) == 0);
        var bytes2 = Zip(items);
        string what = "pt: " + string.Join("; ", m.Notes) + " | " + string.Join(", ", m.Tensors.Select(t =>
            $"{t.Key}=view({t.StorageKey}:{t.StorageType}x{t.StorageNumel}, off {t.Offset}, size [{string.Join(",", t.Size)}], stride [{string.Join(",", t.Stride)}])"));
        if (pickleBytes) return new FuzzCase(".pt", bytes2, Verdict.Unknown, Array.Empty<RefTensor>(), what);
        var (verdict, tensors) = ReferencePt(m);
        return new FuzzCase(".pt", bytes2, verdict, tensors, what);
    }

    /// <summary>The archive's entries, in order: the zip and the reference both read this list.</summary>
    private static List<ZipItem> Items(PtModel m, byte[] pkl, bool deflatePkl)
    {
        var items = new List<ZipItem>();
        string pklName = m.FlatPkl ? "data.pkl" : m.Folder + "/data.pkl";
        if (!m.DropPkl) items.Add(new ZipItem(pklName, pkl, deflatePkl));
        items.AddRange(m.Storage.Select(kv => new ZipItem($"archive/data/{kv.Key}", kv.Value, m.Deflate)));
        if (m.DuplicateStorage && m.Storage.Count > 0) items.Add(new ZipItem($"archive/data/{m.Storage.Keys.First()}", m.Storage.Values.First()));
        if (m.DuplicatePkl) items.Add(new ZipItem(pklName, pkl));
        if (m.Extra is not null) items.AddRange(m.Extra);
        items.Add(new ZipItem("archive/version", Encoding.ASCII.GetBytes("3\n")));
        return items;
    }

    private static void MutatePt(Random rng, PtModel m)
    {
        int i = m.Tensors.Count == 0 ? 0 : rng.Next(m.Tensors.Count);
        switch (rng.Next(16))
        {
            case 0 when m.Tensors.Count > 0:
            {
                var t = m.Tensors[i];
                if (t.Size.Length == 0) break;
                var size = t.Size.ToArray(); size[rng.Next(size.Length)] = Pick(rng);
                m.Tensors[i] = t with { Size = size }; m.Notes.Add($"size of {t.Key}"); break;
            }
            case 1 when m.Tensors.Count > 0:
            {
                var t = m.Tensors[i];
                if (t.Stride.Length == 0) break;
                var stride = t.Stride.ToArray(); stride[rng.Next(stride.Length)] = Pick(rng);
                m.Tensors[i] = t with { Stride = stride }; m.Notes.Add($"stride of {t.Key}"); break;
            }
            case 2 when m.Tensors.Count > 0: m.Tensors[i] = m.Tensors[i] with { Offset = Pick(rng) }; m.Notes.Add("offset"); break;
            case 3 when m.Tensors.Count > 0:
            {
                var t = m.Tensors[i];
                long numel = Pick(rng);
                // The storage numel of every view of that storage, or of this one only (a disagreement).
                if (rng.Next(2) == 0) m.Tensors[i] = t with { StorageNumel = numel };
                else for (int j = 0; j < m.Tensors.Count; j++) if (m.Tensors[j].StorageKey == t.StorageKey) m.Tensors[j] = m.Tensors[j] with { StorageNumel = numel };
                m.Notes.Add("storage numel"); break;
            }
            case 4 when m.Tensors.Count > 0:
            {
                var t = m.Tensors[i];
                m.Tensors[i] = rng.Next(2) == 0 ? t with { Size = t.Size.Append(1).ToArray() } : t with { Stride = t.Stride.Append(1).ToArray() };
                m.Notes.Add("rank"); break;
            }
            case 5 when m.Tensors.Count > 0:
            {
                var t = m.Tensors[i];
                var type = Storages[rng.Next(Storages.Length)];
                for (int j = 0; j < m.Tensors.Count; j++) if (m.Tensors[j].StorageKey == t.StorageKey && (rng.Next(3) > 0 || j == i)) m.Tensors[j] = m.Tensors[j] with { StorageType = type };
                m.Notes.Add("storage type"); break;
            }
            case 6 when m.Tensors.Count > 0: m.Tensors[i] = m.Tensors[i] with { StorageKey = rng.Next(2) == 0 ? "99" : m.Storage.Keys.ElementAt(rng.Next(m.Storage.Count)) }; m.Notes.Add("storage key"); break;
            case 7 when m.Tensors.Count > 1: m.Tensors[i] = m.Tensors[i] with { Key = m.Tensors[(i + 1) % m.Tensors.Count].Key }; m.Notes.Add("duplicate key"); break;
            case 8 when m.Storage.Count > 0:
            {
                var k = m.Storage.Keys.ElementAt(rng.Next(m.Storage.Count));
                var b = m.Storage[k];
                m.Storage[k] = rng.Next(2) == 0 ? b.Take(rng.Next(b.Length + 1)).ToArray() : b.Concat(new byte[rng.Next(1, 16)]).ToArray();
                m.Notes.Add("storage length"); break;
            }
            case 9: m.DuplicatePkl = true; m.Notes.Add("two data.pkl"); break;
            case 10: m.DuplicateStorage = true; m.Notes.Add("two storage entries"); break;
            case 11: m.DropPkl = true; m.Notes.Add("no data.pkl"); break;
            case 12: m.Folder = rng.Next(2) == 0 ? "other" : "archive/.."; m.Notes.Add("data.pkl in folder " + m.Folder); break;
            case 13: (m.Extra ??= new()).Add(new ZipItem(rng.Next(2) == 0 ? "stray" : "elsewhere/x", new byte[3])); m.Notes.Add("entry outside the folder"); break;
            case 14: m.FlatPkl = true; m.Notes.Add("data.pkl at the root"); break;
            case 15: m.Deflate = !m.Deflate; m.Notes.Add("compression"); break;
        }
    }

    private static long? LastIndex(PtTensor t)
    {
        if (t.Size.Any(d => d == 0)) return null;
        try
        {
            long last = t.Offset;
            for (int i = 0; i < t.Size.Length; i++) last = checked(last + checked((t.Size[i] - 1) * t.Stride[i]));
            return last;
        }
        catch (OverflowException) { return long.MaxValue; }
    }

    /// <summary>
    /// The reference: what PyTorch 1.13's torch.load(weights_only=True) makes of the description, with the refusals
    /// docs/interop.md documents (it refuses where PyTorch refuses; it never loads what PyTorch refuses).
    /// </summary>
    private static (Verdict, IReadOnlyList<RefTensor>) ReferencePt(PtModel m)
    {
        var refuse = (Verdict.Refuse, (IReadOnlyList<RefTensor>)Array.Empty<RefTensor>());
        // Archive: every entry in one top folder (the first entry's), no repeated name, <folder>/data.pkl present.
        var names = Items(m, Array.Empty<byte>(), false).Select(i => i.Name).ToList();
        string first = names[0];
        if (!first.Contains('/')) return refuse;
        string folder = first[..(first.IndexOf('/') + 1)];
        if (names.Any(n => !n.StartsWith(folder) || n.Split('/').Contains(".."))) return refuse;
        if (names.Distinct().Count() != names.Count) return refuse;
        if (!names.Contains(folder + "data.pkl")) return refuse;
        // Every tensor built: its storage exists, holds its numel, agrees with other views of it, and contains the view.
        var seen = new Dictionary<string, (string Type, long Numel)>();
        foreach (var t in m.Tensors)
        {
            if (!StorageSizes.TryGetValue(t.StorageType, out int es)) return refuse;
            if (t.StorageNumel < 0) return refuse;
            if (seen.TryGetValue(t.StorageKey, out var s)) { if (s != (t.StorageType, t.StorageNumel)) return refuse; }
            else
            {
                if (!m.Storage.TryGetValue(t.StorageKey, out var data) || "archive/" != folder) return refuse;
                long need;
                try { need = checked(t.StorageNumel * es); } catch (OverflowException) { return refuse; }
                if (data.Length < need) return refuse;
                seen[t.StorageKey] = (t.StorageType, t.StorageNumel);
            }
            if (t.Size.Length != t.Stride.Length || t.Offset < 0 || t.Size.Any(d => d < 0) || t.Stride.Any(d => d < 0)) return refuse;
            try { t.Size.Aggregate(1L, (a, d) => checked(a * Math.Max(d, 1))); } catch (OverflowException) { return refuse; }   // documented: the extent must fit
            if (LastIndex(t) is { } last && last >= t.StorageNumel) return refuse;
        }
        // The dict: a repeated key keeps its first position and takes the last value.
        var order = new List<string>();
        var value = new Dictionary<string, PtTensor>();
        foreach (var t in m.Tensors) { if (!value.ContainsKey(t.Key)) order.Add(t.Key); value[t.Key] = t; }
        var result = new List<RefTensor>();
        foreach (var key in order)
        {
            var t = value[key];
            int es = StorageSizes[t.StorageType];
            var data = m.Storage[t.StorageKey];
            long n = t.Size.Aggregate(1L, (a, d) => a * d);
            if (n > Expanded)
            {
                // A broadcast view (stride 0): compared by shape, dtype and its first element.
                result.Add(new RefTensor(key, SafetensorsNames[t.StorageType], t.Size, ExpandedMarker(Canonical(SafetensorsNames[t.StorageType], data.AsSpan((int)(t.Offset * es), es).ToArray()))));
                continue;
            }
            var bytes = new byte[n * es];
            var idx = new long[t.Size.Length];
            for (long e = 0; e < n; e++)
            {
                long at = t.Offset;
                for (int d = 0; d < idx.Length; d++) at += idx[d] * t.Stride[d];
                Array.Copy(data, at * es, bytes, e * es, es);
                for (int d = idx.Length - 1; d >= 0; d--) { if (++idx[d] < t.Size[d]) break; idx[d] = 0; }
            }
            result.Add(new RefTensor(key, SafetensorsNames[t.StorageType], t.Size, Canonical(SafetensorsNames[t.StorageType], bytes)));
        }
        return (Verdict.Load, result);
    }

    /// <summary>Views with more elements than this (broadcast by a stride of 0) are compared by their first element.</summary>
    public const long Expanded = 1 << 20;

    /// <summary>The comparison value of an expanded view: a marker and its first element.</summary>
    public static byte[] ExpandedMarker(byte[] firstElement) => new byte[] { 0xEE, 0xEE, 0xEE }.Concat(firstElement).ToArray();

    /// <summary>A bool is true for any non-zero byte (PyTorch's copies write 1): bool data is compared as 0/1.</summary>
    public static byte[] Canonical(string dtype, byte[] bytes) => dtype == "BOOL" ? bytes.Select(b => b == 0 ? (byte)0 : (byte)1).ToArray() : bytes;

    // ------------------------------------------------------------ safetensors

    private static readonly string[] StDtypes = SafetensorsNames.Values.Concat(new[] { "F8_E4M3", "U16", "X" }).ToArray();

    private static FuzzCase SafetensorsCase(Random rng)
    {
        int n = rng.Next(0, 5);
        var entries = new List<(string Key, string Dtype, long[] Shape, long Begin, long End)>();
        long at = 0;
        for (int i = 0; i < n; i++)
        {
            var type = SafetensorsNames.Values.ElementAt(rng.Next(SafetensorsNames.Count));
            int es = StorageSizes.First(kv => SafetensorsNames[kv.Key] == type).Value;
            var shape = RandomShape(rng);
            long bytes = shape.Aggregate(1L, (a, d) => a * d) * es;
            entries.Add((Key(rng, i), type, shape, at, at + bytes));
            at += bytes;
        }
        var data = new byte[at];
        rng.NextBytes(data);
        var order = entries.OrderBy(_ => rng.Next()).ToList();   // header order need not be data order
        var notes = new List<string>();
        int mutations = rng.Next(0, 3);
        string? rawMetadata = rng.Next(3) == 0 ? "{\"format\":\"pt\"}" : null;
        for (int k = 0; k < mutations; k++)
        {
            int i = order.Count == 0 ? 0 : rng.Next(order.Count);
            switch (rng.Next(9))
            {
                case 0 when order.Count > 0: { var e = order[i]; if (e.Shape.Length == 0) break; var s = e.Shape.ToArray(); s[rng.Next(s.Length)] = Pick(rng); order[i] = e with { Shape = s }; notes.Add("shape"); break; }
                case 1 when order.Count > 0: order[i] = order[i] with { Begin = Pick(rng) }; notes.Add("begin"); break;
                case 2 when order.Count > 0: order[i] = order[i] with { End = Pick(rng) }; notes.Add("end"); break;
                case 3 when order.Count > 0: order[i] = order[i] with { Dtype = StDtypes[rng.Next(StDtypes.Length)] }; notes.Add("dtype"); break;
                case 4 when order.Count > 1: order[i] = order[i] with { Key = order[(i + 1) % order.Count].Key }; notes.Add("duplicate key"); break;
                case 5: data = data.Concat(new byte[rng.Next(1, 9)]).ToArray(); notes.Add("trailing bytes"); break;
                case 6 when data.Length > 0: data = data.Take(rng.Next(data.Length)).ToArray(); notes.Add("truncated data"); break;
                case 7: rawMetadata = rng.Next(2) == 0 ? "{\"format\":1}" : "[]"; notes.Add("metadata"); break;
                case 8 when order.Count > 0: order.Add(order[i] with { Key = order[i].Key + "_alias" }); notes.Add("aliased range"); break;
            }
        }
        var json = new StringBuilder("{");
        if (rawMetadata is not null) json.Append("\"__metadata__\":").Append(rawMetadata).Append(order.Count > 0 ? "," : "");
        json.Append(string.Join(",", order.Select(e =>
            $"{Quote(e.Key)}:{{\"dtype\":\"{e.Dtype}\",\"shape\":[{string.Join(",", e.Shape)}],\"data_offsets\":[{e.Begin},{e.End}]}}")));
        json.Append('}');
        string header = json.ToString();
        if (rng.Next(8) == 0) { header = header.Replace("\"data_offsets\":[0,", "\"data_offsets\":[\"0\","); notes.Add("string offset"); }
        var bytes2 = Safetensors(header, data);
        if (rng.Next(5) == 0) { bytes2 = MutateBytes(rng, bytes2, 1 + rng.Next(4)); notes.Add("bytes mutated"); }
        var (verdict, tensors) = ReferenceSafetensors(bytes2);
        return new FuzzCase(".safetensors", bytes2, verdict, tensors, "safetensors: " + string.Join("; ", notes) + " | " + Encoding.UTF8.GetString(bytes2, Math.Min(8, bytes2.Length), Math.Max(0, Math.Min(bytes2.Length - 8, 400))));
    }

    private static string Quote(string s) => System.Text.Json.JsonSerializer.Serialize(s);

    /// <summary>The safetensors rules, read from the bytes with System.Text.Json.Nodes (not PiXGen's reader).</summary>
    public static (Verdict, IReadOnlyList<RefTensor>) ReferenceSafetensors(byte[] file)
    {
        var refuse = (Verdict.Refuse, (IReadOnlyList<RefTensor>)Array.Empty<RefTensor>());
        if (file.Length < 8) return refuse;
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (n > (ulong)(file.Length - 8) || n > 100L * 1024 * 1024) return refuse;
        var header = file.AsSpan(8, (int)n);
        string text;
        try { text = new UTF8Encoding(false, true).GetString(header); } catch (DecoderFallbackException) { return refuse; }
        System.Text.Json.Nodes.JsonObject root;
        try
        {
            if (System.Text.Json.Nodes.JsonNode.Parse(text) is not System.Text.Json.Nodes.JsonObject o) return refuse;
            root = o;
            _ = root.Count;   // materialises the properties: a repeated name throws here
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or ArgumentException or InvalidOperationException) { return refuse; }
        long dataLength = file.Length - 8 - (long)n;
        var list = new List<(string Key, string Dtype, long[] Shape, long Begin, long End)>();
        foreach (var (key, node) in root)
        {
            if (key == "__metadata__")
            {
                if (node is not System.Text.Json.Nodes.JsonObject md || md.Any(kv => kv.Value is null || kv.Value.GetValueKind() != System.Text.Json.JsonValueKind.String)) return refuse;
                continue;
            }
            if (node is not System.Text.Json.Nodes.JsonObject e) return refuse;
            if (e["dtype"] is not System.Text.Json.Nodes.JsonValue dv || dv.GetValueKind() != System.Text.Json.JsonValueKind.String) return refuse;
            string dtype = dv.GetValue<string>();
            if (!SafetensorsNames.Values.Contains(dtype)) return refuse;
            if (e["shape"] is not System.Text.Json.Nodes.JsonArray sa || e["data_offsets"] is not System.Text.Json.Nodes.JsonArray oa || oa.Count != 2) return refuse;
            var shape = new long[sa.Count];
            for (int i = 0; i < sa.Count; i++) if (!Long(sa[i], out shape[i]) || shape[i] < 0) return refuse;
            if (!Long(oa[0], out long begin) || !Long(oa[1], out long end) || begin < 0 || end < begin) return refuse;
            list.Add((key, dtype, shape, begin, end));
        }
        long at = 0;
        foreach (var e in list.OrderBy(x => x.Begin).ThenBy(x => x.End))
        {
            int es = StorageSizes.First(kv => SafetensorsNames[kv.Key] == e.Dtype).Value;
            long bytes;
            try
            {
                e.Shape.Aggregate(1L, (a, d) => checked(a * Math.Max(d, 1)));   // documented: the extent must fit
                bytes = checked(e.Shape.Aggregate(1L, (a, d) => checked(a * d)) * es);
            }
            catch (OverflowException) { return refuse; }
            if (e.End - e.Begin != bytes || e.Begin != at) return refuse;
            at = e.End;
        }
        if (at != dataLength) return refuse;
        long start = 8 + (long)n;
        return (Verdict.Load, list.Select(e => new RefTensor(e.Key, e.Dtype, e.Shape, Canonical(e.Dtype, file.AsSpan((int)(start + e.Begin), (int)(e.End - e.Begin)).ToArray()))).ToList());
    }

    private static bool Long(System.Text.Json.Nodes.JsonNode? node, out long value)
    {
        value = 0;
        if (node is not System.Text.Json.Nodes.JsonValue v || v.GetValueKind() != System.Text.Json.JsonValueKind.Number) return false;
        return long.TryParse(v.ToJsonString(), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out value);
    }

    // ------------------------------------------------------------ .npy

    private static FuzzCase NpyCase(Random rng)
    {
        var shape = RandomShape(rng, 4);
        long count = shape.Aggregate(1L, (a, d) => a * d);
        var data = new byte[count * 4];
        rng.NextBytes(data);
        string tuple = shape.Length == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape) + ")";
        string descr = "<f4", fortran = "False";
        var notes = new List<string>();
        switch (rng.Next(8))
        {
            case 0: descr = new[] { ">f4", "<f8", "<i4", "|u1", "" }[rng.Next(5)]; notes.Add("descr"); break;
            case 1: fortran = new[] { "True", "0", "1", "None" }[rng.Next(4)]; notes.Add("fortran"); break;
            case 2: tuple = new[] { "(1)", "()", "(-1,)", "(99999999999999999999,)", $"({1L << 40},)", "(4294967296, 4294967296)", "[1]", "(1,,)" }[rng.Next(8)]; notes.Add("shape"); break;
        }
        string dict = $"{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {tuple}, }}";
        if (rng.Next(6) == 0) { dict = rng.Next(2) == 0 ? dict.Replace("'shape'", "\"shape\"") : dict.Replace(", }", ", 'x': 1, }"); notes.Add("dict"); }
        if (rng.Next(6) == 0) { data = rng.Next(2) == 0 ? data.Concat(new byte[4]).ToArray() : data.Take(Math.Max(0, data.Length - 4)).ToArray(); notes.Add("data length"); }
        byte major = (byte)(rng.Next(6) == 0 ? rng.Next(1, 5) : 1);
        var bytes = Npy(dict, data, major);
        if (rng.Next(4) == 0) { bytes = MutateBytes(rng, bytes, 1 + rng.Next(3)); notes.Add("bytes mutated"); }
        var (verdict, tensors) = ReferenceNpy(bytes);
        return new FuzzCase(".npy", bytes, verdict, tensors, $"npy v{major}: {string.Join("; ", notes)} | {Encoding.Latin1.GetString(bytes, 0, Math.Min(bytes.Length, 128)).Replace("\n", "\\n")}");
    }

    /// <summary>NumPy's reading of a float32 C-order .npy (a tokenizer and a tiny literal parser; not PiXGen's code).</summary>
    public static (Verdict, IReadOnlyList<RefTensor>) ReferenceNpy(byte[] file)
    {
        var refuse = (Verdict.Refuse, (IReadOnlyList<RefTensor>)Array.Empty<RefTensor>());
        if (file.Length < 10 || !file.AsSpan(0, 6).SequenceEqual(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y' })) return refuse;
        int major = file[6];
        if (major is < 1 or > 3) return refuse;
        int start = major == 1 ? 10 : 12;
        if (file.Length < start) return refuse;
        long hlen = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(8)) : BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(8));
        if (hlen > 10_000 || start + hlen > file.Length) return refuse;
        string text;
        try { text = (major == 3 ? new UTF8Encoding(false, true) : Encoding.Latin1).GetString(file, start, (int)hlen); }
        catch (DecoderFallbackException) { return refuse; }
        var tokens = new List<string>();
        int p = 0;
        while (p < text.Length)
        {
            char c = text[p];
            if (" \t\n\r\f\v".Contains(c)) { p++; continue; }
            if ("{}():,".Contains(c)) { tokens.Add(c.ToString()); p++; continue; }
            if (c is '\'' or '"')
            {
                int e = text.IndexOf(c, p + 1);
                if (e < 0) return refuse;
                var body = text.Substring(p + 1, e - p - 1);
                if (body.Contains('\\') || body.Contains('\n')) return refuse;
                tokens.Add("s" + body); p = e + 1; continue;
            }
            int q = p;
            while (q < text.Length && (char.IsAsciiLetterOrDigit(text[q]))) q++;
            if (q == p) return refuse;
            tokens.Add("w" + text[p..q]); p = q;
        }
        int t = 0;
        string? Next() => t < tokens.Count ? tokens[t++] : null;
        if (Next() != "{") return refuse;
        var dict = new Dictionary<string, object>();
        while (true)
        {
            var k = Next();
            if (k == "}") break;
            if (k is null || k[0] != 's' || Next() != ":") return refuse;
            object? v;
            var vt = Next();
            if (vt is null) return refuse;
            if (vt[0] == 's') v = vt[1..];
            else if (vt == "wTrue") v = true;
            else if (vt == "wFalse") v = false;
            else if (vt == "(")
            {
                var items = new List<long>();
                bool trailingComma = false;
                while (true)
                {
                    var x = Next();
                    if (x == ")") break;
                    if (x is null || x[0] != 'w') return refuse;
                    var digits = major < 3 && x.EndsWith('L') ? x[1..^1] : x[1..];
                    if (digits.Length == 0 || !digits.All(char.IsAsciiDigit) || (digits.Length > 1 && digits[0] == '0') || !long.TryParse(digits, out long val)) return refuse;
                    items.Add(val);
                    var sep = Next();
                    if (sep == ")") { trailingComma = false; break; }
                    if (sep != ",") return refuse;
                    trailingComma = true;
                }
                if (items.Count == 1 && !trailingComma) return refuse;   // (3) is not a tuple
                v = items.ToArray();
            }
            else return refuse;
            string key = k[1..];
            if (key is not ("descr" or "fortran_order" or "shape")) return refuse;
            dict[key] = v;
            var after = Next();
            if (after == "}") break;
            if (after != ",") return refuse;
        }
        if (t != tokens.Count) return refuse;
        if (!dict.TryGetValue("descr", out var d) || d is not string ds || ds != "<f4") return refuse;
        if (!dict.TryGetValue("fortran_order", out var f) || f is not bool fo || fo) return refuse;
        if (!dict.TryGetValue("shape", out var s) || s is not long[] shape) return refuse;
        long count;
        try { count = checked(shape.Aggregate(1L, (a, x) => checked(a * x)) * 4); } catch (OverflowException) { return refuse; }
        if (count > Array.MaxLength || file.Length - start - hlen != count) return refuse;
        return (Verdict.Load, new[] { new RefTensor("", "F32", shape, file.AsSpan((int)(start + hlen)).ToArray()) });
    }

    // ------------------------------------------------------------ bytes

    /// <summary>Flips bits, writes interesting bytes, inserts, deletes, duplicates or truncates.</summary>
    public static byte[] MutateBytes(Random rng, byte[] input, int count)
    {
        var b = input.ToList();
        for (int k = 0; k < count && b.Count > 0; k++)
        {
            int at = rng.Next(b.Count);
            switch (rng.Next(6))
            {
                case 0: b[at] ^= (byte)(1 << rng.Next(8)); break;
                case 1: b[at] = new byte[] { 0, 0xFF, 0x7F, 0x80, (byte)'(', (byte)'.', (byte)'R', (byte)'}', 0x8A, (byte)'"', (byte)',' }[rng.Next(11)]; break;
                case 2: b.Insert(at, (byte)rng.Next(256)); break;
                case 3: b.RemoveAt(at); break;
                case 4: { int len = Math.Min(rng.Next(1, 9), b.Count - at); b.InsertRange(at, b.GetRange(at, len)); break; }
                case 5: b.RemoveRange(at, b.Count - at); break;
            }
        }
        return b.ToArray();
    }
}
