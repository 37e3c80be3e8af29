using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using PiXGen;
using PiXGen.Checkpoints;
using PiXGen.Export;
using static TorchSharp.torch;

namespace PiXGen.PyTorch.Tests;

/// <summary>One PiX layer (ζ = 2 over two channels), for <see cref="PiXDecisionTests"/>.</summary>
[Network(Input = "2x2x2", Name = "pix_near_tau")]
public partial class PiXNearTauNet
{
    [PiX(Zeta = 2)] readonly PiXGen.PiX.PiXLayer pix;
}

/// <summary>
/// The exported PyTorch module decides pick or mix as the C# PiXLayer does (docs/pix-operator.md, "Where p is close to
/// τ"): on the logit in float64, not on float32's p &lt; τ. Found by the zoo-wide eval parity: vgg16_downscale2 differed
/// by 3.6 % because two of its last PiX layer's 256 logits lay within float32 rounding of logit(τ).
/// </summary>
public class PiXDecisionTests
{
    [SkippableFact]
    public void The_exported_module_picks_where_the_CSharp_layer_picks_near_tau()
    {
        Python.Require();
        var info = PiXGen.Generated.PiXGenNetworks.All.Single(i => i.Name == "pix_near_tau");
        var dir = Directory.CreateTempSubdirectory("pixgen-decision-").FullName;
        using var scope = NewDisposeScope();
        using var module = info.Create();
        module.eval();
        using (no_grad()) module.named_parameters().Single(p => p.name == "pix.weight").parameter.copy_(tensor(new[] { 1f, -1f }).view(1, 2, 1, 1));
        // ℓ = mean(x0) − mean(x1) = −2⁻²⁶ exactly in float64; a float32 mean rounds it to 0 or −2⁻²⁵, and float32's
        // sigmoid of either is exactly 0.5, which float32's p < τ would mix. In float64 ℓ < logit(0.5) = 0: pick.
        var x = tensor(new[] { 0.25f, -0.5f, 1.0f, 0.75f, 0.75f, 1.0f, -0.5f, 0.25f + MathF.Pow(2, -24) }).view(1, 2, 2, 2);
        Tensor y;
        using (no_grad()) y = module.forward(x);
        var pixels = y.flatten().data<float>().ToArray();
        var max = new[] { 0.75f, 1.0f, 1.0f, 0.75f + MathF.Pow(2, -24) };
        for (int k = 0; k < 4; k++) Assert.Equal(0.5 * max[k], pixels[k], 6); // picked: p (just below 0.5) times the maximum
        PyTorchExporter.Export(module, dir, info.Name);
        module.SaveCheckpoint(Path.Combine(dir, info.Name + ".pt"));
        Checkpoint.SaveStateDict(new Dictionary<string, Tensor> { ["input"] = x, ["output"] = y }, Path.Combine(dir, info.Name + ".io.pt"));
        File.WriteAllText(Path.Combine(dir, "cases.json"), JsonSerializer.Serialize(new[] { new { name = info.Name } }));
        var result = Python.Run(Path.Combine("python", "parity.py"), $"eval \"{dir}\"", dir).Split('\n').Single(l => l.StartsWith('{'));
        var r = JsonDocument.Parse(result).RootElement;
        Assert.True(r.GetProperty("keys_ok").GetBoolean(), result);
        Assert.True(r.GetProperty("rel").GetDouble() <= 1e-6, result);
        Directory.Delete(dir, true);
    }
}
