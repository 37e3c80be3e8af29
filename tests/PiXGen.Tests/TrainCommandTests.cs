using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text.Json;
using PiXGen.Checkpoints;
using PiXGen.Data;
using PiXGen.Zoo;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Tests;

/// <summary>
/// Training runs seed TorchSharp's global generator; running them alone keeps other tests' random draws out of
/// their initialisation, so the same seed gives the same run.
/// </summary>
[CollectionDefinition("train", DisableParallelization = true)]
public class TrainCollection { }

/// <summary>
/// The zoo's <c>train</c> command on the committed Fashion-MNIST subset (Fixtures/fashion-mnist: the first 500
/// training and 200 test images, made by tools/fashion-mnist/make_subset.py), and the IDX reader.
/// </summary>
[Collection("train")]
public class TrainCommandTests : IDisposable
{
    private static readonly string Fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "fashion-mnist");
    private readonly string dir = Path.Combine(Path.GetTempPath(), "pixgen-train-" + Guid.NewGuid().ToString("N"));

    public TrainCommandTests() => Directory.CreateDirectory(dir);

    public void Dispose()
    {
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }

    private static (int Code, string Out, string Err) Zoo(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = ZooCli.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    private string[] Train(string model, string outDir, params string[] more)
        => new[] { "train", model, "--data", Fixture, "--out", outDir, "--threads", "1" }.Concat(more).ToArray();

    private static JsonElement LastJson(string stdout)
    {
        var last = stdout.TrimEnd().Split('\n').Last();
        return JsonDocument.Parse(last).RootElement.Clone();
    }

    /// <summary>Mean cross-entropy of <paramref name="module"/> on the subset's test images in batch-statistics mode.</summary>
    private static double Loss(nn.Module<Tensor, Tensor> module, FashionMnistData data)
    {
        using var _ = torch.no_grad();
        module.train();   // batch statistics: a comparison of the weights, independent of the BatchNorm running averages
        var items = Enumerable.Range(0, data.TestCount).Select(i => data.Test.GetTensor(i)).ToList();
        var logits = module.forward(torch.stack(items.Select(d => d["data"])));
        return nn.functional.cross_entropy(logits, torch.stack(items.Select(d => d["label"]))).item<float>();
    }

    [Fact]
    public void One_epoch_on_the_subset_lowers_the_loss_and_beats_chance()
    {
        string run = Path.Combine(dir, "run");
        var r = Zoo(Train("fmnist_resnet", run, "--epochs", "1", "--batch", "5", "--lr", "0.01", "--seed", "3", "--json"));
        Assert.True(r.Code == 0, r.Err);

        // Independently of the command's own numbers: the initial network (same seed) against the saved checkpoint.
        var data = FashionMnistData.Load(Fixture);
        var info = ZooCatalog.Find("fmnist_resnet")!;
        torch.manual_seed(3);
        using var initial = info.Create();
        using var trained = info.Create();
        Checkpoint.Load(trained, TrainCommand.CheckpointFiles(run, "fmnist_resnet", 1).Weights);
        double before = Loss(initial, data), after = Loss(trained, data);
        Assert.True(after < 0.9 * before, $"test loss {before:F4} before training, {after:F4} after one epoch");

        var json = LastJson(r.Out).GetProperty("runs")[0];
        Assert.Equal(1, json.GetProperty("epochs").GetInt32());
        double accuracy = json.GetProperty("test_accuracy").GetDouble();
        // 200 test images, 10 classes: chance is 10 % (standard deviation 2.1 points); 25 % is seven deviations above.
        Assert.True(accuracy > 0.25, $"test accuracy {accuracy:P1} after one epoch");
    }

    [Fact]
    public void Image_folders_train_and_read_the_same_pixels_as_the_idx_files()
    {
        // train/<class>/ and test/<class>/ of grey 28×28 PNGs made from the subset: two images per class for training,
        // one for testing, class folders named so that their sorted order is the label order.
        var idx = FashionMnistData.Load(Fixture);
        idx.Train.Mean = 0; idx.Train.Std = 1;
        string root = Path.Combine(dir, "folders");
        var firsts = new Dictionary<long, List<int>>();
        for (int i = 0; i < idx.TrainCount; i++)
            if ((firsts.TryGetValue(idx.Train.Labels[i], out var l) ? l : firsts[idx.Train.Labels[i]] = new List<int>()).Count < 3)
                firsts[idx.Train.Labels[i]].Add(i);
        Assert.Equal(10, firsts.Count);
        foreach (var (label, images) in firsts)
            for (int k = 0; k < 3; k++)
            {
                var x = idx.Train.GetTensor(images[k])["data"][0];
                string split = k < 2 ? "train" : "test";
                ImageFolderTests.WritePng(Path.Combine(root, split, $"class{label:D2}", $"{k}.png"), 28, 28, (c, r) =>
                {
                    byte v = (byte)Math.Round(x[r, c].item<float>() * 255);
                    return (v, v, v);
                });
            }
        var folders = FashionMnistData.Load(root);
        Assert.Equal(20, folders.TrainCount);
        Assert.Equal(10, folders.TestCount);
        folders.Train.Mean = 0; folders.Train.Std = 1;
        Assert.True(folders.Train.GetTensor(0)["data"].allclose(idx.Train.GetTensor(firsts[0][0])["data"], 1e-6, 1e-6));
        Assert.Equal(0, folders.Train.Labels[0]);

        var r = Zoo(Train("fmnist_resnet", Path.Combine(dir, "run"), "--epochs", "1", "--batch", "10").Select(a => a == Fixture ? root : a).ToArray());
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal(20, TrainCommand.ReadMetrics(Path.Combine(dir, "run", "metrics.csv")).Single().Images);

        // Another number of classes is refused, naming both folders.
        Directory.Delete(Path.Combine(root, "test", "class09"), recursive: true);
        r = Zoo(Train("fmnist_resnet", Path.Combine(dir, "run2")).Select(a => a == Fixture ? root : a).ToArray());
        Assert.Equal(1, r.Code);
        Assert.Contains("the same 10 class folders in both", r.Err);
    }

    [Fact]
    public void Missing_data_exits_1_naming_the_folder_and_how_to_get_it()
    {
        string empty = Path.Combine(dir, "nothing-here");
        var r = Zoo("train", "fmnist_resnet", "--data", empty, "--out", Path.Combine(dir, "out"));
        Assert.Equal(1, r.Code);
        var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: Fashion-MNIST not found", lines[0]);
        Assert.Contains(empty, lines[0]);
        Assert.Contains("apt-get install dataset-fashion-mnist", lines[0]);
        Assert.Contains("train-images-idx3-ubyte.gz", lines[0]);

        // A folder with some of the files: the message lists the missing ones only.
        string partial = Path.Combine(dir, "partial");
        Directory.CreateDirectory(partial);
        foreach (var name in FashionMnistData.FileNames.Take(2)) File.Copy(Path.Combine(Fixture, name), Path.Combine(partial, name));
        r = Zoo("train", "fmnist_resnet", "--data", partial, "--out", Path.Combine(dir, "out"));
        Assert.Equal(1, r.Code);
        Assert.Contains("missing t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz.", r.Err);
        Assert.DoesNotContain("missing train-", r.Err);
    }

    [Fact]
    public void A_model_for_other_inputs_is_refused()
    {
        var r = Zoo("train", "resnet18", "--data", Fixture, "--out", Path.Combine(dir, "out"));
        Assert.Equal(1, r.Code);
        Assert.Contains("resnet18 takes 3x224x224", r.Err);
    }

    [Fact]
    public void Resume_continues_from_the_checkpoint_to_the_same_weights()
    {
        string full = Path.Combine(dir, "full"), resumed = Path.Combine(dir, "resumed");
        var a = Zoo(Train("fmnist_pix_resnet", full, "--epochs", "2", "--limit", "60", "--batch", "20", "--seed", "5"));
        Assert.True(a.Code == 0, a.Err);
        var first = TrainCommand.CheckpointFiles(full, "fmnist_pix_resnet", 1);
        Assert.True(File.Exists(first.Optimizer) && new FileInfo(first.Optimizer).Length > 0, "no optimiser state beside the weights");

        var b = Zoo("train", "fmnist_pix_resnet", "--data", Fixture, "--threads", "1", "--resume", first.Weights, "--out", resumed);
        Assert.True(b.Code == 0, b.Err);
        Assert.Contains("resumed from epoch 1", b.Out);
        Assert.False(File.Exists(TrainCommand.CheckpointFiles(resumed, "fmnist_pix_resnet", 1).Weights), "epoch 1 was trained again");

        // The resumed run trains epoch 2 only, and ends where the uninterrupted run ended.
        var rows = TrainCommand.ReadMetrics(Path.Combine(resumed, "metrics.csv"));
        Assert.Equal(new[] { 1, 2 }, rows.Select(x => x.Epoch));
        using var straight = Checkpoint.Read(TrainCommand.CheckpointFiles(full, "fmnist_pix_resnet", 2).Weights);
        using var continued = Checkpoint.Read(TrainCommand.CheckpointFiles(resumed, "fmnist_pix_resnet", 2).Weights);
        Assert.Equal(straight.Keys, continued.Keys);
        foreach (var key in straight.Keys)
            Assert.True(straight[key].allclose(continued[key], rtol: 1e-4, atol: 1e-5), $"{key} differs after resuming");
        using var state = JsonDocument.Parse(File.ReadAllText(TrainCommand.CheckpointFiles(resumed, "fmnist_pix_resnet", 2).State));
        Assert.Equal(2, state.RootElement.GetProperty("epoch").GetInt32());
        Assert.Equal(5, state.RootElement.GetProperty("seed").GetInt32());

        // A different setting than the checkpoint's is refused rather than silently mixed in.
        var c = Zoo("train", "fmnist_pix_resnet", "--data", Fixture, "--resume", first.Weights, "--lr", "0.3", "--out", resumed);
        Assert.Equal(1, c.Code);
        Assert.Contains("--lr 0.3 differs from the checkpoint's 0.1", c.Err);
        var d = Zoo("train", "fmnist_resnet", "--data", Fixture, "--resume", first.Weights, "--out", resumed);
        Assert.Equal(1, d.Code);
        Assert.Contains("is a checkpoint of fmnist_pix_resnet, not of fmnist_resnet", d.Err);
    }

    [Fact]
    public void Vs_resumed_from_a_checkpoint_writes_metrics_of_both_models_the_plot_and_the_json_line()
    {
        // One epoch, then a second one resumed from the first model's checkpoint (the second model's comes from the same run).
        string run = Path.Combine(dir, "vs");
        var first = Zoo(Train("fmnist_pix_resnet", run, "--vs", "fmnist_resnet", "--epochs", "1", "--limit", "40", "--batch", "20"));
        Assert.True(first.Code == 0, first.Err);
        var r = Zoo(Train("fmnist_pix_resnet", run, "--vs", "fmnist_resnet", "--epochs", "2", "--json",
                          "--resume", TrainCommand.CheckpointFiles(run, "fmnist_pix_resnet", 1).Weights));
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("fmnist_resnet: 225,130 parameters, 6.76 MMACs, resumed from epoch 1", r.Out);

        var rows = TrainCommand.ReadMetrics(Path.Combine(run, "metrics.csv"));
        Assert.Equal(new[] { ("fmnist_pix_resnet", 1), ("fmnist_resnet", 1), ("fmnist_pix_resnet", 2), ("fmnist_resnet", 2) },
                     rows.Select(x => (x.Model, x.Epoch)));
        foreach (var row in rows)
        {
            Assert.Equal(40, row.Images);
            Assert.InRange(row.TestAccuracy, 0, 1);
            Assert.InRange(row.TrainAccuracy, 0, 1);
            Assert.True(row.TrainLoss > 0 && double.IsFinite(row.TestLoss) && row.TrainSeconds > 0 && row.EvalSeconds > 0);
        }
        // 2 steps per epoch; epoch 1 ran under a 1-epoch schedule (2 steps), epoch 2 under the extended one (4 steps).
        Assert.Equal(TrainCommand.LearningRate(TrainCommand.DefaultLr, 1, 2), rows[0].Lr);
        Assert.Equal(TrainCommand.LearningRate(TrainCommand.DefaultLr, 3, 4), rows[2].Lr);
        Assert.Equal(0.01, TrainCommand.LearningRate(0.1, 4, 1000), 12);                     // warm-up: 50 steps
        Assert.Equal(0.1, TrainCommand.LearningRate(0.1, 49, 1000), 12);
        Assert.Equal(0.05, TrainCommand.LearningRate(0.1, 50 + 475, 1000), 12);              // halfway down the cosine
        Assert.Equal(0.0, TrainCommand.LearningRate(0.1, 1000, 1000), 12);

        var json = LastJson(r.Out);
        string plot = json.GetProperty("plot").GetString()!;
        Assert.Equal(Path.Combine(run, "curves.png"), plot);
        var png = File.ReadAllBytes(plot);
        Assert.True(png.Length > 1000 && png[0] == 0x89 && png[1] == (byte)'P' && png[2] == (byte)'N' && png[3] == (byte)'G');
        var runs = json.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(2, runs.Count);
        foreach (var (entry, name) in runs.Zip(new[] { "fmnist_pix_resnet", "fmnist_resnet" }))
        {
            var info = ZooCatalog.Find(name)!;
            Assert.Equal(name, entry.GetProperty("model").GetString());
            Assert.Equal(info.Parameters, entry.GetProperty("params").GetInt64());
            Assert.Equal(info.Macs, entry.GetProperty("macs").GetInt64());
            Assert.Equal(2, entry.GetProperty("epochs").GetInt32());
            var last = rows.Last(x => x.Model == name);
            Assert.Equal(last.TestAccuracy, entry.GetProperty("test_accuracy").GetDouble());
            Assert.Equal(last.TrainLoss, entry.GetProperty("train_loss").GetDouble());
            Assert.Equal(rows.Where(x => x.Model == name).Average(x => x.TrainSeconds), entry.GetProperty("epoch_seconds").GetDouble(), 9);
        }
        Assert.True(ZooCatalog.Find("fmnist_pix_resnet")!.Macs <= 0.8 * ZooCatalog.Find("fmnist_resnet")!.Macs, "PiX saves less than 20 % of the MACs");
        Assert.Contains("fmnist_pix_resnet vs fmnist_resnet: MACs -", r.Out);
    }

    [Fact]
    public void The_same_seed_repeats_the_run_and_another_seed_does_not()
    {
        PiXGen.Training.EpochMetrics RunOnce(string name, int seed)
        {
            var r = Zoo(Train("fmnist_resnet", Path.Combine(dir, name), "--epochs", "1", "--limit", "40", "--batch", "20", "--seed", seed.ToString()));
            Assert.True(r.Code == 0, r.Err);
            return TrainCommand.ReadMetrics(Path.Combine(dir, name, "metrics.csv")).Single();
        }
        var a = RunOnce("a", 7);
        var b = RunOnce("b", 7);
        var c = RunOnce("c", 8);
        Assert.Equal(a.TrainLoss, b.TrainLoss);
        Assert.Equal(a.TestLoss, b.TestLoss);
        Assert.NotEqual(a.TrainLoss, c.TrainLoss);
    }

    [Fact]
    public void Augmentation_shifts_and_flips_the_pixels_with_black_padding()
    {
        // The command's augmentation is the package's transforms, run before the normalisation: a crop's padding is
        // black (the background), not the mean grey.
        var data = FashionMnistData.Load(Fixture);
        var plain = data.Train.GetTensor(7)["data"][0];
        data.Train.Transform = (x, _) => PiXGen.Training.Transforms.Shift(x, -2, 1).flip(2);
        var moved = data.Train.GetTensor(7)["data"][0];
        Assert.Equal(data.Train.Labels[7], data.Train.GetTensor(7)["label"].item<long>());
        float background = -data.Mean / data.Std;
        for (int y = 0; y < 28; y++)
            for (int x = 0; x < 28; x++)
            {
                // out(y, x) = in(y + dy, (27 − x) + dx), background outside the image
                int sy = y - 2, sx = 27 - x + 1;
                float expected = sy is >= 0 and < 28 && sx is >= 0 and < 28 ? plain[sy, sx].item<float>() : background;
                Assert.Equal(expected, moved[y, x].item<float>(), 5);
            }
        var raw = Idx.Read(Path.Combine(Fixture, "train-images-idx3-ubyte.gz"));
        Assert.Equal((raw.Data[7 * 784 + 100] / 255f - data.Mean) / data.Std, plain[100 / 28, 100 % 28].item<float>(), 5);
    }

    [Fact]
    public void Idx_reads_what_it_writes_and_names_the_file_and_the_problem()
    {
        var array = new IdxArray(Enumerable.Range(0, 24).Select(i => (byte)i).ToArray(), new[] { 2, 3, 4 });
        foreach (var name in new[] { "a.idx", "a.idx.gz" })
        {
            string path = Path.Combine(dir, name);
            Idx.Write(path, array);
            var back = Idx.Read(path);
            Assert.Equal(array.Shape, back.Shape);
            Assert.Equal(array.Data, back.Data);
            Assert.Equal(12, back.ItemSize);
        }
        // Independent of Write: the fixture's header as the IDX specification lays it out.
        using (var gz = new GZipStream(File.OpenRead(Path.Combine(Fixture, "t10k-labels-idx1-ubyte.gz")), CompressionMode.Decompress))
        {
            var head = new byte[8];
            gz.ReadExactly(head);
            Assert.Equal(new byte[] { 0, 0, 8, 1, 0, 0, 0, 200 }, head);
        }

        string truncated = Path.Combine(dir, "truncated.idx");
        File.WriteAllBytes(truncated, new byte[] { 0, 0, 8, 1, 0, 0, 0, 5, 1, 2 });
        var e = Assert.Throws<IdxFormatException>(() => Idx.Read(truncated));
        Assert.Contains(truncated, e.Message);
        Assert.Contains("declares 5 = 5 bytes of data but the file holds 2", e.Message);

        string floats = Path.Combine(dir, "floats.idx");
        File.WriteAllBytes(floats, new byte[] { 0, 0, 0x0D, 1, 0, 0, 0, 0 });
        Assert.Contains("element type 0x0d", Assert.Throws<IdxFormatException>(() => Idx.Read(floats)).Message);

        string corrupt = Path.Combine(dir, "corrupt.gz");
        File.WriteAllBytes(corrupt, new byte[] { 0x1f, 0x8b, 8, 0, 1, 2, 3 });
        Assert.Contains("gzip", Assert.Throws<IdxFormatException>(() => Idx.Read(corrupt)).Message);

        // Through the command: one error line naming the file.
        string bad = Path.Combine(dir, "bad");
        Directory.CreateDirectory(bad);
        foreach (var n in FashionMnistData.FileNames) File.Copy(Path.Combine(Fixture, n), Path.Combine(bad, n));
        File.WriteAllBytes(Path.Combine(bad, "t10k-labels-idx1-ubyte.gz"), new byte[] { 0, 0, 8, 1, 0, 0, 0, 9 });
        var r = Zoo("train", "fmnist_resnet", "--data", bad, "--out", Path.Combine(dir, "out"));
        Assert.Equal(1, r.Code);
        Assert.Contains("t10k-labels-idx1-ubyte.gz", r.Err);
        Assert.Contains("9 bytes of data but the file holds 0", r.Err);
    }
}
