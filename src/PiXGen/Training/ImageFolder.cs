using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using StbImageSharp;
using static TorchSharp.torch;

namespace PiXGen.Training;

public sealed partial class ImageDataset
{
    /// <summary>The file extensions <see cref="FromImageFolder"/> reads (case-insensitive); other files are skipped.</summary>
    public static IReadOnlyList<string> ImageExtensions { get; } = new[] { ".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tga", ".ppm", ".pgm" };

    /// <summary>
    /// An image-classification folder as torchvision's <c>ImageFolder</c> lays it out: <c>root/&lt;class&gt;/…/image.png</c>.
    /// The classes are the sub-folders of <paramref name="root"/> sorted by name (ordinal, as Python's <c>sorted</c>), label
    /// i being the i-th (<see cref="Classes"/>); each class folder is searched recursively, folder by folder in name order
    /// and file by file in name order. Every image is decoded (StbImageSharp: PNG, JPEG, BMP, GIF, TGA, PPM/PGM) to
    /// <paramref name="channels"/> channels (3: RGB, 1: grey), scaled to [0, 1], then resized so that its shorter side is
    /// <paramref name="resize"/> (<see cref="Transforms.Resize"/>) and cropped to the centre <paramref name="centerCrop"/>
    /// square (<see cref="Transforms.CenterCrop"/>) when given, and held in memory.
    /// </summary>
    /// <param name="root">The folder of class folders.</param>
    /// <param name="channels">3 (RGB) or 1 (grey); images with other channel counts are converted.</param>
    /// <param name="resize">The shorter side after resizing (bilinear, antialiased); null: as stored.</param>
    /// <param name="centerCrop">The side of the centre crop; null: none.</param>
    /// <param name="limit">Only the first <paramref name="limit"/> images (in the order above) when given.</param>
    /// <exception cref="DirectoryNotFoundException"><paramref name="root"/> does not exist.</exception>
    /// <exception cref="InvalidDataException">No class folder, a class folder without images, a file that cannot be read
    /// or decoded, or images of different sizes after the resize and crop (each names the folder or file).</exception>
    public static ImageDataset FromImageFolder(string root, int channels = 3, int? resize = null, int? centerCrop = null, int? limit = null)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "FromImageFolder: 1 (grey) or 3 (RGB) channels.");
        string full = Path.GetFullPath(root);
        if (!Directory.Exists(full)) throw new DirectoryNotFoundException($"{full}: the image folder does not exist.");
        var classes = Directory.GetDirectories(full).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal).ToList();
        if (classes.Count == 0)
            throw new InvalidDataException($"{full}: no class folders; an image folder holds one folder per class with its images (root/<class>/<image>.png).");

        var files = new List<(string Path, long Label)>();
        for (int label = 0; label < classes.Count; label++) {
            string dir = Path.Combine(full, classes[label]!);
            var images = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
                .Where(f => ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
                .GroupBy(Path.GetDirectoryName)
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .SelectMany(g => g.OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal))
                .ToList();
            if (images.Count == 0)
                throw new InvalidDataException($"{dir}: the class folder '{classes[label]}' has no images ({string.Join(", ", ImageExtensions)}).");
            files.AddRange(images.Select(f => (f, (long)label)));
        }
        if (limit is int l) files = files.Take(Math.Max(0, l)).ToList();

        var pixels = new List<float>();
        long[]? shape = null;
        string? first = null;
        foreach (var (path, _) in files) {
            using var scope = NewDisposeScope();
            var x = Decode(path, channels);
            if (resize is int r) x = Transforms.Resize(r)(x, null!);
            if (centerCrop is int c) x = Transforms.CenterCrop(c)(x, null!);
            if (shape is null) { shape = x.shape; first = path; }
            else if (!x.shape.SequenceEqual(shape))
                throw new InvalidDataException($"{path}: {x.shape[1]}×{x.shape[2]} pixels{(resize is null && centerCrop is null ? "" : " after the resize and crop")}, " +
                    $"but {first} has {shape[1]}×{shape[2]}; images of different sizes need resize and centerCrop (e.g. resize: 256, centerCrop: 224).");
            pixels.AddRange(x.contiguous().data<float>());
        }
        return new ImageDataset(pixels.ToArray(), files.Select(f => f.Label).ToArray(), shape!, Path.GetFileName(full)) { Classes = classes! };
    }

    /// <summary>One image file as a (C, H, W) float32 tensor in [0, 1].</summary>
    private static Tensor Decode(string path, int channels)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) {
            throw new InvalidDataException($"{path}: cannot be read ({e.Message}).", e);
        }
        ImageResult image;
        try { image = ImageResult.FromMemory(bytes, channels == 1 ? ColorComponents.Grey : ColorComponents.RedGreenBlue); }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException or NotSupportedException or OverflowException) {
            throw new InvalidDataException($"{path}: not a decodable image ({e.Message}).", e);
        }
        // stb gives rows of interleaved channels (H, W, C); the dataset stores (C, H, W).
        var hwc = tensor(image.Data, new long[] { image.Height, image.Width, channels }, ScalarType.Byte);
        return hwc.permute(2, 0, 1).to_type(ScalarType.Float32).div_(255f);
    }
}
