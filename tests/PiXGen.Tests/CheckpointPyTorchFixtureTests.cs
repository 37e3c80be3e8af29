using System;
using System.IO;
using System.Linq;
using PiXGen.Checkpoints;
using PiXGen.Zoo;
using TorchSharp;
using static PiXGen.Tests.CheckpointTestSupport;
using static TorchSharp.torch;

namespace PiXGen.Tests;

/// <summary>
/// Checkpoints written by a real PyTorch (tools/fixtures/make_checkpoints.py, torch 1.13 / torchvision 0.14) load into
/// the zoo's networks and reproduce PyTorch's logits.
/// </summary>
public class CheckpointPyTorchFixtureTests
{
    private const double Tolerance = 1e-5;

    /// <summary>PIXGEN_CHECKPOINT_OUT=&lt;folder&gt; keeps the files saved by the tests for tools/fixtures/check_saved.py
    /// (PyTorch reads them back); otherwise they go to the temporary folder.</summary>
    private static string OutputFolder(TempFolder temp)
    {
        string folder = Environment.GetEnvironmentVariable("PIXGEN_CHECKPOINT_OUT") is { Length: > 0 } o ? o : temp.Path;
        Directory.CreateDirectory(folder);
        return folder;
    }

    private static float[] Logits(nn.Module<Tensor, Tensor> model)
    {
        model.eval();
        using var _ = no_grad();
        using var input = Npy.Load(Fixture("input_2x3x64x64.npy"));
        using var y = model.forward(input);
        Assert.Equal(new long[] { 2, 1000 }, y.shape);
        return y.data<float>().ToArray();
    }

    [Fact]
    public void Torchvision_mobilenet_v2_float16_pt_loads_strictly_and_reproduces_pytorch_logits()
    {
        using var scope = NewDisposeScope();
        using var model = new MobileNetV2();

        var report = model.LoadCheckpoint(Fixture("mobilenet_v2_fp16.pt"));

        Assert.True(report.IsComplete);
        Assert.Equal(model.state_dict().Count, report.Loaded.Count);
        // Every floating tensor was float16 in the file; the int64 counters were not converted.
        Assert.Equal(model.state_dict().Count(kv => kv.Value.is_floating_point()), report.Converted.Count);
        // The fixture's BatchNorm statistics come from 4 batches, so every counter is 4.
        Assert.All(model.state_dict().Where(kv => kv.Key.EndsWith("num_batches_tracked")),
                   kv => Assert.Equal((ScalarType.Int64, 4L), (kv.Value.dtype, kv.Value.item<long>())));
        var (expected, shape) = Npy.Read(Fixture("mobilenet_v2_logits.npy"));
        Assert.Equal(new long[] { 2, 1000 }, shape);
        // The reference depends on the input: its two samples' logits differ (else the comparison would prove little).
        Assert.True(RelativeL2(expected[..1000], expected[1000..]) > 0.05);
        double error = RelativeL2(Logits(model), expected);
        Assert.True(error <= Tolerance, $"relative L2 difference {error:E2} from PyTorch's logits");
    }

    [Fact]
    public void Torchvision_squeezenet1_1_mixed_float16_bfloat16_safetensors_loads_strictly_and_reproduces_pytorch_logits()
    {
        using var scope = NewDisposeScope();
        using var model = new SqueezeNet1_1();
        var keys = model.state_dict().Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray();

        var report = model.LoadCheckpoint(Fixture("squeezenet1_1_mixed.safetensors"));

        Assert.True(report.IsComplete);
        Assert.Equal(keys, report.Loaded.OrderBy(k => k, StringComparer.Ordinal));
        // Every tensor was float16 or bfloat16 in the file, so every one was converted to the network's float32.
        Assert.Equal(keys, report.Converted.OrderBy(k => k, StringComparer.Ordinal));
        Assert.All(model.state_dict(), kv => Assert.Equal(ScalarType.Float32, kv.Value.dtype));
        // The file really mixes both 16-bit formats.
        using (var file = Checkpoint.Read(Fixture("squeezenet1_1_mixed.safetensors")))
        {
            Assert.Equal(ScalarType.BFloat16, file["features.3.expand3x3.weight"].dtype);
            Assert.Equal(ScalarType.BFloat16, file["classifier.1.weight"].dtype);
            Assert.Equal(ScalarType.Float16, file["features.3.squeeze.weight"].dtype);
            Assert.Equal(ScalarType.Float16, file["features.0.weight"].dtype);
        }
        var (expected, shape) = Npy.Read(Fixture("squeezenet1_1_logits.npy"));
        Assert.Equal(new long[] { 2, 1000 }, shape);
        Assert.True(RelativeL2(expected[..1000], expected[1000..]) > 0.05);
        double error = RelativeL2(Logits(model), expected);
        Assert.True(error <= Tolerance, $"relative L2 difference {error:E2} from PyTorch's logits");
    }

