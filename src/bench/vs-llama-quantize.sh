#!/usr/bin/env bash
# The comparison benchmark: quantizes one F16 GGUF with llama.cpp's own quantizer
# (llama_model_quantize in node-llama-cpp's prebuilt libllama, through
# src/fixtures/llamacpp/llama_quantize.py, what `llama-quantize IN OUT TYPE N` runs) and with
# `./quantbridge convert` as a user runs it (the plain launcher: no QUANTBRIDGE_JAVA_OPTS), for
# each type: one warm-up run of each tool, then RUNS runs of each, the two tools alternating.
# Every run writes a new file: the previous run's output is removed before it, outside the timing
# (replacing a file makes the file system free the old one's blocks, which is not part of the
# conversion, and costs unequally: on ext4 mounted with discard, 0.13-0.16 s per GB for a file already
# on the disk, as quantbridge's direct writes leave it, against 0.04-0.07 s per GB for one still dirty in
# the page cache, as llama.cpp's previous output still is a few seconds later).
# Prints (and writes to $OUT) a Markdown table with the median and the minimum of wall time,
# CPU time (user + system) and peak RSS of each tool, the ratio of the medians
# (quantbridge / llama.cpp) and whether the two files are byte-identical, plus the machine
# (lscpu model, quantbridge's vector width) and the load averages before and after each type.
#
#   src/bench/vs-llama-quantize.sh [TYPE ...]      (default: the types below)
#
# Environment: MODEL (an F16 GGUF; default: generated if missing by
# src/fixtures/llama/MakeLlamaGguf.java with LAYERS layers of TinyLlama's shape), LAYERS
# (default 2: 0.22 B parameters, 0.44 GB; 16: the 1 B-class model of issue 15, 0.84 B
# parameters, 1.7 GB), SHAPE (tinyllama, the default, or 7b: LLaMA-2-7B's shape, 32 layers
# unless LAYERS says otherwise, 6.74 B parameters, 13.5 GB), RUNS (default 3), WARMUP (default 1;
# 0 skips the warm-up runs, for the 7 B model), BENCH_DIR (default /tmp/quantbridge-vs), THREADS (default 2),
# OUT (default $BENCH_DIR/results.md), LIBDIR (default: node-llama-cpp's binaries under
# build-cache/node), QB_ROOT (the quantbridge checkout whose launcher is measured, default this
# one: e.g. an older commit's tree, for before/after numbers). Exit status 1 if a pair of files
# differs. QB_OPTS: JVM options handed to quantbridge as QUANTBRIDGE_JAVA_OPTS (not a user's
# plain run; e.g. -XX:UseAVX=2 compiles as on an AVX2 CPU: 256-bit vectors, AVX2 instructions only;
# -XX:MaxVectorSize=32 gives 256-bit vectors but keeps AVX-512's instructions).
# IMATRIX: an importance matrix given to both tools (`--imatrix FILE`), or `auto`: one generated
# for the model by src/fixtures/llamacpp/make_imatrix.py (deterministic synthetic values, one entry
# per weight matrix; $BENCH_DIR/MODEL-NAME.imatrix.gguf, or .dat with IMATRIX_FORMAT=dat), made
# once per model and format. With an importance matrix the default types add the ones that need
# one (IQ2_XXS, IQ2_XS, IQ2_S, IQ2_M, IQ1_S, IQ1_M, IQ3_XXS, IQ3_XS, Q2_K_S).
# DURABLE=1: each run's time includes a sync(1) after the tool, and a sync (untimed) comes before
# each run: the time until the output is on the disk, for both tools alike (llama.cpp returns
# with its output still in the page cache; quantbridge writes with direct I/O), and no run pays
# for the previous one's write-back.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$root/.ci/find-jdk.sh"
. "$root/src/bench/measure.sh"
qb_find_jdk || exit 2
dir="${BENCH_DIR:-/tmp/quantbridge-vs}"
threads="${THREADS:-2}"
runs="${RUNS:-3}"
shape="${SHAPE:-tinyllama}"
if [ "$shape" = 7b ]; then layers="${LAYERS:-32}"; else layers="${LAYERS:-2}"; fi
warmup="${WARMUP:-1}"
libdir="${LIBDIR:-$root/build-cache/node/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64}"
[ -d "$libdir" ] || { echo "error: no llama.cpp libraries in $libdir (run .ci/run, or set LIBDIR)" >&2; exit 2; }
mkdir -p "$dir"
out="${OUT:-$dir/results.md}"
qbroot="${QB_ROOT:-$root}"
if [ "$shape" = 7b ]; then model="${MODEL:-$dir/llama-7b-${layers}l-f16.gguf}"; else model="${MODEL:-$dir/llama-${layers}l-f16.gguf}"; fi
if [ ! -f "$model" ]; then
    "$JAVA_HOME/bin/java" "$root/src/fixtures/llama/MakeLlamaGguf.java" "$model" "$layers" "$shape" >&2
fi
imatrix="${IMATRIX:-}"
if [ "$imatrix" = auto ]; then
    fmt="${IMATRIX_FORMAT:-gguf}"
    imatrix="$dir/$(basename "$model" .gguf).imatrix.$fmt"
    if [ ! -f "$imatrix" ] || [ "$model" -nt "$imatrix" ]; then
        python3 "$root/src/fixtures/llamacpp/make_imatrix.py" "$libdir" "$model" "$imatrix" --format "$fmt" >&2
    fi
