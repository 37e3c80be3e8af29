// PiX as one ONNX Runtime custom operator (domain "ai.pixgen", op "PiX", version 1) for the CPU execution provider.
//
// Built by src/PiXGen/PiXGen.csproj into libpixgen_ort.so where a C++ compiler is found (Linux x64), loaded by
// PiXGen.Engines.OnnxRuntimeEngine with SessionOptions.RegisterCustomOpLibrary. The same node written as ONNX's
// standard operators is OnnxExporter's portable lowering; both compute PiXLayer's definition (docs/pix-operator.md):
//
//   z[n,c]  = spatial mean of x[n,c] (context 0) or spatial sum of |x[n,c]| (context 1), in double
//   l[n,o]  = sum_c W[o,c] z[n,c] + b[o], in double            (the gate's logit, computed once)
//   pick    = l < logit(tau)                                     (PiXLayer.Gate's decision, in double)
//   p       = sigmoid(float(l))
//   y[n,o]  = p * (pick ? max : mean) over the group of zeta consecutive input channels of o (the last one may be
//             short); mode 1 = mean only, mode 2 = max only; then y * scale[o] + shift[o] (a folded BatchNorm) and
//             ReLU when asked.
//
// Inputs: x (N,C,H,W) float, W (Co,C) float, b (Co) float, scale (Co) float, shift (Co) float.
// Attributes: zeta, mode (0 pick-or-mix, 1 mean, 2 max), context (0 mean, 1 l1), epilogue (0/1), relu (0/1),
// tau_logit (a string, parsed as a double, so the threshold is exact); block (optional, default 0); isa (optional:
// auto, generic, avx2 or avx512, the copy of the blocked selection that runs; tests name each).
// block = 0: x and y are NCHW. block = B (8 or 16): x and y are in ONNX Runtime's blocked NCHWc layout of block B
// (N, C rounded up to B, H, W, stored as [N][C/B][H][W][B]), the layout its NCHWc convolutions read and write, so no
// reorder is needed around the node; C and Co are then W's shape, and y's padding channels are written as 0.
// OnnxRuntimeEngine writes such nodes into the model ONNX Runtime optimised (docs/interop.md).
// x is read twice: once for the context, once for the selection, on ORT's intra-op threads: one task per sample when the
// batch has at least as many samples as the machine has cores (the sample's context, its logits four output channels at a
// time, its selection), otherwise per plane (logits computed by the thread that selects their channels, four at a time
// on the blocked layout). Where W is large beside a sample's planes (Co >= H W, at least four samples and as many as
// cores), the batch's logits are a pass of their own between the two, reading each tile of rows of W once for four
// samples (LogitsFirst). Every route gives a logit the same bits (Dot's order of additions).

#define ORT_API_MANUAL_INIT
#include "onnxruntime_cxx_api.h"
#undef ORT_API_MANUAL_INIT

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#include <immintrin.h>
#endif

// One copy for AVX-512 machines, one for AVX2 machines and one for any x86-64, chosen when the library loads. The build
// turns off contraction into fused multiply-adds (-ffp-contract=off), so every copy rounds each operation alike and
// they give the same bits. -fno-trapping-math changes no result and lets loops whose selects would otherwise stay
// branches vectorise. PIXGEN_PLAIN_CLONES compiles these for plain x86-64 only: tools/bench/pix-passes.sh times so what
// a processor without AVX2 runs.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(PIXGEN_PLAIN_CLONES)
#define TARGETS __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define TARGETS
#endif

namespace {

// B floats as one vector, and B lanes' conditions (GCC's vector extensions: each copy of the code that uses them lowers
// them to its own registers).
template <int B> struct Lane;
template <> struct Lane<8> {
    typedef float Vec __attribute__((vector_size(32)));
    typedef int32_t Mask __attribute__((vector_size(32)));
};
template <> struct Lane<16> {
    typedef float Vec __attribute__((vector_size(64)));
    typedef int32_t Mask __attribute__((vector_size(64)));
};

struct PiXKernel {
    int64_t zeta, mode, context, epilogue, relu, block = 0;
    int isa = 0;
    double tauLogit;

    // From plain values: tools/bench/pix-passes.cpp times the passes without ONNX Runtime.
    PiXKernel(int64_t zeta, int64_t mode, int64_t context, int64_t epilogue, int64_t relu, int64_t block, int isa, double tauLogit)
        : zeta(zeta), mode(mode), context(context), epilogue(epilogue), relu(relu), block(block), isa(isa), tauLogit(tauLogit) {}

