using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using PiXGen.Init;
using PiXGen.Layers;
using PiXGen.PiX;
using PiXGen.Zoo;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PiXGen.Tests;

/// <summary>
/// Issue 16: <see cref="Initializer"/> starts networks where torchvision and the official PiX code start them.
/// Per state_dict tensor, mean, standard deviation and kurtosis are compared with a real PyTorch's
/// (Fixtures/init/init-statistics.json, tools/init/make_init_stats.py) within sampling error.
/// </summary>
public class InitTests
{
    private const long Seed = 16;

    private static nn.Module<Tensor, Tensor> Zoo(string name)
        => (ZooCatalog.Find(name) ?? throw new InvalidOperationException($"zoo network {name} not found")).Create();

    /// <summary>
    /// Every difference between <paramref name="model"/>'s state_dict and PyTorch's statistics beyond sampling
    /// error (5 standard errors of our n samples and PyTorch's pooled seeds · n): constants exactly, random tensors
    /// by mean, standard deviation and, from 1000 elements on, kurtosis (uniform 1.8 against normal 3).
    /// </summary>
    internal static List<string> CompareWithPyTorch(nn.Module model, IReadOnlyList<InitFixtures.TensorStatistics> reference, int seeds)
    {
        var failures = new List<string>();
        var ours = model.state_dict();
        var expectedKeys = reference.Select(t => t.Key).ToHashSet();
        failures.AddRange(expectedKeys.Except(ours.Keys).Select(k => $"{k}: missing"));
        failures.AddRange(ours.Keys.Except(expectedKeys).Select(k => $"{k}: not in PyTorch's state_dict"));
        foreach (var t in reference) {
            if (!ours.TryGetValue(t.Key, out var tensor)) continue;
            if (!tensor.shape.SequenceEqual(t.Shape)) {
                failures.Add($"{t.Key}: shape [{string.Join(",", tensor.shape)}], PyTorch [{string.Join(",", t.Shape)}]");
                continue;
            }
            if (t.Dist == "constant") {
                using var values = tensor.to(ScalarType.Float64);
                double min = values.min().item<double>(), max = values.max().item<double>();
                if (min != t.Value || max != t.Value) failures.Add($"{t.Key}: expected constant {t.Value}, got [{min}, {max}]");
                continue;
            }
            long n = tensor.numel();
            double sigma = t.ExpectedStd, both = 1.0 / n + 1.0 / (seeds * (double)n);
            var (mean, std, kurtosis) = InitFixtures.Moments(tensor);
            if (Math.Abs(mean - t.Mean) > 5 * sigma * Math.Sqrt(both))
                failures.Add($"{t.Key}: mean {mean:E3}, PyTorch {t.Mean:E3} (σ {sigma:E3}, n {n})");
            if (Math.Abs(std - t.Std) > 5 * sigma * Math.Sqrt(both / 2))
                failures.Add($"{t.Key}: std {std:E4}, PyTorch {t.Std:E4} (analytic {sigma:E4}, n {n})");
            if (n >= 1000 && Math.Abs(kurtosis - t.Kurtosis) > 5 * Math.Sqrt(24.0 / n))
                failures.Add($"{t.Key}: kurtosis {kurtosis:F3}, PyTorch {t.Kurtosis:F3} ({t.Dist}, n {n})");
        }
        return failures;
    }

    private static void AssertMatchesPyTorch(nn.Module model, string fixtureName)
    {
        var stats = InitFixtures.InitStatistics;
        var reference = stats.Models[fixtureName];
        Initializer.Apply(model, new InitPlan(reference.Scheme) { Seed = Seed });
        var failures = CompareWithPyTorch(model, reference.Tensors, stats.Seeds);
        Assert.True(failures.Count == 0,
            $"{fixtureName} under {reference.Scheme}: {failures.Count} of {reference.Tensors.Count} tensors differ from PyTorch:\n"
            + string.Join("\n", failures.Take(20)));
    }

