#!/usr/bin/env bash
# test.sh: sets up, then builds and runs every test twice: on a release build and on an
# AddressSanitizer + UndefinedBehaviorSanitizer build (without the benchmarks, whose smoke tests
# run on release; with line tables only, -g1: reports keep file:line and the build is about a
# fifth faster than with full -g). Also checks the formatting.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
# Test peers from npm (the official TypeScript SDK client and servers), pinned by package-lock.json.
for lock in tests/*/package-lock.json plugins/*/tests/package-lock.json bench/typescript/package-lock.json; do
  [ -f "$lock" ] && (cd "$(dirname "$lock")" && npm ci --no-audit --no-fund --loglevel=error)
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
