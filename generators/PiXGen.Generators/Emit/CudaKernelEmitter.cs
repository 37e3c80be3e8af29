using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using PiXGen.Generators.Definitions;
using PiXGen.Generators.Model;

namespace PiXGen.Generators.Emit;

/// <summary>One layer's CUDA C source for one dtype and the prefix of its entry points.</summary>
/// <param name="Spec">What the source was made from.</param>
/// <param name="Prefix">Entry points are <c>{Prefix}_fwd</c>, <c>_bwd</c>, <c>_ctx</c>, <c>_gate</c> and, with an
/// epilogue, <c>_inf</c>; also the name of the C# constant that holds the source.</param>
/// <param name="Source">The CUDA C text (no #include: it compiles with NVRTC alone).</param>
public sealed record CudaKernelSource(CudaKernelSpec Spec, string Prefix, string Source);

/// <summary>
/// Turns a PiX layer's constants into CUDA C source: a pure function of <see cref="CudaKernelSpec"/>. C, ζ, Co, τ,
/// the mode and the short last group are literals, so the group loops unroll and the pick/mix test folds away in
/// the ablation modes. Storage is float32, float16 or bfloat16 (raw 16-bit words, converted in registers);
/// every sum, product and comparison is float32.
/// </summary>
/// <remarks>
/// Entry points and launch (the runtime, <c>PiXGen.Cuda.PiXCudaLaunch</c>, uses the same constants):
/// <list type="bullet">
/// <item><c>_fwd(x, p, y, hw, vec)</c>: grid (N·Co, ⌈⌈HW/V⌉/<see cref="ForwardBlock"/>⌉), block
/// <see cref="ForwardBlock"/>; a thread reads V pixels of each of the group's channels once (16-byte loads when
/// <c>vec</c> ≠ 0: HW a multiple of V and every pointer 16-byte aligned), and writes V outputs.</item>
/// <item><c>_inf(x, p, y, [scale, shift,] hw, vec)</c>: the forward with the epilogue.</item>
/// <item><c>_bwd(x, p, g, dx, dp, hw, vec)</c>: grid N·Co, block <see cref="BackwardBlock"/>; one block per
/// (sample, output channel) recomputes the maximum/mean from x, writes dX (skipped when dx is null) and reduces
/// dp in float32 (skipped when dp is null). Pick: p·g to the first arg-max channel (the first NaN if any); Mix:
/// p·g/size to every channel; dp = Σ (max or mean)·g.</item>
/// <item><c>_ctx(x, z, hw, vec)</c>: grid N·C, block <see cref="ContextBlock"/>; z (float32, N·C) = spatial mean
/// (or l1 norm) of each channel.</item>
/// <item><c>_gate(z, w, b, p)</c>: grid N, block <see cref="GateBlock"/>; p = sigmoid(W·z + b), b may be null.</item>
/// </list>
/// V = 16 bytes / element size (4 for float32, 8 for 16-bit types). τ is rounded to the storage type first (as
/// <c>p.lt(τ)</c> does in libtorch); a short last group (C not a multiple of ζ) has its own unrolled body and
/// mixes by its true size.
/// </remarks>
public static class CudaKernelEmitter
{
    /// <summary>Threads per block of <c>_fwd</c> and <c>_inf</c>.</summary>
    public const int ForwardBlock = 128;
    /// <summary>Threads per block of <c>_bwd</c>.</summary>
    public const int BackwardBlock = 256;
    /// <summary>Threads per block of <c>_ctx</c>.</summary>
    public const int ContextBlock = 256;
    /// <summary>Threads per block of <c>_gate</c>.</summary>
    public const int GateBlock = 128;

    /// <summary>Elements per 16-byte vector load for <paramref name="dtype"/>.</summary>
    public static int VectorWidth(CudaDType dtype) => dtype == CudaDType.Float32 ? 4 : 8;

