#!/bin/bash
# The PiX operator's context and selection passes on the blocked layout alone, one thread, one sample in cache
# (tools/bench/pix-passes.cpp): PiX-ResNet-50's four stages (zeta 4), every copy this machine runs. From the repository
# root; needs /usr/bin/g++ (tools/bench/operator-bench.sh).
set -eu
. "$(dirname "$0")/operator-bench.sh"
operator_bench pix-passes "256 3136" "512 784" "1024 196" "2048 49"
