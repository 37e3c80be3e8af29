using System;
using System.Collections.Generic;
using System.Linq;
using PiXGen.Costs;
using PiXGen.PiX;
using PiXGen.Tests.Reference;
using PiXGen.Zoo;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PiXGen.Tests;

/// <summary>
/// Compile-time costs (issue 5) against PyTorch's counts, against the run-time evaluator of the same layer tree
/// (CostFor), and against a counter that knows nothing of the compiler: forward hooks on the real modules.
/// </summary>
public class ZooCostTests
{
    public static IEnumerable<object[]> AllModels() => ZooCatalog.Models.Select(m => new object[] { m.Name });

    public static IEnumerable<object[]> ReferenceModels() =>
        new[] { ("resnet18", "resnet18"), ("resnet50", "resnet50"), ("vgg16", "vgg16"), ("mobilenet_v2", "mobilenet_v2"), ("pix_resnet50", "pix_resnet50_cs") }
            .Select(n => new object[] { n.Item1, n.Item2 });

    private static NetworkInfo Info(string name) => ZooCatalog.Models.Single(m => m.Name == name);

    [Theory]
    [MemberData(nameof(ReferenceModels))]
    public void Parameters_and_macs_equal_pytorch(string name, string referenceName)
    {
        var reference = PyTorchReference.Load().Models[referenceName];
        var info = Info(name);
        Assert.Equal(reference.Parameters, info.Parameters);
        Assert.Equal(reference.MacsConvLinear, info.Macs);
        Assert.Equal(reference.MacsConvLinear, info.Cost!.Macs);
    }

    [Fact]
    public void Published_mac_counts_are_reproduced_exactly()
    {
        Assert.Equal(1_814_073_344L, ResNet18.Macs);
        Assert.Equal(4_089_184_256L, ResNet50.Macs);
        Assert.Equal(15_470_264_320L, Vgg16.Macs);
        Assert.Equal(300_774_272L, MobileNetV2.Macs);
        Assert.Equal(3_155_824_640L, PiXResNet50.Macs);
    }

    [Fact]
    public void Paper_convention_gives_resnet50_exactly_and_pix_resnet50_within_half_a_percent_of_the_paper()
    {
        Assert.Equal(4_121_925_096L, ResNet50.MacsPaper);
        Assert.InRange(Math.Abs(PiXResNet50.MacsPaper - 3.18e9) / 3.18e9, 0, 0.005);
    }

    [Fact]
    public void Resnet50_buffers_are_the_batchnorm_running_statistics_and_counters()
    {
        using var model = new ResNet50();
        long buffers = model.named_buffers().Sum(b => b.Item2.numel());
        Assert.Equal(ResNet50.Buffers, buffers);
        Assert.Equal(53_173L, ResNet50.Buffers);
    }

    [SkippableTheory]
    [MemberData(nameof(AllModels))]
    public void Buffers_equal_the_modules_buffers(string name)
    {
        ZooSample.SkipUnlessSampled(name);
        var info = Info(name);
        using var model = info.Create();
        Assert.Equal(model.named_buffers().Sum(b => b.Item2.numel()), info.Buffers);
    }

    [Theory]
    [MemberData(nameof(AllModels))]
    public void Report_totals_equal_the_generated_constants(string name)
    {
        var info = Info(name);
        var report = info.Cost!;
        Assert.Equal(info.Parameters, report.Parameters);
        Assert.Equal(info.Buffers, report.Buffers);
        Assert.Equal(info.Macs, report.Macs);
        Assert.Equal(info.MacsPaper, report.MacsPaper);
        Assert.Equal(info.ActivationBytes, report.ActivationBytes);
        Assert.Equal(info.PeakActivationBytes, report.PeakActivationBytes);
        Assert.Equal(info.OutputShape, report.OutputShape);
        // The peak is at least the largest single output plus its input, and at most everything.
        Assert.InRange(report.PeakActivationBytes, report.Layers.Max(l => l.ActivationBytes), report.ActivationBytes + report.InputShape.Aggregate(4L, (a, d) => a * d));
    }

