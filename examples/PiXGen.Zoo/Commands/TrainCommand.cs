using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PiXGen.Checkpoints;
using PiXGen.Data;
using PiXGen.Training;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Zoo;

/// <summary>
/// <c>train &lt;model&gt; [--vs &lt;model&gt;]</c>: trains zoo networks for 1×28×28 input on Fashion-MNIST (docs/training.md)
/// with the package's <see cref="Trainer"/> (its SGD, warm-up + cosine schedule, metrics.csv, per-epoch checkpoints and
/// resume); augmentation: <see cref="Transforms.RandomCrop"/> (±2 pixels) and <see cref="Transforms.RandomHorizontalFlip"/>.
/// This command parses the options, seeds each network's initialisation, shows the progress on the console and draws
/// curves.png; with --vs the two networks are trained side by side on the same batches.
/// </summary>
public static class TrainCommand
{
    private static readonly TrainingOptions Defaults = new();
    public const int Pad = 2;
    public static readonly int DefaultEpochs = Defaults.Epochs, DefaultBatch = Defaults.BatchSize, DefaultSeed = Defaults.Seed;
    public static readonly double DefaultLr = Defaults.LearningRate;

    /// <summary>The command's options; null means "not given" (a default, or the checkpoint's value with --resume).</summary>
    public sealed record Options(string Model, string? Vs, string? Data, int? Epochs, int? Batch, double? Lr, int? Seed,
                                 int? Limit, string? Out, string? Resume, bool Json, int? Threads = null);

    /// <summary>Runs the command; returns the exit code (1 with one "error:" line on stderr when something is wrong).</summary>
    public static int Run(Options opt, TextWriter o, TextWriter e)
    {
        try { return Train(opt, o, e); }
        catch (Exception ex) when (ex is DataMissingException or IdxFormatException or InvalidDataException or IOException
                                   or CheckpointFormatException or CheckpointMismatchException or ArgumentException or JsonException or UnauthorizedAccessException)
        {
            e.WriteLine($"error: {ex.Message}");
            return 1;
        }
    }