    /// <summary>The dtype's suffix in entry-point names: f32, f16, bf16.</summary>
    public static string DTypeSuffix(CudaDType dtype) => dtype switch {
        CudaDType.Float32 => "f32",
        CudaDType.Float16 => "f16",
        CudaDType.BFloat16 => "bf16",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown CUDA dtype"),
    };

    /// <summary><c>pix_{layer}_{dtype}</c>, the layer path with every character that is not a letter, digit or
    /// underscore replaced by an underscore.</summary>
    public static string Prefix(string layer, CudaDType dtype)
    {
        var sb = new StringBuilder("pix_");
        foreach (char ch in layer)
            sb.Append(ch < 128 && (char.IsLetterOrDigit(ch) || ch == '_') ? ch : '_');
        return sb.Append('_').Append(DTypeSuffix(dtype)).ToString();
    }

    /// <summary>τ as the storage type rounds it (float32 first, then float16 or bfloat16, round to nearest even).</summary>
    public static float RoundTau(double tau, CudaDType dtype)
    {
        float f = (float)tau;
        return dtype switch {
            CudaDType.Float16 => RoundToHalf(f),
            CudaDType.BFloat16 => RoundToBFloat16(f),
            _ => f,
        };
    }

    /// <summary>The CUDA C source of <paramref name="spec"/>'s kernels.</summary>
    /// <exception cref="ArgumentException">An empty layer name, C or ζ below 1, or a τ that is not finite.</exception>
    public static CudaKernelSource Emit(CudaKernelSpec spec)
    {
        if (spec is null) throw new ArgumentNullException(nameof(spec));
        if (string.IsNullOrWhiteSpace(spec.Layer))
            throw new ArgumentException("PiX CUDA kernel: the layer name is empty.", nameof(spec));
        if (spec.InChannels < 1)
            throw new ArgumentException($"PiX CUDA kernel for '{spec.Layer}': C must be at least 1; got {spec.InChannels}.", nameof(spec));
        if (spec.Zeta < 1)
            throw new ArgumentException($"PiX CUDA kernel for '{spec.Layer}': ζ must be at least 1; got {spec.Zeta}.", nameof(spec));
        if (double.IsNaN(spec.Tau) || double.IsInfinity(spec.Tau))
            throw new ArgumentException($"PiX CUDA kernel for '{spec.Layer}': τ must be finite; got {spec.Tau}.", nameof(spec));
        if (!Enum.IsDefined(typeof(CudaPiXMode), spec.Mode) || !Enum.IsDefined(typeof(CudaPiXContext), spec.Context)
            || !Enum.IsDefined(typeof(CudaDType), spec.DType)
            || (spec.Epilogue is { } e && !Enum.IsDefined(typeof(CudaActivation), e.Activation)))
            throw new ArgumentException($"PiX CUDA kernel for '{spec.Layer}': unknown mode, context, dtype or activation.", nameof(spec));

        string prefix = Prefix(spec.Layer, spec.DType);
        var src = new StringBuilder();
        void L(string line = "") => src.Append(line).Append('\n');

        int c = spec.InChannels, zeta = spec.Zeta;
        int co = (int)Arithmetic.PiXChannels(c, zeta), full = c / zeta, rest = c - full * zeta;
        int vec = VectorWidth(spec.DType);
        float tau = RoundTau(spec.Tau, spec.DType);
        string dt = DTypeSuffix(spec.DType);

        L($"// PiXGen: fused PiX kernels for layer '{spec.Layer}' ({dt}). Generated from the layer's constants; do not edit.");
        L($"// C = {I(c)}, zeta = {I(zeta)}, Co = {I(co)} ({I(full)} full group(s){(rest > 0 ? $" + one of {I(rest)} channel(s)" : "")}), " +
          $"tau = {F(tau)} (as {dt}), mode = {spec.Mode}, context = {spec.Context}" +
          (spec.Epilogue is { } ep ? $", epilogue = {(ep.BatchNorm ? "BatchNorm + " : "")}{ep.Activation}." : "."));
        L($"// Entry points: {prefix}_fwd, {prefix}_bwd, {prefix}_ctx, {prefix}_gate{(spec.Epilogue is null ? "" : $", {prefix}_inf")}.");
        L("// Layout: x (N, C, H, W), p and dp (N, Co), y and g (N, Co, H, W), contiguous; hw = H*W; vec != 0 allows 16-byte loads.");
        L("");
        L($"static constexpr int PIX_C = {I(c)};");
        L($"static constexpr int PIX_ZETA = {I(zeta)};");
        L($"static constexpr int PIX_CO = {I(co)};");
        L($"static constexpr int PIX_FULL = {I(full)};");
        L($"static constexpr int PIX_V = {I(vec)};");
        L($"static constexpr float PIX_TAU = {F(tau)};");
        L("");
        EmitStorage(spec.DType, L);
        L("");
        EmitCommon(L);
        L("");
        L("// Pick (true) or mix (false) for one (sample, output channel), from its p.");
        L(spec.Mode switch {
            CudaPiXMode.AvgOnly => "static __device__ __forceinline__ bool pix_pick(float) { return false; }",
            CudaPiXMode.MaxOnly => "static __device__ __forceinline__ bool pix_pick(float) { return true; }",
            _ => "static __device__ __forceinline__ bool pix_pick(float p) { return p < PIX_TAU; }",
        });
        L("");
        EmitEpilogue(spec.Epilogue, L);
        L("");
        EmitBodies(L);
        L("");
        EmitForwardKernel(prefix + "_fwd", full, rest, epilogue: false, L);
        if (spec.Epilogue is { } epi) {
            L();
            EmitForwardKernel(prefix + "_inf", full, rest, epilogue: epi.BatchNorm, L, inference: true);
        }
        L("");
        EmitBackwardKernel(prefix + "_bwd", full, rest, L);
        L("");
        EmitGateKernels(prefix, spec.Context, L);
        return new CudaKernelSource(spec, prefix, src.ToString());
    }

