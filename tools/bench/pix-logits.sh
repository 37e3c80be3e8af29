#!/bin/bash
# The PiX operator's gate logits alone, one thread (tools/bench/pix-logits.cpp): the shapes of PiX-ResNet-50's stages
# 2-4 at batch 8. Built with the flags src/PiXGen/PiXGen.csproj gives the operator, against ONNX Runtime's headers from
# the NuGet cache (restored by any build of src/PiXGen). From the repository root; needs /usr/bin/g++.
set -eu
INC=${ORT_INCLUDE:-$(ls -d "${NUGET_PACKAGES:-$HOME/.nuget/packages}"/microsoft.ml.onnxruntime/*/build/native/include | sort -V | tail -1)}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
/usr/bin/g++ -O3 -fno-trapping-math -ffp-contract=off -std=c++17 -I "$INC" tools/bench/pix-logits.cpp -o "$work/pix-logits"
echo "# $(date -u +%FT%TZ) commit $(git rev-parse --short HEAD 2>/dev/null), load $(cut -d' ' -f1-3 /proc/loadavg)"
for shape in "512 128" "1024 256" "1024 512" "2048 512"; do "$work/pix-logits" $shape; done
