using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using PiXGen.Checkpoints;
using PiXGen.Export;
using PiXGen.Graph;
using PiXGen.Zoo;
using TorchSharp;
using static TorchSharp.torch;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;

namespace PiXGen.PyTorch.Tests;

/// <summary>
/// tools/scale-out/train_ddp.py under torchrun on the CPU (gloo): two processes at batch B for k SGD steps give the
/// parameters of one process at batch 2B (BatchNorm frozen; trained in float64, since in float32 the two summation
/// orders flipped a ReLU or max-pool choice within three steps for some random initialisations, up to rel 6e-4), and the checkpoint rank 0 wrote loads in C# (strict),
/// reproduces Python's logits through `predict --weights` and through ONNX Runtime after `export --weights --onnx`.
/// </summary>
[Collection(nameof(DdpTests))]
public class DdpTests
{
    private const string Model = "fmnist_resnet";

    private static string FashionMnist => Path.Combine(AppContext.BaseDirectory, "fashion-mnist");

    private static void Train(string dir, string outDir, int processes, int batch, int steps)
    {
        var exe = Python.Require();
        string script = Path.Combine(AppContext.BaseDirectory, "scale-out", "train_ddp.py");
        // torchrun is `python -m torch.distributed.run`. "--redirects 1 --tee 1": Debian's torch 1.13 under Python 3.11
        // cannot parse torchrun's default "0" for these (Std.NONE is skipped when Python 3.11 iterates the IntFlag).
        string launcher = processes > 1 ? $"-m torch.distributed.run --standalone --nproc_per_node={processes} --redirects 1 --tee 1 " : "";
        var psi = new ProcessStartInfo(exe,
            $"{launcher}\"{script}\" --model-dir \"{dir}\" --model {Model} --data \"{FashionMnist}\" --limit 256 --batch {batch} --steps {steps} " +
            $"--lr 0.1 --momentum 0.9 --freeze-bn --no-dropout --float64 --backend gloo --weights \"{Path.Combine(dir, "init.safetensors")}\" " +
            $"--out \"{outDir}\" --predict \"{Path.Combine(dir, "probe.pt")}\"") {
            WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        psi.Environment["OMP_NUM_THREADS"] = "1";
        var (code, stdout, stderr) = Python.Exec(psi, 600);
        Assert.True(code == 0, $"train_ddp.py ({processes} process(es)) exited with {code}:\n{stderr}\n{stdout}");
        Assert.Contains($"\"world_size\": {processes}", stdout);
    }

    [SkippableFact]
    public void TwoRanksAtBatchB_EqualOneProcessAtBatch2B_AndTheCheckpointServesInCSharpAndOnnx()
    {
        Python.Require();
        var dir = Directory.CreateTempSubdirectory("pixgen-ddp-").FullName;
        var info = ZooCatalog.Find(Model)!;
        using (var module = info.Create()) {
            PyTorchExporter.Export(module, dir, Model);
            module.SaveCheckpoint(Path.Combine(dir, "init.safetensors"));
        }
        var probe = randn(4, 1, 28, 28);
        Checkpoint.SaveStateDict(new Dictionary<string, Tensor> { ["input"] = probe }, Path.Combine(dir, "probe.pt"));

        const int steps = 3;
        Train(dir, Path.Combine(dir, "two"), processes: 2, batch: 8, steps);
        Train(dir, Path.Combine(dir, "one"), processes: 1, batch: 16, steps);

        string two = Path.Combine(dir, "two", Model, "final.safetensors"), one = Path.Combine(dir, "one", Model, "final.safetensors");
        using (var a = Checkpoint.Read(two))
        using (var b = Checkpoint.Read(one))
        using (var init = Checkpoint.Read(Path.Combine(dir, "init.safetensors"))) {
            Assert.Equal(b.Keys.OrderBy(k => k), a.Keys.OrderBy(k => k));
            bool moved = false;
            foreach (var (key, t) in b) {
                if (!is_floating_point(t)) continue;
                double norm = t.to(float64).norm().item<double>();
                double diff = (a[key].to(float64) - t.to(float64)).norm().item<double>();
                Assert.True(diff <= 1e-5 * Math.Max(norm, 1e-12), $"{key}: two ranks at batch 8 vs one at batch 16 differ by rel {diff / norm:E2}");
                moved |= !init[key].to(float64).allclose(t.to(float64));
            }
            Assert.True(moved, "the training changed no parameter, so the comparison proves nothing");
        }

        // rank 0's checkpoint in C#: strict load, the same logits as Python's, and through ONNX Runtime
        var python = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "two", Model, "predict.json"))).RootElement
            .GetProperty("logits").EnumerateArray().SelectMany(r => r.EnumerateArray().Select(v => v.GetSingle())).ToArray();
        string npy = Path.Combine(dir, "probe.npy");
        Npy.Save(npy, probe);
        var o = new StringWriter(); var e = new StringWriter();
        Assert.True(ZooCli.Run(new[] { "predict", Model, "--weights", two, "--input", npy, "--json" }, o, e) == 0, e.ToString());
        var csharp = JsonDocument.Parse(o.ToString().Trim().Split('\n')[^1]).RootElement.GetProperty("logits").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        AssertClose(python, csharp, "predict --weights with rank 0's checkpoint");

        string onnx = Path.Combine(dir, "trained.onnx");
        o = new StringWriter(); e = new StringWriter();
        Assert.True(ZooCli.Run(new[] { "export", Model, "--weights", two, "--onnx", onnx }, o, e) == 0, e.ToString());
        using var session = new InferenceSession(onnx);
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor(NetworkGraph.InputName, new DenseTensor(probe.data<float>().ToArray(), new[] { 4, 1, 28, 28 })) });
        AssertClose(python, results.Single().AsTensor<float>().ToArray(), "ONNX Runtime with the exported checkpoint");
        Directory.Delete(dir, true);
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double num = 0, den = 0;
        for (int i = 0; i < expected.Length; i++) { double d = actual[i] - expected[i]; num += d * d; den += (double)expected[i] * expected[i]; }
        Assert.True(Math.Sqrt(num / den) <= 1e-5, $"{what}: rel {Math.Sqrt(num / den):E2} from Python's logits");
    }
}

/// <summary>The two-process test runs alone, after the others (two ranks on a 2-core machine).</summary>
[CollectionDefinition(nameof(DdpTests), DisableParallelization = true)]
public sealed class DdpTestsCollection { }
