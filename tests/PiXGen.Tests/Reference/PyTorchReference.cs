using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Tests.Reference;

/// <summary>
/// Ground truth from PyTorch (Reference/pytorch-reference.json, written by tools/reference/make_reference.py):
/// state_dict keys and shapes, parameter and MAC counts, and logits (float32, and the same network in float64)
/// under the deterministic initialisation described in tools/reference/README.md.
/// </summary>
public sealed class PyTorchReference
{
    /// <summary>One network's entry; <see cref="InputShape"/> is C×H×W, 3×224×224 unless the entry records its own.</summary>
    public sealed record Model(string Name, IReadOnlyList<(string Key, long[] Shape)> StateDict, long Parameters,
        long MacsConvLinear, long[] OutputShape, float[] Logits, double[] ReferenceFloat64, long[] InputShape);

    /// <summary>The input size of tools/reference/README.md, where a network records no input_shape of its own.</summary>
    public static readonly long[] DefaultInputShape = { 3, 224, 224 };

    private static readonly Lazy<PyTorchReference> Instance = new(() => new PyTorchReference(Locate()));
    public static PyTorchReference Load() => Instance.Value;

    public IReadOnlyDictionary<string, Model> Models { get; }

    private PyTorchReference(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var models = new Dictionary<string, Model>();
        foreach (var m in doc.RootElement.GetProperty("models").EnumerateObject())
        {
            var sd = m.Value.GetProperty("state_dict").EnumerateArray()
                .Select(e => (e[0].GetString()!, e[1].EnumerateArray().Select(x => x.GetInt64()).ToArray())).ToList();
            models[m.Name] = new Model(m.Name, sd, m.Value.GetProperty("parameters").GetInt64(),
                m.Value.GetProperty("macs_conv_linear").GetInt64(),
                m.Value.GetProperty("output_shape").EnumerateArray().Select(x => x.GetInt64()).ToArray(),
                m.Value.GetProperty("logits").EnumerateArray().Select(x => x.GetSingle()).ToArray(),
                m.Value.GetProperty("reference_float64").EnumerateArray().Select(x => x.GetDouble()).ToArray(),
                m.Value.TryGetProperty("input_shape", out var shape) ? shape.EnumerateArray().Select(x => x.GetInt64()).ToArray() : DefaultInputShape);
        }
        Models = models;
    }

    /// <summary>
    /// The repository's reference file (tests/PiXGen.Tests/Reference/pytorch-reference.json, made by
    /// tools/reference/make_reference.py), copied next to the test binary by the build.
    /// </summary>
    private static string Locate()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Reference", "pytorch-reference.json");
        return File.Exists(path) ? path
            : throw new FileNotFoundException($"pytorch-reference.json not found at {path}; the test project copies "
                + "tests/PiXGen.Tests/Reference/pytorch-reference.json to its output folder (rebuild the test project)", path);
    }

    /// <summary>h(name) of tools/reference/README.md: (Σ (i+1)·code(name[i]) mod 1000) / 1000.</summary>
    public static double NameHash(string name)
    {
        long sum = 0;
        for (int i = 0; i < name.Length; i++) sum += (i + 1) * (long)name[i];
        return (sum % 1000) / 1000.0;
    }

    /// <summary>The value (tools/reference/README.md) of element <paramref name="index"/> of state_dict entry <paramref name="key"/>.</summary>
    public static double InitValue(string key, long[] shape, long index)
    {
        double b = Math.Sin(0.7 * index + 2 * Math.PI * NameHash(key));
        if (key.EndsWith("running_var", StringComparison.Ordinal)) return 1 + 0.5 * b * b;
        if (key.EndsWith("running_mean", StringComparison.Ordinal)) return 0.1 * b;
        if (shape.Length == 1) return key.EndsWith("weight", StringComparison.Ordinal) ? 1 + 0.1 * b : 0.05 * b;
        long numel = shape.Aggregate(1L, (a, d) => a * d);
        double fanIn = numel / (double)shape[0];
        return b * Math.Sqrt(3 / fanIn);
    }

    /// <summary>Sets every state_dict entry of <paramref name="module"/> by the deterministic formula.</summary>
    public static void Initialise(nn.Module module)
    {
        using var _ = torch.no_grad();
        foreach (var (key, tensor) in module.state_dict())
        {
            if (key.EndsWith("num_batches_tracked", StringComparison.Ordinal)) continue;
            var shape = tensor.shape;
            var values = new float[tensor.numel()];
            for (long i = 0; i < values.Length; i++) values[i] = (float)InitValue(key, shape, i);
            using var source = torch.tensor(values, shape);
            tensor.copy_(source);
        }
    }

    /// <summary>The input of tools/reference/README.md: element i = sin(0.013·i), shape (N, C, H, W).</summary>
    public static Tensor Input(long n = 2, long c = 3, long h = 224, long w = 224)
    {
        var values = new float[n * c * h * w];
        for (long i = 0; i < values.Length; i++) values[i] = (float)Math.Sin(0.013 * i);
        return torch.tensor(values, new[] { n, c, h, w });
    }

    /// <summary>The input of tools/reference/README.md at <paramref name="model"/>'s input size, batch 2.</summary>
    public static Tensor Input(Model model) => Input(2, model.InputShape[0], model.InputShape[1], model.InputShape[2]);

    /// <summary>‖a − b‖₂ / ‖b‖₂ in float64.</summary>
    public static double RelativeL2(float[] actual, float[] expected) => RelativeL2(Widen(actual), Widen(expected));

    /// <summary>‖a − b‖₂ / ‖b‖₂ in float64, against a float64 reference (e.g. <see cref="Model.ReferenceFloat64"/>).</summary>
    public static double RelativeL2(float[] actual, double[] expected) => RelativeL2(Widen(actual), expected);

    /// <summary>‖a − b‖₂ / ‖b‖₂.</summary>
    public static double RelativeL2(double[] actual, double[] expected)
    {
        if (actual.Length != expected.Length) throw new ArgumentException($"lengths differ: {actual.Length} vs {expected.Length}");
        double num = 0, den = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double d = actual[i] - expected[i];
            num += d * d; den += expected[i] * expected[i];
        }
        return Math.Sqrt(num / den);
    }

    private static double[] Widen(float[] values) => Array.ConvertAll(values, x => (double)x);
}
