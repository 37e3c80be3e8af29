using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using PiXGen.Data;

namespace PiXGen.Zoo;

/// <summary>The data is not where it was looked for; the message says where it looked and how to get it.</summary>
public sealed class DataMissingException(string message) : Exception(message);

/// <summary>
/// Fashion-MNIST (Xiao et al. 2017) as read from its four IDX files: 28×28 grey images (bytes) and labels 0–9, the
/// 60,000 training and 10,000 test images. Batches are built here, in C#, so that the data order and the augmentation
/// come from a seeded <see cref="Random"/> and are identical for every model and every run with the same seed.
/// </summary>
public sealed class FashionMnistData
{
    /// <summary>Where Debian's and Ubuntu's <c>dataset-fashion-mnist</c> package installs the files.</summary>
    public const string DefaultFolder = "/usr/share/datasets/fashion-mnist";

    /// <summary>The four file names (gzip-compressed; the names without .gz are accepted too).</summary>
    public static readonly string[] FileNames =
    {
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
    };

    /// <summary>The class names, by label.</summary>
    public static readonly string[] ClassNames =
        { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot" };

    public const int Side = 28;
    public const int Pixels = Side * Side;
    public const int Classes = 10;

    public byte[] TrainImages { get; }
    public byte[] TrainLabels { get; }
    public byte[] TestImages { get; }
    public byte[] TestLabels { get; }
    public int TrainCount => TrainLabels.Length;
    public int TestCount => TestLabels.Length;

    /// <summary>Mean and standard deviation of the training pixels (scaled to [0, 1]), used to normalise every image.</summary>
    public float Mean { get; }
    public float Std { get; }

    private FashionMnistData(byte[] trainImages, byte[] trainLabels, byte[] testImages, byte[] testLabels)
    {
        TrainImages = trainImages; TrainLabels = trainLabels; TestImages = testImages; TestLabels = testLabels;
        double sum = 0, sq = 0;
        foreach (byte b in trainImages)
        {
            double v = b / 255.0;
            sum += v; sq += v * v;
        }
        double n = Math.Max(1, trainImages.Length), mean = sum / n;
        Mean = (float)mean;
        Std = (float)Math.Sqrt(Math.Max(1e-12, sq / n - mean * mean));
    }

    /// <summary>The sentence that says how to get the data into <paramref name="folder"/>.</summary>
    public static string HowToGet(string folder) =>
        $"Install it with 'sudo apt-get install dataset-fashion-mnist' (Debian/Ubuntu; it goes to {DefaultFolder}), or download " +
        $"the four IDX files {string.Join(", ", FileNames)} from the dataset's publisher (https://github.com/zalandoresearch/fashion-mnist) " +
        $"into {folder} or another folder given with --data.";

    /// <summary>Loads the four files from <paramref name="folder"/>; the first <paramref name="limit"/> training images only when given.</summary>
    /// <exception cref="DataMissingException">The folder or one of the files does not exist.</exception>
    /// <exception cref="IdxFormatException">A file is not an unsigned-byte IDX file.</exception>
    /// <exception cref="InvalidDataException">The files hold IDX arrays of the wrong shapes or labels out of range.</exception>
    public static FashionMnistData Load(string folder, int? limit = null)
    {
        string full = Path.GetFullPath(folder);
        if (!Directory.Exists(full))
            throw new DataMissingException($"Fashion-MNIST not found: the folder {full} does not exist. {HowToGet(full)}");
        var paths = new List<string>();
        var missing = new List<string>();
        foreach (var name in FileNames)
        {
            string gz = Path.Combine(full, name), plain = Path.Combine(full, name[..^3]);
            if (File.Exists(gz)) paths.Add(gz);
            else if (File.Exists(plain)) paths.Add(plain);
            else missing.Add(name);
        }
        if (missing.Count > 0)
            throw new DataMissingException($"Fashion-MNIST not found in {full}: missing {string.Join(", ", missing)}. {HowToGet(full)}");

        var trainImages = Images(paths[0]);
        var trainLabels = Labels(paths[1], trainImages.Count, paths[0]);
        var testImages = Images(paths[2]);
        var testLabels = Labels(paths[3], testImages.Count, paths[2]);
        int n = limit is int l ? Math.Min(l, trainImages.Count) : trainImages.Count;
        return new FashionMnistData(trainImages.Data[..(n * Pixels)], trainLabels.Data[..n], testImages.Data, testLabels.Data);
    }

    private static IdxArray Images(string path)
    {
        var a = Idx.Read(path);
        if (a.Shape.Length != 3 || a.Shape[1] != Side || a.Shape[2] != Side)
            throw new InvalidDataException($"{path}: expected images of shape N×28×28, found {string.Join("×", a.Shape)}.");
        return a;
    }

    private static IdxArray Labels(string path, int count, string imagesPath)
    {
        var a = Idx.Read(path);
        if (a.Shape.Length != 1 || a.Shape[0] != count)
            throw new InvalidDataException($"{path}: expected {count} labels (one per image in {Path.GetFileName(imagesPath)}), found shape {string.Join("×", a.Shape)}.");
        int bad = Array.FindIndex(a.Data, b => b >= Classes);
        if (bad >= 0) throw new InvalidDataException($"{path}: label {a.Data[bad]} at index {bad} is not a class 0–9.");
        return a;
    }

    /// <summary>
    /// One epoch's plan, drawn from <c>new Random(seed, epoch)</c>: a permutation of the first <paramref name="count"/>
    /// training images and, per position, a crop offset in [−pad, pad]² and a horizontal flip (p = 0.5).
    /// </summary>
    public static EpochPlan Plan(int count, int seed, int epoch, int pad)
    {
        var rng = new Random(unchecked(seed * 1_000_003 + epoch));
        var order = Enumerable.Range(0, count).ToArray();
        for (int i = count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        var dx = new sbyte[count];
        var dy = new sbyte[count];
        var flip = new bool[count];
        for (int i = 0; i < count; i++)
        {
            dx[i] = (sbyte)rng.Next(-pad, pad + 1);
            dy[i] = (sbyte)rng.Next(-pad, pad + 1);
            flip[i] = rng.Next(2) == 1;
        }
        return new EpochPlan(order, dx, dy, flip);
    }

    /// <summary>
    /// Fills <paramref name="pixels"/> (count×28×28, normalised) and <paramref name="labels"/> with images
    /// <paramref name="start"/>…start+count−1 of <paramref name="plan"/> (training set), shifted and flipped as planned:
    /// a random crop of the image zero-padded by the offset's size, the padding being background (black).
    /// Without a plan: test images start… in file order, unchanged.
    /// </summary>
    public void Fill(EpochPlan? plan, int start, int count, float[] pixels, long[] labels)
    {
        byte[] images = plan is null ? TestImages : TrainImages;
        byte[] source = plan is null ? TestLabels : TrainLabels;
        float scale = 1f / (255f * Std), shift = -Mean / Std;
        for (int b = 0; b < count; b++)
        {
            int p = start + b;
            int index = plan is null ? p : plan.Order[p];
            int dx = plan?.Dx[p] ?? 0, dy = plan?.Dy[p] ?? 0;
            bool flip = plan?.Flip[p] ?? false;
            labels[b] = source[index];
            int src = index * Pixels, dst = b * Pixels;
            for (int y = 0; y < Side; y++)
            {
                int sy = y + dy;
                for (int x = 0; x < Side; x++)
                {
                    int sx = (flip ? Side - 1 - x : x) + dx;
                    byte v = sy >= 0 && sy < Side && sx >= 0 && sx < Side ? images[src + sy * Side + sx] : (byte)0;
                    pixels[dst + y * Side + x] = v * scale + shift;
                }
            }
        }
    }
}

/// <summary>One epoch's data order and augmentation (see <see cref="FashionMnistData.Plan"/>).</summary>
public sealed record EpochPlan(int[] Order, sbyte[] Dx, sbyte[] Dy, bool[] Flip);
