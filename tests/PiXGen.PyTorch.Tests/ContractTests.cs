using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using PiXGen.Checkpoints;
using PiXGen.Export;
using PiXGen.PiX;
using PiXGen.Zoo;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.PyTorch.Tests;

/// <summary>The exported module's PiX against the C# operator in every mode and context, and its checkpoint contract.</summary>
public class ContractTests
{
    private static JsonElement[] Lines(string stdout) =>
        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).ToArray();

    /// <summary>Forward and backward of the Python PiX (autograd.Function) equal the C# PiXLayer's (fused kernel, official
    /// backward) in float64: pick-or-mix (τ in the middle of p's range, so both branches run), avg-only, max-only, the
    /// mean and l1 contexts, with and without φ's bias, ζ dividing C and a short last group.</summary>
    [SkippableFact]
    public void PiXForwardAndBackwardMatchTheCSharpOperator_InEveryModeAndContext()
    {
        Python.Require();
        var dir = Directory.CreateTempSubdirectory("pixgen-pix-").FullName;
        using (var module = ZooCatalog.Find("fmnist_pix_resnet")!.Create()) PyTorchExporter.Export(module, dir, "fmnist_pix_resnet");
        var cases = new List<object>();
        int k = 0;
        foreach (var (c, zeta) in new[] { (12, 4), (10, 3) })
        foreach (var mode in new[] { PiXMode.PickOrMix, PiXMode.AvgOnly, PiXMode.MaxOnly })
        foreach (var context in new[] { PiXContext.Mean, PiXContext.L1 })
        foreach (var bias in new[] { false, true }) {
            using var scope = NewDisposeScope();
            using var layer = new PiXLayer(c, zeta, 0.5, mode, context, bias);
            layer.to(float64);
            var x = randn(new long[] { 3, c, 5, 4 }, dtype: float64).requires_grad_(true);
            var y = layer.forward(x);
            var g = randn_like(y);
            (y * g).sum().backward();
            var data = new Dictionary<string, Tensor> {
                ["x"] = x.detach(), ["g"] = g, ["y"] = y.detach(), ["dx"] = x.grad!, ["weight"] = layer.Weight.detach(), ["dw"] = layer.Weight.grad!,
            };
            if (bias) { data["bias"] = layer.Bias!.detach(); data["db"] = layer.Bias!.grad!; }
            string file = $"pix{k++}.pt";
            Checkpoint.SaveStateDict(data, Path.Combine(dir, file));
            cases.Add(new { file, @in = c, zeta, tau = 0.5, mode = (int)mode, context = (int)context, bias });
        }
        File.WriteAllText(Path.Combine(dir, "pix.json"), JsonSerializer.Serialize(cases));
        var results = Lines(Python.Run(Path.Combine("python", "contract.py"), $"pix \"{dir}\"", dir));
        Assert.Equal(cases.Count, results.Length);
        foreach (var r in results)
            foreach (var p in r.EnumerateObject().Where(p => p.Name != "file"))
                Assert.True(p.Value.GetDouble() <= 1e-10, $"{r}: {p.Name} differs");
        Directory.Delete(dir, true);
    }

    /// <summary>The Python load_state_dict removes DDP's and torch.compile's prefixes, and refuses a checkpoint the
    /// manifest does not describe with one error naming the keys.</summary>
    [SkippableFact]
    public void PythonLoadStripsWrapperPrefixes_AndRefusesWhatTheManifestDoesNotDescribe()
    {
        Python.Require();
        var dir = Directory.CreateTempSubdirectory("pixgen-contract-").FullName;
        using (var module = ZooCatalog.Find("fmnist_resnet")!.Create()) {
            PyTorchExporter.Export(module, dir, "fmnist_resnet");
            var sd = module.state_dict();
            Checkpoint.SaveStateDict(sd.Select(kv => new KeyValuePair<string, Tensor>("module._orig_mod." + kv.Key, kv.Value)), Path.Combine(dir, "wrapped.pt"));
            var bad = sd.Where(kv => kv.Key != "conv1.weight").Select(kv => kv.Key == "fc.bias" ? new KeyValuePair<string, Tensor>(kv.Key, zeros(7)) : kv)
                        .Append(new KeyValuePair<string, Tensor>("head.weight", zeros(2)));
            Checkpoint.SaveStateDict(bad, Path.Combine(dir, "bad.pt"));
        }
        var r = Lines(Python.Run(Path.Combine("python", "contract.py"), $"load \"{dir}\"", dir)).Single();
        Assert.True(r.GetProperty("wrapped_loads").GetBoolean(), r.ToString());
        string refused = r.GetProperty("refused").GetString()!;
        Assert.Contains("missing conv1.weight", refused);
        Assert.Contains("fc.bias: shape [7], manifest [10]", refused);
        Assert.Contains("unexpected head.weight", refused);
        Directory.Delete(dir, true);
    }
}
