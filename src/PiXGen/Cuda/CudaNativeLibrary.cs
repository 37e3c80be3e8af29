using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;

namespace PiXGen.Cuda;

/// <summary>A CUDA library (the driver or NVRTC) could not be loaded; <see cref="Tried"/> lists every name and path tried.</summary>
public sealed class CudaLibraryNotFoundException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CudaLibraryNotFoundException(string library, IReadOnlyList<string> tried, string hint)
        : base($"{library} could not be loaded; tried: {string.Join(", ", tried)}. {hint}")
    {
        Library = library;
        Tried = tried;
    }

    /// <summary>Which library: "the CUDA driver (libcuda)" or "NVRTC".</summary>
    public string Library { get; }

    /// <summary>Every file name or path passed to the loader, in order.</summary>
    public IReadOnlyList<string> Tried { get; }
}

/// <summary>
/// Finds the CUDA driver and NVRTC by their usual names with <see cref="NativeLibrary"/>. NVRTC: the path in
/// <c>PIXGEN_NVRTC</c> first, then the versioned names (CUDA 13, 12, 11.2) and the unversioned one, on the loader's
/// search path and in <c>$CUDA_PATH</c>, <c>$CUDA_HOME</c> and (Linux) <c>/usr/local/cuda</c>. The driver:
/// <c>PIXGEN_CUDA_DRIVER</c>, then <c>libcuda.so.1</c>/<c>libcuda.so</c> or <c>nvcuda.dll</c>.
/// </summary>
public static class CudaNativeLibrary
{
    /// <summary>Environment variable naming the NVRTC library file to use.</summary>
    public const string NvrtcVariable = "PIXGEN_NVRTC";
    /// <summary>Environment variable naming the CUDA driver library file to use.</summary>
    public const string DriverVariable = "PIXGEN_CUDA_DRIVER";

    private static readonly string[] LinuxNvrtc = { "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so" };
    private static readonly string[] WindowsNvrtc = { "nvrtc64_130_0.dll", "nvrtc64_120_0.dll", "nvrtc64_112_0.dll", "nvrtc64_111_0.dll", "nvrtc64_110_0.dll" };

    /// <summary>The NVRTC names and paths to try, in order, for the platform and environment given.</summary>
    public static IReadOnlyList<string> NvrtcCandidates(bool windows, Func<string, string?> environment)
    {
        var names = windows ? WindowsNvrtc : LinuxNvrtc;
        var list = new List<string>();
        if (environment(NvrtcVariable) is { Length: > 0 } explicitPath) list.Add(explicitPath);
        list.AddRange(names);
        var dirs = new List<string>();
        foreach (var variable in new[] { "CUDA_PATH", "CUDA_HOME" })
            if (environment(variable) is { Length: > 0 } root) dirs.Add(Path.Combine(root, windows ? "bin" : "lib64"));
        if (!windows) dirs.Add("/usr/local/cuda/lib64");
        foreach (var dir in dirs)
            foreach (var name in names)
                list.Add(Path.Combine(dir, name));
        return list;
    }

    /// <summary>The CUDA driver names to try, in order.</summary>
    public static IReadOnlyList<string> DriverCandidates(bool windows, Func<string, string?> environment)
    {
        var list = new List<string>();
        if (environment(DriverVariable) is { Length: > 0 } explicitPath) list.Add(explicitPath);
        list.AddRange(windows ? new[] { "nvcuda.dll" } : new[] { "libcuda.so.1", "libcuda.so" });
        return list;
    }

    /// <summary>Loads the first of <paramref name="candidates"/> that loads, or throws
    /// <see cref="CudaLibraryNotFoundException"/> naming all of them.</summary>
    public static IntPtr Load(string library, IReadOnlyList<string> candidates, string hint)
    {
        foreach (var name in candidates)
            if (NativeLibrary.TryLoad(name, out var handle)) return handle;
        throw new CudaLibraryNotFoundException(library, candidates, hint);
    }

    internal static bool IsWindows => RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

    internal static IntPtr Export(IntPtr library, string name, string libraryName)
    {
        if (NativeLibrary.TryGetExport(library, name, out var fn)) return fn;
        throw new EntryPointNotFoundException($"{libraryName} has no export '{name}' (too old a version?).");
    }

    internal static IntPtr FirstExport(IntPtr library, string libraryName, params string[] names)
    {
        foreach (var name in names)
            if (NativeLibrary.TryGetExport(library, name, out var fn)) return fn;
        throw new EntryPointNotFoundException($"{libraryName} has none of the exports {string.Join(", ", names)} (too old a version?).");
    }
}
