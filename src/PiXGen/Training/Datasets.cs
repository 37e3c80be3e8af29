using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using PiXGen.Checkpoints;
using PiXGen.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Training;

/// <summary>
/// An image-classification dataset held in memory, as a TorchSharp <see cref="torch.utils.data.Dataset"/>: item i is
/// <c>{"data": (C, H, W) float32, "label": int64 scalar}</c>, so <c>torch.utils.data.DataLoader</c> batches it into
/// <c>data</c> (N, C, H, W) and <c>label</c> (N). Pixels are scaled to [0, 1] (bytes / 255) or taken as they are
/// (float sources), then <see cref="Transform"/> runs (so a crop's zero padding is black, as torchvision's usual
/// augment-then-normalise order), then the sample is normalised with <see cref="Mean"/> and <see cref="Std"/>.
/// </summary>
/// <remarks>
/// Random transforms draw from a <see cref="Random"/> seeded by (<see cref="Seed"/>, <see cref="Epoch"/>, index)
/// (<see cref="SampleSeed"/>), so an epoch's augmentation is the same on every run, in every process and after a resume; <see cref="Trainer"/> sets <see cref="Epoch"/>.
/// </remarks>
public sealed partial class ImageDataset : torch.utils.data.Dataset
{
    private readonly float[] pixels;
    private readonly long[] labels;
    private readonly long[] shape;   // C, H, W

