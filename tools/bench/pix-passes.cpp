// The PiX operator's two passes on ONNX Runtime's blocked layout alone (src/PiXGen/Native/pixgen_ort.cpp, included
// whole): one thread, one sample already in cache (the best of 20 repetitions), zeta 4 as in PiX-ResNet-50, the
// context pass (BlockContext over the input blocks) and the selection pass (BlockSelect over the output blocks, its
// logits given) in every copy this machine runs: block 16 with AVX-512, block 8 with AVX2 (ONNX Runtime's block on
// such machines), and the plain copies of both; then the NCHW route's two passes (Context, Select), in the copy the
// library chooses for this machine, or in the plain x86-64 one where built with -DPIXGEN_PLAIN_CLONES. Prints GB/s of
// input read per pass. The copies of one block must give the same bits, and the NCHW route the blocked routes' outputs;
// the program checks that and exits with 1 where they do not.
// Built and run by tools/bench/pix-passes.sh.
#include "../../src/PiXGen/Native/pixgen_ort.cpp"

#include <chrono>
#include <cstdio>
#include <random>

namespace {
double Now() { return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// The operator's two passes over the sample s describes (its context and select tasks, as Run gives them), each the
// best of 20 repetitions, in ms.
struct PassTimes { double context = 1e300, select = 1e300; };
PassTimes BestOf20(PiXKernel::Work& s) {
    PassTimes best;
    for (int rep = 0; rep < 20; ++rep) {
        const double t0 = Now();
        PiXKernel::ContextOf(s);
        const double t1 = Now();
        PiXKernel::SelectOf(s);
        const double t2 = Now();
        best.context = std::min(best.context, t1 - t0);
        best.select = std::min(best.select, t2 - t1);
    }
    return best;
}
}

int main(int argc, char** argv) {
    using K = PiXKernel;
    if (argc != 3) { std::fprintf(stderr, "usage: pix-passes C HW\n"); return 2; }
    const int64_t c = std::atol(argv[1]), hw = std::atol(argv[2]), zeta = 4, co = c / zeta;
    if (c <= 0 || hw <= 0 || c % 64 != 0) { std::fprintf(stderr, "C must be a positive multiple of 64 and HW positive\n"); return 2; }
    std::mt19937 gen(1);
    std::normal_distribution<float> normal;
    std::vector<float> x((size_t)(c * hw)), w((size_t)(co * c)), b((size_t)co), scale((size_t)co), shift((size_t)co);
    for (auto& v : x) v = normal(gen);
    for (auto& v : b) v = normal(gen);
    for (auto& v : scale) v = normal(gen);
    for (auto& v : shift) v = normal(gen);
    std::vector<double> logits((size_t)co);
    for (auto& v : logits) v = normal(gen);   // about half pick, half mix (logit(tau) = 0)
    const char* names[] = {"generic", "avx2", "avx512"};
    const double gb = (double)c * hw * 4 / 1e6;
    // The NCHW route first: its output, reordered to each block's layout, is what every blocked copy must give.
    std::vector<float> nchw((size_t)(co * hw));
    {
        K k(zeta, 0, 0, 1, 1, 0, K::BestIsa(), 0.0);
        std::vector<double> z((size_t)c);
        K::Work s{};
        s.x = x.data(); s.w = w.data(); s.b = b.data(); s.scale = scale.data(); s.shift = shift.data();
        s.y = nchw.data(); s.z = z.data(); s.logits = logits.data();
        s.n = 1; s.c = c; s.co = co; s.hw = hw; s.k = &k;
        s.contexts = c; s.selects = co; s.context = &K::Context; s.select = &K::Select;
        const PassTimes t = BestOf20(s);
#ifdef PIXGEN_PLAIN_CLONES
        const char* copy = "generic";
#else
        const char* copy = "best";
#endif
        std::printf("C %5lld  HW %5lld  NCHW      %-7s  context %7.3f ms %6.1f GB/s  selection %7.3f ms %6.1f GB/s\n",
                    (long long)c, (long long)hw, copy, t.context, gb / t.context, t.select, gb / t.select);
    }
    for (int64_t block : {16, 8}) {
        // x on the blocked layout: [C/B][HW][B].
        std::vector<float> xb((size_t)(c * hw));
        for (int64_t ch = 0; ch < c; ++ch)
            for (int64_t j = 0; j < hw; ++j) xb[(size_t)((ch / block) * hw * block + j * block + ch % block)] = x[(size_t)(ch * hw + j)];
        for (int isa = K::BestIsa(); isa >= 0; --isa) {
            if (isa == 2 && block == 8) continue;   // block 8 is ONNX Runtime's layout without AVX-512
            K k(zeta, 0, 0, 1, 1, block, isa, 0.0);
            std::vector<double> z((size_t)c);
            std::vector<float> y((size_t)(co * hw));
            K::Work s{};
            s.x = xb.data(); s.w = w.data(); s.b = b.data(); s.scale = scale.data(); s.shift = shift.data();
            s.y = y.data(); s.z = z.data(); s.logits = logits.data();
            s.n = 1; s.c = c; s.co = co; s.hw = hw; s.k = &k;
            s.inBlocks = c / block; s.outBlocks = co / block;
            s.contexts = s.inBlocks; s.selects = s.outBlocks; s.context = &K::BlockContext; s.select = &K::BlockSelect;
            const PassTimes t = BestOf20(s);
            // The blocked output against the NCHW route's, lane by lane (x is the same tensor read as blocks: the
            // layouts differ, the numbers must not).
            for (int64_t o = 0; o < co; ++o)
                for (int64_t j = 0; j < hw; ++j)
                    if (std::memcmp(&nchw[(size_t)(o * hw + j)], &y[(size_t)((o / block) * hw * block + j * block + o % block)], sizeof(float)) != 0) {
                        std::fprintf(stderr, "block %lld, %s copy: output channel %lld, pixel %lld differs from the NCHW route's\n",
                                     (long long)block, names[isa], (long long)o, (long long)j);
                        return 1;
                    }
            std::printf("C %5lld  HW %5lld  block %2lld  %-7s  context %7.3f ms %6.1f GB/s  selection %7.3f ms %6.1f GB/s\n",
                        (long long)c, (long long)hw, (long long)block, names[isa], t.context, gb / t.context, t.select, gb / t.select);
        }
    }
    return 0;
}
