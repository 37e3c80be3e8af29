using System;

namespace PiXGen.Cuda;

/// <summary>A CUDA driver or NVRTC call failed: the message names the layer, the kernel, the call and the error
/// string (and, for a compile error, NVRTC's log).</summary>
public sealed class CudaException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CudaException(string layer, string kernel, string call, int code, string error, string? log = null)
        : base($"PiX CUDA kernel '{kernel}' of layer '{layer}': {call} failed with {code} ({error})." +
               (string.IsNullOrWhiteSpace(log) ? "" : "\nNVRTC log:\n" + log!.TrimEnd()))
    {
        Layer = layer;
        Kernel = kernel;
        Call = call;
        Code = code;
        Error = error;
        Log = log;
    }

    /// <summary>The PiX layer whose kernel failed.</summary>
    public string Layer { get; }
    /// <summary>The kernel (entry point or module prefix).</summary>
    public string Kernel { get; }
    /// <summary>The driver or NVRTC function that failed.</summary>
    public string Call { get; }
    /// <summary>Its CUresult or nvrtcResult.</summary>
    public int Code { get; }
    /// <summary>cuGetErrorName/cuGetErrorString or nvrtcGetErrorString.</summary>
    public string Error { get; }
    /// <summary>NVRTC's compile log, when there is one.</summary>
    public string? Log { get; }
}
