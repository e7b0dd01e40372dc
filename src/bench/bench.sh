#!/usr/bin/env bash
# Whole-process benchmark of `quantbridge convert` / `dequantize` on a LLaMA-shaped F16 GGUF of
# about 1 B parameters (1.94 GB), generated locally by src/fixtures/llama/MakeLlamaGguf.java.
#   src/bench/bench.sh                # 2 threads, -Xmx512m, model and outputs in /tmp/quantbridge-bench
#   THREADS=4 BENCH_DIR=/data/qb src/bench/bench.sh
# Prints one Markdown table row per run: wall time, CPU time (user + system) and peak RSS, as
# /usr/bin/time -v measures them. Not a test: timings depend on the machine and its load.
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
threads=${THREADS:-2}
dir=${BENCH_DIR:-/tmp/quantbridge-bench}
heap=${HEAP:--Xmx512m}
mkdir -p "$dir"

. "$root/.ci/find-jdk.sh"
qb_find_jdk || exit 2
export JAVA_HOME

# build once (the launcher builds when the jar is missing or out of date)
"$root/quantbridge" --version >/dev/null

model="$dir/llama-1b-f16.gguf"
if [ ! -f "$model" ]; then
    echo "generating $model ..." >&2
    "$JAVA_HOME/bin/java" "$root/src/fixtures/llama/MakeLlamaGguf.java" "$model" 19 >&2
fi

run() { # label, then quantbridge arguments
    local label=$1; shift
    local t="$dir/time.txt"
    QUANTBRIDGE_NO_BUILD=1 QUANTBRIDGE_JAVA_OPTS="$heap" /usr/bin/time -v -o "$t" "$root/quantbridge" "$@" --threads "$threads" --quiet --force
    local wall user sys rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/{print $2}' "$t")
    user=$(awk -F': ' '/User time/{print $2}' "$t")
    sys=$(awk -F': ' '/System time/{print $2}' "$t")
    rss=$(awk -F': ' '/Maximum resident set size/{print $2}' "$t")
    printf '| %-28s | %s | %8s | %6.1f s | %5d MB |\n' "$label" "$threads" "$wall" "$(echo "$user + $sys" | bc)" "$((rss / 1024))"
}

echo "| run                          | threads | wall     | CPU      | peak RSS |"
echo "|------------------------------|---------|----------|----------|----------|"
run "F16 -> Q4_0 (GGUF)" convert "$model" "$dir/q4_0.gguf" --type Q4_0
run "F16 -> Q8_0 (GGUF)" convert "$model" "$dir/q8_0.gguf" --type Q8_0
run "F16 -> Q4_K (= Q4_K_M, GGUF)" convert "$model" "$dir/q4_k.gguf" --type Q4_K
run "F16 -> Q6_K (GGUF)" convert "$model" "$dir/q6_k.gguf" --type Q6_K
run "Q4_0 -> F16 (safetensors)" dequantize "$dir/q4_0.gguf" "$dir/q4_0-f16.safetensors" --dtype f16
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) after the runs; JDK $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
