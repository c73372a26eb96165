#!/usr/bin/env bash
# Stress test of the epoch machinery (not run in CI: it takes minutes).
#
#   scripts/epoch-stress.sh overlap PAIRS   # PAIRS pairs of overlapping runs, different --as-of
#   scripts/epoch-stress.sh kill RUNS       # RUNS runs killed with SIGKILL at random moments
#
# Uses the release binary (cargo build --release first) on the Bitcoin-OTC
# graph in ../shared/data (overlap) and the Wikipedia RfA graph (kill), with a
# throw-away default key. Prints one line per pair or run and a tally; exits 1
# on the first broken promise (a chain break, latest not the newest
# epoch, a loser not exiting 2 with the holder named, an epoch or latest that
# does not verify, a run after a kill that fails or leaves leftovers).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${CARGO_TARGET_DIR:-target}/release/scoreset
mode=${1:?overlap or kill}
count=${2:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_DATA_HOME="$work/data-home"
data=$(cd ../shared/data && pwd)

pipeline() { # name graph
  cat >"$work/$1.toml" <<EOF
name = "$1"
base = "$data"
[[source]]
format = "edges"
path = "$2"
[pretrust]
entries = { "1" = 1.0 }
[output]
dir = "$work/out"
EOF
}

fail() { echo "FAIL: $*" >&2; exit 1; }

verify_latest() { # pipeline
  local latest="$work/out/$1/latest"
  [ -e "$latest" ] || return 0
  "$bin" verify "$latest" >/dev/null 2>"$work/verify.err" || fail "latest of $1 does not verify: $(cat "$work/verify.err")"
}

as_of() { date -u -d "@$((1767225600 + $1 * 3600))" +%Y-%m-%dT%H:%M:%SZ; }

case "$mode" in
overlap)
  pipeline overlap soc-sign-bitcoinotc.csv.gz
  losers=0 published=0
  for ((k = 0; k < count; k++)); do
    a=$(as_of $((2 * k))) b=$(as_of $((2 * k + 1)))
    "$bin" run "$work/overlap.toml" --as-of "$a" >"$work/a.out" 2>"$work/a.err" & pa=$!
    "$bin" run "$work/overlap.toml" --as-of "$b" >"$work/b.out" 2>"$work/b.err" & pb=$!
    set +e; wait $pa; ra=$?; wait $pb; rb=$?; set -e
    for x in a b; do
      r=$([ $x = a ] && echo $ra || echo $rb)
      if [ "$r" = 0 ]; then
        published=$((published + 1))
      elif [ "$r" = 2 ] && grep -q "another run of this pipeline is under way (pid [0-9]* started" "$work/$x.err"; then
        losers=$((losers + 1))
      else
        fail "pair $k run $x exited $r: $(cat "$work/$x.err")"
      fi
    done
    newest=$(ls "$work/out/overlap" | grep -E '^[0-9]{8}T[0-9]{6}Z$' | sort | tail -1)
    [ "$(readlink "$work/out/overlap/latest")" = "$newest" ] || fail "pair $k: latest is not the newest epoch $newest"
    verify_latest overlap
    echo "pair $k: exits $ra $rb, latest $newest verifies"
  done
  # Every epoch verifies, so no link in the chain is broken.
  for e in "$work/out/overlap"/2*; do
    "$bin" verify "$e" >/dev/null 2>"$work/verify.err" || fail "$e: $(cat "$work/verify.err")"
  done
  echo "overlap: $count pairs, $published published, $losers losers exited 2 naming the holder, 0 chain breaks"
  ;;
kill)
  pipeline kill wikirfa_signed_pyg-signed-directed.csv.gz
  "$bin" run "$work/kill.toml" --as-of "$(as_of 0)" >/dev/null
  for ((k = 1; k <= count; k++)); do
    if ((k % 2)); then
      # During output writing: the crash hook aborts (no clean-up runs) after N files.
      SCORESET_CRASH_AFTER_FILES=$((RANDOM % 7)) "$bin" run "$work/kill.toml" --as-of "$(as_of $((2 * k)))" \
        >/dev/null 2>&1 && fail "run $k was not killed" || true
      how="aborted while writing"
    else
      "$bin" run "$work/kill.toml" --as-of "$(as_of $((2 * k)))" >/dev/null 2>&1 & pid=$!
      delay=$(awk -v r=$RANDOM 'BEGIN { printf "%.3f", r / 32768 * 0.3 }')
      sleep "$delay"; kill -KILL $pid 2>/dev/null || true; wait $pid 2>/dev/null || true
      how="SIGKILL after ${delay}s"
    fi
    verify_latest kill
    "$bin" run "$work/kill.toml" --as-of "$(as_of $((2 * k + 1)))" >"$work/next.out" 2>&1 \
      || fail "the run after kill $k failed: $(cat "$work/next.out")"
    leftovers=$(ls -A "$work/out/kill" | grep -c -E 'partial|^\.latest\.' || true)
    [ "$leftovers" = 0 ] || fail "leftovers after the run after kill $k"
    verify_latest kill
    echo "kill $k ($how): latest verifies; next run ok$(grep -o 'removed [0-9]* leftovers' "$work/next.out" | sed 's/^/, /')$(grep -q recovered "$work/next.out" && echo ', recovered a stranded epoch')"
  done
  echo "kill: $count kills, latest verified after each, every next run succeeded and left no leftovers"
  ;;
*) echo "usage: $0 overlap|kill N" >&2; exit 2 ;;
esac
