using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using PiXGen.Checkpoints;
using PiXGen.PiX;
using PiXGen.Zoo;
using TorchSharp;
using static PiXGen.Tests.CheckpointTestSupport;
using static TorchSharp.torch;

namespace PiXGen.Tests;

/// <summary>
/// Dense → PiX fine-tuning loads: a dense ResNet-50 checkpoint (saved in the test from the zoo's <see cref="ResNet50"/>)
/// into the PiX networks built from the same declaration, with exactly the expected keys skipped; and the official
/// PiX-ResNet-50 layout round-tripping strictly.
/// </summary>
public class CheckpointFineTuningTests
{
    /// <summary>torchvision ResNet-50's bottleneck names: layerS.B for stages of 3, 4, 6, 3 blocks.</summary>
    private static IEnumerable<string> Bottlenecks() =>
        new[] { 3, 4, 6, 3 }.SelectMany((count, stage) => Enumerable.Range(0, count).Select(b => $"layer{stage + 1}.{b}"));

    [Fact]
    public void Dense_resnet50_into_the_substituted_pix_network_skips_exactly_the_replaced_batchnorms()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempFolder();
        string path = dir.File("resnet50.safetensors");
        using var dense = new ResNet50();
        dense.SaveCheckpoint(path);
        using var pix = new ResNet50SubstitutedPiX();

        var report = pix.LoadForFineTuning(path);

        // PiX replaces each bottleneck's conv1 + bn1 + ReLU; φ keeps conv1's name and shape (Co, C, 1, 1), so only the
        // 16 bn1 layers' 5 entries each are left over in the dense file.
        var bn1 = Bottlenecks().SelectMany(b => new[] { "weight", "bias", "running_mean", "running_var", "num_batches_tracked" }
            .Select(p => $"{b}.bn1.{p}")).OrderBy(k => k).ToList();
        Assert.Equal(80, bn1.Count);
        Assert.Equal(bn1, report.Unexpected.Select(s => s.Key).OrderBy(k => k));
        Assert.Empty(report.Missing);
        Assert.Empty(report.Mismatched);
        Assert.Equal(pix.state_dict().Keys.OrderBy(k => k), report.Loaded.OrderBy(k => k));
        var denseState = dense.state_dict();
        foreach (var (key, value) in pix.state_dict()) Assert.True(Same(value, denseState[key]), key);
        // φ of layer2.0 (256 → 128 channels, ζ = 2) took the dense conv1's weight.
        var phi = pix.named_modules().Single(m => m.name == "layer2.0.conv1").module;
        Assert.IsType<PiXLayer>(phi);
        Assert.Equal(new long[] { 128, 256, 1, 1 }, ((PiXLayer)phi).Weight.shape);
    }

    [Fact]
    public void Dense_resnet50_into_the_pruned_pix_network_skips_the_narrowed_convs_and_the_new_pix_layers()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempFolder();
        string path = dir.File("resnet50.pt");
        using var dense = new ResNet50();
        dense.SaveCheckpoint(path);
        using var pruned = new ResNet50Pruned();
        var before = Snapshot(pruned);

        var report = pruned.LoadForFineTuning(path);

        // What to expect, from the pruned network's PiX layers: each "<conv>_pix" (ζ) is new (missing from the file),
        // and "<conv>" behind it takes C/ζ input channels (shape mismatch with the dense (Co, C, k, k)).
        var pixLayers = pruned.named_modules().Where(m => m.module is PiXLayer).Select(m => (m.name, (PiXLayer)m.module)).ToList();
        Assert.NotEmpty(pixLayers);
        var denseShapes = dense.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        var expectedMissing = pixLayers.Select(p => p.name + ".weight").OrderBy(k => k).ToList();
        var expectedMismatch = pixLayers.Select(p =>
        {
            Assert.EndsWith("_pix", p.name);
            string conv = p.name[..^"_pix".Length] + ".weight";
            var file = denseShapes[conv];
            var narrowed = (long[])file.Clone();
            narrowed[1] = file[1] / p.Item2.Zeta;
            return (conv, narrowed, file);
        }).OrderBy(m => m.conv).ToList();

        Assert.Equal(expectedMissing, report.Missing.Select(s => s.Key).OrderBy(k => k));
        var mismatched = report.Mismatched.OrderBy(s => s.Key).ToList();
        Assert.Equal(expectedMismatch.Select(m => m.conv), mismatched.Select(s => s.Key));
        foreach (var (m, s) in expectedMismatch.Zip(mismatched))
        {
            Assert.Equal(SkipReason.ShapeMismatch, s.Reason);
            Assert.Equal(m.narrowed, s.ModuleShape);
            Assert.Equal(m.file, s.FileShape);
        }
        Assert.Empty(report.Unexpected);
        Assert.Equal(report.Skipped.Count, expectedMissing.Count + expectedMismatch.Count);

        var skipped = report.Skipped.Select(s => s.Key).ToHashSet();
        var denseState = dense.state_dict();
        foreach (var (key, value) in pruned.state_dict())
        {
            var expected = skipped.Contains(key) ? before[key] : denseState[key];
            Assert.True(Same(value, expected), skipped.Contains(key) ? $"{key} must keep its value" : $"{key} must be loaded");
        }
        Assert.Contains("layer", report.Describe());
    }

    [Fact]
    public void Dense_resnet50_into_the_official_pix_layout_fits_nowhere_and_changes_nothing()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempFolder();
        string path = dir.File("resnet50.pt");
        using (var dense = new ResNet50()) dense.SaveCheckpoint(path);
        using var official = new PiXResNet50();
        var before = Snapshot(official);

        var e = Assert.Throws<CheckpointMismatchException>(() => official.LoadForFineTuning(path));

        AssertUnchanged(before, official);
        Assert.Contains("no tensor of the checkpoint fits", e.Message);
        Assert.Contains("conv_stem.weight [64, 3, 7, 7]", e.Message);
    }

    [Theory]
    [InlineData("pix_resnet50.pt")]
    [InlineData("pix_resnet50.safetensors")]
    public void Official_pix_resnet50_layout_round_trips_strictly(string name)
    {
        using var scope = NewDisposeScope();
        using var dir = new TempFolder();
        string path = dir.File(name);
        using var source = new PiXResNet50();
        source.SaveCheckpoint(path);

        using (var file = Checkpoint.Read(path))
        {
            Assert.Equal(source.state_dict().Keys, file.Keys);
            var official = new Regex(@"^((conv_stem|bn_stem|classifier)\.|layer[1-4]\.blocks\.\d+\.(conv_sqz|conv_ce|bn_ce|conv_exp|bn_exp|conv_proj|bn_proj)\.)");
            Assert.All(file.Keys, k => Assert.Matches(official, k));
            // φ is stored with the shape of the squeeze convolution it replaces: (ceil(C / ζ), C, 1, 1).
            var phis = source.named_modules().Where(m => m.module is PiXLayer).ToList();
            Assert.Equal(16, phis.Count);
            foreach (var (phiName, module) in phis)
            {
                var phi = (PiXLayer)module;
                Assert.Equal(new[] { phi.OutChannels, phi.InChannels, 1, 1 }, file[phiName + ".weight"].shape);
            }
        }

        using var target = new PiXResNet50();
        var report = target.LoadCheckpoint(path);

        Assert.True(report.IsComplete);
        foreach (var (key, value) in source.state_dict()) Assert.True(Same(target.state_dict()[key], value), key);
    }
}
