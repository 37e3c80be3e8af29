using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;
using Tensor = TorchSharp.torch.Tensor;
using PiXGen.Graph;
using PiXGen.Zoo;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Tests;

/// <summary>ONNX export (<see cref="OnnxExporter"/>), run by ONNX Runtime against the TorchSharp modules.</summary>
public class OnnxExportTests
{
    /// <summary>Runs the ONNX model on <paramref name="x"/> with ONNX Runtime; returns the output as a tensor.</summary>
    internal static Tensor RunOnnx(byte[] model, Tensor x)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using var session = new InferenceSession(model, options);
        var input = new DenseTensor(x.contiguous().data<float>().ToArray(), x.shape.Select(d => (int)d).ToArray());
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor(session.InputMetadata.Keys.Single(), input) });
        var output = results.Single().AsTensor<float>();
        return tensor(output.ToArray(), output.Dimensions.ToArray().Select(d => (long)d).ToArray());
    }

    /// <summary>Exports (optionally fused), then checks ONNX Runtime's logits against the module at batch 1 and 3.</summary>
    internal static void OnnxMatchesModule(nn.Module<Tensor, Tensor> module, NetworkGraph graph, bool fuse, double tolerance = 1e-4)
    {
        using var scope = NewDisposeScope();
        byte[] bytes;
        if (fuse) {
            var fused = GraphFusion.Fuse(graph, module.state_dict());
            bytes = OnnxExporter.ToBytes(fused.Graph, fused.Weights);
        } else {
            bytes = OnnxExporter.ToBytes(graph, module.state_dict());
        }
        foreach (long batch in new long[] { 1, 3 })
            GraphAssert.Matches(module, graph, batch, tolerance, fuse ? "ONNX Runtime (fused)" : "ONNX Runtime", x => RunOnnx(bytes, x), seed: 5 + batch);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TinyNet_exports_and_runs_in_ONNX_Runtime(bool fuse)
    {
        var (module, graph) = GraphTestNets.TinyNet();
        using var _ = module;
        GraphTestNets.RandomizeNorms(module, graph);
        OnnxMatchesModule(module, graph, fuse);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Zoo_ResNet18_exports_and_runs_in_ONNX_Runtime(bool fuse)
    {
        using var module = new ResNet18();
        var graph = GraphTestNets.ResNet18Graph(64, 64);
        GraphTestNets.RandomizeNorms(module, graph);
        OnnxMatchesModule(module, graph, fuse);
    }

    [Fact]
    public void Zoo_PiXResNet50_exports_and_runs_in_ONNX_Runtime()
    {
        using var module = new PiXResNet50();
        var graph = GraphTestNets.PiXResNet50Graph(64, 64);
        GraphTestNets.RandomizeNorms(module, graph);
        OnnxMatchesModule(module, graph, fuse: false);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Every_op_and_the_PiX_epilogue_export_and_run_in_ONNX_Runtime(bool fuse)
    {
        var (module, graph) = GraphTestNets.OpsNet();
        using var _ = module;
        GraphTestNets.RandomizeNorms(module, graph);
        OnnxMatchesModule(module, graph, fuse);
    }

    [Fact]
    public void Model_declares_opset_17_and_a_dynamic_batch_dimension()
    {
        var (module, graph) = GraphTestNets.TinyNet();
        using var _ = module;
        var model = OnnxExporter.ToModel(graph, module.state_dict());
        Assert.Equal(17, model.OpsetImport.Single(o => o.Domain == "").Version);
        var input = model.Graph.Input.Single();
        Assert.Equal("input", input.Name);
        Assert.Equal("N", input.Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal(new long[] { 3, 32, 32 }, input.Type.TensorType.Shape.Dim.Skip(1).Select(d => d.DimValue));
        Assert.Equal("N", model.Graph.Output.Single().Type.TensorType.Shape.Dim[0].DimParam);
        // Every parameter the graph reads is an initializer, under its state_dict name.
        Assert.Subset(model.Graph.Initializer.Select(i => i.Name).ToHashSet(), new HashSet<string> { "conv1.weight", "conv1.bias", "bn1.running_mean", "fc.weight" });
    }

    [Fact]
    public void Export_writes_a_file_that_ONNX_Runtime_loads()
    {
        var (module, graph) = GraphTestNets.TinyNet();
        using var _ = module;
        string path = Path.Combine(Path.GetTempPath(), $"pixgen-onnx-{Guid.NewGuid():N}.onnx");
        try {
            OnnxExporter.Export(graph, module.state_dict(), path);
            using var session = new InferenceSession(path);
            Assert.Equal(new[] { -1, 3, 32, 32 }, session.InputMetadata["input"].Dimensions);
        } finally {
            File.Delete(path);
        }
    }

    [Fact]
    public void Adaptive_pooling_that_does_not_divide_the_input_is_a_clear_error()
    {
        var g = new NetworkGraphBuilder("odd", 3, 10, 10);
        var x = g.Adaptive("AdaptiveAvgPool2d", NetworkGraph.InputName, "pool", 3, 3);
        var graph = g.Build(x);
        var ex = Assert.Throws<NotSupportedException>(() => OnnxExporter.ToModel(graph, new Dictionary<string, Tensor>()));
        Assert.Contains("node 'pool' (AdaptiveAvgPool2d) pools 10x10 to 3x3", ex.Message);
    }
}
