using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using PiXGen.Checkpoints;
using PiXGen.Export;
using PiXGen.Zoo;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PiXGen.PyTorch.Tests;

/// <summary>
/// The exported PyTorch module against the generated TorchSharp module, with the same weights (C# writes a .pt
/// checkpoint, Python loads it through the manifest check): eval outputs of every zoo network and of a network of every
/// defined layer kind (rel ≤ 1e-5), and one SGD
/// step in float64 (loss, gradients, updated parameters and BatchNorm buffers, ≤ 1e-8).
/// </summary>
public class ParityTests
{
    /// <summary>
    /// Networks above this many parameters are left out when <c>PIXGEN_PARITY_MAX_PARAMS</c> is set (.ci/run sets it to
    /// keep the check within its time on a 2-core machine; unset, every zoo network runs).
    /// </summary>
    private static long MaxParameters =>
        long.TryParse(Environment.GetEnvironmentVariable("PIXGEN_PARITY_MAX_PARAMS"), out var v) ? v : long.MaxValue;

    /// <summary><c>PIXGEN_PARITY_ONLY</c>: a comma list of network names to check alone (to investigate one); unset, all.</summary>
    private static HashSet<string>? Only =>
        Environment.GetEnvironmentVariable("PIXGEN_PARITY_ONLY") is { Length: > 0 } only
            ? only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal) : null;

    private static string TempDir() => Directory.CreateTempSubdirectory("pixgen-parity-").FullName;

    /// <summary>BatchNorm's statistics and affine parameters away from 0/1, so eval parity tests them; γ/√var stays below 1 so
    /// that a 150-layer network does not amplify float32 rounding beyond the tolerance (with γ up to 1.5 and var down to
    /// 0.5, PiX-ResNet-152's logits differ from a float64 run by 6e-5 in C# and in PyTorch alike).</summary>
    private static void Perturb(nn.Module module)
    {
        using var noGrad = no_grad();
        foreach (var (_, m) in module.named_modules()) {
            if (m is not BatchNorm2d bn) continue;
            foreach (var (name, b) in bn.named_buffers())
                if (name == "running_mean") b.copy_(randn_like(b) * 0.1);
                else if (name == "running_var") b.copy_(rand_like(b) + 1.0);
            foreach (var (name, p) in bn.named_parameters())
                p.copy_(name == "weight" ? rand_like(p) * 0.5 + 0.5 : randn_like(p) * 0.1);
        }
    }

    private static List<JsonElement> Lines(string stdout) =>
        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).ToList();

    [SkippableFact]
    public void EvalOutputsMatch_ForEveryZooNetwork()
    {
        Python.Require();
        var dir = TempDir();
        var cases = new List<object>();
        var left = new List<string>();
        // The zoo, and this project's network of every defined layer kind (DefinedKindNetworks.cs).
        foreach (var info in ZooCatalog.Models.Concat(PiXGen.Generated.PiXGenNetworks.All)) {
            if (info.Parameters > MaxParameters || Only is { } only && !only.Contains(info.Name)) { left.Add(info.Name); continue; }
            using var scope = NewDisposeScope();
            using var module = info.Create();
            module.eval();
            Perturb(module);
            PyTorchExporter.Export(module, dir, info.Name);
            module.SaveCheckpoint(Path.Combine(dir, info.Name + ".pt"));
            var (h, w) = SmallInput(info);
            var x = randn(1, info.InputShape[0], h, w);
            using var noGrad = no_grad();
            var y = module.forward(x);
            Checkpoint.SaveStateDict(new Dictionary<string, Tensor> { ["input"] = x, ["output"] = y }, Path.Combine(dir, info.Name + ".io.pt"));
            cases.Add(new { name = info.Name });
        }
        File.WriteAllText(Path.Combine(dir, "cases.json"), JsonSerializer.Serialize(cases));
        var results = Lines(Python.Run(Path.Combine("python", "parity.py"), $"eval \"{dir}\"", dir));
        Assert.Equal(cases.Count, results.Count);
        var bad = results.Where(r => !r.GetProperty("keys_ok").GetBoolean() || !(r.GetProperty("rel").GetDouble() <= 1e-5))
                         .Select(r => r.ToString()).ToList();
        Assert.True(bad.Count == 0, "eval parity failed:\n" + string.Join("\n", bad) + (left.Count > 0 ? $"\n(left out by PIXGEN_PARITY_MAX_PARAMS or PIXGEN_PARITY_ONLY: {string.Join(", ", left)})" : ""));
        Directory.Delete(dir, true);
    }

    /// <summary>
    /// The eval parity input's height and width: at most 64 (the network's own where smaller), grown towards its declared
    /// size until its compile-time cost rules accept it (Inception-v3's strided layers need 75).
    /// </summary>
    private static (long H, long W) SmallInput(NetworkInfo info)
    {
        long h = Math.Min(info.InputShape[1], 64), w = Math.Min(info.InputShape[2], 64);
        bool Fits()
        {
            try { info.CostFor?.Invoke(h, w); return true; }
            catch (ArgumentException) { return false; }
        }
        while ((h < info.InputShape[1] || w < info.InputShape[2]) && !Fits())
        {
            h = Math.Min(h + 1, info.InputShape[1]);
            w = Math.Min(w + 1, info.InputShape[2]);
        }
        return (h, w);
    }

    [SkippableTheory]
    [InlineData("resnet50")]
    [InlineData("mobilenet_v2")]
    [InlineData("efficientnet_b0")]
    [InlineData("pix_resnet50")]
    public void OneSgdStepMatches_InFloat64(string name)
    {
        Python.Require();
        const double lr = 0.1;
        var dir = TempDir();
        var info = ZooCatalog.Find(name)!;
        using (var scope = NewDisposeScope()) {
            using var module = info.Create();
            PyTorchExporter.Export(module, dir, name);
            module.to(float64);
            Perturb(module);
            module.SaveCheckpoint(Path.Combine(dir, name + ".pt"));
            module.train();
            foreach (var (_, m) in module.named_modules())
                if (m is Dropout or PiXGen.Layers.StochasticDepth) m.eval();
            var x = randn(new long[] { 2, info.InputShape[0], 64, 64 }, dtype: float64);
            var target = tensor(new long[] { 3, 7 });
            var loss = nn.functional.cross_entropy(module.forward(x), target);
            loss.backward();
            var io = new Dictionary<string, Tensor> { ["input"] = x, ["target"] = target, ["loss"] = loss.detach().reshape(1) };
            using (no_grad()) {
                foreach (var (key, p) in module.named_parameters()) {
                    io["grad." + key] = p.grad!.clone();
                    p.sub_(p.grad! * lr);
                }
                foreach (var (key, t) in module.state_dict()) io["after." + key] = t.clone();
            }
            Checkpoint.SaveStateDict(io, Path.Combine(dir, name + ".io.pt"));
        }
        File.WriteAllText(Path.Combine(dir, "cases.json"), JsonSerializer.Serialize(new[] { new { name, lr } }));
        var r = Lines(Python.Run(Path.Combine("python", "parity.py"), $"train \"{dir}\"", dir)).Single();
        Assert.True(r.GetProperty("keys_ok").GetBoolean(), r.ToString());
        Assert.True(r.GetProperty("loss_rel").GetDouble() <= 1e-8, r.ToString());
        Assert.True(r.GetProperty("grad_rel").GetDouble() <= 1e-8, r.ToString());
        Assert.True(r.GetProperty("param_rel").GetDouble() <= 1e-8, r.ToString());
        Directory.Delete(dir, true);
    }
}
