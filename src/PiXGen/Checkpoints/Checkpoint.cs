using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Checkpoints;

/// <summary>
/// Loads and saves PyTorch state_dicts for any TorchSharp module, with the file format chosen by extension:
/// <c>.pt</c>/<c>.pth</c> (also <c>.bin</c>, <c>.ckpt</c>) are <c>torch.save</c>'s zip format, <c>.safetensors</c> is safetensors.
/// Loading checks every key and shape before it copies anything, so a failed load leaves the module as it was.
/// </summary>
public static class Checkpoint
{
    private static readonly string[] TorchExtensions = { ".pt", ".pth", ".bin", ".ckpt" };

    /// <summary>
    /// Loads the state_dict in <paramref name="path"/> into <paramref name="module"/>. Strict by default (see
    /// <see cref="LoadOptions.Strict"/>). Tensors are converted to the dtype and device of the module's own
    /// (e.g. float16, bfloat16 or float64 files into a float32 network).
    /// </summary>
    /// <returns>What was loaded and what was skipped, with reasons (non-strict loads).</returns>
    /// <exception cref="CheckpointMismatchException">Strict, and the file does not fit; or nothing fits at all. The module is unchanged.</exception>
    /// <exception cref="CheckpointFormatException">The file is not a readable checkpoint.</exception>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    public static LoadReport Load(nn.Module module, string path, LoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        options ??= LoadOptions.StrictDefault;
        using var file = Read(path);
        var target = module.state_dict();
        string moduleName = module.GetType().Name;

        var skipped = new List<SkippedKey>();
        var copies = new List<(string Key, Tensor To, Tensor From)>();
        foreach (var (key, to) in target)
        {
            if (!file.TryGetValue(key, out var from))
                skipped.Add(new SkippedKey(key, SkipReason.Missing, to.shape, null, to.dtype.ToString()));
            else if (!to.shape.SequenceEqual(from.shape))
                skipped.Add(new SkippedKey(key, SkipReason.ShapeMismatch, to.shape, from.shape, to.dtype.ToString(), from.dtype.ToString()));
            else if (DTypes.IsFloating(to.dtype) != DTypes.IsFloating(from.dtype))
                skipped.Add(new SkippedKey(key, SkipReason.DtypeMismatch, to.shape, from.shape, to.dtype.ToString(), from.dtype.ToString()));
            else
                copies.Add((key, to, from));
        }
        foreach (var (key, from) in file)
            if (!target.ContainsKey(key))
                skipped.Add(new SkippedKey(key, SkipReason.Unexpected, null, from.shape, null, from.dtype.ToString()));

        if (options.Strict && skipped.Count > 0)
            throw Mismatch(path, moduleName, skipped, "the checkpoint does not fit (strict load)",
                           MostFit(copies.Count, file.Count)
                               ? $" {copies.Count} of its {file.Count} tensors fit: if it is the checkpoint of the dense network this one is a variant of (e.g. its PiX twin), load it with LoadForFineTuning, which loads what fits and reports the rest."
                               : "");
        if (!options.Strict && options.RequireAnyMatch && copies.Count == 0 && (target.Count > 0 || file.Count > 0))
            throw Mismatch(path, moduleName, skipped, "no tensor of the checkpoint fits: it is for another network");
        if (!options.Strict && options.RequireMostMatch && !MostFit(copies.Count, file.Count))
            throw Mismatch(path, moduleName, skipped,
                           $"only {copies.Count} of the checkpoint's {file.Count} tensors fit (key and shape), and a fine-tuning load needs more than half of them to fit",
                           " It looks like a checkpoint of another network.");

