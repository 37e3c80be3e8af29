using System;
using System.Buffers.Binary;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using static TorchSharp.torch;

namespace PiXGen.Checkpoints;

/// <summary>A file could not be read as a float32 .npy array; the message names the file and the problem.</summary>
public sealed class NpyFormatException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    public NpyFormatException(string path, string problem, Exception? inner = null) : base($"{path}: {problem}", inner)
    {
        FilePath = path;
        Problem = problem;
    }

    /// <summary>The file.</summary>
    public string FilePath { get; }

    /// <summary>What is wrong with it (the message without the file name).</summary>
    public string Problem { get; }
}

/// <summary>
/// NumPy's <c>.npy</c> format for float32 arrays in C order: the magic <c>\x93NUMPY</c>, a version (1.0, 2.0 or 3.0),
/// a header length (2 bytes in 1.0, 4 bytes after), a Python dict literal
/// <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (2, 3, 64, 64), }</c> padded to 64 bytes, then the data.
/// Other dtypes, big-endian data, Fortran order and truncated files are refused with an <see cref="NpyFormatException"/>.
/// </summary>
public static class Npy
{
    private static readonly byte[] Magic = { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y' };

    /// <summary>The longest header this reader accepts (NumPy's own reader refuses longer ones too).</summary>
    internal const int MaxHeader = 10_000;

    /// <summary>
    /// Reads a float32 array: its elements in C order and its shape. The header is read first and the data only
    /// as far as the header promises, so a huge or endless input (<c>/dev/zero</c>) is refused, not read.
    /// </summary>
    public static (float[] Data, long[] Shape) Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        FileStream stream;
        try { stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read); }
        catch (FileNotFoundException e) { throw new FileNotFoundException($"{path}: no such .npy file.", path, e); }
        catch (DirectoryNotFoundException e) { throw new FileNotFoundException($"{path}: no such .npy file (the folder does not exist).", path, e); }
        using (stream)
        {
            try { return Read(path, stream); }
            catch (Exception e) when (e is not NpyFormatException and not IOException and not UnauthorizedAccessException)
            {
                throw new NpyFormatException(path, $"cannot be read: {e.GetType().Name}: {e.Message}", e);
            }
        }
    }

    private static (float[] Data, long[] Shape) Read(string path, Stream stream)
    {
        var prefix = new byte[12];
        int got = stream.ReadAtLeast(prefix, 10, throwOnEndOfStream: false);
        if (got == 0) throw new NpyFormatException(path, "not a .npy file: the file is empty.");
        if (got < 10 || !prefix.AsSpan(0, 6).SequenceEqual(Magic))
            throw new NpyFormatException(path, "not a .npy file: it does not start with the magic \\x93NUMPY.");
        byte major = prefix[6];
        int headerStart;
        long headerLength;
        switch (major)
        {
            case 1:
                headerStart = 10;
                headerLength = BinaryPrimitives.ReadUInt16LittleEndian(prefix.AsSpan(8, 2));
                break;
            case 2 or 3:
                if (got < 12) got += stream.ReadAtLeast(prefix.AsSpan(got), 12 - got, throwOnEndOfStream: false);
                if (got < 12) throw new NpyFormatException(path, "truncated: the file ends inside the header length.");
                headerStart = 12;
                headerLength = BinaryPrimitives.ReadUInt32LittleEndian(prefix.AsSpan(8, 4));
                break;
            default:
                throw new NpyFormatException(path, $"unsupported .npy format version {major}.{prefix[7]} (1.0, 2.0 and 3.0 are supported).");
        }
        if (headerLength > MaxHeader)
            throw new NpyFormatException(path, $"the header is {headerLength:N0} bytes, more than the {MaxHeader:N0} a .npy reader accepts.");
        var headerBytes = new byte[headerLength];
        int have = got - headerStart;                                        // bytes already read past the length field
        if (have > headerLength)
            throw new NpyFormatException(path, $"malformed .npy header: {headerLength} bytes cannot hold the header dict.");
        prefix.AsSpan(headerStart, have).CopyTo(headerBytes);
        have += stream.ReadAtLeast(headerBytes.AsSpan(have), (int)headerLength - have, throwOnEndOfStream: false);
        if (have < headerLength)
            throw new NpyFormatException(path, $"truncated: the header says {headerLength} bytes but the file ends after {have}.");
        string header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes);

        if (!NpyHeader.TryParse(header, allowLongSuffix: major < 3, out string dtype, out bool fortranOrder, out long[] shape, out string why))
            throw new NpyFormatException(path, $"malformed .npy header ({why}): {Clip(header.Trim())}");
        if (dtype != "<f4")
            throw new NpyFormatException(path, dtype == ">f4"
                ? "the array is big-endian float32 ('>f4'); only little-endian float32 ('<f4') is supported."
                : $"the array's dtype is '{Clip(dtype)}'; only float32 ('<f4') is supported (convert with arr.astype(numpy.float32)).");
        if (fortranOrder)
            throw new NpyFormatException(path, "the array is in Fortran order; only C order is supported (save numpy.ascontiguousarray(arr)).");
        long count = 1, expected;
        try
        {
            foreach (var d in shape) count = checked(count * d);
            expected = checked(count * sizeof(float));
        }
        catch (OverflowException)
        {
            throw new NpyFormatException(path, $"shape ({string.Join(", ", shape)}) has more elements than a 64-bit count holds.");
        }
        if (expected > Array.MaxLength)
            throw new NpyFormatException(path, $"shape ({string.Join(", ", shape)}) needs {expected:N0} data bytes, more than the {Array.MaxLength:N0} one input may have.");
        long dataStart = headerStart + headerLength;
        if (stream.CanSeek && stream.Length > 0)
        {
            long actual = stream.Length - dataStart;
            if (actual < expected)
                throw new NpyFormatException(path, $"truncated: shape ({string.Join(", ", shape)}) needs {expected:N0} data bytes but the file has {actual:N0}.");
            if (actual > expected)
                throw new NpyFormatException(path, $"shape ({string.Join(", ", shape)}) needs {expected:N0} data bytes but the file has {actual:N0}: trailing data.");
        }
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException(".npy float32 data is little-endian; this machine is not.");
        var data = new float[count];
        var bytes = MemoryMarshal.AsBytes(data.AsSpan());
        if (stream.CanSeek && stream.Length > 0)
        {
            stream.ReadExactly(bytes);   // the length was checked above
            return (data, shape);
        }
        // Not a regular file (a pipe, a device such as /dev/zero): buffer in chunks, so memory follows the bytes that
        // really arrive, and stop one byte past what the header promises.
        var buffered = new System.Collections.Generic.List<byte[]>();
        var chunk = new byte[1 << 16];
        long total = 0;
        int n;
        while ((n = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, expected + 1 - total))) > 0)
        {
            buffered.Add(chunk.AsSpan(0, n).ToArray());
            total += n;
            if (total > expected)
                throw new NpyFormatException(path, $"shape ({string.Join(", ", shape)}) needs {expected:N0} data bytes but the input has more: trailing data.");
        }
        if (total < expected)
            throw new NpyFormatException(path, $"truncated: shape ({string.Join(", ", shape)}) needs {expected:N0} data bytes but the file has {total:N0}.");
        long at = 0;
        foreach (var b in buffered) { b.CopyTo(bytes.Slice((int)at)); at += b.Length; }
        return (data, shape);
    }

    private static string Clip(string s) => s.Length > 200 ? s.Substring(0, 200) + "…" : s;

    /// <summary>Reads a float32 array as a CPU tensor of its shape.</summary>
    public static Tensor Load(string path)
    {
        var (data, shape) = Read(path);
        try { return tensor(data, shape, ScalarType.Float32); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new NpyFormatException(path, $"shape ({string.Join(", ", shape)}) cannot be made a tensor: {e.Message.Split('\n')[0]}", e);
        }
    }

    /// <summary>Writes float32 elements (C order) with the given shape as a version 1.0 .npy file (2.0 if the header needs it).</summary>
    public static void Write(string path, ReadOnlySpan<float> data, ReadOnlySpan<long> shape)
    {
        ArgumentNullException.ThrowIfNull(path);
        long count = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new ArgumentException($"Shape ({string.Join(", ", shape.ToArray())}) has a negative dimension.", nameof(shape));
            count = checked(count * d);
        }
        if (count != data.Length)
            throw new ArgumentException($"Shape ({string.Join(", ", shape.ToArray())}) holds {count} elements but {data.Length} were given.", nameof(data));
        string tuple = shape.Length == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape.ToArray()) + ")";
        string dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': {tuple}, }}";
        int prefix = 10;
        int total = (prefix + dict.Length + 1 + 63) / 64 * 64;
        byte major = 1;
        if (total - prefix > ushort.MaxValue)
        {
            major = 2;
            prefix = 12;
            total = (prefix + dict.Length + 1 + 63) / 64 * 64;
        }
        string header = dict.PadRight(total - prefix - 1) + "\n";
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException(".npy files are written little-endian; this machine is not.");
        var payload = MemoryMarshal.AsBytes(data).ToArray();
        AtomicFile.Write(path, stream =>
        {
            stream.Write(Magic);
            stream.WriteByte(major);
            stream.WriteByte(0);
            Span<byte> len = stackalloc byte[4];
            if (major == 1) { BinaryPrimitives.WriteUInt16LittleEndian(len, (ushort)header.Length); stream.Write(len[..2]); }
            else { BinaryPrimitives.WriteUInt32LittleEndian(len, (uint)header.Length); stream.Write(len); }
            stream.Write(Encoding.ASCII.GetBytes(header));
            stream.Write(payload);
        });
    }

    /// <summary>Writes a float32 tensor (any device, any layout) as a .npy file.</summary>
    public static void Save(string path, Tensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.dtype != ScalarType.Float32)
            throw new ArgumentException($"Npy.Save writes float32 arrays; the tensor is {value.dtype} (convert it with .to(torch.float32)).", nameof(value));
        using var cpu = value.detach().cpu().contiguous();
        Write(path, cpu.data<float>().ToArray(), cpu.shape);
    }
}

