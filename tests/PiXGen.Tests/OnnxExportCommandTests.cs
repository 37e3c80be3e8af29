using System;
using System.IO;
using Microsoft.ML.OnnxRuntime;
using PiXGen.Graph;
using PiXGen.Zoo;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PiXGen.Tests;

/// <summary>The zoo's <see cref="ExportCommand"/>, called directly.</summary>
public class OnnxExportCommandTests
{
    [Fact]
    public void Unknown_model_is_a_usage_error()
    {
        var (o, e) = (new StringWriter(), new StringWriter());
        Assert.Equal(2, ExportCommand.Run("resnet9000", null, "x.onnx", false, o, e));
        Assert.StartsWith("error: unknown model 'resnet9000'. Known models: ", e.ToString());
    }

    [Fact]
    public void Weights_that_do_not_exist_are_one_error_line_naming_the_file()
    {
        var (o, e) = (new StringWriter(), new StringWriter());
        Assert.Equal(1, ExportCommand.Run("resnet18", "no-such-resnet18.pth", "x.onnx", false, o, e));
        Assert.Equal("error: no-such-resnet18.pth: no such weights file.", e.ToString().TrimEnd());
        Assert.False(File.Exists("x.onnx"));
    }

    [Fact]
    public void An_onnx_file_in_a_missing_folder_is_one_error_line_naming_the_file_once()
    {
        var (o, e) = (new StringWriter(), new StringWriter());
        string folder = Path.Combine(Path.GetTempPath(), $"pixgen-missing-{Guid.NewGuid():N}"), path = Path.Combine(folder, "x.onnx");
        Assert.Equal(1, ExportCommand.Run("resnet18", null, path, false, o, e));
        var line = Assert.Single(e.ToString().TrimEnd().Split('\n'));
        Assert.Equal($"error: {path}: cannot write the ONNX model, the folder {folder} does not exist; create it first.", line);
        Assert.False(Directory.Exists(folder));
    }

    /// <summary>export and predict share one rule for a failed load (WeightsFile): another network's checkpoint is the
    /// same one line, with the counts and first keys of what does not fit, and nothing is written.</summary>
    [Fact]
    public void Another_networks_weights_are_the_one_line_predict_gives()
    {
        var (o, e) = (new StringWriter(), new StringWriter());
        string path = Path.Combine(Path.GetTempPath(), $"pixgen-export-{Guid.NewGuid():N}.onnx");
        Assert.Equal(1, ExportCommand.Run("resnet18", CheckpointTestSupport.Fixture("mobilenet_v2_fp16.pt"), path, false, o, e));
        var line = Assert.Single(e.ToString().TrimEnd().Split('\n'));
        Assert.StartsWith("error: ", line);
        foreach (var part in new[] { "mobilenet_v2_fp16.pt is not a checkpoint of resnet18", "missing from the file", "conv1.weight [64, 3, 7, 7]", "unexpected" })
            Assert.Contains(part, line);
        Assert.False(File.Exists(path));
    }