    PiXKernel(const OrtApi& api, const OrtKernelInfo* info) {
        Ort::ConstKernelInfo ki(info);
        zeta = ki.GetAttribute<int64_t>("zeta");
        mode = ki.GetAttribute<int64_t>("mode");
        context = ki.GetAttribute<int64_t>("context");
        epilogue = ki.GetAttribute<int64_t>("epilogue");
        relu = ki.GetAttribute<int64_t>("relu");
        tauLogit = std::strtod(ki.GetAttribute<std::string>("tau_logit").c_str(), nullptr);
        try { block = ki.GetAttribute<int64_t>("block"); } catch (const Ort::Exception&) { block = 0; }
        if (block != 0 && block != 8 && block != 16)
            throw Ort::Exception("ai.pixgen.PiX: block must be 0, 8 or 16, not " + std::to_string(block), ORT_INVALID_ARGUMENT);
        // Which copy of the blocked selection runs: "auto" (the default), or one named, so tests reach every copy.
        std::string name = "auto";
        try { name = ki.GetAttribute<std::string>("isa"); } catch (const Ort::Exception&) {}
        int wanted = name == "auto" ? BestIsa() : name == "avx512" ? 2 : name == "avx2" ? 1 : name == "generic" ? 0 : -1;
        if (wanted < 0 || wanted > BestIsa())
            throw Ort::Exception("ai.pixgen.PiX: isa '" + name + "' is not one this machine runs (auto, generic" +
                                 (BestIsa() >= 1 ? ", avx2" : "") + (BestIsa() >= 2 ? ", avx512" : "") + ")", ORT_INVALID_ARGUMENT);
        isa = wanted;
        (void)api;
    }

    using Task = void (*)(void*, size_t);

    struct Work {
        const float *x, *w, *b, *scale, *shift;
        float* y;
        double* z;      // the context: (C) of the current sample, or (N, C) for Sample
        double* logits; // the gate's logits, (Co) of the current sample, computed before its selection (SampleLogits or
                        // Logits); null: the thread that selects an output channel computes its logit
        int64_t n, c, co, hw;
        int64_t inBlocks, outBlocks;   // the blocked layout's channel blocks (0 on NCHW)
        const PiXKernel* k;
        // Run's routing: floats per sample of x and y, and the two passes as tasks over `contexts` and `selects` units
        // (channels, or blocks of channels).
        int64_t xSample, ySample, contexts, selects;
        Task context, select;
    };

    // 16 partial sums: vectorisable, two independent chains of additions even at AVX-512's width, and still float64
    // throughout (PiXLayer's rule is a float64 context; the order of its additions is not part of it, but every copy
    // keeps the same order, so all give the same bits). With eight, AVX-512's copy was a single chain and read
    // 13-14 GB/s, half the plain copy's speed; with 16 it reads 45-80 GB/s on PiX-ResNet-50's first three stages
    // (22 on the last, 7 x 7 pixels), and the plain copy 22-28 (9 on the last stage, where the final tree weighs; with
    // 32 sums, 5.5). tools/bench/pix-passes.sh, docs/benchmarks/engines.md.
    template <bool Absolute>
    static inline __attribute__((always_inline)) double PlaneSumT(const float* plane, int64_t hw) {
        constexpr int P = 16;
        double acc[P] = {};
        int64_t j = 0;
        for (; j + P <= hw; j += P)
            for (int u = 0; u < P; ++u) acc[u] += Absolute ? std::fabs((double)plane[j + u]) : (double)plane[j + u];
        for (; j + 8 <= hw; j += 8)   // what is left, eight at a time (small planes are mostly this)
            for (int u = 0; u < 8; ++u) acc[u] += Absolute ? std::fabs((double)plane[j + u]) : (double)plane[j + u];
        for (int width = P / 2; width >= 1; width /= 2)
            for (int u = 0; u < width; ++u) acc[u] += acc[u + width];
        double sum = acc[0];
        for (; j < hw; ++j) sum += Absolute ? std::fabs((double)plane[j]) : (double)plane[j];
        return sum;
    }
    TARGETS static double PlaneSum(const float* plane, int64_t hw, bool absolute) {
        return absolute ? PlaneSumT<true>(plane, hw) : PlaneSumT<false>(plane, hw);
    }

    // The gate's logit for one output channel: W[o,:] . z in float64, over eight partial sums. A single
    // running sum is bound by the latency of each addition (the compiler may not reorder float64 additions); with
    // eight it vectorises, which made this product, not the passes over x, most of the operator's time before.
    TARGETS static double Dot(const float* w, const double* z, int64_t c) {
        double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        int64_t j = 0;
        for (; j + 8 <= c; j += 8)
            for (int u = 0; u < 8; ++u) acc[u] += (double)w[j + u] * z[j + u];
        double sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
        for (; j < c; ++j) sum += (double)w[j] * z[j];
        return sum;
    }

