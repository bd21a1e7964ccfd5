#!/usr/bin/env bash
# End-to-end checks of monde-traffic: a run prints and writes statistics with units in the
# key names; bad input names the file and key and exits 2.
# Usage: monde_traffic_cli.sh <monde-traffic binary> <source dir> <scratch dir>
set -u
here=$(cd "$(dirname "$0")" && pwd)
bin=$1
src=$2
dir=$3
mkdir -p "$dir" && cd "$dir" || exit 1
source "$here/cli_check.sh"
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