    /// <summary>
    /// The C# text of a static class holding one <c>public const string {Prefix} = @"..."</c> per source and a
    /// <c>Register()</c> that hands them to the runtime's PiX CUDA dispatch (generated code calls it once, e.g. from
    /// the network's constructor). Two sources with the same prefix (layer paths that differ only in punctuation)
    /// are an error.
    /// </summary>
    public static string RenderClass(string? @namespace, string className, IEnumerable<CudaKernelSource> sources)
    {
        var list = sources.ToList();
        var dup = list.GroupBy(s => s.Prefix, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null)
            throw new ArgumentException(
                $"PiX CUDA kernels: layers {string.Join(" and ", dup.Select(s => "'" + s.Spec.Layer + "'"))} give the same entry-point prefix '{dup.Key}'.",
                nameof(sources));
        var sb = new StringBuilder();
        void L(string line = "") => sb.Append(line).Append('\n');
        L("// <auto-generated/>");
        L("// Generated by PiXGen: CUDA C source of the fused PiX kernels, compiled at first use by PiXGen.Cuda (NVRTC).");
        L("#nullable enable");
        L();
        bool hasNs = !string.IsNullOrEmpty(@namespace);
        string ind = hasNs ? "    " : "";
        if (hasNs) { L($"namespace {@namespace}"); L("{"); }
        L($"{ind}/// <summary>Fused PiX CUDA kernels, one constant per (layer, dtype); entry points are the constant's name + _fwd, _bwd, _inf, _ctx, _gate.</summary>");
        L($"{ind}internal static class {className}");
        L($"{ind}{{");
        foreach (var s in list) {
            L($"{ind}    /// <summary>Layer <c>{Xml(s.Spec.Layer)}</c>, {DTypeSuffix(s.Spec.DType)}: C = {I(s.Spec.InChannels)}, ζ = {I(s.Spec.Zeta)}, τ = {F(RoundTau(s.Spec.Tau, s.Spec.DType))}, {s.Spec.Mode}.</summary>");
            // The verbatim literal's text starts at column 0 so the CUDA source keeps its own indentation.
            L($"{ind}    public const string {s.Prefix} = @\"");
            L(s.Source.Replace("\"", "\"\"").TrimEnd('\n'));
            L("\";");
        }
        L();
        L($"{ind}    private static int registered;");
        L();
        L($"{ind}    /// <summary>Registers every source above with the PiX CUDA dispatch (<c>PiXGen.Cuda.PiXCuda</c>); later calls do nothing.</summary>");
        L($"{ind}    public static void Register()");
        L($"{ind}    {{");
        L($"{ind}        if (global::System.Threading.Interlocked.Exchange(ref registered, 1) != 0) return;");
        foreach (var s in list)
            L($"{ind}        global::PiXGen.Cuda.PiXCuda.Register({CsString(s.Spec.Layer)}, {I(s.Spec.InChannels)}, {I(s.Spec.Zeta)}, " +
              $"{s.Spec.Tau.ToString("R", CultureInfo.InvariantCulture)}, (global::PiXGen.PiX.PiXMode){I((int)s.Spec.Mode)}, " +
              $"\"{DTypeSuffix(s.Spec.DType)}\", \"{s.Prefix}\", {s.Prefix});");
        L($"{ind}    }}");
        L($"{ind}}}");
        if (hasNs) L("}");
        return sb.ToString();
    }