    // Dot for a tile of R rows of W (`wStride` apart) and S samples' contexts (`zStride` apart): out[r * S + t] is
    // W[r,:] . z[t,:] with Dot's bits (lane u of each product's partial sums is Dot's partial sum u, added in Dot's
    // order, and the tree and the tail are Dot's), but the R * S products are independent chains of additions, so the
    // tile runs at the processor's throughput instead of one addition's latency, and each row of W (each z) is read and
    // widened once for the S samples (the R rows). Dot's eight partial sums are held as 8 / V vectors of V lanes, V the
    // instruction set's width in doubles (a vector wider than its registers was spilled to the stack on every step:
    // the AVX2 copy ran 2.5 GMAC/s with eight-lane vectors). Explicit vectors, one copy per instruction set like the
    // blocked selections below (left to itself, the compiler assembled each vector of z from single elements).
#define PIXGEN_DOT_TILE(ATTR, NAME, R, S, V, WIDEN) \
    ATTR static void NAME(const float* w, int64_t wStride, const double* z, int64_t zStride, int64_t c, double* out) { \
        typedef double DV __attribute__((vector_size(8 * V))); \
        typedef double DVu __attribute__((vector_size(8 * V), aligned(8), may_alias)); \
        constexpr int P = 8 / V; \
        DV acc[R][S][P] = {}; \
        int64_t j = 0; \
        for (; j + 8 <= c; j += 8) \
            for (int r = 0; r < R; ++r) \
                for (int q = 0; q < P; ++q) { \
                    const DV wd = WIDEN(w + r * wStride + j + q * V); \
                    for (int t = 0; t < S; ++t) acc[r][t][q] += wd * *(const DVu*)(z + t * zStride + j + q * V); \
                } \
        for (int r = 0; r < R; ++r) \
            for (int t = 0; t < S; ++t) { \
                double a[8]; \
                for (int q = 0; q < P; ++q) \
                    for (int k = 0; k < V; ++k) a[q * V + k] = acc[r][t][q][k]; \
                double sum = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7])); \
                for (int64_t i = j; i < c; ++i) sum += (double)w[r * wStride + i] * z[t * zStride + i]; \
                out[r * S + t] = sum; \
            } \
    }
    // Rows4: one row for four samples; Cols4: four rows for one sample; Tile44: four rows for four samples, 16 chains
    // (AVX-512's 32 registers hold them; AVX2's 16 do not, so its batch pass keeps Rows4: BatchRows).
    // WIDEN(p): V floats from p as V doubles, one instruction (GCC's conversion of a vector of floats split each into
    // halves, through the stack).
