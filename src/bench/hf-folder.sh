#!/usr/bin/env bash
# Whole-process benchmark of a quantized Hugging Face folder: `quantbridge convert HF_DIR OUT.gguf --type T`
# on the exact routes (the checkpoint's codes moved into ggml blocks, no floats) against `dequantize` of the
# same checkpoint (its model.safetensors: every code decoded to floats), which the exact routes must match or beat.
#   src/bench/hf-folder.sh                                      # GPTQ v1 4-bit symmetric -> q4_0, 8 layers
#   METHOD=awq-gemm TYPE=q5_0 LAYERS=19 src/bench/hf-folder.sh  # AWQ (asymmetric) -> q5_0, TinyLlama's depth
# The checkpoint is generated once (no download) by src/fixtures/hf-quant/make_hf_quant.py --big: TinyLlama-1.1B's
# width (hidden 2048, MLP 5632, 32 heads, 4 KV heads, vocabulary 32000) with LAYERS blocks, every linear quantized
# with METHOD (a name in its FROM_METHODS), F16 embeddings, norms and lm_head. Environment: METHOD (default
# gptq-v1-4bit-sym), TYPE (default q4_0), LAYERS (default 8), THREADS (default 2), HEAP (default -Xmx512m),
# BENCH_DIR (default /tmp/quantbridge-hf-bench), DTYPE (dequantize's --dtype, default f16).
# Prints one Markdown table row per run: wall time, CPU time (user + system) and peak RSS, as /usr/bin/time -v
# measures them. Not a test: timings depend on the machine and its load.
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
threads=${THREADS:-2}
dir=${BENCH_DIR:-/tmp/quantbridge-hf-bench}
heap=${HEAP:--Xmx512m}
method=${METHOD:-gptq-v1-4bit-sym}
type=${TYPE:-q4_0}
layers=${LAYERS:-8}
dtype=${DTYPE:-f16}
mkdir -p "$dir"

. "$root/.ci/find-jdk.sh"
qb_find_jdk || exit 2
export JAVA_HOME

# build once (the launcher builds when the jar is missing or out of date)
"$root/quantbridge" --version >/dev/null

ckpt="$dir/$method-$layers"
if [ ! -f "$ckpt/$method/model.safetensors" ]; then
    echo "generating $ckpt/$method ..." >&2
    /usr/bin/python3 "$root/src/fixtures/hf-quant/make_hf_quant.py" --big "$ckpt" "$method" "$layers" >&2
fi
ckpt="$ckpt/$method"

run() { # label, then quantbridge arguments
    local label=$1; shift
    local t="$dir/time.txt"
    QUANTBRIDGE_NO_BUILD=1 QUANTBRIDGE_JAVA_OPTS="$heap" /usr/bin/time -v -o "$t" "$root/quantbridge" "$@" --threads "$threads" --quiet --force
    local wall user sys rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/{print $2}' "$t")
    user=$(awk -F': ' '/User time/{print $2}' "$t")
    sys=$(awk -F': ' '/System time/{print $2}' "$t")
    rss=$(awk -F': ' '/Maximum resident set size/{print $2}' "$t")
    printf '| %-40s | %s | %8s | %6.1f s | %5d MB |\n' "$label" "$threads" "$wall" "$(echo "$user + $sys" | bc)" "$((rss / 1024))"
}

echo "checkpoint: $ckpt ($(du -sh "$ckpt" | cut -f1)), $layers layers, $method"
echo "| run                                      | threads | wall     | CPU      | peak RSS |"
echo "|------------------------------------------|---------|----------|----------|----------|"
# the exact route: every linear's codes moved (route: transcode); embeddings and lm_head kept in F16 (a copy), so the
# run measures the codes' way, not ggml's quantizer on the float tensors
run "convert --type $type --pure (exact)" convert "$ckpt" "$dir/out-$type.gguf" --type "$type" --pure \
    --token-embedding-type f16 --output-tensor-type f16
# what a user runs: llama-quantize's policy for the type (output.weight re-encoded to q6_K for q4_0, the embeddings to TYPE)
run "convert --type $type (policy)" convert "$ckpt" "$dir/out-$type-policy.gguf" --type "$type"
# dequantize takes the weights file (the safetensors reader finds config.json's quantization_config beside it): every
# linear decoded to floats, the same tensors read
run "dequantize --dtype $dtype (safetensors)" dequantize "$ckpt/model.safetensors" "$dir/out-$dtype.safetensors" --dtype "$dtype"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) after the runs; JDK $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
rm -f "$dir/out-$type.gguf" "$dir/out-$type-policy.gguf" "$dir/out-$dtype.safetensors" "$dir/time.txt"
