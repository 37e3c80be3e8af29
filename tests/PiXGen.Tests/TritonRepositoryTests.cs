using System;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using PiXGen.Export;
using PiXGen.Graph;
using PiXGen.Zoo;
using TorchSharp;
using static TorchSharp.torch;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;

namespace PiXGen.Tests;

/// <summary>The Triton model repository (<see cref="TritonRepository"/>, <c>export --onnx --triton</c>).</summary>
public class TritonRepositoryTests
{
    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = ZooCli.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Fact]
    public void ExportWritesTheRepository_AndItsConfigIsTheGoldenOne()
    {
        var dir = Directory.CreateTempSubdirectory("pixgen-triton-").FullName;
        try {
            string onnx = Path.Combine(dir, "m.onnx"), repo = Path.Combine(dir, "repo");
            var (code, stdout, stderr) = Cli("export", "fmnist_pix_resnet", "--onnx", onnx, "--triton", repo);
            Assert.True(code == 0, stderr);
            Assert.Contains("dynamic batching", stdout);
            string golden = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "triton", "fmnist_pix_resnet.config.pbtxt"));
            Assert.Equal(golden, File.ReadAllText(Path.Combine(repo, "fmnist_pix_resnet", "config.pbtxt")));
            Assert.Equal(File.ReadAllBytes(onnx), File.ReadAllBytes(Path.Combine(repo, "fmnist_pix_resnet", "1", "model.onnx")));
            Assert.Empty(Directory.GetFiles(repo, "*.tmp-*", SearchOption.AllDirectories));
        } finally {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void TritonNeedsOnnx_AndBadNamesAreRefused()
    {
        var (code, _, stderr) = Cli("export", "resnet18", "--triton", "repo");
        Assert.Equal(2, code);
        Assert.Contains("--triton writes a repository around the ONNX file, so it needs --onnx", stderr);
        var graph = ResNet18.Graph;
        var ex = Assert.Throws<ArgumentException>(() => TritonRepository.Config(graph, "../escape"));
        Assert.Contains("'../escape' cannot name a Triton model folder", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => TritonRepository.Config(graph, "resnet18", maxBatchSize: 0));
    }

    /// <summary>What Triton's dynamic batcher relies on: a sample's output does not depend on what it is batched with.</summary>
    [Theory]
    [InlineData("fmnist_pix_resnet")]
    [InlineData("mobilenet_v2")]
    public void OutputsAtBatch1_3And8_EqualThePerSampleOutputs(string name)
    {
        var info = ZooCatalog.Find(name)!;
        using var module = info.Create();
        var graph = ((IHasGraph)module).Graph;
        GraphTestNets.RandomizeNorms(module, graph);
        module.eval();
        byte[] bytes;
        using (var scope = NewDisposeScope()) bytes = OnnxExporter.ToBytes(graph, module.state_dict());
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using var session = new InferenceSession(bytes, options);
        long sample = info.InputShape.Aggregate(1L, (a, b) => a * b);
        var generator = new Random(11);
        float[] Run(float[] data, int batch)
        {
            var dims = new[] { batch }.Concat(info.InputShape.Select(d => (int)d)).ToArray();
            using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor(NetworkGraph.InputName, new DenseTensor(data, dims)) });
            return results.Single().AsTensor<float>().ToArray();
        }
        var all = Enumerable.Range(0, (int)(8 * sample)).Select(_ => (float)(generator.NextDouble() * 2 - 1)).ToArray();
        var single = Enumerable.Range(0, 8).Select(i => Run(all.Skip((int)(i * sample)).Take((int)sample).ToArray(), 1)).ToArray();
        int outputs = single[0].Length;
        foreach (int batch in new[] { 1, 3, 8 }) {
            var y = Run(all.Take((int)(batch * sample)).ToArray(), batch);
            Assert.Equal(batch * outputs, y.Length);
            for (int i = 0; i < batch; i++) {
                double num = 0, den = 0;
                for (int j = 0; j < outputs; j++) {
                    double d = y[i * outputs + j] - single[i][j];
                    num += d * d;
                    den += (double)single[i][j] * single[i][j];
                }
                Assert.True(Math.Sqrt(num / Math.Max(den, 1e-30)) <= 1e-5, $"{name}: sample {i} at batch {batch} differs from its batch-1 output (rel {Math.Sqrt(num / den):E2})");
            }
        }
    }
}