    [Theory]
    [MemberData(nameof(AllModels))]
    public void CostFor_the_declared_size_re_evaluates_to_the_compile_time_figures_layer_by_layer(string name)
    {
        var info = Info(name);
        var compiled = info.Cost!;
        var evaluated = info.CostFor!(info.InputShape[1], info.InputShape[2]);
        Assert.Equal(compiled.Rows.Count, evaluated.Rows.Count);
        for (int i = 0; i < compiled.Rows.Count; i++)
        {
            var (c, e) = (compiled.Rows[i], evaluated.Rows[i]);
            Assert.Equal(c.Path, e.Path);
            Assert.True(c.OutputShape.SequenceEqual(e.OutputShape), $"{c.Path}: {string.Join("x", c.OutputShape)} vs {string.Join("x", e.OutputShape)}");
            Assert.Equal((c.Path, c.Parameters, c.Buffers, c.Macs, c.MacsPaper, c.ActivationBytes),
                         (e.Path, e.Parameters, e.Buffers, e.Macs, e.MacsPaper, e.ActivationBytes));
        }
        Assert.Equal(info.PeakActivationBytes, evaluated.PeakActivationBytes);
        Assert.Equal(info.Macs, evaluated.Macs);
        Assert.Equal(info.MacsPaper, evaluated.MacsPaper);
    }

    [SkippableTheory]
    [MemberData(nameof(AllModels))]
    public void Forward_hook_counter_agrees_exactly_with_the_compile_time_macs(string name)
    {
        ZooSample.SkipUnlessSampled(name);
        var info = Info(name);
        Assert.Equal(info.Macs, HookCount(info, info.InputShape[1], info.InputShape[2]));
    }

    [SkippableTheory]
    [MemberData(nameof(AllModels))]
    public void CostFor_112x112_equals_the_forward_hook_count_on_a_112x112_input(string name)
    {
        ZooSample.SkipUnlessSampled(name);
        var info = Info(name);
        var evaluated = info.CostFor!(112, 112);
        Assert.Equal(HookCount(info, 112, 112), evaluated.Macs);
        // Fewer MACs than at the declared size when 112×112 is smaller than it (every ImageNet model), more otherwise (28×28 Fashion-MNIST nets).
        if (info.InputShape[1] > 112) Assert.True(evaluated.Macs < info.Macs); else Assert.True(evaluated.Macs > info.Macs);
    }

    [Fact]
    public void CostFor_rejects_sizes_the_network_cannot_run_on()
    {
        // Five 2×2 max-pools take 16 → 8 → 4 → 2 → 1 → 0.
        var ex = Assert.Throws<ArgumentException>(() => Vgg16.CostFor(16, 16));
        Assert.Contains("Vgg16.features.", ex.Message);
        Assert.Contains("MaxPool2d", ex.Message);
    }

    [Fact]
    public void Table_names_both_conventions_and_lists_every_layer()
    {
        var text = ResNet50.Cost.ToString();
        Assert.Contains("torchvision convention", text);
        Assert.Contains("Paper convention", text);
        Assert.Contains("4,089,184,256", text);
        Assert.Contains("4,121,925,096", text);
        Assert.Contains("layer4.2.conv3", text);
        Assert.Contains("256×56×56", text);
        Assert.StartsWith("ResNet50: 25,557,032 params · 4.09 GMACs (torchvision convention; paper convention 4.12 G) · 3×224×224 → 1000 · ",
            ResNet50.Cost.Summary);
    }

    [Fact]
    public void Zoo_summary_json_has_the_cost_fields()
    {
        var stdout = new System.IO.StringWriter();
        Assert.Equal(0, ZooCli.Run(new[] { "summary", "resnet50", "--json" }, stdout, new System.IO.StringWriter()));
        using var doc = System.Text.Json.JsonDocument.Parse(stdout.ToString());
        Assert.Equal(4_089_184_256L, doc.RootElement.GetProperty("macs").GetInt64());
        Assert.Equal(4_121_925_096L, doc.RootElement.GetProperty("macs_paper").GetInt64());
        Assert.Equal(ResNet50.ActivationBytes, doc.RootElement.GetProperty("activation_bytes").GetInt64());
    }

    /// <summary>MACs counted by forward hooks over one real forward pass (tests/Shared/MacCounter.cs).</summary>
    private static long HookCount(NetworkInfo info, long height, long width)
    {
        using var model = info.Create();
        return PiXGen.Tests.Shared.MacCounter.Count(model, info.InputShape[0], height, width);
    }
}
