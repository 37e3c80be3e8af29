using PiXGen;
using PiXGen.Checkpoints;
using PiXGen.Graph;
using PiXGen.Training;
using TorchSharp;
using TorchSharp.Modules;

// Fashion-MNIST's four IDX files (.gz or not), e.g. /usr/share/datasets/fashion-mnist after
// `sudo apt-get install dataset-fashion-mnist`; CI passes the committed 500/200-image subset.
string data = args.Length > 0 ? args[0] : "/usr/share/datasets/fashion-mnist";
string File(string name) => System.IO.File.Exists(Path.Combine(data, name + ".gz")) ? Path.Combine(data, name + ".gz") : Path.Combine(data, name);
var train = ImageDataset.FromIdx(File("train-images-idx3-ubyte"), File("train-labels-idx1-ubyte"));
var test = ImageDataset.FromIdx(File("t10k-images-idx3-ubyte"), File("t10k-labels-idx1-ubyte"));
test.Mean = train.Mean;                                        // normalise the test set with the training statistics
test.Std = train.Std;
train.Transform = Transforms.Compose(Transforms.RandomCrop(padding: 2), Transforms.RandomHorizontalFlip());
Console.WriteLine($"{train.Count} training and {test.Count} test images");

// Progress: one line per model at every quarter of an epoch.
var progress = new Progress<TrainingProgress>(p => {
    if (p.Step == p.StepsPerEpoch || p.Step % Math.Max(1, p.StepsPerEpoch / 4) == 0) Console.WriteLine(p);
});

// 1. The dense network and its PiX twin from scratch, side by side on the same batches.
var options = new TrainingOptions { Epochs = 2, BatchSize = 64, LearningRate = 0.1, OutputFolder = "runs/side-by-side" };
torch.manual_seed(1);
using var dense = new SmallNet();
torch.manual_seed(1);
using var scratch = new SmallPiXNet();
var rows = Trainer.FitSideBySide(new (string, torch.nn.Module<torch.Tensor, torch.Tensor>)[] { ("dense", dense), ("pix", scratch) },
                                 train, test, options, progress);
foreach (var run in rows)
    Console.WriteLine($"{run[^1].Model}: test accuracy {100 * run[^1].TestAccuracy:F1} % after {run.Count} epochs");
// metrics.csv and runs/side-by-side/<model>/epoch-NNN.{safetensors,optimizer.bin,json}; a later run can continue
// with options with { Epochs = 4, ResumeEpoch = 2 }.

// 2. Dense → PiX: load what fits, re-estimate the BatchNorm statistics, fine-tune.
dense.SaveCheckpoint("runs/dense.safetensors");
using var twin = new SmallPiXNet();
LoadReport report = twin.LoadForFineTuning("runs/dense.safetensors");
Console.WriteLine($"fine-tuning load: {report.Loaded.Count} tensors loaded, {report.Skipped.Count} skipped");
FineTuning.RecalibrateBatchNorm(twin, train, batches: 4);
Console.WriteLine($"PiX twin before fine-tuning: {100 * Trainer.Evaluate(twin, test).Accuracy:F1} %");
var tuned = Trainer.Fit("pix-finetuned", twin, train, test,
                        options with { Epochs = 1, LearningRate = 0.05, OutputFolder = "runs/finetune" }, progress);
Console.WriteLine($"PiX twin fine-tuned: {100 * tuned[^1].TestAccuracy:F1} %");

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
