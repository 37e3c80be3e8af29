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
using PiXGen.Platform;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Training;

/// <summary>The settings of <see cref="Trainer.Fit"/>.</summary>
public sealed record TrainingOptions
{
    /// <summary>Epochs to train (the last epoch's number; with <see cref="ResumeEpoch"/> the training continues to it).</summary>
    public int Epochs { get; init; } = 5;

    /// <summary>Training batch size.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>The base learning rate of <see cref="WarmupCosine"/>.</summary>
    public double LearningRate { get; init; } = 0.1;

    /// <summary>SGD momentum (PyTorch's SGD: dampening 0, not Nesterov).</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>Weight decay, on weights of rank ≥ 2 only (not on biases and BatchNorm parameters).</summary>
    public double WeightDecay { get; init; } = 5e-4;

    /// <summary>Seeds the data order and the random transforms of each epoch.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Where metrics.csv and the per-epoch checkpoints go (<c>&lt;folder&gt;/&lt;model&gt;/epoch-NNN.*</c>); null: nowhere.</summary>
    public string? OutputFolder { get; init; }

    /// <summary>Resume after this epoch from <see cref="ResumeFolder"/>'s checkpoints (weights, optimiser state, metrics);
    /// equal to <see cref="Epochs"/>, the finished run is loaded and nothing is trained.</summary>
    public int? ResumeEpoch { get; init; }

    /// <summary>The run folder <see cref="ResumeEpoch"/> resumes from; null: <see cref="OutputFolder"/>. The earlier epochs'
    /// rows of its metrics.csv are carried over into <see cref="OutputFolder"/>'s.</summary>
    public string? ResumeFolder { get; init; }

    /// <summary>Batch size of the test evaluation.</summary>
    public int EvalBatchSize { get; init; } = 1000;
}

/// <summary>One epoch of one model: a row of metrics.csv.</summary>
public sealed record EpochMetrics(string Model, int Epoch, double TrainLoss, double TrainAccuracy, double TestLoss, double TestAccuracy,
                                  double TrainSeconds, double EvalSeconds, double Lr, int Images)
{
    /// <summary>The header of metrics.csv.</summary>
    public const string Header = "model,epoch,train_loss,train_accuracy,test_loss,test_accuracy,train_seconds,eval_seconds,lr,images";

    /// <summary>The row as a CSV line (invariant culture, round-trip precision).</summary>
    public string Csv() => string.Join(",", Model, Epoch.ToString(CultureInfo.InvariantCulture), F(TrainLoss), F(TrainAccuracy),
        F(TestLoss), F(TestAccuracy), F(TrainSeconds), F(EvalSeconds), F(Lr), Images.ToString(CultureInfo.InvariantCulture));

    /// <summary>Parses a line of <paramref name="file"/> written by <see cref="Csv"/>.</summary>
    public static EpochMetrics Parse(string line, string file)
    {
        var c = line.Split(',');
        if (c.Length != 10) throw new InvalidDataException($"{file}: the line '{line}' does not have the 10 columns of {Header}.");
        double D(int i) => double.Parse(c[i], CultureInfo.InvariantCulture);
        return new EpochMetrics(c[0], int.Parse(c[1], CultureInfo.InvariantCulture), D(2), D(3), D(4), D(5), D(6), D(7), D(8),
            int.Parse(c[9], CultureInfo.InvariantCulture));
    }

    /// <summary>Reads a metrics.csv (no file: no rows).</summary>
    public static List<EpochMetrics> Read(string path)
    {
        if (!File.Exists(path)) return new List<EpochMetrics>();
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToList();
        if (lines.Count == 0 || lines[0] != Header)
            throw new InvalidDataException($"{path}: the first line is not the header {Header}.");
        return lines.Skip(1).Select(l => Parse(l, path)).ToList();
    }

    /// <summary>Writes the rows to <paramref name="path"/> with the header.</summary>
    public static void Write(string path, IEnumerable<EpochMetrics> rows)
    {
        var sb = new StringBuilder(Header).Append('\n');
        foreach (var r in rows) sb.Append(r.Csv()).Append('\n');
        AtomicFile.WriteAllText(path, sb.ToString());   // a failed write leaves the previous metrics as they were
    }

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>An <see cref="IProgress{T}"/> that calls <paramref name="report"/> on the reporting (training) thread, in
/// order: <see cref="Progress{T}"/> posts to the thread pool where there is no synchronisation context (a console
/// program), so its reports can arrive late and out of order.</summary>
public sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    /// <inheritdoc/>
    public void Report(T value) => report(value);
}