    // ------------------------------------------------------------------ source pieces

    private static void EmitStorage(CudaDType dtype, Action<string> L)
    {
        switch (dtype) {
        case CudaDType.Float32:
            L("typedef float pix_t;  // storage type");
            L("static __device__ __forceinline__ float pix_ld(pix_t v) { return v; }");
            L("static __device__ __forceinline__ pix_t pix_st(float v) { return v; }");
            break;
        case CudaDType.Float16:
            L("typedef unsigned short pix_t;  // storage type: IEEE binary16 bits");
            L("#ifdef PIX_HOST_EMULATION");
            L("static __device__ __forceinline__ float pix_ld(pix_t v) { return pix_host_half_to_float(v); }");
            L("static __device__ __forceinline__ pix_t pix_st(float v) { return pix_host_float_to_half(v); }");
            L("#else");
            L("static __device__ __forceinline__ float pix_ld(pix_t v) { float f; asm(\"cvt.f32.f16 %0, %1;\" : \"=f\"(f) : \"h\"(v)); return f; }");
            L("static __device__ __forceinline__ pix_t pix_st(float v) { pix_t h; asm(\"cvt.rn.f16.f32 %0, %1;\" : \"=h\"(h) : \"f\"(v)); return h; }");
            L("#endif");
            break;
        default:
            L("typedef unsigned short pix_t;  // storage type: bfloat16 bits");
            L("static __device__ __forceinline__ float pix_ld(pix_t v) { return __uint_as_float(((unsigned)v) << 16); }");
            L("static __device__ __forceinline__ pix_t pix_st(float v)");
            L("{");
            L("    unsigned u = __float_as_uint(v);");
            L("    if ((u & 0x7fffffffu) > 0x7f800000u) return (pix_t)((u >> 16) | 0x40u);  // NaN stays NaN");
            L("    return (pix_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);                  // round to nearest even");
            L("}");
            break;
        }
    }

