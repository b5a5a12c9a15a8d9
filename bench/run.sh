#!/usr/bin/env bash
# run.sh: builds Switchboard (release) with the benchmarks, installs the anchor's npm packages
# (pinned by bench/typescript/package-lock.json) and runs the stdio benchmark, which prints one
# table: Switchboard against the official MCP TypeScript SDK. See bench/README.md.
#
#   bench/run.sh                         # build in build/release
#   BUILD_DIR=build/bench bench/run.sh   # or in another build directory
#   bench/run.sh --calls 50000           # arguments go to the driver (stdio_bench)
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir="${BUILD_DIR:-build/release}"
cmake --preset release -B "$build_dir" -DSWITCHBOARD_BUILD_BENCH=ON >&2
cmake --build "$build_dir" --target switchboard_bench >&2

if [ ! -d bench/typescript/node_modules ]; then
  (cd bench/typescript && npm ci --no-audit --no-fund --loglevel=error) >&2
fi

echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -sr), node $(node --version)"
exec "$build_dir/bench/stdio_bench" \
  --switchboard "$build_dir/bin/switchboard" \
  --plugin-dir "$build_dir/bench/plugins" \
  --first-party-dir "$build_dir/lib/switchboard/plugins" \
  --anchor bench/typescript/echo-server.mjs "$@"
