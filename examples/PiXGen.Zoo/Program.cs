using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using PiXGen;
using PiXGen.Zoo;
using TorchSharp;
using static TorchSharp.torch;

// The zoo CLI, PiXGen's main job:
//   (no arguments)                 table of every zoo model + one forward pass of each
//   summary <model> [--json]       input/output shapes, parameters, costs and state_dict of one model
//   cost <model> [HxW]             the per-layer cost table (compile time, or re-evaluated for HxW)
//   bench <model> [--vs <model>] [--batch N] [--train] [--json]   median latency, side by side
//   --help
return ZooCli.Run(args, Console.Out, Console.Error);

namespace PiXGen.Zoo
{
    /// <summary>The zoo command line; returns the process exit code.</summary>
    public static class ZooCli
    {
        public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
        {
            if (args.Length == 0) return TableAndForward(stdout);
            switch (args[0])
            {
                case "summary" when args.Length >= 2:
                    return Summary(args[1], args.Contains("--json"), stdout, stderr);
                case "cost" when args.Length >= 2:
                    return Cost(args[1], args.Length >= 3 ? args[2] : null, stdout, stderr);
                case "bench":
                    return ZooBench.Run(args.Skip(1).ToArray(), stdout, stderr);
                case "-h": case "--help": case "help":
                    stdout.WriteLine(Usage);
                    return 0;
                default:
                    stderr.WriteLine($"error: unknown command '{string.Join(" ", args)}'.");
                    stderr.WriteLine(Usage);
                    return 2;
            }
        }

        public const string Usage =
            "usage: PiXGen.Zoo                          table of every zoo model and one forward pass of each\n" +
            "       PiXGen.Zoo summary <model> [--json]  shapes, parameters, costs and state_dict of one model\n" +
            "       PiXGen.Zoo cost <model> [HxW]        per-layer cost table (at the declared input, or re-evaluated for HxW)\n" +
            "       PiXGen.Zoo bench <model> [--vs <model>] [--batch N] [--train] [--rounds N] [--warmup N] [--json]\n" +
            "                                            median latency (forward, or a training step); with --vs both timed alternately";

        private static string Shape(System.Collections.Generic.IReadOnlyList<long> s) => string.Join("x", s);

        private static int TableAndForward(TextWriter o)
        {
            var models = ZooCatalog.Models;
            o.WriteLine($"PiXGen zoo: {models.Count} networks declared with attributes, generated at compile time.");
            o.WriteLine();
            o.WriteLine($"{"model",-26} {"class",-24} {"parameters",14} {"GMACs",7} {"paper G",8}   {"input → output",-20}");
            o.WriteLine(new string('-', 108));
            foreach (var m in models)
                o.WriteLine($"{m.Name,-26} {m.Type.Name,-24} {m.Parameters.ToString("N0", CultureInfo.InvariantCulture),14} " +
                            $"{(m.Macs / 1e9).ToString("F2", CultureInfo.InvariantCulture),7} {(m.MacsPaper / 1e9).ToString("F2", CultureInfo.InvariantCulture),8}   " +
                            $"{Shape(m.InputShape)} → {Shape(m.OutputShape)}");
            o.WriteLine("GMACs: Conv2d + Linear multiply-accumulates, bias excluded (torchvision convention); paper G: the paper convention");
            o.WriteLine("(+ bias adds, 2 per BatchNorm element, 1 per activation element, 1 per pooling input element). See docs/costs.md.");
            o.WriteLine();
            o.WriteLine($"One forward pass of each at batch 1 (eval, float32, {torch.get_num_threads()} threads):");
            int i = 0, failures = 0;
            foreach (var m in models)
            {
                i++;
                o.Write($"  [{i,2}/{models.Count}] {m.Name,-26} ");
                o.Flush();
                var sw = Stopwatch.StartNew();
                try
                {
                    using var scope = torch.NewDisposeScope();
                    using var model = m.Create();
                    model.eval();
                    using var _ = torch.no_grad();
                    var input = torch.randn(new long[] { 1 }.Concat(m.InputShape).ToArray());
                    var y = model.forward(input);
                    var expected = new long[] { 1 }.Concat(m.OutputShape).ToArray();
                    bool ok = y.shape.SequenceEqual(expected) && y.isfinite().all().item<bool>();
                    if (!ok) failures++;
                    o.WriteLine($"{Shape(y.shape.Skip(1).ToArray()),-8} {sw.Elapsed.TotalSeconds,6:F2} s  {(ok ? "ok" : "MISMATCH (expected " + Shape(expected) + ")")}");
                }
                catch (Exception ex)
                {
                    failures++;
                    o.WriteLine($"failed: {ex.Message}");
                }
            }
            o.WriteLine();
            o.WriteLine(failures == 0 ? "All forward passes produced the shapes inferred at compile time." : $"{failures} model(s) failed.");
            return failures == 0 ? 0 : 1;
        }

