#!/usr/bin/env bash
# Profiles capplan with perf and draws flame graphs of where the time goes:
#   bench/flamegraphs/load-and-capacity-100k.svg  quarterly capacity of 100,000 contracts
#   bench/flamegraphs/risk-1m.svg                 `risk --samples 1000000` on the shipped catalog
# Needs perf (Debian's linux-perf) and inferno (`cargo install inferno --locked`). Builds a
# release binary with frame pointers, so that perf can walk the stacks, in its own target folder.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CAPPLAN_PROFILE_TARGET:-target/profile}
CARGO_TARGET_DIR=$target RUSTFLAGS="-C force-frame-pointers=yes" cargo build --release --quiet
bin=$target/release/capplan
catalog=target/bench/catalog-100000
[ -f "$catalog/portfolio.toml" ] || python3 bench/gen_catalog.py "$catalog" 100000 --seed 1 >/dev/null
mkdir -p bench/flamegraphs
profile() {
    local name=$1; shift
    perf record -q -F 2999 -g -o "$target/$name.perf" "$@" >/dev/null 2>&1
    perf script -i "$target/$name.perf" 2>/dev/null | inferno-collapse-perf >"$target/$name.folded"
    inferno-flamegraph --title "$name" --width 1600 <"$target/$name.folded" >"bench/flamegraphs/$name.svg"
    echo "bench/flamegraphs/$name.svg"
    # The ten functions with the most time of their own.
    perf report -i "$target/$name.perf" --no-children --sort symbol --stdio 2>/dev/null \
        | grep -E "^ +[0-9]" | head -10 | sed -E "s/ +$//" || true
}
profile load-and-capacity-100k "$bin" --catalog "$catalog" --format json capacity --by quarter --group-by provider
profile risk-1m "$bin" --scenario examples/scenarios/delivery-risk.toml risk --samples 1000000
