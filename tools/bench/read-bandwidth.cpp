// How fast one core reads a buffer it reads over and over, by buffer size: where the PiX operator's second read of a
// sample's input comes from (docs/benchmarks/engines.md). 64 independent sums, vectorised for this machine (built
// with -march=native), each buffer read for 0.3 s. Built and run by tools/bench/read-bandwidth.sh.
#include <chrono>
#include <cstdio>
#include <vector>

namespace {
double Seconds() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// The sum of n floats (n a multiple of 64): 64 lanes side by side, so the loop is bound by the loads, not the adds.
float Sum(const float* p, size_t n) {
    float acc[64] = {};
    for (size_t i = 0; i < n; i += 64)
        for (int l = 0; l < 64; ++l) acc[l] += p[i + l];
    float s = 0;
    for (float a : acc) s += a;
    return s;
}
}

int main() {
    std::printf("%10s  %8s\n", "buffer MB", "GB/s");
    for (double mb : {0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 256.0}) {
        const size_t n = (size_t)(mb * 1024 * 1024 / sizeof(float)) / 64 * 64;
        std::vector<float> v(n, 1.0f);
        float sink = Sum(v.data(), n);
        double bytes = 0;
        const double t0 = Seconds();
        while (Seconds() - t0 < 0.3) { sink += Sum(v.data(), n); bytes += (double)n * sizeof(float); }
        std::printf("%10.2f  %8.1f%s\n", mb, bytes / (Seconds() - t0) / 1e9, sink < 0 ? " " : "");
    }
    return 0;
}
