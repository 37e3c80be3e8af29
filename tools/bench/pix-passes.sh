#!/bin/bash
# The PiX operator's context and selection passes alone, one thread, one sample in cache (tools/bench/pix-passes.cpp):
# PiX-ResNet-50's four stages (zeta 4), every blocked copy this machine runs and the NCHW route; then again with the
# NCHW route's plain x86-64 copy (what a processor without AVX2 runs). From the repository root; needs /usr/bin/g++
# (tools/bench/operator-bench.sh).
set -eu
. "$(dirname "$0")/operator-bench.sh"
operator_bench pix-passes "256 3136" "512 784" "1024 196" "2048 49"
OPERATOR_BENCH_FLAGS=-DPIXGEN_PLAIN_CLONES operator_bench pix-passes "256 3136" "512 784" "1024 196" "2048 49"
