using System;
using System.Linq;

namespace PiXGen.Checkpoints;

/// <summary>
/// The prefixes PyTorch's wrappers put on every state_dict key: <c>module.</c> (DistributedDataParallel, DataParallel)
/// and <c>_orig_mod.</c> (torch.compile). A checkpoint saved from a wrapped model loads as if saved from the model
/// itself: when every key of a file carries one of them, it is removed, repeatedly (DDP around a compiled model gives
/// <c>module._orig_mod.</c>). The exported Python module (PyTorchExporter) does the same.
/// </summary>
public static class WrapperPrefixes
{
    /// <summary>The prefixes, in the order they are tried.</summary>
    public static readonly string[] All = { "module.", "_orig_mod." };

    /// <summary>How many leading characters of every key of <paramref name="keys"/> are wrapper prefixes they all share (0: none).</summary>
    public static int SharedLength(System.Collections.Generic.IReadOnlyCollection<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        int cut = 0;
        bool stripped = true;
        while (stripped && keys.Count > 0) {
            stripped = false;
            foreach (var prefix in All)
                if (keys.All(k => k.Length > cut + prefix.Length && string.CompareOrdinal(k, cut, prefix, 0, prefix.Length) == 0)) {
                    cut += prefix.Length;
                    stripped = true;
                }
        }
        return cut;
    }
}
