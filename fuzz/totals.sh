#!/usr/bin/env bash
# Sums the tables fuzz/run.sh wrote (fuzz/logs/summary-*.txt): inputs
# executed per target over all runs, split by sanitizer (tables from before
# the sanitizer was recorded are ASan runs: "address"), what the runs found,
# and the crash/leak/timeout/oom inputs now in fuzz/artifacts/<target>/.
#
#   fuzz/totals.sh            (goal: FUZZ_GOAL inputs per target, default 10000000)
set -uo pipefail
fuzz_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
goal=${FUZZ_GOAL:-10000000}
shopt -s nullglob
tables=("$fuzz_dir"/logs/summary-*.txt)
[[ ${#tables[@]} -gt 0 ]] || { echo "no tables in $fuzz_dir/logs" >&2; exit 1; }

awk -v goal="$goal" -v artifacts="$fuzz_dir/artifacts" '
    FNR == 1 {
        san = "address"
        if (match($0, /sanitizer [a-z]+/)) san = substr($0, RSTART + 10, RLENGTH - 10)
        n = split(FILENAME, parts, "/"); name = parts[n]; sub(/^summary-/, "", name); sub(/\.txt$/, "", name)
        runs_list = runs_list sprintf("  %s  %-7s %s\n", name, san, substr($0, index($0, ": ") + 2))
        next
    }
    $1 == "target" || $2 !~ /^[0-9]+$/ { next }
    {
        t = $1
        if (!(t in seen)) { seen[t] = 1; order[++nt] = t }
        runs[t]++
        ex[t, san] += $2; total[t] += $2
        for (i = 7; i <= 10; i++) found[t] += ($i ~ /^[0-9]+$/) ? $i : 0
    }
    END {
        printf "runs counted (%d tables):\n%s", ARGC - 1, runs_list
        printf "%-14s %5s %14s %14s %14s %6s %10s  %s\n", "target", "runs", "execs address", "execs none", "total", "found", "artifacts", "goal " goal
        all_met = 1
        for (k = 1; k <= nt; k++) {
            t = order[k]
            cmd = "find \"" artifacts "/" t "\" -maxdepth 1 -type f \\( -name \"crash-*\" -o -name \"leak-*\" -o -name \"timeout-*\" -o -name \"oom-*\" \\) 2>/dev/null | wc -l"
            cmd | getline art; close(cmd)
            met = total[t] >= goal ? "met" : "short by " goal - total[t]
            if (total[t] < goal) all_met = 0
            printf "%-14s %5d %14d %14d %14d %6d %10d  %s\n", t, runs[t], ex[t, "address"], ex[t, "none"], total[t], found[t], art + 0, met
        }
        exit all_met ? 0 : 2
    }
' "${tables[@]}"
