#!/bin/bash
# The PiX operator's gate logits alone, one thread (tools/bench/pix-logits.cpp): the shapes of PiX-ResNet-50's stages
# 2-4 at batch 8. From the repository root; needs /usr/bin/g++ (tools/bench/operator-bench.sh).
set -eu
. "$(dirname "$0")/operator-bench.sh"
operator_bench pix-logits "512 128" "1024 256" "1024 512" "2048 512"
