#!/usr/bin/env bash
# Writes examples/report.html (`capplan report` on the shipped catalog) and its screenshot,
# examples/report.png, taken by headless Chromium, and the README's chart, examples/capacity.svg.
#
#   scripts/screenshot.sh
set -euo pipefail
cd "$(dirname "$0")/.."
browser=${CAPPLAN_CHROMIUM:-chromium}
cargo build --release --quiet
bin=target/release/capplan
"$bin" --catalog contracts report --output examples/report.html
"$bin" --catalog contracts chart capacity --output examples/capacity.svg
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --hide-scrollbars --force-device-scale-factor=1 --user-data-dir="$profile" \
    --window-size=1366,2200 --screenshot="$PWD/examples/report.png" \
    "file://$PWD/examples/report.html" 2>/dev/null
echo "wrote examples/report.html, examples/report.png and examples/capacity.svg"
