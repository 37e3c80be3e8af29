using System;
using System.Collections.Generic;
using System.Linq;

using PiXGen.Tests.Reference;
using PiXGen.Zoo;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PiXGen.Tests;

/// <summary>
/// Generated zoo models against PyTorch/torchvision ground truth (Reference/pytorch-reference.json, made by
/// tools/reference/make_reference.py): state_dict keys and shapes, parameter and MAC counts, and logits under the
/// deterministic initialisation.
/// </summary>
public class ZooFidelityTests(ITestOutputHelper log)
{
    /// <summary>Zoo name → name in the reference file, for every zoo network the reference file describes.</summary>
    private static readonly (string Zoo, string Reference)[] Pairs =
    {
        ("resnet18", "resnet18"), ("resnet34", "resnet34"), ("resnet50", "resnet50"), ("resnet101", "resnet101"),
        ("resnet152", "resnet152"), ("resnext50_32x4d", "resnext50_32x4d"), ("wide_resnet50_2", "wide_resnet50_2"),
        ("vgg11", "vgg11"), ("vgg11_bn", "vgg11_bn"), ("vgg13", "vgg13"), ("vgg13_bn", "vgg13_bn"),
        ("vgg16", "vgg16"), ("vgg16_bn", "vgg16_bn"), ("vgg19", "vgg19"), ("vgg19_bn", "vgg19_bn"),
        ("mobilenet_v2", "mobilenet_v2"), ("pix_resnet50", "pix_resnet50_cs"),
        ("regnet_y_400mf", "regnet_y_400mf"), ("shufflenet_v2_x1_0", "shufflenet_v2_x1_0"),
        ("squeezenet1_1", "squeezenet1_1"), ("densenet121", "densenet121"), ("googlenet", "googlenet"), ("inception_v3", "inception_v3"),
        ("densenet161", "densenet161"), ("densenet169", "densenet169"), ("densenet201", "densenet201"),
        ("efficientnet_b0", "efficientnet_b0"), ("mobilenet_v3_large", "mobilenet_v3_large"),
        ("resnext101_32x8d", "resnext101_32x8d"), ("resnext101_64x4d", "resnext101_64x4d"), ("wide_resnet101_2", "wide_resnet101_2"),
        ("squeezenet1_0", "squeezenet1_0"), ("alexnet", "alexnet"), ("shufflenet_v2_x0_5", "shufflenet_v2_x0_5"),
        ("shufflenet_v2_x1_5", "shufflenet_v2_x1_5"), ("shufflenet_v2_x2_0", "shufflenet_v2_x2_0"),
        ("mnasnet0_5", "mnasnet0_5"), ("mnasnet0_75", "mnasnet0_75"), ("mnasnet1_0", "mnasnet1_0"),
        ("mnasnet1_3", "mnasnet1_3"), ("mobilenet_v3_small", "mobilenet_v3_small"),
        ("efficientnet_b1", "efficientnet_b1"), ("efficientnet_b2", "efficientnet_b2"),
        ("efficientnet_b3", "efficientnet_b3"), ("efficientnet_b4", "efficientnet_b4"),
        ("efficientnet_b5", "efficientnet_b5"), ("efficientnet_b6", "efficientnet_b6"),
        ("efficientnet_b7", "efficientnet_b7"), ("regnet_x_400mf", "regnet_x_400mf"),
        ("regnet_x_800mf", "regnet_x_800mf"), ("regnet_x_1_6gf", "regnet_x_1_6gf"),
        ("regnet_x_3_2gf", "regnet_x_3_2gf"), ("regnet_x_8gf", "regnet_x_8gf"), ("regnet_x_16gf", "regnet_x_16gf"),
        ("regnet_x_32gf", "regnet_x_32gf"), ("regnet_y_800mf", "regnet_y_800mf"),
        ("regnet_y_1_6gf", "regnet_y_1_6gf"), ("regnet_y_3_2gf", "regnet_y_3_2gf"), ("regnet_y_8gf", "regnet_y_8gf"),
        ("regnet_y_16gf", "regnet_y_16gf"), ("regnet_y_32gf", "regnet_y_32gf"),
        ("efficientnet_v2_s", "efficientnet_v2_s"), ("efficientnet_v2_m", "efficientnet_v2_m"),
        ("efficientnet_v2_l", "efficientnet_v2_l"), ("regnet_y_128gf", "regnet_y_128gf"),
        ("convnext_tiny", "convnext_tiny"), ("convnext_small", "convnext_small"), ("convnext_base", "convnext_base"),
        ("convnext_large", "convnext_large"),
    };