    [Theory]
    [InlineData("resnet50", "resnet50")]
    [InlineData("mobilenet_v2", "mobilenet_v2")]
    [InlineData("pix_resnet50", "pix_resnet50")]
    public void Zoo_network_initialises_like_pytorch_per_tensor(string zooName, string fixtureName)
    {
        using var model = Zoo(zooName);
        AssertMatchesPyTorch(model, fixtureName);
    }

    /// <summary>The generated constructors apply the declared scheme ([Init] in the zoo): no explicit call needed.</summary>
    [Theory]
    [InlineData("resnet50", "resnet50")]
    [InlineData("mobilenet_v2", "mobilenet_v2")]
    [InlineData("pix_resnet50", "pix_resnet50")]
    public void Zoo_constructor_starts_where_pytorch_starts(string zooName, string fixtureName)
    {
        var stats = InitFixtures.InitStatistics;
        using var model = Zoo(zooName);
        var failures = CompareWithPyTorch(model, stats.Models[fixtureName].Tensors, stats.Seeds);
        Assert.True(failures.Count == 0, $"new {zooName}(): {failures.Count} tensors differ from PyTorch:\n" + string.Join("\n", failures.Take(20)));
    }

    [Fact]
    public void The_scheme_constants_are_exactly_the_shared_word_list_the_generator_checks()
    {
        // InitSchemes.All is src/PiXGen.Definitions/Words.cs's list, which the generator's [Init] check reads too.
        var constants = typeof(InitSchemes).GetFields().Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToArray();
        Assert.Equal(constants.OrderBy(s => s, StringComparer.Ordinal), InitSchemes.All.OrderBy(s => s, StringComparer.Ordinal));
    }

    [Fact]
    public void EfficientNet_b0_layers_initialise_like_torchvision_per_tensor()
    {
        // torchvision's efficientnet_b0 module tree (names, layer kinds, shapes) built from TorchSharp layers and
        // PiXGen's SqueezeExcitation, until the zoo has the network.
        using var model = EfficientNetB0Layers.Create();
        AssertMatchesPyTorch(model, "efficientnet_b0");
    }

    [Fact]
    public void Zoo_efficientnet_b0_initialises_like_torchvision_per_tensor()
    {
        using var model = Zoo("efficientnet_b0");
        AssertMatchesPyTorch(model, "efficientnet_b0");
    }

