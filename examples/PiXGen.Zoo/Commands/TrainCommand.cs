using System;
using System.Collections.Generic;
using System.Diagnostics;
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
/// <c>train &lt;model&gt; [--vs &lt;model&gt;]</c>: trains zoo networks for 1×28×28 input on Fashion-MNIST (docs/training.md).
/// SGD with momentum 0.9, weight decay 5e-4 on weights of rank ≥ 2, a per-step linear warm-up then cosine schedule from --lr to 0,
/// random crops (±2 pixels, zero padding) and horizontal flips; the 10,000 test images are evaluated after every
/// epoch; metrics.csv, curves.png and a checkpoint per epoch and model go to --out.
/// With --vs both models see the same data order and augmentation, epoch by epoch alternately.
/// </summary>
public static class TrainCommand
{
    public const double Momentum = 0.9;
    public const double WeightDecay = 5e-4;
    public const int Pad = 2;
    public const int DefaultEpochs = 5, DefaultBatch = 128, DefaultSeed = 1;
    public const double DefaultLr = 0.1;
    private const int EvalBatch = 1000;

    /// <summary>The command's options; null means "not given" (a default, or the checkpoint's value with --resume).</summary>
    public sealed record Options(string Model, string? Vs, string? Data, int? Epochs, int? Batch, double? Lr, int? Seed,
                                 int? Limit, string? Out, string? Resume, bool Json, int? Threads = null);

    /// <summary>A model being trained: the module, its parameters by name, the momentum buffers and its history.</summary>
    private sealed class ModelRun(NetworkInfo info, nn.Module<Tensor, Tensor> module) : IDisposable
    {
        public NetworkInfo Info { get; } = info;
        public nn.Module<Tensor, Tensor> Module { get; } = module;
        public List<(string Name, TorchSharp.Modules.Parameter P)> Parameters { get; } =
            module.named_parameters().Select(kv => (kv.name, kv.parameter)).ToList();
        public Tensor[] Momentum { get; set; } = Array.Empty<Tensor>();
        public List<EpochMetrics> History { get; } = new();

        public void Dispose()
        {
            foreach (var m in Momentum) m.Dispose();
            Module.Dispose();
        }
    }

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
        int epochs = opt.Epochs ?? DefaultEpochs, batch = opt.Batch ?? DefaultBatch, seed = opt.Seed ?? DefaultSeed;
        double lr = opt.Lr ?? DefaultLr;
        int? limit = opt.Limit;
        int startEpoch = 0;
        string? runDir = null;
        JsonObject? resumed = null;
        if (opt.Resume is not null)
        {
            (resumed, runDir) = ReadResumeState(opt.Resume, opt.Model);
            startEpoch = (int)resumed["epoch"]!;
            seed = Same<int?>(opt.Seed, (int)resumed["seed"]!, "--seed")!.Value;
            batch = Same<int?>(opt.Batch, (int)resumed["batch"]!, "--batch")!.Value;
            lr = Same<double?>(opt.Lr, (double)resumed["lr"]!, "--lr")!.Value;
            limit = Same(opt.Limit, (int?)resumed["limit"], "--limit");
            epochs = opt.Epochs ?? (int)resumed["epochs"]!;
            if (epochs <= startEpoch)
                throw new ArgumentException($"{opt.Resume} is epoch {startEpoch}; --epochs {epochs} leaves nothing to train (give --epochs {startEpoch + 1} or more).");
        }
        string outDir = Path.GetFullPath(opt.Out ?? runDir ?? Path.Combine("runs", opt.Model));
        Directory.CreateDirectory(outDir);

        if (opt.Threads is int threads) torch.set_num_threads(threads);
        var data = FashionMnistData.Load(opt.Data ?? FashionMnistData.DefaultFolder, limit);
        int stepsPerEpoch = (data.TrainCount + batch - 1) / batch;
        long totalSteps = (long)stepsPerEpoch * epochs;

