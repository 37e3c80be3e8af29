namespace PiXGen.PiX;

/// <summary>How PiX reduces each group of <c>ζ</c> input channels to one output channel.</summary>
public enum PiXMode
{
    /// <summary>
    /// The operator of the paper and the official code (default): per (sample, output channel), <c>p &lt; τ</c>
    /// picks the per-pixel maximum of the group, otherwise it mixes the group by its mean. Both are scaled by <c>p</c>.
    /// </summary>
    PickOrMix = 0,

    /// <summary>Ablation "Avg-only" (paper Table 1): always the group mean, scaled by <c>p</c>.</summary>
    AvgOnly = 1,

    /// <summary>Ablation "Max-only" (paper Table 1): always the per-pixel group maximum, scaled by <c>p</c>.</summary>
    MaxOnly = 2,
}

/// <summary>The global context <c>z</c> from which <see cref="PiXLayer"/> computes the sampling probability <c>p</c>.</summary>
public enum PiXContext
{
    /// <summary>Spatial mean of each channel (global average pooling), as the official code does (default).</summary>
    Mean = 0,

    /// <summary>The l1 norm of each channel over H and W (<c>Σ|x|</c>), as the paper's text describes.</summary>
    L1 = 1,
}

/// <summary>Which implementation of the operator <see cref="PiXFunctional.pix"/> runs.</summary>
public enum PiXImplementation
{
    /// <summary>
    /// The fused CPU kernel for CPU float32/float64 tensors (non-contiguous inputs are made contiguous first),
    /// <see cref="Composite"/> for every other dtype and device. On CUDA, the compiler-emitted kernels run instead
    /// only when the user opted in (<c>PIXGEN_CUDA_KERNELS=1</c> or <see cref="Cuda.PiXCuda.EmittedKernels"/>; see
    /// <see cref="Cuda.CudaDispatch.Choose"/>): they are not validated on a GPU yet.
    /// </summary>
    Auto = 0,

    /// <summary>
    /// The fused CPU kernel (one pass over the input, vectorised, parallel), forward and backward. CPU float32 and
    /// float64 only; anything else is an <see cref="System.ArgumentException"/>.
    /// </summary>
    Fused = 1,

    /// <summary>
    /// TorchSharp tensor operations for the forward and for the official kernel's backward, wrapped in a custom
    /// autograd function. Works for every floating dtype and device. Gradients are identical to <see cref="Fused"/>.
    /// </summary>
    Composite = 2,

    /// <summary>
    /// The reference: TorchSharp tensor operations differentiated by TorchSharp's own autograd. Same forward as
    /// <see cref="Composite"/>; the backward differs only at exact ties in the maximum, where <c>amax</c> splits the
    /// gradient evenly between the tied channels instead of sending it all to the first.
    /// </summary>
    CompositeAutograd = 3,
}