    [Fact]
    public void A_squeezenet1_1_checkpoint_is_refused_by_a_strict_mobilenet_v2_load_and_the_network_keeps_its_weights()
    {
        using var scope = NewDisposeScope();
        using var model = new MobileNetV2();
        model.LoadCheckpoint(Fixture("mobilenet_v2_fp16.pt"));
        var before = Snapshot(model);
        string path = Fixture("squeezenet1_1_mixed.safetensors");

        var e = Assert.Throws<CheckpointMismatchException>(() => model.LoadCheckpoint(path));

        AssertUnchanged(before, model);
        Assert.Contains(path, e.Message);
        Assert.Contains("features.0.0.weight [32, 3, 3, 3]", e.Message);
        Assert.False(e.Report.IsComplete);
        // Only classifier.1.{weight,bias} share a name (the weight not its shape); the other 50 tensors are unexpected.
        Assert.Equal(model.state_dict().Count - 2, e.Report.Missing.Count());
        Assert.Equal(50, e.Report.Unexpected.Count());
        Assert.Contains(e.Report.Mismatched, s => s.Key == "classifier.1.weight");
    }

    [Theory]
    [InlineData(".pt")]
    [InlineData(".safetensors")]
    public void Saved_checkpoints_round_trip_and_are_written_for_the_pytorch_check(string ext)
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        string folder = OutputFolder(temp);
        using var model = new MobileNetV2();
        model.LoadCheckpoint(Fixture("mobilenet_v2_fp16.pt"));
        string path = Path.Combine(folder, "mobilenet_v2_saved" + ext);

        model.SaveCheckpoint(path);
        var logits = Logits(model);
        Npy.Write(Path.Combine(folder, "mobilenet_v2_saved_logits.npy"), logits, new long[] { 2, 1000 });

        using var reloaded = new MobileNetV2();
        var report = reloaded.LoadCheckpoint(path);
        Assert.True(report.IsComplete);
        Assert.Empty(report.Converted);
        Assert.Equal(logits, Logits(reloaded));
        var (expected, _) = Npy.Read(Fixture("mobilenet_v2_logits.npy"));
        Assert.True(RelativeL2(logits, expected) <= Tolerance);
    }

    /// <summary>One tensor per dtype, values arange(numel) (bool: odd elements), as tools/fixtures/check_saved.py expects them.</summary>
    internal static System.Collections.Generic.Dictionary<string, Tensor> EveryDtype() => new()
    {
        ["f32"] = arange(24, ScalarType.Float32).reshape(2, 3, 4),
        ["f16"] = arange(24, ScalarType.Float32).reshape(2, 3, 4).to(ScalarType.Float16),
        ["bf16"] = arange(24, ScalarType.Float32).reshape(2, 3, 4).to(ScalarType.BFloat16),
        ["f64"] = arange(24, ScalarType.Float64).reshape(4, 6),
        ["i64"] = arange(6, ScalarType.Int64),
        ["i32"] = arange(6, ScalarType.Int32).reshape(3, 2),
        ["i16"] = arange(6, ScalarType.Int16),
        ["i8"] = arange(6, ScalarType.Int8),
        ["u8"] = arange(6, ScalarType.Byte),
        ["bool"] = arange(6, ScalarType.Int64).remainder(2).to(ScalarType.Bool),
        ["scalar_i64"] = tensor(0L),
        ["empty_f32"] = zeros(0, 3),
    };

    [Theory]
    [InlineData(".pt")]
    [InlineData(".safetensors")]
    public void Every_dtype_round_trips_and_is_written_for_the_pytorch_check(string ext)
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        string folder = OutputFolder(temp);
        string path = Path.Combine(folder, "every_dtype" + ext);
        var tensors = EveryDtype();

        Checkpoint.SaveStateDict(tensors, path);

        using var file = Checkpoint.Read(path);
        Assert.Equal(tensors.Keys, file.Keys);
        foreach (var (key, value) in tensors) Assert.True(Same(file[key], value), key);
    }
}
