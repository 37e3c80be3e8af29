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
// tau_logit (a string, parsed as a double, so the threshold is exact).
// x is read twice: once for the context, once for the selection (with the logit), on ORT's intra-op threads: one task
// per sample when the batch has at least as many samples as the machine has cores, otherwise per plane.

#define ORT_API_MANUAL_INIT
#include "onnxruntime_cxx_api.h"
#undef ORT_API_MANUAL_INIT

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

// One copy for AVX2 machines and one for any x86-64, chosen when the library loads.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define TARGETS __attribute__((target_clones("avx2", "default")))
#else
#define TARGETS
#endif

namespace {

struct PiXKernel {
    int64_t zeta, mode, context, epilogue, relu;
    double tauLogit;

    PiXKernel(const OrtApi& api, const OrtKernelInfo* info) {
        Ort::ConstKernelInfo ki(info);
        zeta = ki.GetAttribute<int64_t>("zeta");
        mode = ki.GetAttribute<int64_t>("mode");
        context = ki.GetAttribute<int64_t>("context");
        epilogue = ki.GetAttribute<int64_t>("epilogue");
        relu = ki.GetAttribute<int64_t>("relu");
        tauLogit = std::strtod(ki.GetAttribute<std::string>("tau_logit").c_str(), nullptr);
        (void)api;
    }

    struct Work {
        const float *x, *w, *b, *scale, *shift;
        float* y;
        double* z;      // the context: (C) of the current sample, or (N, C) for Sample
        int64_t c, co, hw;
        const PiXKernel* k;
    };

    // Eight partial sums: vectorisable, and still float64 throughout (PiXLayer's rule is a float64 context; the order
    // of its additions is not part of it).
    TARGETS static double PlaneSum(const float* plane, int64_t hw, bool absolute) {
        double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        int64_t j = 0;
        for (; j + 8 <= hw; j += 8)
            for (int u = 0; u < 8; ++u) acc[u] += absolute ? std::fabs((double)plane[j + u]) : (double)plane[j + u];
        double sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
        for (; j < hw; ++j) sum += absolute ? std::fabs((double)plane[j]) : (double)plane[j];
        return sum;
    }

    // The gate's logit for one output channel: W[o,:] . z in float64, over eight partial sums like PlaneSum. A single
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
        double l = Dot(s.w + o * s.c, s.z, s.c) + (double)s.b[o];
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

    // One whole sample on one thread: its context, then its selection (z points at the sample's own row).
    static void Sample(void* data, size_t i) {
        const auto& all = *static_cast<Work*>(data);
        Work s = all;
        s.x = all.x + (int64_t)i * all.c * all.hw;
        s.y = all.y + (int64_t)i * all.co * all.hw;
        s.z = all.z + (int64_t)i * all.c;
        for (int64_t j = 0; j < s.c; ++j) Context(&s, (size_t)j);
        for (int64_t o = 0; o < s.co; ++o) Select(&s, (size_t)o);
    }

    void Compute(OrtKernelContext* raw) {
        Ort::KernelContext ctx(raw);
        auto xv = ctx.GetInput(0);
        auto shape = xv.GetTensorTypeAndShapeInfo().GetShape();
        int64_t n = shape[0], c = shape[1], h = shape[2], w = shape[3];
        int64_t co = (c + zeta - 1) / zeta;
        auto yv = ctx.GetOutput(0, std::vector<int64_t>{n, co, h, w});
        Work s{};
        s.x = xv.GetTensorData<float>();
        s.w = ctx.GetInput(1).GetTensorData<float>();
        s.b = ctx.GetInput(2).GetTensorData<float>();
        s.scale = ctx.GetInput(3).GetTensorData<float>();
        s.shift = ctx.GetInput(4).GetTensorData<float>();
        s.y = yv.GetTensorMutableData<float>();
        s.c = c; s.co = co; s.hw = h * w; s.k = this;
        if (n * co * h * w == 0) return;
        // In both routes below each output channel's logit is computed by the thread that selects it.
        // A batch of at least as many samples as the machine has cores: one task per sample (its context, then its
        // selection, on one thread), so the threads meet once per operator instead of twice per sample. Measured on
        // PiX-ResNet-50 at batch 8 on 2 cores: 16-18 ms against 19.5 with each sample's planes split
        // (docs/benchmarks/engines.md).
        if (n >= Cores()) {
            std::vector<double> zAll((size_t)(n * c));
            s.z = zAll.data();
            ctx.ParallelFor(&Sample, (size_t)n, 0, &s);
            return;
        }
        // Fewer samples than cores: one sample at a time, its planes split over the threads in two passes; its context
        // pass leaves the sample's planes in cache for its selection pass.
        std::vector<double> z((size_t)c);
        const float* x = s.x;
        float* y = s.y;
        for (int64_t i = 0; i < n; ++i) {
            s.x = x + i * c * s.hw;
            s.y = y + i * co * s.hw;
            s.z = z.data();
            ctx.ParallelFor(&Context, (size_t)c, 0, &s);
            ctx.ParallelFor(&Select, (size_t)co, 0, &s);
        }
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
