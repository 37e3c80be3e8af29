using System;
using System.IO;
using System.Linq;
using PiXGen.Checkpoints;
using PiXGen.Export;
using PiXGen.Graph;
using PiXGen.Zoo;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Tests;

/// <summary>The PyTorch backend's C# side (<see cref="PyTorchExporter"/>): every zoo network exports, the manifest is the
/// module's state_dict, wrapper prefixes load. Running the Python is tests/PiXGen.PyTorch.Tests.</summary>
public class PyTorchExportTests
{
    public static TheoryData<string> ZooNames() => new(ZooCatalog.Models.Select(m => m.Name));

    [SkippableTheory]
    [MemberData(nameof(ZooNames))]
    public void EveryZooNetworkExports_AndItsManifestIsItsStateDict(string name)
    {
        ZooSample.SkipUnlessSampled(name);
        var info = ZooCatalog.Find(name)!;
        using var module = info.Create();
        var dir = Directory.CreateTempSubdirectory("pixgen-pt-").FullName;
        try {
            string py = PyTorchExporter.Export(module, dir, name);
            string text = File.ReadAllText(py);
            Assert.Contains("def build(", text);
            Assert.Contains("class PiXFunction(torch.autograd.Function)", text);
            var manifest = PyTorchExporter.ReadManifest(Path.Combine(dir, PyTorchExporter.FileNames(name).Manifest));
            PyTorchExporter.CheckAgainst(module, manifest);
            Assert.Equal(info.InputShape, manifest.InputShape);
            Assert.Equal(info.OutputShape, manifest.OutputShape);
            // every manifest key is in the Python's STATE_DICT, with its shape
            foreach (var e in manifest.StateDict)
                Assert.Contains($"(\"{e.Key}\", ({string.Join(", ", e.Shape)}{(e.Shape.Length == 1 ? "," : "")}), \"{e.Dtype}\")", text);
        } finally {
            Directory.Delete(dir, true);
        }
    }

    [Theory]
    [InlineData("mnasnet0_5", @"nn\.BatchNorm2d\(16, momentum=0\.000299999")]
    [InlineData("efficientnet_v2_s", @"nn\.BatchNorm2d\(24, eps=0\.001\)")]
    [InlineData("mobilenet_v3_small", @"nn\.BatchNorm2d\(16, eps=0\.001, momentum=0\.01\)")]
    public void BatchNorms_eps_and_momentum_reach_the_exported_module(string name, string pattern)
    {
        // The graph carries eps but not the momentum (training-only): BatchNorm2d's definition reads it from the built module.
        using var module = ZooCatalog.Find(name)!.Create();
        var dir = Directory.CreateTempSubdirectory("pixgen-pt-").FullName;
        try {
            Assert.Matches(pattern, File.ReadAllText(PyTorchExporter.Export(module, dir, name)));
        } finally {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void TheManifestCheckNamesEveryMismatch()
    {
        using var module = new ResNet18();
        var manifest = PyTorchExporter.Render(module, ((IHasGraph)module).Graph, "resnet18").Manifest is var json
            ? System.Text.Json.JsonSerializer.Deserialize<PyTorchExporter.Manifest>(json, PyTorchExporter.JsonOptions)! : null!;
        var broken = manifest with {
            StateDict = manifest.StateDict.Skip(1).Select(e => e.Key == "fc.bias" ? e with { Shape = new long[] { 10 } } : e)
                .Append(new PyTorchExporter.StateEntry("extra.weight", new long[] { 1 }, "float32")).ToList(),
        };
        var ex = Assert.Throws<InvalidDataException>(() => PyTorchExporter.CheckAgainst(module, broken));
        Assert.Contains("fc.bias: shape [1000], manifest [10]", ex.Message);
        Assert.Contains("missing extra.weight", ex.Message);
        Assert.Contains($"unexpected {manifest.StateDict[0].Key}", ex.Message);
    }

    [Theory]
    [InlineData("module.")]
    [InlineData("_orig_mod.")]
    [InlineData("module._orig_mod.")]
    public void ACheckpointOfAWrappedModelLoads(string prefix)
    {
        using var source = new FMnistResNet();
        using var target = new FMnistResNet();
        var path = Path.Combine(Directory.CreateTempSubdirectory("pixgen-prefix-").FullName, "wrapped.safetensors");
        Checkpoint.SaveStateDict(source.state_dict().Select(kv => new System.Collections.Generic.KeyValuePair<string, Tensor>(prefix + kv.Key, kv.Value)), path);
        target.LoadCheckpoint(path);
        foreach (var (key, value) in source.state_dict())
            Assert.True(CheckpointTestSupport.Same(value, target.state_dict()[key]), key);
    }

    [Fact]
    public void APrefixOnlySomeKeysCarryIsNotRemoved_SoTheStrictLoadRefusesIt()
    {
        using var source = new FMnistResNet();
        using var target = new FMnistResNet();
        var path = Path.Combine(Directory.CreateTempSubdirectory("pixgen-prefix-").FullName, "half.safetensors");
        Checkpoint.SaveStateDict(source.state_dict().Select((kv, i) => new System.Collections.Generic.KeyValuePair<string, Tensor>((i == 0 ? "module." : "") + kv.Key, kv.Value)), path);
        var ex = Assert.Throws<CheckpointMismatchException>(() => target.LoadCheckpoint(path));
        Assert.Contains("1 missing, 1 unexpected", ex.Message);
        Assert.Equal(0, WrapperPrefixes.SharedLength(new[] { "module.a", "b" }));
        Assert.Equal("module._orig_mod.".Length, WrapperPrefixes.SharedLength(new[] { "module._orig_mod.a", "module._orig_mod.b" }));
    }

    /// <summary>The generated Python of a small PiX network, against its committed snapshot
    /// (Snapshots/PyTorchExportTests.fmnist_pix_resnet.verified.py; PIXGEN_ACCEPT_SNAPSHOTS=1 accepts a change).</summary>
    [Fact]
    public void TheGeneratedPythonOfFMnistPiXResNetIsItsSnapshot()
    {
        using var module = new FMnistPiXResNet();
        string text = PyTorchExporter.Render(module, FMnistPiXResNet.Graph, "fmnist_pix_resnet").Python;
        string dir = Path.Combine(Path.GetDirectoryName(SourceFile())!, "Snapshots");
        string verified = Path.Combine(dir, "PyTorchExportTests.fmnist_pix_resnet.verified.py");
        string received = Path.ChangeExtension(verified, null).Replace(".verified", ".received") + ".py";
        if (Environment.GetEnvironmentVariable("PIXGEN_ACCEPT_SNAPSHOTS") == "1") {
            Directory.CreateDirectory(dir);
            File.WriteAllText(verified, text);
        }
        string expected = File.Exists(verified) ? File.ReadAllText(verified) : "";
        if (expected == text) { File.Delete(received); return; }
        File.WriteAllText(received, text);
        var a = expected.Split('\n'); var b = text.Split('\n');
        int line = Enumerable.Range(0, Math.Min(a.Length, b.Length)).FirstOrDefault(i => a[i] != b[i], Math.Min(a.Length, b.Length));
        Assert.Fail($"the generated Python differs from {verified} at line {line + 1}:\n- {(line < a.Length ? a[line] : "")}\n+ {(line < b.Length ? b[line] : "")}\n" +
                    $"(written to {received}; set PIXGEN_ACCEPT_SNAPSHOTS=1 to accept)");
    }

    private static string SourceFile([System.Runtime.CompilerServices.CallerFilePath] string path = "") => path;
}
