#!/usr/bin/env bash
# run.sh: sets up, builds (release), installs into build/release/install and starts the server on
# stdio with the default config: every first-party plugin, data in ~/.local/share/switchboard.
# This is the same command a desktop client runs; press Ctrl-D (EOF) or Ctrl-C to stop.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh >&2
cmake --preset release >&2
cmake --build --preset release >&2
cmake --install build/release >/dev/null
prefix="$PWD/build/release/install"
echo "switchboard: serving MCP on stdin/stdout; logs follow on stderr (Ctrl-D to stop)" >&2
exec "$prefix/bin/switchboard" --config "$prefix/share/switchboard/switchboard.json" --stdio "$@"
