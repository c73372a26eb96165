#!/usr/bin/env bash
# RUSTC_WRAPPER for the fuzz build (fuzz/run.sh sets it): moves the
# `-Cllvm-args=-sanitizer-coverage-level=0` that fuzz/Cargo.toml gives some
# crates (profile rustflags) to the end of rustc's arguments. Cargo puts
# profile rustflags before RUSTFLAGS, where cargo-fuzz adds
# `-sanitizer-coverage-level=4`, and the last occurrence of an LLVM option wins.
rustc=$1
shift
off=-Cllvm-args=-sanitizer-coverage-level=0
args=()
found=0
for a in "$@"; do
    if [[ $a == "$off" ]]; then found=1; else args+=("$a"); fi
done
[[ $found == 1 ]] && args+=("$off")
exec "$rustc" "${args[@]}"