    private static void EmitCommon(Action<string> L)
    {
        L("// Loads V elements from ptr + i0 as float (16-byte load when vec, else the first n one by one, the rest 0).");
        L("static __device__ __forceinline__ void pix_load(const pix_t* __restrict__ ptr, long long i0, int n, bool vec, float (&out)[PIX_V])");
        L("{");
        L("    if (vec) {");
        L("        alignas(16) pix_t buf[PIX_V];");
        L("        *reinterpret_cast<uint4*>(buf) = *reinterpret_cast<const uint4*>(ptr + i0);");
        L("#pragma unroll");
        L("        for (int k = 0; k < PIX_V; ++k) out[k] = pix_ld(buf[k]);");
        L("    } else {");
        L("#pragma unroll");
        L("        for (int k = 0; k < PIX_V; ++k) out[k] = k < n ? pix_ld(ptr[i0 + k]) : 0.0f;");
        L("    }");
        L("}");
        L("");
        L("// Stores the first n of V values to ptr + i0 (one 16-byte store when vec).");
        L("static __device__ __forceinline__ void pix_store(pix_t* __restrict__ ptr, long long i0, int n, bool vec, const float (&v)[PIX_V])");
        L("{");
        L("    if (vec) {");
        L("        alignas(16) pix_t buf[PIX_V];");
        L("#pragma unroll");
        L("        for (int k = 0; k < PIX_V; ++k) buf[k] = pix_st(v[k]);");
        L("        *reinterpret_cast<uint4*>(ptr + i0) = *reinterpret_cast<const uint4*>(buf);");
        L("    } else {");
        L("#pragma unroll");
        L("        for (int k = 0; k < PIX_V; ++k) if (k < n) ptr[i0 + k] = pix_st(v[k]);");
        L("    }");
        L("}");
        L("");
        L("// Sum over the block; the result is valid in thread 0. Every thread of the block must call it.");
        L("static __device__ __forceinline__ float pix_block_sum(float v)");
        L("{");
        L("    __shared__ float warp_sums[32];");
        L("#pragma unroll");
        L("    for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);");
        L("    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;");
        L("    if (lane == 0) warp_sums[warp] = v;");
        L("    __syncthreads();");
        L("    if (warp == 0) {");
        L("        v = lane < (int)((blockDim.x + 31) >> 5) ? warp_sums[lane] : 0.0f;");
        L("#pragma unroll");
        L("        for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);");
        L("    }");
        L("    return v;");
        L("}");
    }

    private static void EmitEpilogue(CudaEpilogue? epilogue, Action<string> L)
    {
        string act = epilogue?.Activation switch {
            CudaActivation.ReLU => "return v < 0.0f ? 0.0f : v;",
            CudaActivation.ReLU6 => "return v < 0.0f ? 0.0f : (v > 6.0f ? 6.0f : v);",
            CudaActivation.SiLU => "return v / (1.0f + expf(-v));",
            _ => "return v;",
        };
        L("// The inference epilogue's activation (NaN passes through, as in torch).");
        L($"static __device__ __forceinline__ float pix_act(float v) {{ {act} }}");
    }

