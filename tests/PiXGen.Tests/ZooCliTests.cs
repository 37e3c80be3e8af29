using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using PiXGen.Tests.Reference;
using PiXGen.Zoo;

namespace PiXGen.Tests;

public class ZooCliTests
{
    internal static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = ZooCli.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Fact]
    public void Summary_json_reports_shapes_parameters_and_the_pytorch_state_dict()
    {
        var (code, output, _) = Run("summary", "resnet18", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Equal("resnet18", root.GetProperty("model").GetString());
        Assert.Equal(new long[] { 3, 224, 224 }, root.GetProperty("input").EnumerateArray().Select(x => x.GetInt64()));
        Assert.Equal(new long[] { 1000 }, root.GetProperty("output").EnumerateArray().Select(x => x.GetInt64()));
        var reference = PyTorchReference.Load().Models["resnet18"];
        Assert.Equal(reference.Parameters, root.GetProperty("parameters").GetInt64());
        Assert.Equal("dense", root.GetProperty("variant").GetString());
        var keys = root.GetProperty("state_dict").EnumerateArray()
            .ToDictionary(e => e[0].GetString()!, e => e[1].EnumerateArray().Select(x => x.GetInt64()).ToArray());
        Assert.Equal(reference.StateDict.Select(s => s.Key).OrderBy(k => k), keys.Keys.OrderBy(k => k));
        foreach (var (key, shape) in reference.StateDict) Assert.Equal(shape, keys[key]);
    }

    [Theory]
    [InlineData("summary")]
    [InlineData("cost")]
    [InlineData("bench")]
    public void Unknown_model_is_one_error_line_with_the_closest_names(string command)
    {
        var (code, output, err) = Run(command, "resnet5");
        Assert.Equal(1, code);
        Assert.Equal("", output);
        var line = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: unknown model 'resnet5'. Did you mean: resnet50, ", line);
        var suggested = line[(line.IndexOf(": ", line.IndexOf("mean", StringComparison.Ordinal), StringComparison.Ordinal) + 2)..].TrimEnd('?', '\r').Split(", ");
        Assert.InRange(suggested.Length, 1, 3);
        Assert.All(suggested, s => Assert.NotNull(ZooCatalog.Find(s)));
    }

    [Fact]
    public void A_name_close_to_nothing_lists_every_model()
    {
        var (code, _, err) = Run("summary", "qqqqqqqq");
        Assert.Equal(1, code);
        Assert.Contains("unknown model 'qqqqqqqq'. Known models: ", err);
        foreach (var m in ZooCatalog.Models) Assert.Contains(m.Name, err);
    }

    [Fact]
    public void Closest_names_rank_by_edit_distance_ignoring_case_and_dashes()
    {
        var names = ZooCatalog.Models.Select(m => m.Name).ToList();
        Assert.Equal("resnet50", NameSuggestions.Closest("resnet5O", names)[0]);
        Assert.Equal("resnet50", NameSuggestions.Closest("ResNet50", names)[0]);
        Assert.Equal("mobilenet_v2", NameSuggestions.Closest("mobilenet-v2", names)[0]);
        Assert.Equal("vgg16_bn", NameSuggestions.Closest("vgg16bn", names)[0]);
        Assert.Equal("resnet18", NameSuggestions.Closest("resnte18", names)[0]); // a swap of two letters is one edit
        Assert.Empty(NameSuggestions.Closest("qqqqqqqq", names));
        Assert.Equal(new[] { "summary" }, NameSuggestions.Closest("sumary", new[] { "summary", "cost", "bench", "predict", "export" }));
    }

    [Theory]
    [InlineData("--batch takes a positive integer, got '0'", "bench", "resnet18", "--batch", "0")]
    [InlineData("--warmup takes a non-negative integer, got '-1'", "bench", "resnet18", "--warmup", "-1")]
    [InlineData("'--bogus'", "bench", "resnet18", "--bogus")]
    [InlineData("summary", "summary")]
    [InlineData("--weights", "predict", "resnet18", "--input", "x.npy")]
    [InlineData("--onnx", "export", "resnet18")]
    [InlineData("unknown command 'sumary'. Did you mean: summary?", "sumary", "resnet18")]
    public void Usage_errors_are_one_line_and_exit_code_2(string expected, params string[] args)
    {
        var (code, output, err) = Run(args);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        var line = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line);
        Assert.Contains(expected, line);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void A_size_that_is_not_HxW_is_a_usage_error_and_a_size_too_small_an_error()
    {
        var (code, _, err) = Run("cost", "resnet18", "abc");
        Assert.Equal(2, code);
        Assert.Contains("'abc' is not a size", err);
        (code, _, err) = Run("cost", "vgg16", "8x8"); // five 2×2 max-pools reach 0
        Assert.Equal(1, code);
        var line = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("help")]
    public void Help_lists_every_command(string flag)
    {
        var (code, output, _) = Run(flag);
        Assert.Equal(0, code);
        foreach (var command in new[] { "summary", "cost", "bench", "predict", "export", "draw" }) Assert.Contains(command, output);
        Assert.Contains("PiXGen.Zoo", output);
    }

    [Fact]
    public void Predict_and_export_check_the_model_name_before_they_run()
    {
        var (code, _, err) = Run("predict", "resnt18", "--weights", "w.pt", "--input", "x.npy");
        Assert.Equal(1, code);
        Assert.Contains("unknown model 'resnt18'. Did you mean: resnet18", err);
        (code, _, err) = Run("export", "resnt18", "--onnx", "out.onnx");
        Assert.Equal(1, code);
        Assert.Contains("unknown model 'resnt18'. Did you mean: resnet18", err);
    }

    [Fact]
    public void Summary_runtime_json_adds_the_measured_modules_whose_totals_are_the_compile_time_ones()
    {
        var (code, output, _) = Run("summary", "resnet18", "--runtime", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        var rows = root.GetProperty("runtime").EnumerateArray().ToList();
        var leaves = rows.Where(r => r.GetProperty("leaf").GetBoolean()).ToList();
        Assert.Equal(root.GetProperty("macs").GetInt64(), leaves.Sum(r => r.GetProperty("macs").GetInt64()));
        Assert.Equal(root.GetProperty("parameters").GetInt64(), leaves.Sum(r => r.GetProperty("parameters").GetInt64()));
        Assert.Equal(root.GetProperty("macs").GetInt64(), root.GetProperty("runtime_macs").GetInt64());
        Assert.Equal(root.GetProperty("parameters").GetInt64(), root.GetProperty("runtime_parameters").GetInt64());
        var conv1 = rows.Single(r => r.GetProperty("path").GetString() == "conv1");
        Assert.Equal("Conv2d", conv1.GetProperty("type").GetString());
        // ⌊(224 + 2·3 − 7)/2⌋ + 1 = 112
        Assert.Equal(new long[] { 1, 64, (224 + 2 * 3 - 7) / 2 + 1, (224 + 2 * 3 - 7) / 2 + 1 },
            conv1.GetProperty("output").EnumerateArray().Select(x => x.GetInt64()));
        // Without --runtime the JSON has no runtime fields.
        (code, output, _) = Run("summary", "resnet18", "--json");
        using var plain = JsonDocument.Parse(output);
        Assert.False(plain.RootElement.TryGetProperty("runtime", out _));
    }

    [Fact]
    public void Summary_runtime_text_is_a_plain_table_when_not_on_a_terminal()
    {
        var (code, output, _) = Run("summary", "resnet18", "--runtime");
        Assert.Equal(0, code);
        Assert.False(output.Contains('\u001b'), "ANSI escape in plain output");
        Assert.Contains("Runtime summary", output);
        var conv1 = output.Split('\n').Single(l => l.TrimStart().StartsWith("conv1 ", StringComparison.Ordinal));
        Assert.Contains("Conv2d", conv1);
        Assert.Contains("1×64×112×112", conv1);
        Assert.Contains(ResNet18.Macs.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), output);
    }

    [Fact]
    public void Bench_json_keeps_its_fields_and_text_is_a_plain_table()
    {
        var (code, output, _) = Run("bench", "resnet18", "--vs", "resnet34", "--rounds", "1", "--warmup", "0", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Equal("resnet18", root.GetProperty("model").GetString());
        Assert.Equal("resnet34", root.GetProperty("vs").GetString());
        Assert.Equal(1, root.GetProperty("batch").GetInt32());
        Assert.Equal("eval", root.GetProperty("mode").GetString());
        double median = root.GetProperty("median_ms").GetDouble(), vs = root.GetProperty("vs_median_ms").GetDouble();
        Assert.True(median > 0 && vs > 0);
        Assert.Equal(vs / median, root.GetProperty("speedup").GetDouble(), 2);
        Assert.Equal(PiXGen.Platform.TorchPlatform.NativeHeapRetained, root.GetProperty("native_heap_retained").GetBoolean());

        (code, output, _) = Run("bench", "resnet18", "--rounds", "1", "--warmup", "0");
        Assert.Equal(0, code);
        Assert.False(output.Contains('\u001b'), "ANSI escape in plain output");
        Assert.StartsWith("eval, batch 1, 1 rounds after 0 warm-up", output);
        Assert.Contains("; malloc: " + PiXGen.Platform.TorchPlatform.NativeHeapReason, output.Split('\n')[0]); // the run says how its heap was set
        Assert.Contains("median ms", output);
        Assert.Single(output.Split('\n'), l => l.TrimStart().StartsWith("resnet18 ", StringComparison.Ordinal));
    }

    [Fact]
    public void Bench_fuse_times_both_networks_fused_and_refuses_training()
    {
        var (code, output, error) = Run("bench", "pix_resnet50", "--vs", "resnet50", "--fuse", "--rounds", "1", "--warmup", "0", "--json");
        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(output);
        Assert.True(doc.RootElement.GetProperty("median_ms").GetDouble() > 0);
        (code, _, error) = Run("bench", "resnet18", "--fuse", "--train");
        Assert.Equal(2, code);
        Assert.Contains("--fuse makes an inference-only network", error);
    }

    [Fact]
    public void Zoo_names_classes_as_torchvision_in_pascal_case()
    {
        var expected = new[]
        {
            ("resnet18", "ResNet18"), ("resnet34", "ResNet34"), ("resnet50", "ResNet50"), ("resnet101", "ResNet101"),
            ("resnet152", "ResNet152"), ("resnext50_32x4d", "ResNeXt50_32x4d"), ("wide_resnet50_2", "WideResNet50_2"),
            ("resnext101_32x8d", "ResNeXt101_32x8d"), ("resnext101_64x4d", "ResNeXt101_64x4d"), ("wide_resnet101_2", "WideResNet101_2"),
            ("vgg11", "Vgg11"), ("vgg11_bn", "Vgg11Bn"), ("vgg13", "Vgg13"), ("vgg13_bn", "Vgg13Bn"), ("vgg16", "Vgg16"),
            ("vgg16_bn", "Vgg16Bn"), ("vgg19", "Vgg19"), ("vgg19_bn", "Vgg19Bn"), ("mobilenet_v2", "MobileNetV2"),
        };
        foreach (var (name, cls) in expected)
        {
            var info = ZooCatalog.Find(name);
            Assert.NotNull(info);
            Assert.Equal(cls, info!.Type.Name);
            Assert.NotNull(info.Type.GetConstructor(System.Type.EmptyTypes) ?? info.Type.GetConstructors().FirstOrDefault(c => c.GetParameters().All(p => p.IsOptional)));
        }
    }

    [Fact]
    public void Summary_json_reports_the_built_variant()
    {
        var (code, output, _) = Run("summary", "resnet50_prune2g", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        Assert.StartsWith("prune(target 2.0G:", doc.RootElement.GetProperty("variant").GetString());
        Assert.True(doc.RootElement.GetProperty("macs").GetInt64() <= 2_000_000_000);
    }
}
