// docs/training.md, "Dense → PiX fine-tuning": for one seed, on the first --train training and --test test images of
// Fashion-MNIST, trains FMnistResNet (dense) and FMnistPiXResNet from scratch side by side for --epochs epochs
// (lr 0.1), then initialises FMnistPiXResNet from the dense checkpoint and fine-tunes it for --ft-epochs epochs at
// lr 0.05, with and without the BatchNorm re-estimation. One CSV line per arm on stdout.
// dotnet run -c Release --project tools/fashion-mnist/FineTuneRecipe -- <data> <seed> <train> <test> <epochs> <ft-epochs> <out>
using PiXGen.Checkpoints;
using PiXGen.Training;
using PiXGen.Zoo;
using TorchSharp;

string data = args[0];
int seed = int.Parse(args[1]), trainCount = int.Parse(args[2]), testCount = int.Parse(args[3]);
int epochs = int.Parse(args[4]), ftEpochs = int.Parse(args[5]);
string outDir = args[6];
torch.set_num_threads(1);
var train = ImageDataset.FromIdx(Path.Combine(data, "train-images-idx3-ubyte.gz"), Path.Combine(data, "train-labels-idx1-ubyte.gz"), trainCount);
var test = ImageDataset.FromIdx(Path.Combine(data, "t10k-images-idx3-ubyte.gz"), Path.Combine(data, "t10k-labels-idx1-ubyte.gz"), testCount);
test.Mean = train.Mean; test.Std = train.Std;
train.Transform = Transforms.Compose(Transforms.RandomCrop(2), Transforms.RandomHorizontalFlip());
train.Seed = seed;
var clock = System.Diagnostics.Stopwatch.StartNew();
void Line(string arm, int ep, double acc, string note) =>
    Console.WriteLine($"{seed},{arm},{ep},{acc:F4},{clock.Elapsed.TotalSeconds:F0},{note}");

var options = new TrainingOptions { Epochs = epochs, BatchSize = 128, LearningRate = 0.1, Seed = seed, OutputFolder = Path.Combine(outDir, "scratch") };
torch.manual_seed(seed);
using var dense = new FMnistResNet();
torch.manual_seed(seed);
using var pix = new FMnistPiXResNet();
var rows = Trainer.FitSideBySide(new (string, torch.nn.Module<torch.Tensor, torch.Tensor>)[] { ("dense", dense), ("pix_scratch", pix) }, train, test, options);
Line("dense", epochs, rows[0][^1].TestAccuracy, "lr 0.1");
Line("pix_scratch", epochs, rows[1][^1].TestAccuracy, "lr 0.1");
string densePath = Path.Combine(outDir, "dense.safetensors");
dense.SaveCheckpoint(densePath);

var ft = FineTuning.Recommended with { Epochs = ftEpochs, Seed = seed };
foreach (int batches in new[] { 20, 0 }) {
    torch.manual_seed(seed);
    using var twin = new FMnistPiXResNet();
    var r = FineTuning.FromDense("pix_finetune", twin, densePath, train, test, ft with { OutputFolder = Path.Combine(outDir, $"ft{batches}") }, batches);
    string arm = batches > 0 ? "pix_finetune_bn" : "pix_finetune_nobn";
    Line(arm, 0, r.AccuracyAfterLoad, "after LoadForFineTuning");
    if (batches > 0) Line(arm, 0, r.AccuracyAfterRecalibration, $"after RecalibrateBatchNorm({batches})");
    Line(arm, ftEpochs, r.Epochs[^1].TestAccuracy, "lr 0.05");
}
