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
}
