using System;

namespace PiXGen.Cuda;

/// <summary>Where a PiX call runs.</summary>
public enum PiXPath
{
    /// <summary>The fused CPU kernel (CPU float32/float64).</summary>
    CpuKernel,
    /// <summary>The composite tensor operations (any device and floating dtype).</summary>
    Composite,
    /// <summary>The compiler-emitted CUDA kernel (NVRTC-compiled, launched through the driver API).</summary>
    CudaKernel,
}

/// <summary>The device kinds the dispatch distinguishes.</summary>
public enum PiXDevice
{
    /// <summary>The CPU.</summary>
    Cpu,
    /// <summary>A CUDA device.</summary>
    Cuda,
    /// <summary>Anything else (MPS, …).</summary>
    Other,
}

/// <summary>The storage dtypes the dispatch distinguishes.</summary>
public enum PiXDType
{
    /// <summary>float32.</summary>
    Float32,
    /// <summary>float64.</summary>
    Float64,
    /// <summary>float16.</summary>
    Float16,
    /// <summary>bfloat16.</summary>
    BFloat16,
    /// <summary>Any other dtype.</summary>
    Other,
}

/// <summary>The dispatch rule of <see cref="PiX.PiXImplementation.Auto"/>, as a pure function.</summary>
public static class CudaDispatch
{
    /// <summary>
    /// The environment variable that opts in to the compiler-emitted CUDA kernels: <c>1</c>, <c>true</c> or
    /// <c>on</c> opts in; unset, empty, <c>0</c>, <c>false</c> or <c>off</c> keeps the composite path. Until a GPU run
    /// has validated the kernels (docs/benchmarks/pix-gpu.md), they are off by default.
    /// </summary>
    public const string OptInVariable = "PIXGEN_CUDA_KERNELS";

    /// <summary>
    /// CUDA + opted in (<see cref="OptInVariable"/> or <see cref="PiXCuda.EmittedKernels"/>) + contiguous x +
    /// float32/float16/bfloat16 + kernels available (emitted for this layer's constants, and the driver and NVRTC
    /// loadable) → <see cref="PiXPath.CudaKernel"/>; CPU float32/float64 → <see cref="PiXPath.CpuKernel"/> (any
    /// layout: it is made contiguous); everything else → <see cref="PiXPath.Composite"/>.
    /// </summary>
    public static PiXPath Choose(PiXDevice device, bool contiguous, PiXDType dtype, bool kernelsAvailable, bool optedIn) => device switch {
        PiXDevice.Cuda when optedIn && contiguous && kernelsAvailable
                            && dtype is PiXDType.Float32 or PiXDType.Float16 or PiXDType.BFloat16 => PiXPath.CudaKernel,
        PiXDevice.Cpu when dtype is PiXDType.Float32 or PiXDType.Float64 => PiXPath.CpuKernel,
        _ => PiXPath.Composite,
    };

    /// <summary>
    /// Reads a value of <see cref="OptInVariable"/>: true for <c>1</c>/<c>true</c>/<c>on</c>, false for null, empty,
    /// <c>0</c>/<c>false</c>/<c>off</c> (any case, surrounding blanks ignored).
    /// </summary>
    /// <exception cref="ArgumentException">Any other value, named with the variable, so that a typo never silently
    /// leaves the kernels on or off.</exception>
    public static bool ParseOptIn(string? value)
    {
        var v = value?.Trim().ToLowerInvariant();
        return v switch {
            null or "" or "0" or "false" or "off" => false,
            "1" or "true" or "on" => true,
            _ => throw new ArgumentException(
                $"{OptInVariable}='{value}' is not a recognised value: use 1 (or true, on) to run the emitted PiX CUDA kernels, " +
                "0 (or false, off, or unset) for the composite path.", nameof(value)),
        };
    }
}
