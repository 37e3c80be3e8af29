using System;

namespace PiXGen.Cuda;

/// <summary>
/// Launches the emitted PiX kernels on raw device pointers with the geometry the emitter documents
/// (<c>generators/PiXGen.Generators/Emit/CudaKernelEmitter.cs</c>; the block sizes here must equal its constants,
/// which a test checks). Every launch first makes the module's device context current on the calling thread (the
/// autograd engine runs backward on its own threads) and goes to the legacy default stream 0, the stream libtorch
/// uses when no other is set (TorchSharp 0.107 has no stream API).
/// Tensors are contiguous NCHW; <c>p</c> and <c>dp</c> are (N, Co).
/// </summary>
public static unsafe class PiXCudaLaunch
{
    /// <summary>Threads per block of <c>_fwd</c>/<c>_inf</c>.</summary>
    public const int ForwardBlock = 128;
    /// <summary>Threads per block of <c>_bwd</c>.</summary>
    public const int BackwardBlock = 256;
    /// <summary>Threads per block of <c>_ctx</c>.</summary>
    public const int ContextBlock = 256;
    /// <summary>Threads per block of <c>_gate</c>.</summary>
    public const int GateBlock = 128;

    /// <summary>Elements per 16-byte load.</summary>
    public static int VectorWidth(int elementSize) => 16 / elementSize;

    /// <summary>Whether the 16-byte path is allowed: HW a multiple of the vector width and every pointer 16-byte
    /// aligned (then every channel plane is). Null pointers (unused outputs) do not count.</summary>
    public static bool CanVectorize(long hw, int elementSize, params ulong[] pointers)
    {
        if (hw % VectorWidth(elementSize) != 0) return false;
        foreach (var p in pointers) if (p % 16 != 0) return false;
        return true;
    }

    /// <summary>The forward grid: (N·Co, ⌈⌈HW/V⌉/<see cref="ForwardBlock"/>⌉), checked against CUDA's limits.</summary>
    public static (uint x, uint y) ForwardGrid(long items, long hw, int elementSize)
    {
        long v = VectorWidth(elementSize);
        long y = ((hw + v - 1) / v + ForwardBlock - 1) / ForwardBlock;
        return (GridX(items), GridY(y, hw));
    }

    private static uint GridX(long items)
    {
        if (items < 1 || items > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(items), items, "PiX CUDA: N·channels must be between 1 and 2^31 − 1.");
        return (uint)items;
    }

    private static uint GridY(long y, long hw)
    {
        if (y > 65535)
            throw new ArgumentOutOfRangeException(nameof(hw), hw, "PiX CUDA: H·W is too large for the forward grid (more than 65535 blocks per plane).");
        return (uint)Math.Max(1, y);
    }

    /// <summary>Forward: y = PiX(x, p).</summary>
    public static void Forward(CudaKernelModule m, ulong x, ulong p, ulong y, long n, long co, long hw, int elementSize)
    {
        if (n * co * hw == 0) return;
        int vec = CanVectorize(hw, elementSize, x, y) ? 1 : 0;
        void** args = stackalloc void*[5];
        args[0] = &x; args[1] = &p; args[2] = &y; args[3] = &hw; args[4] = &vec;
        Run(m, "fwd", ForwardGrid(n * co, hw, elementSize), ForwardBlock, args);
    }

    /// <summary>Inference forward with the epilogue; <paramref name="scale"/>/<paramref name="shift"/> (float32, Co)
    /// are passed only when the kernel was emitted with a BatchNorm (<paramref name="batchNorm"/>).</summary>
    public static void Inference(CudaKernelModule m, ulong x, ulong p, ulong y, bool batchNorm, ulong scale, ulong shift,
                                 long n, long co, long hw, int elementSize)
    {
        if (n * co * hw == 0) return;
        int vec = CanVectorize(hw, elementSize, x, y) ? 1 : 0;
        void** args = stackalloc void*[7];
        int i = 0;
        args[i++] = &x; args[i++] = &p; args[i++] = &y;
        if (batchNorm) { args[i++] = &scale; args[i++] = &shift; }
        args[i++] = &hw; args[i++] = &vec;
        Run(m, "inf", ForwardGrid(n * co, hw, elementSize), ForwardBlock, args);
    }

    /// <summary>Backward: dX (0 = not needed) and dp (0 = not needed) from x, p and the output gradient g.</summary>
    public static void Backward(CudaKernelModule m, ulong x, ulong p, ulong g, ulong dx, ulong dp, long n, long co, long hw, int elementSize)
    {
        if (n * co == 0) return;
        int vec = CanVectorize(hw, elementSize, x, g, dx) ? 1 : 0;
        void** args = stackalloc void*[7];
        args[0] = &x; args[1] = &p; args[2] = &g; args[3] = &dx; args[4] = &dp; args[5] = &hw; args[6] = &vec;
        Run(m, "bwd", (GridX(n * co), 1), BackwardBlock, args);
    }

    /// <summary>Context z (float32, N·C): spatial mean or l1 norm of each channel.</summary>
    public static void Context(CudaKernelModule m, ulong x, ulong z, long n, long c, long hw, int elementSize)
    {
        if (n * c == 0) return;
        int vec = CanVectorize(hw, elementSize, x) ? 1 : 0;
        void** args = stackalloc void*[4];
        args[0] = &x; args[1] = &z; args[2] = &hw; args[3] = &vec;
        Run(m, "ctx", (GridX(n * c), 1), ContextBlock, args);
    }

    /// <summary>Gate p = sigmoid(W·z + b) (b = 0: no bias).</summary>
    public static void Gate(CudaKernelModule m, ulong z, ulong w, ulong b, ulong p, long n)
    {
        if (n == 0) return;
        void** args = stackalloc void*[4];
        args[0] = &z; args[1] = &w; args[2] = &b; args[3] = &p;
        Run(m, "gate", (GridX(n), 1), GateBlock, args);
    }

    private static void Run(CudaKernelModule m, string kind, (uint x, uint y) grid, int block, void** args)
    {
        var driver = CudaDriver.Instance;
        driver.MakeCurrent(m.Device);
        driver.Launch(m.Function(kind), grid, (uint)block, IntPtr.Zero, args, m.Layer, m.Prefix + "_" + kind);
    }
}
