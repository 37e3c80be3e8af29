using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace PiXGen.Checkpoints;

/// <summary>
/// The safetensors format: an 8-byte little-endian header length N, N bytes of UTF-8 JSON
/// <c>{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}}</c>, then the
/// raw little-endian, C-order tensor data; offsets are relative to the end of the header.
/// </summary>
internal static class Safetensors
{
    private const long MaxHeader = 100L * 1024 * 1024;

    /// <summary>
    /// Opens a safetensors file and checks its header by the format's rules, reading no tensor data: valid UTF-8
    /// JSON, each entry's byte range matching its dtype and shape, and the ranges tiling the data section exactly
    /// (no overlap, no gap, no trailing bytes), as the safetensors library demands.
    /// </summary>
    public static CheckpointSource Open(string path)
    {
        var stream = Checkpoint.OpenRead(path);
        try
        {
            long fileLength = stream.CanSeek ? stream.Length : 0;
            if (fileLength == 0) throw new CheckpointFormatException(path, stream.CanSeek ? "not a safetensors file: the file is empty." : "not a regular file (safetensors is read by offsets).");
            if (fileLength < 8) throw new CheckpointFormatException(path, $"not a safetensors file: {fileLength} bytes is shorter than the 8-byte header length.");
            var lengthBytes = new byte[8];
            stream.ReadExactly(lengthBytes);
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
            if (headerLength > (ulong)(fileLength - 8) || headerLength > MaxHeader)
                throw new CheckpointFormatException(path,
                    $"not a safetensors file (or truncated): the header length field says {headerLength:N0} bytes but the file has {fileLength - 8:N0} after it.");
            var header = new byte[headerLength];
            stream.ReadExactly(header);
            long dataStart = 8 + (long)headerLength;
            long dataLength = fileLength - dataStart;
            if (!System.Text.Unicode.Utf8.IsValid(header))
                throw new CheckpointFormatException(path, "not a safetensors file: the header is not valid UTF-8.");

            JsonDocument doc;
            try { doc = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 64 }); }
            catch (JsonException e)
            {
                throw new CheckpointFormatException(path, $"not a safetensors file: the header is not valid JSON ({e.Message}).", e);
            }
            var entries = new List<CheckpointSource.Entry>();
            var ranges = new List<(long Begin, long End, string Key)>();
            using (doc)
            {
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                    throw new CheckpointFormatException(path, $"not a safetensors file: the header is a JSON {doc.RootElement.ValueKind}, not an object.");
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var entry in doc.RootElement.EnumerateObject())
                {
                    if (!seen.Add(entry.Name))
                        throw new CheckpointFormatException(path, $"the header names '{Clip(entry.Name)}' twice.");
                    if (entry.Name == "__metadata__")
                    {
                        if (entry.Value.ValueKind != JsonValueKind.Object || entry.Value.EnumerateObject().Any(m => m.Value.ValueKind != JsonValueKind.String))
                            throw new CheckpointFormatException(path, "the header's __metadata__ is not an object of strings.");
                        continue;
                    }
                    var (dtype, shape, begin, end) = ParseEntry(path, entry);
                    long? numel = DTypes.ExtentFits(shape) ? DTypes.TryNumel(shape) : null;
                    long bytes;
                    try { bytes = numel is { } n ? checked(n * dtype.Size) : throw new OverflowException(); }
                    catch (OverflowException) { throw new CheckpointFormatException(path, $"'{Clip(entry.Name)}' has shape {Checkpoint.FormatShape(shape)}, more bytes than a 64-bit count holds."); }
                    if (end - begin != bytes)
                        throw new CheckpointFormatException(path, $"'{Clip(entry.Name)}' {dtype.Safetensors} {Checkpoint.FormatShape(shape)} needs {bytes:N0} bytes but its data_offsets span {end - begin:N0}.");
                    if (end > dataLength)
                        throw new CheckpointFormatException(path, $"'{Clip(entry.Name)}' ends at data byte {end:N0} but the file holds only {dataLength:N0} data bytes: it is truncated.");
                    ranges.Add((begin, end, entry.Name));
                    entries.Add(new CheckpointSource.Entry(entry.Name, dtype, shape, entries.Count));
                }
            }
            // The byte ranges must tile the data section: sorted, each starting where the previous ended.
            long at = 0;
            foreach (var (begin, end, key) in ranges.OrderBy(r => r.Begin).ThenBy(r => r.End))
            {
                if (begin != at)
                    throw new CheckpointFormatException(path, begin < at
                        ? $"'{Clip(key)}' data_offsets [{begin:N0}, {end:N0}] overlap another tensor's bytes (before {at:N0}); the safetensors format forbids it."
                        : $"'{Clip(key)}' data_offsets start at {begin:N0}, leaving bytes {at:N0}–{begin:N0} unused; the safetensors format forbids gaps.");
                at = end;
            }
            if (at != dataLength)
                throw new CheckpointFormatException(path, $"the tensors cover {at:N0} data bytes but the file holds {dataLength:N0}; the safetensors format forbids trailing bytes.");
            var ends = ranges.Select(r => r.Begin).ToArray();
            return new Source(path, stream, entries, ends, dataStart);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static string Clip(string s) => s.Length > 80 ? s.Substring(0, 80) + "…" : s;

    private sealed class Source : CheckpointSource
    {
        private readonly FileStream stream;
        private readonly long[] begins;
        private readonly long dataStart;

        public Source(string path, FileStream stream, List<Entry> entries, long[] begins, long dataStart) : base(path, entries)
        {
            this.stream = stream;
            this.begins = begins;
            this.dataStart = dataStart;
        }

        protected override Tensor[] ReadTensors(IReadOnlyList<Entry> wanted)
        {
            var result = new List<Tensor>();
            try
            {
                foreach (var e in wanted)
                {
                    var t = empty(e.Shape, e.Type.Type);
                    result.Add(t);
                    stream.Position = dataStart + begins[e.Index];
                    ReadInto(stream, t, t.numel() * e.Type.Size, $"'{Clip(e.Key)}'");
                }
                return result.ToArray();
            }
            catch
            {
                foreach (var t in result) t.Dispose();
                throw;
            }
        }

        protected override void Dispose(bool disposing) => stream.Dispose();
    }

    private static (DTypes.Info, long[], long, long) ParseEntry(string path, JsonProperty entry)
    {
        var v = entry.Value;
        string where = $"header entry '{Clip(entry.Name)}'";
        if (v.ValueKind != JsonValueKind.Object
            || !v.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String
            || !v.TryGetProperty("shape", out var sh) || sh.ValueKind != JsonValueKind.Array
            || !v.TryGetProperty("data_offsets", out var off) || off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2)
            throw new CheckpointFormatException(path, $"not a safetensors file: {where} lacks dtype, shape or data_offsets [begin, end].");
        var dtype = DTypes.FromSafetensors(dt.GetString()!)
                    ?? throw new CheckpointFormatException(path, $"{where} has dtype '{Clip(dt.GetString()!)}'; supported: {string.Join(", ", DTypes.All.Select(d => d.Safetensors))}.");
        var shape = new long[sh.GetArrayLength()];
        int i = 0;
        foreach (var d in sh.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out shape[i]) || shape[i] < 0)
                throw new CheckpointFormatException(path, $"{where} has a shape that is not a list of non-negative integers.");
            i++;
        }
        if (off[0].ValueKind != JsonValueKind.Number || off[1].ValueKind != JsonValueKind.Number
            || !off[0].TryGetInt64(out long begin) || !off[1].TryGetInt64(out long end) || begin < 0 || end < begin)
            throw new CheckpointFormatException(path, $"{where} has invalid data_offsets (two non-negative integers, begin ≤ end).");
        return (dtype, shape, begin, end);
    }

    public static void Write(string path, IReadOnlyList<KeyValuePair<string, Tensor>> entries)
    {
        var blobs = new List<byte[]>();
        using var headerStream = new MemoryStream();
        using (var w = new Utf8JsonWriter(headerStream))
        {
            w.WriteStartObject();
            w.WriteStartObject("__metadata__");
            w.WriteString("format", "pt");
            w.WriteEndObject();
            long offset = 0;
            foreach (var (key, tensor) in entries)
            {
                var dtype = DTypes.Of(tensor.dtype, path, key);
                var bytes = DTypes.ToBytes(tensor);
                blobs.Add(bytes);
                w.WriteStartObject(key);
                w.WriteString("dtype", dtype.Safetensors);
                w.WriteStartArray("shape");
                foreach (var d in tensor.shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + bytes.Length);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += bytes.Length;
            }
            w.WriteEndObject();
        }
        var header = headerStream.ToArray().ToList();
        while (header.Count % 8 != 0) header.Add((byte)' ');   // the data starts 8-byte aligned

        AtomicFile.Write(path, stream =>
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)header.Count);
            stream.Write(len);
            stream.Write(header.ToArray());
            foreach (var b in blobs) stream.Write(b);
        });
    }
}
