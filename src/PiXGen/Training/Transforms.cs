using System;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Training;

/// <summary>
/// The usual per-sample augmentations for <see cref="ImageDataset.Transform"/>: each takes a (C, H, W) sample and the
/// sample's <see cref="Random"/> (seeded per epoch and index) and returns the transformed sample.
/// </summary>
public static class Transforms
{
    /// <summary>A random crop of the sample's own size after zero padding by <paramref name="padding"/> pixels on every
    /// side: a shift by (dy, dx) in [−padding, padding]², as torchvision's <c>RandomCrop(size, padding)</c>.</summary>
    public static Func<Tensor, Random, Tensor> RandomCrop(int padding)
    {
        if (padding < 0) throw new ArgumentOutOfRangeException(nameof(padding), padding, "RandomCrop: the padding must be 0 or more.");
        return (x, rng) => {
            int dy = rng.Next(-padding, padding + 1), dx = rng.Next(-padding, padding + 1);
            return Shift(x, dy, dx);
        };
    }

    /// <summary>The sample moved by <paramref name="dy"/> rows and <paramref name="dx"/> columns, zeros shifted in: the
    /// crop at offset (padding + dy, padding + dx) of the zero-padded sample.</summary>
    public static Tensor Shift(Tensor x, int dy, int dx)
    {
        if (dy == 0 && dx == 0) return x;
        long h = x.shape[1], w = x.shape[2];
        int p = Math.Max(Math.Abs(dy), Math.Abs(dx));
        var padded = nn.functional.pad(x, new long[] { p, p, p, p });
        return padded.narrow(1, p + dy, h).narrow(2, p + dx, w).contiguous();
    }

    /// <summary>A horizontal flip with probability <paramref name="p"/>.</summary>
    public static Func<Tensor, Random, Tensor> RandomHorizontalFlip(double p = 0.5) =>
        (x, rng) => rng.NextDouble() < p ? x.flip(2) : x;

    /// <summary>The transforms one after the other (each draws from the same <see cref="Random"/> in turn).</summary>
    public static Func<Tensor, Random, Tensor> Compose(params Func<Tensor, Random, Tensor>[] transforms)
    {
        var list = transforms.ToArray();
        return (x, rng) => {
            foreach (var t in list) x = t(x, rng);
            return x;
        };
    }

    /// <summary>Resizes the sample so that its shorter side is <paramref name="size"/>, keeping the aspect ratio (the longer
    /// side truncated, as torchvision's <c>Resize(size)</c>); bilinear with antialiasing when shrinking. Deterministic.</summary>
    public static Func<Tensor, Random, Tensor> Resize(int size)
    {
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(size), size, "Resize: the size must be at least 1.");
        return (x, _) => {
            long h = x.shape[1], w = x.shape[2];
            long nh = h <= w ? size : size * h / w, nw = h <= w ? size * w / h : size;
            if (nh == h && nw == w) return x;
            return nn.functional.interpolate(x.unsqueeze(0), new[] { nh, nw }, mode: InterpolationMode.Bilinear, align_corners: false,
                                             antialias: nh < h || nw < w).squeeze(0);
        };
    }

    /// <summary>The centre <paramref name="size"/>×<paramref name="size"/> crop (top and left offsets rounded as torchvision's
    /// <c>CenterCrop</c>); a sample smaller than that is zero-padded first. Deterministic.</summary>
    public static Func<Tensor, Random, Tensor> CenterCrop(int size)
    {
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(size), size, "CenterCrop: the size must be at least 1.");
        return (x, _) => {
            long h = x.shape[1], w = x.shape[2];
            if (h < size || w < size) {
                long ph = Math.Max(0, size - h), pw = Math.Max(0, size - w);
                x = nn.functional.pad(x, new[] { pw / 2, pw - pw / 2, ph / 2, ph - ph / 2 });
                h = x.shape[1]; w = x.shape[2];
            }
            long top = (long)Math.Round((h - size) / 2.0, MidpointRounding.ToEven), left = (long)Math.Round((w - size) / 2.0, MidpointRounding.ToEven);
            return x.narrow(1, top, size).narrow(2, left, size).contiguous();
        };
    }

    /// <summary>Per-channel normalisation (x − mean[c]) / std[c], as torchvision's <c>Normalize</c> (e.g. ImageNet's
    /// statistics). Use it as the last transform with the dataset's own <see cref="ImageDataset.Mean"/> 0 and
    /// <see cref="ImageDataset.Std"/> 1.</summary>
    public static Func<Tensor, Random, Tensor> Normalize(float[] mean, float[] std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Length != std.Length || mean.Length == 0 || std.Any(s => s <= 0))
            throw new ArgumentException($"Normalize: one mean and one positive std per channel; got {mean.Length} and {std.Length}.");
        return (x, _) => {
            if (x.shape[0] != mean.Length)
                throw new ArgumentException($"Normalize: {mean.Length} channel statistics for a sample of {x.shape[0]} channels.");
            return (x - tensor(mean).view(-1, 1, 1)) / tensor(std).view(-1, 1, 1);
        };
    }
}
