#!/usr/bin/env bash
# run.sh: builds Switchboard (release) with the benchmarks, installs the anchor's npm packages
# (pinned by bench/typescript/package-lock.json) and runs a benchmark, which prints one table:
# Switchboard against the official MCP TypeScript SDK. See bench/README.md.
#
#   bench/run.sh                         # both: stdio, then Streamable HTTP
#   bench/run.sh stdio                   # stdio only (driver: stdio_bench)
#   bench/run.sh http                    # Streamable HTTP only (driver: http_bench)
#   bench/run.sh knowledge               # the knowledge plugin vs the reference memory server
#   bench/run.sh metrics                 # the metrics plugin: ingest, queries, tool-call overhead
#   bench/run.sh workflow                # the workflow plugin: engine overhead, checkpoints/s, first task
#   BUILD_DIR=build/bench bench/run.sh   # in another build directory
#   bench/run.sh http --requests 20000   # further arguments go to the driver
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir="${BUILD_DIR:-build/release}"
cmake --preset release -B "$build_dir" -DSWITCHBOARD_BUILD_BENCH=ON >&2
cmake --build "$build_dir" --target switchboard_bench >&2

if [ ! -d bench/typescript/node_modules ]; then
  (cd bench/typescript && npm ci --no-audit --no-fund --loglevel=error) >&2
fi

which=all
case "${1:-}" in stdio | http | knowledge | metrics | workflow | all) which=$1 && shift ;; esac
if [ "$which" = all ] && [ $# -gt 0 ]; then
  echo "run.sh: driver arguments need a benchmark first: run.sh stdio ... or run.sh http ..." >&2
  exit 2
fi

echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -sr), node $(node --version)"
if [ "$which" = metrics ]; then
  exec "$build_dir/bench/metrics_bench" \
    --switchboard "$build_dir/bin/switchboard" \
    --bench-plugin-dir "$build_dir/bench/plugins" \
    --plugin-dir "$build_dir/lib/switchboard/plugins" "$@"
fi
if [ "$which" = workflow ]; then
  echo "load: $(uptime | sed 's/.*load average/load average/')"
  exec "$build_dir/bench/workflow_bench" \
    --switchboard "$build_dir/bin/switchboard" \
    --bench-plugin-dir "$build_dir/bench/plugins" \
    --plugin-dir "$build_dir/lib/switchboard/plugins" "$@"
fi
if [ "$which" = knowledge ]; then
  exec node bench/typescript/knowledge-bench.mjs \
    --switchboard "$build_dir/bin/switchboard" \
    --plugin-dir "$build_dir/lib/switchboard/plugins" "$@"
fi
if [ "$which" != http ]; then
  "$build_dir/bench/stdio_bench" \
    --switchboard "$build_dir/bin/switchboard" \
    --plugin-dir "$build_dir/bench/plugins" \
    --first-party-dir "$build_dir/lib/switchboard/plugins" \
    --anchor bench/typescript/echo-server.mjs "$@"
  echo
fi
if [ "$which" != stdio ]; then
  "$build_dir/bench/http_bench" \
    --switchboard "$build_dir/bin/switchboard" \
    --plugin-dir "$build_dir/bench/plugins" \
    --anchor bench/typescript/echo-http-server.mjs "$@"
fi
