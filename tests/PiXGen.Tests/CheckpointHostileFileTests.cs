using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using PiXGen.Checkpoints;
using TorchSharp;
using static PiXGen.Testing.CheckpointFiles;
using static PiXGen.Tests.CheckpointTestSupport;
using static TorchSharp.torch;

namespace PiXGen.Tests;

/// <summary>
/// Regression tests for issue 21: hostile checkpoints, safetensors and .npy files, each built in the test. A hostile
/// file is refused with the documented exception naming it, or loads exactly what PyTorch 1.13 loads.
/// </summary>
public class CheckpointHostileFileTests
{
    private static T Refused<T>(string path, Action load, string fragment) where T : Exception
    {
        var e = Assert.Throws<T>(load);
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains(fragment, e.Message);
        return e;
    }

    private static string Write(TempFolder dir, string name, byte[] bytes)
    {
        var path = dir.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>A valid torch.save file of one float32 tensor [n] named "w".</summary>
    private static (List<PtTensor>, Dictionary<string, byte[]>) OneTensor(params float[] values) =>
        (new List<PtTensor> { new("w", "0", "FloatStorage", values.Length, 0, new long[] { values.Length }, new long[] { 1 }) },
         new Dictionary<string, byte[]> { ["0"] = Floats(values) });

    // ------------------------------------------------------------ the stack: deep REDUCE chains

    private static byte[] ChainPickle(int chains, int depth)
    {
        // memo 0 = builtins.object; each link: BINGET 0, <previous>, TUPLE1, REDUCE — i.e. object((previous,)).
        var p = new Pickle();
        p.Global("builtins", "object").Op('q').Op(0).Op('0');              // memoise the global, pop it
        p.Op('}').Op('(');
        for (int c = 0; c < chains; c++)
        {
            p.Op('h').Op(0).Op(')').Op('R');
            for (int i = 0; i < depth; i++)
            {
                // stack: ..., prev  →  BINGET 0, SWAP is not a pickle op, so build as: prev TUPLE1, then global below it
                // via a memo: store prev, pop, push global, get prev, TUPLE1, REDUCE.
                p.Op('q').Op(1).Op('0').Op('h').Op(0).Op('h').Op(1).Op(0x85).Op('R');
            }
            p.Str("v" + c);
        }
        return p.Op('u').Op('.').ToArray();
    }

    [Theory]
    [InlineData(2)]   // two chains as dict keys: equality of the keys recursed until the stack overflowed
    [InlineData(1)]   // one chain: its ToString recursed
    public void A_300000_deep_reduce_chain_is_refused_not_a_stack_overflow(int chains)
    {
        using var dir = new TempFolder();
        var zip = Zip(new[] { new ZipItem("archive/data.pkl", ChainPickle(chains, 300_000)) });
        var path = Write(dir, "chain.pt", zip);
        Refused<CheckpointFormatException>(path, () => Checkpoint.Read(path), "nested more than");
        Refused<CheckpointFormatException>(path, () => SmallNet().LoadCheckpoint(path), "nested more than");
    }

    [Fact]
    public void Objects_as_dict_keys_compare_by_identity_and_a_shallow_chain_is_still_described()
    {
        using var dir = new TempFolder();
        var path = Write(dir, "objects.pt", Zip(new[] { new ZipItem("archive/data.pkl", ChainPickle(2, 50)) }));
        // Two equal-looking object() chains are two keys (Python hashes objects by identity); the dict is not a state_dict.
        Refused<CheckpointFormatException>(path, () => Checkpoint.Read(path), "holds a dict that is not a state_dict");
    }

    // ------------------------------------------------------------ archive structure

    [Fact]
    public void Two_data_pkl_entries_are_refused_instead_of_loading_the_first()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempFolder();
        var (tensors, storages) = OneTensor(1, 2);
        var evil = tensors.Select(t => t with { StorageKey = "1" }).ToList();
        var zip = Zip(new[]
        {
            new ZipItem("archive/data.pkl", StateDictPickle(tensors)),
            new ZipItem("archive/data/0", Floats(1, 2)),
            new ZipItem("archive/data/1", Floats(51, 52)),
            new ZipItem("archive/data.pkl", StateDictPickle(evil)),
        });
        var path = Write(dir, "twice.pt", zip);
        Refused<CheckpointFormatException>(path, () => Checkpoint.Read(path), "'archive/data.pkl' occurs twice");
    }

