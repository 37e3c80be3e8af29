#!/bin/bash
# One core's read speed by buffer size (tools/bench/read-bandwidth.cpp). From the repository root; needs /usr/bin/g++.
set -eu
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
/usr/bin/g++ -O3 -march=native -std=c++17 tools/bench/read-bandwidth.cpp -o "$work/read-bandwidth"
echo "# $(date -u +%FT%TZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
"$work/read-bandwidth"
