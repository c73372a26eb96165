#!/usr/bin/env bash
# Runs the fuzz targets one after another, each for a time budget, and
# prints a table: target, inputs executed, exec/s, coverage (cov/ft from
# libFuzzer's final stats), corpus size, and crashes/leaks/timeouts/ooms found.
#
#   fuzz/run.sh N_SECONDS [TARGET...]     (all targets when none is named)
#
# Needs the nightly toolchain and cargo-fuzz (docs/fuzzing.md). Builds into
# $CARGO_TARGET_DIR (default /work/fuzz-target, outside the clone), at the
# lowest priority; fuzzes on one core (one libFuzzer process, RAYON_NUM_THREADS=1).
#
# Corpora grow in fuzz/corpus/<target>/ (seeded from fuzz/seeds/<target>/,
# read-only), crashes land in fuzz/artifacts/<target>/, libFuzzer's output in
# fuzz/logs/<target>-<time>.log and the table in fuzz/logs/summary-<time>.txt.
# After a crash the target is restarted for the rest of its budget, at most
# FUZZ_RESTARTS times (default 3).
#
# Environment:
#   FUZZ_SANITIZER   address (default: ASan + LeakSanitizer) or none (no
#                    sanitizer: faster, for long volume runs; memory errors in
#                    C code and leaks go unseen). Both builds are kept in
#                    CARGO_TARGET_DIR; switching relinks the targets.
#   FUZZ_BUDGETS     per-target budgets overriding N_SECONDS, e.g.
#                    "vc_jsonl=1200 verify=1800"
#   FUZZ_RUNS        per-target input counts, e.g. "verify=5000000": the
#                    target stops after that many inputs (or its time budget,
#                    whichever comes first), however busy the machine is.
#                    Do not pause a fuzzer (kill -STOP) for longer than its
#                    10 s per-input timeout: libFuzzer's timer runs on wall
#                    time, and reports the input it was on as a timeout.
#   FUZZ_SKIP_BUILD=1 (use the binaries as built; refused if they were built
#                    with another sanitizer), FUZZ_RESTARTS, FUZZ_EXTRA_ARGS
#                    (more libFuzzer flags), CARGO_TARGET_DIR.
# fuzz/totals.sh sums the tables of all runs (inputs executed per target).
set -uo pipefail

