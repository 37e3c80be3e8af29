using System;
using System.Collections.Generic;
using System.Linq;
using PiXGen.Checkpoints;
using PiXGen.Definitions;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PiXGen.Training;

/// <summary>
/// Dense → PiX fine-tuning (docs/training.md, "Dense → PiX fine-tuning"). After <c>LoadForFineTuning</c> the PiX network
/// has the dense network's weights where they fit, but the squeeze convolution's weight has become φ's gate projection
/// and what follows the PiX layer was trained on the dense squeeze's outputs, so it starts near chance. The recipe
/// (<see cref="FromDense"/>, <see cref="Recommended"/>) re-estimates the BatchNorm statistics on a few batches and
/// fine-tunes with the learning rate picked by the measured sweep; the learning rate is what decides the outcome.
/// </summary>
public static class FineTuning
{
    /// <summary>
    /// Re-estimates every BatchNorm's running mean and variance of <paramref name="model"/> from <paramref name="batches"/>
    /// batches of <paramref name="data"/> (forward passes in training mode without gradients; the statistics are the
    /// plain average over the batches, as PyTorch's momentum = None). Weights are not changed; the model is left in
    /// eval mode. Returns the number of BatchNorm layers re-estimated.
    /// </summary>
    public static int RecalibrateBatchNorm(nn.Module<Tensor, Tensor> model, ImageDataset data, int batches = 20, int batchSize = 128, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        if (batches < 1) throw new ArgumentOutOfRangeException(nameof(batches), batches, "RecalibrateBatchNorm: at least one batch.");
        var norms = DefinedKind.BatchNorms(model).ToList();
        if (norms.Count == 0) { model.eval(); return 0; }
        var saved = norms.Select(n => n.momentum).ToList();
        foreach (var n in norms) n.reset_running_stats();
        model.train();
        using (no_grad())
        using (var loader = utils.data.DataLoader(data, batchSize, shuffle: true, seed: seed, disposeBatch: true, disposeDataset: false)) {
            int k = 0;
            foreach (var batch in loader) {
                if (k == batches) break;
                foreach (var n in norms) n.momentum = 1.0 / (k + 1);   // running = average of the k + 1 batch statistics
                using var scope = NewDisposeScope();
                model.call(batch["data"]);
                k++;
            }
        }
        for (int i = 0; i < norms.Count; i++) norms[i].momentum = saved[i];
        model.eval();
        return norms.Count;
    }

    /// <summary>
    /// The dense → PiX recipe in one call: <c>LoadForFineTuning</c> of <paramref name="denseCheckpoint"/> into
    /// <paramref name="pix"/>, <see cref="RecalibrateBatchNorm"/> on <paramref name="recalibrationBatches"/> training
    /// batches (0: skip), then <see cref="Trainer.Fit"/> with <paramref name="options"/> (null: <see cref="Recommended"/>).
    /// The test accuracy right after the load and after the re-estimation are reported with the epochs.
    /// </summary>
    public static FineTuneResult FromDense(string name, nn.Module<Tensor, Tensor> pix, string denseCheckpoint, ImageDataset train,
                                           ImageDataset test, TrainingOptions? options = null, int recalibrationBatches = 20,
                                           IProgress<TrainingProgress>? progress = null)
    {
        options ??= Recommended;
        var report = Checkpoint.LoadForFineTuning(pix, denseCheckpoint);
        double loaded = Trainer.Evaluate(pix, test, options.EvalBatchSize).Accuracy;
        double recalibrated = loaded;
        if (recalibrationBatches > 0) {
            RecalibrateBatchNorm(pix, train, recalibrationBatches, options.BatchSize, options.Seed);
            recalibrated = Trainer.Evaluate(pix, test, options.EvalBatchSize).Accuracy;
        }
        var rows = Trainer.Fit(name, pix, train, test, options, progress);
        return new FineTuneResult(report, loaded, recalibrated, rows);
    }

    /// <summary>The recipe's training settings, measured in docs/training.md on the full Fashion-MNIST (2 seeds, 1 epoch,
    /// sweep 0.02 / 0.05 / 0.1 / 0.2 / 0.4): base learning rate 0.2 of the warm-up + cosine schedule, 1 epoch, batch 128, SGD
    /// momentum 0.9, weight decay 5e-4 (<see cref="TrainingOptions"/>' defaults otherwise).</summary>
    public static TrainingOptions Recommended { get; } = new() { LearningRate = 0.2, Epochs = 1 };
}

/// <summary>What <see cref="FineTuning.FromDense"/> did: the load report, the test accuracy right after the load and
/// after the BatchNorm re-estimation, and the fine-tuning epochs.</summary>
public sealed record FineTuneResult(LoadReport Load, double AccuracyAfterLoad, double AccuracyAfterRecalibration, IReadOnlyList<EpochMetrics> Epochs);