    private static int Train(Options opt, TextWriter o, TextWriter e)
    {
        var names = new List<string> { opt.Model };
        if (opt.Vs is not null)
        {
            if (opt.Vs == opt.Model) throw new ArgumentException($"--vs names the same model as the first argument ({opt.Model}); give a different model.");
            names.Add(opt.Vs);
        }
        var infos = new List<NetworkInfo>();
        foreach (var name in names)
        {
            var info = ZooCli.Known(name, e);
            if (info is null) return 1;
            if (!info.InputShape.SequenceEqual(new long[] { 1, 28, 28 }) || !info.OutputShape.SequenceEqual(new long[] { 10 }))
                throw new ArgumentException($"{name} takes {string.Join("x", info.InputShape)} and gives {string.Join("x", info.OutputShape)}; " +
                    "train needs a model for 1x28x28 input and 10 classes, e.g. fmnist_resnet or fmnist_pix_resnet.");
            infos.Add(info);
        }

        // Settings: the defaults, or with --resume the checkpoint's (an explicit different value is an error).
        var options = Defaults with { Epochs = opt.Epochs ?? DefaultEpochs, BatchSize = opt.Batch ?? DefaultBatch, LearningRate = opt.Lr ?? DefaultLr, Seed = opt.Seed ?? DefaultSeed };
        int? limit = opt.Limit;
        string? runDir = null;
        if (opt.Resume is not null)
        {
            (var resumed, runDir) = ReadResumeState(opt.Resume, opt.Model);
            int startEpoch = (int)resumed["epoch"]!;
            int images = (int?)resumed["train_images"] ?? throw new InvalidDataException($"{opt.Resume}: the run state has no \"train_images\".");
            limit = Same(opt.Limit, images, "--limit");
            options = options with
            {
                Seed = Same(opt.Seed, (int)resumed["seed"]!, "--seed"),
                BatchSize = Same(opt.Batch, (int)resumed["batch"]!, "--batch"),
                LearningRate = Same(opt.Lr, (double)resumed["lr"]!, "--lr"),
                Epochs = opt.Epochs ?? (int)resumed["epochs"]!,
                ResumeEpoch = startEpoch,
                ResumeFolder = runDir,
            };
            if (options.Epochs <= startEpoch)
                throw new ArgumentException($"{opt.Resume} is epoch {startEpoch}; --epochs {options.Epochs} leaves nothing to train (give --epochs {startEpoch + 1} or more).");
        }
        string outDir = Path.GetFullPath(opt.Out ?? runDir ?? Path.Combine("runs", opt.Model));
        options = options with { OutputFolder = outDir };

        if (opt.Threads is int threads) torch.set_num_threads(threads);
        var data = FashionMnistData.Load(opt.Data ?? FashionMnistData.DefaultFolder, limit);
        data.Train.Transform = Transforms.Compose(Transforms.RandomCrop(Pad), Transforms.RandomHorizontalFlip());
        int stepsPerEpoch = (data.TrainCount + options.BatchSize - 1) / options.BatchSize;

        var models = new List<(string Name, nn.Module<Tensor, Tensor> Model)>();
        try
        {
            foreach (var info in infos)
            {
                torch.manual_seed(options.Seed);        // the initialisation ([Init]) draws from the global generator
                models.Add((info.Name, info.Create()));
            }

            o.WriteLine($"Fashion-MNIST from {Path.GetFullPath(opt.Data ?? FashionMnistData.DefaultFolder)}: {data.TrainCount:N0} training images" +
                        $"{(limit is not null ? $" (--limit {limit})" : "")}, {data.TestCount:N0} test images; mean {data.Mean:F4}, std {data.Std:F4}.");
            o.WriteLine($"SGD momentum {options.Momentum}, weight decay {options.WeightDecay}, lr {options.LearningRate} (linear warm-up, then cosine to 0) " +
                        $"over {options.Epochs} epochs ({(long)stepsPerEpoch * options.Epochs:N0} steps of batch {options.BatchSize}), " +
                        $"crop ±{Pad} px + horizontal flip, seed {options.Seed}, {torch.get_num_threads()} threads.");
            foreach (var info in infos)
                o.WriteLine($"  {info.Name}: {info.Parameters:N0} parameters, {info.Macs / 1e6:F2} MMACs" +
                            (options.ResumeEpoch is int r ? $", resumed from epoch {r}" : ""));
            o.WriteLine($"Output: {outDir}");

            string plot = Path.Combine(outDir, "curves.png");
            var history = infos.ToDictionary(i => i.Name, _ => new List<EpochMetrics>());
            if (options.ResumeEpoch is int resumedAt)   // the plot shows the resumed epochs too
                foreach (var row in EpochMetrics.Read(Trainer.MetricsPath(runDir!)).Where(r => r.Epoch <= resumedAt && history.ContainsKey(r.Model)))
                    history[row.Model].Add(row);
            var epochs = new InlineProgress<EpochMetrics>(row =>
            {
                history[row.Model].Add(row);
                o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {row.Model} epoch {row.Epoch}/{options.Epochs}: train loss {row.TrainLoss:F4}, train acc {100 * row.TrainAccuracy:F2}%, " +
                    $"test loss {row.TestLoss:F4}, test acc {100 * row.TestAccuracy:F2}%, {row.TrainSeconds:F1} s training " +
                    $"({row.Images / Math.Max(1e-9, row.TrainSeconds):F0} img/s) + {row.EvalSeconds:F1} s test"));
                o.Flush();
                CurvesPlot.Write(plot, infos.Select(i => (i.Name, (IReadOnlyList<EpochMetrics>)history[i.Name])).ToList());
            });
            var rows = ShowProgress(o, data.TrainCount, progress => Trainer.FitSideBySide(models, data.Train, data.Test, options, progress, epochs));

