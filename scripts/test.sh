#!/usr/bin/env bash
# test.sh: sets up, then builds and runs every test twice: on a release build and on an
# AddressSanitizer + UndefinedBehaviorSanitizer build. Also checks the formatting.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
# Test peers from npm (the official TypeScript SDK client), pinned by package-lock.json.
for dir in tests/interop tests/conformance tests/http; do
  [ -f "$dir/package-lock.json" ] && (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
done

echo "== clang-format"
git ls-files -- '*.c' '*.h' '*.cpp' '*.hpp' | xargs clang-format --dry-run --Werror

for preset in ${SWITCHBOARD_TEST_PRESETS:-release asan}; do
  echo "== $preset: build"
  cmake --preset "$preset"
  cmake --build --preset "$preset"
  echo "== $preset: test"
  ctest --preset "$preset"
done