        // Everything is validated: only now is the module written to.
        var converted = new List<string>();
        using (no_grad())
        {
            foreach (var (key, to, from) in copies)
            {
                if (from.dtype != to.dtype) converted.Add(key);
                using var value = from.to(to.dtype, to.device);
                to.copy_(value);
            }
        }
        return new LoadReport(path, moduleName, copies.Select(c => c.Key).ToList(), skipped, converted);
    }

    /// <summary>
    /// Fine-tuning load, e.g. a dense checkpoint into the PiX version of its network: loads every tensor whose key
    /// and shape match and skips, with reasons in the returned report, keys whose shape differs (layers the PiX
    /// variant changed), keys missing from the file (layers it added) and keys the module does not have (layers it
    /// removed). Throws <see cref="CheckpointMismatchException"/> (the module then unchanged) unless most of the
    /// checkpoint's tensors — more than half — fit: a checkpoint of another network is refused, with how many fitted.
    /// </summary>
    public static LoadReport LoadForFineTuning(nn.Module module, string path) =>
        Load(module, path, new LoadOptions { Strict = false, RequireAnyMatch = true, RequireMostMatch = true });

    /// <summary>Saves the module's state_dict (parameters and persistent buffers, in their dtypes) to <paramref name="path"/>; the extension picks the format.</summary>
    public static void Save(nn.Module module, string path)
    {
        ArgumentNullException.ThrowIfNull(module);
        SaveStateDict(module.state_dict(), path);
    }

    /// <summary>Saves tensors under their keys to <paramref name="path"/>; the extension picks the format.</summary>
    public static void SaveStateDict(IEnumerable<KeyValuePair<string, Tensor>> stateDict, string path)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        ArgumentNullException.ThrowIfNull(path);
        var entries = stateDict.ToList();
        string ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext == ".safetensors") Safetensors.Write(path, entries);
        else if (TorchExtensions.Contains(ext)) TorchZip.Write(path, entries);
        else throw new CheckpointFormatException(path, $"cannot tell which format to write from the extension '{ext}': use .pt, .pth, .bin or .ckpt (torch.save) or .safetensors.");
    }

    /// <summary>
    /// Reads the state_dict in <paramref name="path"/> without a module: every tensor on the CPU in the file's dtype.
    /// A <c>torch.save</c>d dict that holds the state_dict under "state_dict", "model_state_dict" or "model" is read too.
    /// </summary>
    public static StateDict Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext == ".safetensors") return Safetensors.Read(path);
        if (TorchExtensions.Contains(ext)) return TorchZip.Read(path);
        // Another extension: go by the content.
        bool zip;
        using (var s = OpenRead(path))
        {
            var magic = new byte[4];
            zip = s.ReadAtLeast(magic, 4, throwOnEndOfStream: false) == 4 && magic[0] == 0x50 && magic[1] == 0x4B && magic[2] == 0x03 && magic[3] == 0x04;
        }
        if (zip) return TorchZip.Read(path);
        try { return Safetensors.Read(path); }
        catch (CheckpointFormatException e)
        {
            throw new CheckpointFormatException(path, $"neither a torch.save zip archive nor a safetensors file ({e.Problem})", e);
        }
    }

    /// <summary>"[64, 3, 7, 7]"; "[]" for a scalar.</summary>
    public static string FormatShape(IReadOnlyList<long> shape) => "[" + string.Join(", ", shape) + "]";

    /// <summary>The fine-tuning rule: more than half of the file's tensors fit the module.</summary>
    private static bool MostFit(int fit, int inFile) => inFile > 0 && 2L * fit > inFile;

    private static CheckpointMismatchException Mismatch(string path, string moduleName, List<SkippedKey> skipped, string what, string hint = "")
    {
        var report = new LoadReport(path, moduleName, Array.Empty<string>(), skipped, Array.Empty<string>());
        var b = new StringBuilder();
        int missing = report.Missing.Count(), unexpected = report.Unexpected.Count(), mismatched = report.Mismatched.Count();
        b.Append($"{path}: {what} for {moduleName}: {missing} missing, {unexpected} unexpected, {mismatched} mismatched; nothing was copied, the module is unchanged.{hint}");
        const int perList = 25;
        const string where = " (the exception's Report lists them all)";
        LoadReport.AppendList(b, "missing from the file", report.Missing, perList, where);
        LoadReport.AppendList(b, "unexpected in the file", report.Unexpected, perList, where);
        LoadReport.AppendList(b, "shape mismatch", skipped.Where(s => s.Reason == SkipReason.ShapeMismatch), perList, where);
        LoadReport.AppendList(b, "dtype kind mismatch (floating vs integer)", skipped.Where(s => s.Reason == SkipReason.DtypeMismatch), perList, where);
        return new CheckpointMismatchException(b.ToString(), report);
    }

    internal static FileStream OpenRead(string path)
    {
        try { return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read); }
        catch (FileNotFoundException e) { throw new FileNotFoundException($"{path}: no such checkpoint file.", path, e); }
        catch (DirectoryNotFoundException e) { throw new FileNotFoundException($"{path}: no such checkpoint file (the folder does not exist).", path, e); }
    }

    /// <summary>Writes through a temporary file beside <paramref name="path"/>, so a failed save never leaves half a checkpoint.</summary>
    internal static void WriteAtomically(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        if (Path.GetDirectoryName(full) is { } folder && !Directory.Exists(folder))
            throw new DirectoryNotFoundException($"{path}: cannot save the checkpoint, the folder {folder} does not exist.");
        string temp = full + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None))
                write(stream);
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { }
            throw;
        }
    }
}

/// <summary>Checkpoint loading and saving as extension methods on any TorchSharp module.</summary>
public static class CheckpointExtensions
{
    /// <summary>Loads a state_dict (<see cref="Checkpoint.Load"/>); strict by default.</summary>
    public static LoadReport LoadCheckpoint(this nn.Module module, string path, bool strict = true) =>
        Checkpoint.Load(module, path, strict ? LoadOptions.StrictDefault : LoadOptions.Lenient);

    /// <summary>Loads what fits of a (dense) checkpoint and reports the rest (<see cref="Checkpoint.LoadForFineTuning"/>).</summary>
    public static LoadReport LoadForFineTuning(this nn.Module module, string path) => Checkpoint.LoadForFineTuning(module, path);

    /// <summary>Saves the module's state_dict (<see cref="Checkpoint.Save"/>).</summary>
    public static void SaveCheckpoint(this nn.Module module, string path) => Checkpoint.Save(module, path);
}
