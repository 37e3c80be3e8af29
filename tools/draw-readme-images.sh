#!/usr/bin/env bash
# Redraws the pictures in README.md (docs/images) with the zoo CLI: ResNet-50 and PiX-ResNet-50 as graphs (draw,
# MSAGL layout) and their per-stage costs side by side (cost --plot, ScottPlot).
set -euo pipefail
cd "$(dirname "$0")/.."
zoo() { dotnet run --project examples/PiXGen.Zoo -- "$@"; }
dotnet build examples/PiXGen.Zoo
zoo draw resnet50 --depth 2 --svg docs/images/resnet50.svg
zoo draw pix_resnet50 --depth 3 --svg docs/images/pix_resnet50.svg
zoo cost resnet50 --vs pix_resnet50 --plot docs/images/resnet50-vs-pix_resnet50.png
