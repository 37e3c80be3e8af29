using System;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;

namespace PiXGen.Cuda;

/// <summary>
/// NVRTC, the CUDA runtime compiler, bound at run time. <see cref="Compile"/> turns CUDA C into a CUBIN for a real
/// architecture (<c>--gpu-architecture=sm_XY</c>) or, when this NVRTC does not know that architecture, PTX for
/// <c>compute_XY</c> (the driver then compiles it).
/// </summary>
public sealed unsafe class Nvrtc
{
    private static readonly Lazy<Nvrtc> Lazy = new(() => new Nvrtc(), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>NVRTC, loaded at first use.</summary>
    public static Nvrtc Instance => Lazy.Value;

    private readonly delegate* unmanaged<int*, int*, int> nvrtcVersion;
    private readonly delegate* unmanaged<int, byte*> nvrtcGetErrorString;
    private readonly delegate* unmanaged<IntPtr*, byte*, byte*, int, byte**, byte**, int> nvrtcCreateProgram;
    private readonly delegate* unmanaged<IntPtr*, int> nvrtcDestroyProgram;
    private readonly delegate* unmanaged<IntPtr, int, byte**, int> nvrtcCompileProgram;
    private readonly delegate* unmanaged<IntPtr, nuint*, int> nvrtcGetProgramLogSize;
    private readonly delegate* unmanaged<IntPtr, byte*, int> nvrtcGetProgramLog;
    private readonly delegate* unmanaged<IntPtr, nuint*, int> nvrtcGetCUBINSize;
    private readonly delegate* unmanaged<IntPtr, byte*, int> nvrtcGetCUBIN;
    private readonly delegate* unmanaged<IntPtr, nuint*, int> nvrtcGetPTXSize;
    private readonly delegate* unmanaged<IntPtr, byte*, int> nvrtcGetPTX;

    private Nvrtc()
    {
        var names = CudaNativeLibrary.NvrtcCandidates(CudaNativeLibrary.IsWindows, Environment.GetEnvironmentVariable);
        var lib = CudaNativeLibrary.Load("NVRTC (the CUDA runtime compiler)", names,
            $"Install the CUDA toolkit's NVRTC (or a PyTorch wheel's nvidia-cuda-nvrtc) or set {CudaNativeLibrary.NvrtcVariable} to the library file; " +
            "PiX then uses its composite path on CUDA.");
        const string L = "NVRTC";
        IntPtr E(string name) => CudaNativeLibrary.Export(lib, name, L);
        nvrtcVersion = (delegate* unmanaged<int*, int*, int>)E("nvrtcVersion");
        nvrtcGetErrorString = (delegate* unmanaged<int, byte*>)E("nvrtcGetErrorString");
        nvrtcCreateProgram = (delegate* unmanaged<IntPtr*, byte*, byte*, int, byte**, byte**, int>)E("nvrtcCreateProgram");
        nvrtcDestroyProgram = (delegate* unmanaged<IntPtr*, int>)E("nvrtcDestroyProgram");
        nvrtcCompileProgram = (delegate* unmanaged<IntPtr, int, byte**, int>)E("nvrtcCompileProgram");
        nvrtcGetProgramLogSize = (delegate* unmanaged<IntPtr, nuint*, int>)E("nvrtcGetProgramLogSize");
        nvrtcGetProgramLog = (delegate* unmanaged<IntPtr, byte*, int>)E("nvrtcGetProgramLog");
        nvrtcGetCUBINSize = (delegate* unmanaged<IntPtr, nuint*, int>)E("nvrtcGetCUBINSize");
        nvrtcGetCUBIN = (delegate* unmanaged<IntPtr, byte*, int>)E("nvrtcGetCUBIN");
        nvrtcGetPTXSize = (delegate* unmanaged<IntPtr, nuint*, int>)E("nvrtcGetPTXSize");
        nvrtcGetPTX = (delegate* unmanaged<IntPtr, byte*, int>)E("nvrtcGetPTX");
        int major, minor;
        Check(nvrtcVersion(&major, &minor), "nvrtcVersion", "(nvrtc)", "(version)");
        Version = $"{major}.{minor}";
    }

    /// <summary>NVRTC's version, "major.minor" (part of the cache key).</summary>
    public string Version { get; }

    private string ErrorString(int code)
    {
        var p = nvrtcGetErrorString(code);
        return p == null ? $"nvrtcResult {code}" : Marshal.PtrToStringUTF8((IntPtr)p) ?? $"nvrtcResult {code}";
    }

    private void Check(int code, string call, string layer, string kernel, string? log = null)
    {
        if (code != 0) throw new CudaException(layer, kernel, call, code, ErrorString(code), log);
    }

    /// <summary>
    /// Compiles <paramref name="source"/> for compute capability <paramref name="major"/>.<paramref name="minor"/>.
    /// Returns the image and whether it is PTX (false: CUBIN). A compile error is a <see cref="CudaException"/>
    /// with NVRTC's log.
    /// </summary>
    public (byte[] image, bool ptx) Compile(string source, int major, int minor, string layer, string kernel)
    {
        // NVRTC_ERROR_INVALID_OPTION (5): this NVRTC does not know sm_XY; fall back to PTX for compute_XY.
        var (image, code, log) = CompileOnce(source, $"--gpu-architecture=sm_{major}{minor}", cubin: true, layer, kernel);
        if (code == 5) {
            (image, code, log) = CompileOnce(source, $"--gpu-architecture=compute_{major}{minor}", cubin: false, layer, kernel);
            if (code == 0) return (image!, true);
        }
        Check(code, "nvrtcCompileProgram", layer, kernel, log);
        return (image!, false);
    }

    private (byte[]? image, int code, string log) CompileOnce(string source, string arch, bool cubin, string layer, string kernel)
    {
        IntPtr prog;
        var src = Encoding.UTF8.GetBytes(source + "\0");
        var name = Encoding.UTF8.GetBytes(kernel + ".cu\0");
        fixed (byte* s = src, n = name)
            Check(nvrtcCreateProgram(&prog, s, n, 0, null, null), "nvrtcCreateProgram", layer, kernel);
        try {
            var options = new[] { arch, "--std=c++17" };
            var handles = new GCHandle[options.Length];
            var ptrs = stackalloc byte*[options.Length];
            try {
                for (int i = 0; i < options.Length; i++) {
                    handles[i] = GCHandle.Alloc(Encoding.ASCII.GetBytes(options[i] + "\0"), GCHandleType.Pinned);
                    ptrs[i] = (byte*)handles[i].AddrOfPinnedObject();
                }
                int code = nvrtcCompileProgram(prog, options.Length, ptrs);
                string log = Log(prog, layer, kernel);
                if (code != 0) return (null, code, log);
            } finally {
                foreach (var h in handles) if (h.IsAllocated) h.Free();
            }
            nuint size;
            if (cubin) {
                Check(nvrtcGetCUBINSize(prog, &size), "nvrtcGetCUBINSize", layer, kernel);
                var image = new byte[(int)size];
                fixed (byte* p = image) Check(nvrtcGetCUBIN(prog, p), "nvrtcGetCUBIN", layer, kernel);
                return (image, 0, "");
            } else {
                Check(nvrtcGetPTXSize(prog, &size), "nvrtcGetPTXSize", layer, kernel);
                var image = new byte[(int)size];
                fixed (byte* p = image) Check(nvrtcGetPTX(prog, p), "nvrtcGetPTX", layer, kernel);
                return (image, 0, "");
            }
        } finally {
            nvrtcDestroyProgram(&prog);
        }
    }

    private string Log(IntPtr prog, string layer, string kernel)
    {
        nuint size;
        Check(nvrtcGetProgramLogSize(prog, &size), "nvrtcGetProgramLogSize", layer, kernel);
        if (size <= 1) return "";
        var buf = new byte[(int)size];
        fixed (byte* p = buf) Check(nvrtcGetProgramLog(prog, p), "nvrtcGetProgramLog", layer, kernel);
        return Encoding.UTF8.GetString(buf, 0, buf.Length - 1);
    }
}
