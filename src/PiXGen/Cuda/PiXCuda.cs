using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.InteropServices;
using PiXGen.PiX;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Cuda;

/// <summary>
/// The CUDA path of <see cref="PiXFunctional.pix"/>: generated code registers each PiX layer's emitted kernel
/// sources (<see cref="Register"/>), and <see cref="TryApply"/> runs them on CUDA tensors when the user opted in
/// (<see cref="EmittedKernels"/>) and <see cref="CudaDispatch.Choose"/> says so; otherwise it returns null and the caller takes its existing path.
/// The kernels run on libtorch's current stream, which in TorchSharp 0.107 is always the device's default stream
/// (it has no stream API), launched as the legacy default stream 0.
/// </summary>
public static class PiXCuda
{
    private sealed record Entry(string Layer, string Prefix, string Source);

    private static readonly ConcurrentDictionary<string, Entry> Sources = new(StringComparer.Ordinal);
    private static readonly Lazy<string?> Unavailable = new(Probe);

    [DllImport("LibTorchSharp")]
    private static extern IntPtr THSTensor_data(IntPtr tensor);

    /// <summary>The registry key: the constants the kernel is specialised on.</summary>
    public static string Key(long inChannels, int zeta, double tau, PiXMode mode, string dtype) =>
        string.Create(CultureInfo.InvariantCulture, $"{inChannels}/{zeta}/{tau:R}/{(int)mode}/{dtype}");

    /// <summary>
    /// Registers one layer's emitted source for one dtype (<c>f32</c>, <c>f16</c>, <c>bf16</c>). Layers with the
    /// same constants share the first registration's kernels.
    /// </summary>
    public static void Register(string layer, long inChannels, int zeta, double tau, PiXMode mode, string dtype, string prefix, string source) =>
        Sources.TryAdd(Key(inChannels, zeta, tau, mode, dtype), new Entry(layer, prefix, source));

    private static bool? emittedKernels;

    /// <summary>
    /// Whether <see cref="PiXImplementation.Auto"/> may run the compiler-emitted kernels on CUDA tensors. Off by default
    /// until a GPU run has validated them (docs/benchmarks/pix-gpu.md): CUDA tensors take the composite path. Opt in
    /// by setting this to true, or with <c>PIXGEN_CUDA_KERNELS=1</c> (<see cref="CudaDispatch.OptInVariable"/>), which
    /// is read when this is first needed and not set; setting it (or null, to go back to the variable) overrides.
    /// </summary>
    /// <exception cref="ArgumentException">Reading it when the variable holds a value other than those
    /// <see cref="CudaDispatch.ParseOptIn"/> accepts.</exception>
    public static bool EmittedKernels
    {
        get => emittedKernels ?? CudaDispatch.ParseOptIn(Environment.GetEnvironmentVariable(CudaDispatch.OptInVariable));
        set => emittedKernels = value;
    }

    /// <summary>Forgets a value set through <see cref="EmittedKernels"/>, so that the environment variable decides again.</summary>
    public static void ResetEmittedKernels() => emittedKernels = null;

    /// <summary>Why the fused CUDA path is off on this machine (no driver, no NVRTC), or null when it can run.</summary>
    public static string? UnavailableReason => Unavailable.Value;

    private static string? Probe()
    {
        try {
            _ = CudaDriver.Instance;
            _ = Nvrtc.Instance;
            return null;
        } catch (CudaLibraryNotFoundException e) {
            return e.Message;
        } catch (CudaException e) {
            return e.Message;
        } catch (EntryPointNotFoundException e) {
            return e.Message;
        }
    }

    /// <summary>The dispatch's view of a tensor's device and dtype.</summary>
    public static (PiXDevice device, PiXDType dtype) Describe(Tensor x) => (
        x.device_type switch { DeviceType.CPU => PiXDevice.Cpu, DeviceType.CUDA => PiXDevice.Cuda, _ => PiXDevice.Other },
        x.dtype switch {
            ScalarType.Float32 => PiXDType.Float32,
            ScalarType.Float64 => PiXDType.Float64,
            ScalarType.Float16 => PiXDType.Float16,
            ScalarType.BFloat16 => PiXDType.BFloat16,
            _ => PiXDType.Other,
        });