    private static void EmitBodies(Action<string> L)
    {
        L("// Forward for V pixels of one group of S channels: y = p * max (pick) or p * sum / S (mix), then the epilogue");
        L("// y = act(scale * y + shift) when EPI (scale = 1, shift = 0 without BatchNorm). NaN propagates through the max.");
        L("template <int S, bool EPI>");
        L("static __device__ __forceinline__ void pix_forward_unit(const pix_t* __restrict__ xg, pix_t* __restrict__ yo, long long hw,");
        L("                                                        long long i0, int n, bool vec, bool pick, float p, float scale, float shift)");
        L("{");
        L("    float acc[PIX_V], v[PIX_V];");
        L("    pix_load(xg, i0, n, vec, acc);");
        L("    if (pick) {");
        L("#pragma unroll");
        L("        for (int j = 1; j < S; ++j) {");
        L("            pix_load(xg + j * hw, i0, n, vec, v);");
        L("#pragma unroll");
        L("            for (int k = 0; k < PIX_V; ++k) acc[k] = (v[k] > acc[k] || v[k] != v[k]) ? v[k] : acc[k];");
        L("        }");
        L("#pragma unroll");
        L("        for (int k = 0; k < PIX_V; ++k) acc[k] = acc[k] * p;");
        L("    } else {");
        L("#pragma unroll");
        L("        for (int j = 1; j < S; ++j) {");
        L("            pix_load(xg + j * hw, i0, n, vec, v);");
        L("#pragma unroll");
        L("            for (int k = 0; k < PIX_V; ++k) acc[k] += v[k];");
        L("        }");
        L("#pragma unroll");
        L("        for (int k = 0; k < PIX_V; ++k) acc[k] = acc[k] / (float)S * p;");
        L("    }");
        L("    if (EPI) {");
        L("#pragma unroll");
        L("        for (int k = 0; k < PIX_V; ++k) acc[k] = pix_act(acc[k] * scale + shift);");
        L("    }");
        L("    pix_store(yo, i0, n, vec, acc);");
        L("}");
        L("");
        L("// Backward for V pixels of one group of S channels; returns this thread's part of dp.");
        L("// Pick: dx = p*g at the first arg-max channel (the first NaN, if any), 0 elsewhere; dp += max * g.");
        L("// Mix: dx = p*g/S at every channel; dp += (sum / S) * g.");
        L("template <int S>");
        L("static __device__ __forceinline__ float pix_backward_unit(const pix_t* __restrict__ xg, const pix_t* __restrict__ go,");
        L("                                                         pix_t* __restrict__ dxg, long long hw, long long i0, int n,");
        L("                                                         bool vec, bool pick, float p)");
        L("{");
        L("    float gv[PIX_V], m[PIX_V], v[PIX_V], d[PIX_V];");
        L("    pix_load(go, i0, n, vec, gv);");
        L("    pix_load(xg, i0, n, vec, m);");
        L("    float part = 0.0f;");
        L("    if (pick) {");
        L("        int idx[PIX_V];");
        L("#pragma unroll");
        L("        for (int k = 0; k < PIX_V; ++k) idx[k] = 0;");
        L("#pragma unroll");
        L("        for (int j = 1; j < S; ++j) {");
        L("            pix_load(xg + j * hw, i0, n, vec, v);");
        L("#pragma unroll");
        L("            for (int k = 0; k < PIX_V; ++k)");
        L("                if (v[k] > m[k] || (v[k] != v[k] && m[k] == m[k])) { m[k] = v[k]; idx[k] = j; }");
        L("        }");
        L("#pragma unroll");
        L("        for (int k = 0; k < PIX_V; ++k) if (k < n) part += m[k] * gv[k];");
        L("        if (dxg != nullptr) {");
        L("#pragma unroll");
        L("            for (int j = 0; j < S; ++j) {");
        L("#pragma unroll");
        L("                for (int k = 0; k < PIX_V; ++k) d[k] = idx[k] == j ? p * gv[k] : 0.0f;");
        L("                pix_store(dxg + j * hw, i0, n, vec, d);");
        L("            }");
        L("        }");
        L("    } else {");
        L("#pragma unroll");
        L("        for (int j = 1; j < S; ++j) {");
        L("            pix_load(xg + j * hw, i0, n, vec, v);");
        L("#pragma unroll");
        L("            for (int k = 0; k < PIX_V; ++k) m[k] += v[k];");
        L("        }");
        L("#pragma unroll");
        L("        for (int k = 0; k < PIX_V; ++k) if (k < n) part += m[k] / (float)S * gv[k];");
        L("        if (dxg != nullptr) {");
        L("#pragma unroll");
        L("            for (int k = 0; k < PIX_V; ++k) d[k] = p * gv[k] / (float)S;");
        L("#pragma unroll");
        L("            for (int j = 0; j < S; ++j) pix_store(dxg + j * hw, i0, n, vec, d);");
        L("        }");
        L("    }");
        L("    return part;");
        L("}");
    }

