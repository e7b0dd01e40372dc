#!/usr/bin/env bash
# Fuzzes quantbridge's readers with Jazzer (libFuzzer for the JVM), one target at a time.
#
#   src/bench/fuzz.sh [-n RUNS] [-t SECONDS] [TARGET ...]
#
#   -n RUNS     executions per target (default 1000000)
#   -t SECONDS  stop a target after this long even if RUNS is not reached (default: no limit)
#   TARGET      any of the names below (default: all)
#
# Each target is a @FuzzTest method. Under plain `mvn test` it only replays its committed
# inputs in <module>/src/test/resources/fuzz/<TARGET>/ (seeds and crash regressions); this
# script runs Jazzer on it for real:
#   - the JVM gets -Xmx512m, so a reader that allocates what a hostile size asks for fails
#     with OutOfMemoryError, which is a finding; an input that takes over 10 s is a finding;
#   - the growing corpus lives in <module>/target/fuzz-corpus/<TARGET>/ (not committed);
#   - a crashing input is written to <module>/src/test/resources/fuzz/<TARGET>/crash-<sha1>,
#     where `mvn test` replays it from then on: fix the reader, keep the input;
#   - the log is <module>/target/fuzz-logs/<TARGET>.log; a summary line per target is printed
#     (executions, seconds, executions per second, new crash inputs).
# It runs at nice 10; the exit status is 1 if any target found a crash.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
JAVA="$JAVA_HOME/bin/java"

# name          module          class                                              method            instrumented
TARGETS="
GgufFile         gguf            quantbridge.gguf.fuzz.GgufFuzzTest                 ggufFile          quantbridge.**
SafetensorsFile  safetensors     quantbridge.safetensors.fuzz.SafetensorsFuzzTest   safetensorsFile   quantbridge.**:com.fasterxml.jackson.core.**
SafetensorsIndex safetensors     quantbridge.safetensors.fuzz.SafetensorsFuzzTest   safetensorsIndex  quantbridge.**:com.fasterxml.jackson.core.**
BlobFile         openvino-blob   quantbridge.openvino.fuzz.BlobFuzzTest             blobFile          quantbridge.**
Unpickle         openvino-blob   quantbridge.openvino.fuzz.BlobFuzzTest             unpickle          quantbridge.**
IrXml            openvino-ir     quantbridge.openvino.ir.fuzz.IrFuzzTest            irXml             quantbridge.**
Imatrix          converters      quantbridge.converters.fuzz.ImatrixFuzzTest        imatrix           quantbridge.**
Inspect          converters      quantbridge.converters.fuzz.InspectFuzzTest        inspect           quantbridge.**
"

RUNS=1000000
MAX_TIME=0
while getopts "n:t:h" opt; do
    case "$opt" in
        n) RUNS="$OPTARG" ;;
        t) MAX_TIME="$OPTARG" ;;
        *) sed -n '2,22p' "$0"; exit 2 ;;
    esac
done
shift $((OPTIND - 1))

row() { echo "$TARGETS" | awk -v t="$1" '$1 == t'; }
if [ $# -eq 0 ]; then set -- $(echo "$TARGETS" | awk 'NF {print $1}'); fi
for t in "$@"; do
    [ -n "$(row "$t")" ] || { echo "unknown target $t; known: $(echo "$TARGETS" | awk 'NF {printf "%s ", $1}')" >&2; exit 2; }
done

# Compile main and test classes of the modules needed, and write each module's test class path.
modules=$(for t in "$@"; do row "$t" | awk '{print $2}'; done | sort -u | paste -sd, -)
echo "building $modules ..."
(cd "$ROOT" && mvn -q -pl "$modules" -am test-compile dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile=target/fuzz.classpath)

found=0
printf '%-17s %12s %9s %10s %s\n' target executions seconds "exec/s" "new crash inputs"
for t in "$@"; do
    read -r name module class method instrument <<<"$(row "$t")"
    dir="$ROOT/$module"
    seeds="$dir/src/test/resources/fuzz/$name"
    corpus="$dir/target/fuzz-corpus/$name"
    log="$dir/target/fuzz-logs/$name.log"
    mkdir -p "$corpus" "$seeds" "$(dirname "$log")" "$dir/target/fuzz-reproducers"
    before=$(ls "$seeds" | grep -c '^crash-' || true)
    limit=()
    [ "$MAX_TIME" -gt 0 ] && limit=(-max_total_time="$MAX_TIME")
    start=$(date +%s)
    set +e
    (cd "$dir" && nice -n 10 "$JAVA" -Xmx512m -XX:+EnableDynamicAgentLoading \
        --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
        -Dqb.root="$ROOT" \
        -cp "target/test-classes:target/classes:$(cat target/fuzz.classpath)" \
        com.code_intelligence.jazzer.Jazzer \
        --target_class="$class" --target_method="$method" \
        --instrumentation_includes="$instrument" --custom_hook_includes="$instrument" \
        --reproducer_path="$dir/target/fuzz-reproducers" --keep_going=10 \
        "$corpus" "$seeds" \
        -runs="$RUNS" "${limit[@]}" -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$seeds/") >"$log" 2>&1
    status=$?
    set -e
    seconds=$(( $(date +%s) - start ))
    # Jazzer makes an empty <Class>Inputs/<method> folder in the test resources; we keep inputs in fuzz/<TARGET>/.
    find "$dir/src/test/resources" -depth -type d -name '*Inputs*' -empty -delete 2>/dev/null || true
    find "$dir/src/test/resources" -depth -type d -path '*FuzzTestInputs' -empty -delete 2>/dev/null || true
    find "$dir/src/test/resources/quantbridge" -depth -type d -empty -delete 2>/dev/null || true
    execs=$(grep -a '^stat::number_of_executed_units:' "$log" | tail -1 | awk '{print $2}')
    rate=$(grep -a '^stat::average_exec_per_sec:' "$log" | tail -1 | awk '{print $2}')
    after=$(ls "$seeds" | grep -c '^crash-' || true)
    new=$((after - before))
    printf '%-17s %12s %9s %10s %s\n' "$name" "${execs:-?}" "$seconds" "${rate:-?}" "$new"
    if [ "$new" -gt 0 ] || { [ "$status" -ne 0 ] && [ -z "$execs" ]; }; then
        found=1
        grep -a -m 5 '== Java Exception\|FuzzerSecurityIssue\|ERROR' "$log" | sed 's/^/    /' || true
        [ -z "$execs" ] && echo "    Jazzer stopped (status $status) without stats: see $log"
    fi
done
exit $found
