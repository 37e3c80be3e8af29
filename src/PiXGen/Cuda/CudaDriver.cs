using System;
using System.Runtime.InteropServices;
using System.Threading;

namespace PiXGen.Cuda;

/// <summary>
/// The few CUDA driver API functions PiXGen needs, bound at run time (no link-time dependency on CUDA). One instance
/// per process (<see cref="Instance"/>); loading fails with <see cref="CudaLibraryNotFoundException"/> where there is
/// no driver. Device pointers are <see cref="ulong"/> (CUdeviceptr); handles are <see cref="IntPtr"/>.
/// </summary>
public sealed unsafe class CudaDriver
{
    private static readonly Lazy<CudaDriver> Lazy = new(() => new CudaDriver(), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The driver, loaded and initialised (cuInit) at first use.</summary>
    public static CudaDriver Instance => Lazy.Value;

    private readonly delegate* unmanaged<uint, int> cuInit;
    private readonly delegate* unmanaged<int*, int> cuDriverGetVersion;
    private readonly delegate* unmanaged<int*, int> cuDeviceGetCount;
    private readonly delegate* unmanaged<int*, int, int> cuDeviceGet;
    private readonly delegate* unmanaged<int*, int, int, int> cuDeviceGetAttribute;
    private readonly delegate* unmanaged<byte*, int, int, int> cuDeviceGetName;
    private readonly delegate* unmanaged<IntPtr*, int, int> cuDevicePrimaryCtxRetain;
    private readonly delegate* unmanaged<IntPtr, int> cuCtxSetCurrent;
    private readonly delegate* unmanaged<int> cuCtxSynchronize;
    private readonly delegate* unmanaged<IntPtr*, void*, int> cuModuleLoadData;
    private readonly delegate* unmanaged<IntPtr*, IntPtr, byte*, int> cuModuleGetFunction;
    private readonly delegate* unmanaged<IntPtr, uint, uint, uint, uint, uint, uint, uint, IntPtr, void**, void**, int> cuLaunchKernel;
    private readonly delegate* unmanaged<int, byte**, int> cuGetErrorString;
    private readonly delegate* unmanaged<int, byte**, int> cuGetErrorName;
    private readonly delegate* unmanaged<ulong*, nuint, int> cuMemAlloc;
    private readonly delegate* unmanaged<ulong, int> cuMemFree;
    private readonly delegate* unmanaged<ulong, void*, nuint, int> cuMemcpyHtoD;
    private readonly delegate* unmanaged<void*, ulong, nuint, int> cuMemcpyDtoH;
    private readonly delegate* unmanaged<ulong, ulong, nuint, int> cuMemcpyDtoD;
    private readonly delegate* unmanaged<IntPtr*, uint, int> cuEventCreate;
    private readonly delegate* unmanaged<IntPtr, IntPtr, int> cuEventRecord;
    private readonly delegate* unmanaged<IntPtr, int> cuEventSynchronize;
    private readonly delegate* unmanaged<float*, IntPtr, IntPtr, int> cuEventElapsedTime;
    private readonly delegate* unmanaged<IntPtr, int> cuEventDestroy;

    private CudaDriver()
    {
        var names = CudaNativeLibrary.DriverCandidates(CudaNativeLibrary.IsWindows, Environment.GetEnvironmentVariable);
        var lib = CudaNativeLibrary.Load("the CUDA driver", names,
            $"This machine has no NVIDIA driver (or it is not on the loader's path); set {CudaNativeLibrary.DriverVariable} to its file to choose one.");
        const string L = "the CUDA driver";
        IntPtr E(string name) => CudaNativeLibrary.Export(lib, name, L);
        cuInit = (delegate* unmanaged<uint, int>)E("cuInit");
        cuDriverGetVersion = (delegate* unmanaged<int*, int>)E("cuDriverGetVersion");
        cuDeviceGetCount = (delegate* unmanaged<int*, int>)E("cuDeviceGetCount");
        cuDeviceGet = (delegate* unmanaged<int*, int, int>)E("cuDeviceGet");
        cuDeviceGetAttribute = (delegate* unmanaged<int*, int, int, int>)E("cuDeviceGetAttribute");
        cuDeviceGetName = (delegate* unmanaged<byte*, int, int, int>)E("cuDeviceGetName");
        cuDevicePrimaryCtxRetain = (delegate* unmanaged<IntPtr*, int, int>)E("cuDevicePrimaryCtxRetain");
        cuCtxSetCurrent = (delegate* unmanaged<IntPtr, int>)E("cuCtxSetCurrent");
        cuCtxSynchronize = (delegate* unmanaged<int>)E("cuCtxSynchronize");
        cuModuleLoadData = (delegate* unmanaged<IntPtr*, void*, int>)E("cuModuleLoadData");
        cuModuleGetFunction = (delegate* unmanaged<IntPtr*, IntPtr, byte*, int>)E("cuModuleGetFunction");
        cuLaunchKernel = (delegate* unmanaged<IntPtr, uint, uint, uint, uint, uint, uint, uint, IntPtr, void**, void**, int>)E("cuLaunchKernel");
        cuGetErrorString = (delegate* unmanaged<int, byte**, int>)E("cuGetErrorString");
        cuGetErrorName = (delegate* unmanaged<int, byte**, int>)E("cuGetErrorName");
        // cuda.h maps these names to their _v2 versions; the driver exports both.
        cuMemAlloc = (delegate* unmanaged<ulong*, nuint, int>)CudaNativeLibrary.FirstExport(lib, L, "cuMemAlloc_v2");
        cuMemFree = (delegate* unmanaged<ulong, int>)CudaNativeLibrary.FirstExport(lib, L, "cuMemFree_v2");
        cuMemcpyHtoD = (delegate* unmanaged<ulong, void*, nuint, int>)CudaNativeLibrary.FirstExport(lib, L, "cuMemcpyHtoD_v2");
        cuMemcpyDtoH = (delegate* unmanaged<void*, ulong, nuint, int>)CudaNativeLibrary.FirstExport(lib, L, "cuMemcpyDtoH_v2");
        cuMemcpyDtoD = (delegate* unmanaged<ulong, ulong, nuint, int>)CudaNativeLibrary.FirstExport(lib, L, "cuMemcpyDtoD_v2");
        cuEventCreate = (delegate* unmanaged<IntPtr*, uint, int>)E("cuEventCreate");
        cuEventRecord = (delegate* unmanaged<IntPtr, IntPtr, int>)E("cuEventRecord");
        cuEventSynchronize = (delegate* unmanaged<IntPtr, int>)E("cuEventSynchronize");
        cuEventElapsedTime = (delegate* unmanaged<float*, IntPtr, IntPtr, int>)CudaNativeLibrary.FirstExport(lib, L, "cuEventElapsedTime_v2", "cuEventElapsedTime");
        cuEventDestroy = (delegate* unmanaged<IntPtr, int>)CudaNativeLibrary.FirstExport(lib, L, "cuEventDestroy_v2", "cuEventDestroy");
        Check(cuInit(0), "cuInit", "(driver)", "(init)");
    }

    /// <summary>Throws <see cref="CudaException"/> for a CUresult other than CUDA_SUCCESS.</summary>
    public void Check(int result, string call, string layer, string kernel)
    {
        if (result != 0) throw new CudaException(layer, kernel, call, result, ErrorText(result));
    }

    /// <summary>"CUDA_ERROR_NAME: description" for a CUresult.</summary>
    public string ErrorText(int result)
    {
        byte* name = null, text = null;
        cuGetErrorName(result, &name);
        cuGetErrorString(result, &text);
        var n = name == null ? $"CUresult {result}" : Marshal.PtrToStringUTF8((IntPtr)name);
        var t = text == null ? "unknown error" : Marshal.PtrToStringUTF8((IntPtr)text);
        return $"{n}: {t}";
    }

    /// <summary>The driver's CUDA version, e.g. 13000.</summary>
    public int Version
    {
        get { int v; Check(cuDriverGetVersion(&v), "cuDriverGetVersion", "(driver)", "(query)"); return v; }
    }

    /// <summary>Number of CUDA devices.</summary>
    public int DeviceCount
    {
        get { int n; Check(cuDeviceGetCount(&n), "cuDeviceGetCount", "(driver)", "(query)"); return n; }
    }

    /// <summary>(major, minor) compute capability of device <paramref name="ordinal"/>.</summary>
    public (int major, int minor) ComputeCapability(int ordinal)
    {
        int dev, major, minor;
        Check(cuDeviceGet(&dev, ordinal), "cuDeviceGet", "(driver)", "(query)");
        Check(cuDeviceGetAttribute(&major, 75, dev), "cuDeviceGetAttribute(COMPUTE_CAPABILITY_MAJOR)", "(driver)", "(query)");
        Check(cuDeviceGetAttribute(&minor, 76, dev), "cuDeviceGetAttribute(COMPUTE_CAPABILITY_MINOR)", "(driver)", "(query)");
        return (major, minor);
    }

    /// <summary>The device's name.</summary>
    public string DeviceName(int ordinal)
    {
        int dev;
        Check(cuDeviceGet(&dev, ordinal), "cuDeviceGet", "(driver)", "(query)");
        var buf = stackalloc byte[256];
        Check(cuDeviceGetName(buf, 256, dev), "cuDeviceGetName", "(driver)", "(query)");
        return Marshal.PtrToStringUTF8((IntPtr)buf) ?? "";
    }

    private readonly IntPtr[] primary = new IntPtr[64];

    /// <summary>Makes device <paramref name="ordinal"/>'s primary context (the one libtorch's runtime API uses)
    /// current on the calling thread; it is retained once per process and never released.</summary>
    public void MakeCurrent(int ordinal)
    {
        if ((uint)ordinal >= primary.Length) throw new ArgumentOutOfRangeException(nameof(ordinal), ordinal, "CUDA device index out of range.");
        var ctx = Volatile.Read(ref primary[ordinal]);
        if (ctx == IntPtr.Zero) {
            int dev;
            Check(cuDeviceGet(&dev, ordinal), "cuDeviceGet", "(driver)", "(context)");
            Check(cuDevicePrimaryCtxRetain(&ctx, dev), "cuDevicePrimaryCtxRetain", "(driver)", "(context)");
            var prev = Interlocked.CompareExchange(ref primary[ordinal], ctx, IntPtr.Zero);
            if (prev != IntPtr.Zero) ctx = prev;   // another thread retained it first (a retain is reference-counted)
        }
        Check(cuCtxSetCurrent(ctx), "cuCtxSetCurrent", "(driver)", "(context)");
    }

    /// <summary>Loads a CUBIN or PTX image into the current context.</summary>
    public IntPtr LoadModule(byte[] image, string layer, string kernel)
    {
        IntPtr module;
        fixed (byte* p = image) Check(cuModuleLoadData(&module, p), "cuModuleLoadData", layer, kernel);
        return module;
    }

    /// <summary>The function <paramref name="name"/> of a loaded module.</summary>
    public IntPtr GetFunction(IntPtr module, string name, string layer)
    {
        var bytes = System.Text.Encoding.ASCII.GetBytes(name + "\0");
        IntPtr fn;
        fixed (byte* p = bytes) Check(cuModuleGetFunction(&fn, module, p), "cuModuleGetFunction", layer, name);
        return fn;
    }

    /// <summary>Launches <paramref name="function"/> on <paramref name="stream"/> (zero: the legacy default stream).</summary>
    public void Launch(IntPtr function, (uint x, uint y) grid, uint block, IntPtr stream, void** args, string layer, string kernel) =>
        Check(cuLaunchKernel(function, grid.x, grid.y, 1, block, 1, 1, 0, stream, args, null), "cuLaunchKernel", layer, kernel);

    /// <summary>Waits for the current context's work.</summary>
    public void Synchronize(string layer = "(driver)", string kernel = "(sync)") => Check(cuCtxSynchronize(), "cuCtxSynchronize", layer, kernel);

    /// <summary>cuMemAlloc.</summary>
    public ulong Alloc(long bytes)
    {
        ulong p;
        Check(cuMemAlloc(&p, (nuint)Math.Max(1, bytes)), "cuMemAlloc", "(driver)", "(memory)");
        return p;
    }

    /// <summary>cuMemFree.</summary>
    public void Free(ulong p) { if (p != 0) Check(cuMemFree(p), "cuMemFree", "(driver)", "(memory)"); }

    /// <summary>Copies host bytes to the device.</summary>
    public void CopyToDevice(ulong dst, ReadOnlySpan<byte> src)
    {
        fixed (byte* p = src) Check(cuMemcpyHtoD(dst, p, (nuint)src.Length), "cuMemcpyHtoD", "(driver)", "(memory)");
    }

    /// <summary>Copies device bytes to the host.</summary>
    public void CopyToHost(Span<byte> dst, ulong src)
    {
        fixed (byte* p = dst) Check(cuMemcpyDtoH(p, src, (nuint)dst.Length), "cuMemcpyDtoH", "(driver)", "(memory)");
    }

    /// <summary>Device-to-device copy (on the legacy default stream).</summary>
    public void CopyOnDevice(ulong dst, ulong src, long bytes) =>
        Check(cuMemcpyDtoD(dst, src, (nuint)bytes), "cuMemcpyDtoD", "(driver)", "(memory)");

    /// <summary>Creates an event (default flags, timing enabled).</summary>
    public IntPtr CreateEvent()
    {
        IntPtr e;
        Check(cuEventCreate(&e, 0), "cuEventCreate", "(driver)", "(timing)");
        return e;
    }

    /// <summary>Records <paramref name="ev"/> on the legacy default stream.</summary>
    public void Record(IntPtr ev) => Check(cuEventRecord(ev, IntPtr.Zero), "cuEventRecord", "(driver)", "(timing)");

    /// <summary>Milliseconds between two recorded events (waits for the second).</summary>
    public float Elapsed(IntPtr start, IntPtr end)
    {
        Check(cuEventSynchronize(end), "cuEventSynchronize", "(driver)", "(timing)");
        float ms;
        Check(cuEventElapsedTime(&ms, start, end), "cuEventElapsedTime", "(driver)", "(timing)");
        return ms;
    }

    /// <summary>Destroys an event.</summary>
    public void DestroyEvent(IntPtr ev) => Check(cuEventDestroy(ev), "cuEventDestroy", "(driver)", "(timing)");
}