/// <summary>
/// The .npy header: a Python dict literal with exactly the keys 'descr' (a string), 'fortran_order' (True/False)
/// and 'shape' (a tuple of non-negative integers), read strictly, so that a header NumPy's <c>literal_eval</c>
/// refuses (stray characters, other keys, wrong types) is refused here too instead of being read by pattern.
/// </summary>
internal static class NpyHeader
{
    public static bool TryParse(string text, bool allowLongSuffix, out string descr, out bool fortranOrder, out long[] shape, out string why)
    {
        descr = "";
        fortranOrder = false;
        shape = Array.Empty<long>();
        int i = 0;
        object? d = null, f = null, sh = null;
        why = "";
        void Ws() { while (i < text.Length && text[i] is ' ' or '\t' or '\n' or '\r' or '\f' or '\v') i++; }
        bool Eat(char c) { Ws(); if (i < text.Length && text[i] == c) { i++; return true; } return false; }
        string? Str()
        {
            Ws();
            if (i >= text.Length || text[i] is not ('\'' or '"')) return null;
            char q = text[i];
            int end = text.IndexOf(q, i + 1);
            if (end < 0 || text.AsSpan(i + 1, end - i - 1).IndexOfAny('\\', '\n') >= 0) return null;
            var v = text.Substring(i + 1, end - i - 1);
            i = end + 1;
            return v;
        }
        long? Int()
        {
            Ws();
            int start = i;
            while (i < text.Length && text[i] is >= '0' and <= '9') i++;
            if (i == start || (i - start > 1 && text[start] == '0')) return null;
            if (!long.TryParse(text.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out long v)) return null;
            if (allowLongSuffix && i < text.Length && text[i] == 'L') i++;
            return v;
        }
        object? Value()
        {
            Ws();
            if (i < text.Length && text[i] is '\'' or '"') return Str();
            if (string.CompareOrdinal(text, i, "True", 0, 4) == 0) { i += 4; return true; }
            if (string.CompareOrdinal(text, i, "False", 0, 5) == 0) { i += 5; return false; }
            if (!Eat('(')) return null;
            var items = new System.Collections.Generic.List<long>();
            if (Eat(')')) return items.ToArray();
            while (true)
            {
                if (Int() is not { } n) return null;
                items.Add(n);
                bool comma = Eat(',');
                if (Eat(')')) return items.Count == 1 && !comma ? null : items.ToArray();   // (3) is an int, not a tuple
                if (!comma) return null;
            }
        }
        if (!Eat('{')) { why = "not a dict literal"; return false; }
        if (!Eat('}'))
        {
            while (true)
            {
                var key = Str();
                if (key is null || !Eat(':')) { why = "an entry is not 'key': value"; return false; }
                var value = Value();
                if (value is null) { why = $"the value of '{key}' is not a string, True/False or a tuple of integers"; return false; }
                switch (key)
                {
                    case "descr": d = value; break;
                    case "fortran_order": f = value; break;
                    case "shape": sh = value; break;
                    default: why = $"unexpected key '{key}'"; return false;
                }
                bool comma = Eat(',');
                if (Eat('}')) break;
                if (!comma) { why = "entries are not separated by commas"; return false; }
            }
        }
        Ws();
        if (i != text.Length) { why = "characters after the dict"; return false; }
        if (d is not string ds || f is not bool fo || sh is not long[] s)
        {
            why = "needs 'descr' (a string), 'fortran_order' (True/False) and 'shape' (a tuple of integers)";
            return false;
        }
        descr = ds;
        fortranOrder = fo;
        shape = s;
        return true;
    }
}
