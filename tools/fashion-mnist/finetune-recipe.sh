#!/usr/bin/env bash
# docs/training.md, "Dense → PiX fine-tuning": runs docs/training.md's user program (examples/PiXGen.Consumer/Training)
# on the full Fashion-MNIST for each seed, one process per seed, one torch thread each: the dense network and its PiX
# twin from scratch side by side, then the twin fine-tuned from the dense checkpoint with FineTuning.FromDense.
# Usage: tools/fashion-mnist/finetune-recipe.sh [out] [data]; EPOCHS (from scratch, default 1) and SEEDS (default
# "1 2") override the defaults, FT_EPOCHS and FT_LR the recipe's (FineTuning.Recommended). A second call with the same
# out folder reuses the finished runs from scratch (e.g. FT_LR=0.02 for a sweep).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$(realpath -m "${1:-runs/finetune-recipe}")"
data="${2:-/usr/share/datasets/fashion-mnist}"
epochs="${EPOCHS:-1}" seeds="${SEEDS:-1 2}"
recipe=()                                             # none: FineTuning.Recommended's epochs and learning rate
if [[ -n "${FT_EPOCHS:-}${FT_LR:-}" ]]; then
  recipe=("${FT_EPOCHS:?FT_LR needs FT_EPOCHS too}")
  [[ -n "${FT_LR:-}" ]] && recipe+=("$FT_LR")
fi
tag="${FT_LR:-recipe}"
dotnet build "$root/examples/PiXGen.Consumer/Training" -c Release > /dev/null
echo "commit $(git -C "$root" rev-parse --short HEAD), $(date -u +%FT%TZ), epochs $epochs, fine-tuning: ${recipe[*]:-the recipe}"
for seed in $seeds; do
  mkdir -p "$out/seed$seed"
  (cd "$out/seed$seed" && OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 /usr/bin/time -f "seed $seed: %e s wall" \
     dotnet run -c Release --no-build --project "$root/examples/PiXGen.Consumer/Training" -- "$data" "$seed" "$epochs" "${recipe[@]}" \
     > "log-ft$tag.txt" 2>&1) &
done
wait
for seed in $seeds; do
  echo "seed $seed:"; grep -E "^(dense|pix|pix-finetuned): |^fine-tuning load|wall" "$out/seed$seed/log-ft$tag.txt"
done