    /// <summary>A dataset of <paramref name="labels"/>.Length images of <paramref name="sampleShape"/> (C, H, W), stored
    /// one after the other in <paramref name="pixels"/>.</summary>
    public ImageDataset(float[] pixels, long[] labels, long[] sampleShape, string name = "dataset")
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(sampleShape);
        if (sampleShape.Length != 3 || sampleShape.Any(d => d < 1))
            throw new ArgumentException($"{name}: the sample shape must be (C, H, W); got [{string.Join(", ", sampleShape)}].", nameof(sampleShape));
        long per = sampleShape[0] * sampleShape[1] * sampleShape[2];
        if (pixels.LongLength != per * labels.LongLength)
            throw new ArgumentException($"{name}: {labels.LongLength} labels need {per * labels.LongLength} pixel values of shape [{string.Join(", ", sampleShape)}]; got {pixels.LongLength}.", nameof(pixels));
        this.pixels = pixels;
        this.labels = labels;
        shape = sampleShape;
        Name = name;
        (Mean, Std) = Statistics(pixels);
    }

    /// <summary>Where the data came from (used in messages).</summary>
    public string Name { get; }

    /// <summary>The shape of one sample, (C, H, W).</summary>
    public IReadOnlyList<long> SampleShape => shape;

    /// <summary>The labels, one per sample.</summary>
    public IReadOnlyList<long> Labels => labels;

    /// <summary>The class names by label where the source has them (<see cref="FromImageFolder"/>: the folder names); else empty.</summary>
    public IReadOnlyList<string> Classes { get; init; } = Array.Empty<string>();

    /// <summary>The normalisation mean; by default the mean of every stored pixel (set the training set's on a test set).</summary>
    public float Mean { get; set; }

    /// <summary>The normalisation standard deviation; by default that of every stored pixel.</summary>
    public float Std { get; set; }

    /// <summary>Applied to each (C, H, W) sample before the normalisation; null for none. See <see cref="Transforms"/>.</summary>
    public Func<Tensor, Random, Tensor>? Transform { get; set; }

    /// <summary>The seed of the random transforms.</summary>
    public int Seed { get; set; } = 1;

    /// <summary>The epoch (from 1) whose augmentation is drawn; <see cref="Trainer"/> sets it before each epoch.</summary>
    public int Epoch { get; set; } = 1;

    /// <inheritdoc/>
    public override long Count => labels.LongLength;

    /// <inheritdoc/>
    public override Dictionary<string, Tensor> GetTensor(long index)
    {
        if (index < 0 || index >= Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"{Name} has {Count} samples.");
        long per = shape[0] * shape[1] * shape[2];
        var x = tensor(pixels.AsSpan(checked((int)(index * per)), checked((int)per)).ToArray(), shape);
        if (Transform is not null) {
            var rng = new Random(SampleSeed(Seed, Epoch, index));
            x = Transform(x, rng);
        }
        x = x.sub_(Mean).div_(Std);
        return new Dictionary<string, Tensor> { ["data"] = x, ["label"] = tensor(labels[index]) };
    }

    /// <summary>The seed of sample <paramref name="index"/>'s transforms in <paramref name="epoch"/>: a fixed mix of the three
    /// numbers (SplitMix64's finaliser), the same in every process (unlike <see cref="HashCode"/>, which is seeded per process).</summary>
    public static int SampleSeed(int seed, int epoch, long index)
    {
        ulong z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL ^ (ulong)epoch * 0xC2B2AE3D27D4EB4FUL ^ (ulong)index * 0x165667B19E3779F9UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (int)((z ^ (z >> 31)) & int.MaxValue);
    }

    /// <summary>The first <paramref name="count"/> samples, sharing nothing with this dataset.</summary>
    public ImageDataset Take(int count)
    {
        int n = (int)Math.Min(count, Count);
        long per = shape[0] * shape[1] * shape[2];
        return new ImageDataset(pixels[..checked((int)(n * per))], labels[..n], shape, Name) { Mean = Mean, Std = Std, Transform = Transform, Seed = Seed, Classes = Classes };
    }

    private static (float Mean, float Std) Statistics(float[] values)
    {
        if (values.Length == 0) return (0f, 1f);
        double sum = 0, sq = 0;
        foreach (var v in values) { sum += v; sq += (double)v * v; }
        double mean = sum / values.Length;
        double std = Math.Sqrt(Math.Max(0, sq / values.Length - mean * mean));
        return ((float)mean, std > 0 ? (float)std : 1f);
    }

    // ------------------------------------------------------------------ sources

    /// <summary>
    /// Images and labels from a pair of IDX files (MNIST, Fashion-MNIST; <c>.gz</c> or not; <see cref="Idx"/>): images of
    /// unsigned bytes N×H×W (one channel) or N×C×H×W, labels N unsigned bytes. Pixels are scaled to [0, 1].
    /// </summary>
    /// <param name="imagesPath">The images file.</param>
    /// <param name="labelsPath">The labels file.</param>
    /// <param name="limit">Only the first <paramref name="limit"/> samples when given.</param>
    /// <exception cref="InvalidDataException">The shapes do not agree (named with both files).</exception>
    public static ImageDataset FromIdx(string imagesPath, string labelsPath, int? limit = null)
    {
        var images = Idx.Read(imagesPath);
        var labels = Idx.Read(labelsPath);
        if (images.Shape.Length is not (3 or 4))
            throw new InvalidDataException($"{imagesPath}: expected images N×H×W or N×C×H×W, found {string.Join("×", images.Shape)}.");
        if (labels.Shape.Length != 1 || labels.Shape[0] != images.Shape[0])
            throw new InvalidDataException($"{labelsPath}: expected {images.Shape[0]} labels (one per image in {Path.GetFileName(imagesPath)}), found shape {string.Join("×", labels.Shape)}.");
        long[] sample = images.Shape.Length == 3
            ? new long[] { 1, images.Shape[1], images.Shape[2] }
            : new long[] { images.Shape[1], images.Shape[2], images.Shape[3] };
        int n = limit is int l ? Math.Min(l, images.Count) : images.Count;
        int per = (int)(sample[0] * sample[1] * sample[2]);
        var pixels = new float[n * per];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = images.Data[i] / 255f;
        var y = new long[n];
        for (int i = 0; i < n; i++) y[i] = labels.Data[i];
        return new ImageDataset(pixels, y, sample, Path.GetFileName(imagesPath));
    }

    /// <summary>
    /// Images and labels from two <c>.npy</c> files (<see cref="Npy"/>): images N×C×H×W (or N×H×W, one channel) taken as
    /// they are, labels N whole numbers.
    /// </summary>
    /// <exception cref="InvalidDataException">The shapes do not agree, or a label is not a whole non-negative number.</exception>
    public static ImageDataset FromNpy(string imagesPath, string labelsPath, int? limit = null)
    {
        var (data, shape) = Npy.Read(imagesPath);
        var (labelData, labelShape) = Npy.Read(labelsPath);
        if (shape.Length is not (3 or 4))
            throw new InvalidDataException($"{imagesPath}: expected images N×H×W or N×C×H×W, found {string.Join("×", shape)}.");
        if (labelShape.Length != 1 || labelShape[0] != shape[0])
            throw new InvalidDataException($"{labelsPath}: expected {shape[0]} labels (one per image in {Path.GetFileName(imagesPath)}), found shape {string.Join("×", labelShape)}.");
        long[] sample = shape.Length == 3 ? new long[] { 1, shape[1], shape[2] } : new long[] { shape[1], shape[2], shape[3] };
        long n = limit is int l ? Math.Min(l, shape[0]) : shape[0];
        long per = sample[0] * sample[1] * sample[2];
        var y = new long[n];
        for (long i = 0; i < n; i++) {
            float v = labelData[i];
            if (v < 0 || v != MathF.Floor(v))
                throw new InvalidDataException($"{labelsPath}: label {v} at index {i} is not a class number.");
            y[i] = (long)v;
        }
        return new ImageDataset(data[..checked((int)(n * per))], y, sample, Path.GetFileName(imagesPath));
    }
}
