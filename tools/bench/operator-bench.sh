# Sourced by pix-logits.sh and pix-passes.sh: operator_bench NAME SHAPE... builds tools/bench/NAME.cpp, which includes
# the PiX operator's source (src/PiXGen/Native/pixgen_ort.cpp) whole, with the flags src/PiXGen/PiXGen.csproj gives the
# operator (and $OPERATOR_BENCH_FLAGS), against ONNX Runtime's headers from the NuGet cache (restored by any build of
# src/PiXGen), prints the time, commit and load, and runs it once per quoted shape. From the repository root; needs
# /usr/bin/g++.
operator_bench() {
  local name=$1 inc work shape
  shift
  inc=${ORT_INCLUDE:-$(ls -d "${NUGET_PACKAGES:-$HOME/.nuget/packages}"/microsoft.ml.onnxruntime/*/build/native/include | sort -V | tail -1)}
  work=$(mktemp -d)
  /usr/bin/g++ -O3 -fno-trapping-math -ffp-contract=off -std=c++17 ${OPERATOR_BENCH_FLAGS:-} -I "$inc" "tools/bench/$name.cpp" -o "$work/$name" || { rm -rf "$work"; return 1; }
  echo "# $(date -u +%FT%TZ) commit $(git rev-parse --short HEAD 2>/dev/null), load $(cut -d' ' -f1-3 /proc/loadavg)${OPERATOR_BENCH_FLAGS:+, built with $OPERATOR_BENCH_FLAGS}"
  for shape in "$@"; do "$work/$name" $shape || { rm -rf "$work"; return 1; }; done
  rm -rf "$work"
}
