using System;
using System.IO;
using System.Linq;
using System.Text;
using PiXGen.Checkpoints;
using static PiXGen.Tests.CheckpointTestSupport;

namespace PiXGen.Tests;

/// <summary>float32 .npy files: NumPy-written ones read, ours round-trip, anything else is one clear error.</summary>
public class CheckpointNpyTests
{
    /// <summary>A .npy file as NumPy lays it out, built here byte by byte (version, header text, data).</summary>
    private static byte[] NpyBytes(string header, byte major, byte[] data)
    {
        var h = Encoding.ASCII.GetBytes(header);
        var b = new System.Collections.Generic.List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', major, 0 };
        b.AddRange(major == 1 ? BitConverter.GetBytes((ushort)h.Length) : BitConverter.GetBytes((uint)h.Length));
        b.AddRange(h);
        b.AddRange(data);
        return b.ToArray();
    }

    private static byte[] Floats(params float[] v) => v.SelectMany(BitConverter.GetBytes).ToArray();

    [Fact]
    public void Reads_the_input_numpy_wrote_for_the_fixtures()
    {
        var (data, shape) = Npy.Read(Fixture("input_2x3x64x64.npy"));
        Assert.Equal(new long[] { 2, 3, 64, 64 }, shape);
        Assert.Equal(2 * 3 * 64 * 64, data.Length);
        // torch.randn: mean near 0, standard deviation near 1, and not all equal.
        double mean = data.Average(x => (double)x), sd = Math.Sqrt(data.Average(x => (x - mean) * (x - mean)));
        Assert.InRange(mean, -0.05, 0.05);
        Assert.InRange(sd, 0.95, 1.05);
    }

    [Theory]
    [InlineData((byte)1)]
    [InlineData((byte)2)]
    [InlineData((byte)3)]
    public void Reads_versions_1_2_and_3(byte major)
    {
        using var dir = new TempFolder();
        string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }".PadRight(117) + "\n";
        File.WriteAllBytes(dir.File("a.npy"), NpyBytes(header, major, Floats(1, 2, 3, 4, 5, -6.5f)));
        var (data, shape) = Npy.Read(dir.File("a.npy"));
        Assert.Equal(new long[] { 2, 3 }, shape);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, -6.5f }, data);
    }

    [Theory]
    [InlineData(new long[0])]
    [InlineData(new long[] { 7 })]
    [InlineData(new long[] { 2, 3, 4, 5 })]
    [InlineData(new long[] { 0, 3 })]
    public void Written_files_read_back_and_have_numpys_64_byte_aligned_header(long[] shape)
    {
        using var dir = new TempFolder();
        long n = shape.Aggregate(1L, (a, d) => a * d);
        var data = Enumerable.Range(0, (int)n).Select(i => i * 0.25f - 3).ToArray();
        Npy.Write(dir.File("a.npy"), data, shape);
        var bytes = File.ReadAllBytes(dir.File("a.npy"));
        Assert.Equal(0, (bytes.Length - data.Length * 4) % 64);
        string header = Encoding.ASCII.GetString(bytes, 10, bytes.Length - 10 - data.Length * 4);
        Assert.EndsWith("\n", header);
        Assert.Contains(shape.Length == 1 ? $"'shape': ({shape[0]},)" : $"'shape': ({string.Join(", ", shape)})", header);
        var (read, readShape) = Npy.Read(dir.File("a.npy"));
        Assert.Equal(shape, readShape);
        Assert.Equal(data, read);
    }

    [Theory]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", "only float32 ('<f4')")]
    [InlineData("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", "dtype is '<i8'")]
    [InlineData("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", "big-endian")]
    [InlineData("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", "Fortran order")]
    [InlineData("{'descr': '<f4', 'shape': (2,), }", "malformed .npy header")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", "truncated")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", "trailing data")]
    public void Other_dtypes_layouts_and_sizes_are_refused_naming_the_file(string header, string problem)
    {
        using var dir = new TempFolder();
        string path = dir.File("bad.npy");
        File.WriteAllBytes(path, NpyBytes(header + "\n", 1, new byte[8]));
        var e = Assert.Throws<NpyFormatException>(() => Npy.Read(path));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void Empty_file_random_bytes_and_a_truncated_header_are_refused()
    {
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("empty.npy"), Array.Empty<byte>());
        Assert.Contains("empty", Assert.Throws<NpyFormatException>(() => Npy.Read(dir.File("empty.npy"))).Message);
        File.WriteAllText(dir.File("text.npy"), "[1.0, 2.0]");
        Assert.Contains("magic", Assert.Throws<NpyFormatException>(() => Npy.Read(dir.File("text.npy"))).Message);
        var full = NpyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n", 1, Floats(1, 2));
        File.WriteAllBytes(dir.File("cut.npy"), full.Take(30).ToArray());
        Assert.Contains("truncated", Assert.Throws<NpyFormatException>(() => Npy.Read(dir.File("cut.npy"))).Message);
    }

    [Fact]
    public void Tensor_load_and_save_keep_shape_and_values()
    {
        using var dir = new TempFolder();
        using var t = TorchSharp.torch.randn(2, 3, 5);
        Npy.Save(dir.File("t.npy"), t.transpose(1, 2));   // a non-contiguous view is written in C order
        using var back = Npy.Load(dir.File("t.npy"));
        Assert.Equal(new long[] { 2, 5, 3 }, back.shape);
        Assert.True(Same(back, t.transpose(1, 2)));
        using var d = t.to(TorchSharp.torch.ScalarType.Float64);
        Assert.Throws<ArgumentException>(() => Npy.Save(dir.File("d.npy"), d));
    }
}
