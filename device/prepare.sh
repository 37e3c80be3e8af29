#!/usr/bin/env bash
# Prepares device/out for the GPU machine (which has no .NET and no network): a self-contained, trimmed linux-x64
# publish of the CUDA harness, plus TorchSharp's native bridge library for the ABI check. Run on a machine with the
# .NET 10 SDK and NuGet access, from anywhere:  bash device/prepare.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/out"
rm -rf "$out"
mkdir -p "$out"
dotnet publish "$here/Harness/Harness.csproj" -c Release -r linux-x64 --self-contained \
  -p:PublishTrimmed=true -p:DebugType=none -p:DebugSymbols=false -o "$out/harness"

# libLibTorchSharp.so of the TorchSharp package this repository uses (from the NuGet cache restore filled).
nuget="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
lib="$(ls "$nuget"/torchsharp/0.107.0/runtimes/linux-x64/native/libLibTorchSharp.so 2>/dev/null || true)"
if [ -z "$lib" ]; then
  echo "TorchSharp 0.107.0 is not in $nuget: run 'dotnet build src/PiXGen' first (restore fills the cache)." >&2
  exit 1
fi
cp "$lib" "$out/libLibTorchSharp.so"
du -sh "$out" "$out/harness"
echo "device/out is ready: $(du -sm "$out" | cut -f1) MiB (the device run carries it: see device/README.md)."
