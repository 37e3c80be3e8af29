#!/usr/bin/env bash
# The GPU run, one command, builds nothing:   bash device/run.sh
# Needs device/out from device/prepare.sh (a machine with .NET), and on the GPU machine: an NVIDIA driver, NVRTC
# (CUDA toolkit or the PyTorch wheel's nvidia-cuda-nvrtc), Python 3 with a CUDA PyTorch. Results go to $OUT
# (device tool) or device/results. Exit code: 0 when every correctness check passed, 1 otherwise.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${OUT:-$here/results}"
mkdir -p "$out"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
py="${PYTHON:-python3}"
harness="$here/out/harness/pixgen-cuda-harness"
rc=0

echo "== machine" | tee "$out/run.txt"
{ nvidia-smi -L 2>&1 | head -4; "$py" --version 2>&1; command -v nvcc >/dev/null && nvcc --version | tail -1; } | tee -a "$out/run.txt"

if [ ! -x "$harness" ]; then
  echo "device/out/harness is missing: run 'bash device/prepare.sh' on a machine with the .NET SDK first." | tee -a "$out/run.txt"
  exit 1
fi

# NVRTC: the loader's usual names first (PiXGen.Cuda tries them); else the newest libnvrtc.so.N found under the
# Python installation (nvidia-cuda-nvrtc wheels) or a CUDA toolkit.
if [ -z "${PIXGEN_NVRTC:-}" ]; then
  roots="$("$py" -c 'import site,sys; print(" ".join(site.getsitepackages()+[site.getusersitepackages()]))' 2>/dev/null) /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib"
  for d in /usr/local/cuda-*/lib64; do roots="$roots $d"; done
  cand="$(for r in $roots; do [ -d "$r" ] && find -L "$r" -maxdepth 6 -name 'libnvrtc.so.[0-9]*' 2>/dev/null; done | grep -v builtins | sort -V | tail -1)"
  if [ -n "$cand" ]; then export PIXGEN_NVRTC="$cand"; echo "NVRTC: $cand" | tee -a "$out/run.txt"; fi
fi
export PIXGEN_CUDA_CACHE="$scratch/cache"
# The emitted kernels are opt-in until this run has validated them (docs/backends.md); this run opts in.
export PIXGEN_CUDA_KERNELS=1

echo "== 1. emitted kernels: correctness on the GPU, then timing (harness)" | tee -a "$out/run.txt"
timeout 420 "$harness" --out "$out" --dump "$scratch/dump" 2>&1 | tee "$out/harness.txt"
hrc=${PIPESTATUS[0]}
echo "harness exit code: $hrc" | tee -a "$out/run.txt"
[ "$hrc" -eq 0 ] || rc=1

echo "== 2. PyTorch: the harness's fp32 guide case vs the composite; composite / torch.compile / 1x1 conv timings" | tee -a "$out/run.txt"
timeout 300 "$py" "$here/pix_torch.py" --dump "$scratch/dump" --out "$out" 2>&1 | tee "$out/torch.txt"
prc=${PIPESTATUS[0]}
echo "pix_torch exit code: $prc" | tee -a "$out/run.txt"
[ "$prc" -eq 0 ] || rc=1

echo "== 3. can TorchSharp 0.107's native bridge run on this PyTorch's libtorch?" | tee -a "$out/run.txt"
torchlib="$("$py" -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib"))' 2>/dev/null)"
if [ -n "$torchlib" ] && [ -f "$here/out/libLibTorchSharp.so" ]; then
  timeout 120 "$py" "$here/abi_check.py" --lib "$here/out/libLibTorchSharp.so" --torch-lib "$torchlib" --dlopen \
    --json "$out/abi.json" 2>&1 | tee "$out/abi.txt"
  echo "The PiX-ResNet-50 vs ResNet-50 timing through TorchSharp is not part of this run: it needs TorchSharp to load" \
       "on this libtorch (see above) and a TorchSharp build of the zoo, which device/out does not carry." | tee -a "$out/run.txt"
else
  echo "skipped: no PyTorch or no device/out/libLibTorchSharp.so" | tee -a "$out/run.txt"
fi

echo "== done: exit $rc; results in $out" | tee -a "$out/run.txt"
exit "$rc"
