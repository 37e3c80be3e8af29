using System;
using System.Globalization;
using System.IO;
using System.Linq;
using PiXGen.Graph;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Zoo;

/// <summary>
/// <c>export &lt;model&gt; &lt;file.onnx&gt; [--fuse] [--weights &lt;checkpoint&gt;]</c>: writes a zoo network to ONNX (opset 17,
/// dynamic batch "N") from the compiler's <see cref="NetworkGraph"/>, optionally fused for inference first
/// (<see cref="GraphFusion"/>). Exit codes: 0 written, 1 the export failed, 2 bad arguments.
/// </summary>
public static class ExportCommand
{
    /// <summary>Runs the command; messages go to <paramref name="stdout"/>, errors (one line each) to <paramref name="stderr"/>.</summary>
    /// <param name="model">The zoo name (e.g. resnet18).</param>
    /// <param name="weightsPath">A checkpoint to load first, or null for the network's own initialisation.</param>
    /// <param name="onnxPath">The file to write.</param>
    /// <param name="fuse">Fuse BatchNorm and activations into the convolutions (and PiX) before exporting.</param>
    /// <param name="stdout">Where the summary goes.</param>
    /// <param name="stderr">Where errors go.</param>
    public static int Run(string model, string? weightsPath, string onnxPath, bool fuse, TextWriter stdout, TextWriter stderr)
    {
        var info = ZooCatalog.Find(model);
        if (info is null) {
            stderr.WriteLine($"error: unknown model '{model}'. Known models: {string.Join(", ", ZooCatalog.Models.Select(m => m.Name))}.");
            return 2;
        }
        if (string.IsNullOrWhiteSpace(onnxPath)) {
            stderr.WriteLine("error: no output file given; write e.g. export resnet18 resnet18.onnx.");
            return 2;
        }
        using var module = info.Create();
        if (weightsPath is not null && WeightsFile.Load(module, weightsPath, info.Name, stderr) is null) return 1;
        return Export(module, info.Name, onnxPath, fuse, stdout, stderr);
    }

    /// <summary>Exports an already created (and, if wanted, loaded) network; the part of <see cref="Run"/> after the
    /// model is made. <paramref name="module"/> must implement <see cref="IHasGraph"/>.</summary>
    public static int Export(nn.Module<Tensor, Tensor> module, string name, string onnxPath, bool fuse, TextWriter stdout, TextWriter stderr)
    {
        using var scope = NewDisposeScope();
        module.eval();
        if (module is not IHasGraph withGraph) {
            stderr.WriteLine($"error: model '{name}' ({module.GetType().Name}) has no compiler graph (it does not implement IHasGraph), so it cannot be exported to ONNX.");
            return 1;
        }
        try {
            var graph = withGraph.Graph;
            string how = "";
            if (fuse) {
                var fused = GraphFusion.Fuse(graph, module.state_dict());
                how = $", fused ({fused.Steps.Count} fusions: {graph.Nodes.Count} → {fused.Graph.Nodes.Count} nodes)";
                OnnxExporter.Export(fused.Graph, fused.Weights, onnxPath);
            } else {
                OnnxExporter.Export(graph, module.state_dict(), onnxPath);
            }
            long bytes = new FileInfo(onnxPath).Length;
            stdout.WriteLine($"wrote {onnxPath}: {name}{how}, ONNX opset {OnnxExporter.Opset}, input {OnnxExporter.BatchDimension}x{string.Join("x", graph.InputShape)}, {(bytes / 1e6).ToString("F1", CultureInfo.InvariantCulture)} MB");
            return 0;
        } catch (Exception ex) when (ex is NotSupportedException or ArgumentException) {
            stderr.WriteLine($"error: cannot export '{name}': {ex.Message}");
            return 1;
        } catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) {
            // The exporter's own errors name the file; others (the system's) get it in front.
            stderr.WriteLine("error: " + (ex.Message.Contains(onnxPath, StringComparison.Ordinal) ? ex.Message : $"cannot write '{onnxPath}': {ex.Message}"));
            return 1;
        }
    }
}
