#!/usr/bin/env bash
# dequantize and inspect beside the memory-bandwidth bound (issue 15). With the models of
# vs-llama-quantize.sh (generated if missing): the 1 B-class F16 model (LAYERS=16) for dequantize,
# whose files all fit in the page cache together, and the 7 B-shaped one (SHAPE=7b, 13.5 GB) for
# inspect. Measures
#   - `cat FILE > /dev/null` of the inputs and the output from the page cache (the bound: reading
#     the bytes once; `dd bs=4M` is printed too),
#   - `quantbridge dequantize Q4_K_M.gguf OUT.safetensors --dtype f16` (the Q4_K_M is made by
#     quantbridge from the F16 model if missing), wall, CPU and peak RSS,
#   - `quantbridge inspect F16.gguf` (the JVM's start included, as a user runs it),
# RUNS times each (default 3), and prints the median and minimum of each as a Markdown table
# (also to $OUT), with the machine and the load averages.
#
#   src/bench/dequantize-inspect.sh
#
# Environment: MODEL (an F16 GGUF for dequantize), BIG (a GGUF for inspect), BENCH_DIR (default /tmp/quantbridge-vs), RUNS, THREADS
# (default 2), OUT (default $BENCH_DIR/dequantize-inspect.md).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$root/.ci/find-jdk.sh"
. "$root/src/bench/measure.sh"
qb_find_jdk || exit 2
dir="${BENCH_DIR:-/tmp/quantbridge-vs}"
runs="${RUNS:-3}"
threads="${THREADS:-2}"
out="${OUT:-$dir/dequantize-inspect.md}"
mkdir -p "$dir"
model="${MODEL:-$dir/llama-16l-f16.gguf}"
[ -f "$model" ] || "$JAVA_HOME/bin/java" "$root/src/fixtures/llama/MakeLlamaGguf.java" "$model" 16 >&2
big="${BIG:-$dir/llama-7b-32l-f16.gguf}"
[ -f "$big" ] || "$JAVA_HOME/bin/java" "$root/src/fixtures/llama/MakeLlamaGguf.java" "$big" 32 7b >&2
q4km="$dir/$(basename "$model" .gguf)-q4_k_m.gguf"
[ -f "$q4km" ] || "$root/quantbridge" convert "$model" "$q4km" --type Q4_K_M --threads "$threads" --quiet >&2
st="$dir/dequantized-f16.safetensors"

# row LABEL BYTES command... : runs it RUNS times, prints a table row
row() {
    local label=$1 bytes=$2 f; shift 2
    f=$(mktemp)
    for ((i = 0; i < runs; i++)); do measure "$f" "$@"; done
    local wall wallmin cpu rss
    read -r wall wallmin <<<"$(stats "$f" 1)"
    cpu=$(stats "$f" 2 | cut -d' ' -f1)
    rss=$(stats "$f" 3 | cut -d' ' -f1)
    printf '| %s | %s / %s | %s | %s | %s |\n' "$label" "$wall" "$wallmin" \
        "$(awk -v b="$bytes" -v s="$wall" 'BEGIN {if (s == "-" || s == 0) print "-"; else printf "%.2f", b / s / 1e9}')" "$cpu" "$rss" | tee -a "$out"
    rm -f "$f"
}

"$root/quantbridge" dequantize "$q4km" "$st" --dtype f16 --threads "$threads" --quiet --force # page cache, AOT cache
fsize() { stat -c %s "$1"; }
{
    echo "Machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs; quantbridge $(git -C "$root" rev-parse --short HEAD 2>/dev/null) codecs: $("$root/quantbridge" --version | sed -n 's/^codecs: //p'); $(date -u '+%Y-%m-%d %H:%M UTC'); load before: $(load); $runs runs each."
    echo "F16 model: $(basename "$model") ($(fsize "$model") bytes); its Q4_K_M: $(fsize "$q4km") bytes; dequantized F16 safetensors: $(fsize "$st") bytes; inspected: $(basename "$big") ($(fsize "$big") bytes)."
    echo
    echo "| what | wall s (median / min) | GB/s of the bytes named | CPU s | peak RSS MB |"
    echo "|---|---:|---:|---:|---:|"
} | tee "$out"
row "cat Q4_K_M GGUF > /dev/null (page cache)" "$(fsize "$q4km")" cat "$q4km"
row "cat F16 safetensors > /dev/null (page cache)" "$(fsize "$st")" cat "$st"
row "dd bs=4M of the F16 safetensors > /dev/null" "$(fsize "$st")" dd if="$st" of=/dev/null bs=4M
row "quantbridge dequantize Q4_K_M → F16 safetensors (GB/s of output)" "$(fsize "$st")" \
    "$root/quantbridge" dequantize "$q4km" "$st" --dtype f16 --threads "$threads" --quiet --force
row "quantbridge inspect of the 7 B F16 GGUF (JVM start included; GB/s of the file)" "$(fsize "$big")" "$root/quantbridge" inspect "$big"
row "quantbridge --version (JVM start alone)" 1 "$root/quantbridge" --version
echo "load after: $(load)" | tee -a "$out"
