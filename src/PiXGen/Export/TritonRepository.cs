using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using PiXGen.Graph;

namespace PiXGen.Export;

/// <summary>
/// A Triton Inference Server model repository for an exported ONNX model (ONNX Runtime backend):
/// <c>&lt;repo&gt;/&lt;model&gt;/config.pbtxt</c> and <c>&lt;repo&gt;/&lt;model&gt;/1/model.onnx</c>. The config names the
/// ONNX graph's input and output with their per-sample dims (Triton adds the batch dimension up to
/// <c>max_batch_size</c>) and turns dynamic batching on. KServe's v2 inference protocol serves the same repository
/// (docs/scale-out.md).
/// </summary>
public static class TritonRepository
{
    /// <summary>The default largest batch Triton forms.</summary>
    public const int DefaultMaxBatchSize = 32;

    /// <summary>The default longest time a request waits for others to batch with, in microseconds.</summary>
    public const int DefaultQueueDelayMicroseconds = 100;

    /// <summary>The config.pbtxt text for <paramref name="graph"/> served as <paramref name="model"/>.</summary>
    public static string Config(NetworkGraph graph, string model, int maxBatchSize = DefaultMaxBatchSize, int queueDelayMicroseconds = DefaultQueueDelayMicroseconds)
    {
        ArgumentNullException.ThrowIfNull(graph);
        CheckName(model);
        if (maxBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(maxBatchSize), maxBatchSize, "Triton's max_batch_size must be at least 1 for dynamic batching.");
        string Dims(long[] s) => "[ " + string.Join(", ", s.Select(d => d.ToString(CultureInfo.InvariantCulture))) + " ]";
        var preferred = new[] { 4, 8, 16, 32, 64, 128 }.Where(b => b <= maxBatchSize).ToList();
        var sb = new StringBuilder();
        sb.Append($"# {graph.Network}, exported by PiXGen (ONNX opset {OnnxExporter.Opset}); Triton adds the batch dimension.\n");
        sb.Append($"name: \"{model}\"\n");
        sb.Append("platform: \"onnxruntime_onnx\"\n");
        sb.Append($"max_batch_size: {maxBatchSize.ToString(CultureInfo.InvariantCulture)}\n");
        sb.Append("input [\n  {\n");
        sb.Append($"    name: \"{NetworkGraph.InputName}\"\n    data_type: TYPE_FP32\n    dims: {Dims(graph.InputShape)}\n");
        sb.Append("  }\n]\n");
        sb.Append("output [\n  {\n");
        sb.Append($"    name: \"{graph.Output}\"\n    data_type: TYPE_FP32\n    dims: {Dims(GraphOps.ShapeOf(graph, graph.Output))}\n");
        sb.Append("  }\n]\n");
        sb.Append("dynamic_batching {\n");
        if (preferred.Count > 0) sb.Append($"  preferred_batch_size: [ {string.Join(", ", preferred)} ]\n");
        sb.Append($"  max_queue_delay_microseconds: {queueDelayMicroseconds.ToString(CultureInfo.InvariantCulture)}\n");
        sb.Append("}\n");
        return sb.ToString();
    }

    /// <summary>
    /// Writes <c>&lt;repo&gt;/&lt;model&gt;/config.pbtxt</c> and copies <paramref name="onnxFile"/> to
    /// <c>&lt;repo&gt;/&lt;model&gt;/1/model.onnx</c> (version 1). Each file is written through a temporary file.
    /// </summary>
    /// <returns>The model's folder.</returns>
    public static string Write(NetworkGraph graph, string onnxFile, string repository, string model, int maxBatchSize = DefaultMaxBatchSize)
    {
        ArgumentNullException.ThrowIfNull(onnxFile);
        ArgumentNullException.ThrowIfNull(repository);
        var config = Config(graph, model, maxBatchSize);
        if (!File.Exists(onnxFile)) throw new FileNotFoundException($"{onnxFile}: no such ONNX file to put into the Triton repository.", onnxFile);
        string folder = Path.Combine(repository, model);
        Directory.CreateDirectory(Path.Combine(folder, "1"));
        string onnxTarget = Path.Combine(folder, "1", "model.onnx");
        AtomicFile.Write(onnxTarget, target => { using var source = File.OpenRead(onnxFile); source.CopyTo(target); });
        AtomicFile.WriteAllText(Path.Combine(folder, "config.pbtxt"), config);
        return folder;
    }

    private static void CheckName(string model)
    {
        if (string.IsNullOrWhiteSpace(model) || model.Any(ch => !(char.IsAsciiLetterOrDigit(ch) || ch is '_' or '-' or '.')) || model.StartsWith('.'))
            throw new ArgumentException($"'{model}' cannot name a Triton model folder: use letters, digits, '_', '-' and '.'.", nameof(model));
    }
}