    public static IEnumerable<object[]> LayerSampleNetworks()
        => new[] { "vgg11_bn", "densenet121", "regnet_x_400mf", "googlenet", "mobilenet_v3_small", "resnet18" }.Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(LayerSampleNetworks))]
    public void Layers_initialise_like_the_torchvision_network_of_their_scheme(string network)
    {
        // single layers (conv, grouped conv, SE conv with bias, BatchNorm, Linear) of further torchvision networks,
        // built on their own: every torchvision scheme against PyTorch
        var stats = InitFixtures.InitStatistics;
        var samples = stats.LayerSamples[network];
        Assert.NotEmpty(samples.Layers);
        var failures = new List<string>();
        foreach (var layer in samples.Layers) {
            using nn.Module module = layer.Kind switch {
                "Conv2d" => nn.Conv2d(layer.In, layer.Out, layer.Kernel, groups: layer.Groups, bias: layer.Bias),
                "Linear" => nn.Linear(layer.In, layer.Out, hasBias: layer.Bias),
                "BatchNorm2d" => nn.BatchNorm2d(layer.Features),
                _ => throw new InvalidOperationException($"{network}.{layer.Path}: unknown layer kind {layer.Kind}"),
            };
            Initializer.Apply(module, samples.Scheme, Seed);
            failures.AddRange(CompareWithPyTorch(module, layer.Tensors, stats.Seeds).Select(f => $"{layer.Path}.{f}"));
        }
        Assert.True(failures.Count == 0, $"{network} under {samples.Scheme}:\n" + string.Join("\n", failures));
    }

    [Fact]
    public void TorchSharp_defaults_do_not_pass_for_the_torchvision_resnet_statistics()
    {
        // The comparison can fail: PyTorch's per-layer defaults are not torchvision's ResNet initialisation.
        var stats = InitFixtures.InitStatistics;
        using var model = Zoo("resnet50");
        Initializer.Apply(model, InitSchemes.TorchSharpDefault, Seed);
        var failures = CompareWithPyTorch(model, stats.Models["resnet50"].Tensors, stats.Seeds);
        Assert.Contains(failures, f => f.StartsWith("layer1.0.conv1.weight: std", StringComparison.Ordinal));
    }

    [Fact]
    public void Same_seed_gives_identical_tensors_and_another_seed_different_ones()
    {
        using var a = Zoo("mobilenet_v2");
        using var b = Zoo("mobilenet_v2");
        using var c = Zoo("mobilenet_v2");
        Initializer.Apply(a, InitSchemes.TorchvisionMobileNet, 5);
        Initializer.Apply(b, InitSchemes.TorchvisionMobileNet, 5);
        Initializer.Apply(c, InitSchemes.TorchvisionMobileNet, 6);
        var sa = a.state_dict(); var sb = b.state_dict(); var sc = c.state_dict();
        var random = InitFixtures.InitStatistics.Models["mobilenet_v2"].Tensors.Where(t => t.Dist != "constant").Select(t => t.Key).ToList();
        Assert.NotEmpty(random);
        foreach (var (key, tensor) in sa) {
            Assert.True(InitFixtures.Identical(tensor, sb[key]), $"{key}: differs between two initialisations with seed 5");
            if (random.Contains(key)) Assert.False(InitFixtures.Identical(tensor, sc[key]), $"{key}: equal under seeds 5 and 6");
        }
    }

    [Fact]
    public void Zero_init_residual_zeroes_gamma_of_the_named_batchnorms_only()
    {
        using var model = Zoo("resnet50");
        var last = model.named_modules().Select(m => m.name).Where(n => Regex.IsMatch(n, @"^layer\d\.\d+\.bn3$")).ToList();
        Assert.Equal(16, last.Count); // 3 + 4 + 6 + 3 bottlenecks
        var plan = new InitPlan(InitSchemes.TorchvisionResNet) { Seed = Seed };
        foreach (var path in last) plan.ZeroGamma.Add(path);
        Initializer.Apply(model, plan);
        var sd = model.state_dict();
        foreach (var path in last) {
            Assert.Equal(0.0, sd[path + ".weight"].abs().max().item<float>());
            Assert.Equal(0.0, sd[path + ".bias"].abs().max().item<float>());
        }
        Assert.Equal(1.0, sd["layer1.0.bn2.weight"].min().item<float>());
        Assert.Equal(1.0, sd["layer1.0.downsample.1.weight"].min().item<float>());
    }

    [Fact]
    public void Overrides_apply_to_the_layers_they_match_and_the_last_match_wins()
    {
        using var model = Zoo("resnet50");
        var plan = new InitPlan(InitSchemes.TorchvisionResNet) {
            Seed = Seed,
            Overrides = {
                { "fc", InitSchemes.TorchvisionMobileNet },          // N(0, 0.01), bias 0
                { "layer1", InitSchemes.Xavier },                     // a whole stage
                { "layer1.0.conv2", InitSchemes.TorchSharpDefault },  // later and more specific: wins
                { "layer*.0.downsample", InitSchemes.Xavier },        // a glob
            },
        };
        Initializer.Apply(model, plan);
        var sd = model.state_dict();
        AssertStd(sd["fc.weight"], 0.01);
        Assert.Equal(0.0, sd["fc.bias"].abs().max().item<float>());
        AssertStd(sd["layer1.0.conv1.weight"], Math.Sqrt(2.0 / (64 + 64)));              // xavier, 64→64 1×1
        AssertStd(sd["layer1.0.conv2.weight"], 1 / Math.Sqrt(3 * 64 * 9.0));             // default, U(±1/√fan_in)
        AssertStd(sd["layer2.1.conv1.weight"], Math.Sqrt(2.0 / 128));                    // the scheme: Kaiming fan-out
        AssertStd(sd["layer3.0.downsample.0.weight"], Math.Sqrt(2.0 / (512 + 1024)));    // glob → xavier
        AssertStd(sd["layer3.0.conv1.weight"], Math.Sqrt(2.0 / 256));
    }

    [Fact]
    public void Bad_plans_fail_with_one_clear_message()
    {
        var unknown = Assert.Throws<ArgumentException>(() => new InitPlan("kaiming"));
        Assert.Contains("'kaiming'", unknown.Message);
        Assert.Contains(InitSchemes.TorchvisionResNet, unknown.Message);

        using var model = Zoo("resnet18");
        var noMatch = Assert.Throws<ArgumentException>(() =>
            Initializer.Apply(model, new InitPlan(InitSchemes.TorchvisionResNet) { Overrides = { { "fcc", InitSchemes.Xavier } } }));
        Assert.Contains("'fcc' matches no layer", noMatch.Message);

        var badScheme = Assert.Throws<ArgumentException>(() =>
            Initializer.Apply(model, new InitPlan(InitSchemes.TorchvisionResNet) { Overrides = { { "fc", "xavier-normal" } } }));
        Assert.Contains("override 'fc'", badScheme.Message);
        Assert.Contains("'xavier-normal'", badScheme.Message);

        var plan = new InitPlan(InitSchemes.TorchvisionResNet);
        plan.ZeroGamma.Add("layer1.0.conv2");
        var notNorm = Assert.Throws<ArgumentException>(() => Initializer.Apply(model, plan));
        Assert.Contains("'layer1.0.conv2', a Conv2d", notNorm.Message);

        var missing = new InitPlan(InitSchemes.TorchvisionResNet);
        missing.ZeroGamma.Add("layer1.0.bn3");
        var notThere = Assert.Throws<ArgumentException>(() => Initializer.Apply(model, missing));
        Assert.Contains("'layer1.0.bn3', which is not a layer", notThere.Message);
    }

    // ---- every scheme on every layer kind -----------------------------------------------------------------------

    /// <summary>The expected distribution of one parameter: a constant or a random one with this standard deviation.</summary>
    private readonly record struct Expect(double? Constant, double Std)
    {
        public static Expect Is(double value) => new(value, 0);
        public static Expect Sd(double std) => new(null, std);
    }

    // Conv2d(32 → 64, 3×3, bias): fan_in 288, fan_out 576. Linear(256 → 100): fan_in 256, fan_out 100.
    // Default U(±1/√fan_in) has σ = 1/√(3·fan_in). Rows: conv weight, conv bias, linear weight, linear bias; read off
    // torchvision 0.14's model constructors and the official PiX code.
    public static IEnumerable<object[]> SchemeTable() => new (string, double?[])[] {
        // null std entry means "zero"; NaN means "the default"
        (InitSchemes.TorchvisionResNet, new double?[] { Math.Sqrt(2.0 / 576), double.NaN, double.NaN, double.NaN }),
        (InitSchemes.TorchvisionMobileNet, new double?[] { Math.Sqrt(2.0 / 576), null, 0.01, null }),
        (InitSchemes.TorchvisionEfficientNet, new double?[] { Math.Sqrt(2.0 / 576), null, 1 / Math.Sqrt(3 * 100.0), null }),
        (InitSchemes.TorchvisionVgg, new double?[] { Math.Sqrt(2.0 / 576), null, 0.01, null }),
        (InitSchemes.TorchvisionDenseNet, new double?[] { Math.Sqrt(2.0 / 288), double.NaN, double.NaN, null }),
        (InitSchemes.TorchvisionRegNet, new double?[] { Math.Sqrt(2.0 / 576), double.NaN, 0.01, null }),
        (InitSchemes.TorchvisionGoogLeNet, new double?[] { 0.01, double.NaN, 0.01, double.NaN }),
        (InitSchemes.TorchvisionInception, new double?[] { 0.1, double.NaN, 0.1, double.NaN }),
        (InitSchemes.Xavier, new double?[] { Math.Sqrt(2.0 / (288 + 576)), null, double.NaN, double.NaN }),
        (InitSchemes.TorchSharpDefault, new double?[] { double.NaN, double.NaN, double.NaN, double.NaN }),
    }.Select(r => new object[] { r.Item1, r.Item2 });

    [Theory]
    [MemberData(nameof(SchemeTable))]
    public void Each_scheme_initialises_each_layer_kind_as_documented(string scheme, double?[] table)
    {
        double Default(double fanIn) => 1 / Math.Sqrt(3 * fanIn);
        Expect Row(double? entry, double fanIn) => entry is null ? Expect.Is(0) : double.IsNaN(entry.Value) ? Expect.Sd(Default(fanIn)) : Expect.Sd(entry.Value);
        var convWeight = Row(table[0], 288);
        var expected = new Dictionary<string, Expect> {
            ["conv.weight"] = convWeight,
            ["conv.bias"] = Row(table[1], 288),
            ["linear.weight"] = Row(table[2], 256),
            ["linear.bias"] = Row(table[3], 256),
            // ConvTranspose2d(64 → 32, 3×3): weight (64, 32, 3, 3), so PyTorch's fans are swapped: fan_in 288, fan_out 576
            ["deconv.weight"] = convWeight,
            ["deconv.bias"] = Row(table[1], 288),
            // PiX φ (256 → 64): like the 1×1 Conv2d it replaces, fan_in 256, fan_out 64
            ["pix.weight"] = Row(table[0] switch {
                null => null,
                double v when double.IsNaN(v) => v,
                _ when scheme == InitSchemes.Xavier => Math.Sqrt(2.0 / (256 + 64)),
                _ when scheme == InitSchemes.TorchvisionDenseNet => Math.Sqrt(2.0 / 256),
                _ when scheme == InitSchemes.TorchvisionGoogLeNet => 0.01,
                _ when scheme == InitSchemes.TorchvisionInception => 0.1,
                _ => Math.Sqrt(2.0 / 64),
            }, 256),
            ["pix.bias"] = Row(table[1], 256),
            ["se.fc1.weight"] = Row(scheme == InitSchemes.TorchSharpDefault || scheme == InitSchemes.Xavier ? table[0]
                : scheme == InitSchemes.TorchvisionGoogLeNet ? 0.01
                : scheme == InitSchemes.TorchvisionInception ? 0.1
                : scheme == InitSchemes.TorchvisionDenseNet ? Math.Sqrt(2.0 / 512) : Math.Sqrt(2.0 / 128), 512),
            ["bn.weight"] = Expect.Is(1), ["bn.bias"] = Expect.Is(0),
            ["bn.running_mean"] = Expect.Is(0), ["bn.running_var"] = Expect.Is(1), ["bn.num_batches_tracked"] = Expect.Is(0),
            ["gn.weight"] = Expect.Is(1), ["gn.bias"] = Expect.Is(0),
            ["ln.weight"] = Expect.Is(1), ["ln.bias"] = Expect.Is(0),
            ["inorm.weight"] = Expect.Is(1), ["inorm.bias"] = Expect.Is(0),
        };
        if (scheme == InitSchemes.Xavier) expected["se.fc1.weight"] = Expect.Sd(Math.Sqrt(2.0 / (512 + 128)));

        using var model = nn.Sequential(
            ("conv", nn.Conv2d(32, 64, 3)),
            ("deconv", nn.ConvTranspose2d(64, 32, 3)),
            ("linear", nn.Linear(256, 100)),
            ("pix", new PiXLayer(256, 4, bias: true)),
            ("se", new SqueezeExcitation(512, 128)),
            ("bn", nn.BatchNorm2d(64)),
            ("gn", nn.GroupNorm(4, 64)),
            ("ln", nn.LayerNorm(64)),
            ("inorm", nn.InstanceNorm2d(64, affine: true)));
        using (torch.no_grad()) {
            // disturb what a scheme must reset
            foreach (var (_, t) in model.state_dict()) t.fill_(3);
        }
        Initializer.Apply(model, scheme, Seed);
        var sd = model.state_dict();
        foreach (var (key, expect) in expected) {
            var t = sd[key];
            if (expect.Constant is double c) {
                using var d = t.to(ScalarType.Float64);
                Assert.True(d.min().item<double>() == c && d.max().item<double>() == c, $"{scheme} {key}: expected constant {c}");
            } else {
                AssertStd(t, expect.Std, $"{scheme} {key}");
            }
        }
    }

    /// <summary>Mean 0 and standard deviation <paramref name="sigma"/> within 5 standard errors of the sample size.</summary>
    private static void AssertStd(Tensor t, double sigma, string? what = null)
    {
        long n = t.numel();
        var (mean, std, _) = InitFixtures.Moments(t);
        Assert.True(Math.Abs(mean) <= 5 * sigma / Math.Sqrt(n), $"{what}: mean {mean:E3} for σ {sigma:E3}, n {n}");
        Assert.True(Math.Abs(std - sigma) <= 5 * sigma / Math.Sqrt(2.0 * n), $"{what}: std {std:E4}, expected {sigma:E4}, n {n}");
    }
}

