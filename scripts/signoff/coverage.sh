#!/usr/bin/env bash
# Verilator coverage of the MAC array RTL collected from the differential tests (make signoff).
# The `coverage` preset verilates a 4 x 4 array with line, toggle and cover-point coverage
# (a 16 x 16 coverage build is ~12 minutes of C++ on one core and shows the same lines and
# toggles: the PEs are identical). test_mac_cosim runs as in CI; every RtlMacEngine writes its
# counts; verilator_coverage merges them into $1/coverage.dat and coverage.py judges them.
set -euo pipefail
out=$1
jobs=${JOBS:-2}
build=build/coverage
mkdir -p "$out"
test -f "$build/CMakeCache.txt" || cmake --preset coverage >"$out/configure.log"
cmake --build "$build" -j "$jobs" --target test_mac_cosim >"$out/build.log"
rm -rf "$build/rtl_coverage"
(cd "$build/tests" && SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 ./test_mac_cosim) >"$out/test_mac_cosim.log"
verilator_coverage --write "$out/coverage.dat" "$build"/rtl_coverage/*.dat >"$out/merge.log"
rm -rf "$out/annotated"
verilator_coverage --annotate "$out/annotated" --annotate-min 1 "$out/coverage.dat" >>"$out/merge.log"
python3 scripts/signoff/coverage.py "$out/coverage.dat"
