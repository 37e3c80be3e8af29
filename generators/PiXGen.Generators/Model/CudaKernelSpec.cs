namespace PiXGen.Generators.Model;

/// <summary>Storage type of a PiX CUDA kernel's tensors (arithmetic is always float32).</summary>
public enum CudaDType
{
    Float32 = 0,
    Float16 = 1,
    BFloat16 = 2,
}

/// <summary>PiX's reduction mode, with the values of <c>PiXGen.PiX.PiXMode</c>.</summary>
public enum CudaPiXMode
{
    PickOrMix = 0,
    AvgOnly = 1,
    MaxOnly = 2,
}

/// <summary>φ's global context, with the values of <c>PiXGen.PiX.PiXContext</c>.</summary>
public enum CudaPiXContext
{
    Mean = 0,
    L1 = 1,
}

/// <summary>The activation applied in the inference kernel's epilogue.</summary>
public enum CudaActivation
{
    None = 0,
    ReLU = 1,
    ReLU6 = 2,
    SiLU = 3,
}

/// <summary>
/// The inference epilogue: y ← act(scale[c]·y + shift[c]) when <paramref name="BatchNorm"/> (the BatchNorm that
/// follows PiX, folded to per-channel float32 scale = γ/√(var+ε) and shift = β − mean·scale, passed at launch),
/// else y ← act(y).
/// </summary>
public sealed record CudaEpilogue(bool BatchNorm, CudaActivation Activation);

/// <summary>
/// One PiX layer's kernels for one dtype: the layer's path (e.g. <c>layer1.0.conv1</c>), C, ζ, τ, mode, context,
/// storage dtype and the optional inference epilogue. N, H and W stay run-time arguments.
/// </summary>
public sealed record CudaKernelSpec(
    string Layer,
    int InChannels,
    int Zeta,
    double Tau,
    CudaPiXMode Mode,
    CudaPiXContext Context,
    CudaDType DType,
    CudaEpilogue? Epilogue = null);