    [Fact]
    public void A_duplicate_storage_entry_is_refused()
    {
        using var dir = new TempFolder();
        var (tensors, _) = OneTensor(1, 2);
        var zip = Zip(new[]
        {
            new ZipItem("archive/data.pkl", StateDictPickle(tensors)),
            new ZipItem("archive/data/0", Floats(1, 2)),
            new ZipItem("archive/data/0", Floats(50, 50)),
        });
        var path = Write(dir, "twice.pt", zip);
        Refused<CheckpointFormatException>(path, () => Checkpoint.Read(path), "'archive/data/0' occurs twice");
    }

    [Theory]
    [InlineData("other/data/0", "lies outside the archive's folder")]
    [InlineData("archive/../data/0", "lies outside the archive's folder")]
    [InlineData("data.pkl", "lies outside the archive's folder")]
    public void Entries_outside_the_archive_folder_are_refused(string extra, string problem)
    {
        using var dir = new TempFolder();
        var (tensors, storages) = OneTensor(1, 2);
        var items = new List<ZipItem> { new("archive/data.pkl", StateDictPickle(tensors)), new("archive/data/0", storages["0"]), new(extra, Floats(9)) };
        var path = Write(dir, "outside.pt", Zip(items));
        Refused<CheckpointFormatException>(path, () => Checkpoint.Read(path), problem);
    }

    [Fact]
    public void A_data_pkl_not_in_a_folder_is_refused_as_pytorch_does()
    {
        using var dir = new TempFolder();
        var (tensors, storages) = OneTensor(1, 2);
        var path = Write(dir, "flat.pt", Zip(new[] { new ZipItem("data.pkl", StateDictPickle(tensors)), new ZipItem("data/0", storages["0"]) }));
        Refused<CheckpointFormatException>(path, () => Checkpoint.Read(path), "is not in a folder");
    }

    // ------------------------------------------------------------ memory

