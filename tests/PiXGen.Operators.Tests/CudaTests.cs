using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using PiXGen.Cuda;
using PiXGen.PiX;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Operators.Tests;

/// <summary>
/// The CUDA runtime's parts that need no GPU: the dispatch rule, the library search and its error, the kernel
/// cache's key, folder and lookup order, error messages and launch geometry. None of these runs a kernel; the
/// kernels' numbers are checked by the device harness (device/README.md) and, on the host, by the emulation test
/// in PiXGen.Generators.Tests.
/// </summary>
public class CudaTests
{
    [Theory]
    [InlineData(PiXDevice.Cuda, true, PiXDType.Float32, true, true, PiXPath.CudaKernel)]
    [InlineData(PiXDevice.Cuda, true, PiXDType.Float16, true, true, PiXPath.CudaKernel)]
    [InlineData(PiXDevice.Cuda, true, PiXDType.BFloat16, true, true, PiXPath.CudaKernel)]
    [InlineData(PiXDevice.Cuda, true, PiXDType.Float32, true, false, PiXPath.Composite)]    // not opted in: the default
    [InlineData(PiXDevice.Cuda, true, PiXDType.Float16, true, false, PiXPath.Composite)]
    [InlineData(PiXDevice.Cuda, true, PiXDType.BFloat16, true, false, PiXPath.Composite)]
    [InlineData(PiXDevice.Cuda, false, PiXDType.Float32, true, true, PiXPath.Composite)]     // not contiguous
    [InlineData(PiXDevice.Cuda, true, PiXDType.Float64, true, true, PiXPath.Composite)]     // no float64 kernel
    [InlineData(PiXDevice.Cuda, true, PiXDType.Other, true, true, PiXPath.Composite)]
    [InlineData(PiXDevice.Cuda, true, PiXDType.Float32, false, true, PiXPath.Composite)]    // no kernels, driver or NVRTC
    [InlineData(PiXDevice.Cpu, true, PiXDType.Float32, true, false, PiXPath.CpuKernel)]    // the opt-in is CUDA's only
    [InlineData(PiXDevice.Cpu, false, PiXDType.Float64, false, true, PiXPath.CpuKernel)]    // made contiguous by the CPU path
    [InlineData(PiXDevice.Cpu, true, PiXDType.Float16, true, true, PiXPath.Composite)]
    [InlineData(PiXDevice.Cpu, true, PiXDType.BFloat16, true, false, PiXPath.Composite)]
    [InlineData(PiXDevice.Other, true, PiXDType.Float32, true, true, PiXPath.Composite)]
    public void Dispatch_ChoosesThePath(PiXDevice device, bool contiguous, PiXDType dtype, bool available, bool optedIn, PiXPath expected) =>
        Assert.Equal(expected, CudaDispatch.Choose(device, contiguous, dtype, available, optedIn));

    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("0", false)]
    [InlineData("off", false)]
    [InlineData(" False ", false)]
    [InlineData("1", true)]
    [InlineData("on", true)]
    [InlineData("TRUE", true)]
    public void OptIn_ReadsTheVariable(string? value, bool expected) => Assert.Equal(expected, CudaDispatch.ParseOptIn(value));

    [Theory]
    [InlineData("yes")]
    [InlineData("2")]
    [InlineData("kernels")]
    public void OptIn_RefusesOtherValues_NamingTheVariable(string value)
    {
        var e = Assert.Throws<ArgumentException>(() => CudaDispatch.ParseOptIn(value));
        Assert.Contains("PIXGEN_CUDA_KERNELS", e.Message);
        Assert.Contains($"'{value}'", e.Message);
    }

    [Fact]
    public void EmittedKernels_AreOffByDefault_AndAPropertyOverridesTheVariable()
    {
        // The default (no variable) is the composite path; CI and a user's machine have no PIXGEN_CUDA_KERNELS.
        if (Environment.GetEnvironmentVariable(CudaDispatch.OptInVariable) is null)
            Assert.False(PiXCuda.EmittedKernels);
        try {
            PiXCuda.EmittedKernels = true;
            Assert.True(PiXCuda.EmittedKernels);
            PiXCuda.EmittedKernels = false;
            Assert.False(PiXCuda.EmittedKernels);
        } finally {
            PiXCuda.ResetEmittedKernels();
        }
        Assert.Equal(CudaDispatch.ParseOptIn(Environment.GetEnvironmentVariable(CudaDispatch.OptInVariable)), PiXCuda.EmittedKernels);
    }

    [Fact]
    public void Describe_MapsTorchDevicesAndDtypes()
    {
        using var scope = NewDisposeScope();
        Assert.Equal((PiXDevice.Cpu, PiXDType.Float32), PiXCuda.Describe(zeros(1)));
        Assert.Equal((PiXDevice.Cpu, PiXDType.BFloat16), PiXCuda.Describe(zeros(1, ScalarType.BFloat16)));
        Assert.Equal((PiXDevice.Cpu, PiXDType.Float16), PiXCuda.Describe(zeros(1, ScalarType.Float16)));
        Assert.Equal((PiXDevice.Cpu, PiXDType.Float64), PiXCuda.Describe(zeros(1, ScalarType.Float64)));
        Assert.Equal((PiXDevice.Cpu, PiXDType.Other), PiXCuda.Describe(zeros(1, ScalarType.Int32)));
    }

    [Fact]
    public void TryApply_OnCpuTensors_LeavesThePathToTheCaller()
    {
        using var scope = NewDisposeScope();
        var x = randn(2, 8, 3, 3);
        var p = rand(2, 2, 1, 1);
        PiXCuda.Register("test.layer", 8, 4, 0.5, PiXMode.PickOrMix, "f32", "pix_test_layer_f32", "// never compiled on a CPU tensor");
        Assert.Null(PiXCuda.TryApply(x, p, 4, 0.5, PiXMode.PickOrMix));
    }

    [Fact]
    public void RegistryKey_IsTheLayerConstants()
    {
        Assert.Equal("256/4/0.5/0/f32", PiXCuda.Key(256, 4, 0.5, PiXMode.PickOrMix, "f32"));
        Assert.NotEqual(PiXCuda.Key(256, 4, 0.5, PiXMode.PickOrMix, "f32"), PiXCuda.Key(256, 4, 0.5, PiXMode.PickOrMix, "bf16"));
        Assert.NotEqual(PiXCuda.Key(256, 4, 0.5, PiXMode.PickOrMix, "f32"), PiXCuda.Key(256, 4, 0.3, PiXMode.PickOrMix, "f32"));
        Assert.NotEqual(PiXCuda.Key(256, 4, 0.5, PiXMode.PickOrMix, "f32"), PiXCuda.Key(256, 4, 0.5, PiXMode.MaxOnly, "f32"));
    }

    private static Func<string, string?> Env(params (string name, string value)[] vars) =>
        name => vars.FirstOrDefault(v => v.name == name).value;

    [Fact]
    public void NvrtcCandidates_Linux_VersionedNamesThenCudaFolders()
    {
        var names = CudaNativeLibrary.NvrtcCandidates(false, Env(("CUDA_HOME", "/opt/cuda")));
        Assert.Equal(new[] { "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so" }, names.Take(4));
        Assert.Contains(Path.Combine("/opt/cuda", "lib64", "libnvrtc.so.13"), names);
        Assert.Contains(Path.Combine("/usr/local/cuda/lib64", "libnvrtc.so.12"), names);
        var overridden = CudaNativeLibrary.NvrtcCandidates(false, Env((CudaNativeLibrary.NvrtcVariable, "/x/libnvrtc.so.13.0")));
        Assert.Equal("/x/libnvrtc.so.13.0", overridden[0]);
    }

    [Fact]
    public void NvrtcCandidates_Windows_DllNamesAndCudaPath()
    {
        var names = CudaNativeLibrary.NvrtcCandidates(true, Env(("CUDA_PATH", @"C:\CUDA\v13.0")));
        Assert.Equal("nvrtc64_130_0.dll", names[0]);
        Assert.Equal("nvrtc64_120_0.dll", names[1]);
        Assert.Contains(Path.Combine(@"C:\CUDA\v13.0", "bin", "nvrtc64_120_0.dll"), names);
        Assert.DoesNotContain(names, n => n.Contains("/usr/local", StringComparison.Ordinal));
    }

    [Fact]
    public void DriverCandidates_PerPlatform()
    {
        Assert.Equal(new[] { "libcuda.so.1", "libcuda.so" }, CudaNativeLibrary.DriverCandidates(false, Env()));
        Assert.Equal(new[] { "nvcuda.dll" }, CudaNativeLibrary.DriverCandidates(true, Env()));
        Assert.Equal(new[] { "/drv/libcuda.so.1", "nvcuda.dll" },
                     CudaNativeLibrary.DriverCandidates(true, Env((CudaNativeLibrary.DriverVariable, "/drv/libcuda.so.1"))));
    }

    [Fact]
    public void Loader_WhenNothingLoads_NamesEveryCandidate()
    {
        var tried = new[] { "libpixgen-no-such-nvrtc.so.99", "/nonexistent/libnvrtc.so" };
        var ex = Assert.Throws<CudaLibraryNotFoundException>(() => CudaNativeLibrary.Load("NVRTC (the CUDA runtime compiler)", tried, "Set PIXGEN_NVRTC."));
        Assert.Equal(tried, ex.Tried);
        Assert.Contains("NVRTC (the CUDA runtime compiler) could not be loaded; tried: libpixgen-no-such-nvrtc.so.99, /nonexistent/libnvrtc.so.", ex.Message);
        Assert.Contains("Set PIXGEN_NVRTC.", ex.Message);
    }

    [Fact]
    public void MachineWithoutCuda_ReportsWhyTheFusedPathIsOff()
    {
        // On a machine with a driver and NVRTC this only checks that the probe agrees with the libraries.
        string? reason = PiXCuda.UnavailableReason;
        bool driverLoads = CudaNativeLibrary.DriverCandidates(OperatingSystem.IsWindows(), Environment.GetEnvironmentVariable)
            .Any(n => System.Runtime.InteropServices.NativeLibrary.TryLoad(n, out _));
        if (!driverLoads) {
            Assert.NotNull(reason);
            Assert.Contains("the CUDA driver could not be loaded; tried: ", reason);
            Assert.Contains(OperatingSystem.IsWindows() ? "nvcuda.dll" : "libcuda.so.1", reason);
            var ex = Assert.Throws<CudaLibraryNotFoundException>(() => CudaDriver.Instance);
            Assert.Contains(OperatingSystem.IsWindows() ? "nvcuda.dll" : "libcuda.so.1", ex.Tried);
        }
    }

    [Fact]
    public void CacheKey_HashesSourceArchitectureAndNvrtcVersion()
    {
        var key = CudaKernelCache.Key("src", "sm_90", "13.0");
        Assert.Matches("^[0-9a-f]{64}$", key);
        Assert.Equal(key, CudaKernelCache.Key("src", "sm_90", "13.0"));
        Assert.NotEqual(key, CudaKernelCache.Key("src ", "sm_90", "13.0"));
        Assert.NotEqual(key, CudaKernelCache.Key("src", "sm_100", "13.0"));
        Assert.NotEqual(key, CudaKernelCache.Key("src", "sm_90", "12.8"));
        // An independent SHA-256 of the documented text.
        var expected = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData("sm_90\n13.0\nsrc"u8.ToArray())).ToLowerInvariant();
        Assert.Equal(expected, key);
    }

    [Fact]
    public void CacheFolder_DefaultOverrideAndOff()
    {
        Assert.Equal(Path.Combine("/home/u/.local/share", "PiXGen", "cuda-cache"), CudaKernelCache.Folder(Env(), "/home/u/.local/share"));
        Assert.Equal("/tmp/k", CudaKernelCache.Folder(Env((CudaKernelCache.DirectoryVariable, "/tmp/k")), "/home/u/.local/share"));
        Assert.Null(CudaKernelCache.Folder(Env((CudaKernelCache.DirectoryVariable, "off")), "/home/u/.local/share"));
        Assert.Null(CudaKernelCache.Folder(Env(), ""));
        Assert.Equal(Path.Combine("/c", "k.cubin"), CudaKernelCache.FilePath("/c", "k", false));
        Assert.Equal(Path.Combine("/c", "k.ptx"), CudaKernelCache.FilePath("/c", "k", true));
    }

    [Fact]
    public void Cache_CompilesOnce_ThenServesFromMemory_AndReadsTheDisk()
    {
        var folder = Path.Combine(Path.GetTempPath(), "pixgen-cuda-cache-" + Guid.NewGuid().ToString("N"));
        try {
            var key = CudaKernelCache.Key(Guid.NewGuid().ToString(), "sm_90", "test");
            int compiles = 0;
            (byte[], bool) Compile() { compiles++; return (new byte[] { 1, 2, 3 }, false); }
            var first = CudaKernelCache.GetOrCompile(key, folder, Compile);
            Assert.Equal("nvrtc", first.origin);
            Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(CudaKernelCache.FilePath(folder, key, false)));
            var second = CudaKernelCache.GetOrCompile(key, folder, Compile);
            Assert.Equal("memory", second.origin);
            Assert.Equal(1, compiles);

            // Another process's image on disk (PTX here) is used without compiling.
            var other = CudaKernelCache.Key(Guid.NewGuid().ToString(), "sm_90", "test");
            File.WriteAllBytes(CudaKernelCache.FilePath(folder, other, true), new byte[] { 7 });
            var fromDisk = CudaKernelCache.GetOrCompile(other, folder, () => throw new InvalidOperationException("must not compile"));
            Assert.Equal(("disk", true), (fromDisk.origin, fromDisk.ptx));
            Assert.Equal(new byte[] { 7 }, fromDisk.image);
            Assert.Empty(Directory.GetFiles(folder, "*.tmp"));
        } finally {
            if (Directory.Exists(folder)) Directory.Delete(folder, true);
        }
    }

    [Fact]
    public void CudaException_NamesLayerKernelCallAndError()
    {
        var ex = new CudaException("layer1.0.conv1", "pix_layer1_0_conv1_f32", "nvrtcCompileProgram", 6, "NVRTC_ERROR_COMPILATION",
                                   "kernel.cu(3): error: identifier \"x\" is undefined\n");
        Assert.Equal("PiX CUDA kernel 'pix_layer1_0_conv1_f32' of layer 'layer1.0.conv1': nvrtcCompileProgram failed with 6 (NVRTC_ERROR_COMPILATION).\n" +
                     "NVRTC log:\nkernel.cu(3): error: identifier \"x\" is undefined", ex.Message);
    }

    [Theory]
    [InlineData(4096, 3136, 4, 4096u, 7u)]     // N=64, Co=64, 56×56, float32: 784 vectors of 4 → 7 blocks of 128
    [InlineData(4096, 3136, 2, 4096u, 4u)]     // float16: 392 vectors of 8 → 4 blocks
    [InlineData(10, 35, 4, 10u, 1u)]
    [InlineData(3, 1, 2, 3u, 1u)]
    public void ForwardGrid_CoversEveryPixel(long items, long hw, int elementSize, uint gx, uint gy)
    {
        var grid = PiXCudaLaunch.ForwardGrid(items, hw, elementSize);
        Assert.Equal((gx, gy), grid);
        long v = PiXCudaLaunch.VectorWidth(elementSize);
        Assert.True(grid.y * (long)PiXCudaLaunch.ForwardBlock * v >= hw);
        Assert.True((grid.y - 1) * (long)PiXCudaLaunch.ForwardBlock * v < hw);
    }

    [Fact]
    public void ForwardGrid_TooLarge_IsAClearError()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => PiXCudaLaunch.ForwardGrid(1, 65536L * 128 * 4 + 1, 4));
        Assert.Contains("H·W is too large", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => PiXCudaLaunch.ForwardGrid(1L << 31, 16, 4));
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PiXGen.sln"))) return dir.FullName;
        throw new InvalidOperationException("PiXGen.sln not found above " + AppContext.BaseDirectory);
    }

    private static (int exit, string output) Msbuild(string args)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var psi = new System.Diagnostics.ProcessStartInfo(dotnet, "msbuild -nologo " + args) {
            WorkingDirectory = RepoRoot(), RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var proc = System.Diagnostics.Process.Start(psi)!;
        var err = proc.StandardError.ReadToEndAsync();
        var output = proc.StandardOutput.ReadToEnd();
        proc.WaitForExit();
        return (proc.ExitCode, output + err.Result);
    }

    [Theory]
    [InlineData("cpu", "TorchSharp-cpu")]
    [InlineData("cuda-linux", "TorchSharp-cuda-linux")]
    [InlineData("cuda-windows", "TorchSharp-cuda-windows")]
    public void Backend_SelectsTheTorchSharpPackage(string backend, string package)
    {
        // Evaluation only (no restore): which TorchSharp package src/PiXGen references, at which central version.
        var (exit, output) = Msbuild($"src/PiXGen/PiXGen.csproj -getItem:PackageReference -getItem:PackageVersion -p:PiXGenTorchBackend={backend}");
        Assert.True(exit == 0, output);
        using var doc = System.Text.Json.JsonDocument.Parse(output);
        var items = doc.RootElement.GetProperty("Items");
        var refs = items.GetProperty("PackageReference").EnumerateArray().Select(e => e.GetProperty("Identity").GetString()).ToList();
        Assert.Contains(package, refs);
        // The managed TorchSharp package and exactly one native backend package.
        Assert.Contains("TorchSharp", refs);
        Assert.Single(refs, r => r!.StartsWith("TorchSharp-", StringComparison.Ordinal));
        var version = items.GetProperty("PackageVersion").EnumerateArray()
            .Single(e => e.GetProperty("Identity").GetString() == package).GetProperty("Version").GetString();
        Assert.Equal("0.107.0", version);
    }

    [Fact]
    public void Backend_Unknown_IsPIXB001()
    {
        var (exit, output) = Msbuild("src/PiXGen/PiXGen.csproj -t:PiXGenCheckBackend -p:PiXGenTorchBackend=rocm");
        Assert.NotEqual(0, exit);
        Assert.Contains("error PIXB001: PiXGenTorchBackend='rocm' is not a TorchSharp backend PiXGen knows. Valid values: cpu (default), cuda-linux, cuda-windows.", output);
    }

    [Fact]
    public void Vectorize_NeedsWholeVectorsAndAlignedPointers()
    {
        Assert.True(PiXCudaLaunch.CanVectorize(3136, 4, 0x1000, 0x2000, 0));
        Assert.False(PiXCudaLaunch.CanVectorize(3135, 4, 0x1000));
        Assert.True(PiXCudaLaunch.CanVectorize(3136, 2, 0x1000));          // 392 vectors of 8
        Assert.False(PiXCudaLaunch.CanVectorize(3132, 2, 0x1000));         // a multiple of 4, not of 8
        Assert.False(PiXCudaLaunch.CanVectorize(3136, 4, 0x1004));
    }
}