usage() { echo "usage: $0 N_SECONDS [TARGET...]" >&2; exit 64; }
[[ $# -ge 1 && $1 =~ ^[0-9]+$ && $1 -gt 0 ]] || usage
budget=$1
shift
sanitizer=${FUZZ_SANITIZER:-address}
[[ $sanitizer == address || $sanitizer == none ]] || { echo "FUZZ_SANITIZER must be address or none" >&2; exit 64; }
declare -A budgets=()
for kv in ${FUZZ_BUDGETS:-}; do
    [[ $kv =~ ^([a-z_]+)=([0-9]+)$ && ${BASH_REMATCH[2]} -gt 0 ]] || { echo "bad FUZZ_BUDGETS entry $kv (want target=seconds)" >&2; exit 64; }
    budgets[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
done
declare -A runs=()
for kv in ${FUZZ_RUNS:-}; do
    [[ $kv =~ ^([a-z_]+)=([0-9]+)$ && ${BASH_REMATCH[2]} -gt 0 ]] || { echo "bad FUZZ_RUNS entry $kv (want target=inputs)" >&2; exit 64; }
    runs[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
done

fuzz_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/work/fuzz-target}
triple=x86_64-unknown-linux-gnu
bin_dir=$CARGO_TARGET_DIR/$triple/release
all_targets=(vc_jsonl vc_json edges_csv indexer_csv pretrust tables pipeline_toml identity jcs verify)
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=("${all_targets[@]}")
for t in "${targets[@]}" "${!budgets[@]}" "${!runs[@]}"; do
    [[ " ${all_targets[*]} " == *" $t "* ]] || { echo "unknown target $t (targets: ${all_targets[*]})" >&2; exit 64; }
done
# Which sanitizer the binaries in $bin_dir were built with (written after each build).
stamp_file=$bin_dir/.scoreset-fuzz-sanitizer

# Dictionaries per target (libFuzzer takes one -dict: they are concatenated).
declare -A dicts=(
    [vc_jsonl]="json credential did"
    [vc_json]="json credential did"
    [indexer_csv]="json credential did"
    [edges_csv]="did"
    [pretrust]="did"
    [tables]="tables did json"
    [pipeline_toml]="pipeline did"
    [identity]="did"
    [jcs]="json"
    [verify]="json manifest credential"
)

# Longest input libFuzzer makes (without it, the longest seed): the verify
# target's inputs hold a whole epoch.
declare -A max_len=([verify]=32768)

# Build (at the lowest priority: other builds share the machine). The wrapper
# keeps polars out of the coverage instrumentation (see fuzz/Cargo.toml).
export RUSTC_WRAPPER=$fuzz_dir/rustc-wrapper.sh
if [[ ${FUZZ_SKIP_BUILD:-0} == 1 ]]; then
    built=$(cat "$stamp_file" 2>/dev/null || echo address)
    [[ $built == "$sanitizer" ]] || { echo "the binaries were built with sanitizer $built, not $sanitizer: build again" >&2; exit 64; }
else
    if [[ ${#targets[@]} -eq ${#all_targets[@]} ]]; then
        build=("")
    else
        build=("${targets[@]}")
    fi
    for t in "${build[@]}"; do
        echo "building ${t:-all targets} into $CARGO_TARGET_DIR" >&2
        if (cd "$fuzz_dir/.." && nice -n 19 cargo +nightly fuzz build -s "$sanitizer" --fuzz-dir "$fuzz_dir" $t); then
            echo "$sanitizer" >"$stamp_file"
        else
            # The library may be mid-edit: fuzz what was built before, if it was.
            for b in "${targets[@]}"; do [[ -x $bin_dir/$b ]] || { echo "build failed" >&2; exit 1; }; done
            built=$(cat "$stamp_file" 2>/dev/null || echo address)
            [[ $built == "$sanitizer" ]] || { echo "build failed, and the binaries built before have sanitizer $built" >&2; exit 1; }
            echo "WARNING: build failed; fuzzing the binaries built before ($(date -r "$bin_dir/${targets[0]}" -u +%FT%TZ))" >&2
            break
        fi
    done
fi

# The bundled SQLite (rusqlite) trips ASan's ODR check; cargo fuzz run turns it off too.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_odr_violation=0
# A known one-off leak of the library (see lsan.supp) would be blamed on every input.
export LSAN_OPTIONS=${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$fuzz_dir/lsan.supp:print_suppressions=0

mkdir -p "$fuzz_dir/logs" "$CARGO_TARGET_DIR/dict"
# Runs started in the same second would share a table (and the later one's
# header would replace the earlier's): each run claims its table's name
# (created with noclobber, so only one run can) or takes the next second.
stamp=$(date -u +%Y%m%dT%H%M%SZ)
until (set -C; : >"$fuzz_dir/logs/summary-$stamp.txt") 2>/dev/null; do
    sleep 1
    stamp=$(date -u +%Y%m%dT%H%M%SZ)
done
summary=$fuzz_dir/logs/summary-$stamp.txt
# The table is written a row at a time, as each target finishes, so a run
# that is stopped part way (a session ending) keeps the rows of the targets it finished.
row() {
    printf '%-14s %12s %8s %7s %8s %7s %7s %6s %9s %5s %5s %7s %9s\n' "$@"
}
{
    echo "fuzz run $stamp: ${budget}s per target${FUZZ_BUDGETS:+ ($FUZZ_BUDGETS)}${FUZZ_RUNS:+, inputs ($FUZZ_RUNS)}, sanitizer $sanitizer (logs and this table in $fuzz_dir/logs)"
    row target execs exec/s cov ft corpus crashes leaks timeouts ooms exit seconds sanitizer
} >"$summary"
any_found=0

count_artifacts() { # folder prefix
    find "$1" -maxdepth 1 -type f -name "$2-*" 2>/dev/null | wc -l
}

for t in "${targets[@]}"; do
    budget_t=${budgets[$t]:-$budget}
    bin=$bin_dir/$t
    [[ -x $bin ]] || { echo "$bin not built" >&2; rows+=("$t|not built||||||||||"); any_found=1; continue; }
    corpus=$fuzz_dir/corpus/$t
    seeds=$fuzz_dir/seeds/$t
    artifacts=$fuzz_dir/artifacts/$t
    mkdir -p "$corpus" "$seeds" "$artifacts"
    dict=$CARGO_TARGET_DIR/dict/$t.dict
    : >"$dict"
    for d in ${dicts[$t]}; do cat "$fuzz_dir/dict/$d.dict" >>"$dict"; done
    # Scratch files of the targets (readers take paths) go to a folder of
    # their own, in memory (/dev/shm) when there is one: each input is
    # written there before it is read. The folder is this run's (its
    # stamp), so two runs of one target never remove each other's.
    if [[ -d /dev/shm && -w /dev/shm ]]; then
        export TMPDIR=/dev/shm/scoreset-fuzz-$t-$stamp
    else
        export TMPDIR=$CARGO_TARGET_DIR/tmp/$t-$stamp
    fi
    rm -rf "$TMPDIR" && mkdir -p "$TMPDIR"
    log=$fuzz_dir/logs/$t-$stamp.log
    : >"$log"
    # The verify target writes the files of the epoch it builds as seeds when it starts.
    seed_env=()
    [[ $t == verify ]] && seed_env=(SCORESET_FUZZ_SEEDS="$corpus")

    before=()
    for kind in crash leak timeout oom slow-unit; do before+=("$(count_artifacts "$artifacts" "$kind")"); done

    start=$(date +%s)
    execs=0 restarts=0 status=0
    while :; do
        left=$((budget_t - ($(date +%s) - start)))
        [[ $left -gt 0 ]] || break
        runs_left=-1
        if [[ -n ${runs[$t]:-} ]]; then
            runs_left=$((runs[$t] - execs))
            [[ $runs_left -gt 0 ]] || break
        fi
        echo "=== $t: fuzzing for ${left}s${runs[$t]:+ or $runs_left inputs} ($(date -u +%H:%M:%SZ))" | tee -a "$log" >&2
        env RAYON_NUM_THREADS=1 "${seed_env[@]}" nice -n 19 "$bin" "$corpus" "$seeds" \
            -max_total_time="$left" -runs="$runs_left" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
            -max_len="${max_len[$t]:-8192}" -reload=0 -dict="$dict" -artifact_prefix="$artifacts/" ${FUZZ_EXTRA_ARGS:-} >"$log.segment" 2>&1
        status=$?
        ran=$(grep -a '^stat::number_of_executed_units:' "$log.segment" | tail -n 1 | awk '{print $2}')
        cat "$log.segment" >>"$log" && rm -f "$log.segment"
        execs=$((execs + ${ran:-0}))
        [[ $status -eq 0 ]] && break
        restarts=$((restarts + 1))
        [[ $restarts -le ${FUZZ_RESTARTS:-3} ]] || break
        echo "=== $t: libFuzzer stopped (exit $status); restarting" | tee -a "$log" >&2
    done
    elapsed=$(($(date +%s) - start))

    last=$(grep -aoE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -n 1)
    cov=$(awk '{print $2}' <<<"$last")
    ft=$(awk '{print $4}' <<<"$last")
    corp=$(awk '{print $6}' <<<"$last")
    found=()
    i=0
    for kind in crash leak timeout oom slow-unit; do
        found+=($(($(count_artifacts "$artifacts" "$kind") - before[i])))
        i=$((i + 1))
    done
    [[ $((found[0] + found[1] + found[2] + found[3])) -eq 0 ]] || any_found=1
    rate=$((elapsed > 0 ? execs / elapsed : 0))
    row "$t" "$execs" "$rate" "${cov:-?}" "${ft:-?}" "${corp:-?}" "${found[0]}" "${found[1]}" "${found[2]}" "${found[3]}" \
        "$status" "$elapsed" "$sanitizer" >>"$summary"
    rm -rf "$TMPDIR"
done

cat "$summary"
"$fuzz_dir/totals.sh" || true
# Non-zero when anything was found.
exit $any_found
