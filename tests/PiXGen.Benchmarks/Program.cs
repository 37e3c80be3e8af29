using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Running;
using TorchSharp;

namespace PiXGen.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project tests/PiXGen.Benchmarks</c>: BenchmarkDotNet, short in-process job, then the
/// ratio table (Markdown) is printed and written to BenchmarkDotNet.Artifacts/pix-operator-table.md.
/// <c>-- --quick</c>: a plain Stopwatch harness (median and quartiles of 15 runs) for a fast look;
/// <c>--only 256->64@56</c> limits it to one shape. <c>--threads N</c> sets torch's (and so the kernel's) thread count.
/// <c>-- --networks</c>: generated PiX-ResNet-50 vs ResNet-50 (<see cref="NetworkBenchmarks"/>), table written to
/// BenchmarkDotNet.Artifacts/pix-resnet50-table.md. <c>-- --breakdown [--rounds N] [--train]</c>: per-stage and
/// per-layer-kind times of both networks (<see cref="Breakdown"/>), written to pix-resnet50-breakdown.md.
/// <c>-- --fusion [--model NAME] [--batch N] [--rounds N]</c>: generated vs fused eval forward (<see cref="FusionBenchmarks"/>).
/// <c>-- --generator [--rounds N]</c>: the generator on the whole zoo, in-process and warm, per network (<see cref="GeneratorBenchmark"/>).
/// <c>-- --soak [--forwards N] [--steps M] [--size S]</c>: the leak soak (<see cref="Soak"/>).
/// <c>-- --profile-train [--batch N] [--rounds N] [--models a,b]</c>: forward and backward of a training step per layer
/// kind and per block (<see cref="TrainProfile"/>), written to train-profile.md.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        int t = Array.IndexOf(args, "--threads");
        if (t >= 0 && t + 1 < args.Length) {
            torch.set_num_threads(int.Parse(args[t + 1], CultureInfo.InvariantCulture));
            args = args.Where((_, i) => i != t && i != t + 1).ToArray();
        }
        Console.WriteLine($"torch threads: {torch.get_num_threads()}, cores: {Environment.ProcessorCount}, SIMD: Vector<float>.Count = {System.Numerics.Vector<float>.Count}");
        if (args.Contains("--soak")) return Soak.Run(args);
        if (args.Contains("--profile-train")) return ProfileTrain(args);
        if (args.Contains("--networks") || args.Contains("--breakdown")) return Networks(args);
        if (args.Contains("--fusion")) return Fusion(args);
        if (args.Contains("--generator")) return GeneratorBenchmark.Run(args);
        var results = args.Contains("--quick") ? Quick(args) : Bdn(args);
        string table = Report.Table(results);
        Console.WriteLine(table);
        Directory.CreateDirectory("BenchmarkDotNet.Artifacts");
        PiXGen.AtomicFile.WriteAllText(Path.Combine("BenchmarkDotNet.Artifacts", "pix-operator-table.md"), table);
        return 0;
    }

    private static int Networks(string[] args)
    {
        string text;
        string file;
        if (args.Contains("--breakdown"))
        {
            int r = Array.IndexOf(args, "--rounds");
            int rounds = r >= 0 && r + 1 < args.Length ? int.Parse(args[r + 1], CultureInfo.InvariantCulture) : 7;
            bool train = args.Contains("--train");
            WarnOneDnn(train);
            text = Breakdown.Run(rounds, train);
            file = "pix-resnet50-breakdown.md";
        }
        else
        {
            WarnOneDnn(NetworkBenchmarks.Modes().Any(m => m.StartsWith("train", StringComparison.Ordinal)));
            var summary = BenchmarkRunner.Run<NetworkBenchmarks>(new NetworkConfig(), args.Where(a => a != "--networks").ToArray());
            var results = new Dictionary<(string mode, string model), Stat>();
            foreach (var report in summary.Reports) {
                var stats = report.ResultStatistics;
                if (stats is null) continue;
                results[((string)report.BenchmarkCase.Parameters["Mode"]!, (string)report.BenchmarkCase.Parameters["Model"]!)] =
                    new Stat(stats.Median / 1e6, stats.Q1 / 1e6, stats.Q3 / 1e6, stats.N);
            }
            text = Report.NetworkTable(results);
            file = "pix-resnet50-table.md";
        }
        Console.WriteLine(text);
        Directory.CreateDirectory("BenchmarkDotNet.Artifacts");
        PiXGen.AtomicFile.WriteAllText(Path.Combine("BenchmarkDotNet.Artifacts", file), text);
        return 0;
    }

    private static int ProfileTrain(string[] args)
    {
        string Arg(string name, string fallback) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback; }
        var models = Arg("--models", string.Join(",", NetworkBenchmarks.AllModels)).Split(',', StringSplitOptions.RemoveEmptyEntries);
        int batch = int.Parse(Arg("--batch", "8"), CultureInfo.InvariantCulture);
        int rounds = int.Parse(Arg("--rounds", "5"), CultureInfo.InvariantCulture);
        WarnOneDnn(true);
        string text = args.Contains("--pix-parts")
            ? string.Join("\n", models.Where(m => m.Contains("pix", StringComparison.Ordinal)).Select(m => TrainProfile.PiXParts(m, batch, rounds)))
            : TrainProfile.Run(models, batch, rounds);
        Console.WriteLine(text);
        Directory.CreateDirectory("BenchmarkDotNet.Artifacts");
        PiXGen.AtomicFile.WriteAllText(Path.Combine("BenchmarkDotNet.Artifacts", "train-profile.md"), text);
        return 0;
    }

    private static int Fusion(string[] args)
    {
        WarnOneDnn(false);
        string text = FusionBenchmarks.Run(args);
        Console.WriteLine(text);
        Directory.CreateDirectory("BenchmarkDotNet.Artifacts");
        PiXGen.AtomicFile.WriteAllText(Path.Combine("BenchmarkDotNet.Artifacts", "fusion-table.md"), text);
        return 0;
    }

    /// <summary>Says which convolution kernels the timings use: generated networks disable oneDNN where the VM
    /// reports no CPU cache sizes (PiXGen.Platform.TorchPlatform, docs/platform.md).</summary>
    private static void WarnOneDnn(bool training)
    {
        PiXGen.Platform.TorchPlatform.EnsureInitialized();
        Console.WriteLine(PiXGen.Platform.TorchPlatform.MkldnnDisabled
            ? $"note: oneDNN is disabled ({PiXGen.Platform.TorchPlatform.Reason}); convolutions use libtorch's native kernels" +
              (training ? " (training would otherwise crash with SIGFPE here)." : ".")
            : "note: oneDNN convolutions are enabled.");
    }

    private static Dictionary<(string shape, string name), Stat> Bdn(string[] args)
    {
        var summary = BenchmarkRunner.Run<PiXBenchmarks>(new BenchmarkConfig(), args);
        var results = new Dictionary<(string, string), Stat>();
        foreach (var report in summary.Reports) {
            var stats = report.ResultStatistics;
            if (stats is null) continue;
            string shape = report.BenchmarkCase.Parameters["Case"]!.ToString()!;
            string name = (string)report.BenchmarkCase.Parameters["Op"]!;
            results[(shape, name)] = new Stat(stats.Median / 1e6, stats.Q1 / 1e6, stats.Q3 / 1e6, stats.N);
        }
        return results;
    }

    private static Dictionary<(string shape, string name), Stat> Quick(string[] args)
    {
        const int warmup = 10, runs = 15;
        int only = Array.IndexOf(args, "--only");
        string? filter = only >= 0 && only + 1 < args.Length ? args[only + 1] : null;
        var results = new Dictionary<(string, string), Stat>();
        foreach (var shape in Shape.ResNet50()) {
            if (filter is not null && shape.ToString() != filter) continue;
            using var cases = new PiXCases(shape);
            foreach (var name in PiXCases.Names) {
                var op = cases.Get(name);
                for (int i = 0; i < warmup; i++) op();
                var t = new double[runs];
                for (int i = 0; i < runs; i++) {
                    long start = Stopwatch.GetTimestamp();
                    op();
                    t[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                }
                Array.Sort(t);
                var s = new Stat(t[runs / 2], t[runs / 4], t[3 * runs / 4], runs);
                results[(shape.ToString(), name)] = s;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{shape,-14} {name,-34} {s.Median,9:F3} ms  [{s.Q1:F3}, {s.Q3:F3}]"));
            }
        }
        return results;
    }
}

/// <summary>Median and quartiles in milliseconds over <paramref name="N"/> measurements.</summary>
public readonly record struct Stat(double Median, double Q1, double Q3, int N);
