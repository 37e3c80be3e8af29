using System;
using System.Runtime.InteropServices;

namespace PiXGen.Platform;

/// <summary>
/// How glibc's malloc treats the large blocks libtorch allocates and frees on every step (activations, gradients,
/// im2col buffers: tens of megabytes each at batch 8). By default glibc serves blocks above a threshold that never
/// exceeds 32 MB with fresh <c>mmap</c> calls and gives them back with <c>munmap</c>, and returns free memory at the top
/// of a heap to the system: every step then faults its pages in again, and the kernel zeroes each page. On this
/// project's VM that made a ResNet-50 training step 1.4× slower and its time vary by 2× (docs/platform.md).
/// <see cref="EnsureInitialized"/> raises both thresholds to <see cref="Threshold"/> (<c>mallopt(M_MMAP_THRESHOLD)</c>,
/// <c>mallopt(M_TRIM_THRESHOLD)</c>), so freed blocks stay in the process for the next step; the process keeps its
/// peak memory instead of returning it between steps. It changes nothing where the C library is not glibc, where
/// <c>PIXGEN_MALLOC=0</c>, or where the process sets either threshold itself (<c>GLIBC_TUNABLES</c>,
/// <c>MALLOC_MMAP_THRESHOLD_</c>, <c>MALLOC_TRIM_THRESHOLD_</c>).
/// </summary>
public sealed class NativeHeapDecision
{
    /// <summary>The environment variable that turns the tuning off: 0 leaves glibc's defaults, 1 (or unset) applies it.</summary>
    public const string SettingVariable = "PIXGEN_MALLOC";

    /// <summary>The mmap and trim thresholds PiXGen sets, in bytes (1 GiB): blocks larger than this are still mapped
    /// and unmapped one by one.</summary>
    public const int Threshold = 1 << 30;

    /// <summary>glibc's <c>mallopt</c> parameters (malloc.h).</summary>
    internal const int TrimThresholdParameter = -1, MmapThresholdParameter = -3;

    /// <summary>The process's own malloc settings, which PiXGen leaves alone: environment variables, and the tunables
    /// of <c>GLIBC_TUNABLES</c> (a colon-separated list of name=value).</summary>
    internal static readonly string[] UserVariables = { "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_" };
    internal static readonly string[] UserTunables = { "glibc.malloc.mmap_threshold", "glibc.malloc.trim_threshold" };

    private readonly object _gate = new();
    private readonly Func<string, string?> _environment;
    private readonly Func<Func<int, int, bool>?> _mallopt;
    private volatile bool _done;

    /// <param name="environment">Reads an environment variable (null when unset).</param>
    /// <param name="mallopt">glibc's mallopt (true when it accepted the value), or null where the C library is not glibc.</param>
    internal NativeHeapDecision(Func<string, string?> environment, Func<Func<int, int, bool>?> mallopt)
    {
        _environment = environment;
        _mallopt = mallopt;
    }

    /// <summary>Whether both thresholds were raised.</summary>
    public bool Retains { get; private set; }

    /// <summary>Why the thresholds were (or were not) raised.</summary>
    public string Reason { get; private set; } = "not initialised";

    /// <summary>Takes and applies the decision once; thread-safe, and cheap after the first call.</summary>
    public void EnsureInitialized()
    {
        if (_done) return;
        lock (_gate)
        {
            if (_done) return;
            (Retains, Reason) = Decide();
            _done = true;
        }
    }

    private (bool Retains, string Reason) Decide()
    {
        var setting = _environment(SettingVariable);
        string ignored = setting is null or "0" or "1" ? "" : $" ({SettingVariable}='{setting}' ignored: it takes 0 or 1)";
        if (setting == "0") return (false, $"{SettingVariable}=0: glibc's defaults");
        foreach (var variable in UserVariables)
            if (_environment(variable) is not null) return (false, $"the process sets {variable} itself" + ignored);
        var tunables = _environment("GLIBC_TUNABLES") ?? "";
        foreach (var tunable in UserTunables)
            if (tunables.Contains(tunable + "=", StringComparison.Ordinal)) return (false, $"the process sets {tunable} itself (GLIBC_TUNABLES)" + ignored);
        if (_mallopt() is not { } mallopt) return (false, "the C library is not glibc" + ignored);
        bool mmap = mallopt(MmapThresholdParameter, Threshold), trim = mallopt(TrimThresholdParameter, Threshold);
        return mmap && trim
            ? (true, $"glibc's mmap and trim thresholds raised to {Threshold >> 20} MiB" + ignored)
            : (false, $"glibc refused the {(mmap ? "trim" : "mmap")} threshold of {Threshold >> 20} MiB" + ignored);
    }

    /// <summary>glibc's mallopt, or null where the C library is not glibc (no <c>gnu_get_libc_version</c>).</summary>
    internal static unsafe Func<int, int, bool>? GlibcMallopt()
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) return null;
        if (!NativeLibrary.TryLoad("libc.so.6", out var libc)) return null;
        if (!NativeLibrary.TryGetExport(libc, "gnu_get_libc_version", out _) || !NativeLibrary.TryGetExport(libc, "mallopt", out var mallopt))
            return null;
        return (parameter, value) => Call(mallopt, parameter, value) != 0;
    }

    private static unsafe int Call(IntPtr mallopt, int parameter, int value) =>
        ((delegate* unmanaged<int, int, int>)mallopt)(parameter, value);
}
