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
    /// CUDA + contiguous x + float32/float16/bfloat16 + kernels available (emitted for this layer's constants, and
    /// the driver and NVRTC loadable) → <see cref="PiXPath.CudaKernel"/>; CPU float32/float64 →
    /// <see cref="PiXPath.CpuKernel"/> (any layout: it is made contiguous); everything else →
    /// <see cref="PiXPath.Composite"/>.
    /// </summary>
    public static PiXPath Choose(PiXDevice device, bool contiguous, PiXDType dtype, bool kernelsAvailable) => device switch {
        PiXDevice.Cuda when contiguous && kernelsAvailable
                            && dtype is PiXDType.Float32 or PiXDType.Float16 or PiXDType.BFloat16 => PiXPath.CudaKernel,
        PiXDevice.Cpu when dtype is PiXDType.Float32 or PiXDType.Float64 => PiXPath.CpuKernel,
        _ => PiXPath.Composite,
    };
}
