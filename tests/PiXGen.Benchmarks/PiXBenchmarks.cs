using System.Collections.Generic;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using Perfolizer.Horology;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.NoEmit;

namespace PiXGen.Benchmarks;

/// <summary>Short in-process job: the whole matrix (7 shapes × 9 operations) has to fit in about 15 minutes on a
/// 2-core machine. 3 warm-up and 15 measured iterations of about 150 ms each.</summary>
public sealed class BenchmarkConfig : ManualConfig
{
    public BenchmarkConfig()
    {
        AddJob(Job.Default
            .WithToolchain(InProcessNoEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(15)
            .WithIterationTime(TimeInterval.FromMilliseconds(150))
            .WithStrategy(RunStrategy.Throughput));
        AddColumnProvider(DefaultColumnProviders.Instance);
        AddColumn(StatisticColumn.Median, StatisticColumn.Q1, StatisticColumn.Q3);
        AddLogger(BenchmarkDotNet.Loggers.ConsoleLogger.Default);
        AddExporter(BenchmarkDotNet.Exporters.MarkdownExporter.GitHub);
        WithOptions(ConfigOptions.DisableOptimizationsValidator);
    }
}

public class PiXBenchmarks
{
    private PiXCases? cases;
    private System.Action run = () => { };

    [ParamsSource(nameof(Cases))]
    public Shape Case { get; set; } = Shape.ResNet50().GetEnumerator() is var e && e.MoveNext() ? e.Current : null!;

    [ParamsSource(nameof(Ops))]
    public string Op { get; set; } = "fused fwd";

    /// <summary>All shapes, or those listed in PIX_BENCH_SHAPES (e.g. "512->128@28,2048->512@7").</summary>
    public static IEnumerable<Shape> Cases()
    {
        var only = System.Environment.GetEnvironmentVariable("PIX_BENCH_SHAPES");
        if (string.IsNullOrWhiteSpace(only)) return Shape.ResNet50();
        var wanted = new HashSet<string>(only.Split(',', System.StringSplitOptions.TrimEntries | System.StringSplitOptions.RemoveEmptyEntries));
        return System.Linq.Enumerable.Where(Shape.ResNet50(), s => wanted.Contains(s.ToString()));
    }

    public static IEnumerable<string> Ops() => PiXCases.Names;

    [GlobalSetup]
    public void Setup()
    {
        cases = new PiXCases(Case);
        run = cases.Get(Op);
    }

    [Benchmark]
    public void Run() => run();

    [GlobalCleanup]
    public void Cleanup() => cases?.Dispose();
}
