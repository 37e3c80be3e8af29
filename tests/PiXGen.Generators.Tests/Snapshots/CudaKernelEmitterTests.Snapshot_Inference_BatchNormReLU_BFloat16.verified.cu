// PiXGen: fused PiX kernels for layer 'stage2.pix' (bf16). Generated from the layer's constants; do not edit.
// C = 64, zeta = 2, Co = 32 (32 full group(s)), tau = 0.30078125f (as bf16), mode = MaxOnly, context = Mean, epilogue = BatchNorm + ReLU.
// Entry points: pix_stage2_pix_bf16_fwd, pix_stage2_pix_bf16_bwd, pix_stage2_pix_bf16_ctx, pix_stage2_pix_bf16_gate, pix_stage2_pix_bf16_inf.
// Layout: x (N, C, H, W), p and dp (N, Co), y and g (N, Co, H, W), contiguous; hw = H*W; vec != 0 allows 16-byte loads.

static constexpr int PIX_C = 64;
static constexpr int PIX_ZETA = 2;
static constexpr int PIX_CO = 32;
static constexpr int PIX_FULL = 32;
static constexpr int PIX_V = 8;
static constexpr float PIX_TAU = 0.30078125f;

typedef unsigned short pix_t;  // storage type: bfloat16 bits
static __device__ __forceinline__ float pix_ld(pix_t v) { return __uint_as_float(((unsigned)v) << 16); }
static __device__ __forceinline__ pix_t pix_st(float v)
{
    unsigned u = __float_as_uint(v);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (pix_t)((u >> 16) | 0x40u);  // NaN stays NaN
    return (pix_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);                  // round to nearest even
}

// Loads V elements from ptr + i0 as float (16-byte load when vec, else the first n one by one, the rest 0).
static __device__ __forceinline__ void pix_load(const pix_t* __restrict__ ptr, long long i0, int n, bool vec, float (&out)[PIX_V])
{
    if (vec) {
        alignas(16) pix_t buf[PIX_V];
        *reinterpret_cast<uint4*>(buf) = *reinterpret_cast<const uint4*>(ptr + i0);
#pragma unroll
        for (int k = 0; k < PIX_V; ++k) out[k] = pix_ld(buf[k]);
    } else {
#pragma unroll
        for (int k = 0; k < PIX_V; ++k) out[k] = k < n ? pix_ld(ptr[i0 + k]) : 0.0f;
    }
}

// Stores the first n of V values to ptr + i0 (one 16-byte store when vec).
static __device__ __forceinline__ void pix_store(pix_t* __restrict__ ptr, long long i0, int n, bool vec, const float (&v)[PIX_V])
{
    if (vec) {
        alignas(16) pix_t buf[PIX_V];
#pragma unroll
        for (int k = 0; k < PIX_V; ++k) buf[k] = pix_st(v[k]);
        *reinterpret_cast<uint4*>(ptr + i0) = *reinterpret_cast<const uint4*>(buf);
    } else {
#pragma unroll
        for (int k = 0; k < PIX_V; ++k) if (k < n) ptr[i0 + k] = pix_st(v[k]);
    }
}

// Sum over the block; the result is valid in thread 0. Every thread of the block must call it.
static __device__ __forceinline__ float pix_block_sum(float v)
{
    __shared__ float warp_sums[32];
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) warp_sums[warp] = v;
    __syncthreads();
    if (warp == 0) {
        v = lane < (int)((blockDim.x + 31) >> 5) ? warp_sums[lane] : 0.0f;
#pragma unroll
        for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
    }
    return v;
}

// Pick (true) or mix (false) for one (sample, output channel), from its p.
static __device__ __forceinline__ bool pix_pick(float) { return true; }

// The inference epilogue's activation (NaN passes through, as in torch).
static __device__ __forceinline__ float pix_act(float v) { return v < 0.0f ? 0.0f : v; }

