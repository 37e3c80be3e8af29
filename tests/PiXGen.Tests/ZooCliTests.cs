using System.IO;
using System.Linq;
using System.Text.Json;
using PiXGen.Tests.Reference;
using PiXGen.Zoo;

namespace PiXGen.Tests;

public class ZooCliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
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

    [Fact]
    public void Unknown_model_is_a_clear_error_listing_the_known_ones()
    {
        var (code, _, err) = Run("summary", "resnet5O");
        Assert.Equal(2, code);
        Assert.Contains("unknown model 'resnet5O'", err);
        foreach (var m in ZooCatalog.Models) Assert.Contains(m.Name, err);
    }

    [Fact]
    public void Zoo_names_classes_as_torchvision_in_pascal_case()
    {
        var expected = new[]
        {
            ("resnet18", "ResNet18"), ("resnet34", "ResNet34"), ("resnet50", "ResNet50"), ("resnet101", "ResNet101"),
            ("resnet152", "ResNet152"), ("resnext50_32x4d", "ResNeXt50_32x4d"), ("wide_resnet50_2", "WideResNet50_2"),
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