    [Fact]
    public void A_stride_0_view_of_2_pow_28_elements_stays_a_view_of_its_one_element_storage()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempFolder();
        var tensors = new List<PtTensor> { new("w", "0", "FloatStorage", 1, 0, new long[] { 1L << 28 }, new long[] { 0 }) };
        var path = Write(dir, "broadcast.pt", TorchSave(tensors, new Dictionary<string, byte[]> { ["0"] = Floats(7) }));
        using var file = Checkpoint.Read(path);
        var w = file["w"];
        Assert.Equal(new[] { 1L << 28 }, w.shape);
        Assert.Equal(new[] { 0L }, w.stride());          // not expanded: PyTorch keeps the same lazy view
        Assert.Equal(7f, w[12345].item<float>());
    }

    [Fact]
    public void A_2_pow_30_view_is_checked_against_the_module_before_any_data_is_read()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempFolder();
        var net = SmallNet();
        var before = Snapshot(net);
        var tensors = net.state_dict().Select((kv, i) => new PtTensor(kv.Key, "0", "FloatStorage", 1, 0, new long[] { 1L << 30 }, new long[] { 0 })).ToList();
        var path = Write(dir, "huge.pt", TorchSave(tensors, new Dictionary<string, byte[]> { ["0"] = Floats(1) }));
        var e = Assert.Throws<CheckpointMismatchException>(() => net.LoadCheckpoint(path));
        Assert.Contains("[1073741824]", e.Message);
        AssertUnchanged(before, net);
    }

    [Fact]
    public void A_view_larger_than_its_storage_is_refused()
    {
        using var dir = new TempFolder();
        var tensors = new List<PtTensor> { new("w", "0", "FloatStorage", 2, 1, new long[] { 2 }, new long[] { 1 }) };
        var path = Write(dir, "over.pt", TorchSave(tensors, new Dictionary<string, byte[]> { ["0"] = Floats(1, 2) }));
        Refused<CheckpointFormatException>(path, () => Checkpoint.Read(path), "the view is larger than its storage");
    }

    [Fact]
    public void Two_tensors_naming_one_storage_with_different_sizes_are_refused()
    {
        // The bounds check must use the storage's real size, not the second tensor's claim.
        using var dir = new TempFolder();
        var tensors = new List<PtTensor>
        {
            new("a", "0", "FloatStorage", 2, 0, new long[] { 2 }, new long[] { 1 }),
            new("b", "0", "FloatStorage", 1 << 20, 0, new long[] { 1 << 20 }, new long[] { 1 }),
        };
        var path = Write(dir, "alias.pt", TorchSave(tensors, new Dictionary<string, byte[]> { ["0"] = Floats(1, 2) }));
        Refused<CheckpointFormatException>(path, () => Checkpoint.Read(path), "names storage '0' as 1,048,576 Float32 elements, an earlier tensor as 2");
    }

    [Fact]
    public void Only_the_needed_prefix_of_a_deflated_256_MiB_storage_is_decompressed()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempFolder();
        long numel = 64L << 20;   // 256 MiB of float32 zeros, deflated to about 250 KiB
        var tensors = new List<PtTensor> { new("weight", "0", "FloatStorage", numel, 0, new long[] { 1, 1 }, new long[] { 1, 1 }), new("bias", "1", "FloatStorage", 1, 0, new long[] { 1 }, new long[] { 1 }) };
        var storage = new byte[numel * 4];
        BitConverter.GetBytes(3f).CopyTo(storage, 0);
        var path = Write(dir, "bomb.pt", TorchSave(tensors, new Dictionary<string, byte[]> { ["0"] = storage, ["1"] = Floats(5) }, deflate: true));
        storage = null;
        Assert.True(new FileInfo(path).Length < 4 << 20);
        var net = nn.Linear(1, 1);
        long before = GC.GetAllocatedBytesForCurrentThread();   // this thread only: parallel tests do not count
        net.LoadCheckpoint(path);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(3f, net.weight!.item<float>());
        Assert.Equal(5f, net.bias!.item<float>());
        Assert.True(allocated < 64L << 20, $"{allocated:N0} bytes allocated to load 8 bytes of tensors");
    }

    [Fact]
    public void Safetensors_keys_aliasing_one_range_are_refused()
    {
        using var dir = new TempFolder();
        var header = "{" + string.Join(",", Enumerable.Range(0, 150).Select(i => $"\"k{i}\":{{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}")) + "}";
        var path = Write(dir, "alias.safetensors", Safetensors(header, new byte[16]));
        Refused<CheckpointFormatException>(path, () => Checkpoint.Read(path), "overlap another tensor's bytes");
    }

    [Theory]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "leaving bytes 0–4 unused")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8, "forbids trailing bytes")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[\"0\",\"4\"]}}", 4, "invalid data_offsets")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,4]}}", 4, "more bytes than a 64-bit count holds")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,99999999999999999999]}}", 4, "invalid data_offsets")]
    [InlineData("{\"__metadata__\":{\"format\":1}}", 0, "__metadata__ is not an object of strings")]
    public void Safetensors_rules_are_enforced(string header, int dataBytes, string problem)
    {
        using var dir = new TempFolder();
        var path = Write(dir, "bad.safetensors", Safetensors(header, new byte[dataBytes]));
        Refused<CheckpointFormatException>(path, () => Checkpoint.Read(path), problem);
    }

    [Fact]
    public void A_safetensors_header_that_is_not_utf8_is_refused()
    {
        using var dir = new TempFolder();
        var header = Encoding.UTF8.GetBytes("{\"a\xff\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}").ToList();
        int at = header.IndexOf((byte)'a') + 1;
        header.Insert(at, 0xFF);
        var path = Write(dir, "utf8.safetensors", Safetensors(header.ToArray(), new byte[4]));
        Refused<CheckpointFormatException>(path, () => Checkpoint.Read(path), "not valid UTF-8");
    }

    // ------------------------------------------------------------ time: dict insertion

    [Fact]
    public void Three_hundred_thousand_keys_are_inserted_with_hashing_not_a_linear_search()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempFolder();
        const int n = 300_000;
        // Empty tensors (size [0]) sharing one empty storage: a 10 MB pickle, no tensor data.
        var tensors = Enumerable.Range(0, n).Select(i => new PtTensor("k" + i, "0", "FloatStorage", 0, 0, new long[] { 0 }, new long[] { 1 })).ToList();
        var path = Write(dir, "keys.pt", TorchSave(tensors, new Dictionary<string, byte[]> { ["0"] = Array.Empty<byte>() }));
        long before = TorchZipProbe.Comparisons;
        using var file = Checkpoint.Read(path);
        long comparisons = TorchZipProbe.Comparisons - before;
        Assert.Equal(n, file.Count);
        Assert.Equal("k299999", file.Keys.Last());
        // A linear search makes n²/2 ≈ 4.5e10 comparisons; a hash index about one per key that collides, at most a few per key.
        Assert.True(comparisons < 4L * n, $"{comparisons:N0} key comparisons for {n:N0} keys");
    }

    // ------------------------------------------------------------ old checkpoints

    private static (List<PtTensor>, Dictionary<string, byte[]>) FileOf(nn.Module net, Func<string, bool> keep)
    {
        var tensors = new List<PtTensor>();
        var storages = new Dictionary<string, byte[]>();
        foreach (var (key, t) in net.state_dict())
        {
            if (!keep(key)) continue;
            string storage = tensors.Count.ToString();
            tensors.Add(new PtTensor(key, storage, t.dtype == ScalarType.Int64 ? "LongStorage" : "FloatStorage", t.numel(), 0, t.shape, Contiguous(t.shape)));
            using var c = t.contiguous();
            storages[storage] = c.bytes.ToArray();
        }
        return (tensors, storages);
    }

    [Fact]
    public void A_pre_0_4_1_state_dict_without_num_batches_tracked_loads_strictly_with_the_counter_at_zero()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempFolder();
        var source = SmallNet();
        var (tensors, storages) = FileOf(source, k => !k.EndsWith("num_batches_tracked"));
        var path = Write(dir, "old.pt", TorchSave(tensors, storages));   // no _metadata: PyTorch treats the version as None
        var target = SmallNet();
        target.LoadCheckpoint(path);
        Assert.Equal(0L, target.state_dict()["bn.num_batches_tracked"].item<long>());
        Assert.True(Same(target.state_dict()["bn.running_var"], source.state_dict()["bn.running_var"]));
    }

    [Fact]
    public void A_version_2_batchnorm_without_num_batches_tracked_is_still_missing()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempFolder();
        var (tensors, storages) = FileOf(SmallNet(), k => !k.EndsWith("num_batches_tracked"));
        var path = Write(dir, "v2.pt", TorchSave(tensors, storages, new Dictionary<string, long> { [""] = 1, ["bn"] = 2 }));
        var target = SmallNet();
        var before = Snapshot(target);
        var e = Assert.Throws<CheckpointMismatchException>(() => target.LoadCheckpoint(path));
        Assert.Equal("bn.num_batches_tracked", Assert.Single(e.Report.Missing).Key);
        AssertUnchanged(before, target);
    }

    // ------------------------------------------------------------ the error contract

    [Theory]
    [InlineData(new long[] { 1L << 62, 4 }, new long[] { 1, 1 }, 0L, "more elements than a 64-bit count holds")]
    [InlineData(new long[] { 2 }, new long[] { 1L << 62 }, 0L, "the view is larger than its storage")]
    [InlineData(new long[] { 1 }, new long[] { 1 }, long.MaxValue, "the view is larger than its storage")]
    [InlineData(new long[] { 2, 2 }, new long[] { 1 }, 0L, "has size [2, 2] but stride [1]")]
    public void Overflowing_shapes_strides_and_offsets_are_format_errors(long[] size, long[] stride, long offset, string problem)
    {
        using var dir = new TempFolder();
        var tensors = new List<PtTensor> { new("w", "0", "FloatStorage", 4, offset, size, stride) };
        var path = Write(dir, "overflow.pt", TorchSave(tensors, new Dictionary<string, byte[]> { ["0"] = Floats(1, 2, 3, 4) }));
        Refused<CheckpointFormatException>(path, () => Checkpoint.Read(path), problem);
    }

    [Fact]
    public void A_storage_numel_that_overflows_bytes_is_a_format_error()
    {
        using var dir = new TempFolder();
        var tensors = new List<PtTensor> { new("w", "0", "DoubleStorage", long.MaxValue / 2, 0, new long[] { 1 }, new long[] { 1 }) };
        var path = Write(dir, "overflow.pt", TorchSave(tensors, new Dictionary<string, byte[]> { ["0"] = new byte[8] }));
        Refused<CheckpointFormatException>(path, () => Checkpoint.Read(path), "overflows a 64-bit count");
    }

    [Fact]
    public void A_pickle_string_that_is_not_utf8_is_refused_as_python_refuses_it()
    {
        using var dir = new TempFolder();
        var p = new Pickle().Op('}').Bytes('X', new byte[] { 0x61, 0xFF }).Op('N').Op('s').Op('.');
        var path = Write(dir, "utf8.pt", Zip(new[] { new ZipItem("archive/data.pkl", p.ToArray()) }));
        Refused<CheckpointFormatException>(path, () => Checkpoint.Read(path), "is not valid UTF-8");
    }

    [Theory]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", "malformed .npy header")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776,), }", "more than the")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", "more elements than a 64-bit count holds")]
    public void Npy_shapes_beyond_int64_or_memory_are_npy_format_errors(string dict, string problem)
    {
        using var dir = new TempFolder();
        var path = Write(dir, "big.npy", Npy(dict, new byte[16]));
        Refused<NpyFormatException>(path, () => PiXGen.Checkpoints.Npy.Read(path), problem);
    }

    [Fact]
    public void An_npy_header_length_of_one_byte_is_a_format_error_not_an_argument_exception()
    {
        // Found by the reader fuzzer: the reader had already read two bytes past a 1-byte header.
        using var dir = new TempFolder();
        var bytes = new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, 1, 0, (byte)'{', 0, 0, 0 };
        var path = Write(dir, "short.npy", bytes);
        Refused<NpyFormatException>(path, () => PiXGen.Checkpoints.Npy.Read(path), "cannot hold the header dict");
    }

    [Fact]
    public void An_empty_shape_whose_extent_overflows_is_refused_in_both_formats()
    {
        // Found by the reader fuzzer: [0, 2^40, 2^40] holds no element, but libtorch's stride calculation overflows.
        using var dir = new TempFolder();
        var st = Write(dir, "empty.safetensors", Safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[0,1099511627776,1099511627776],\"data_offsets\":[0,0]}}", Array.Empty<byte>()));
        Refused<CheckpointFormatException>(st, () => Checkpoint.Read(st), "more bytes than a 64-bit count holds");
        var tensors = new List<PtTensor> { new("a", "0", "FloatStorage", 0, 0, new long[] { 0, 1L << 40, 1L << 40 }, new long[] { 1, 1, 1 }) };
        var pt = Write(dir, "empty.pt", TorchSave(tensors, new Dictionary<string, byte[]> { ["0"] = Array.Empty<byte>() }));
        Refused<CheckpointFormatException>(pt, () => Checkpoint.Read(pt), "more elements than a 64-bit count holds");
    }

    [Fact]
    public void Dev_zero_as_an_npy_input_is_a_bounded_clear_error()
    {
        if (!File.Exists("/dev/zero")) return;
        Refused<NpyFormatException>("/dev/zero", () => PiXGen.Checkpoints.Npy.Read("/dev/zero"), "does not start with the magic");
    }

    [Fact]
    public async System.Threading.Tasks.Task An_endless_stream_after_a_valid_npy_header_stops_one_byte_past_the_promised_data()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var dir = new TempFolder();
        // A FIFO fed with a valid header for 4 floats and then far more bytes than that.
        var fifo = dir.File("pipe.npy");
        using (var mk = System.Diagnostics.Process.Start("mkfifo", fifo)) mk.WaitForExit();
        var header = Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", Array.Empty<byte>());
        var writer = System.Threading.Tasks.Task.Run(() =>
        {
            try
            {
                using var s = new FileStream(fifo, FileMode.Open, FileAccess.Write);
                s.Write(header);
                var junk = new byte[1 << 16];
                for (int i = 0; i < 1024; i++) s.Write(junk);   // 64 MiB, unless the reader stops first
            }
            catch (IOException) { }                              // the reader closed the pipe: expected
        });
        Refused<NpyFormatException>(fifo, () => PiXGen.Checkpoints.Npy.Read(fifo), "trailing data");
        await writer.WaitAsync(TimeSpan.FromMinutes(1));
    }

    // ------------------------------------------------------------ atomic writes

    [Fact]
    public void A_failed_write_leaves_the_existing_file_and_no_temporary_file()
    {
        using var dir = new TempFolder();
        var path = dir.File("model.onnx");
        File.WriteAllText(path, "old content");
        Assert.Throws<IOException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[1000]);
            throw new IOException("No space left on device (simulated)");
        }));
        Assert.Equal("old content", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(dir.Path));
    }
}

