using System;
using System.Collections.Concurrent;

namespace PiXGen.Cuda;

/// <summary>
/// One layer's emitted kernel source, compiled for one device (NVRTC at first use, through
/// <see cref="CudaKernelCache"/>) and loaded into that device's primary context. Functions are looked up by kind
/// (<c>fwd</c>, <c>bwd</c>, <c>inf</c>, <c>ctx</c>, <c>gate</c>): the entry point is <c>{Prefix}_{kind}</c>.
/// </summary>
public sealed class CudaKernelModule
{
    private static readonly ConcurrentDictionary<(int device, string key), Lazy<CudaKernelModule>> Loaded = new();

    private readonly IntPtr module;
    private readonly ConcurrentDictionary<string, IntPtr> functions = new(StringComparer.Ordinal);

    private CudaKernelModule(int device, string layer, string prefix, IntPtr module, string origin, bool ptx)
    {
        Device = device;
        Layer = layer;
        Prefix = prefix;
        this.module = module;
        Origin = origin;
        IsPtx = ptx;
    }

    /// <summary>The CUDA device ordinal it is loaded on.</summary>
    public int Device { get; }
    /// <summary>The layer the source was emitted for (named in errors).</summary>
    public string Layer { get; }
    /// <summary>The entry points' prefix.</summary>
    public string Prefix { get; }
    /// <summary>Where the image came from the first time: "nvrtc", "disk" or "memory".</summary>
    public string Origin { get; }
    /// <summary>Whether the image is PTX (JIT-compiled by the driver) rather than a CUBIN.</summary>
    public bool IsPtx { get; }

    /// <summary>The module for <paramref name="source"/> on <paramref name="device"/>, compiled and loaded once per
    /// process. Errors are <see cref="CudaException"/> (naming the layer and prefix) or
    /// <see cref="CudaLibraryNotFoundException"/>.</summary>
    public static CudaKernelModule Get(int device, string layer, string prefix, string source)
    {
        var driver = CudaDriver.Instance;
        var nvrtc = Nvrtc.Instance;
        var (major, minor) = driver.ComputeCapability(device);
        string arch = $"sm_{major}{minor}";
        string key = CudaKernelCache.Key(source, arch, nvrtc.Version);
        var lazy = Loaded.GetOrAdd((device, key), _ => new Lazy<CudaKernelModule>(() => {
            var (image, ptx, origin) = CudaKernelCache.GetOrCompile(key, CudaKernelCache.CurrentFolder,
                () => nvrtc.Compile(source, major, minor, layer, prefix));
            driver.MakeCurrent(device);
            var handle = driver.LoadModule(image, layer, prefix);
            return new CudaKernelModule(device, layer, prefix, handle, origin, ptx);
        }));
        try {
            return lazy.Value;
        } catch {
            Loaded.TryRemove(new((device, key), lazy));   // let a later call retry (e.g. after fixing the environment)
            throw;
        }
    }

    /// <summary>The function <c>{Prefix}_{kind}</c>.</summary>
    public IntPtr Function(string kind) =>
        functions.GetOrAdd(kind, k => CudaDriver.Instance.GetFunction(module, Prefix + "_" + k, Layer));
}