// Forward for V pixels of one group of S channels: y = p * max (pick) or p * sum / S (mix), then the epilogue
// y = act(scale * y + shift) when EPI (scale = 1, shift = 0 without BatchNorm). NaN propagates through the max.
template <int S, bool EPI>
static __device__ __forceinline__ void pix_forward_unit(const pix_t* __restrict__ xg, pix_t* __restrict__ yo, long long hw,
                                                        long long i0, int n, bool vec, bool pick, float p, float scale, float shift)
{
    float acc[PIX_V], v[PIX_V];
    pix_load(xg, i0, n, vec, acc);
    if (pick) {
#pragma unroll
        for (int j = 1; j < S; ++j) {
            pix_load(xg + j * hw, i0, n, vec, v);
#pragma unroll
            for (int k = 0; k < PIX_V; ++k) acc[k] = (v[k] > acc[k] || v[k] != v[k]) ? v[k] : acc[k];
        }
#pragma unroll
        for (int k = 0; k < PIX_V; ++k) acc[k] = acc[k] * p;
    } else {
#pragma unroll
        for (int j = 1; j < S; ++j) {
            pix_load(xg + j * hw, i0, n, vec, v);
#pragma unroll
            for (int k = 0; k < PIX_V; ++k) acc[k] += v[k];
        }
#pragma unroll
        for (int k = 0; k < PIX_V; ++k) acc[k] = acc[k] / (float)S * p;
    }
    if (EPI) {
#pragma unroll
        for (int k = 0; k < PIX_V; ++k) acc[k] = pix_act(acc[k] * scale + shift);
    }
    pix_store(yo, i0, n, vec, acc);
}

// Backward for V pixels of one group of S channels; returns this thread's part of dp.
// Pick: dx = p*g at the first arg-max channel (the first NaN, if any), 0 elsewhere; dp += max * g.
// Mix: dx = p*g/S at every channel; dp += (sum / S) * g.
template <int S>
static __device__ __forceinline__ float pix_backward_unit(const pix_t* __restrict__ xg, const pix_t* __restrict__ go,
                                                         pix_t* __restrict__ dxg, long long hw, long long i0, int n,
                                                         bool vec, bool pick, float p)
{
    float gv[PIX_V], m[PIX_V], v[PIX_V], d[PIX_V];
    pix_load(go, i0, n, vec, gv);
    pix_load(xg, i0, n, vec, m);
    float part = 0.0f;
    if (pick) {
        int idx[PIX_V];
#pragma unroll
        for (int k = 0; k < PIX_V; ++k) idx[k] = 0;
#pragma unroll
        for (int j = 1; j < S; ++j) {
            pix_load(xg + j * hw, i0, n, vec, v);
#pragma unroll
            for (int k = 0; k < PIX_V; ++k)
                if (v[k] > m[k] || (v[k] != v[k] && m[k] == m[k])) { m[k] = v[k]; idx[k] = j; }
        }
#pragma unroll
        for (int k = 0; k < PIX_V; ++k) if (k < n) part += m[k] * gv[k];
        if (dxg != nullptr) {
#pragma unroll
            for (int j = 0; j < S; ++j) {
#pragma unroll
                for (int k = 0; k < PIX_V; ++k) d[k] = idx[k] == j ? p * gv[k] : 0.0f;
                pix_store(dxg + j * hw, i0, n, vec, d);
            }
        }
    } else {
#pragma unroll
        for (int j = 1; j < S; ++j) {
            pix_load(xg + j * hw, i0, n, vec, v);
#pragma unroll
            for (int k = 0; k < PIX_V; ++k) m[k] += v[k];
        }
#pragma unroll
        for (int k = 0; k < PIX_V; ++k) if (k < n) part += m[k] / (float)S * gv[k];
        if (dxg != nullptr) {
#pragma unroll
            for (int k = 0; k < PIX_V; ++k) d[k] = p * gv[k] / (float)S;
#pragma unroll
            for (int j = 0; j < S; ++j) pix_store(dxg + j * hw, i0, n, vec, d);
        }
    }
    return part;
}

// Forward: grid (N*Co, ceil(ceil(hw / PIX_V) / blockDim.x)); one thread = PIX_V pixels of one output plane.
extern "C" __global__ void __launch_bounds__(128) pix_stage2_pix_bf16_fwd(const pix_t* __restrict__ x, const pix_t* __restrict__ p, pix_t* __restrict__ y, long long hw, int vec)
{
    const long long item = blockIdx.x;
    const long long i0 = ((long long)blockIdx.y * blockDim.x + threadIdx.x) * PIX_V;
    if (i0 >= hw) return;
    const int n = hw - i0 < PIX_V ? (int)(hw - i0) : PIX_V;
    const long long s = item / PIX_CO;
    const int g = (int)(item - s * PIX_CO);
    const pix_t* xg = x + (s * PIX_C + (long long)g * PIX_ZETA) * hw;
    pix_t* yo = y + item * hw;
    const float pv = pix_ld(p[item]);
    const bool pick = pix_pick(pv);
    const float sc = 1.0f, sh = 0.0f;
    pix_forward_unit<PIX_ZETA, false>(xg, yo, hw, i0, n, vec != 0, pick, pv, sc, sh);
}

