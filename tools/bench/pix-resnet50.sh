#!/bin/bash
# The measurements of docs/benchmarks/pix-resnet50.md in one run (about 6 minutes on the 2-core VM), from the
# repository root after `dotnet build -c Release examples/PiXGen.Zoo && dotnet build -c Release tests/PiXGen.Benchmarks`. Every line of output
# is kept in ${OUT:-BenchmarkDotNet.Artifacts/pix-resnet50-run.log}; JSON lines are the bench results.
# PyTorch (Debian's python3-torch 1.13.1 at /usr/bin/python3) is timed on the same threads, alternating with the
# generated network, when it is installed.
set -u
OUT=${OUT:-BenchmarkDotNet.Artifacts/pix-resnet50-run.log}
THREADS=${THREADS:-$(nproc)}   # the zoo CLI uses all cores; PyTorch and the profile are given the same
mkdir -p "$(dirname "$OUT")"
Z="dotnet examples/PiXGen.Zoo/bin/Release/net10.0/PiXGen.Zoo.dll"
B="dotnet tests/PiXGen.Benchmarks/bin/Release/net10.0/PiXGen.Benchmarks.dll --threads $THREADS"
log() { echo "$@" | tee -a "$OUT"; }
run() { log "## $* (load: $(cut -d' ' -f1-3 /proc/loadavg))"; "$@" 2>&1 | tee -a "$OUT"; }
: > "$OUT"
log "# $(date -u +%FT%TZ) $(nproc) cores, threads $THREADS, commit $(git rev-parse --short HEAD 2>/dev/null)"
# 1. PiX-ResNet-50 against ResNet-50, alternating every round
run $Z bench pix_resnet50 --vs resnet50 --batch 8 --rounds 11 --warmup 2 --json
run $Z bench pix_resnet50 --vs resnet50 --batch 1 --rounds 21 --warmup 3 --json
run $Z bench pix_resnet50 --vs resnet50 --batch 8 --train --rounds 7 --warmup 1 --json
run $Z bench pix_resnet50 --vs resnet50 --batch 8 --fuse --rounds 11 --warmup 2 --json
# 2. the generated ResNet-50 against PyTorch's, same input, same threads, alternating three times
if /usr/bin/python3 -c "import torch, torchvision" 2>/dev/null; then
  for i in 1 2 3; do
    run /usr/bin/python3 tools/bench/pytorch_resnet50.py --batch 8 --threads $THREADS --rounds 7 --warmup 2
    run $Z bench resnet50 --batch 8 --rounds 7 --warmup 2 --json
  done
  for i in 1 2; do
    run /usr/bin/python3 tools/bench/pytorch_resnet50.py --batch 8 --threads $THREADS --rounds 5 --warmup 1 --train
    run $Z bench resnet50 --batch 8 --train --rounds 5 --warmup 1 --json
  done
else
  log "PyTorch not installed at /usr/bin/python3 (apt-get install python3-torch python3-torchvision): skipped"
fi
# 3. oneDNN: everywhere (this VM's default), off everywhere, inference-only (the rule for VMs without cache sizes)
for setting in 1 0 inference; do
  PIXGEN_MKLDNN=$setting run $Z bench resnet50 --batch 8 --rounds 7 --warmup 2 --json
  PIXGEN_MKLDNN=$setting run $Z bench resnet50 --batch 8 --train --rounds 4 --warmup 1 --json
done
# 4. where the training step's time goes, and the PiX layers alone
run $B --profile-train --rounds 3
run $B --profile-train --pix-parts --rounds 5
log "# done $(date -u +%FT%TZ)"
