using System;
using System.IO;
using System.Linq;
using PiXGen.Export;
using PiXGen.Graph;

namespace PiXGen.Zoo;

/// <summary>
/// <c>export &lt;model&gt; [--weights f] [--onnx out.onnx [--triton repo]] [--pytorch dir] [--fuse]</c>: ONNX
/// (<see cref="ExportCommand"/>), a Triton model repository around that ONNX file (<see cref="TritonRepository"/>) and
/// the PyTorch module (<see cref="PyTorchExporter"/>), in one command. Exit codes: 0 written, 1 failed, 2 bad arguments.
/// </summary>
public static class ScaleOutExport
{
    /// <summary>Runs the command.</summary>
    public static int Run(string model, string? weights, string? onnx, string? pytorch, string? triton, bool fuse, TextWriter stdout, TextWriter stderr)
    {
        if (triton is not null && onnx is null) {
            stderr.WriteLine($"error: --triton writes a repository around the ONNX file, so it needs --onnx too: export {model} --onnx {model}.onnx --triton {triton}.");
            return 2;
        }
        if (onnx is null && pytorch is null) {
            stderr.WriteLine($"error: export needs --onnx <out.onnx> and/or --pytorch <dir>; e.g. export {model} --onnx {model}.onnx.");
            return 2;
        }
        if (fuse && onnx is null) {
            stderr.WriteLine("error: --fuse applies to the ONNX export (the PyTorch module is written unfused, so it can train).");
            return 2;
        }
        if (onnx is not null) {
            int rc = ExportCommand.Run(model, weights, onnx, fuse, stdout, stderr);
            if (rc != 0) return rc;
            if (triton is not null) {
                var info = ZooCatalog.Find(model)!;
                using var module = info.Create();
                try {
                    var folder = TritonRepository.Write(((IHasGraph)module).Graph, onnx, triton, info.Name);
                    stdout.WriteLine($"wrote {Path.Combine(folder, "config.pbtxt")} and {Path.Combine(folder, "1", "model.onnx")}: Triton model '{info.Name}', max_batch_size {TritonRepository.DefaultMaxBatchSize}, dynamic batching");
                } catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException) {
                    stderr.WriteLine($"error: cannot write the Triton repository '{triton}': {ex.Message}");
                    return 1;
                }
            }
        }
        if (pytorch is not null) {
            var info = ZooCatalog.Find(model);
            if (info is null) {
                stderr.WriteLine($"error: unknown model '{model}'. Known models: {string.Join(", ", ZooCatalog.Models.Select(m => m.Name))}.");
                return 2;
            }
            using var module = info.Create();
            if (weights is not null && WeightsFile.Load(module, weights, info.Name, stderr) is null) return 1;
            try {
                string py = PyTorchExporter.Export(module, pytorch, info.Name);
                stdout.WriteLine($"wrote {py} and {Path.Combine(pytorch, PyTorchExporter.FileNames(info.Name).Manifest)}: {info.Name} as a PyTorch module (build() returns it)");
                if (weights is not null) {
                    string ckpt = Path.Combine(pytorch, info.Name + ".safetensors");
                    PiXGen.Checkpoints.Checkpoint.Save(module, ckpt);
                    stdout.WriteLine($"wrote {ckpt}: the loaded weights");
                }
            } catch (Exception ex) when (ex is ArgumentException or IOException or UnauthorizedAccessException or InvalidDataException) {
                stderr.WriteLine($"error: cannot export '{model}' to PyTorch: {ex.Message}");
                return 1;
            }
        }
        return 0;
    }
}