/// <summary>
/// torchvision's <c>efficientnet_b0</c> module tree — the same state_dict names, layer kinds and shapes — made of
/// TorchSharp layers and PiXGen's <see cref="SqueezeExcitation"/>, for the initialisation statistics only (no
/// forward pass).
/// </summary>
internal static class EfficientNetB0Layers
{
    // (expand ratio, kernel, stride, input channels, output channels, layers) per stage, as torchvision's B0
    private static readonly (int Expand, int Kernel, int Stride, int In, int Out, int Layers)[] Stages = {
        (1, 3, 1, 32, 16, 1), (6, 3, 2, 16, 24, 2), (6, 5, 2, 24, 40, 2), (6, 3, 2, 40, 80, 3),
        (6, 5, 1, 80, 112, 3), (6, 5, 2, 112, 192, 4), (6, 3, 1, 192, 320, 1),
    };

    public static nn.Module Create()
    {
        var features = new List<(string, nn.Module<Tensor, Tensor>)> { ("0", ConvNormAct(3, 32, 3, 2, 1, true)) };
        for (int s = 0; s < Stages.Length; s++) {
            var (expand, kernel, stride, inp, outp, layers) = Stages[s];
            var blocks = new List<(string, nn.Module<Tensor, Tensor>)>();
            for (int i = 0; i < layers; i++) {
                int cin = i == 0 ? inp : outp, hidden = cin * expand;
                var block = new List<(string, nn.Module<Tensor, Tensor>)>();
                if (expand != 1) block.Add((block.Count.ToString(), ConvNormAct(cin, hidden, 1, 1, 1, true)));
                block.Add((block.Count.ToString(), ConvNormAct(hidden, hidden, kernel, i == 0 ? stride : 1, hidden, true)));
                block.Add((block.Count.ToString(), new SqueezeExcitation(hidden, Math.Max(1, cin / 4))));
                block.Add((block.Count.ToString(), ConvNormAct(hidden, outp, 1, 1, 1, false)));
                blocks.Add((i.ToString(), nn.Sequential(("block", nn.Sequential(block.ToArray())))));
            }
            features.Add(((s + 1).ToString(), nn.Sequential(blocks.ToArray())));
        }
        features.Add(("8", ConvNormAct(320, 1280, 1, 1, 1, true)));
        return nn.Sequential(
            ("features", nn.Sequential(features.ToArray())),
            ("avgpool", nn.AdaptiveAvgPool2d(1)),
            ("classifier", nn.Sequential(("0", nn.Dropout(0.2)), ("1", nn.Linear(1280, 1000)))));
    }

    private static nn.Module<Tensor, Tensor> ConvNormAct(int cin, int cout, int kernel, int stride, int groups, bool act)
    {
        var items = new List<(string, nn.Module<Tensor, Tensor>)> {
            ("0", nn.Conv2d(cin, cout, kernel, stride: stride, padding: (kernel - 1) / 2, groups: groups, bias: false)),
            ("1", nn.BatchNorm2d(cout)),
        };
        if (act) items.Add(("2", nn.SiLU()));
        return nn.Sequential(items.ToArray());
    }
}
