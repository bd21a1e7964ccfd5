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
# An option of the other initiator style would do nothing: refused, not ignored.
check at-dmi 2 "^monde-sim: --dmi: only the LT initiator asks for DMI pointers; allowed with --style lt" -- "$bin" traffic --dmi --requests 10
check at-quantum 2 "^monde-sim: --quantum-ns: the AT initiator keeps no quantum; allowed with --style lt" -- "$bin" traffic --quantum-ns 10 --requests 10
check lt-outstanding 2 "^monde-sim: --outstanding 8: the LT initiator has one request in flight" -- "$bin" traffic --style lt --outstanding 8 --requests 10
# A key of a section traffic does not read (one device, no faults, no model) is refused, not ignored.
check unread-section 2 "^monde-sim: --set devices.count=2: monde-sim traffic reads only the experiment's device.\\*, traffic.\\* keys; 'devices' would do nothing here$" -- "$bin" traffic --set devices.count=2 --requests 10
check ddr5-mixed 0 "protocol violations: 0" -- "$bin" traffic --device ddr5-4800 --requests 3000 --pattern random --read-fraction 0.5
check ddr5-file 0 "protocol violations: 0" -- "$bin" traffic --device "$src/configs/device/ddr5-4800.json" --requests 1000
printf '{"model": "mixtral-8x7b-tiny", "device": "lpddr5x-8533", "traffic": {"pattern": "strided"}}' > bad.json
check bad-traffic 2 "bad.json: key 'traffic.pattern' = \"strided\": unknown value; allowed \"sequential\", \"random\"" -- "$bin" traffic --config bad.json
check bad-shorthand 2 "^monde-sim: configuration error: --read-fraction 2: key 'traffic.read_fraction' = 2: out of range; allowed 0 .. 1$" -- "$bin" traffic --read-fraction 2
check bad-traffic-key 2 "^monde-sim: configuration error: --set traffic.requsts=5: key 'traffic.requsts': unknown key; allowed pattern, requests" -- "$bin" traffic --set traffic.requsts=5
printf '{"memory": {"model": "timed"}}' > dev.json
check bad-device 2 "dev.json: key 'device.memory\." -- "$bin" traffic --device dev.json
check missing-device 2 "key 'device' = \"nope.json\": no such file" -- "$bin" traffic --device nope.json
# Trace replay on the DDR4-3200 preset (tCK 625 ps, CL = RCD = RP 22, RAS 52, RTP 12, CCD_L 8,
# BL8 = 4 clocks), three reads offered at clocks 0, 1, 2 to bank group 0, bank 0:
#   0x0     row 0: ACT 0, RD 22, last beat 22 + 26 = 48 clocks = 30 ns (a miss)
#   0x40    row 0: a hit; RD at max(22 + tCCD_L 8, data bus 48 - CL 22 = 26) = 30, done 56
#   0x20000 row 1 (bit 17): PRE at max(ACT + RAS 52, RD 30 + RTP 12) = 52, ACT 74, RD 96, done 122
# Simulated 122 clocks = 76.25 ns; 3 x 64 B / 76.25 ns = 2.518 GB/s; latencies from acceptance
# 48, 55, 120 clocks = 30, 34.375, 75 ns: average 46.458 ns.
printf '# hand-worked\n0:\tread\t0x0\n1:\tread\t0x40\n2:\tread\t0x20000\n' > three.stl
check trace-stl 0 "trace three.stl \(dramsys_stl\): 3 requests \(3 reads, 0 writes\) -> memory" -- \
  "$bin" traffic --device ddr4-3200 --trace three.stl --out trace.json
python3 - trace.json <<'PY' || fail=1
import json, sys
s = json.load(open(sys.argv[1]))
t, d = s["traffic"], s["memory"]["dram"]
checks = [(t["simulated_ns"], 76.25), (round(t["bandwidth_GBps"], 3), 2.518),
          (round(t["read_latency_ns"]["avg"], 3), 46.458), (t["requests"], 3),
          ((d["row_hits"], d["row_misses"], d["row_conflicts"], d["refreshes"]), (1, 1, 1, 0))]
for got, want in checks:
    if got != want:
        print(f"FAIL trace.json: {got} != {want}"); sys.exit(1)
for key in ("p50", "p90", "p99"):
    assert key in t["read_latency_ns"], key
for key in ("wall_s", "requests_per_wall_s"):
    assert t[key] > 0, key
print("ok   trace-stats")
PY
# The same requests as a Ramulator trace give the same DRAM statistics (no clocks: one per clock).
printf 'LD 0x0\nLD 0x40\nLD 0x20000\n' > three.trace
check trace-ramulator 0 "row hits 1, misses 1, conflicts 1, refreshes 0" -- "$bin" traffic --device ddr4-3200 --trace three.trace
check trace-device 0 "-> device" -- "$bin" traffic --device ddr4-3200 --trace three.trace --target device
printf '0:\tread\t0x0\n1:\tfetch\t0x40\n' > bad.stl
check trace-bad-line 2 "^monde-sim: bad.stl:2: unknown command 'fetch' \(allowed read, write\)" -- "$bin" traffic --trace bad.stl
printf 'LD 0x200000000\n' > far.trace
check trace-beyond 2 "far.trace:1: address 0x200000000 is beyond the memory \(8589934592 bytes\); allowed 0x0 .. 0x1ffffffff" -- \
  "$bin" traffic --device ddr4-3200 --trace far.trace
check trace-missing 2 "nope.stl: cannot read the request trace \(no such file\)" -- "$bin" traffic --trace nope.stl
check trace-excludes 2 "--trace excludes --requests" -- "$bin" traffic --trace three.trace --requests 5
exit $fail
