using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using PiXGen.Data;
using PiXGen.Training;

namespace PiXGen.Zoo;

/// <summary>The data is not where it was looked for; the message says where it looked and how to get it.</summary>
public sealed class DataMissingException(string message) : Exception(message);

/// <summary>
/// Fashion-MNIST (Xiao et al. 2017) as read from its four IDX files: 28×28 grey images and labels 0–9, the 60,000
/// training and 10,000 test images, as the package's <see cref="ImageDataset"/>s (<see cref="Train"/>, <see cref="Test"/>),
/// both normalised with the training images' mean and standard deviation. This class only finds the files and says
/// what is wrong with them; the batches, their order and the augmentation are <see cref="Trainer"/>'s.
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

    /// <summary>The training images (the first --limit ones when given).</summary>
    public ImageDataset Train { get; }

    /// <summary>The test images, normalised with the training images' statistics.</summary>
    public ImageDataset Test { get; }

    public int TrainCount => (int)Train.Count;
    public int TestCount => (int)Test.Count;

    /// <summary>Mean and standard deviation of the training pixels (scaled to [0, 1]), used to normalise every image.</summary>
    public float Mean => Train.Mean;
    public float Std => Train.Std;

    private FashionMnistData(ImageDataset train, ImageDataset test)
    {
        Train = train;
        Test = test;
        Test.Mean = train.Mean;
        Test.Std = train.Std;
    }

    /// <summary>The sentence that says how to get the data into <paramref name="folder"/>.</summary>
    public static string HowToGet(string folder) =>
        $"Install it with 'sudo apt-get install dataset-fashion-mnist' (Debian/Ubuntu; it goes to {DefaultFolder}), or download " +
        $"the four IDX files {string.Join(", ", FileNames)} from the dataset's publisher (https://github.com/zalandoresearch/fashion-mnist) " +
        $"into {folder} or another folder given with --data (or give a folder with train/<class>/ and test/<class>/ image folders).";

    /// <summary>Loads the four files from <paramref name="folder"/>; the first <paramref name="limit"/> training images only when given.</summary>
    /// <exception cref="DataMissingException">The folder or one of the files does not exist.</exception>
    /// <exception cref="IdxFormatException">A file is not an unsigned-byte IDX file.</exception>
    /// <exception cref="InvalidDataException">The files hold IDX arrays of the wrong shapes or labels out of range.</exception>
    public static FashionMnistData Load(string folder, int? limit = null)
    {
        string full = Path.GetFullPath(folder);
        if (!Directory.Exists(full))
            throw new DataMissingException($"Fashion-MNIST not found: the folder {full} does not exist. {HowToGet(full)}");
        string trainFolder = Path.Combine(full, "train"), testFolder = Path.Combine(full, "test");
        if (Directory.Exists(trainFolder) && Directory.Exists(testFolder))
            return FromImageFolders(trainFolder, testFolder, limit);
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
        return new FashionMnistData(Checked(ImageDataset.FromIdx(paths[0], paths[1], limit), paths[0], paths[1]),
                                    Checked(ImageDataset.FromIdx(paths[2], paths[3]), paths[2], paths[3]));
    }

    /// <summary>
    /// Image folders instead of IDX files: <c>train/&lt;class&gt;/…</c> and <c>test/&lt;class&gt;/…</c>
    /// (<see cref="ImageDataset.FromImageFolder"/>), read as grey, the shorter side resized to 28 and the centre 28×28
    /// cropped; both need the same 10 class folders (label i is the i-th by name).
    /// </summary>
    private static FashionMnistData FromImageFolders(string trainFolder, string testFolder, int? limit)
    {
        var train = ImageDataset.FromImageFolder(trainFolder, channels: 1, resize: Side, centerCrop: Side, limit: limit);
        var test = ImageDataset.FromImageFolder(testFolder, channels: 1, resize: Side, centerCrop: Side);
        if (train.Classes.Count != Classes || !train.Classes.SequenceEqual(test.Classes))
            throw new InvalidDataException($"{trainFolder} and {testFolder}: train needs the same {Classes} class folders in both; found " +
                $"{train.Classes.Count} ({string.Join(", ", train.Classes)}) and {test.Classes.Count} ({string.Join(", ", test.Classes)}).");
        return new FashionMnistData(train, test);
    }

    private static ImageDataset Checked(ImageDataset data, string imagesPath, string labelsPath)
    {
        if (!data.SampleShape.SequenceEqual(new long[] { 1, Side, Side }))
            throw new InvalidDataException($"{imagesPath}: expected images of shape N×28×28, found N×{string.Join("×", data.SampleShape.Skip(1))}.");
        int bad = data.Labels.ToList().FindIndex(b => b >= Classes);
        if (bad >= 0) throw new InvalidDataException($"{labelsPath}: label {data.Labels[bad]} at index {bad} is not a class 0–9.");
        return data;
    }
}
