#!/usr/bin/env bash
# End-to-end checks of monde-traffic: a run prints and writes statistics with units in the
# key names; bad input names the file and key and exits 2.
# Usage: monde_traffic_cli.sh <monde-traffic binary> <source dir> <scratch dir>
set -u
bin=$1
src=$2
dir=$3
mkdir -p "$dir" && cd "$dir" || exit 1
fail=0
check() {  # check NAME EXPECTED_RC PATTERN -- command...
  local name=$1 want=$2 pattern=$3
  shift 4
  local out rc
  out=$("$@" 2>&1)
  rc=$?
  if [ "$rc" != "$want" ] || ! grep -qE -- "$pattern" <<<"$out"; then
    echo "FAIL $name: rc=$rc (want $want), pattern '$pattern' not found in:"; echo "$out" | tail -20; fail=1
  else
    echo "ok   $name"
  fi
}
check seq-read 0 "protocol violations: 0, error responses: 0" -- "$bin" --requests 5000 --out stats.json
for key in '"bandwidth_GBps"' '"p99_ns"' '"row_hit_rate"' '"bytes_read_bytes"' '"avg_queue_occupancy_entries"' '"channels"'; do
  grep -q "$key" stats.json || { echo "FAIL stats.json lacks $key"; fail=1; }
done
check ddr5-mixed 0 "protocol violations: 0" -- "$bin" --device "$src/configs/device/ddr5-4800.json" --requests 3000 --pattern random --read-fraction 0.5
printf '{"traffic": {"pattern": "strided"}}' > bad.json
check bad-traffic 2 "bad.json: key 'traffic.pattern' = \"strided\" is not one of: sequential, random" -- "$bin" --config bad.json
printf '{"memory": {"model": "timed"}}' > dev.json
check bad-device 2 "dev.json: key 'memory\." -- "$bin" --device dev.json
check missing-device 2 "nope.json: cannot open" -- "$bin" --device nope.json
exit $fail
