using PiXGen;
using PiXGen.Checkpoints;
using PiXGen.Graph;
using PiXGen.Training;
using TorchSharp;
using TorchSharp.Modules;

// Arguments: the folder of Fashion-MNIST's four IDX files (.gz or not), e.g. /usr/share/datasets/fashion-mnist after
// `sudo apt-get install dataset-fashion-mnist` (CI passes the committed 500/200-image subset); then optionally the
// seed, the epochs from scratch, and the fine-tuning epochs and learning rate (tools/fashion-mnist/finetune-recipe.sh).
string data = args.Length > 0 ? args[0] : "/usr/share/datasets/fashion-mnist";
int seed = args.Length > 1 ? int.Parse(args[1]) : 1, epochs = args.Length > 2 ? int.Parse(args[2]) : 2;
var recipe = FineTuning.Recommended with {
    Epochs = args.Length > 3 ? int.Parse(args[3]) : FineTuning.Recommended.Epochs,
    LearningRate = args.Length > 4 ? double.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture) : FineTuning.Recommended.LearningRate,
};
string File(string name) => System.IO.File.Exists(Path.Combine(data, name + ".gz")) ? Path.Combine(data, name + ".gz") : Path.Combine(data, name);
var train = ImageDataset.FromIdx(File("train-images-idx3-ubyte"), File("train-labels-idx1-ubyte"));
var test = ImageDataset.FromIdx(File("t10k-images-idx3-ubyte"), File("t10k-labels-idx1-ubyte"));
test.Mean = train.Mean;                                        // normalise the test set with the training statistics
test.Std = train.Std;
train.Transform = Transforms.Compose(Transforms.RandomCrop(padding: 2), Transforms.RandomHorizontalFlip());
Console.WriteLine($"{train.Count} training and {test.Count} test images, seed {seed}");

// Progress: one line per model at every quarter of an epoch (InlineProgress reports in order, on the training thread).
var progress = new InlineProgress<TrainingProgress>(p => {
    if (p.Step == p.StepsPerEpoch || p.Step % Math.Max(1, p.StepsPerEpoch / 4) == 0) Console.WriteLine(p);
});

// 1. The dense network and its PiX twin from scratch, side by side on the same batches. A finished run of the same
//    epochs in the folder is loaded instead of trained again (ResumeEpoch = Epochs).
var options = new TrainingOptions { Epochs = epochs, BatchSize = 64, LearningRate = 0.1, Seed = seed, OutputFolder = "runs/side-by-side" };
if (System.IO.File.Exists(Trainer.CheckpointFiles(options.OutputFolder, "pix", epochs).State)) options = options with { ResumeEpoch = epochs };
torch.manual_seed(seed);
using var dense = new SmallNet();
torch.manual_seed(seed);
using var scratch = new SmallPiXNet();
var rows = Trainer.FitSideBySide(new (string, torch.nn.Module<torch.Tensor, torch.Tensor>)[] { ("dense", dense), ("pix", scratch) },
                                 train, test, options, progress);
foreach (var run in rows)
    Console.WriteLine($"{run[^1].Model}: test accuracy {100 * run[^1].TestAccuracy:F2} % after {run.Count} epochs, {run.Sum(r => r.TrainSeconds + r.EvalSeconds):F0} s");
// metrics.csv and runs/side-by-side/<model>/epoch-NNN.{safetensors,optimizer.bin,json}; a later run can continue
// with options with { Epochs = 4, ResumeEpoch = 2 }.

// 2. Dense → PiX with the package's recipe: load what fits, re-estimate the BatchNorm statistics, fine-tune.
dense.SaveCheckpoint("runs/dense.safetensors");
torch.manual_seed(seed);
using var twin = new SmallPiXNet();
var clock = System.Diagnostics.Stopwatch.StartNew();
FineTuneResult tuned = FineTuning.FromDense("pix-finetuned", twin, "runs/dense.safetensors", train, test,
                                            recipe with { Seed = seed, OutputFolder = "runs/finetune" }, progress: progress);
Console.WriteLine($"fine-tuning load: {tuned.Load.Loaded.Count} tensors loaded, {tuned.Load.Skipped.Count} skipped; test accuracy " +
                  $"{100 * tuned.AccuracyAfterLoad:F2} % after the load, {100 * tuned.AccuracyAfterRecalibration:F2} % after re-estimating the BatchNorm statistics");
Console.WriteLine($"pix-finetuned: test accuracy {100 * tuned.Epochs[^1].TestAccuracy:F2} % after {tuned.Epochs.Count} epochs at lr {recipe.LearningRate}, {clock.Elapsed.TotalSeconds:F0} s");

// 3. Inference: fuse (a snapshot, in eval mode) and export to ONNX.
twin.eval();
using var fused = twin.Fuse();
twin.ExportOnnx("runs/pix-finetuned.onnx", fuse: true);
using (torch.no_grad()) {
    var x = test.GetTensor(0)["data"].unsqueeze(0);
    Console.WriteLine($"fused vs module, first test image: max |difference| {(fused.call(x) - twin.call(x)).abs().max().item<float>():E1}");
}

/// <summary>A small CNN for 1×28×28 images with a 1×1 squeeze convolution (64 → 16 channels).</summary>
[Network(Input = "1x28x28")]
public partial class SmallNet
{
    [Conv2d(32, Kernel = 3, Padding = 1, Bias = false)] readonly Conv2d conv1;
    [BatchNorm2d] readonly BatchNorm2d bn1;
    [ReLU] readonly ReLU relu1;
    [MaxPool2d(2)] readonly MaxPool2d pool1;
    [Conv2d(64, Kernel = 3, Padding = 1, Bias = false)] readonly Conv2d conv2;
    [BatchNorm2d] readonly BatchNorm2d bn2;
    [ReLU] readonly ReLU relu2;
    [Conv2d(16, Kernel = 1, Bias = false)] readonly Conv2d squeeze;
    [BatchNorm2d] readonly BatchNorm2d bn3;
    [ReLU] readonly ReLU relu3;
    [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d pool;
    [Flatten] readonly Flatten flatten;
    [Linear(10)] readonly Linear fc;
}

/// <summary>SmallNet with its squeeze convolution (+ BatchNorm + ReLU) replaced by PiX (ζ = 4).</summary>
[Network(Like = typeof(SmallNet)), SubstitutePiX]
public partial class SmallPiXNet { }
