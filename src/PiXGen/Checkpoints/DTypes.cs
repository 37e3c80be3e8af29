using System;
using System.Linq;
using static TorchSharp.torch;

namespace PiXGen.Checkpoints;

/// <summary>The tensor element types checkpoints can hold, with their names in both file formats.</summary>
internal static class DTypes
{
    internal sealed record Info(ScalarType Type, string Storage, string Safetensors, int Size);

    internal static readonly Info[] All =
    {
        new(ScalarType.Float32, "FloatStorage", "F32", 4),
        new(ScalarType.Float64, "DoubleStorage", "F64", 8),
        new(ScalarType.Float16, "HalfStorage", "F16", 2),
        new(ScalarType.BFloat16, "BFloat16Storage", "BF16", 2),
        new(ScalarType.Int64, "LongStorage", "I64", 8),
        new(ScalarType.Int32, "IntStorage", "I32", 4),
        new(ScalarType.Int16, "ShortStorage", "I16", 2),
        new(ScalarType.Int8, "CharStorage", "I8", 1),
        new(ScalarType.Byte, "ByteStorage", "U8", 1),
        new(ScalarType.Bool, "BoolStorage", "BOOL", 1),
    };

    internal static Info? FromStorage(string name) => All.FirstOrDefault(d => d.Storage == name);

    internal static Info? FromSafetensors(string name) => All.FirstOrDefault(d => d.Safetensors == name);

    internal static Info Of(ScalarType type, string path, string key) =>
        All.FirstOrDefault(d => d.Type == type)
        ?? throw new CheckpointFormatException(path, $"cannot save '{key}': its dtype {type} has no checkpoint encoding (supported: {string.Join(", ", All.Select(d => d.Type))}).");

    internal static bool IsFloating(ScalarType t) =>
        t is ScalarType.Float32 or ScalarType.Float64 or ScalarType.Float16 or ScalarType.BFloat16;

    /// <summary>
    /// Whether the shape's extent, its element count with empty dimensions counted as 1, fits 64 bits: libtorch
    /// computes a tensor's strides from it and fails ("Stride calculation overflowed") when it does not, so such a
    /// shape is refused even when the tensor is empty.
    /// </summary>
    internal static bool ExtentFits(long[] shape)
    {
        try
        {
            long n = 1;
            foreach (var d in shape) n = checked(n * Math.Max(d, 1));
            return true;
        }
        catch (OverflowException) { return false; }
    }

    /// <summary>The element count, or null when it overflows 64 bits.</summary>
    internal static long? TryNumel(long[] shape)
    {
        try { return Numel(shape); }
        catch (OverflowException) { return null; }
    }

    internal static long Numel(long[] shape)
    {
        long n = 1;
        foreach (var d in shape) n = checked(n * d);
        return n;
    }

    /// <summary>A new CPU tensor of the given shape holding <paramref name="data"/> (little-endian, C order).</summary>
    internal static Tensor FromBytes(byte[] data, ScalarType type, long[] shape)
    {
        var t = empty(shape, type);
        if (data.Length > 0) t.bytes = data;
        return t;
    }

    /// <summary>The raw little-endian bytes of a tensor, C order, read on the CPU.</summary>
    internal static byte[] ToBytes(Tensor t)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Checkpoints are little-endian; this machine is not.");
        using var cpu = t.detach().cpu().contiguous();
        return cpu.numel() == 0 ? Array.Empty<byte>() : cpu.bytes.ToArray();
    }
}
