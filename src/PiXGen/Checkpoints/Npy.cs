using System;
using System.Buffers.Binary;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using static TorchSharp.torch;

namespace PiXGen.Checkpoints;

/// <summary>A file could not be read as a float32 .npy array; the message names the file and the problem.</summary>
public sealed class NpyFormatException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    public NpyFormatException(string path, string problem) : base($"{path}: {problem}")
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

    /// <summary>Reads a float32 array: its elements in C order and its shape.</summary>
    public static (float[] Data, long[] Shape) Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (FileNotFoundException e) { throw new FileNotFoundException($"{path}: no such .npy file.", path, e); }
        catch (DirectoryNotFoundException e) { throw new FileNotFoundException($"{path}: no such .npy file (the folder does not exist).", path, e); }

        if (bytes.Length == 0) throw new NpyFormatException(path, "not a .npy file: the file is empty.");
        if (bytes.Length < 10 || !bytes.AsSpan(0, 6).SequenceEqual(Magic))
            throw new NpyFormatException(path, "not a .npy file: it does not start with the magic \\x93NUMPY.");
        byte major = bytes[6];
        int headerStart, headerLength;
        switch (major)
        {
            case 1:
                headerStart = 10;
                headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8, 2));
                break;
            case 2 or 3:
                if (bytes.Length < 12) throw new NpyFormatException(path, "truncated: the file ends inside the header length.");
                headerStart = 12;
                uint length = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8, 4));
                headerLength = length > int.MaxValue ? int.MaxValue : (int)length;
                break;
            default:
                throw new NpyFormatException(path, $"unsupported .npy format version {major}.{bytes[7]} (1.0, 2.0 and 3.0 are supported).");
        }
        if ((long)headerStart + headerLength > bytes.Length)
            throw new NpyFormatException(path, $"truncated: the header says {headerLength} bytes but the file ends after {bytes.Length - headerStart}.");
        string header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(bytes, headerStart, headerLength);

        var descr = Regex.Match(header, @"['""]descr['""]\s*:\s*['""]([^'""]*)['""]");
        var fortran = Regex.Match(header, @"['""]fortran_order['""]\s*:\s*(True|False)");
        var shapeMatch = Regex.Match(header, @"['""]shape['""]\s*:\s*\(([^)]*)\)");
        if (!descr.Success || !fortran.Success || !shapeMatch.Success)
            throw new NpyFormatException(path, $"malformed .npy header (needs 'descr', 'fortran_order' and 'shape'): {header.Trim()}");
        string dtype = descr.Groups[1].Value;
        if (dtype != "<f4")
            throw new NpyFormatException(path, dtype == ">f4"
                ? "the array is big-endian float32 ('>f4'); only little-endian float32 ('<f4') is supported."
                : $"the array's dtype is '{dtype}'; only float32 ('<f4') is supported (convert with arr.astype(numpy.float32)).");
        if (fortran.Groups[1].Value == "True")
            throw new NpyFormatException(path, "the array is in Fortran order; only C order is supported (save numpy.ascontiguousarray(arr)).");
        long[] shape;
        try
        {
            shape = shapeMatch.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(s => long.Parse(s.TrimEnd('L'), NumberStyles.None, CultureInfo.InvariantCulture)).ToArray();
        }
        catch (FormatException)
        {
            throw new NpyFormatException(path, $"the shape ({shapeMatch.Groups[1].Value}) is not a tuple of non-negative integers.");
        }
        long count = 1;
        foreach (var d in shape) count = checked(count * d);
        int dataStart = headerStart + headerLength;
        long expected = count * sizeof(float);
        long actual = bytes.Length - dataStart;
        if (actual < expected)
            throw new NpyFormatException(path, $"truncated: shape ({string.Join(", ", shape)}) needs {expected:N0} data bytes but the file has {actual:N0}.");
        if (actual > expected)
            throw new NpyFormatException(path, $"shape ({string.Join(", ", shape)}) needs {expected:N0} data bytes but the file has {actual:N0}: trailing data.");
        var data = new float[count];
        bytes.AsSpan(dataStart).CopyTo(MemoryMarshal.AsBytes(data.AsSpan()));
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException(".npy float32 data is little-endian; this machine is not.");
        return (data, shape);
    }

    /// <summary>Reads a float32 array as a CPU tensor of its shape.</summary>
    public static Tensor Load(string path)
    {
        var (data, shape) = Read(path);
        return tensor(data, shape, ScalarType.Float32);
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
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
        stream.Write(Magic);
        stream.WriteByte(major);
        stream.WriteByte(0);
        Span<byte> len = stackalloc byte[4];
        if (major == 1) { BinaryPrimitives.WriteUInt16LittleEndian(len, (ushort)header.Length); stream.Write(len[..2]); }
        else { BinaryPrimitives.WriteUInt32LittleEndian(len, (uint)header.Length); stream.Write(len); }
        stream.Write(Encoding.ASCII.GetBytes(header));
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException(".npy files are written little-endian; this machine is not.");
        stream.Write(MemoryMarshal.AsBytes(data));
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
