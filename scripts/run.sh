#!/usr/bin/env bash
# run.sh: sets up, builds (release), installs into build/release/install and starts the server as a
# Streamable HTTP service on http://127.0.0.1:8080/mcp with the default config: every first-party
# plugin, data in SQLite under ~/.local/share/switchboard. Ctrl-C stops it. SWITCHBOARD_LISTEN=HOST:PORT
# picks another address. Desktop clients launch the binary with --stdio instead.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh >&2
cmake --preset release >&2
cmake --build --preset release >&2
cmake --install build/release >/dev/null
prefix="$PWD/build/release/install"
exec "$prefix/bin/switchboard" --config "$prefix/share/switchboard/switchboard.json" --http "${SWITCHBOARD_LISTEN:-127.0.0.1:8080}"