fi
[ -z "$imatrix" ] || [ -f "$imatrix" ] || { echo "error: IMATRIX: no such file $imatrix" >&2; exit 2; }
types=("$@")
[ ${#types[@]} -gt 0 ] || types=(Q4_0 Q4_1 Q5_0 Q5_1 Q8_0 Q2_K Q3_K_S Q3_K_M Q3_K_L Q4_K_S Q4_K_M Q5_K_S Q5_K_M Q6_K \
    IQ4_NL IQ4_XS IQ3_S IQ3_M TQ1_0 TQ2_0 MXFP4_MOE F16 BF16 F32)
[ $# -gt 0 ] || [ -z "$imatrix" ] || types+=(IQ2_XXS IQ2_XS IQ2_S IQ2_M IQ1_S IQ1_M IQ3_XXS IQ3_XS Q2_K_S)
# llama_ftype ids, as quantbridge's Ftype enum has them
id() { grep -o "\b$1([0-9]*" "$root/converters/src/main/java/quantbridge/converters/plan/Ftype.java" | head -1 | cut -d'(' -f2; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b}'; }

# the two command lines (arrays: /usr/bin/time runs them directly)
# (the same --imatrix path string to both: it is written into the output as quantize.imatrix.file)
llama() { cmd=(python3 "$root/src/fixtures/llamacpp/llama_quantize.py" "$libdir" "$model" "$2" "$(id "$1")" "$threads" ${imatrix:+--imatrix "$imatrix"}); }
qb() { cmd=(env -u QUANTBRIDGE_JAVA_OPTS ${QB_OPTS:+QUANTBRIDGE_JAVA_OPTS="$QB_OPTS"} "$qbroot/quantbridge" convert "$model" "$2" --type "$1" --threads "$threads" --quiet --force ${imatrix:+--imatrix "$imatrix"}); }

# times cmd into $1 (with DURABLE=1: synced before, untimed, and until synced after)
timed() {
    if [ -n "${DURABLE:-}" ]; then
        sync
        measure "$1" bash -c '"$@" && sync' durable "${cmd[@]}"
    else
        measure "$1" "${cmd[@]}"
    fi
}

"$qbroot/quantbridge" --version >/dev/null # build once, outside the timings
{
    echo "Model: $(basename "$model") ($(du -hL "$model" | cut -f1)), $threads threads, $runs runs per tool$([ "$warmup" != 0 ] && echo " after one warm-up"), alternating.${imatrix:+ Importance matrix: $(basename "$imatrix") (both tools).}${DURABLE:+ Times until the output is on the disk (sync after each run, DURABLE=1).}"
    echo "Machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs; quantbridge $(git -C "$qbroot" rev-parse --short HEAD 2>/dev/null || echo "($qbroot)") codecs: $(QUANTBRIDGE_JAVA_OPTS="${QB_OPTS:-}" "$qbroot/quantbridge" --version | sed -n 's/^codecs: //p')${QB_OPTS:+ (QUANTBRIDGE_JAVA_OPTS=$QB_OPTS)}; $(date -u '+%Y-%m-%d %H:%M UTC')."
    echo
    echo "| type | identical | llama.cpp wall s (median / min) | quantbridge wall s | wall ratio | llama.cpp CPU s | quantbridge CPU s | CPU ratio | llama.cpp RSS MB | quantbridge RSS MB | load before → after |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
} | tee "$out"
status=0
for t in "${types[@]}"; do
    [ -n "$(id "$t")" ] || { echo "unknown type $t" >&2; exit 2; }
    ref="$dir/ref-$t.gguf"; ours="$dir/qb-$t.gguf"; rf="$dir/ref-$t.times"; qf="$dir/qb-$t.times"
    rm -f "$ref" "$ours" "$rf" "$qf"
    before=$(load)
    # warm-up: the page cache, and quantbridge's AOT cache at its first use
    if [ "$warmup" != 0 ]; then
        llama "$t" "$ref"; "${cmd[@]}" >/dev/null 2>&1 || true
        qb "$t" "$ours"; "${cmd[@]}" >/dev/null 2>&1 || true
    fi
    for ((i = 0; i < runs; i++)); do
        rm -f "$ref"; llama "$t" "$ref"; timed "$rf"
        rm -f "$ours"; qb "$t" "$ours"; timed "$qf"
    done
    after=$(load)
    if [ ! -f "$ref" ] && [ ! -f "$ours" ]; then same="both refuse$([ -n "$imatrix" ] || echo " (an importance matrix is required)")"
    elif [ ! -f "$ref" ] || [ ! -f "$ours" ]; then same="NO: only one of them wrote a file"; status=1
    elif cmp -s "$ref" "$ours"; then same=yes
    else same="NO: $(cmp "$ref" "$ours" 2>&1 | head -1 | sed 's/.*differ: //' || true)"; status=1; fi  # (cmp's status 1 must not end the script)
    read -r rw rwm <<<"$(stats "$rf" 1)"; read -r qw qwm <<<"$(stats "$qf" 1)"
    read -r rc rcm <<<"$(stats "$rf" 2)"; read -r qc qcm <<<"$(stats "$qf" 2)"
    read -r rr rrm <<<"$(stats "$rf" 3)"; read -r qr qrm <<<"$(stats "$qf" 3)"
    printf '| %s | %s | %s / %s | %s / %s | **%s** | %s / %s | %s / %s | %s | %s / %s | %s / %s | %s → %s |\n' "$t" "$same" \
        "$rw" "$rwm" "$qw" "$qwm" "$(ratio "$qw" "$rw")" "$rc" "$rcm" "$qc" "$qcm" "$(ratio "$qc" "$rc")" \
        "$rr" "$rrm" "$qr" "$qrm" "$before" "$after" | tee -a "$out"
    rm -f "$ref" "$ours" "$rf" "$qf"
done
exit $status
