using System;
using System.Collections.Generic;
using System.Linq;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.NoEmit;
using PiXGen.Zoo;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Benchmarks;

/// <summary>Whole networks take hundreds of milliseconds to seconds per call: one call per iteration
/// (monitoring strategy), 2 warm-up and 9 measured iterations, in process.</summary>
public sealed class NetworkConfig : ManualConfig
{
    public NetworkConfig()
    {
        AddJob(Job.Default
            .WithToolchain(InProcessNoEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(2)
            .WithIterationCount(9)
            .WithInvocationCount(1)
            .WithUnrollFactor(1)
            .WithStrategy(RunStrategy.Monitoring));
        AddColumnProvider(DefaultColumnProviders.Instance);
        AddColumn(StatisticColumn.Median, StatisticColumn.Q1, StatisticColumn.Q3);
        AddLogger(BenchmarkDotNet.Loggers.ConsoleLogger.Default);
        AddExporter(BenchmarkDotNet.Exporters.MarkdownExporter.GitHub);
        WithOptions(ConfigOptions.DisableOptimizationsValidator);
    }
}

/// <summary>
/// Generated PiX-ResNet-50 against generated ResNet-50 (zoo classes), 3×224×224, float32: forward in eval mode
/// under no_grad at batch 1 and 8, and a training step (forward + cross-entropy + backward + SGD with momentum)
/// at batch 8. Both models run in the same process and run; <c>PIX_BENCH_NETWORK_MODES</c> (e.g. "eval b8")
/// limits the modes.
/// </summary>
public class NetworkBenchmarks
{
    public static readonly string[] AllModes = { "eval b1", "eval b8", "train b8" };
    public static readonly string[] AllModels = { "resnet50", "pix_resnet50" };

    private NetworkStep? step;

    [ParamsSource(nameof(Modes))]
    public string Mode { get; set; } = "eval b1";

    [ParamsSource(nameof(Models))]
    public string Model { get; set; } = "resnet50";

    public static IEnumerable<string> Modes()
    {
        var only = Environment.GetEnvironmentVariable("PIX_BENCH_NETWORK_MODES");
        if (string.IsNullOrWhiteSpace(only)) return AllModes;
        var wanted = new HashSet<string>(only.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        return AllModes.Where(wanted.Contains);
    }

    public static IEnumerable<string> Models() => AllModels;

    [GlobalSetup]
    public void Setup() => step = new NetworkStep(Model, Mode);

    [Benchmark]
    public void Step() => step!.Run();

    [GlobalCleanup]
    public void Cleanup() => step?.Dispose();
}

/// <summary>One zoo model with its input, labels and optimizer; <see cref="Run"/> is one forward or training step.</summary>
public sealed class NetworkStep : IDisposable
{
    private readonly nn.Module<Tensor, Tensor> model;
    private readonly Tensor input, labels;
    private readonly optim.Optimizer? sgd;

    public NetworkStep(string name, string mode)
    {
        var info = ZooCatalog.Find(name) ?? throw new ArgumentException($"unknown zoo model {name}");
        Train = mode.StartsWith("train", StringComparison.Ordinal);
        int batch = int.Parse(mode[(mode.IndexOf('b') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        model = info.Create();
        torch.manual_seed(1);
        input = torch.randn(new long[] { batch }.Concat(info.InputShape).ToArray());
        labels = torch.randint(0, info.OutputShape[0], new long[] { batch }, dtype: ScalarType.Int64);
        if (Train) { model.train(); sgd = optim.SGD(model.parameters(), 0.01, momentum: 0.9); }
        else model.eval();
    }

    public bool Train { get; }

    public void Run()
    {
        using var scope = torch.NewDisposeScope();
        if (!Train)
        {
            using var _ = torch.no_grad();
            model.call(input);
            return;
        }
        sgd!.zero_grad();
        var loss = nn.functional.cross_entropy(model.call(input), labels);
        loss.backward();
        sgd.step();
    }

    public void Dispose()
    {
        model.Dispose(); input.Dispose(); labels.Dispose(); sgd?.Dispose();
    }
}