/// <summary>The unpickler's key-comparison counter, for the linear-time test.</summary>
internal static class TorchZipProbe
{
    public static long Comparisons => PiXGen.Checkpoints.TorchZip.DictKeyComparisons;
}

/// <summary>Issue 21: the .npy header is a dict literal read as NumPy reads it, not matched by pattern.</summary>
public class NpyHeaderStrictTests
{
    [Theory]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }x")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1, }")]
    [InlineData("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1), }")]
    [InlineData("{'descr': '<f4' 'fortran_order': False, 'shape': (1,), }")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (01,), }")]
    [InlineData("['descr', '<f4', 'fortran_order', False, 'shape', (1,)]")]
    public void Headers_numpy_refuses_are_refused(string dict)
    {
        using var dir = new TempFolder();
        var path = dir.File("x.npy");
        File.WriteAllBytes(path, Npy(dict, new byte[4]));
        var e = Assert.Throws<NpyFormatException>(() => PiXGen.Checkpoints.Npy.Read(path));
        Assert.StartsWith(path + ": malformed .npy header", e.Message);
    }

    [Theory]
    [InlineData("{\"descr\":\"<f4\",\"fortran_order\":False,\"shape\":(1,)}")]
    [InlineData("{'shape': (1,), 'fortran_order': False, 'descr': '<f4'}")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1L,), }")]
    public void Headers_numpy_reads_are_read(string dict)
    {
        using var dir = new TempFolder();
        var path = dir.File("x.npy");
        File.WriteAllBytes(path, Npy(dict, Floats(2.5f)));
        var (data, shape) = PiXGen.Checkpoints.Npy.Read(path);
        Assert.Equal(new[] { 2.5f }, data);
        Assert.Equal(new[] { 1L }, shape);
    }
}