// Inference forward: PiX, then the epilogue (folded BatchNorm scale/shift per output channel, activation).
extern "C" __global__ void __launch_bounds__(128) pix_stage2_pix_bf16_inf(const pix_t* __restrict__ x, const pix_t* __restrict__ p, pix_t* __restrict__ y, const float* __restrict__ scale, const float* __restrict__ shift, long long hw, int vec)
{
    const long long item = blockIdx.x;
    const long long i0 = ((long long)blockIdx.y * blockDim.x + threadIdx.x) * PIX_V;
    if (i0 >= hw) return;
    const int n = hw - i0 < PIX_V ? (int)(hw - i0) : PIX_V;
    const long long s = item / PIX_CO;
    const int g = (int)(item - s * PIX_CO);
    const pix_t* xg = x + (s * PIX_C + (long long)g * PIX_ZETA) * hw;
    pix_t* yo = y + item * hw;
    const float pv = pix_ld(p[item]);
    const bool pick = pix_pick(pv);
    const float sc = scale[g], sh = shift[g];
    pix_forward_unit<PIX_ZETA, true>(xg, yo, hw, i0, n, vec != 0, pick, pv, sc, sh);
}

// Backward: grid N*Co, one block per (sample, output channel); dx and dp may be null (not needed).
extern "C" __global__ void __launch_bounds__(256) pix_stage2_pix_bf16_bwd(const pix_t* __restrict__ x, const pix_t* __restrict__ p, const pix_t* __restrict__ g,
        pix_t* __restrict__ dx, pix_t* __restrict__ dp, long long hw, int vec)
{
    const long long item = blockIdx.x;
    const long long s = item / PIX_CO;
    const int grp = (int)(item - s * PIX_CO);
    const long long offset = (s * PIX_C + (long long)grp * PIX_ZETA) * hw;
    const pix_t* xg = x + offset;
    const pix_t* go = g + item * hw;
    pix_t* dxg = dx == nullptr ? nullptr : dx + offset;
    const float pv = pix_ld(p[item]);
    const bool pick = pix_pick(pv);
    float part = 0.0f;
    for (long long i0 = (long long)threadIdx.x * PIX_V; i0 < hw; i0 += (long long)blockDim.x * PIX_V) {
        const int n = hw - i0 < PIX_V ? (int)(hw - i0) : PIX_V;
        part += pix_backward_unit<PIX_ZETA>(xg, go, dxg, hw, i0, n, vec != 0, pick, pv);
    }
    const float total = pix_block_sum(part);
    if (threadIdx.x == 0 && dp != nullptr) dp[item] = pix_st(total);
}

// Context: grid N*C, one block per (sample, channel); z = spatial mean (float32).
extern "C" __global__ void __launch_bounds__(256) pix_stage2_pix_bf16_ctx(const pix_t* __restrict__ x, float* __restrict__ z, long long hw, int vec)
{
    const long long row = blockIdx.x;
    const pix_t* xr = x + row * hw;
    float part = 0.0f, v[PIX_V];
    for (long long i0 = (long long)threadIdx.x * PIX_V; i0 < hw; i0 += (long long)blockDim.x * PIX_V) {
        pix_load(xr, i0, hw - i0 < PIX_V ? (int)(hw - i0) : PIX_V, vec != 0, v);
#pragma unroll
        for (int k = 0; k < PIX_V; ++k) part += v[k];
    }
    const float total = pix_block_sum(part);
    if (threadIdx.x == 0) z[row] = total / (float)hw;
}

// Gate: grid N; p[s, o] = sigmoid(b[o] + sum_c w[o, c] * z[s, c]); w is (Co, C) in the storage type, b may be null.
extern "C" __global__ void __launch_bounds__(128) pix_stage2_pix_bf16_gate(const float* __restrict__ z, const pix_t* __restrict__ w, const pix_t* __restrict__ b, pix_t* __restrict__ p)
{
    const long long s = blockIdx.x;
    const float* zs = z + s * PIX_C;
    for (int o = threadIdx.x; o < PIX_CO; o += blockDim.x) {
        const pix_t* wo = w + (long long)o * PIX_C;
        float acc = b == nullptr ? 0.0f : pix_ld(b[o]);
        for (int c = 0; c < PIX_C; ++c) acc += pix_ld(wo[c]) * zs[c];
        p[s * PIX_CO + o] = pix_st(1.0f / (1.0f + expf(-acc)));
    }
}
