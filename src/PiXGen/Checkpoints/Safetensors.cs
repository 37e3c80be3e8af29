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

    public static StateDict Read(string path)
    {
        using var stream = Checkpoint.OpenRead(path);
        long fileLength = stream.Length;
        if (fileLength == 0) throw new CheckpointFormatException(path, "not a safetensors file: the file is empty.");
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

        JsonDocument doc;
        try { doc = JsonDocument.Parse(header); }
        catch (JsonException e)
        {
            throw new CheckpointFormatException(path, $"not a safetensors file: the header is not valid JSON ({e.Message}).", e);
        }

        var result = new StateDict(path);
        try
        {
            using (doc)
            {
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                    throw new CheckpointFormatException(path, $"not a safetensors file: the header is a JSON {doc.RootElement.ValueKind}, not an object.");
                foreach (var entry in doc.RootElement.EnumerateObject())
                {
                    if (entry.Name == "__metadata__") continue;
                    var (dtype, shape, begin, end) = ParseEntry(path, entry);
                    long bytes = checked(DTypes.Numel(shape) * dtype.Size);
                    if (end - begin != bytes)
                        throw new CheckpointFormatException(path, $"'{entry.Name}' {dtype.Safetensors} {Checkpoint.FormatShape(shape)} needs {bytes:N0} bytes but its data_offsets span {end - begin:N0}.");
                    if (end > dataLength)
                        throw new CheckpointFormatException(path, $"'{entry.Name}' ends at data byte {end:N0} but the file holds only {dataLength:N0} data bytes: it is truncated.");
                    var data = new byte[bytes];
                    stream.Position = dataStart + begin;
                    stream.ReadExactly(data);
                    result.Add(entry.Name, DTypes.FromBytes(data, dtype.Type, shape));
                }
            }
        }
        catch
        {
            result.Dispose();
            throw;
        }
        return result;
    }

    private static (DTypes.Info, long[], long, long) ParseEntry(string path, JsonProperty entry)
    {
        var v = entry.Value;
        string where = $"header entry '{entry.Name}'";
        if (v.ValueKind != JsonValueKind.Object
            || !v.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String
            || !v.TryGetProperty("shape", out var sh) || sh.ValueKind != JsonValueKind.Array
            || !v.TryGetProperty("data_offsets", out var off) || off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2)
            throw new CheckpointFormatException(path, $"not a safetensors file: {where} lacks dtype, shape or data_offsets [begin, end].");
        var dtype = DTypes.FromSafetensors(dt.GetString()!)
                    ?? throw new CheckpointFormatException(path, $"{where} has dtype '{dt.GetString()}'; supported: {string.Join(", ", DTypes.All.Select(d => d.Safetensors))}.");
        var shape = new long[sh.GetArrayLength()];
        int i = 0;
        foreach (var d in sh.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out shape[i]) || shape[i] < 0)
                throw new CheckpointFormatException(path, $"{where} has a shape that is not a list of non-negative integers.");
            i++;
        }
        if (!off[0].TryGetInt64(out long begin) || !off[1].TryGetInt64(out long end) || begin < 0 || end < begin)
            throw new CheckpointFormatException(path, $"{where} has invalid data_offsets.");
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

        Checkpoint.WriteAtomically(path, stream =>
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)header.Count);
            stream.Write(len);
            stream.Write(header.ToArray());
            foreach (var b in blobs) stream.Write(b);
        });
    }
}
