using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using PiXGen.Checkpoints;
using PiXGen.Training;
using PiXGen.Zoo;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Tests;

/// <summary>The package's training API (src/PiXGen/Training) on the committed Fashion-MNIST subset (500 training, 200
/// test images; Fixtures/fashion-mnist).</summary>
public class TrainingApiTests
{
    private static readonly string Fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "fashion-mnist");

    private static (ImageDataset Train, ImageDataset Test) Data(int? limit = null)
    {
        var train = ImageDataset.FromIdx(Path.Combine(Fixture, "train-images-idx3-ubyte.gz"), Path.Combine(Fixture, "train-labels-idx1-ubyte.gz"), limit);
        var test = ImageDataset.FromIdx(Path.Combine(Fixture, "t10k-images-idx3-ubyte.gz"), Path.Combine(Fixture, "t10k-labels-idx1-ubyte.gz"));
        test.Mean = train.Mean;
        test.Std = train.Std;
        train.Transform = Transforms.Compose(Transforms.RandomCrop(2), Transforms.RandomHorizontalFlip());
        return (train, test);
    }

    private static FMnistResNet Model(int seed)
    {
        manual_seed(seed);
        return new FMnistResNet();
    }

    private static Dictionary<string, Tensor> Weights(nn.Module m) => m.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());

    private static void AssertSameWeights(Dictionary<string, Tensor> a, nn.Module b, string what)
    {
        foreach (var (key, t) in b.state_dict())
            Assert.True(a[key].eq(t).all().item<bool>(), $"{what}: {key} differs");
    }

    [Fact]
    public void The_idx_dataset_batches_through_TorchSharps_DataLoader()
    {
        var (train, test) = Data();
        Assert.Equal(500, train.Count);
        Assert.Equal(200, test.Count);
        using var loader = utils.data.DataLoader(train, 64, shuffle: true, seed: 3, disposeDataset: false);
        int batches = 0;
        long images = 0;
        foreach (var batch in loader) {
            batches++;
            images += batch["data"].shape[0];
            Assert.Equal(new long[] { 1, 28, 28 }, batch["data"].shape.Skip(1).ToArray());
            Assert.Equal(ScalarType.Int64, batch["label"].dtype);
        }
        Assert.Equal(8, batches);
        Assert.Equal(500, images);
        // Normalised with the training set's statistics: mean 0, std 1 over the untransformed training images.
        train.Transform = null;
        var all = stack(Enumerable.Range(0, 500).Select(i => train.GetTensor(i)["data"]).ToArray());
        Assert.Equal(0.0, all.mean().item<float>(), 3);
        Assert.Equal(1.0, all.std().item<float>(), 2);
    }

    [Fact]
    public void Transforms_shift_with_zero_padding_and_flip()
    {
        var x = arange(1, 10, dtype: float32).view(1, 3, 3);
        var shifted = Transforms.Shift(x, 1, -1);      // row r of the result is row r + 1 of x, column c is column c − 1
        Assert.Equal(new float[] { 0, 4, 5, 0, 7, 8, 0, 0, 0 }, shifted.flatten().data<float>().ToArray());
        var flipped = Transforms.RandomHorizontalFlip(1.0)(x, new Random(1));
        Assert.Equal(new float[] { 3, 2, 1, 6, 5, 4, 9, 8, 7 }, flipped.flatten().data<float>().ToArray());
        Assert.True(Transforms.RandomHorizontalFlip(0.0)(x, new Random(1)).eq(x).all().item<bool>());
    }

    [Fact]
    public void Warmup_cosine_is_TorchSharps_LambdaLR_and_the_train_commands_schedule()
    {
        var p = new TorchSharp.Modules.Parameter(zeros(2));
        using var sgd = optim.SGD(new[] { p }, 0.1);
        var scheduler = WarmupCosine.Create(sgd, 1000);
        for (int step = 0; step < 1000; step++) {
            Assert.Equal(TrainCommand.LearningRate(0.1, step, 1000), sgd.ParamGroups.First().LearningRate, 12);
            scheduler.step();
        }
        Assert.Equal(0.01, 0.1 * WarmupCosine.Factor(4, 1000), 12);      // warm-up: 50 steps
        Assert.Equal(0.05, 0.1 * WarmupCosine.Factor(525, 1000), 12);    // halfway down the cosine
    }

    [Fact]
    public void Fit_writes_metrics_and_checkpoints_and_a_resume_continues_exactly()
    {
        var (train, test) = Data(limit: 256);
        using var dir = new TempFolder();
        var options = new TrainingOptions { Epochs = 2, BatchSize = 64, LearningRate = 0.05, OutputFolder = dir.File("full"), Seed = 4 };
        var reports = new List<TrainingProgress>();
        using var full = Model(7);
        var rows = Trainer.Fit("fmnist_resnet", full, train, test, options, new InlineProgress<TrainingProgress>(reports.Add));
        Assert.Equal(new[] { 1, 2 }, rows.Select(r => r.Epoch));
        Assert.Equal(8, reports.Count);                                   // 4 steps per epoch
        Assert.All(rows, r => Assert.Equal(256, r.Images));
        Assert.All(rows, r => Assert.InRange(r.TestAccuracy, 0, 1));
        Assert.Equal(rows, EpochMetrics.Read(Trainer.MetricsPath(dir.File("full"))));
        var (weights, optimizer, state) = Trainer.CheckpointFiles(dir.File("full"), "fmnist_resnet", 2);
        Assert.True(File.Exists(weights) && File.Exists(optimizer) && File.Exists(state));

        // A resume after epoch 1 from that folder (other initial weights: the checkpoint replaces them) ends with the same
        // weights as the two epochs in one go: weights, optimiser state, schedule and data order are restored.
        var fullWeights = Weights(full);
        using var resumed = Model(99);
        var resumedRows = Trainer.Fit("fmnist_resnet", resumed, train, test, options with { ResumeEpoch = 1 });
        AssertSameWeights(fullWeights, resumed, "resumed after epoch 1");
        Assert.Equal(rows[0], resumedRows[0]);
    }

    [Fact]
    public void Side_by_side_models_see_the_same_batches_as_alone()
    {
        var (train, test) = Data(limit: 128);
        var options = new TrainingOptions { Epochs = 1, BatchSize = 32, LearningRate = 0.05 };
        using var alone = Model(3);
        using var a = Model(3);
        // The same initial weights without relying on the global generator (other test classes run in parallel).
        using (no_grad())
            foreach (var (key, t) in a.state_dict()) t.copy_(alone.state_dict()[key]);
        Trainer.Fit("a", alone, train, null, options);
        manual_seed(5);
        using var b = new FMnistPiXResNet();
        var rows = Trainer.FitSideBySide(new (string, nn.Module<Tensor, Tensor>)[] { ("a", a), ("b", b) }, train, test, options);
        Assert.Equal(new[] { "a", "b" }, rows.Select(r => r.Single().Model));
        AssertSameWeights(Weights(alone), a, "side by side vs alone");
    }

    [Fact]
    public void RecalibrateBatchNorm_sets_the_running_statistics_to_the_batch_average()
    {
        var (train, _) = Data(limit: 64);
        train.Transform = null;
        manual_seed(1);
        using var model = nn.Sequential(("conv", nn.Conv2d(1, 4, 3)), ("bn", nn.BatchNorm2d(4)), ("pool", nn.AdaptiveAvgPool2d(1)), ("flat", nn.Flatten()));
        Assert.Equal(1, FineTuning.RecalibrateBatchNorm(model, train, batches: 1, batchSize: 64));
        Assert.False(model.training);
        var conv = (TorchSharp.Modules.Conv2d)model.named_children().First().module;
        var bn = (TorchSharp.Modules.BatchNorm2d)model.named_children().Skip(1).First().module;
        using var noGrad = no_grad();
        var x = stack(Enumerable.Range(0, 64).Select(i => train.GetTensor(i)["data"]).ToArray());
        var y = conv.call(x);
        var mean = y.mean(new long[] { 0, 2, 3 });
        var variance = y.var(new long[] { 0, 2, 3 }, unbiased: true);
        Assert.True(bn.running_mean!.allclose(mean, 1e-5, 1e-6), "running mean = the batch mean (one batch, all 64 images)");
        Assert.True(bn.running_var!.allclose(variance, 1e-4, 1e-6), "running variance = the unbiased batch variance");
        Assert.Equal(0.1, bn.momentum);                                  // restored
    }

    [Fact]
    public void FromDense_loads_recalibrates_and_fine_tunes_the_pix_twin()
    {
        var (train, test) = Data(limit: 128);
        using var dir = new TempFolder();
        string path = dir.File("dense.safetensors");
        using (var dense = Model(2)) dense.SaveCheckpoint(path);
        manual_seed(3);
        using var twin = new FMnistPiXResNet();
        var bn = twin.named_modules().Single(m => m.name == "bn1").module;
        var result = FineTuning.FromDense("twin", twin, path, train, test,
                                          FineTuning.Recommended with { Epochs = 1, BatchSize = 64 }, recalibrationBatches: 2);
        Assert.Equal(twin.state_dict().Count, result.Load.Loaded.Count);       // every tensor of the twin came from the file
        Assert.Equal(7 * 5, result.Load.Unexpected.Count());   // the 5 entries of each of the 7 blocks' replaced bn1
        Assert.InRange(result.AccuracyAfterLoad, 0, 1);
        Assert.InRange(result.AccuracyAfterRecalibration, 0, 1);
        Assert.Equal((0.2, 1), (FineTuning.Recommended.LearningRate, FineTuning.Recommended.Epochs));   // the measured recipe (docs/training.md)
        Assert.Single(result.Epochs);
        // The stem's BatchNorm statistics are no longer the dense file's (ones and zeros at initialisation).
        Assert.False(((TorchSharp.Modules.BatchNorm2d)bn).running_var!.eq(1).all().item<bool>());
    }

    [Fact]
    public void The_npy_dataset_reads_images_and_labels()
    {
        using var dir = new TempFolder();
        var pixels = Enumerable.Range(0, 2 * 3 * 4 * 4).Select(i => (float)i).ToArray();
        Npy.Write(dir.File("x.npy"), pixels, new long[] { 2, 3, 4, 4 });
        Npy.Write(dir.File("y.npy"), new float[] { 1, 0 }, new long[] { 2 });
        var data = ImageDataset.FromNpy(dir.File("x.npy"), dir.File("y.npy"));
        Assert.Equal(new long[] { 3, 4, 4 }, data.SampleShape);
        Assert.Equal(new long[] { 1, 0 }, data.Labels);
        Npy.Write(dir.File("bad.npy"), new float[] { 0.5f, 1 }, new long[] { 2 });
        var e = Assert.Throws<InvalidDataException>(() => ImageDataset.FromNpy(dir.File("x.npy"), dir.File("bad.npy")));
        Assert.Contains("label 0.5 at index 0 is not a class number", e.Message);
    }

    [Fact]
    public void The_augmentation_seed_is_the_same_in_every_process()
    {
        // SplitMix64's finaliser of the mixed (seed, epoch, index), computed independently in Python (64-bit wrap-around):
        // fixed numbers, where HashCode.Combine would give other ones in every process and break a resume in a new one.
        Assert.Equal(483766274, ImageDataset.SampleSeed(1, 1, 0));
        Assert.Equal(831828540, ImageDataset.SampleSeed(5, 3, 12345));
        Assert.NotEqual(ImageDataset.SampleSeed(1, 1, 0), ImageDataset.SampleSeed(1, 2, 0));
    }

    [Fact]
    public void A_resume_writes_to_another_folder_and_a_finished_run_is_loaded_without_training()
    {
        var (train, test) = Data(limit: 128);
        using var dir = new TempFolder();
        var options = new TrainingOptions { Epochs = 2, BatchSize = 64, LearningRate = 0.05, OutputFolder = dir.File("first"), Seed = 2 };
        var finished = new List<EpochMetrics>();
        using var model = Model(1);
        var rows = Trainer.Fit("m", model, train, test, options, epochs: new InlineProgress<EpochMetrics>(finished.Add));
        Assert.Equal(rows, finished);                                     // one report per epoch, after it
        Assert.All(rows, r => Assert.True(r.TrainSeconds > 0));

        // Resumed after epoch 1 from "first" into "second": epoch 2 only is trained, and only there.
        using var resumed = Model(50);
        var steps = new List<TrainingProgress>();
        var again = Trainer.Fit("m", resumed, train, test,
                                options with { ResumeEpoch = 1, ResumeFolder = dir.File("first"), OutputFolder = dir.File("second") },
                                new InlineProgress<TrainingProgress>(steps.Add));
        Assert.Equal(new[] { 2 }, steps.Select(s => s.Epoch).Distinct());
        Assert.Equal(new[] { 64, 128 }, steps.Select(s => s.Images));
        Assert.False(File.Exists(Trainer.CheckpointFiles(dir.File("second"), "m", 1).Weights));
        Assert.Equal(new[] { 1, 2 }, EpochMetrics.Read(Trainer.MetricsPath(dir.File("second"))).Select(r => r.Epoch));
        AssertSameWeights(Weights(model), resumed, "resumed into another folder");
        Assert.Equal(rows[0], again[0]);

        // ResumeEpoch = Epochs: the finished run's weights and rows, nothing trained.
        using var loaded = Model(51);
        steps.Clear();
        var same = Trainer.Fit("m", loaded, train, test, options with { ResumeEpoch = 2 }, new InlineProgress<TrainingProgress>(steps.Add));
        Assert.Empty(steps);
        Assert.Equal(rows, same);
        AssertSameWeights(Weights(model), loaded, "a finished run loaded");
        Assert.Throws<ArgumentException>(() => Trainer.Fit("m", loaded, train, test, options with { ResumeEpoch = 3 }));
    }
}
