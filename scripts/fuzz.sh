#!/usr/bin/env bash
# Runs every fuzz target (or those named) for SECONDS each, one after another, on the corpus
# under fuzz/corpus/, then minimises each corpus. A crash stops the run and leaves its input
# under fuzz/artifacts/TARGET/; replay it with `cargo fuzz run TARGET fuzz/artifacts/TARGET/...`.
#
#   scripts/fuzz.sh 600                 # every target, ten minutes each
#   scripts/fuzz.sh 60 money period     # two targets, a minute each
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`). libFuzzer needs nightly compiler
# flags; on a stable toolchain RUSTC_BOOTSTRAP=1 allows them.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:?usage: scripts/fuzz.sh SECONDS [TARGET...]}
shift
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "scripts/fuzz.sh: cargo-fuzz is not installed: cargo install cargo-fuzz --locked" >&2
    exit 2
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    listed=$(cargo fuzz list --fuzz-dir fuzz)
    mapfile -t targets <<<"$listed"
fi
if [ ${#targets[@]} -eq 0 ] || [ -z "${targets[0]}" ]; then
    echo "scripts/fuzz.sh: no fuzz target to run" >&2
    exit 2
fi
if ! rustc --version | grep -q nightly; then
    export RUSTC_BOOTSTRAP=1
fi
[ -d fuzz/corpus/money ] || python3 scripts/fuzz-seeds.py

for target in "${targets[@]}"; do
    echo "== $target: ${seconds}s"
    cargo fuzz run --fuzz-dir fuzz "$target" "fuzz/corpus/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1
    cargo fuzz cmin --fuzz-dir fuzz "$target" "fuzz/corpus/$target" >/dev/null 2>&1
    echo "== $target: $(ls "fuzz/corpus/$target" | wc -l) inputs after minimising"
done
