using System;
using System.IO;
using System.Linq;
using PiXGen.Checkpoints;
using PiXGen.Costs;
using PiXGen.Graph;
using PiXGen.Zoo;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Tests;

/// <summary>Issue 27's rough edges: each message a user met is driven here.</summary>
public class RoughEdgeTests
{
    [Fact]
    public void Fuse_refuses_a_model_in_training_mode_and_works_after_eval()
    {
        using var model = new FMnistResNet();
        Assert.True(model.training);                      // a new TorchSharp module trains
        var e = Assert.Throws<InvalidOperationException>(() => model.Fuse());
        Assert.Contains("FMnistResNet.Fuse(): the model is in training mode", e.Message);
        Assert.Contains("snapshot", e.Message);
        Assert.Contains("model.eval()", e.Message);
        model.eval();
        using var fused = model.Fuse();
        Assert.NotEmpty(fused.Steps);
    }

    [Fact]
    public void A_float64_input_to_a_float32_network_names_both_dtypes()
    {
        using var model = new FMnistResNet();
        model.eval();
        using var x = randn(2, 1, 28, 28, dtype: float64);
        var e = Assert.Throws<ArgumentException>(() => model.call(x));
        Assert.StartsWith("FMnistResNet's weights are Float32 but the input is Float64; convert the input with input.to(ScalarType.Float32)", e.Message);
        Assert.DoesNotContain("expected scalar type", e.Message);
        // The network moved to float64 takes float64 input.
        model.to(float64);
        using var y = model.call(x);
        Assert.Equal(ScalarType.Float64, y.dtype);
    }

    [Fact]
    public void ExportOnnx_into_a_missing_folder_names_the_folder()
    {
        using var model = new FMnistResNet();
        model.eval();
        string folder = Path.Combine(Path.GetTempPath(), "pixgen-missing-" + Guid.NewGuid().ToString("N"));
        string path = Path.Combine(folder, "model.onnx");
        var e = Assert.Throws<DirectoryNotFoundException>(() => model.ExportOnnx(path));
        Assert.Equal($"{path}: cannot write the ONNX model, the folder {folder} does not exist; create it first.", e.Message);
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public void ExportOnnx_and_Fuse_on_a_hand_written_module_point_to_NetworkGraphBuilder_at_compile_time()
    {
        const string source = """
            using PiXGen.Graph;
            public sealed class MyNet : nn.Module<Tensor, Tensor>
            {
                private readonly Linear fc = nn.Linear(4, 2);
                public MyNet() : base(nameof(MyNet)) => RegisterComponents();
                public override Tensor forward(Tensor x) => fc.call(x);
            }
            public static class Use
            {
                public static void Run(MyNet m) { m.ExportOnnx("my.onnx"); using var f = m.Fuse(); }
                // A generated network still binds to the IHasGraph overloads.
                public static void Generated(FMnistResNet m) { m.ExportOnnx("g.onnx", fuse: true); using var f = m.Fuse(); }
            }
            """;
        var errors = SnippetCompiler.Errors(new[] { ("MyNet.cs", source) });
        Assert.Equal(new[] { "CS0619", "CS0619" }, errors.Select(d => d.Id));
        Assert.All(errors, d => Assert.Contains("describe it with NetworkGraphBuilder and call OnnxExporter.Export(graph, model.state_dict(), path)", d.GetMessage()));
        Assert.All(errors, d => Assert.Equal(9, d.Location.GetLineSpan().StartLinePosition.Line));
    }

    [Fact]
    public void The_extension_message_lists_every_torch_save_extension()
    {
        using var model = new FMnistResNet();
        using var dir = new TempFolder();
        var e = Assert.Throws<CheckpointFormatException>(() => model.SaveCheckpoint(dir.File("model.weights")));
        Assert.Contains("use .pt, .pth, .bin or .ckpt (torch.save) or .safetensors", e.Message);
        // and .bin / .ckpt do work
        model.SaveCheckpoint(dir.File("model.bin"));
        model.SaveCheckpoint(dir.File("model.ckpt"));
        model.LoadCheckpoint(dir.File("model.ckpt"));
    }

    [Fact]
    public void A_small_networks_summary_prints_its_MACs_in_M()
    {
        using var model = new FMnistResNet();
        var summary = model.Summary(1, 1, 28, 28);
        var line = summary.TotalLines().Single(l => l.StartsWith("MACs", StringComparison.Ordinal));
        Assert.DoesNotContain("G)", line);
        Assert.Matches(@"\(\d+\.\d\d M\)$", line);
        Assert.EndsWith($"({(summary.Macs / 1e6).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)} M)", line);
    }

    [Fact]
    public void LoadForFineTuning_refuses_a_checkpoint_of_another_network_and_says_how_many_fitted()
    {
        using var dir = new TempFolder();
        string path = dir.File("fmnist.safetensors");
        using (var other = new FMnistResNet()) other.SaveCheckpoint(path);
        using var resnet = new ResNet18(numClasses: 10);  // fc.bias, a few BatchNorms and the batch counters fit
        int inFile, fit;
        using (var file = Checkpoint.Read(path)) {
            var target = resnet.state_dict();
            inFile = file.Count;
            fit = file.Count(kv => target.TryGetValue(kv.Key, out var t) && t.shape.SequenceEqual(kv.Value.shape));
        }
        Assert.InRange(fit, 1, inFile / 2);
        var before = resnet.state_dict()["conv1.weight"].clone();
        var e = Assert.Throws<CheckpointMismatchException>(() => resnet.LoadForFineTuning(path));
        Assert.Contains($"only {fit} of the checkpoint's {inFile} tensors fit (key and shape), and a fine-tuning load needs more than half of them to fit for ResNet18", e.Message);
        Assert.Contains("nothing was copied, the module is unchanged. It looks like a checkpoint of another network.", e.Message);
        Assert.True(before.eq(resnet.state_dict()["conv1.weight"]).all().item<bool>());
    }

    [Fact]
    public void A_strict_load_of_the_dense_checkpoint_into_the_pix_twin_suggests_LoadForFineTuning()
    {
        using var dir = new TempFolder();
        string path = dir.File("dense.pt");
        using (var dense = new FMnistResNet()) dense.SaveCheckpoint(path);
        using var pix = new FMnistPiXResNet();
        var e = Assert.Throws<CheckpointMismatchException>(() => pix.LoadCheckpoint(path));
        Assert.Contains("load it with LoadForFineTuning", e.Message);
        var report = pix.LoadForFineTuning(path);          // and that works
        Assert.NotEmpty(report.Loaded);
        // An unrelated strict failure does not suggest it.
        using var other = new ResNet18(numClasses: 10);
        var e2 = Assert.Throws<CheckpointMismatchException>(() => other.LoadCheckpoint(path));
        Assert.DoesNotContain("LoadForFineTuning", e2.Message);
    }
}
