# Sourced by .ci/run and ./quantbridge: exports JAVA_HOME for a JDK 25 or newer.
# Order: $JAVA_HOME if set (it must be >= 25), else the newest JDK >= 25 under /usr/lib/jvm.
# On failure prints one line to stderr and returns 2.

qb_jdk_major() {  # prints the feature version of the JDK at $1, or nothing
    local v=""
    if [ -r "$1/release" ]; then
        v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release")
    fi
    if [ -z "$v" ] && [ -x "$1/bin/java" ]; then
        v=$("$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)
    fi
    printf '%s' "$v"
}

qb_find_jdk() {
    local need=25 major best="" best_major=0 dir
    if [ -n "${JAVA_HOME:-}" ]; then
        major=$(qb_jdk_major "$JAVA_HOME")
        if [ -x "$JAVA_HOME/bin/javac" ] && [ -n "$major" ] && [ "$major" -ge "$need" ]; then
            export JAVA_HOME
            return 0
        fi
        echo "error: JAVA_HOME=$JAVA_HOME is not a JDK $need or newer (found ${major:-none}); unset it or point it at JDK $need" >&2
        return 2
    fi
    for dir in /usr/lib/jvm/*/; do
        dir=${dir%/}
        [ -x "$dir/bin/javac" ] || continue
        major=$(qb_jdk_major "$dir")
        if [ -n "$major" ] && [ "$major" -ge "$need" ] && [ "$major" -gt "$best_major" ]; then
            best=$dir
            best_major=$major
        fi
    done
    if [ -z "$best" ]; then
        echo "error: no JDK $need or newer found (set JAVA_HOME, or install one under /usr/lib/jvm, e.g. Temurin 25)" >&2
        return 2
    fi
    export JAVA_HOME=$best
}