    private static void EmitForwardKernel(string name, int full, int rest, bool epilogue, Action<string> L, bool inference = false)
    {
        string epi = inference ? "true" : "false";
        string bn = epilogue ? "const float* __restrict__ scale, const float* __restrict__ shift, " : "";
        L(inference
            ? "// Inference forward: PiX, then the epilogue (folded BatchNorm scale/shift per output channel, activation)."
            : "// Forward: grid (N*Co, ceil(ceil(hw / PIX_V) / blockDim.x)); one thread = PIX_V pixels of one output plane.");
        L($"extern \"C\" __global__ void __launch_bounds__({I(ForwardBlock)}) {name}(const pix_t* __restrict__ x, const pix_t* __restrict__ p, pix_t* __restrict__ y, {bn}long long hw, int vec)");
        L("{");
        L("    const long long item = blockIdx.x;");
        L("    const long long i0 = ((long long)blockIdx.y * blockDim.x + threadIdx.x) * PIX_V;");
        L("    if (i0 >= hw) return;");
        L("    const int n = hw - i0 < PIX_V ? (int)(hw - i0) : PIX_V;");
        L("    const long long s = item / PIX_CO;");
        L("    const int g = (int)(item - s * PIX_CO);");
        L("    const pix_t* xg = x + (s * PIX_C + (long long)g * PIX_ZETA) * hw;");
        L("    pix_t* yo = y + item * hw;");
        L("    const float pv = pix_ld(p[item]);");
        L("    const bool pick = pix_pick(pv);");
        L(epilogue ? "    const float sc = scale[g], sh = shift[g];" : "    const float sc = 1.0f, sh = 0.0f;");
        string Call(string size) => $"pix_forward_unit<{size}, {epi}>(xg, yo, hw, i0, n, vec != 0, pick, pv, sc, sh);";
        if (rest == 0) L("    " + Call("PIX_ZETA"));
        else if (full == 0) L("    " + Call(I(rest)) + "  // the only group is short");
        else {
            L("    if (g < PIX_FULL) " + Call("PIX_ZETA"));
            L("    else " + Call(I(rest)) + "  // the short last group");
        }
        L("}");
    }

    private static void EmitBackwardKernel(string name, int full, int rest, Action<string> L)
    {
        L("// Backward: grid N*Co, one block per (sample, output channel); dx and dp may be null (not needed).");
        L($"extern \"C\" __global__ void __launch_bounds__({I(BackwardBlock)}) {name}(const pix_t* __restrict__ x, const pix_t* __restrict__ p, const pix_t* __restrict__ g,");
        L("        pix_t* __restrict__ dx, pix_t* __restrict__ dp, long long hw, int vec)");
        L("{");
        L("    const long long item = blockIdx.x;");
        L("    const long long s = item / PIX_CO;");
        L("    const int grp = (int)(item - s * PIX_CO);");
        L("    const long long offset = (s * PIX_C + (long long)grp * PIX_ZETA) * hw;");
        L("    const pix_t* xg = x + offset;");
        L("    const pix_t* go = g + item * hw;");
        L("    pix_t* dxg = dx == nullptr ? nullptr : dx + offset;");
        L("    const float pv = pix_ld(p[item]);");
        L("    const bool pick = pix_pick(pv);");
        L("    float part = 0.0f;");
        L("    for (long long i0 = (long long)threadIdx.x * PIX_V; i0 < hw; i0 += (long long)blockDim.x * PIX_V) {");
        L("        const int n = hw - i0 < PIX_V ? (int)(hw - i0) : PIX_V;");
        string Call(string size) => $"pix_backward_unit<{size}>(xg, go, dxg, hw, i0, n, vec != 0, pick, pv)";
        if (rest == 0) L("        part += " + Call("PIX_ZETA") + ";");
        else if (full == 0) L("        part += " + Call(I(rest)) + ";  // the only group is short");
        else {
            L("        part += grp < PIX_FULL ? " + Call("PIX_ZETA"));
            L("                               : " + Call(I(rest)) + ";  // the short last group");
        }
        L("    }");
        L("    const float total = pix_block_sum(part);");
        L("    if (threadIdx.x == 0 && dp != nullptr) dp[item] = pix_st(total);");
        L("}");
    }

