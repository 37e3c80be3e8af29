using System;
using System.IO;
using System.Linq;
using PiXGen.Training;
using SkiaSharp;
using static TorchSharp.torch;

namespace PiXGen.Tests;

/// <summary>
/// <see cref="ImageDataset.FromImageFolder"/> on tiny folders built here: PNGs written by SkiaSharp (an encoder
/// independent of the StbImageSharp decoder under test), read back to the expected pixel values, classes and order.
/// </summary>
public class ImageFolderTests
{
    internal static void WritePng(string path, int width, int height, Func<int, int, (byte R, byte G, byte B)> pixel)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++) {
                var (r, g, b) = pixel(x, y);
                bitmap.SetPixel(x, y, new SKColor(r, g, b));
            }
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
    }

    private static (byte, byte, byte) Colour(int seed, int x, int y) => ((byte)(seed * 40 + x * 7 + y), (byte)(200 - x * 3 - y * 11), (byte)(seed + 17 * y));

    [Fact]
    public void Classes_are_the_sorted_folder_names_and_pixels_are_the_decoded_values()
    {
        using var dir = new TempFolder();
        string root = dir.File("images");
        WritePng(Path.Combine(root, "zebra", "1.png"), 3, 2, (x, y) => Colour(3, x, y));
        WritePng(Path.Combine(root, "apple", "b.png"), 3, 2, (x, y) => Colour(2, x, y));
        WritePng(Path.Combine(root, "apple", "a.png"), 3, 2, (x, y) => Colour(1, x, y));
        File.WriteAllText(Path.Combine(root, "apple", "notes.txt"), "not an image");
        WritePng(Path.Combine(root, "Mango", "m.PNG"), 3, 2, (x, y) => Colour(4, x, y));

        var data = ImageDataset.FromImageFolder(root);
        Assert.Equal(new[] { "Mango", "apple", "zebra" }, data.Classes);   // ordinal: upper case first, as Python's sorted
        Assert.Equal(new long[] { 0, 1, 1, 2 }, data.Labels);
        Assert.Equal(new long[] { 3, 2, 3 }, data.SampleShape);
        data.Mean = 0;
        data.Std = 1;
        var seeds = new[] { 4, 1, 2, 3 };                                    // Mango/m, apple/a, apple/b, zebra/1
        for (int i = 0; i < 4; i++) {
            var item = data.GetTensor(i);
            Assert.Equal(data.Labels[i], item["label"].item<long>());
            var x = item["data"];
            for (int row = 0; row < 2; row++)
                for (int col = 0; col < 3; col++) {
                    var (r, g, b) = Colour(seeds[i], col, row);
                    Assert.Equal(r / 255f, x[0, row, col].item<float>(), 6);
                    Assert.Equal(g / 255f, x[1, row, col].item<float>(), 6);
                    Assert.Equal(b / 255f, x[2, row, col].item<float>(), 6);
                }
        }
        // Grey images read as one channel; the limit takes the first images in that order.
        string grey = dir.File("grey");
        WritePng(Path.Combine(grey, "a", "1.png"), 2, 2, (x, y) => ((byte)(x * 100 + y), (byte)(x * 100 + y), (byte)(x * 100 + y)));
        WritePng(Path.Combine(grey, "b", "1.png"), 2, 2, (x, y) => ((byte)9, (byte)9, (byte)9));
        var g1 = ImageDataset.FromImageFolder(grey, channels: 1, limit: 1);
        Assert.Equal(1, g1.Count);
        Assert.Equal(new long[] { 1, 2, 2 }, g1.SampleShape);
        g1.Mean = 0;
        g1.Std = 1;
        Assert.Equal(new[] { 0f, 100 / 255f, 1 / 255f, 101 / 255f }, g1.GetTensor(0)["data"].flatten().data<float>().ToArray());
    }

    [Fact]
    public void Empty_undecodable_and_mixed_size_folders_are_named_in_the_error()
    {
        using var dir = new TempFolder();
        string missing = dir.File("missing");
        Assert.Contains(missing, Assert.Throws<DirectoryNotFoundException>(() => ImageDataset.FromImageFolder(missing)).Message);

        string empty = dir.File("empty");
        Directory.CreateDirectory(empty);
        var e = Assert.Throws<InvalidDataException>(() => ImageDataset.FromImageFolder(empty));
        Assert.Contains(empty, e.Message);
        Assert.Contains("no class folders", e.Message);

        string noImages = dir.File("no-images");
        WritePng(Path.Combine(noImages, "cat", "1.png"), 2, 2, (x, y) => Colour(1, x, y));
        Directory.CreateDirectory(Path.Combine(noImages, "dog"));
        File.WriteAllText(Path.Combine(noImages, "dog", "readme.md"), "");
        e = Assert.Throws<InvalidDataException>(() => ImageDataset.FromImageFolder(noImages));
        Assert.Contains(Path.Combine(noImages, "dog"), e.Message);
        Assert.Contains("has no images", e.Message);

        string broken = dir.File("broken");
        WritePng(Path.Combine(broken, "cat", "1.png"), 2, 2, (x, y) => Colour(1, x, y));
        File.WriteAllBytes(Path.Combine(broken, "cat", "2.png"), new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3 });
        e = Assert.Throws<InvalidDataException>(() => ImageDataset.FromImageFolder(broken));
        Assert.Contains(Path.Combine(broken, "cat", "2.png"), e.Message);
        Assert.Contains("not a decodable image", e.Message);

        string mixed = dir.File("mixed");
        WritePng(Path.Combine(mixed, "a", "1.png"), 4, 6, (x, y) => Colour(1, x, y));
        WritePng(Path.Combine(mixed, "b", "1.png"), 5, 5, (x, y) => Colour(2, x, y));
        e = Assert.Throws<InvalidDataException>(() => ImageDataset.FromImageFolder(mixed));
        Assert.Contains(Path.Combine(mixed, "b", "1.png"), e.Message);
        Assert.Contains(Path.Combine(mixed, "a", "1.png"), e.Message);
        Assert.Contains("need resize and centerCrop", e.Message);
        // With a resize of the shorter side and a centre crop they fit together.
        var fitted = ImageDataset.FromImageFolder(mixed, resize: 4, centerCrop: 4);
        Assert.Equal(new long[] { 3, 4, 4 }, fitted.SampleShape);
    }

    [Fact]
    public void Resize_keeps_the_aspect_ratio_and_center_crop_takes_the_middle()
    {
        var x = arange(0, 2 * 4 * 6, dtype: float32).view(2, 4, 6);
        // Shorter side 4 → 2, the longer 6 → 3 (truncated as torchvision's Resize(int)); a constant image stays constant.
        Assert.Equal(new long[] { 2, 2, 3 }, Transforms.Resize(2)(x, new Random(1)).shape);
        Assert.Equal(new long[] { 2, 5, 7 }, Transforms.Resize(5)(x, new Random(1)).shape);   // 6·5/4 = 7.5 → 7
        var flat = full(new long[] { 1, 4, 6 }, 0.25f);
        Assert.True(Transforms.Resize(3)(flat, new Random(1)).allclose(full(new long[] { 1, 3, 4 }, 0.25f), 1e-6, 1e-6));
        // CenterCrop(2) of 4×6: rows 1–2, columns 2–3.
        var c = Transforms.CenterCrop(2)(x, new Random(1));
        Assert.Equal(new float[] { 8, 9, 14, 15, 32, 33, 38, 39 }, c.flatten().data<float>().ToArray());
        // Normalize: per channel.
        var n = Transforms.Normalize(new[] { 1f, 2f }, new[] { 2f, 4f })(ones(2, 1, 1), new Random(1));
        Assert.Equal(new float[] { 0f, -0.25f }, n.flatten().data<float>().ToArray());
    }
}
