using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using PiXGen.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Zoo;

/// <summary>
/// <c>predict &lt;model&gt; &lt;weights&gt; &lt;input.npy&gt; [--fuse] [--json]</c>: loads a checkpoint strictly into a zoo
/// network, runs it in eval mode on a float32 .npy input — (N, C, H, W), or (C, H, W) for one sample — and prints
/// the logits' top classes; with <c>--json</c> the last line is <c>{"model","output_shape","logits"}</c> (logits
/// flattened, C order). Every bad input is one line on stderr and exit code 1.
/// </summary>
public static class PredictCommand
{
    /// <summary>Runs the command; returns the process exit code (0, or 1 for any bad input).</summary>
    public static int Run(string model, string weightsPath, string inputNpy, bool fuse, bool json, TextWriter stdout, TextWriter stderr)
    {
        var info = ZooCatalog.Find(model);
        if (info is null)
            return Fail(stderr, $"unknown model '{model}'. Known models: {string.Join(", ", ZooCatalog.Models.Select(m => m.Name))}.");

        using var scope = NewDisposeScope();
        Tensor input;
        try { input = Npy.Load(inputNpy); }
        catch (Exception e) when (e is NpyFormatException or FileNotFoundException or IOException or UnauthorizedAccessException)
        {
            return Fail(stderr, e is FileNotFoundException ? $"{inputNpy}: no such input file." : e.Message);
        }
        long channels = info.InputShape[0];
        if (input.dim() == 3) input = input.unsqueeze(0);
        if (input.dim() != 4 || input.shape[1] != channels)
            return Fail(stderr, $"{inputNpy}: input shape ({string.Join(", ", input.shape)}) does not fit {info.Name}, which takes " +
                                $"(N, {channels}, H, W) or ({channels}, H, W), e.g. ({string.Join(", ", info.InputShape)}).");

        using var network = info.Create();
        var report = WeightsFile.Load(network, weightsPath, info.Name, stderr);
        if (report is null) return 1;

        network.eval();
        nn.Module<Tensor, Tensor> runner = network;
        PiXGen.Graph.FusedNetwork? fused = null;
        if (fuse)
        {
            // Inference fusion from the compiler's graph: BatchNorm folded into convolutions, PiX epilogue, activations fused.
            if (network is not PiXGen.Graph.IHasGraph withGraph)
                return Fail(stderr, $"{info.Name} has no compiler graph (a hand-written forward), so it cannot be fused; leave out --fuse.");
            runner = fused = PiXGen.Graph.GraphFusion.Fuse(withGraph);
        }
        using var fusedScope = fused;
        Tensor output;
        try
        {
            using var _ = no_grad();
            output = runner.forward(input);
        }
        catch (Exception e)
        {
            return Fail(stderr, $"{info.Name} cannot run on input ({string.Join(", ", input.shape)}) from {inputNpy}: {WeightsFile.FirstLine(e.Message)}");
        }

        // A batch of 0 gives a (0, classes) output, as in PyTorch: no elements to read.
        var logits = output.numel() == 0 ? Array.Empty<float>() : output.detach().cpu().contiguous().data<float>().ToArray();
        var o = stdout;
        o.WriteLine($"model    {info.Name} ({info.Type.Name}), eval mode{(fuse ? ", fused for inference" : "")}");
        o.WriteLine($"weights  {weightsPath}: {report.Loaded.Count} tensors (strict){(report.Converted.Count > 0 ? $", {report.Converted.Count} converted to the network's dtype" : "")}");
        o.WriteLine($"input    {string.Join("x", input.shape)} from {inputNpy}");
        o.WriteLine($"output   {string.Join("x", output.shape)}");
        if (output.dim() == 2)
        {
            long classes = output.shape[1];
            for (int n = 0; n < output.shape[0]; n++)
            {
                var row = logits.AsSpan((int)(n * classes), (int)classes).ToArray();
                var top = Enumerable.Range(0, row.Length).OrderByDescending(i => row[i]).Take(5)
                    .Select(i => $"{i}: {row[i].ToString("G6", CultureInfo.InvariantCulture)}");
                o.WriteLine($"  sample {n}: top-5 {string.Join(", ", top)}");
            }
        }
        if (json)
        {
            using var stream = new MemoryStream();
            using (var w = new Utf8JsonWriter(stream))
            {
                w.WriteStartObject();
                w.WriteString("model", info.Name);
                w.WriteStartArray("output_shape");
                foreach (var d in output.shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("logits");
                foreach (var v in logits)
                    if (float.IsFinite(v)) w.WriteNumberValue(v);
                    else w.WriteNullValue();
                w.WriteEndArray();
                w.WriteEndObject();
            }
            o.WriteLine(Encoding.UTF8.GetString(stream.ToArray()));
        }
        return 0;
    }

    private static int Fail(TextWriter stderr, string message)
    {
        stderr.WriteLine("error: " + WeightsFile.FirstLine(message));
        return 1;
    }
}
