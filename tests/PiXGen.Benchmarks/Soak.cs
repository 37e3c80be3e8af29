using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using PiXGen.Zoo;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Benchmarks;

/// <summary>
/// Leak soak (docs/reliability.md): <c>dotnet run -c Release --project tests/PiXGen.Benchmarks -- --soak
/// [--forwards 10000] [--steps 1000] [--size 224] [--every N] [--models resnet50,pix-resnet50]</c>. Per model: N eval
/// forward passes, then M SGD training steps, at batch 1, printing resident memory (VmRSS), TorchSharp's live tensor
/// count (<c>Tensor.TotalCount</c>) and its dispose-scope statistics at intervals; a Markdown table goes to
/// BenchmarkDotNet.Artifacts/soak.md. A leak shows as RSS or live tensors growing after the warm-up.
/// </summary>
public static class Soak
{
    public static int Run(string[] args)
    {
        int forwards = Option(args, "--forwards", 10_000), steps = Option(args, "--steps", 1_000), size = Option(args, "--size", 224);
        int everyForward = Option(args, "--every", Math.Max(1, forwards / 10)), everyStep = Math.Max(1, steps / 10);
        var models = (args.SkipWhile(a => a != "--models").Skip(1).FirstOrDefault() ?? "resnet50,pix-resnet50").Split(',');
        var table = new StringBuilder($"Soak: batch 1, 3x{size}x{size}, {forwards} forwards and {steps} training steps per model, torch threads {torch.get_num_threads()}\n\n");
        table.AppendLine("| model | phase | iteration | VmRSS (MB) | live tensors | peak tensors | ms/iteration |");
        table.AppendLine("|---|---|---:|---:|---:|---:|---:|");
        foreach (var name in models)
        {
            torch.manual_seed(1);
            using nn.Module<Tensor, Tensor> model = name switch
            {
                "resnet50" => new ResNet50(),
                "pix-resnet50" => new PiXResNet50(),
                _ => throw new ArgumentException($"--models: unknown model '{name}' (resnet50, pix-resnet50)"),
            };
            using var x = torch.randn(1, 3, size, size);
            using var label = torch.tensor(new long[] { 7 });
            model.eval();
            var clock = Stopwatch.StartNew();
            Row(table, name, "forward", 0, clock, 1);
            for (int i = 1; i <= forwards; i++)
            {
                using (var scope = NewDisposeScope())
                using (no_grad())
                    model.call(x);
                if (i % everyForward == 0 || i == forwards) { Row(table, name, "forward", i, clock, Math.Min(i, everyForward)); clock.Restart(); }
            }
            model.train();
            using var sgd = torch.optim.SGD(model.parameters(), 0.001, momentum: 0.9);
            using var loss = nn.CrossEntropyLoss();
            clock.Restart();
            for (int i = 1; i <= steps; i++)
            {
                using (var scope = NewDisposeScope())
                {
                    sgd.zero_grad();
                    loss.call(model.call(x), label).backward();
                    sgd.step();
                }
                if (i % everyStep == 0 || i == steps) { Row(table, name, "train", i, clock, Math.Min(i, everyStep)); clock.Restart(); }
            }
        }
        Directory.CreateDirectory("BenchmarkDotNet.Artifacts");
        PiXGen.AtomicFile.WriteAllText(Path.Combine("BenchmarkDotNet.Artifacts", "soak.md"), table.ToString());
        Console.WriteLine(table);
        return 0;
    }

    private static void Row(StringBuilder table, string model, string phase, int iteration, Stopwatch clock, int iterations)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        string row = FormattableString.Invariant($"| {model} | {phase} | {iteration} | {Rss() / 1024.0:F0} | {Tensor.TotalCount} | {Tensor.PeakCount} | {(iteration == 0 ? 0 : clock.Elapsed.TotalMilliseconds / iterations):F1} |");
        table.AppendLine(row);
        Console.WriteLine(row);
    }

    /// <summary>Resident memory of this process in KB (/proc/self/status VmRSS; -1 where there is no /proc).</summary>
    private static long Rss()
    {
        if (!File.Exists("/proc/self/status")) return -1;
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? -1 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    private static int Option(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