    /// <summary>
    /// The most expensive networks CI runs (5–20 GMACs each, 39–144 M parameters): their logits are checked in two
    /// halves by two tests in two classes (<see cref="Logits_of_the_largest_networks_match_pytorch"/> and
    /// <see cref="ZooFidelityLargeTests"/>, so the halves run side by side), marked Category=Slow so that a quick run
    /// can leave them out (--filter "Category!=Slow"); their keys, shapes and counts are checked with the others.
    /// </summary>
    internal static readonly string[] LargestFirst = { "resnet152", "vgg19_bn", "wide_resnet50_2", "efficientnet_b6" };

    /// <summary>The second half of the largest networks (see <see cref="LargestFirst"/>).</summary>
    internal static readonly string[] LargestSecond = { "regnet_x_8gf", "regnet_y_8gf", "efficientnet_b7", "convnext_small" };

    // After its halves: static fields initialise in the order they are written.
    private static readonly string[] Largest = LargestFirst.Concat(LargestSecond).ToArray();

    /// <summary>
    /// Networks of 5–128 GMACs and 54–645 M parameters whose logits take minutes on CI's two cores: checked by
    /// <see cref="Logits_of_the_networks_too_large_for_ci_match_pytorch"/> when PIXGEN_HEAVY_TESTS=1 (the command and
    /// its last result are in tools/reference/README.md); their keys, shapes and counts are checked in every run.
    /// </summary>
    internal static readonly string[] OutsideCi =
    {
        "resnext101_32x8d", "resnext101_64x4d", "wide_resnet101_2", "regnet_x_16gf", "regnet_x_32gf", "regnet_y_16gf", "regnet_y_32gf",
        "efficientnet_v2_m", "efficientnet_v2_l", "regnet_y_128gf",
        "convnext_base", "convnext_large",
    };

    /// <summary>Set to 1 to run the logits of <see cref="OutsideCi"/>, or to a comma-separated list of some of them.</summary>
    public const string HeavyVariable = "PIXGEN_HEAVY_TESTS";

    /// <summary>Networks whose MAC counts ZooCostTests already compares with the reference.</summary>
    private static readonly string[] CostTested = { "resnet18", "resnet50", "vgg16", "mobilenet_v2", "pix_resnet50" };

    internal static string ReferenceOf(string zoo) => Pairs.Single(p => p.Zoo == zoo).Reference;

    public static IEnumerable<object[]> ReferenceModels() => Pairs.Select(p => new object[] { p.Zoo, p.Reference });

    public static IEnumerable<object[]> LogitModels() => ReferenceModels().Where(p => !Largest.Contains((string)p[0]) && !OutsideCi.Contains((string)p[0]));

    public static IEnumerable<object[]> MacModels() => ReferenceModels().Where(p => !CostTested.Contains((string)p[0]));

    private static nn.Module<Tensor, Tensor> Create(string name)
        => ZooCatalog.Models.Single(n => n.Name == name).Create();

    [Fact]
    public void Every_zoo_network_named_like_a_reference_network_is_checked()
    {
        var zoo = ZooCatalog.Models.Select(m => m.Name).ToHashSet();
        var missing = PyTorchReference.Load().Models.Keys.Where(zoo.Contains).Except(Pairs.Select(p => p.Reference));
        Assert.Empty(missing);
    }

    [SkippableTheory]
    [MemberData(nameof(ReferenceModels))]
    public void State_dict_keys_and_shapes_equal_pytorch(string name, string referenceName)
    {
        ZooSample.SkipUnlessSampled(name);
        var reference = PyTorchReference.Load().Models[referenceName];
        using var model = Create(name);
        var actual = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        var expected = reference.StateDict.ToDictionary(e => e.Key, e => e.Shape);
        Assert.Empty(expected.Keys.Except(actual.Keys));
        Assert.Empty(actual.Keys.Except(expected.Keys));
        foreach (var (key, shape) in expected)
            Assert.True(shape.SequenceEqual(actual[key]), $"{key}: expected [{string.Join(",", shape)}], got [{string.Join(",", actual[key])}]");
    }

    [SkippableTheory]
    [MemberData(nameof(ReferenceModels))]
    public void Parameter_counts_equal_pytorch_at_compile_time_and_run_time(string name, string referenceName)
    {
        ZooSample.SkipUnlessSampled(name);
        var reference = PyTorchReference.Load().Models[referenceName];
        var info = ZooCatalog.Models.Single(n => n.Name == name);
        using var model = info.Create();
        long runtime = model.parameters().Sum(p => p.numel());
        Assert.Equal(reference.Parameters, runtime);
        Assert.Equal(reference.Parameters, info.Parameters);
    }

    [Theory]
    [MemberData(nameof(MacModels))]
    public void Compile_time_macs_equal_pytorch(string name, string referenceName)
    {
        var reference = PyTorchReference.Load().Models[referenceName];
        Assert.Equal(reference.MacsConvLinear, ZooCatalog.Models.Single(n => n.Name == name).Macs);
    }

