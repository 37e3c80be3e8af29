using System;
using System.IO;
using System.Linq;
using PiXGen.Checkpoints;
using TorchSharp;
using static PiXGen.Tests.CheckpointTestSupport;
using static TorchSharp.torch;

namespace PiXGen.Tests;

/// <summary>Damaged and foreign files give one clear exception naming the file; the module is never touched.</summary>
public class CheckpointFormatTests
{
    private static CheckpointFormatException AssertRefused(string path, string expectedProblem)
    {
        using var scope = NewDisposeScope();
        var target = SmallNet();
        var before = Snapshot(target);
        var e = Assert.Throws<CheckpointFormatException>(() => target.LoadCheckpoint(path));
        AssertUnchanged(before, target);
        Assert.Equal(path, e.FilePath);
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains(expectedProblem, e.Message);
        return e;
    }

    [Theory]
    [InlineData("empty.pt", "the file is empty")]
    [InlineData("empty.safetensors", "the file is empty")]
    public void Empty_file(string name, string problem)
    {
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File(name), Array.Empty<byte>());
        AssertRefused(dir.File(name), problem);
    }

    [Theory]
    [InlineData("random.pt", "does not start with a zip signature")]
    [InlineData("random.safetensors", "header length field says")]
    [InlineData("random.weights", "neither a torch.save zip archive nor a safetensors file")]
    public void Random_bytes(string name, string problem)
    {
        using var dir = new TempFolder();
        var bytes = new byte[4096];
        new Random(7).NextBytes(bytes);
        bytes[0] = 0x17; // not 'P' (zip) and not 0x80 (pickle)
        File.WriteAllBytes(dir.File(name), bytes);
        AssertRefused(dir.File(name), problem);
    }

    [Theory]
    [InlineData("config.pt", "does not start with a zip signature")]
    [InlineData("config.safetensors", "header length field says")]
    public void Json_file(string name, string problem)
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File(name), "{\"conv.weight\": {\"dtype\": \"F32\", \"shape\": [4, 3, 3, 3], \"data_offsets\": [0, 432]}}");
        AssertRefused(dir.File(name), problem);
    }

    [Fact]
    public void Safetensors_header_that_is_not_json()
    {
        using var dir = new TempFolder();
        var header = System.Text.Encoding.ASCII.GetBytes("not json at all!");
        File.WriteAllBytes(dir.File("bad.safetensors"), BitConverter.GetBytes((ulong)header.Length).Concat(header).ToArray());
        AssertRefused(dir.File("bad.safetensors"), "the header is not valid JSON");
    }

    [Theory]
    [InlineData("net.pt", 0.5)]
    [InlineData("net.pt", 0.98)]
    [InlineData("net.safetensors", 0.5)]
    [InlineData("net.safetensors", 0.98)]
    public void Truncated_file(string name, double keep)
    {
        using var scope = NewDisposeScope();
        using var dir = new TempFolder();
        string path = dir.File(name);
        SmallNet().SaveCheckpoint(path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes.Take((int)(bytes.Length * keep)).ToArray());
        AssertRefused(path, name.EndsWith(".pt") ? "damaged or truncated" : "truncated");
    }

    [Fact]
    public void Legacy_torch_save_format_made_by_pytorch()
    {
        AssertRefused(Fixture("legacy.pt"), "legacy torch.save format");
    }

    [Fact]
    public void A_whole_pickled_module_made_by_pytorch_is_not_a_state_dict()
    {
        var e = AssertRefused(Fixture("whole_module.pt"), "not a state_dict");
        Assert.Contains("torch.nn.modules.linear.Linear", e.Message);
        Assert.Contains("model.state_dict()", e.Message);
    }

    [Fact]
    public void Missing_file_is_a_file_not_found_error_naming_it()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(Path.GetTempPath(), "no-such-folder-" + Guid.NewGuid().ToString("N"), "w.pt");
        var e = Assert.Throws<FileNotFoundException>(() => SmallNet().LoadCheckpoint(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Tensors_sharing_one_storage_with_offsets_and_strides_as_pytorch_writes_them()
    {
        using var scope = NewDisposeScope();
        using var file = Checkpoint.Read(Fixture("views.pt"));
        // The fixture: base = arange(12).reshape(3, 4); rows_1_2 = base[1:]; transposed = base.t(); count = 5 (int64).
        var expectedBase = arange(12, ScalarType.Float32).reshape(3, 4);
        Assert.Equal(new[] { "base", "rows_1_2", "transposed", "count" }, file.Keys);
        Assert.True(Same(file["base"], expectedBase));
        Assert.True(Same(file["rows_1_2"], expectedBase[1..]));
        Assert.Equal(new long[] { 4, 3 }, file["transposed"].shape);
        Assert.True(Same(file["transposed"], expectedBase.t().contiguous()));
        Assert.True(file["transposed"].is_contiguous());
        Assert.Equal(ScalarType.Int64, file["count"].dtype);
        Assert.Equal(5L, file["count"].item<long>());
    }

    [Fact]
    public void A_training_checkpoint_dict_made_by_pytorch_loads_its_state_dict_entry()
    {
        using var scope = NewDisposeScope();
        // {"epoch": 3, "state_dict": nn.Linear(3, 2).state_dict() with weight = arange(6).reshape(2, 3), bias = [-1, 1], "lr": 0.1}
        var linear = nn.Linear(3, 2);
        var report = linear.LoadCheckpoint(Fixture("training_checkpoint.pt"));
        Assert.True(report.IsComplete);
        Assert.True(Same(linear.weight!, arange(6, ScalarType.Float32).reshape(2, 3)));
        Assert.True(Same(linear.bias!, tensor(new float[] { -1, 1 })));
    }
}
