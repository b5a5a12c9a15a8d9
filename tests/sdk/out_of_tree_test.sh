#!/usr/bin/env bash
# out_of_tree_test.sh: builds examples/hello_plugin the way a third party does, against an
# installed SDK, and loads it into the installed host.
#
#   1. cmake --install <build dir> --prefix <tmp>/prefix
#   2. configure and build examples/hello_plugin out of tree with -DCMAKE_PREFIX_PATH=<prefix>
#      (same compiler, build type and flags as <build dir>, so an ASan build gets an ASan plugin)
#   3. <prefix>/bin/switchboard --validate-plugin hello.so --json: name, version, offers
#   4. <prefix>/bin/switchboard --config <tmp config> --stdio over real pipes: greet, stats,
#      progress, resource, prompt (hello_client.mjs)
#
# Usage: out_of_tree_test.sh <build dir> <source dir>. Needs cmake (or $CMAKE) and node.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 <build dir> <source dir>" >&2
  exit 2
fi
build_dir=$(cd "$1" && pwd)
source_dir=$(cd "$2" && pwd)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cmake=${CMAKE:-cmake}

work=$(mktemp -d "${TMPDIR:-/tmp}/switchboard-out-of-tree.XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
step() { echo "== $*"; }

# A value from the parent build's cache, empty when unset.
cache_value() {
  sed -n "s/^$1:[A-Z]*=//p" "$build_dir/CMakeCache.txt" | head -n 1
}

step "install $build_dir into $prefix"
"$cmake" --install "$build_dir" --prefix "$prefix" >"$work/install.log"
for installed in bin/switchboard include/switchboard/plugin.h include/switchboard/sdk.hpp \
                 lib/cmake/SwitchboardSDK/SwitchboardSDKConfig.cmake; do
  [ -e "$prefix/$installed" ] || { echo "FAIL: the install lacks $installed" >&2; exit 1; }
done

step "configure examples/hello_plugin against the installed SDK"
configure=(-S "$source_dir/examples/hello_plugin" -B "$work/build"
           "-DCMAKE_PREFIX_PATH=$prefix"
           "-DCMAKE_BUILD_TYPE=$(cache_value CMAKE_BUILD_TYPE)"
           "-DCMAKE_CXX_FLAGS=$(cache_value CMAKE_CXX_FLAGS) -Wall -Wextra -Wpedantic -Wshadow -Werror"
           "-DCMAKE_MODULE_LINKER_FLAGS=$(cache_value CMAKE_MODULE_LINKER_FLAGS)")
generator=$(cache_value CMAKE_GENERATOR)
compiler=$(cache_value CMAKE_CXX_COMPILER)
[ -n "$generator" ] && configure+=(-G "$generator")
[ -n "$compiler" ] && configure+=("-DCMAKE_CXX_COMPILER=$compiler")
"$cmake" "${configure[@]}" >"$work/configure.log" || { cat "$work/configure.log" >&2; exit 1; }
sdk_dir=$(sed -n 's/^SwitchboardSDK_DIR:PATH=//p' "$work/build/CMakeCache.txt")
if [ "$sdk_dir" != "$prefix/lib/cmake/SwitchboardSDK" ]; then
  echo "FAIL: find_package(SwitchboardSDK) used \"$sdk_dir\", not the installed prefix" >&2
  exit 1
fi

step "build hello.so"
"$cmake" --build "$work/build"
plugin=$work/build/hello.so
[ -f "$plugin" ] || { echo "FAIL: the build made no $plugin" >&2; exit 1; }

step "exported symbols"
if command -v nm >/dev/null 2>&1; then
  # Hidden visibility: the entry symbol is the plugin's whole dynamic interface.
  exported=$(nm -D --defined-only "$plugin" | awk '$2 ~ /^[A-TV-Z]$/ {print $3}' | sort)
  if [ "$exported" != "switchboard_plugin_entry" ]; then
    printf 'FAIL: hello.so should export only switchboard_plugin_entry, exports:\n%s\n' "$exported" >&2
    exit 1
  fi
fi

step "switchboard --validate-plugin"
"$prefix/bin/switchboard" --validate-plugin "$plugin" --json >"$work/validate.json"
node "$here/hello_client.mjs" validate "$work/validate.json"

step "switchboard --stdio with hello loaded by path"
# Relative paths resolve against the config file's folder; the greeting comes from the environment.
cat >"$work/switchboard.json" <<'JSON'
{
  "data_dir": "data",
  "plugin_paths": [],
  "plugins": { "hello": { "path": "build/hello.so", "config": { "greeting": "${env:HELLO_GREETING}" } } },
  "log": { "level": "debug", "file": "switchboard.log" }
}
JSON
if ! HELLO_GREETING=Ahoy node "$here/hello_client.mjs" session "$prefix/bin/switchboard" "$work/switchboard.json"; then
  echo "-- switchboard.log" >&2
  cat "$work/switchboard.log" >&2 || true
  exit 1
fi
grep -qx "Ada" "$work/data/hello/guestbook.txt" ||
  { echo "FAIL: the guestbook is not in <data_dir>/hello/" >&2; exit 1; }

echo "PASS: out-of-tree plugin builds against the installed SDK and serves through the installed host"
