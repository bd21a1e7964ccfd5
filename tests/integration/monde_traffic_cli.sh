#!/usr/bin/env bash
# End-to-end checks of `monde-sim traffic`: a run prints and writes statistics with units in the
# key names (DRAM, CXL link and controller); AT and LT (+DMI) styles; the DRAM alone;
# bad input names the file and key and exits 2.
# Usage: monde_traffic_cli.sh <monde-sim binary> <source dir> <scratch dir>
set -u
here=$(cd "$(dirname "$0")" && pwd)
bin=$1
src=$2
dir=$3
mkdir -p "$dir" && cd "$dir" || exit 1
source "$here/cli_check.sh"
check seq-read 0 "protocol violations: 0, error responses: 0" -- "$bin" traffic --requests 5000 --out stats.json
for key in '"bandwidth_GBps"' '"p99_ns"' '"row_hit_rate"' '"bytes_read_bytes"' '"avg_queue_occupancy_entries"' '"channels"'; do
  grep -q "$key" stats.json || { echo "FAIL stats.json lacks $key"; fail=1; }
done
for key in '"link"' '"utilisation"' '"m2s_req"' '"credit_stall_ns"' '"undecoded_requests"'; do
  grep -q "$key" stats.json || { echo "FAIL stats.json lacks $key"; fail=1; }
done
check memory-only 0 "-> memory" -- "$bin" traffic --target memory --requests 2000
check lt-dmi 0 "protocol violations: 0, error responses: 0" -- "$bin" traffic --style lt --dmi --requests 2000 --out lt.json
# 2000 sequential 64 B reads span 125 KiB = 32 backing-store pages of 4 KiB: the first access
# of each page is a b_transport (which returns the DMI hint), the other 1968 use DMI.
grep -q '"dmi_accesses": 1968' lt.json || { echo "FAIL lt.json: expected 2000 - 32 = 1968 DMI accesses"; fail=1; }
check ddr5-mixed 0 "protocol violations: 0" -- "$bin" traffic --device ddr5-4800 --requests 3000 --pattern random --read-fraction 0.5
check ddr5-file 0 "protocol violations: 0" -- "$bin" traffic --device "$src/configs/device/ddr5-4800.json" --requests 1000
printf '{"model": "mixtral-8x7b-tiny", "device": "lpddr5x-8533", "traffic": {"pattern": "strided"}}' > bad.json
check bad-traffic 2 "bad.json: key 'traffic.pattern' = \"strided\": unknown value; allowed \"sequential\", \"random\"" -- "$bin" traffic --config bad.json
check bad-shorthand 2 "^monde-sim: configuration error: --read-fraction 2: key 'traffic.read_fraction' = 2: out of range; allowed 0 .. 1$" -- "$bin" traffic --read-fraction 2
check bad-traffic-key 2 "^monde-sim: configuration error: --set traffic.requsts=5: key 'traffic.requsts': unknown key; allowed pattern, requests" -- "$bin" traffic --set traffic.requsts=5
printf '{"memory": {"model": "timed"}}' > dev.json
check bad-device 2 "dev.json: key 'device.memory\." -- "$bin" traffic --device dev.json
check missing-device 2 "key 'device' = \"nope.json\": no such file" -- "$bin" traffic --device nope.json
exit $fail