    private static void EmitGateKernels(string prefix, CudaPiXContext context, Action<string> L)
    {
        bool l1 = context == CudaPiXContext.L1;
        L(l1
            ? "// Context: grid N*C, one block per (sample, channel); z = l1 norm over H, W (float32)."
            : "// Context: grid N*C, one block per (sample, channel); z = spatial mean (float32).");
        L($"extern \"C\" __global__ void __launch_bounds__({I(ContextBlock)}) {prefix}_ctx(const pix_t* __restrict__ x, float* __restrict__ z, long long hw, int vec)");
        L("{");
        L("    const long long row = blockIdx.x;");
        L("    const pix_t* xr = x + row * hw;");
        L("    float part = 0.0f, v[PIX_V];");
        L("    for (long long i0 = (long long)threadIdx.x * PIX_V; i0 < hw; i0 += (long long)blockDim.x * PIX_V) {");
        L("        pix_load(xr, i0, hw - i0 < PIX_V ? (int)(hw - i0) : PIX_V, vec != 0, v);");
        L("#pragma unroll");
        L(l1
            ? "        for (int k = 0; k < PIX_V; ++k) part += v[k] < 0.0f ? -v[k] : v[k];"
            : "        for (int k = 0; k < PIX_V; ++k) part += v[k];");
        L("    }");
        L("    const float total = pix_block_sum(part);");
        L(l1
            ? "    if (threadIdx.x == 0) z[row] = total;"
            : "    if (threadIdx.x == 0) z[row] = total / (float)hw;");
        L("}");
        L("");
        L("// Gate: grid N; p[s, o] = sigmoid(b[o] + sum_c w[o, c] * z[s, c]); w is (Co, C) in the storage type, b may be null.");
        L($"extern \"C\" __global__ void __launch_bounds__({I(GateBlock)}) {prefix}_gate(const float* __restrict__ z, const pix_t* __restrict__ w, const pix_t* __restrict__ b, pix_t* __restrict__ p)");
        L("{");
        L("    const long long s = blockIdx.x;");
        L("    const float* zs = z + s * PIX_C;");
        L("    for (int o = threadIdx.x; o < PIX_CO; o += blockDim.x) {");
        L("        const pix_t* wo = w + (long long)o * PIX_C;");
        L("        float acc = b == nullptr ? 0.0f : pix_ld(b[o]);");
        L("        for (int c = 0; c < PIX_C; ++c) acc += pix_ld(wo[c]) * zs[c];");
        L("        p[s * PIX_CO + o] = pix_st(1.0f / (1.0f + expf(-acc)));");
        L("    }");
        L("}");
    }

    // ------------------------------------------------------------------ helpers

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>A float literal that reads back as exactly <paramref name="v"/> (finite), or FLT_MAX for +∞ (p &lt; τ
    /// then holds for every finite p, as it does for ∞), −FLT_MAX for −∞.</summary>
    private static string F(float v)
    {
        if (float.IsPositiveInfinity(v)) return "3.40282347e+38f";
        if (float.IsNegativeInfinity(v)) return "-3.40282347e+38f";
        var s = v.ToString("G9", CultureInfo.InvariantCulture);
        if (s.IndexOf('.') < 0 && s.IndexOf('E') < 0) s += ".0";
        return s + "f";
    }

    private static string CsString(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    private static string Xml(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    private static uint Bits(float f) => BitConverter.ToUInt32(BitConverter.GetBytes(f), 0);
    private static float FromBits(uint u) => BitConverter.ToSingle(BitConverter.GetBytes(u), 0);

    private static float RoundToBFloat16(float f)
    {
        uint u = Bits(f);
        if ((u & 0x7fffffffu) > 0x7f800000u) return f;
        return FromBits(((u + 0x7fffu + ((u >> 16) & 1u)) >> 16) << 16);
    }

    private static float RoundToHalf(float f)
    {
        if (float.IsNaN(f) || float.IsInfinity(f)) return f;
        double a = Math.Abs((double)f);
        if (a == 0) return f;
        int exp = (int)((Bits(f) >> 23) & 0xff) - 127;            // unbiased exponent (float subnormals: tiny)
        double quantum = Math.Pow(2, Math.Max(exp, -14) - 10);     // spacing of binary16 at this magnitude
        double r = Math.Round(a / quantum, MidpointRounding.ToEven) * quantum;
        if (r > 65504.0) r = double.PositiveInfinity;              // past the largest half (65504) is ∞
        return (float)(f < 0 ? -r : r);
    }
}
