#!/usr/bin/env bash
# The installed package works for a user's own testbench: install the build tree into a fresh
# prefix, build examples/device_testbench out of tree against it (find_package(monde)), run it.
# Usage: install_example.sh <build dir> <source dir> <scratch dir>
set -eu
build=$1
src=$2
dir=$3
rm -rf "$dir"
mkdir -p "$dir"
cmake --install "$build" --prefix "$dir/prefix" > "$dir/install.log"
test -x "$dir/prefix/bin/monde-sim"
test -f "$dir/prefix/lib/cmake/monde/mondeConfig.cmake"
test -f "$dir/prefix/include/monde/system/builder.hpp"
test -f "$dir/prefix/share/monde/configs/device/lpddr5x-8533.json"
cmake -S "$src/examples/device_testbench" -B "$dir/tb" -DCMAKE_PREFIX_PATH="$dir/prefix" -DCMAKE_BUILD_TYPE=Release > "$dir/configure.log"
cmake --build "$dir/tb" -j 2 > "$dir/build.log"
SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 "$dir/tb/device_testbench"
# The installed tool runs from its prefix (presets compiled in, no source tree needed).
(cd "$dir" && "$dir/prefix/bin/monde-sim" list devices | grep -q "^lpddr5x-8533")
echo "installed package: OK"
