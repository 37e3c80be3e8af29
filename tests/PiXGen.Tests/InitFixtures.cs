using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Tests;

/// <summary>
/// The committed PyTorch fixtures of issue 16 (Fixtures/init, made by tools/init/*.py with torch 1.13.1 and
/// torchvision 0.14.1): per-tensor initialisation statistics and one eval-mode SGD step.
/// </summary>
internal static class InitFixtures
{
    /// <summary>One state_dict tensor of a freshly built PyTorch network.</summary>
    /// <param name="Dist">"constant", "normal" or "uniform".</param>
    /// <param name="Value">The value of a constant tensor.</param>
    /// <param name="ExpectedStd">The constructor's analytic standard deviation (random tensors).</param>
    /// <param name="Mean">PyTorch's empirical mean, pooled over the seeds.</param>
    /// <param name="Std">PyTorch's empirical standard deviation, pooled over the seeds.</param>
    /// <param name="Kurtosis">PyTorch's empirical kurtosis (1.8 uniform, 3 normal), averaged over the seeds.</param>
    public sealed record TensorStatistics(string Key, long[] Shape, string Dist, double Value, double ExpectedStd,
        double Mean, double Std, double Kurtosis);

    public sealed record NetworkStatistics(string Scheme, IReadOnlyList<TensorStatistics> Tensors);

    /// <summary>A single layer of a torchvision network: its kind and shape (what the test needs to build it) and
    /// its tensors' statistics, keyed by parameter name.</summary>
    public sealed record LayerSample(string Path, string Kind, long In, long Out, long Kernel, long Groups, bool Bias,
        long Features, IReadOnlyList<TensorStatistics> Tensors);

    public sealed record LayerSamples(string Scheme, IReadOnlyList<LayerSample> Layers);

    public sealed record Statistics(int Seeds, IReadOnlyDictionary<string, NetworkStatistics> Models,
        IReadOnlyDictionary<string, LayerSamples> LayerSamples);

    /// <summary>The update −lr·grad of one parameter: its L2 norm and its values at some flat indices.</summary>
    public sealed record ParameterUpdate(string Key, long[] Shape, double Norm, long[] Indices, double[] Values);

    public sealed record SgdStep(double Loss, IReadOnlyList<ParameterUpdate> Parameters);

    public sealed record SgdSteps(long[] InputShape, long[] Targets, double LearningRate, IReadOnlyDictionary<string, SgdStep> Models);

    private static readonly Lazy<Statistics> statistics = new(LoadStatistics);
    private static readonly Lazy<SgdSteps> sgd = new(LoadSgd);

    public static Statistics InitStatistics => statistics.Value;
    public static SgdSteps SgdStepReference => sgd.Value;

    private static JsonDocument Read(string file)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "init", file);
        if (!File.Exists(path)) throw new FileNotFoundException($"Fixture {file} not found at {path} (tools/init makes it).", path);
        return JsonDocument.Parse(File.ReadAllText(path));
    }

    private static long[] Longs(JsonElement e) => e.EnumerateArray().Select(x => x.GetInt64()).ToArray();

    private static double Number(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? v.GetDouble() : double.NaN;

    private static Statistics LoadStatistics()
    {
        using var doc = Read("init-statistics.json");
        static List<TensorStatistics> Tensors(JsonElement e) => e.GetProperty("tensors").EnumerateArray().Select(t => new TensorStatistics(
            t.GetProperty("key").GetString()!, Longs(t.GetProperty("shape")), t.GetProperty("dist").GetString()!,
            Number(t, "value"), Number(t, "expected_std"), Number(t, "mean"), Number(t, "std"), Number(t, "kurtosis"))).ToList();
        static long Int(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? v.GetInt64() : 0;

        var models = new Dictionary<string, NetworkStatistics>();
        foreach (var m in doc.RootElement.GetProperty("models").EnumerateObject())
            models[m.Name] = new NetworkStatistics(m.Value.GetProperty("scheme").GetString()!, Tensors(m.Value));
        var samples = new Dictionary<string, LayerSamples>();
        foreach (var m in doc.RootElement.GetProperty("layer_samples").EnumerateObject()) {
            var layers = m.Value.GetProperty("layers").EnumerateArray().Select(l => new LayerSample(
                l.GetProperty("path").GetString()!, l.GetProperty("kind").GetString()!, Int(l, "in"), Int(l, "out"),
                Int(l, "kernel"), Int(l, "groups"), l.TryGetProperty("bias", out var b) && b.GetBoolean(), Int(l, "features"),
                Tensors(l))).ToList();
            samples[m.Name] = new LayerSamples(m.Value.GetProperty("scheme").GetString()!, layers);
        }
        return new Statistics(doc.RootElement.GetProperty("seeds").GetArrayLength(), models, samples);
    }

    private static SgdSteps LoadSgd()
    {
        using var doc = Read("sgd-step.json");
        var root = doc.RootElement;
        var models = new Dictionary<string, SgdStep>();
        foreach (var m in root.GetProperty("models").EnumerateObject()) {
            var ps = m.Value.GetProperty("parameters").EnumerateArray().Select(p => new ParameterUpdate(
                p.GetProperty("key").GetString()!, Longs(p.GetProperty("shape")), p.GetProperty("norm").GetDouble(),
                Longs(p.GetProperty("indices")), p.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray())).ToList();
            models[m.Name] = new SgdStep(m.Value.GetProperty("loss").GetDouble(), ps);
        }
        return new SgdSteps(Longs(root.GetProperty("input_shape")), Longs(root.GetProperty("targets")),
            root.GetProperty("lr").GetDouble(), models);
    }

    /// <summary>Same shape and bit-identical values.</summary>
    public static bool Identical(Tensor a, Tensor b)
    {
        using var scope = torch.NewDisposeScope();
        return a.shape.SequenceEqual(b.shape) && a.detach().eq(b.detach()).all().item<bool>();
    }

    /// <summary>Mean, standard deviation (population) and kurtosis of a tensor, in float64.</summary>
    public static (double Mean, double Std, double Kurtosis) Moments(Tensor t)
    {
        using var scope = torch.NewDisposeScope();
        var x = t.detach().to(ScalarType.Float64).flatten();
        double mean = x.mean().item<double>();
        var centred = x - mean;
        double m2 = centred.pow(2).mean().item<double>();
        double m4 = centred.pow(4).mean().item<double>();
        return (mean, Math.Sqrt(m2), m2 > 0 ? m4 / (m2 * m2) : double.NaN);
    }
}
