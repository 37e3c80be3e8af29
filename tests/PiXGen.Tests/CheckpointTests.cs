using System;
using System.Collections.Generic;
using System.Linq;
using PiXGen.Checkpoints;
using TorchSharp;
using static PiXGen.Tests.CheckpointTestSupport;
using static TorchSharp.torch;

namespace PiXGen.Tests;

/// <summary>Loading and saving state_dicts: round trips, strict checks, non-strict reports, dtype conversions.</summary>
public class CheckpointTests
{
    [Theory]
    [InlineData("net.pt")]
    [InlineData("net.pth")]
    [InlineData("net.safetensors")]
    public void Round_trip_restores_every_parameter_and_buffer_exactly(string name)
    {
        using var scope = NewDisposeScope();
        using var dir = new TempFolder();
        var source = SmallNet();
        source.SaveCheckpoint(dir.File(name));
        var target = SmallNet();
        var before = Snapshot(target);
        Assert.NotEqual(0, before.Count(kv => !Same(kv.Value, source.state_dict()[kv.Key])));

        var report = target.LoadCheckpoint(dir.File(name));

        Assert.True(report.IsComplete);
        Assert.Equal(source.state_dict().Keys.OrderBy(k => k), report.Loaded.OrderBy(k => k));
        foreach (var (key, value) in source.state_dict())
        {
            var loaded = target.state_dict()[key];
            Assert.Equal(value.dtype, loaded.dtype);
            Assert.True(Same(loaded, value), key);
        }
    }

    [Theory]
    [InlineData("net.pt")]
    [InlineData("net.safetensors")]
    public void Num_batches_tracked_stays_int64_and_is_loaded(string name)
    {
        using var scope = NewDisposeScope();
        using var dir = new TempFolder();
        var source = SmallNet();
        using (no_grad()) source.state_dict()["bn.num_batches_tracked"].fill_(123456789012L);
        source.SaveCheckpoint(dir.File(name));
        using (var file = Checkpoint.Read(dir.File(name)))
        {
            Assert.Equal(ScalarType.Int64, file["bn.num_batches_tracked"].dtype);
            Assert.Empty(file["bn.num_batches_tracked"].shape);
        }
        var target = SmallNet();
        target.LoadCheckpoint(dir.File(name));
        var counter = target.state_dict()["bn.num_batches_tracked"];
        Assert.Equal(ScalarType.Int64, counter.dtype);
        Assert.Equal(123456789012L, counter.item<long>());
    }

    public static IEnumerable<object[]> Conversions() =>
        from dtype in new[] { ScalarType.Float16, ScalarType.BFloat16, ScalarType.Float64 }
        from ext in new[] { ".pt", ".safetensors" }
        select new object[] { dtype, ext };

    [Theory]
    [MemberData(nameof(Conversions))]
    public void Reduced_or_double_precision_tensors_convert_to_the_modules_float32(ScalarType dtype, string ext)
    {
        using var scope = NewDisposeScope();
        using var dir = new TempFolder();
        var source = SmallNet();
        // The file holds every floating tensor in `dtype`; the counter stays int64.
        var stored = source.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.is_floating_point() ? kv.Value.to(dtype) : kv.Value.clone());
        string path = dir.File("net" + ext);
        Checkpoint.SaveStateDict(stored, path);
        using (var file = Checkpoint.Read(path))
            foreach (var (key, value) in stored) Assert.Equal(value.dtype, file[key].dtype);

        var target = SmallNet();
        var report = target.LoadCheckpoint(path);