/// <summary>Where a training run is: reported after every step (<see cref="IProgress{T}"/>, e.g. a console bar).</summary>
/// <remarks><see cref="Elapsed"/> counts this model's own steps only (with side-by-side models, not the others');
/// <see cref="Images"/> is the number of training images it has seen in this epoch.</remarks>
public sealed record TrainingProgress(string Model, int Epoch, int Epochs, int Step, int StepsPerEpoch, double Loss, double Accuracy,
                                      double LearningRate, TimeSpan Elapsed, int Images = 0)
{
    /// <summary>Training images per second of this model's own steps.</summary>
    public double ImagesPerSecond => Images / Math.Max(1e-9, Elapsed.TotalSeconds);

    /// <summary>"fmnist_resnet epoch 2/5 [ 40.0%] loss 0.4121 acc 85.20% lr 0.0912".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Model} epoch {Epoch}/{Epochs} [{100.0 * Step / StepsPerEpoch,5:F1}%] loss {Loss:F4} acc {100 * Accuracy:F2}% lr {LearningRate:G4}");
}

/// <summary>
/// Training on TorchSharp's own pieces: <c>torch.utils.data.DataLoader</c> over an <see cref="ImageDataset"/>,
/// <c>torch.optim.SGD</c>, and <see cref="WarmupCosine"/> as a <c>LambdaLR</c> scheduler stepped per batch. Cross-entropy
/// loss; the test set is evaluated after every epoch; metrics.csv and per-epoch checkpoints (weights, optimiser state,
/// run state) go to <see cref="TrainingOptions.OutputFolder"/>, from which <see cref="TrainingOptions.ResumeEpoch"/>
/// resumes. Several models passed together (<see cref="FitSideBySide"/>) see the same batches in the same order.
/// </summary>
public static class Trainer
{
    /// <summary>Trains <paramref name="model"/>; returns one row per epoch (including the resumed ones).
    /// <paramref name="progress"/> hears of every step, <paramref name="epochs"/> of every finished epoch (after its
    /// test evaluation and checkpoint).</summary>
    public static IReadOnlyList<EpochMetrics> Fit(string name, nn.Module<Tensor, Tensor> model, ImageDataset train, ImageDataset? test,
                                                  TrainingOptions options, IProgress<TrainingProgress>? progress = null,
                                                  IProgress<EpochMetrics>? epochs = null) =>
        FitSideBySide(new[] { (name, model) }, train, test, options, progress, epochs)[0];

    /// <summary>Trains the models side by side: every batch goes to each of them in turn, so they see the same data
    /// order and the same augmentation. Returns each model's rows.</summary>
    public static IReadOnlyList<IReadOnlyList<EpochMetrics>> FitSideBySide(IReadOnlyList<(string Name, nn.Module<Tensor, Tensor> Model)> models,
        ImageDataset train, ImageDataset? test, TrainingOptions options, IProgress<TrainingProgress>? progress = null,
        IProgress<EpochMetrics>? epochs = null)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        if (models.Count == 0) throw new ArgumentException("Trainer: no model to train.", nameof(models));
        if (models.Select(m => m.Name).Distinct().Count() != models.Count)
            throw new ArgumentException($"Trainer: the models need different names; got {string.Join(", ", models.Select(m => m.Name))}.", nameof(models));
        if (options.Epochs < 1 || options.BatchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(options), $"Trainer: epochs and batch size must be at least 1; got {options.Epochs} and {options.BatchSize}.");
        string? resumeFolder = options.ResumeFolder ?? options.OutputFolder;
        if (options.ResumeEpoch is int r && (resumeFolder is null || r < 1 || r > options.Epochs))
            throw new ArgumentException($"Trainer: resuming after epoch {r} needs a ResumeFolder or OutputFolder with its checkpoints and Epochs of at least {r} (Epochs is {options.Epochs}).", nameof(options));

