# Shared by the benchmark scripts (sourced): timing a command and summarising the runs.

# load -> the 1-, 5- and 15-minute load averages
load() { cut -d' ' -f1-3 /proc/loadavg; }

# measure FILE command... -> appends "wall cpu rss_mb" to FILE (wall in s to the millisecond, cpu =
# user + system in s, peak RSS in MB); nothing if the command fails
measure() {
    local f=$1 t; shift
    t=$(mktemp)
    if /usr/bin/time -f "%e %U %S %M" -o "$t" "$@" >/dev/null 2>&1; then
        awk '{printf "%.3f %.2f %d\n", $1, $2 + $3, $4 / 1024}' "$t" >>"$f"
    fi
    rm -f "$t"
}

# stats FILE COLUMN -> "median min" (the lower median for an even count; "- -" for no runs)
stats() {
    [ -s "$1" ] || { echo "- -"; return; }
    cut -d' ' -f"$2" "$1" | sort -g | awk '{v[NR] = $1} END {printf "%s %s", v[int((NR + 1) / 2)], v[1]}'
}