    [SkippableTheory]
    [MemberData(nameof(LogitModels))]
    public void Logits_match_pytorch_under_the_deterministic_initialisation(string name, string referenceName)
    {
        ZooSample.SkipUnlessSampled(name);
        AssertLogitsMatch(name, referenceName);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void Logits_of_the_largest_networks_match_pytorch()
    {
        foreach (var name in LargestFirst)
            AssertLogitsMatch(name, Pairs.Single(p => p.Zoo == name).Reference);
    }

    public static IEnumerable<object[]> OutsideCiModels() => OutsideCi.Select(n => new object[] { n });

    /// <summary>One case per network, so that one can be run alone (<c>--filter "DisplayName~convnext_large"</c>).</summary>
    [SkippableTheory]
    [Trait("Category", "Slow")]
    [MemberData(nameof(OutsideCiModels))]
    public void Logits_of_the_networks_too_large_for_ci_match_pytorch(string name)
    {
        // 1: all of them; a comma-separated list of their names: those only.
        var setting = Environment.GetEnvironmentVariable(HeavyVariable) ?? "";
        Skip.If(setting is "" or "0",
            $"set {HeavyVariable}=1 to run the logits of {string.Join(", ", OutsideCi)} (minutes on two cores), or to some of these names");
        var names = setting == "1" ? OutsideCi : setting.Split(',').Select(n => n.Trim()).ToArray();
        Assert.All(names, n => Assert.Contains(n, OutsideCi));
        Skip.IfNot(names.Contains(name), $"{name} is not among {HeavyVariable}={setting}");
        AssertLogitsMatch(name, Pairs.Single(p => p.Zoo == name).Reference);
    }

    /// <summary>
    /// Logits under the deterministic initialisation against PyTorch's, twice:
    /// <list type="bullet">
    /// <item>float64 (the same float32 weights and input widened, as the reference did) against
    /// <see cref="PyTorchReference.Model.ReferenceFloat64"/>: relative L2 error at most 1e-8, limited only by the 9
    /// significant digits stored (measured 1e-10 to 2e-9). Rounding cannot hide an architecture difference here.</item>
    /// <item>float32 against PyTorch's float32 logits: at most 1e-5, or 2e-4 for VGG (activations grow large). Under this
    /// initialisation some networks' logits are badly conditioned (their last layers cancel large terms), so float32
    /// rounding alone can reach that bound, and two correct implementations that round differently could not be told
    /// from a wrong one. The float32 bound is therefore asserted when both PyTorch's float32 logits (against its
    /// float64 ones) and TorchSharp's (against its own float64 ones) are within half the bound; otherwise the float64
    /// check stands alone and the test output says so. With the committed file that leaves out resnet101,
    /// resnet152, vgg13, vgg16_bn, vgg19 and vgg19_bn (tools/reference/README.md has the numbers).</item>
    /// </list>
    /// </summary>
    internal void AssertLogitsMatch(string name, string referenceName)
    {
        var reference = PyTorchReference.Load().Models[referenceName];
        double tolerance = name.StartsWith("vgg", StringComparison.Ordinal) ? 2e-4 : 1e-5;
        const double tolerance64 = 1e-8;

        using var scope = torch.NewDisposeScope();
        using var model = Create(name);
        PyTorchReference.Initialise(model);
        model.eval();
        using var _ = torch.no_grad();
        var output = model.forward(PyTorchReference.Input(reference));
        Assert.Equal(reference.OutputShape, output.shape);
        var logits = output.data<float>().ToArray();
        model.to(ScalarType.Float64);
        var logits64 = model.forward(PyTorchReference.Input(reference).to(ScalarType.Float64)).data<double>().ToArray();

        double error = PyTorchReference.RelativeL2(logits, reference.Logits);
        double error64 = PyTorchReference.RelativeL2(logits64, reference.ReferenceFloat64);
        double pytorchRounding = PyTorchReference.RelativeL2(reference.Logits, reference.ReferenceFloat64);
        double torchSharpRounding = PyTorchReference.RelativeL2(logits, logits64);
        bool float32Decides = pytorchRounding <= tolerance / 2 && torchSharpRounding <= tolerance / 2;
        string report = $"{name}: float64 relative L2 error {error64:E2}; float32 {error:E2} (bound {tolerance:E0}, " +
            $"{(float32Decides ? "asserted" : "not asserted")}); float32 rounding: PyTorch {pytorchRounding:E2}, " +
            $"TorchSharp {torchSharpRounding:E2}";
        log.WriteLine(report);
        Assert.True(error64 <= tolerance64, $"{report}: float64 error above {tolerance64:E0}");
        if (float32Decides)
            Assert.True(error <= tolerance, $"{report}: float32 error above {tolerance:E0}");
    }
}
