using System;
using System.Collections.Generic;
using System.Linq;
using PiXGen.Zoo;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Tests;

/// <summary>
/// The issue-4 zoo variants: PiX-ResNet-50 with ζ = 8 (half-width bottlenecks), SE-ResNet-50 and SE-PiX-ResNet-50.
/// </summary>
public class ZooPiXVariantTests
{
    public static IEnumerable<object[]> Variants() => new[]
    {
        new object[] { "pix_resnet50_zeta8", "PiXResNet50Zeta8" },
        new object[] { "se_resnet50", "SEResNet50" },
        new object[] { "se_pix_resnet50", "SEPiXResNet50" },
    };

    /// <summary>ResNet-50's bottleneck output channels and blocks per stage.</summary>
    private static readonly (int Channels, int Blocks)[] Stages = { (256, 3), (512, 4), (1024, 6), (2048, 3) };

    private static NetworkInfo Info(string name) => ZooCatalog.Find(name) ?? throw new InvalidOperationException($"{name} is not in the zoo");

    private static Dictionary<string, long[]> StateDict(string name)
    {
        using var model = Info(name).Create();
        return model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
    }

    /// <summary>Squeeze-and-excitation parameters of every block (reduction 16, fc1/fc2 with bias), from the stage widths.</summary>
    private static long SeParameters()
    {
        long total = 0;
        foreach (var (c, blocks) in Stages)
        {
            long s = c / 16;
            total += blocks * (s * c + s + c * s + c);
        }
        return total;
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Catalog_lists_the_model_under_its_cli_name_with_the_pascal_case_class(string name, string className)
    {
        var info = ZooCatalog.Find(name);
        Assert.NotNull(info);
        Assert.Equal(className, info!.Type.Name);
        Assert.Equal("PiXGen.Zoo", info.Type.Namespace);
        Assert.Equal(new long[] { 3, 224, 224 }, info.InputShape);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Compile_time_parameter_count_equals_the_runtime_count(string name, string className)
    {
        var info = Info(name);
        Assert.Equal(className, info.Type.Name);
        long generated = (long)info.Type.GetField("ParameterCount")!.GetValue(null)!;
        Assert.Equal(info.Parameters, generated);
        using var model = info.Create();
        Assert.Equal(generated, model.parameters().Sum(p => p.numel()));
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Forward_at_batch_1_gives_the_compile_time_output_shape(string name, string className)
    {
        var info = Info(name);
        Assert.Equal(className, info.Type.Name);
        var compiled = (IReadOnlyList<long>)info.Type.GetProperty("OutputShape")!.GetValue(null)!;
        Assert.Equal(new long[] { 1000 }, compiled);
        using var scope = torch.NewDisposeScope();
        using var model = info.Create();
        model.eval();
        using var _ = torch.no_grad();
        var output = model.forward(torch.randn(new long[] { 1 }.Concat(info.InputShape).ToArray()));
        Assert.Equal(new long[] { 1 }.Concat(compiled), output.shape);
        Assert.True(output.isfinite().all().item<bool>());
    }

    [Fact]
    public void SEResNet50_has_torchvision_se_keys_in_every_bottleneck_and_otherwise_resnet50s_keys()
    {
        var se = StateDict("se_resnet50");
        var dense = StateDict("resnet50");
        Assert.Equal(new long[] { 16, 256, 1, 1 }, se["layer1.0.se.fc1.weight"]);
        Assert.Equal(new long[] { 16 }, se["layer1.0.se.fc1.bias"]);
        Assert.Equal(new long[] { 256, 16, 1, 1 }, se["layer1.0.se.fc2.weight"]);
        Assert.Equal(new long[] { 256 }, se["layer1.0.se.fc2.bias"]);
        Assert.Equal(new long[] { 128, 2048, 1, 1 }, se["layer4.2.se.fc1.weight"]);

        var expectedSeKeys = new List<string>();
        for (int s = 0; s < Stages.Length; s++)
            for (int b = 0; b < Stages[s].Blocks; b++)
                foreach (var k in new[] { "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias" })
                    expectedSeKeys.Add($"layer{s + 1}.{b}.se.{k}");
        Assert.Equal(expectedSeKeys.OrderBy(k => k, StringComparer.Ordinal), se.Keys.Where(k => k.Contains(".se.")).OrderBy(k => k, StringComparer.Ordinal));

        // Every other key is ResNet-50's, with ResNet-50's shape.
        var rest = se.Where(kv => !kv.Key.Contains(".se.")).ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal(dense.Keys.OrderBy(k => k, StringComparer.Ordinal), rest.Keys.OrderBy(k => k, StringComparer.Ordinal));
        foreach (var (key, shape) in dense) Assert.True(shape.SequenceEqual(rest[key]), key);
    }

    [Fact]
    public void SEResNet50_parameters_are_resnet50s_plus_the_se_parameters()
    {
        Assert.Equal(2_530_992L, SeParameters()); // Σ blocks × (C²/8 + C/16 + C): 3·8,464 + 4·33,312 + 6·132,160 + 3·526,464
        Assert.Equal(SEResNet50.ParameterCount, ResNet50.ParameterCount + SeParameters());
        Assert.Equal(28_088_024L, SEResNet50.ParameterCount);
    }

    [Fact]
    public void SEPiXResNet50_is_pix_resnet50_with_se_after_bn_exp_in_every_block()
    {
        var sepix = StateDict("se_pix_resnet50");
        var pix = StateDict("pix_resnet50");
        Assert.Equal(new long[] { 16, 256, 1, 1 }, sepix["layer1.blocks.0.se.fc1.weight"]);
        Assert.Equal(new long[] { 1024, 64, 1, 1 }, sepix["layer3.blocks.5.se.fc2.weight"]);
        Assert.Equal(Stages.Sum(s => s.Blocks) * 4, sepix.Keys.Count(k => k.Contains(".se.")));
        var rest = sepix.Where(kv => !kv.Key.Contains(".se.")).ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal(pix.Keys.OrderBy(k => k, StringComparer.Ordinal), rest.Keys.OrderBy(k => k, StringComparer.Ordinal));
        foreach (var (key, shape) in pix) Assert.True(shape.SequenceEqual(rest[key]), key);
        Assert.Equal(SEPiXResNet50.ParameterCount, PiXResNet50.ParameterCount + SeParameters());
    }

    [Theory]
    [InlineData("se_resnet50", "layer1.0", "bn3", "downsample")]
    [InlineData("se_pix_resnet50", "layer1.blocks.0", "bn_exp", "bn_proj")]
    public void SE_scales_the_last_batchnorm_output_before_the_residual_add(string name, string block, string lastBn, string shortcutEnd)
    {
        using var scope = torch.NewDisposeScope();
        using var model = Info(name).Create();
        model.eval();
        var modules = model.named_modules().ToDictionary(m => m.name, m => (nn.Module<Tensor, Tensor>)m.module);
        // Hooks run inside nested dispose scopes of the generated forward: keep copies outside every scope.
        var kept = new List<Tensor>();
        Tensor Keep(Tensor t) { var c = t.detach().clone().DetachFromDisposeScope(); kept.Add(c); return c; }
        var seen = new Dictionary<string, (Tensor Input, Tensor Output)>();
        foreach (var path in new[] { lastBn, "se", shortcutEnd, "" })
        {
            var key = path;
            modules[path.Length == 0 ? block : $"{block}.{path}"].register_forward_hook((m, input, output) =>
            {
                seen[key] = (Keep(input), Keep(output));
                return output;
            });
        }

        try
        {
            using (torch.no_grad()) model.forward(torch.randn(1, 3, 224, 224));

            Assert.True(seen[lastBn].Output.allclose(seen["se"].Input), $"{name}: se's input is not {lastBn}'s output");
            Assert.False(seen["se"].Output.allclose(seen["se"].Input), "se did not change its input");
            var expected = nn.functional.relu(seen["se"].Output + seen[shortcutEnd].Output);
            Assert.True(seen[""].Output.allclose(expected, rtol: 1e-5, atol: 1e-6), $"{name}: block output is not relu(se(...) + shortcut)");
        }
        finally
        {
            foreach (var t in kept) t.Dispose();
        }
    }

    [Fact]
    public void PiXResNet50Zeta8_has_half_width_bottlenecks_after_the_first_block_of_each_stage()
    {
        var z8 = StateDict("pix_resnet50_zeta8");
        var pix = StateDict("pix_resnet50");
        // ζ = 8: 256 → 32 channels; φ has the shape of the 1×1 squeeze it replaces.
        Assert.Equal(new long[] { 32, 256, 1, 1 }, z8["layer1.blocks.1.conv_sqz.weight"]);
        Assert.Equal(new long[] { 32, 32, 3, 3 }, z8["layer1.blocks.1.conv_ce.weight"]);
        Assert.Equal(new long[] { 256, 32, 1, 1 }, z8["layer1.blocks.1.conv_exp.weight"]);
        Assert.Equal(new long[] { 64, 512, 1, 1 }, z8["layer2.blocks.3.conv_sqz.weight"]);
        Assert.Equal(new long[] { 128, 1024, 1, 1 }, z8["layer3.blocks.5.conv_sqz.weight"]);
        Assert.Equal(new long[] { 256, 2048, 1, 1 }, z8["layer4.blocks.2.conv_sqz.weight"]);
        // First blocks keep ζ = 1, 2, 2, 2 and so the official shapes.
        foreach (var key in new[] { "layer1.blocks.0.conv_sqz.weight", "layer2.blocks.0.conv_sqz.weight", "layer3.blocks.0.conv_ce.weight", "layer4.blocks.0.conv_proj.weight" })
            Assert.Equal(pix[key], z8[key]);
        Assert.Equal(new long[] { 64, 64, 1, 1 }, z8["layer1.blocks.0.conv_sqz.weight"]);
        // Same names as the official PiX-ResNet-50; only widths change.
        Assert.Equal(pix.Keys.OrderBy(k => k, StringComparer.Ordinal), z8.Keys.OrderBy(k => k, StringComparer.Ordinal));
    }

    [Fact]
    public void PiXResNet50Zeta8_compile_time_macs_are_lower_than_pix_resnet50s()
    {
        var z8 = Info("pix_resnet50_zeta8");
        var pix = Info("pix_resnet50");
        Assert.True(z8.Macs > 0);
        Assert.True(z8.Macs < pix.Macs, $"{z8.Macs:N0} MACs is not below PiX-ResNet-50's {pix.Macs:N0}");
        Assert.Equal(PiXResNet50Zeta8.Macs, z8.Macs);
        Assert.True(z8.Parameters < pix.Parameters);
    }
}
