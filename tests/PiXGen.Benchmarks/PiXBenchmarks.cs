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

    public static IEnumerable<Shape> Cases() => Shape.ResNet50();

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
