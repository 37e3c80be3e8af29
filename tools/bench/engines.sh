#!/bin/bash
# The measurements of docs/benchmarks/engines.md in one run, from the repository root after
# `dotnet build -c Release examples/PiXGen.Zoo`. Every line of output is kept in
# ${OUT:-BenchmarkDotNet.Artifacts/engines-run.log}. ROUNDS/WARMUP/BATCH can be lowered for a quick look.
# The PyTorch engines need Debian's python3-torch at /usr/bin/python3 (or PIXGEN_PYTHON); without it they are
# reported as unavailable and the rest still runs.
set -u
OUT=${OUT:-BenchmarkDotNet.Artifacts/engines-run.log}
ROUNDS=${ROUNDS:-7}
WARMUP=${WARMUP:-2}
BATCH=${BATCH:-8}
ENGINES=${ENGINES:-torchsharp,fused-torchsharp,fused,onnxruntime,pytorch,pytorch-cl,pytorch-jit}
mkdir -p "$(dirname "$OUT")"
Z="dotnet examples/PiXGen.Zoo/bin/Release/net10.0/PiXGen.Zoo.dll"
. "$(dirname "$0")/log.sh"
: > "$OUT"
log "# $(date -u +%FT%TZ) $(nproc) cores, commit $(git rev-parse --short HEAD 2>/dev/null)"
# 1. every engine on the same network, round-robin
run $Z bench resnet50 --engines "$ENGINES" --batch "$BATCH" --rounds "$ROUNDS" --warmup "$WARMUP"
run $Z bench pix_resnet50 --engines "$ENGINES,fused-nchw-pix,fused-standard-ops" --batch "$BATCH" --rounds "$ROUNDS" --warmup "$WARMUP"
# 2. PiX-ResNet-50 against ResNet-50, both on the fast path (model.Fuse()), alternating every round; then both profiled
#    on ONNX Runtime, runs in turn, and compared node by node
run $Z bench pix_resnet50 --vs resnet50 --fuse --profile --batch "$BATCH" --rounds $((ROUNDS * 2 + 1)) --warmup "$WARMUP"
# 3. where the fast path's time goes: ONNX Runtime's per-node profile, the PiX layers' share (with the PiX operator on
#    ONNX Runtime's blocked layout, and on NCHW with ONNX Runtime's reorders around it)
run $Z bench pix_resnet50 --engines fused,fused-nchw-pix --profile --batch "$BATCH" --rounds "$ROUNDS" --warmup "$WARMUP"
run $Z bench resnet50 --engines fused --profile --batch "$BATCH" --rounds "$ROUNDS" --warmup "$WARMUP"
# 4. training steps, per phase: the generated ResNet-50 against PyTorch NCHW and channels_last, one process after the
#    other, twice in turn; then PiX-ResNet-50 against ResNet-50 alternating in one process
P=${PIXGEN_PYTHON:-/usr/bin/python3}
for turn in 1 2; do
  run $Z bench resnet50 --train --batch "$BATCH" --rounds "$ROUNDS" --warmup "$WARMUP"
  run "$P" tools/bench/pytorch_resnet50.py --train --batch "$BATCH" --threads 2 --rounds "$ROUNDS" --warmup "$WARMUP"
  run "$P" tools/bench/pytorch_resnet50.py --train --channels-last --batch "$BATCH" --threads 2 --rounds "$ROUNDS" --warmup "$WARMUP"
done
run $Z bench pix_resnet50 --vs resnet50 --train --batch "$BATCH" --rounds "$ROUNDS" --warmup "$WARMUP"
