# Sourced by the benchmark scripts in this folder: every line they print is also appended to $OUT, and each measured
# command is logged with the load average before and after it.
log() { echo "$@" | tee -a "$OUT"; }
run() { log "## $* (load before: $(cut -d' ' -f1-3 /proc/loadavg))"; "$@" 2>&1 | tee -a "$OUT"; log "(load after: $(cut -d' ' -f1-3 /proc/loadavg))"; }