        var floating = stored.Where(kv => kv.Value.is_floating_point()).Select(kv => kv.Key).OrderBy(k => k).ToList();
        Assert.Equal(floating, report.Converted.OrderBy(k => k));
        foreach (var (key, value) in stored)
        {
            var loaded = target.state_dict()[key];
            Assert.Equal(source.state_dict()[key].dtype, loaded.dtype);
            // The value is the stored one, converted by torch's own cast (exact for float16/bfloat16 → float32).
            Assert.True(Same(loaded, value.to(loaded.dtype)), key);
        }
        if (dtype != ScalarType.Float64)
        {
            // A reduced-precision file really loses bits: the loaded weights are not the float32 originals.
            Assert.False(Same(target.state_dict()["fc.weight"], source.state_dict()["fc.weight"]));
        }
    }

    [Theory]
    [InlineData("other.pt")]
    [InlineData("other.safetensors")]
    public void Strict_load_of_a_checkpoint_that_does_not_fit_throws_one_exception_listing_everything_and_changes_nothing(string name)
    {
        using var scope = NewDisposeScope();
        using var dir = new TempFolder();
        string path = dir.File(name);
        // Same network except: 7 classes instead of 5 (fc mismatch), no conv.bias (missing), an extra key (unexpected).
        var other = SmallNet(classes: 7).state_dict()
            .Where(kv => kv.Key != "conv.bias")
            .Append(new KeyValuePair<string, Tensor>("head.extra", ones(2, 3)))
            .ToList();
        Checkpoint.SaveStateDict(other, path);
        var target = SmallNet();
        var before = Snapshot(target);

        var e = Assert.Throws<CheckpointMismatchException>(() => target.LoadCheckpoint(path));

        AssertUnchanged(before, target);
        Assert.Contains(path, e.Message);
        Assert.Contains("conv.bias [4]", e.Message);
        Assert.Contains("head.extra [2, 3]", e.Message);
        Assert.Contains("fc.weight: module [5, 4], file [7, 4]", e.Message);
        Assert.Contains("fc.bias: module [5], file [7]", e.Message);
        Assert.Equal(new[] { "conv.bias" }, e.Report.Missing.Select(s => s.Key));
        Assert.Equal(new[] { "head.extra" }, e.Report.Unexpected.Select(s => s.Key));
        Assert.Equal(new[] { "fc.weight", "fc.bias" }, e.Report.Mismatched.Select(s => s.Key));
        Assert.Empty(e.Report.Loaded);
    }

    [Fact]
    public void Non_strict_load_copies_what_fits_and_reports_the_rest_with_both_shapes()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempFolder();
        string path = dir.File("other.pt");
        var otherNet = SmallNet(classes: 7);
        var other = otherNet.state_dict().Where(kv => kv.Key != "conv.bias")
            .Append(new KeyValuePair<string, Tensor>("head.extra", ones(2, 3))).ToList();
        Checkpoint.SaveStateDict(other, path);
        var target = SmallNet();
        var before = Snapshot(target);

        var report = Checkpoint.Load(target, path, new LoadOptions { Strict = false });

        var fitting = new[] { "conv.weight", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked" };
        Assert.Equal(fitting.OrderBy(k => k), report.Loaded.OrderBy(k => k));
        foreach (var key in fitting) Assert.True(Same(target.state_dict()[key], otherNet.state_dict()[key]), key);
        foreach (var key in new[] { "conv.bias", "fc.weight", "fc.bias" })
            Assert.True(Same(target.state_dict()[key], before[key]), $"{key} must keep its value");
        var mismatch = Assert.Single(report.Skipped, s => s.Key == "fc.weight");
        Assert.Equal(SkipReason.ShapeMismatch, mismatch.Reason);
        Assert.Equal(new long[] { 5, 4 }, mismatch.ModuleShape);
        Assert.Equal(new long[] { 7, 4 }, mismatch.FileShape);
        Assert.Equal(SkipReason.Missing, Assert.Single(report.Skipped, s => s.Key == "conv.bias").Reason);
        Assert.Equal(SkipReason.Unexpected, Assert.Single(report.Skipped, s => s.Key == "head.extra").Reason);
        Assert.Equal(4, report.Skipped.Count);
        Assert.Contains("fc.weight: module [5, 4], file [7, 4]", report.Describe());
    }

    [Fact]
    public void A_floating_value_for_an_integer_buffer_is_a_dtype_mismatch_not_a_silent_cast()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempFolder();
        string path = dir.File("float-counter.safetensors");
        var stored = SmallNet().state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.to(ScalarType.Float32));
        Checkpoint.SaveStateDict(stored, path);
        var target = SmallNet();
        var before = Snapshot(target);

        var e = Assert.Throws<CheckpointMismatchException>(() => target.LoadCheckpoint(path));

        AssertUnchanged(before, target);
        var skipped = Assert.Single(e.Report.Skipped);
        Assert.Equal(("bn.num_batches_tracked", SkipReason.DtypeMismatch), (skipped.Key, skipped.Reason));
        Assert.Contains("bn.num_batches_tracked: module Int64 [], file Float32 []", e.Message);
    }

    [Fact]
    public void Non_strict_load_of_another_networks_checkpoint_throws_when_nothing_fits_and_changes_nothing()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempFolder();
        string path = dir.File("unrelated.safetensors");
        Checkpoint.SaveStateDict(new Dictionary<string, Tensor> { ["encoder.weight"] = ones(3, 3) }, path);
        var target = SmallNet();
        var before = Snapshot(target);

        var e = Assert.Throws<CheckpointMismatchException>(() => target.LoadCheckpoint(path, strict: false));

        AssertUnchanged(before, target);
        Assert.Contains("no tensor of the checkpoint fits", e.Message);
        Assert.Equal(before.Count, e.Report.Missing.Count());
    }

    [Fact]
    public void Saving_to_an_unknown_extension_is_refused_and_writes_nothing()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempFolder();
        var e = Assert.Throws<CheckpointFormatException>(() => SmallNet().SaveCheckpoint(dir.File("net.onnx")));
        Assert.Contains("net.onnx", e.Message);
        Assert.Contains(".safetensors", e.Message);
        Assert.Empty(System.IO.Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Saving_over_an_existing_checkpoint_replaces_it_and_leaves_no_temporary_file()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempFolder();
        string path = dir.File("net.pt");
        SmallNet(classes: 7).SaveCheckpoint(path);
        var source = SmallNet();
        source.SaveCheckpoint(path);
        Assert.Equal(new[] { path }, System.IO.Directory.GetFiles(dir.Path));
        var target = SmallNet();
        target.LoadCheckpoint(path);
        Assert.True(Same(target.state_dict()["fc.weight"], source.state_dict()["fc.weight"]));
    }

    [Fact]
    public void Saving_into_a_folder_that_does_not_exist_names_the_folder()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempFolder();
        string path = System.IO.Path.Combine(dir.Path, "missing", "net.safetensors");
        var e = Assert.Throws<System.IO.DirectoryNotFoundException>(() => SmallNet().SaveCheckpoint(path));
        Assert.StartsWith(path + ": ", e.Message);
    }
}
