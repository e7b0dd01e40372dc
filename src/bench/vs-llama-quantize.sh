#!/usr/bin/env bash
# Quantizes one F16 GGUF with llama.cpp's own quantizer (llama_model_quantize in node-llama-cpp's
# prebuilt libllama, through src/fixtures/llamacpp/llama_quantize.py) and with `quantbridge convert`, for
# each type, and compares the two files byte for byte; times both (wall, CPU, peak RSS).
#
#   src/bench/vs-llama-quantize.sh [TYPE ...]      (default: the types below)
#
# Environment: MODEL (default: a 2-layer TinyLlama-shaped F16 GGUF made by
# src/fixtures/llama/MakeLlamaGguf.java, 0.22 B parameters), BENCH_DIR (default
# /tmp/quantbridge-vs), THREADS (default 2), LIBDIR (default: node-llama-cpp's binaries under
# build-cache/node, installed by .ci/run).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$root/.ci/find-jdk.sh"
qb_find_jdk || exit 2
dir="${BENCH_DIR:-/tmp/quantbridge-vs}"
threads="${THREADS:-2}"
libdir="${LIBDIR:-$root/build-cache/node/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64}"
[ -d "$libdir" ] || { echo "error: no llama.cpp libraries in $libdir (run .ci/run, or set LIBDIR)" >&2; exit 2; }
mkdir -p "$dir"
model="${MODEL:-$dir/llama-2l-f16.gguf}"
if [ ! -f "$model" ]; then
    "$JAVA_HOME/bin/java" "$root/src/fixtures/llama/MakeLlamaGguf.java" "$model" 2 >&2
fi
types=("$@")
[ ${#types[@]} -gt 0 ] || types=(Q4_0 Q4_1 Q5_0 Q5_1 Q8_0 Q2_K Q2_K_S Q3_K_S Q3_K_M Q3_K_L Q4_K_S Q4_K_M Q5_K_S Q5_K_M Q6_K \
    IQ4_NL IQ4_XS IQ3_XXS IQ3_XS IQ3_S IQ3_M TQ1_0 TQ2_0 F16 BF16)
# llama_ftype ids, as quantbridge's Ftype enum has them
id() { grep -o "\b$1([0-9]*" "$root/converters/src/main/java/quantbridge/converters/plan/Ftype.java" | head -1 | cut -d'(' -f2; }

measure() { # label command... -> "wall cpu rss" from /usr/bin/time
    local t; t=$(mktemp)
    /usr/bin/time -f "%e %U %S %M" -o "$t" "$@" >/dev/null 2>&1 || { rm -f "$t"; return 1; }
    awk '{printf "%.2f %.2f %d", $1, $2 + $3, $4 / 1024}' "$t"; rm -f "$t"
}

"$root/quantbridge" --version >/dev/null # build once, outside the timings
printf '| type | identical | llama.cpp wall s | CPU s | RSS MB | quantbridge wall s | CPU s | RSS MB |\n|---|---|---:|---:|---:|---:|---:|---:|\n'
status=0
for t in "${types[@]}"; do
    n=$(id "$t"); [ -n "$n" ] || { echo "unknown type $t" >&2; exit 2; }
    ref="$dir/ref-$t.gguf"; ours="$dir/qb-$t.gguf"
    rw=- rc=- rr=- qw=- qc=- qr=-
    read -r rw rc rr <<<"$(measure python3 "$root/src/fixtures/llamacpp/llama_quantize.py" "$libdir" "$model" "$ref" "$n" "$threads" 2>/dev/null)" || true
    read -r qw qc qr <<<"$(QUANTBRIDGE_JAVA_OPTS=-Xmx512m measure "$root/quantbridge" convert "$model" "$ours" --type "$t" --threads "$threads" --quiet --force 2>/dev/null)" || true
    if [ ! -f "$ref" ] && [ ! -f "$ours" ]; then same="both refuse (an importance matrix is required)"
    elif [ ! -f "$ref" ] || [ ! -f "$ours" ]; then same="NO: only one of them wrote a file"; status=1
    elif cmp -s "$ref" "$ours"; then same=yes
    else same="NO: $(cmp "$ref" "$ours" 2>&1 | head -1 | sed 's/.*differ: //')"; status=1; fi
    printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$t" "$same" "$rw" "$rc" "$rr" "$qw" "$qc" "$qr"
    rm -f "$ref" "$ours"
done
exit $status