        var runs = new List<ModelRun>();
        try
        {
            foreach (var info in infos)
            {
                torch.manual_seed(seed);                // the initialisation ([Init]) draws from the global generator
                var run = new ModelRun(info, info.Create());
                run.Momentum = run.Parameters.Select(p => torch.zeros_like(p.P).DetachFromDisposeScope()).ToArray();
                if (resumed is not null) LoadState(run, runDir!, startEpoch);
                runs.Add(run);
            }
            if (resumed is not null)
            {
                var previous = ReadMetrics(Path.Combine(runDir!, "metrics.csv"));
                foreach (var run in runs)
                    run.History.AddRange(previous.Where(r => r.Model == run.Info.Name && r.Epoch <= startEpoch));
            }

            o.WriteLine($"Fashion-MNIST from {Path.GetFullPath(opt.Data ?? FashionMnistData.DefaultFolder)}: {data.TrainCount:N0} training images" +
                        $"{(limit is not null ? $" (--limit {limit})" : "")}, {data.TestCount:N0} test images; mean {data.Mean:F4}, std {data.Std:F4}.");
            o.WriteLine($"SGD momentum {Momentum}, weight decay {WeightDecay}, lr {lr} (linear warm-up, then cosine to 0) over {epochs} epochs ({totalSteps:N0} steps of batch {batch}), " +
                        $"crop ±{Pad} px + horizontal flip, seed {seed}, {torch.get_num_threads()} threads.");
            foreach (var run in runs)
                o.WriteLine($"  {run.Info.Name}: {run.Info.Parameters:N0} parameters, {run.Info.Macs / 1e6:F2} MMACs" +
                            (resumed is not null ? $", resumed from epoch {startEpoch}" : ""));
            o.WriteLine($"Output: {outDir}");

            string plot = Path.Combine(outDir, "curves.png");
            for (int epoch = startEpoch + 1; epoch <= epochs; epoch++)
            {
                var plan = FashionMnistData.Plan(data.TrainCount, seed, epoch, Pad);
                foreach (var run in runs)
                {
                    var row = TrainEpoch(run, data, plan, epoch, epochs, batch, lr, stepsPerEpoch, totalSteps, o);
                    run.History.Add(row);
                    SaveState(run, outDir, epoch, epochs, batch, lr, seed, limit, data, (long)epoch * stepsPerEpoch);
                    WriteMetrics(Path.Combine(outDir, "metrics.csv"), runs);
                    plot = CurvesPlot.Write(Path.Combine(outDir, "curves.png"), runs.Select(r => (r.Info.Name, (IReadOnlyList<EpochMetrics>)r.History)).ToList());
                }
            }

            o.WriteLine();
            WriteSummary(runs, o);
            o.WriteLine($"metrics: {Path.Combine(outDir, "metrics.csv")}; curves: {plot}; checkpoints: {outDir}/<model>/epoch-NNN.safetensors");
            if (opt.Json) o.WriteLine(JsonLine(runs, plot));
            return 0;
        }
        finally
        {
            foreach (var run in runs) run.Dispose();
        }
    }

    private static T Same<T>(T given, T stored, string option)
    {
        if (given is not null && !EqualityComparer<T>.Default.Equals(given, stored))
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{option} {given} differs from the checkpoint's {(stored is null ? "(none)" : stored)}; --resume continues the same run, so leave {option} out."));
        return stored;
    }

    private static EpochMetrics TrainEpoch(ModelRun run, FashionMnistData data, EpochPlan plan, int epoch, int epochs, int batch, double baseLr,
                                       int stepsPerEpoch, long totalSteps, TextWriter o)
    {
        var module = run.Module;
        module.train();
        var pixels = new float[batch * FashionMnistData.Pixels];
        var labels = new long[batch];
        double lossSum = 0;
        long correct = 0, seen = 0;
        double lr = baseLr;
        string title = $"{run.Info.Name} epoch {epoch}/{epochs}";
        var sw = Stopwatch.StartNew();

        string Status() => seen == 0 ? "" :
            $"loss {lossSum / seen:F4}  acc {100.0 * correct / seen:F2}%  {seen / Math.Max(1e-9, sw.Elapsed.TotalSeconds):F0} img/s";

        void Step(int s)
        {
            using var scope = torch.NewDisposeScope();
            int start = s * batch, count = Math.Min(batch, data.TrainCount - start);
            data.Fill(plan, start, count, pixels, labels);
            var x = torch.tensor(pixels.AsSpan(0, count * FashionMnistData.Pixels).ToArray(), new long[] { count, 1, 28, 28 });
            var y = torch.tensor(labels.AsSpan(0, count).ToArray(), new long[] { count });
            long step = (long)(epoch - 1) * stepsPerEpoch + s;
            lr = LearningRate(baseLr, step, totalSteps);
            module.zero_grad();
            var logits = module.forward(x);
            var loss = nn.functional.cross_entropy(logits, y);
            loss.backward();
            SgdStep(run, lr);
            lossSum += loss.item<float>() * count;
            correct += logits.argmax(1).eq(y).sum().item<long>();
            seen += count;
        }

        if (ReferenceEquals(o, Console.Out) && !Console.IsOutputRedirected)
        {
            ZooCli.ConsoleFor(o).Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                         new ElapsedTimeColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask(Markup.Escape(title), maxValue: stepsPerEpoch);
                    for (int s = 0; s < stepsPerEpoch; s++)
                    {
                        Step(s);
                        task.Increment(1);
                        task.Description = Markup.Escape($"{title}  {Status()}");
                    }
                });
        }
        else
        {
            // Not a terminal (a file, a pipe, a test): a plain line at every tenth of the epoch.
            int next = 1;
            for (int s = 0; s < stepsPerEpoch; s++)
            {
                Step(s);
                if ((s + 1) * 10 >= next * stepsPerEpoch)
                {
                    while ((s + 1) * 10 >= next * stepsPerEpoch) next++;
                    double elapsed = sw.Elapsed.TotalSeconds, eta = elapsed / (s + 1) * (stepsPerEpoch - s - 1);
                    o.WriteLine($"  {title}  [{100.0 * (s + 1) / stepsPerEpoch,5:F1}%] {seen,6}/{data.TrainCount}  {Status()}  ETA {TimeSpan.FromSeconds(Math.Round(eta)):c}");
                    o.Flush();
                }
            }
        }
        double trainSeconds = sw.Elapsed.TotalSeconds;
        var evalSw = Stopwatch.StartNew();
        var (testLoss, testAccuracy) = Evaluate(module, data);
        double evalSeconds = evalSw.Elapsed.TotalSeconds;
        o.WriteLine($"  {title}: train loss {lossSum / seen:F4}, train acc {100.0 * correct / seen:F2}%, test loss {testLoss:F4}, " +
                    $"test acc {100 * testAccuracy:F2}%, {trainSeconds:F1} s training ({seen / trainSeconds:F0} img/s) + {evalSeconds:F1} s test");
        o.Flush();
        return new EpochMetrics(run.Info.Name, epoch, lossSum / seen, (double)correct / seen, testLoss, testAccuracy, trainSeconds, evalSeconds, lr, (int)seen);
    }

    /// <summary>The learning rate of step <paramref name="step"/> (from 0) of <paramref name="totalSteps"/>: the package's
    /// <see cref="WarmupCosine"/> schedule times <paramref name="baseLr"/>.</summary>
    public static double LearningRate(double baseLr, long step, long totalSteps) => baseLr * WarmupCosine.Factor(step, totalSteps);

    /// <summary>PyTorch's SGD (dampening 0, not Nesterov): b ← μ·b + (g + λ·w), w ← w − lr·b; λ only on weights of rank ≥ 2.</summary>
    private static void SgdStep(ModelRun run, double lr)
    {
        using var _ = torch.no_grad();
        for (int i = 0; i < run.Parameters.Count; i++)
        {
            var p = run.Parameters[i].P;
            var g = p.grad;
            if (g is null) continue;
            var buf = run.Momentum[i];
            buf.mul_(Momentum).add_(g);
            if (p.dim() > 1) buf.add_(p, alpha: WeightDecay);
            p.add_(buf, alpha: -lr);
        }
    }

    /// <summary>Mean cross-entropy and accuracy over the test images (eval mode, no gradients).</summary>
    private static (double Loss, double Accuracy) Evaluate(nn.Module<Tensor, Tensor> module, FashionMnistData data)
    {
        module.eval();
        using var _ = torch.no_grad();
        var pixels = new float[EvalBatch * FashionMnistData.Pixels];
        var labels = new long[EvalBatch];
        double lossSum = 0;
        long correct = 0;
        for (int start = 0; start < data.TestCount; start += EvalBatch)
        {
            using var scope = torch.NewDisposeScope();
            int count = Math.Min(EvalBatch, data.TestCount - start);
            data.Fill(null, start, count, pixels, labels);
            var x = torch.tensor(pixels.AsSpan(0, count * FashionMnistData.Pixels).ToArray(), new long[] { count, 1, 28, 28 });
            var y = torch.tensor(labels.AsSpan(0, count).ToArray(), new long[] { count });
            var logits = module.forward(x);
            lossSum += nn.functional.cross_entropy(logits, y, reduction: nn.Reduction.Sum).item<float>();
            correct += logits.argmax(1).eq(y).sum().item<long>();
        }
        module.train();
        return (lossSum / data.TestCount, (double)correct / data.TestCount);
    }

    // ----- checkpoints -----

    /// <summary>The files of one model's checkpoint after <paramref name="epoch"/>: weights, optimiser state, run state.</summary>
    public static (string Weights, string Optimizer, string State) CheckpointFiles(string runDir, string model, int epoch)
    {
        string stem = Path.Combine(runDir, model, $"epoch-{epoch:D3}");
        return (stem + ".safetensors", stem + ".optimizer.safetensors", stem + ".json");
    }

    private static void SaveState(ModelRun run, string outDir, int epoch, int epochs, int batch, double lr, int seed, int? limit,
                                  FashionMnistData data, long step)
    {
        var (weights, optimizer, state) = CheckpointFiles(outDir, run.Info.Name, epoch);
        Directory.CreateDirectory(Path.GetDirectoryName(weights)!);
        Checkpoint.Save(run.Module, weights);
        Checkpoint.SaveStateDict(run.Parameters.Select((p, i) => new KeyValuePair<string, Tensor>("momentum." + p.Name, run.Momentum[i])), optimizer);
        var json = new JsonObject
        {
            ["model"] = run.Info.Name,
            ["epoch"] = epoch,
            ["epochs"] = epochs,
            ["step"] = step,
            ["batch"] = batch,
            ["lr"] = lr,
            ["lr_now"] = run.History[^1].Lr,
            ["momentum"] = Momentum,
            ["weight_decay"] = WeightDecay,
            ["seed"] = seed,
            ["limit"] = limit,
            ["train_images"] = data.TrainCount,
            ["normalise_mean"] = data.Mean,
            ["normalise_std"] = data.Std,
            ["weights"] = Path.GetFileName(weights),
            ["optimizer"] = Path.GetFileName(optimizer),
        };
        PiXGen.AtomicFile.WriteAllText(state, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

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
        if (stem.EndsWith(".optimizer", StringComparison.OrdinalIgnoreCase)) stem = stem[..^10];
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

    private static void LoadState(ModelRun run, string runDir, int epoch)
    {
        var (weights, optimizer, _) = CheckpointFiles(runDir, run.Info.Name, epoch);
        if (!File.Exists(weights))
            throw new FileNotFoundException($"--resume: no checkpoint of {run.Info.Name} for epoch {epoch} at {weights}.", weights);
        if (!File.Exists(optimizer))
            throw new FileNotFoundException($"--resume: the optimiser state {optimizer} beside {Path.GetFileName(weights)} is missing.", optimizer);
        Checkpoint.Load(run.Module, weights);
        using var state = Checkpoint.Read(optimizer);
        using var _ = torch.no_grad();
        for (int i = 0; i < run.Parameters.Count; i++)
        {
            string key = "momentum." + run.Parameters[i].Name;
            if (!state.TryGetValue(key, out var t))
                throw new InvalidDataException($"{optimizer}: no momentum buffer '{key}' for {run.Info.Name}.");
            if (!t.shape.SequenceEqual(run.Momentum[i].shape))
                throw new InvalidDataException($"{optimizer}: '{key}' has shape {Checkpoint.FormatShape(t.shape)}, the parameter {Checkpoint.FormatShape(run.Momentum[i].shape)}.");
            run.Momentum[i].copy_(t);
        }
    }

    // ----- metrics, summary, JSON -----

    /// <summary>Reads a metrics.csv written by train (no file: no rows).</summary>
    public static List<EpochMetrics> ReadMetrics(string path) => EpochMetrics.Read(path);

    private static void WriteMetrics(string path, List<ModelRun> runs) =>
        EpochMetrics.Write(path, runs.SelectMany(r => r.History).OrderBy(r => r.Epoch).ThenBy(r => runs.FindIndex(x => x.Info.Name == r.Model)));

    private static double SecondsPerEpoch(ModelRun run) => run.History.Count == 0 ? 0 : run.History.Average(r => r.TrainSeconds);

    private static void WriteSummary(List<ModelRun> runs, TextWriter o)
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
                SecondsPerEpoch(run).ToString("F1", CultureInfo.InvariantCulture));
        }
        ZooCli.WriteTable(o, table);
        o.WriteLine("s/epoch: mean training time per epoch (forward, backward and update; test evaluation excluded).");
        if (runs.Count == 2 && runs[0].History.Count > 0 && runs[1].History.Count > 0)
        {
            ModelRun a = runs[0], b = runs[1];
            double macs = 100.0 * (a.Info.Macs - b.Info.Macs) / b.Info.Macs;
            double acc = 100 * (a.History[^1].TestAccuracy - b.History[^1].TestAccuracy);
            double time = 100.0 * (SecondsPerEpoch(a) - SecondsPerEpoch(b)) / SecondsPerEpoch(b);
            o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{a.Info.Name} vs {b.Info.Name}: MACs {macs:+0.0;-0.0} %, test accuracy {acc:+0.00;-0.00} points, s/epoch {time:+0.0;-0.0} %."));
        }
    }

    private static string JsonLine(List<ModelRun> runs, string plot)
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
                w.WriteNumber("epoch_seconds", SecondsPerEpoch(run));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteString("plot", plot);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