        int stepsPerEpoch = (int)((train.Count + options.BatchSize - 1) / options.BatchSize);
        long totalSteps = (long)stepsPerEpoch * options.Epochs;
        int start = options.ResumeEpoch ?? 0;
        var runs = models.Select(m => new Run(m.Name, m.Model, options, totalSteps)).ToList();
        try {
            if (options.OutputFolder is not null) Directory.CreateDirectory(options.OutputFolder);
            train.Seed = options.Seed;
            if (start > 0) {
                var previous = EpochMetrics.Read(MetricsPath(resumeFolder!));
                foreach (var run in runs) {
                    run.Load(resumeFolder!, start, (long)start * stepsPerEpoch);
                    run.History.AddRange(previous.Where(p => p.Model == run.Name && p.Epoch <= start));
                }
            }

            for (int epoch = start + 1; epoch <= options.Epochs; epoch++) {
                train.Epoch = epoch;
                foreach (var run in runs) run.BeginEpoch();
                using (var loader = utils.data.DataLoader(train, options.BatchSize, shuffle: true, seed: options.Seed * 1_000_003 + epoch,
                                                          disposeBatch: true, disposeDataset: false)) {
                    int step = 0;
                    foreach (var batch in loader) {
                        step++;
                        foreach (var run in runs) {
                            run.Step(batch["data"], batch["label"]);
                            progress?.Report(run.Progress(epoch, options.Epochs, step, stepsPerEpoch));
                        }
                    }
                }
                foreach (var run in runs) {
                    run.EndEpoch(epoch, test, options);
                    if (options.OutputFolder is not null) {
                        run.Save(options.OutputFolder, epoch, (long)epoch * stepsPerEpoch, options, train);
                        EpochMetrics.Write(MetricsPath(options.OutputFolder),
                                           runs.SelectMany(x => x.History).OrderBy(x => x.Epoch).ThenBy(x => runs.FindIndex(y => y.Name == x.Model)));
                    }
                    epochs?.Report(run.History[^1]);
                }
            }
            return runs.Select(x => (IReadOnlyList<EpochMetrics>)x.History.ToList()).ToList();
        } finally {
            foreach (var run in runs) run.Dispose();
        }
    }

    /// <summary>Mean cross-entropy and accuracy of <paramref name="model"/> over <paramref name="data"/> (eval mode, no
    /// gradients); the model is left in eval mode.</summary>
    public static (double Loss, double Accuracy) Evaluate(nn.Module<Tensor, Tensor> model, ImageDataset data, int batchSize = 1000)
    {
        model.eval();
        using var noGrad = no_grad();
        double lossSum = 0;
        long correct = 0;
        using var loader = utils.data.DataLoader(data, batchSize, shuffle: false, disposeBatch: true, disposeDataset: false);
        foreach (var batch in loader) {
            using var scope = NewDisposeScope();
            var logits = model.call(batch["data"]);
            var y = batch["label"];
            lossSum += nn.functional.cross_entropy(logits, y, reduction: nn.Reduction.Sum).item<float>();
            correct += logits.argmax(1).eq(y).sum().item<long>();
        }
        return (lossSum / data.Count, (double)correct / data.Count);
    }

    /// <summary>metrics.csv of a run folder.</summary>
    public static string MetricsPath(string outputFolder) => Path.Combine(outputFolder, "metrics.csv");

    /// <summary>The files of one model's checkpoint after <paramref name="epoch"/>: weights, optimiser state, run state.</summary>
    public static (string Weights, string Optimizer, string State) CheckpointFiles(string outputFolder, string model, int epoch)
    {
        string stem = Path.Combine(outputFolder, model, $"epoch-{epoch:D3}");
        return (stem + ".safetensors", stem + ".optimizer.bin", stem + ".json");
    }

    /// <summary>One model being trained: its optimiser, scheduler and running sums.</summary>
    private sealed class Run : IDisposable
    {
        private readonly List<(Tensor P, bool Decay)> parameters;
        private readonly TorchSharp.Modules.SGD optimizer;
        private readonly optim.lr_scheduler.LRScheduler scheduler;
        private readonly double weightDecay, baseLr;
        private readonly long totalSteps;
        private long step;
        private double lossSum;
        private long correct, seen;
        private readonly Stopwatch clock = new();   // this model's own steps only

        public Run(string name, nn.Module<Tensor, Tensor> model, TrainingOptions o, long totalSteps)
        {
            Name = name;
            Model = model;
            parameters = model.parameters().Select(p => ((Tensor)p, p.dim() >= 2)).ToList();
            // Weight decay is added to the gradient of rank-≥2 weights before the step (what PyTorch's SGD does with it).
            optimizer = optim.SGD(model.parameters(), o.LearningRate, momentum: o.Momentum);
            scheduler = WarmupCosine.Create(optimizer, totalSteps);
            weightDecay = o.WeightDecay;
            baseLr = o.LearningRate;
            this.totalSteps = totalSteps;
        }

        public string Name { get; }
        public nn.Module<Tensor, Tensor> Model { get; }
        public List<EpochMetrics> History { get; } = new();
        private double Lr => baseLr * WarmupCosine.Factor(Math.Max(0, step - 1), totalSteps);

        public void BeginEpoch()
        {
            lossSum = 0; correct = 0; seen = 0;
            clock.Reset();
        }

        public void Step(Tensor x, Tensor y)
        {
            clock.Start();
            using var scope = NewDisposeScope();
            Model.train();
            optimizer.zero_grad();
            var logits = Model.call(ChannelsLast.Prepare(x));   // channels-last where that is faster (its remarks)
            var loss = nn.functional.cross_entropy(logits, y);
            loss.backward();
            if (weightDecay != 0)
                using (no_grad())
                    foreach (var (p, decay) in parameters)
                        if (decay && p.grad is { } g) g.add_(p, alpha: weightDecay);
            optimizer.step();
            scheduler.step();
            step++;
            long n = y.shape[0];
            lossSum += loss.item<float>() * n;
            correct += logits.argmax(1).eq(y).sum().item<long>();
            seen += n;
            clock.Stop();
        }

        public TrainingProgress Progress(int epoch, int epochs, int s, int stepsPerEpoch) =>
            new(Name, epoch, epochs, s, stepsPerEpoch, seen == 0 ? 0 : lossSum / seen, seen == 0 ? 0 : (double)correct / seen, Lr, clock.Elapsed, (int)seen);

        public void EndEpoch(int epoch, ImageDataset? test, TrainingOptions o)
        {
            double trainSeconds = clock.Elapsed.TotalSeconds;
            var evalClock = Stopwatch.StartNew();
            var (testLoss, testAccuracy) = test is null ? (double.NaN, double.NaN) : Evaluate(Model, test, o.EvalBatchSize);
            Model.train();
            History.Add(new EpochMetrics(Name, epoch, lossSum / Math.Max(1, seen), (double)correct / Math.Max(1, seen), testLoss, testAccuracy,
                                         trainSeconds, evalClock.Elapsed.TotalSeconds, Lr, (int)seen));
        }

        public void Save(string folder, int epoch, long atStep, TrainingOptions o, ImageDataset train)
        {
            var (weights, optimizerPath, state) = CheckpointFiles(folder, Name, epoch);
            Directory.CreateDirectory(Path.GetDirectoryName(weights)!);
            Checkpoint.Save(Model, weights);
            AtomicFile.WriteTo(optimizerPath, temp => optimizer.save_state_dict(temp));
            var json = new JsonObject {
                ["model"] = Name, ["epoch"] = epoch, ["epochs"] = o.Epochs, ["step"] = atStep, ["batch"] = o.BatchSize,
                ["lr"] = o.LearningRate, ["lr_now"] = History[^1].Lr, ["momentum"] = o.Momentum, ["weight_decay"] = o.WeightDecay, ["seed"] = o.Seed,
                ["train_images"] = train.Count, ["normalise_mean"] = train.Mean, ["normalise_std"] = train.Std,
                ["weights"] = Path.GetFileName(weights), ["optimizer"] = Path.GetFileName(optimizerPath),
            };
            AtomicFile.WriteAllText(state, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");   // written last: a resume finds it only when the weights and optimiser state are there
        }

        public void Load(string folder, int epoch, long atStep)
        {
            var (weights, optimizerPath, state) = CheckpointFiles(folder, Name, epoch);
            foreach (var f in new[] { weights, optimizerPath, state })
                if (!File.Exists(f)) throw new FileNotFoundException($"Resume after epoch {epoch}: {f} of {Name} is missing.", f);
            var json = JsonNode.Parse(File.ReadAllText(state)) as JsonObject ?? throw new InvalidDataException($"{state}: not a JSON object.");
            if ((long?)json["step"] != atStep)
                throw new InvalidDataException($"{state}: the run was at step {(long?)json["step"]} after epoch {epoch}, but these options give {atStep} (same batch size and data?).");
            Checkpoint.Load(Model, weights);
            optimizer.load_state_dict(optimizerPath);
            for (long s = 0; s < atStep; s++) scheduler.step();
            step = atStep;
        }

        public void Dispose()
        {
            optimizer.Dispose();
        }
    }
}