        private static int Summary(string name, bool json, TextWriter o, TextWriter e)
        {
            var info = ZooCatalog.Find(name);
            if (info is null)
            {
                e.WriteLine($"error: unknown model '{name}'. Known models: {string.Join(", ", ZooCatalog.Models.Select(m => m.Name))}.");
                return 2;
            }
            using var model = info.Create();
            var stateDict = model.state_dict().Select(kv => (kv.Key, kv.Value.shape)).ToList();
            if (json)
            {
                using var stream = new MemoryStream();
                using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false }))
                {
                    w.WriteStartObject();
                    w.WriteString("model", info.Name);
                    WriteShape(w, "input", info.InputShape);
                    WriteShape(w, "output", info.OutputShape);
                    w.WriteNumber("parameters", info.Parameters);
                    w.WriteString("variant", info.Variant);
                    w.WriteNumber("macs", info.Macs);
                    w.WriteNumber("macs_paper", info.MacsPaper);
                    w.WriteNumber("activation_bytes", info.ActivationBytes);
                    w.WriteStartArray("state_dict");
                    foreach (var (key, shape) in stateDict)
                    {
                        w.WriteStartArray();
                        w.WriteStringValue(key);
                        w.WriteStartArray();
                        foreach (var d in shape) w.WriteNumberValue(d);
                        w.WriteEndArray();
                        w.WriteEndArray();
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                o.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
                return 0;
            }
            o.WriteLine($"{info.Name} ({info.Type.FullName})");
            o.WriteLine($"  input       {Shape(info.InputShape)}");
            o.WriteLine($"  output      {Shape(info.OutputShape)}");
            o.WriteLine($"  parameters  {info.Parameters.ToString("N0", CultureInfo.InvariantCulture)}");
            o.WriteLine($"  variant     {info.Variant}");
            o.WriteLine($"  MACs        {info.Macs.ToString("N0", CultureInfo.InvariantCulture)} (Conv2d + Linear, bias excluded; torchvision convention)");
            o.WriteLine($"  paper       {info.MacsPaper.ToString("N0", CultureInfo.InvariantCulture)} (paper convention, docs/costs.md)");
            o.WriteLine($"  activations {info.ActivationBytes.ToString("N0", CultureInfo.InvariantCulture)} bytes (every layer output, batch 1, float32); peak {info.PeakActivationBytes.ToString("N0", CultureInfo.InvariantCulture)}");
            o.WriteLine($"  state_dict  {stateDict.Count} entries");
            foreach (var (key, shape) in stateDict) o.WriteLine($"    {key,-48} [{string.Join(", ", shape)}]");
            return 0;
        }

        private static int Cost(string name, string? size, TextWriter o, TextWriter e)
        {
            var info = ZooCatalog.Find(name);
            if (info is null)
            {
                e.WriteLine($"error: unknown model '{name}'. Known models: {string.Join(", ", ZooCatalog.Models.Select(m => m.Name))}.");
                return 2;
            }
            if (size is null)
            {
                o.Write(info.Cost!.ToString());
                return 0;
            }
            var parts = size.Split('x', 'X', '×');
            if (parts.Length != 2 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var h)
                || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var w) || h <= 0 || w <= 0)
            {
                e.WriteLine($"error: '{size}' is not a size; write HEIGHTxWIDTH, e.g. 112x112.");
                return 2;
            }
            try
            {
                o.Write(info.CostFor!(h, w).ToString());
                return 0;
            }
            catch (ArgumentException ex)
            {
                e.WriteLine($"error: {ex.Message}");
                return 1;
            }
        }

        private static void WriteShape(Utf8JsonWriter w, string name, System.Collections.Generic.IReadOnlyList<long> shape)
        {
            w.WriteStartArray(name);
            foreach (var d in shape) w.WriteNumberValue(d);
            w.WriteEndArray();
        }
    }
}
