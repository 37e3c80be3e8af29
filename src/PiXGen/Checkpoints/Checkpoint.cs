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
        // Only the file's structure is read here; tensor data is read after the keys and shapes are checked. Keys lose
        // the wrapper prefixes of DistributedDataParallel ("module.") and torch.compile ("_orig_mod.").
        using var file = Open(path).WithoutWrapperPrefixes();
        var target = module.state_dict();
        string moduleName = module.GetType().Name;

        var skipped = new List<SkippedKey>();
        var copies = new List<(string Key, Tensor To, CheckpointSource.Entry? From)>();
        foreach (var (key, to) in target)
        {
            if (!file.TryGet(key, out var from))
            {
                if (IsOldBatchCounter(file, key, to, target)) copies.Add((key, to, null));
                else skipped.Add(new SkippedKey(key, SkipReason.Missing, to.shape, null, to.dtype.ToString()));
            }
            else if (!to.shape.SequenceEqual(from.Shape))
                skipped.Add(new SkippedKey(key, SkipReason.ShapeMismatch, to.shape, from.Shape, to.dtype.ToString(), from.Type.Type.ToString()));
            else if (DTypes.IsFloating(to.dtype) != DTypes.IsFloating(from.Type.Type))
                skipped.Add(new SkippedKey(key, SkipReason.DtypeMismatch, to.shape, from.Shape, to.dtype.ToString(), from.Type.Type.ToString()));
            else
                copies.Add((key, to, from));
        }
        foreach (var from in file.Entries)
            if (!target.ContainsKey(from.Key))
                skipped.Add(new SkippedKey(from.Key, SkipReason.Unexpected, null, from.Shape, null, from.Type.Type.ToString()));

        if (options.Strict && skipped.Count > 0)
        {
            int fit = copies.Count(c => c.From is not null);
            throw Mismatch(path, moduleName, skipped, "the checkpoint does not fit (strict load)",
                           MostFit(fit, file.Entries.Count)
                               ? $" {fit} of its {file.Entries.Count} tensors fit: if it is the checkpoint of the dense network this one is a variant of (e.g. its PiX twin), load it with LoadForFineTuning, which loads what fits and reports the rest."
                               : "");
        }
        if (!options.Strict && options.RequireAnyMatch && copies.All(c => c.From is null) && (target.Count > 0 || file.Entries.Count > 0))
            throw Mismatch(path, moduleName, skipped, "no tensor of the checkpoint fits: it is for another network");
        if (!options.Strict && options.RequireMostMatch && !MostFit(copies.Count(c => c.From is not null), file.Entries.Count))
            throw Mismatch(path, moduleName, skipped,
                           $"only {copies.Count(c => c.From is not null)} of the checkpoint's {file.Entries.Count} tensors fit (key and shape), and a fine-tuning load needs more than half of them to fit",
                           " It looks like a checkpoint of another network.");

        // Every key and shape fits: read the data of exactly the tensors that are copied (all of them, so that a
        // damaged file fails here), and only then write to the module.
        var fromFile = copies.Where(c => c.From is not null).Select(c => c.From!).ToList();
        var values = file.Read(fromFile);
        try
        {
            var converted = new List<string>();
            using (no_grad())
            {
                int next = 0;
                foreach (var (key, to, from) in copies)
                {
                    if (from is null) { to.zero_(); continue; }   // a pre-0.4.1 BatchNorm counter: PyTorch sets it to 0
                    var data = values[next++];
                    if (data.dtype != to.dtype) converted.Add(key);
                    using var value = data.to(to.dtype, to.device);
                    to.copy_(value);
                }
            }
            return new LoadReport(path, moduleName, copies.Select(c => c.Key).ToList(), skipped, converted);
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    /// <summary>
    /// PyTorch's BatchNorm accepts a state_dict without <c>num_batches_tracked</c> when the file records no module
    /// version of 2 or more for it (files saved before PyTorch 0.4.1, and files without <c>_metadata</c>), and sets
    /// the counter to 0; this is the same rule. It applies where the file holds that layer's running_mean (the file
    /// is a checkpoint of the layer), so a file of another network still reports the counter as missing.
    /// </summary>
    private static bool IsOldBatchCounter(CheckpointSource file, string key, Tensor to, IReadOnlyDictionary<string, Tensor> target)
    {
        const string counter = "num_batches_tracked";
        if (!(key == counter || key.EndsWith("." + counter, StringComparison.Ordinal)) || to.dtype != ScalarType.Int64 || to.dim() != 0)
            return false;
        string prefix = key.Length == counter.Length ? "" : key.Substring(0, key.Length - counter.Length - 1);
        string mean = prefix.Length == 0 ? "running_mean" : prefix + ".running_mean";
        return file.ModuleVersion(prefix) is not >= 2 && file.TryGet(mean, out _) && target.ContainsKey(mean);
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
        using var file = Open(path);
        var result = new StateDict(path);
        var values = file.Read(file.Entries);
        try
        {
            for (int i = 0; i < values.Length; i++)
            {
                // Contiguous copies, except a view that repeats storage elements (a stride of 0, overlapping rows):
                // it stays a view of its storage, as PyTorch loads it, so a tiny file cannot claim gigabytes.
                var v = values[i];
                values[i] = null!;
                if (!v.is_contiguous() && v.numel() <= file.StorageElements(file.Entries[i]))
                {
                    var copy = v.contiguous();
                    v.Dispose();
                    v = copy;
                }
                result.Add(file.Entries[i].Key, v);
            }
        }
        catch
        {
            foreach (var v in values) v?.Dispose();
            result.Dispose();
            throw;
        }
        return result;
    }

    /// <summary>Opens a checkpoint by its extension (or, for another extension, its content) and reads its structure only.</summary>
    internal static CheckpointSource Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            string ext = Path.GetExtension(path).ToLowerInvariant();
            if (ext == ".safetensors") return Safetensors.Open(path);
            if (TorchExtensions.Contains(ext)) return TorchZip.Open(path);
            // Another extension: go by the content.
            bool zip;
            using (var s = OpenRead(path))
            {
                var magic = new byte[4];
                zip = s.ReadAtLeast(magic, 4, throwOnEndOfStream: false) == 4 && magic[0] == 0x50 && magic[1] == 0x4B && magic[2] == 0x03 && magic[3] == 0x04;
            }
            if (zip) return TorchZip.Open(path);
            try { return Safetensors.Open(path); }
            catch (CheckpointFormatException e)
            {
                throw new CheckpointFormatException(path, $"neither a torch.save zip archive nor a safetensors file ({e.Problem})", e);
            }
        }
        catch (Exception e) when (!IsDocumented(e))
        {
            throw Unexpected(path, e);
        }
    }

    /// <summary>The exceptions the loaders document: everything else is wrapped by <see cref="Unexpected"/>.</summary>
    internal static bool IsDocumented(Exception e) =>
        e is CheckpointFormatException or CheckpointMismatchException or FileNotFoundException or UnauthorizedAccessException or IOException;

    /// <summary>
    /// An exception no check anticipated, as a <see cref="CheckpointFormatException"/> naming the file (the
    /// original is the inner exception). The reader fuzzer counts any such wrap as a failure of the checks.
    /// </summary>
    internal static CheckpointFormatException Unexpected(string path, Exception e) =>
        new(path, $"cannot be read: {e.GetType().Name}: {e.Message}", e);

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