            var runs = infos.Select((info, k) => (Info: info, History: rows[k])).ToList();
            o.WriteLine();
            WriteSummary(runs, o);
            o.WriteLine($"metrics: {Trainer.MetricsPath(outDir)}; curves: {plot}; checkpoints: {outDir}/<model>/epoch-NNN.safetensors");
            if (opt.Json) o.WriteLine(JsonLine(runs, plot));
            return 0;
        }
        finally
        {
            foreach (var (_, model) in models) model.Dispose();
        }
    }

    private static T Same<T>(T? given, T stored, string option) where T : struct
    {
        if (given is T g && !EqualityComparer<T>.Default.Equals(g, stored))
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{option} {g} differs from the checkpoint's {stored}; --resume continues the same run, so leave {option} out."));
        return stored;
    }

    /// <summary>
    /// Runs <paramref name="fit"/> with a progress display: on a terminal a Spectre.Console bar per model and epoch (loss,
    /// accuracy, images/s, elapsed, remaining); otherwise (a file, a pipe, a test) a plain line per model at every tenth
    /// of an epoch.
    /// </summary>
    private static T ShowProgress<T>(TextWriter o, int images, Func<IProgress<TrainingProgress>, T> fit)
    {
        static string Title(TrainingProgress p) => $"{p.Model} epoch {p.Epoch}/{p.Epochs}";
        static string Status(TrainingProgress p) => string.Create(CultureInfo.InvariantCulture,
            $"loss {p.Loss:F4}  acc {100 * p.Accuracy:F2}%  {p.ImagesPerSecond:F0} img/s");
        if (ReferenceEquals(o, Console.Out) && !Console.IsOutputRedirected)
        {
            T result = default!;
            ZooCli.ConsoleFor(o).Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                         new ElapsedTimeColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var tasks = new Dictionary<(string, int), ProgressTask>();
                    result = fit(new InlineProgress<TrainingProgress>(p =>
                    {
                        if (!tasks.TryGetValue((p.Model, p.Epoch), out var task))
                            tasks[(p.Model, p.Epoch)] = task = ctx.AddTask(Markup.Escape(Title(p)), maxValue: p.StepsPerEpoch);
                        task.Value = p.Step;
                        task.Description = Markup.Escape($"{Title(p)}  {Status(p)}");
                    }));
                });
            return result;
        }
        var next = new Dictionary<string, int>();
        return fit(new InlineProgress<TrainingProgress>(p =>
        {
            if (p.Step == 1) next[p.Model] = 1;
            if (p.Step * 10 < next[p.Model] * p.StepsPerEpoch) return;
            while (p.Step * 10 >= next[p.Model] * p.StepsPerEpoch) next[p.Model]++;
            double eta = p.Elapsed.TotalSeconds / p.Step * (p.StepsPerEpoch - p.Step);
            o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {Title(p)}  [{100.0 * p.Step / p.StepsPerEpoch,5:F1}%] {p.Images,6}/{images}  {Status(p)}  ETA {TimeSpan.FromSeconds(Math.Round(eta)):c}"));
            o.Flush();
        }));
    }

    /// <summary>The learning rate of step <paramref name="step"/> (from 0) of <paramref name="totalSteps"/>: the package's
    /// <see cref="WarmupCosine"/> schedule times <paramref name="baseLr"/>.</summary>
    public static double LearningRate(double baseLr, long step, long totalSteps) => baseLr * WarmupCosine.Factor(step, totalSteps);

    /// <summary>The files of one model's checkpoint after <paramref name="epoch"/> (<see cref="Trainer.CheckpointFiles"/>).</summary>
    public static (string Weights, string Optimizer, string State) CheckpointFiles(string runDir, string model, int epoch) =>
        Trainer.CheckpointFiles(runDir, model, epoch);

    /// <summary>
    /// The run state beside <paramref name="path"/> (a checkpoint's .safetensors or its .json) and the run folder (the
    /// folder above the model's folder), after checking that it belongs to <paramref name="model"/>.
    /// </summary>
    private static (JsonObject State, string RunDir) ReadResumeState(string path, string model)
    {
        string full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"--resume {path}: no such file.", full);
        string stem = full.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? full[..^5]
                    : full.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) ? full[..^12]
                    : throw new ArgumentException($"--resume {path}: expected a checkpoint epoch-NNN.safetensors written by train (or its .json).");
        string statePath = stem + ".json";
        if (!File.Exists(statePath))
            throw new FileNotFoundException($"--resume {path}: the run state {statePath} that train writes beside each checkpoint is missing.", statePath);
        var state = JsonNode.Parse(File.ReadAllText(statePath)) as JsonObject
                    ?? throw new InvalidDataException($"{statePath}: not a JSON object.");
        foreach (var key in new[] { "model", "epoch", "epochs", "batch", "lr", "seed" })
            if (state[key] is null) throw new InvalidDataException($"{statePath}: the run state has no \"{key}\".");
        if ((string)state["model"]! != model)
            throw new ArgumentException($"--resume {path} is a checkpoint of {(string)state["model"]!}, not of {model}.");
        string modelDir = Path.GetDirectoryName(stem)!;
        return (state, Path.GetDirectoryName(modelDir)!);
    }

    // ----- metrics, summary, JSON -----

    /// <summary>Reads a metrics.csv written by train (no file: no rows).</summary>
    public static List<EpochMetrics> ReadMetrics(string path) => EpochMetrics.Read(path);

    private static double SecondsPerEpoch(IReadOnlyList<EpochMetrics> rows) => rows.Count == 0 ? 0 : rows.Average(r => r.TrainSeconds);

    private static void WriteSummary(List<(NetworkInfo Info, IReadOnlyList<EpochMetrics> History)> runs, TextWriter o)
    {
        var table = ZooCli.PlainTable(("model", false), ("params", true), ("MMACs", true), ("epochs", true), ("train loss", true),
                                      ("test loss", true), ("test acc %", true), ("s/epoch", true));
        foreach (var run in runs)
        {
            var last = run.History.LastOrDefault();
            table.AddPlainRow(run.Info.Name, run.Info.Parameters.ToString("N0", CultureInfo.InvariantCulture),
                (run.Info.Macs / 1e6).ToString("F2", CultureInfo.InvariantCulture), run.History.Count.ToString(CultureInfo.InvariantCulture),
                last is null ? "-" : last.TrainLoss.ToString("F4", CultureInfo.InvariantCulture),
                last is null ? "-" : last.TestLoss.ToString("F4", CultureInfo.InvariantCulture),
                last is null ? "-" : (100 * last.TestAccuracy).ToString("F2", CultureInfo.InvariantCulture),
                SecondsPerEpoch(run.History).ToString("F1", CultureInfo.InvariantCulture));
        }
        ZooCli.WriteTable(o, table);
        o.WriteLine("s/epoch: mean training time per epoch (forward, backward and update; test evaluation excluded).");
        if (runs.Count == 2 && runs[0].History.Count > 0 && runs[1].History.Count > 0)
        {
            var (a, b) = (runs[0], runs[1]);
            double macs = 100.0 * (a.Info.Macs - b.Info.Macs) / b.Info.Macs;
            double acc = 100 * (a.History[^1].TestAccuracy - b.History[^1].TestAccuracy);
            double time = 100.0 * (SecondsPerEpoch(a.History) - SecondsPerEpoch(b.History)) / SecondsPerEpoch(b.History);
            o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{a.Info.Name} vs {b.Info.Name}: MACs {macs:+0.0;-0.0} %, test accuracy {acc:+0.00;-0.00} points, s/epoch {time:+0.0;-0.0} %."));
        }
    }

    private static string JsonLine(List<(NetworkInfo Info, IReadOnlyList<EpochMetrics> History)> runs, string plot)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteStartArray("runs");
            foreach (var run in runs)
            {
                var last = run.History.LastOrDefault();
                w.WriteStartObject();
                w.WriteString("model", run.Info.Name);
                w.WriteNumber("params", run.Info.Parameters);
                w.WriteNumber("macs", run.Info.Macs);
                w.WriteNumber("epochs", run.History.Count);
                if (last is null) { w.WriteNull("test_accuracy"); w.WriteNull("train_loss"); }
                else { w.WriteNumber("test_accuracy", last.TestAccuracy); w.WriteNumber("train_loss", last.TrainLoss); }
                w.WriteNumber("epoch_seconds", SecondsPerEpoch(run.History));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteString("plot", plot);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