#define PIXGEN_DOT_TILES(ATTR, ISA, V, WIDEN) \
    PIXGEN_DOT_TILE(ATTR, DotRows4_##ISA, 1, 4, V, WIDEN) \
    PIXGEN_DOT_TILE(ATTR, DotCols4_##ISA, 4, 1, V, WIDEN) \
    PIXGEN_DOT_TILE(ATTR, DotTile44_##ISA, 4, 4, V, WIDEN)
    typedef double Double2 __attribute__((vector_size(16)));
    static inline Double2 Widen2(const float* p) { return Double2{(double)p[0], (double)p[1]}; }
    PIXGEN_DOT_TILES(, generic, 2, Widen2)
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define PIXGEN_WIDEN4(p) _mm256_cvtps_pd(_mm_loadu_ps(p))
#define PIXGEN_WIDEN8(p) _mm512_cvtps_pd(_mm256_loadu_ps(p))
    PIXGEN_DOT_TILES(__attribute__((target("avx2"))), avx2, 4, PIXGEN_WIDEN4)
    PIXGEN_DOT_TILES(__attribute__((target("avx512f"))), avx512, 8, PIXGEN_WIDEN8)
#undef PIXGEN_WIDEN4
#undef PIXGEN_WIDEN8
#else
    // Elsewhere only the plain copies exist (BestIsa is 0 there, so the others are never chosen).
    static constexpr auto DotRows4_avx2 = &DotRows4_generic, DotRows4_avx512 = &DotRows4_generic;
    static constexpr auto DotCols4_avx2 = &DotCols4_generic, DotCols4_avx512 = &DotCols4_generic;
    static constexpr auto DotTile44_avx2 = &DotTile44_generic, DotTile44_avx512 = &DotTile44_generic;
#endif
#undef PIXGEN_DOT_TILES
#undef PIXGEN_DOT_TILE

    // Of the copies of one function for each instruction set, the one for isa (0 plain, 1 AVX2, 2 AVX-512; see BestIsa).
    template <class F>
    static F ForIsa(int isa, F generic, F avx2, F avx512) {
        return isa == 2 ? avx512 : isa == 1 ? avx2 : generic;
    }

    // One row of W against four samples' contexts (`stride` apart): out[t] = W[0,:] . z[t,:].
    static void DotRows4(int isa, const float* w, const double* z, int64_t stride, int64_t c, double* out) {
        ForIsa(isa, DotRows4_generic, DotRows4_avx2, DotRows4_avx512)(w, c, z, stride, c, out);
    }

    // Four consecutive rows of W against one sample's context: out[r] = W[r,:] . z.
    static void DotCols4(int isa, const float* w, const double* z, int64_t c, double* out) {
        ForIsa(isa, DotCols4_generic, DotCols4_avx2, DotCols4_avx512)(w, c, z, 0, c, out);
    }

    // Four consecutive rows of W against four samples' contexts (`stride` apart): out[r * 4 + t] = W[r,:] . z[t,:].
    static void DotTile44(int isa, const float* w, const double* z, int64_t stride, int64_t c, double* out) {
        ForIsa(isa, DotTile44_generic, DotTile44_avx2, DotTile44_avx512)(w, c, z, stride, c, out);
    }

    // The rows of W the batch pass (Logits) takes at a time for four samples: 4 (DotTile44) where the registers hold
    // its 16 chains, else 1 (DotRows4).
    static int64_t BatchRows(int isa) { return isa == 2 ? 4 : 1; }

    // The gate's logit W[o,:] . z + b[o] of the sample whose context is z, one output channel at a time.
    static double LogitOf(const Work& s, const double* z, int64_t o) {
        return Dot(s.w + o * s.c, z, s.c) + (double)s.b[o];
    }

    // Output channel o's logit for the current sample: computed before the selection (SampleLogits or Logits), or here.
    static double Logit(const Work& s, int64_t o) {
        return s.logits ? s.logits[o] : LogitOf(s, s.z, o);
    }

    // Logits before the selection: every sample's logits of a range of output channels, each tile of BatchRows rows of
    // W read once for four samples (z and logits are the whole batch's, (N, C) and (N, Co)).
    static constexpr int64_t LogitRows = 16;
    static void Logits(void* data, size_t i) {
        const auto& s = *static_cast<Work*>(data);
        const int isa = s.k->isa;
        const int64_t end = std::min(s.co, ((int64_t)i + 1) * LogitRows), rows = BatchRows(isa);
        for (int64_t o = (int64_t)i * LogitRows; o < end;) {
            const int64_t r = o + rows <= end ? rows : 1;
            const float* w = s.w + o * s.c;
            int64_t n = 0;
            for (double tile[16]; n + 4 <= s.n; n += 4) {
                if (r == 4) DotTile44(isa, w, s.z + n * s.c, s.c, s.c, tile); else DotRows4(isa, w, s.z + n * s.c, s.c, s.c, tile);
                for (int64_t q = 0; q < r; ++q)
                    for (int t = 0; t < 4; ++t) s.logits[(n + t) * s.co + o + q] = tile[q * 4 + t] + (double)s.b[o + q];
            }
            for (; n < s.n; ++n)
                for (int64_t q = 0; q < r; ++q) s.logits[n * s.co + o + q] = LogitOf(s, s.z + n * s.c, o + q);
            o += r;
        }
    }

    static void Context(void* data, size_t i) {
        auto& s = *static_cast<Work*>(data);
        double sum = PlaneSum(s.x + i * s.hw, s.hw, s.k->context == 1);
        s.z[i] = s.k->context == 1 ? sum : sum / (double)s.hw;
    }

    // The group's planes are combined into the output plane one input plane at a time (each loop runs over
    // contiguous pixels, so it vectorises), then scaled in place: the output plane stays in cache meanwhile.
    TARGETS static void SelectPlane(const float* in, float* out, int64_t hw, int64_t count, bool pick,
                                    float p, float scale, float shift, bool epilogue, bool relu) {
        for (int64_t j = 0; j < hw; ++j) out[j] = in[j];
        for (int64_t g = 1; g < count; ++g) {
            const float* plane = in + g * hw;
            if (pick)
                for (int64_t j = 0; j < hw; ++j) { float v = plane[j], m = out[j]; out[j] = (v > m || v != v) ? v : m; }
            else
                for (int64_t j = 0; j < hw; ++j) out[j] += plane[j];
        }
        float inv = 1.0f / (float)count;
        bool mean = !pick && count > 1;
        for (int64_t j = 0; j < hw; ++j) {
            float y = (mean ? out[j] * inv : out[j]) * p;
            if (epilogue) y = y * scale + shift;
            out[j] = relu && y < 0.0f ? 0.0f : y;
        }
    }

    static void Select(void* data, size_t i) {
        auto& s = *static_cast<Work*>(data);
        const auto& k = *s.k;
        int64_t o = (int64_t)i;   // x and y point at one sample
        int64_t first = o * k.zeta, count = std::min(k.zeta, s.c - first);
        double l = Logit(s, o);
        float p = 1.0f / (1.0f + std::exp(-(float)l));
        bool pick = k.mode == 2 || (k.mode == 0 && count > 1 && l < k.tauLogit);
        // y = (m * p) * scale + shift, rounded as the portable lowering's Mul, Mul, Add are.
        SelectPlane(s.x + first * s.hw, s.y + o * s.hw, s.hw, count, pick, p,
                    k.epilogue ? s.scale[o] : 1.0f, k.epilogue ? s.shift[o] : 0.0f, k.epilogue != 0, k.relu != 0);
    }

    static int64_t Cores() {
        static const int64_t cores = std::max<int64_t>(1, (int64_t)std::thread::hardware_concurrency());
        return cores;
    }

    // Sample i's share of the batch's work (x, y, z and the logits point at its own rows).
    static Work OneSample(void* data, size_t i) {
        const auto& all = *static_cast<Work*>(data);
        Work s = all;
        s.x = all.x + (int64_t)i * all.xSample;
        s.y = all.y + (int64_t)i * all.ySample;
        s.z = all.z + (int64_t)i * all.c;
        if (all.logits) s.logits = all.logits + (int64_t)i * all.co;
        return s;
    }
    // One sample's context and selection passes (s as OneSample gives it).
    static void ContextOf(Work& s) {
        for (int64_t j = 0; j < s.contexts; ++j) s.context(&s, (size_t)j);
    }
    static void SelectOf(Work& s) {
        for (int64_t j = 0; j < s.selects; ++j) s.select(&s, (size_t)j);
    }
    // The same as tasks over the batch's samples.
    static void SampleContext(void* data, size_t i) {
        Work s = OneSample(data, i);
        ContextOf(s);
    }
    static void SampleSelect(void* data, size_t i) {
        Work s = OneSample(data, i);
        SelectOf(s);
    }
    // A sample's logits (s.logits, (Co)) once its context is complete: four output channels per pass over z, so four
    // independent dot products run side by side (one at a time, each is bound by the latency of its additions).
    static void SampleLogits(const Work& s) {
        LogitsOfRange(s, 0, s.co, s.logits);
    }
    // The logits of output channels [o0, o0 + count) of the sample whose context is s.z, four at a time: out[r] is
    // channel o0 + r's.
    static void LogitsOfRange(const Work& s, int64_t o0, int64_t count, double* out) {
        int64_t r = 0;
        for (double four[4]; r + 4 <= count; r += 4) {
            DotCols4(s.k->isa, s.w + (o0 + r) * s.c, s.z, s.c, four);
            for (int q = 0; q < 4; ++q) out[r + q] = four[q] + (double)s.b[o0 + r + q];
        }
        for (; r < count; ++r) out[r] = LogitOf(s, s.z, o0 + r);
    }
    // One whole sample on one thread: its context, its logits, then its selection.
    static void Sample(void* data, size_t i) {
        Work s = OneSample(data, i);
        ContextOf(s);
        SampleLogits(s);
        SelectOf(s);
    }

    // Whether the batch's logits are computed in a pass of their own, between the contexts and the selections (each
    // tile of rows of W read once for four samples): where W is large beside a sample's planes, the per-sample route
    // reads all of W once per sample, and that, not the arithmetic, bounds it. It costs a second meeting of the threads,
    // and each sample's planes leave the cache between its context and its selection. On PiX-ResNet-50 at batch 8
    // (2 cores), with the 4 x 4 tiles, it paid in the last two stages (Co >= H W: 256 outputs of 14 x 14 pixels,
    // 512 of 7 x 7 and of 14 x 14): 0.26-0.35 against 0.30-0.38 ms per block of the third stage, 0.45-0.47 against
    // 0.51-0.58 for the fourth stage's first block (docs/benchmarks/engines.md). Only the per-sample route (a batch of
    // at least as many samples as cores) takes it.
    static bool LogitsFirst(const Work& s) {
        return s.n >= 4 && s.co >= s.hw;
    }

    // Both layouts' batch: the inputs in s, the passes and strides set.
    // A batch of at least as many samples as the machine has cores: one task per sample (its context, then its
    // selection, on one thread), so the threads meet once per operator instead of twice per sample. Measured on
    // PiX-ResNet-50 at batch 8 on 2 cores: 16-18 ms against 19.5 with each sample's planes split
    // (docs/benchmarks/engines.md). Each sample's task computes its logits between its context and its selection
    // (SampleLogits), except where LogitsFirst computes the batch's logits in a pass between the two.
    static void Run(Ort::KernelContext& ctx, Work& s, int64_t n) {
        if (n >= Cores()) {
            std::vector<double> zAll((size_t)(n * s.c)), logits((size_t)(n * s.co));
            s.z = zAll.data();
            s.logits = logits.data();
            s.n = n;
            if (LogitsFirst(s)) {
                ctx.ParallelFor(&SampleContext, (size_t)n, 0, &s);
                ctx.ParallelFor(&Logits, (size_t)((s.co + LogitRows - 1) / LogitRows), 0, &s);
                ctx.ParallelFor(&SampleSelect, (size_t)n, 0, &s);
            } else {
                ctx.ParallelFor(&Sample, (size_t)n, 0, &s);
            }
            s.logits = nullptr;
            return;
        }
        // Fewer samples than cores: one sample at a time, its planes split over the threads in two passes; its context
        // pass leaves the sample's planes in cache for its selection pass.
        std::vector<double> z((size_t)s.c);
        const float* x = s.x;
        float* y = s.y;
        for (int64_t i = 0; i < n; ++i) {
            s.x = x + i * s.xSample;
            s.y = y + i * s.ySample;
            s.z = z.data();
            ctx.ParallelFor(s.context, (size_t)s.contexts, 0, &s);
            ctx.ParallelFor(s.select, (size_t)s.selects, 0, &s);
        }
    }

    // The five inputs and the output of either layout.
    static Work Bind(Ort::KernelContext& ctx, float* y, int64_t c, int64_t co, int64_t hw, const PiXKernel* k) {
        Work s{};
        s.x = ctx.GetInput(0).GetTensorData<float>();
        s.w = ctx.GetInput(1).GetTensorData<float>();
        s.b = ctx.GetInput(2).GetTensorData<float>();
        s.scale = ctx.GetInput(3).GetTensorData<float>();
        s.shift = ctx.GetInput(4).GetTensorData<float>();
        s.y = y;
        s.c = c; s.co = co; s.hw = hw; s.k = k;
        return s;
    }

    // ---- ONNX Runtime's blocked layout (block = B): x is [N][Cpad/B][H][W][B], y is [N][Copad/B][H][W][B] ----
    // The same definition as above: the context in float64, the logits as above (per sample before its selection, or by
    // the thread that selects an output block), and y = (m * p) * scale + shift rounded the same way, so both layouts
    // give the same bits.

    // Per output channel of a block, as numbers so the selection loop has no branches: pick and valid are 1 or 0;
    // without an epilogue scale is 1 and shift 0, and the selections skip y * scale + shift (y * 1 + 0 turns -0, where
    // p underflowed to 0, into +0, which the NCHW route and the portable lowering leave as -0); floor is 0 with a ReLU,
    // else -infinity.
    struct Lanes {
        float p[16], scale[16], shift[16], pick[16], valid[16], floor[16];
    };

    // The spatial sums of one input block's B channels: B lanes side by side, so the loop vectorises across channels;
    // two sets of partial sums (even and odd pixels) halve the chain of dependent additions.
    template <int B>
    static inline __attribute__((always_inline)) void BlockSumT(const float* xb, int64_t hw, bool absolute, double* out) {
        double a0[B] = {}, a1[B] = {};
        int64_t j = 0;
        if (absolute) {
            for (; j + 2 <= hw; j += 2)
                for (int l = 0; l < B; ++l) { a0[l] += std::fabs((double)xb[j * B + l]); a1[l] += std::fabs((double)xb[(j + 1) * B + l]); }
            for (; j < hw; ++j)
                for (int l = 0; l < B; ++l) a0[l] += std::fabs((double)xb[j * B + l]);
        } else {
            for (; j + 2 <= hw; j += 2)
                for (int l = 0; l < B; ++l) { a0[l] += (double)xb[j * B + l]; a1[l] += (double)xb[(j + 1) * B + l]; }
            for (; j < hw; ++j)
                for (int l = 0; l < B; ++l) a0[l] += (double)xb[j * B + l];
        }
        for (int l = 0; l < B; ++l) out[l] = a0[l] + a1[l];
    }

    TARGETS static void BlockSum8(const float* xb, int64_t hw, bool absolute, double* out) { BlockSumT<8>(xb, hw, absolute, out); }
    TARGETS static void BlockSum16(const float* xb, int64_t hw, bool absolute, double* out) { BlockSumT<16>(xb, hw, absolute, out); }

    // One output block when every group is whole (C = Co * zeta) and zeta = Z: at each pixel the Z input blocks hold
    // the Z * B channels t of the B groups in order, so lane l reduces t[l*Z .. l*Z+Z-1]. log2(Z) rounds of splitting
    // pairs of vectors into their even and odd elements put element g of every lane's group side by side in u[g]; the
    // group is then reduced in the order g = 0, 1, ... as on NCHW (NaN wins the max).
    // Explicit vectors, so one copy per instruction set, each compiled for its target from the start (target_clones
    // copies a function after its vectors were already lowered for plain x86-64), chosen by FastSelect.
#define PIXGEN_BLOCK_SELECT(ATTR, NAME, B, Z, EVEN, ODD) \
    ATTR static void NAME(const float* const* in, float* out, int64_t hw, bool epilogue, const Lanes& L) { \
        typedef Lane<B>::Vec Vec; \
        typedef Lane<B>::Mask Mask; \
        Vec p, scale, shift, floor, pickv, validv, zero = {}, inv = zero + 1.0f / (float)Z; \
        std::memcpy(&p, L.p, sizeof p); std::memcpy(&scale, L.scale, sizeof p); std::memcpy(&shift, L.shift, sizeof p); \
        std::memcpy(&floor, L.floor, sizeof p); std::memcpy(&pickv, L.pick, sizeof p); std::memcpy(&validv, L.valid, sizeof p); \
        const Mask pick = pickv != zero, valid = validv != zero, even = EVEN, odd = ODD; \
        /* Loads and stores through an unaligned vector type, from the group's pointers copied into locals: with */ \
        /* memcpy into u[g], GCC copied each AVX2 vector to the stack in 16-byte halves and read it back whole */ \
        /* (a store-to-load forward that fails), and the AVX2 copy ran 4x slower. */ \
        typedef float VecU __attribute__((vector_size(4 * B), aligned(4), may_alias)); \
        const float* src[Z]; \
        for (int g = 0; g < Z; ++g) src[g] = in[g]; \
        for (int64_t j = 0; j < hw; ++j) { \
            Vec u[Z], next[Z]; \
            for (int g = 0; g < Z; ++g) u[g] = *(const VecU*)(src[g] + j * B); \
            for (int half = Z / 2; half >= 1; half /= 2) { \
                for (int k = 0; k < Z / 2; ++k) { \
                    next[k] = __builtin_shuffle(u[2 * k], u[2 * k + 1], even); \
                    next[Z / 2 + k] = __builtin_shuffle(u[2 * k], u[2 * k + 1], odd); \
                } \
                for (int g = 0; g < Z; ++g) u[g] = next[g]; \
            } \
            Vec m = u[0], sum = u[0]; \
            for (int g = 1; g < Z; ++g) { m = ((u[g] > m) | (u[g] != u[g])) ? u[g] : m; sum = sum + u[g]; } \
            Vec y = (pick ? m : (Z > 1 ? sum * inv : sum)) * p; \
            if (epilogue) y = y * scale + shift; \
            y = y < floor ? floor : y; \
            y = valid ? y : zero; \
            *(VecU*)(out + j * B) = y; \
        } \
    }
#define PIXGEN_EVEN8 Mask{0, 2, 4, 6, 8, 10, 12, 14}
#define PIXGEN_ODD8 Mask{1, 3, 5, 7, 9, 11, 13, 15}
#define PIXGEN_EVEN16 Mask{0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30}
#define PIXGEN_ODD16 Mask{1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31}
#define PIXGEN_BLOCK_SELECTS(ATTR, ISA) \
    PIXGEN_BLOCK_SELECT(ATTR, Select8_1_##ISA, 8, 1, PIXGEN_EVEN8, PIXGEN_ODD8) \
    PIXGEN_BLOCK_SELECT(ATTR, Select8_2_##ISA, 8, 2, PIXGEN_EVEN8, PIXGEN_ODD8) \
    PIXGEN_BLOCK_SELECT(ATTR, Select8_4_##ISA, 8, 4, PIXGEN_EVEN8, PIXGEN_ODD8) \
    PIXGEN_BLOCK_SELECT(ATTR, Select8_8_##ISA, 8, 8, PIXGEN_EVEN8, PIXGEN_ODD8) \
    PIXGEN_BLOCK_SELECT(ATTR, Select16_1_##ISA, 16, 1, PIXGEN_EVEN16, PIXGEN_ODD16) \
    PIXGEN_BLOCK_SELECT(ATTR, Select16_2_##ISA, 16, 2, PIXGEN_EVEN16, PIXGEN_ODD16) \
    PIXGEN_BLOCK_SELECT(ATTR, Select16_4_##ISA, 16, 4, PIXGEN_EVEN16, PIXGEN_ODD16) \
    PIXGEN_BLOCK_SELECT(ATTR, Select16_8_##ISA, 16, 8, PIXGEN_EVEN16, PIXGEN_ODD16) \
    static constexpr BlockSelectFn Selects_##ISA[2][4] = { \
        {&Select8_1_##ISA, &Select8_2_##ISA, &Select8_4_##ISA, &Select8_8_##ISA}, \
        {&Select16_1_##ISA, &Select16_2_##ISA, &Select16_4_##ISA, &Select16_8_##ISA}};

    using BlockSelectFn = void (*)(const float* const*, float*, int64_t, bool, const Lanes&);

    PIXGEN_BLOCK_SELECTS(, generic)
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
    PIXGEN_BLOCK_SELECTS(__attribute__((target("avx2"))), avx2)
    PIXGEN_BLOCK_SELECTS(__attribute__((target("avx512f"))), avx512)
#else
    // As for DotRows4: only the plain copies exist here.
    static constexpr const BlockSelectFn (&Selects_avx2)[2][4] = Selects_generic, (&Selects_avx512)[2][4] = Selects_generic;
#endif
#undef PIXGEN_BLOCK_SELECTS
#undef PIXGEN_EVEN8
#undef PIXGEN_ODD8
#undef PIXGEN_EVEN16
#undef PIXGEN_ODD16
#undef PIXGEN_BLOCK_SELECT

    // The instruction sets of the copies above: 0 plain, 1 AVX2, 2 AVX-512; the best this machine has.
    static int BestIsa() {
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
        static const int isa = __builtin_cpu_supports("avx512f") ? 2 : __builtin_cpu_supports("avx2") ? 1 : 0;
        return isa;
#else
        return 0;
#endif
    }

    // The copy for instruction set isa, a block of 8 or 16 and zeta 1, 2, 4 or 8; null otherwise.
    static BlockSelectFn FastSelect(int64_t b, int64_t zeta, int isa) {
        int z = zeta == 1 ? 0 : zeta == 2 ? 1 : zeta == 4 ? 2 : zeta == 8 ? 3 : -1;
        if (z < 0 || (b != 8 && b != 16)) return nullptr;
        int row = b == 16 ? 1 : 0;
        return ForIsa(isa, Selects_generic[row][z], Selects_avx2[row][z], Selects_avx512[row][z]);
    }


    static void BlockContext(void* data, size_t i) {
        auto& s = *static_cast<Work*>(data);
        const auto& k = *s.k;
        double sums[16];
        const float* xb = s.x + (int64_t)i * s.hw * k.block;
        if (k.block == 16) BlockSum16(xb, s.hw, k.context == 1, sums); else BlockSum8(xb, s.hw, k.context == 1, sums);
        for (int64_t l = 0; l < k.block; ++l) {
            int64_t ch = (int64_t)i * k.block + l;
            if (ch < s.c) s.z[ch] = k.context == 1 ? sums[l] : sums[l] / (double)s.hw;
        }
    }

    static void BlockSelect(void* data, size_t i) {
        auto& s = *static_cast<Work*>(data);
        const auto& k = *s.k;
        const int64_t B = k.block, ob = (int64_t)i;
        // The block's logits: computed before the selection, or here, four output channels at a time (the per-plane
        // route, where each thread computes the logits of the blocks it selects).
        double logits[16];
        const int64_t valid = std::max<int64_t>(0, std::min(B, s.co - ob * B));
        if (s.logits) std::copy(s.logits + ob * B, s.logits + ob * B + valid, logits);
        else LogitsOfRange(s, ob * B, valid, logits);
        Lanes L{};
        for (int64_t l = 0; l < B; ++l) {
            int64_t o = ob * B + l;
            L.scale[l] = 1.0f;
            L.floor[l] = k.relu ? 0.0f : -INFINITY;
            L.valid[l] = o < s.co ? 1.0f : 0.0f;
            if (o >= s.co) continue;
            int64_t count = std::min(k.zeta, s.c - o * k.zeta);
            double logit = logits[l];
            L.p[l] = 1.0f / (1.0f + std::exp(-(float)logit));
            L.pick[l] = k.mode == 2 || (k.mode == 0 && count > 1 && logit < k.tauLogit) ? 1.0f : 0.0f;
            if (k.epilogue) { L.scale[l] = s.scale[o]; L.shift[l] = s.shift[o]; }
        }
        float* out = s.y + ob * s.hw * B;
        const int64_t planeStride = s.hw * B;
        if (auto fast = s.c == s.co * k.zeta ? FastSelect(B, k.zeta, k.isa) : nullptr) {
            // Blocks past the input's end only feed padding lanes (written as 0): any block will do.
            const float* in[8];
            for (int64_t g = 0; g < k.zeta; ++g) in[g] = s.x + std::min(ob * k.zeta + g, s.inBlocks - 1) * planeStride;
            fast(in, out, s.hw, k.epilogue != 0, L);
            return;
        }
        // Any other zeta, or a short last group: each lane gathers its channels one by one.
        for (int64_t l = 0; l < B; ++l) {
            int64_t o = ob * B + l;
            if (L.valid[l] == 0.0f) { for (int64_t j = 0; j < s.hw; ++j) out[j * B + l] = 0.0f; continue; }
            int64_t first = o * k.zeta, count = std::min(k.zeta, s.c - first);
            bool pick = L.pick[l] != 0.0f, mean = !pick && count > 1;
            float inv = 1.0f / (float)count;
            for (int64_t j = 0; j < s.hw; ++j) {
                float m = 0.0f, sum = 0.0f;
                for (int64_t g = 0; g < count; ++g) {
                    int64_t ch = first + g;
                    float v = s.x[(ch / B) * planeStride + j * B + ch % B];
                    if (g == 0) { m = v; sum = v; } else { m = (v > m || v != v) ? v : m; sum += v; }
                }
                float y = (pick ? m : (mean ? sum * inv : sum)) * L.p[l];
                if (k.epilogue) y = y * L.scale[l] + L.shift[l];
                out[j * B + l] = y < L.floor[l] ? L.floor[l] : y;
            }
        }
    }

    void ComputeBlocked(Ort::KernelContext& ctx) {
        auto xv = ctx.GetInput(0);
        auto shape = xv.GetTensorTypeAndShapeInfo().GetShape();
        auto wShape = ctx.GetInput(1).GetTensorTypeAndShapeInfo().GetShape();
        int64_t n = shape[0], cpad = shape[1], h = shape[2], w = shape[3];
        int64_t co = wShape[0], c = wShape[1];
        if (cpad != (c + block - 1) / block * block || co != (c + zeta - 1) / zeta)
            throw Ort::Exception("ai.pixgen.PiX: a blocked input of " + std::to_string(cpad) + " channels does not fit W's " +
                                 std::to_string(co) + "x" + std::to_string(c) + " for zeta " + std::to_string(zeta) +
                                 " and block " + std::to_string(block), ORT_INVALID_ARGUMENT);
        int64_t copad = (co + block - 1) / block * block;
        auto yv = ctx.GetOutput(0, std::vector<int64_t>{n, copad, h, w});
        if (n * copad * h * w == 0) return;
        Work s = Bind(ctx, yv.GetTensorMutableData<float>(), c, co, h * w, this);
        s.inBlocks = cpad / block; s.outBlocks = copad / block;
        s.xSample = cpad * h * w; s.ySample = copad * h * w;
        s.contexts = s.inBlocks; s.selects = s.outBlocks;
        s.context = &BlockContext; s.select = &BlockSelect;
        Run(ctx, s, n);
    }

    void Compute(OrtKernelContext* raw) {
        Ort::KernelContext ctx(raw);
        if (block != 0) { ComputeBlocked(ctx); return; }
        auto xv = ctx.GetInput(0);
        auto shape = xv.GetTensorTypeAndShapeInfo().GetShape();
        int64_t n = shape[0], c = shape[1], h = shape[2], w = shape[3];
        int64_t co = (c + zeta - 1) / zeta;
        auto yv = ctx.GetOutput(0, std::vector<int64_t>{n, co, h, w});
        if (n * co * h * w == 0) return;
        Work s = Bind(ctx, yv.GetTensorMutableData<float>(), c, co, h * w, this);
        s.xSample = c * h * w; s.ySample = co * h * w;
        s.contexts = c; s.selects = co;
        s.context = &Context; s.select = &Select;
        Run(ctx, s, n);
    }
};

struct PiXOp : Ort::CustomOpBase<PiXOp, PiXKernel> {
    void* CreateKernel(const OrtApi& api, const OrtKernelInfo* info) const { return new PiXKernel(api, info); }
    const char* GetName() const { return "PiX"; }
    const char* GetExecutionProviderType() const { return "CPUExecutionProvider"; }
    size_t GetInputTypeCount() const { return 5; }
    ONNXTensorElementDataType GetInputType(size_t) const { return ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT; }
    size_t GetOutputTypeCount() const { return 1; }
    ONNXTensorElementDataType GetOutputType(size_t) const { return ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT; }

};

PiXOp pixOp;

}  // namespace

extern "C" __attribute__((visibility("default")))
OrtStatus* RegisterCustomOps(OrtSessionOptions* options, const OrtApiBase* base) {
    Ort::InitApi(base->GetApi(ORT_API_VERSION));
    static Ort::CustomOpDomain domain{nullptr};
    try {
        if (!domain) {
            domain = Ort::CustomOpDomain("ai.pixgen");
            domain.Add(&pixOp);
        }
        Ort::UnownedSessionOptions(options).Add(domain);
    } catch (const Ort::Exception& e) {
        return Ort::GetApi().CreateStatus(ORT_FAIL, e.what());
    }
    return nullptr;
}
