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

    /// <summary>build(seed) draws what the C# initializer draws: one network per initialisation scheme in the zoo, and this
    /// project's networks with an [Init] plan (<see cref="TransposedInitNet"/>: a defined ConvTranspose2d's tensors by the
    /// scheme's convolution rules), its own [Init] plan (overrides, zero_init_residual) re-applied in C# with the seed, every
    /// tensor equal.</summary>
    [SkippableFact]
    public void BuildWithASeedInitialisesEveryTensorAsTheCSharpInitializer()
    {
        Python.Require();
        const long seed = 7;
        var dir = Directory.CreateTempSubdirectory("pixgen-init-").FullName;
        var cases = new List<object>();
        var schemes = new HashSet<string>();
        var own = PiXGen.Generated.PiXGenNetworks.All.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var info in ZooCatalog.Models.Where(m => m.Parameters < 30_000_000).Concat(PiXGen.Generated.PiXGenNetworks.All)) {
            using var scope = NewDisposeScope();
            using var module = info.Create();
            if (PiXGen.Init.Initializer.PlanOf(module) is not { } plan || !schemes.Add(plan.Scheme) && !own.Contains(info.Name)) continue;
            var seeded = new PiXGen.Init.InitPlan(plan.Scheme) { Seed = seed };
            foreach (var o in plan.Overrides) seeded.Overrides.Add(o);
            foreach (var z in plan.ZeroGamma) seeded.ZeroGamma.Add(z);
            PiXGen.Init.Initializer.Apply(module, seeded);
            PyTorchExporter.Export(module, dir, info.Name);
            module.SaveCheckpoint(Path.Combine(dir, info.Name + ".pt"));
            cases.Add(new { name = info.Name, seed });
        }
        Assert.True(cases.Count >= 6, $"only {cases.Count} networks: schemes in the zoo and this project's");
        File.WriteAllText(Path.Combine(dir, "init.json"), JsonSerializer.Serialize(cases));
        var results = Lines(Python.Run(Path.Combine("python", "contract.py"), $"init \"{dir}\"", dir));
        Assert.Equal(cases.Count, results.Length);
        foreach (var r in results) Assert.True(r.GetProperty("unequal_count").GetInt32() == 0, r.ToString());
        Directory.Delete(dir, true);
    }

    /// <summary>Training-mode stochastic depth of the exported module is torchvision's (the definition the C# layer
    /// follows): the same draws from the same RNG state, in row and batch mode, and the identity in eval.</summary>
    [SkippableFact]
    public void StochasticDepthIsTorchvisionsInTrainingAndTheIdentityInEval()
    {
        Python.Require();
        var dir = Directory.CreateTempSubdirectory("pixgen-layers-").FullName;
        using (var module = ZooCatalog.Find("efficientnet_b0")!.Create()) PyTorchExporter.Export(module, dir, "efficientnet_b0");
        var results = Lines(Python.Run(Path.Combine("python", "contract.py"), $"layers \"{dir}\"", dir));
        Assert.Equal(8, results.Length);
        foreach (var r in results) {
            Assert.True(r.GetProperty("equal").GetBoolean(), r.ToString());
            Assert.True(r.GetProperty("eval_identity").GetBoolean(), r.ToString());
        }
        Directory.Delete(dir, true);
    }
}