    private static string? Suffix(PiXDType dtype) => dtype switch {
        PiXDType.Float32 => "f32",
        PiXDType.Float16 => "f16",
        PiXDType.BFloat16 => "bf16",
        _ => null,
    };

    /// <summary>
    /// PiX on the emitted CUDA kernel when the dispatch chooses it, differentiable like <see cref="PiXFunctional.pix"/>;
    /// null otherwise. <paramref name="p"/> is (N, Co, 1, 1), same dtype and device as <paramref name="x"/>.
    /// </summary>
    public static Tensor? TryApply(Tensor x, Tensor p, int zeta, double tau, PiXMode mode)
    {
        var (device, dtype) = Describe(x);
        if (device != PiXDevice.Cuda || Suffix(dtype) is not { } suffix) return null;
        bool optedIn = EmittedKernels;
        bool registered = Sources.TryGetValue(Key(x.shape[1], zeta, tau, mode, suffix), out var entry);
        bool available = optedIn && registered && UnavailableReason is null;   // not opted in: no driver probe either
        if (CudaDispatch.Choose(device, x.is_contiguous(), dtype, available, optedIn) != PiXPath.CudaKernel) return null;
        var module = CudaKernelModule.Get(x.device_index, entry!.Layer, entry.Prefix, entry.Source);
        var pc = p.contiguous();
        return is_grad_enabled() && (x.requires_grad || p.requires_grad)
            ? PiXCudaFunction.apply(x, pc, module)
            : Forward(module, x, pc);
    }

    internal static ulong Data(Tensor t)
    {
        var ptr = THSTensor_data(t.Handle);
        if (ptr == IntPtr.Zero)
            throw new InvalidOperationException($"PiX CUDA: could not read the data pointer of a tensor of shape [{string.Join(", ", t.shape)}].");
        return (ulong)ptr;
    }

    internal static int ElementSize(Tensor t) => t.dtype == ScalarType.Float32 ? 4 : 2;

    internal static Tensor Forward(CudaKernelModule m, Tensor x, Tensor p)
    {
        long n = x.shape[0], co = p.shape[1], hw = x.shape[2] * x.shape[3];
        var y = empty(new[] { n, co, x.shape[2], x.shape[3] }, dtype: x.dtype, device: x.device);
        PiXCudaLaunch.Forward(m, Data(x), Data(p), Data(y), n, co, hw, ElementSize(x));
        GC.KeepAlive(x); GC.KeepAlive(p);
        return y;
    }

    /// <summary>The autograd function: forward and the official backward on the emitted kernels.</summary>
    private sealed class PiXCudaFunction : autograd.SingleTensorFunction<PiXCudaFunction>
    {
        private const string KeyModule = "module", KeyNeedX = "needX", KeyNeedP = "needP";

        public override string Name => "PiXCudaBackward";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var x = (Tensor)vars[0];
            var p = (Tensor)vars[1];
            var m = (CudaKernelModule)vars[2];
            ctx.save_for_backward(new List<Tensor> { x, p });
            ctx.save_data(KeyModule, m);
            ctx.save_data(KeyNeedX, x.requires_grad);
            ctx.save_data(KeyNeedP, p.requires_grad);
            return PiXCuda.Forward(m, x, p);
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
        {
            using var scope = NewDisposeScope();
            var saved = ctx.get_saved_variables();
            var x = saved[0];
            var p = saved[1];
            var m = (CudaKernelModule)ctx.get_data(KeyModule);
            bool needX = (bool)ctx.get_data(KeyNeedX), needP = (bool)ctx.get_data(KeyNeedP);
            var g = grad_output.contiguous();
            long n = x.shape[0], co = p.shape[1], hw = x.shape[2] * x.shape[3];
            var dx = needX ? empty(x.shape, dtype: x.dtype, device: x.device) : null;
            var dp = needP ? empty(p.shape, dtype: p.dtype, device: p.device) : null;
            PiXCudaLaunch.Backward(m, Data(x), Data(p), Data(g), dx is null ? 0 : Data(dx), dp is null ? 0 : Data(dp),
                                   n, co, hw, ElementSize(x));
            GC.KeepAlive(g);
            dx?.MoveToOuterDisposeScope();
            dp?.MoveToOuterDisposeScope();
            return new List<Tensor> { dx!, dp!, null! };
        }
    }
}
