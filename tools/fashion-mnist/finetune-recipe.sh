#!/usr/bin/env bash
# docs/training.md, "Dense → PiX fine-tuning": runs docs/training.md's user program (examples/PiXGen.Consumer/Training)
# on the full Fashion-MNIST for each seed, one process per seed, one torch thread each: the dense network and its PiX
# twin from scratch side by side, then the twin fine-tuned from the dense checkpoint with FineTuning.FromDense.
# Usage: tools/fashion-mnist/finetune-recipe.sh [out] [data]; EPOCHS, FT_EPOCHS, FT_LR and SEEDS override the defaults.
# A second call with the same out folder reuses the finished runs from scratch (e.g. FT_LR=0.02 for a sweep).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$(realpath -m "${1:-runs/finetune-recipe}")"
data="${2:-/usr/share/datasets/fashion-mnist}"
epochs="${EPOCHS:-1}" ft_epochs="${FT_EPOCHS:-1}" ft_lr="${FT_LR:-0.05}" seeds="${SEEDS:-1 2}"
dotnet build "$root/examples/PiXGen.Consumer/Training" -c Release > /dev/null
echo "commit $(git -C "$root" rev-parse --short HEAD), $(date -u +%FT%TZ), epochs $epochs, fine-tuning $ft_epochs epoch(s) at lr $ft_lr"
for seed in $seeds; do
  mkdir -p "$out/seed$seed"
  (cd "$out/seed$seed" && OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 /usr/bin/time -f "seed $seed: %e s wall" \
     dotnet run -c Release --no-build --project "$root/examples/PiXGen.Consumer/Training" -- "$data" "$seed" "$epochs" "$ft_epochs" "$ft_lr" \
     > "log-ft$ft_lr.txt" 2>&1) &
done
wait
for seed in $seeds; do
  echo "seed $seed:"; grep -E "^(dense|pix|pix-finetuned): |^fine-tuning load|wall" "$out/seed$seed/log-ft$ft_lr.txt"
done
