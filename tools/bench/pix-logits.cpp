// The PiX operator's gate logits alone (src/PiXGen/Native/pixgen_ort.cpp, included whole): one thread, W (Co, C) and
// eight samples' float64 contexts, each logit W[o,:] . z[n,:] computed four ways, the best of 20 repetitions each:
//   dot    - one product at a time (Dot: the per-plane route, and the leftovers after the tiles)
//   cols4  - four output channels of one sample at a time (DotCols4: the per-sample route)
//   rows4  - one row of W for four samples (DotRows4: the logits-first pass on AVX2 and plain x86-64)
//   tile44 - four rows of W for four samples (DotTile44: the logits-first pass on AVX-512)
// the tiles in each copy this machine runs (avx512, avx2, generic). All give the same bits; the program checks that and
// exits with 1 where they do not.
// Built and run by tools/bench/pix-logits.sh.
#include "../../src/PiXGen/Native/pixgen_ort.cpp"

#include <chrono>
#include <cstdio>
#include <random>

namespace {
double Now() { return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
}

int main(int argc, char** argv) {
    using K = PiXKernel;
    if (argc != 3) { std::fprintf(stderr, "usage: pix-logits C CO\n"); return 2; }
    const int64_t c = std::atol(argv[1]), co = std::atol(argv[2]), n = 8;
    if (c <= 0 || co <= 0 || co % 4 != 0) { std::fprintf(stderr, "C must be positive and CO a positive multiple of 4\n"); return 2; }
    std::vector<float> w((size_t)(co * c));
    std::vector<double> z((size_t)(n * c));
    std::mt19937 gen(1);
    std::normal_distribution<float> normal;
    for (auto& v : w) v = normal(gen);
    for (auto& v : z) v = normal(gen);
    const char* names[] = {"dot", "cols4", "rows4", "tile44"};
    const char* isas[] = {"generic", "avx2", "avx512"};
    std::vector<double> first;
    for (int isa = K::BestIsa(); isa >= 0; --isa)
        for (int way = isa == K::BestIsa() ? 0 : 1; way < 4; ++way) {
            std::vector<double> out((size_t)(n * co));
            double best = 1e300;
            for (int rep = 0; rep < 20; ++rep) {
                const double t0 = Now();
                double tile[16];
                if (way == 0) {
                    for (int64_t s = 0; s < n; ++s)
                        for (int64_t o = 0; o < co; ++o) out[(size_t)(s * co + o)] = K::Dot(&w[(size_t)(o * c)], &z[(size_t)(s * c)], c);
                } else if (way == 1) {
                    for (int64_t s = 0; s < n; ++s)
                        for (int64_t o = 0; o < co; o += 4) {
                            K::DotCols4(isa, &w[(size_t)(o * c)], &z[(size_t)(s * c)], c, tile);
                            for (int r = 0; r < 4; ++r) out[(size_t)(s * co + o + r)] = tile[r];
                        }
                } else {
                    const int rows = way == 3 ? 4 : 1;
                    for (int64_t o = 0; o < co; o += rows)
                        for (int64_t s = 0; s < n; s += 4) {
                            if (rows == 4) K::DotTile44(isa, &w[(size_t)(o * c)], &z[(size_t)(s * c)], c, c, tile);
                            else K::DotRows4(isa, &w[(size_t)(o * c)], &z[(size_t)(s * c)], c, c, tile);
                            for (int r = 0; r < rows; ++r)
                                for (int t = 0; t < 4; ++t) out[(size_t)((s + t) * co + o + r)] = tile[r * 4 + t];
                        }
                }
                best = std::min(best, Now() - t0);
            }
            if (way == 0) first = out;
            else if (std::memcmp(first.data(), out.data(), out.size() * sizeof(double)) != 0) {
                std::fprintf(stderr, "%s (%s) does not give dot's bits\n", names[way], isas[isa]);
                return 1;
            }
            std::printf("C %5lld  Co %4lld  8 samples  %-6s %-7s  %7.3f ms  %6.2f GMAC/s\n", (long long)c, (long long)co,
                        names[way], way == 0 ? "" : isas[isa], best, (double)n * co * c / best / 1e6);
        }
    return 0;
}
