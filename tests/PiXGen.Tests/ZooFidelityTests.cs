using System;
using System.Collections.Generic;
using System.Linq;

using PiXGen.Tests.Reference;
using PiXGen.Zoo;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Tests;

/// <summary>Generated zoo models against PyTorch/torchvision ground truth.</summary>
public class ZooFidelityTests
{
    public static IEnumerable<object[]> ReferenceModels() =>
        new[] { ("resnet18", "resnet18"), ("resnet50", "resnet50"), ("vgg16", "vgg16"), ("mobilenet_v2", "mobilenet_v2"), ("pix_resnet50", "pix_resnet50_cs") }
            .Select(n => new object[] { n.Item1, n.Item2 });

    private static nn.Module<Tensor, Tensor> Create(string name)
        => ZooCatalog.Models.Single(n => n.Name == name).Create();

    [Theory]
    [MemberData(nameof(ReferenceModels))]
    public void State_dict_keys_and_shapes_equal_pytorch(string name, string referenceName)
    {
        var reference = PyTorchReference.Load().Models[referenceName];
        using var model = Create(name);
        var actual = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        var expected = reference.StateDict.ToDictionary(e => e.Key, e => e.Shape);
        Assert.Empty(expected.Keys.Except(actual.Keys));
        Assert.Empty(actual.Keys.Except(expected.Keys));
        foreach (var (key, shape) in expected)
            Assert.True(shape.SequenceEqual(actual[key]), $"{key}: expected [{string.Join(",", shape)}], got [{string.Join(",", actual[key])}]");
    }

    [Theory]
    [MemberData(nameof(ReferenceModels))]
    public void Parameter_counts_equal_pytorch_at_compile_time_and_run_time(string name, string referenceName)
    {
        var reference = PyTorchReference.Load().Models[referenceName];
        var info = ZooCatalog.Models.Single(n => n.Name == name);
        using var model = info.Create();
        long runtime = model.parameters().Sum(p => p.numel());
        Assert.Equal(reference.Parameters, runtime);
        Assert.Equal(reference.Parameters, info.Parameters);
    }

    [Theory]
    [MemberData(nameof(ReferenceModels))]
    public void Logits_match_pytorch_under_the_deterministic_initialisation(string name, string referenceName)
    {
        var reference = PyTorchReference.Load().Models[referenceName];
        using var scope = torch.NewDisposeScope();
        using var model = Create(name);
        PyTorchReference.Initialise(model);
        model.eval();
        using var _ = torch.no_grad();
        var output = model.forward(PyTorchReference.Input());
        Assert.Equal(reference.OutputShape, output.shape);
        var error = PyTorchReference.RelativeL2(output.data<float>().ToArray(), reference.Logits);
        double tolerance = name.StartsWith("vgg", StringComparison.Ordinal) ? 1e-3 : 1e-5;
        Assert.True(error <= tolerance, $"{name}: relative L2 error {error:E2} > {tolerance:E0}");
    }
}
