#!/bin/bash
# PiX's ONNX Runtime operator (src/PiXGen/Native/pixgen_ort.cpp) before and after a change, side by side: the operator
# library is built from REV's source ("before") and from the working tree ("after"), and the Release zoo runs the fast
# path's measurements of docs/benchmarks/engines.md with each library in turn, TURNS times, in one run. From the
# repository root after `dotnet build -c Release examples/PiXGen.Zoo` (which also restores src/PiXGen); needs
# /usr/bin/g++.
#   tools/bench/pix-operator-ab.sh REV            # log in ${OUT:-BenchmarkDotNet.Artifacts/pix-operator-ab.log}
set -u
REV=${1:?usage: tools/bench/pix-operator-ab.sh REV}
OUT=${OUT:-BenchmarkDotNet.Artifacts/pix-operator-ab.log}
ROUNDS=${ROUNDS:-7}; WARMUP=${WARMUP:-1}; BATCH=${BATCH:-8}; TURNS=${TURNS:-2}
BIN=examples/PiXGen.Zoo/bin/Release/net10.0
Z="dotnet $BIN/PiXGen.Zoo.dll"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
git show "$REV:src/PiXGen/Native/pixgen_ort.cpp" > "$work/before.cpp" || exit 1
cp src/PiXGen/Native/pixgen_ort.cpp "$work/after.cpp"
# Each library is built by src/PiXGen's own target (PiXGenBuildNativeOrt), so both get the compiler and flags the
# package's library gets.
for v in before after; do
  dotnet msbuild src/PiXGen/PiXGen.csproj -nologo -v:q -t:PiXGenBuildNativeOrt -p:TargetFramework=net10.0 \
    -p:PiXGenNativeOrtSource="$work/$v.cpp" -p:PiXGenNativeOrt="$work/$v.so" || exit 1
  [ -f "$work/$v.so" ] || { echo "src/PiXGen did not build the PiX operator (it needs /usr/bin/g++ on Linux x64)"; exit 1; }
done
cp "$BIN/libpixgen_ort.so" "$work/built.so"
restore() { cp "$work/built.so" "$BIN/libpixgen_ort.so"; rm -rf "$work"; }
trap restore EXIT
mkdir -p "$(dirname "$OUT")"
. "$(dirname "$0")/log.sh"
: > "$OUT"
log "# $(date -u +%FT%TZ) $(nproc) cores, before = $(git rev-parse --short "$REV"), after = working tree of $(git rev-parse --short HEAD)"
for turn in $(seq "$TURNS"); do
  for v in before after; do
    cp "$work/$v.so" "$BIN/libpixgen_ort.so"
    log "### turn $turn, operator $v"
    run $Z bench pix_resnet50 --vs resnet50 --fuse --batch "$BATCH" --rounds $((ROUNDS * 2 + 1)) --warmup "$WARMUP"
    run $Z bench pix_resnet50 --engines fused --profile --batch "$BATCH" --rounds "$ROUNDS" --warmup "$WARMUP"
  done
done