    /// <summary>PyTorch weights in, ONNX out: torchvision's MobileNetV2 checkpoint (made by PyTorch 1.13) exported fused, and
    /// ONNX Runtime's logits equal TorchSharp's with the same checkpoint loaded.</summary>
    [Fact]
    public void A_pytorch_checkpoint_is_loaded_before_export_and_onnx_runtime_reproduces_it()
    {
        var weights = CheckpointTestSupport.Fixture("mobilenet_v2_fp16.pt");
        string path = Path.Combine(Path.GetTempPath(), $"pixgen-export-{Guid.NewGuid():N}.onnx");
        try
        {
            var (o, e) = (new StringWriter(), new StringWriter());
            Assert.True(ExportCommand.Run("mobilenet_v2", weights, path, true, o, e) == 0, e.ToString());
            using var scope = NewDisposeScope();
            using var reference = new MobileNetV2();
            PiXGen.Checkpoints.Checkpoint.Load(reference, weights);
            reference.eval();
            var x = randn(2, 3, 224, 224, generator: new Generator(5));
            Tensor expected;
            using (no_grad()) expected = reference.call(x);
            var actual = OnnxExportTests.RunOnnx(File.ReadAllBytes(path), x);
            double rel = (actual - expected).norm().item<float>() / expected.norm().item<float>();
            Assert.True(rel <= 1e-4, $"relative L2 {rel}");
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// With the compiler's graph (IHasGraph) the command writes a file ONNX Runtime loads, with the dynamic batch; until
    /// the generator emits it the command must say so in one line and write nothing.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Resnet18_is_exported_or_the_missing_graph_is_reported(bool fuse)
    {
        string path = Path.Combine(Path.GetTempPath(), $"pixgen-export-{Guid.NewGuid():N}.onnx");
        try {
            var (o, e) = (new StringWriter(), new StringWriter());
            int rc = ExportCommand.Run("resnet18", null, path, fuse, o, e);
            using var probe = ZooCatalog.Find("resnet18")!.Create();
            if (probe is IHasGraph) {
                Assert.True(rc == 0, e.ToString());
                Assert.StartsWith($"wrote {path}: resnet18", o.ToString());
                using var session = new InferenceSession(path);
                Assert.Equal(new[] { -1, 3, 224, 224 }, session.InputMetadata["input"].Dimensions);
            } else {
                Assert.Equal(1, rc);
                Assert.Equal("error: model 'resnet18' (ResNet18) has no compiler graph (it does not implement IHasGraph), so it cannot be exported to ONNX.",
                             e.ToString().Trim());
                Assert.False(File.Exists(path));
            }
        } finally {
            File.Delete(path);
        }
    }

    /// <summary>TinyNet as a module that carries its graph, as generated networks will.</summary>
    private sealed class TinyWithGraph : nn.Module<Tensor, Tensor>, IHasGraph
    {
        private readonly Conv2d conv1 = nn.Conv2d(3, 16, 3, padding: 1);
        private readonly BatchNorm2d bn1 = nn.BatchNorm2d(16);
        private readonly Linear fc = nn.Linear(16, 10);

        public TinyWithGraph() : base("TinyNet") => RegisterComponents();

        public NetworkGraph Graph => GraphTestNets.TinyNet().graph;

        public override Tensor forward(Tensor x) =>
            fc.call(nn.functional.adaptive_avg_pool2d(nn.functional.relu(bn1.call(conv1.call(x))), new long[] { 1, 1 }).flatten(1));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Export_of_a_module_with_a_graph_writes_a_model_matching_the_module(bool fuse)
    {
        string path = Path.Combine(Path.GetTempPath(), $"pixgen-export-{Guid.NewGuid():N}.onnx");
        try {
            using var module = new TinyWithGraph();
            GraphTestNets.RandomizeNorms(module, module.Graph);
            var (o, e) = (new StringWriter(), new StringWriter());
            Assert.True(ExportCommand.Export(module, "tinynet", path, fuse, o, e) == 0, e.ToString());
            Assert.StartsWith($"wrote {path}: tinynet{(fuse ? ", fused (1 fusions: 6 → 4 nodes)" : "")}, ONNX opset 17, input Nx3x32x32", o.ToString());
            using var x = GraphTestNets.Input(module.Graph, 3);
            using var expected = module.call(x);
            using var actual = OnnxExportTests.RunOnnx(File.ReadAllBytes(path), x);
            Assert.True(GraphTestNets.RelativeL2(actual, expected) <= 1e-4);
        } finally {
            File.Delete(path);
        }
    }

    [Fact]
    public void Export_of_a_module_without_a_graph_is_one_clear_error()
    {
        using var module = nn.Sequential(("fc", nn.Linear(3, 2)));
        var (o, e) = (new StringWriter(), new StringWriter());
        Assert.Equal(1, ExportCommand.Export(module, "plain", "never.onnx", false, o, e));
        Assert.Equal("error: model 'plain' (Sequential) has no compiler graph (it does not implement IHasGraph), so it cannot be exported to ONNX.", e.ToString().Trim());
    }
}
