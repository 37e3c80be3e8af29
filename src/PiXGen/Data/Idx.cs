using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace PiXGen.Data;

/// <summary>An IDX array (the MNIST file format): unsigned bytes in row-major order and the dimensions.</summary>
/// <param name="Data">The elements, row-major.</param>
/// <param name="Shape">The dimensions, outermost first (e.g. 60000, 28, 28 for images; 60000 for labels).</param>
public sealed record IdxArray(byte[] Data, int[] Shape)
{
    /// <summary>The number of items along the first dimension.</summary>
    public int Count => Shape[0];

    /// <summary>The number of elements in one item (the product of the other dimensions).</summary>
    public int ItemSize
    {
        get
        {
            int n = 1;
            for (int i = 1; i < Shape.Length; i++) n *= Shape[i];
            return n;
        }
    }
}

/// <summary>A file that is not a readable IDX file (the message names the file and the problem).</summary>
public sealed class IdxFormatException(string path, string problem)
    : Exception($"{path}: not a readable IDX file: {problem}")
{
    /// <summary>The file.</summary>
    public string FilePath { get; } = path;
}

/// <summary>
/// Reads and writes IDX files (http://yann.lecun.com/exdb/mnist/ format): a 4-byte magic (0, 0, type, number of
/// dimensions), each dimension as a big-endian int32, then the data. Only the unsigned-byte type (0x08), the one
/// MNIST and Fashion-MNIST use, is supported. A file whose first two bytes are gzip's magic is decompressed first.
/// </summary>
public static class Idx
{
    private const byte UnsignedByte = 0x08;

    /// <summary>Reads the IDX file at <paramref name="path"/> (gzip-compressed or plain).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="IdxFormatException">The content is not an unsigned-byte IDX array (or is truncated).</exception>
    public static IdxArray Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file.", path);
        byte[] raw = File.ReadAllBytes(path);
        bool gzipped = raw.Length >= 2 && raw[0] == 0x1f && raw[1] == 0x8b;
        if (gzipped)
        {
            try
            {
                using var gz = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
                using var plain = new MemoryStream();
                gz.CopyTo(plain);
                raw = plain.ToArray();
            }
            catch (InvalidDataException e)
            {
                throw new IdxFormatException(path, $"the gzip stream is corrupt ({e.Message})");
            }
        }
        return Parse(raw, path, gzipped ? "after gzip decompression, " : "");
    }

    /// <summary>Parses IDX bytes (already decompressed); <paramref name="name"/> names the source in errors.</summary>
    public static IdxArray Parse(ReadOnlySpan<byte> bytes, string name) => Parse(bytes, name, "");

    private static IdxArray Parse(ReadOnlySpan<byte> bytes, string name, string context)
    {
        if (bytes.Length < 4) throw new IdxFormatException(name, context + $"{bytes.Length} bytes, shorter than the 4-byte header");
        if (bytes[0] != 0 || bytes[1] != 0)
            throw new IdxFormatException(name, context + $"the magic starts 0x{bytes[0]:x2} 0x{bytes[1]:x2}, not 0x00 0x00");
        if (bytes[2] != UnsignedByte)
            throw new IdxFormatException(name, context + $"element type 0x{bytes[2]:x2}; only unsigned bytes (0x08) are supported");
        int rank = bytes[3];
        if (rank < 1) throw new IdxFormatException(name, context + "zero dimensions");
        int header = 4 + 4 * rank;
        if (bytes.Length < header) throw new IdxFormatException(name, context + $"{bytes.Length} bytes, shorter than the {header}-byte header of a {rank}-dimensional array");
        var shape = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            int d = BinaryPrimitives.ReadInt32BigEndian(bytes.Slice(4 + 4 * i, 4));
            if (d < 0) throw new IdxFormatException(name, context + $"dimension {i} is negative ({d})");
            shape[i] = d;
            count *= d;
        }
        long have = bytes.Length - header;
        if (have != count)
            throw new IdxFormatException(name, context + $"the header declares {string.Join("x", shape)} = {count} bytes of data but the file holds {have}");
        return new IdxArray(bytes.Slice(header).ToArray(), shape);
    }

    /// <summary>Writes <paramref name="array"/> as an unsigned-byte IDX file, gzip-compressed when the path ends in .gz.</summary>
    public static void Write(string path, IdxArray array)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(array);
        AtomicFile.Write(path, file =>
        {
            using var gz = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionLevel.SmallestSize, leaveOpen: true) : null;
            Stream s = gz ?? file;
            var head = new byte[4 + 4 * array.Shape.Length];
            head[2] = UnsignedByte;
            head[3] = checked((byte)array.Shape.Length);
            for (int i = 0; i < array.Shape.Length; i++) BinaryPrimitives.WriteInt32BigEndian(head.AsSpan(4 + 4 * i), array.Shape[i]);
            s.Write(head);
            s.Write(array.Data);
        });
    }
}
