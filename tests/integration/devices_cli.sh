#!/usr/bin/env bash
# Several MoNDE devices through monde-sim run (README "Several devices"):
#   - devices.count 1 is the one-device system as before: no "devices" section in
#     config.resolved.json, and outputs byte-identical to a run that does not mention devices;
#   - 4 devices: stats.json lists each device (its CXL, DRAM and NDP figures), trace.json has one
#     NDP track per device, the same run again gives the same bytes, the resolved configuration
#     keeps the section and runs; ndp_only's step is faster than on one device;
#   - bad counts and an explicit HDM decoder with several devices exit 2 naming the key (faults
#     with several devices: faults_cli.sh);
#   - the oracles run with several devices, and are never slower than monde by the cost model;
#     oracle_gpu_ndp runs on split layers (equal slices and slices of two sizes) and is never
#     slower than monde there; the three-way oracle with devices.split exits 2 naming the key;
#   - devices.split (README "Tensor-parallel split"): a split layer is recorded per layer in
#     stats.json ("device_split", the reduction's time), auto records its choice; a split with one
#     device, with the cpu policy, or over more devices than d_ff has granules exits 2 naming the key;
#   - an interleaved range: offload striped over the links; split experts in each device's own
#     granules (every split policy runs, ndp_only equal to two windows, data full checked with
#     the bulk and the flit link paths); the combinations it cannot run exit 2 naming the key.
# Usage: devices_cli.sh <monde-sim binary> <scratch dir>
set -u
here=$(cd "$(dirname "$0")" && pwd)
bin=$1
dir=$2
rm -rf "$dir" && mkdir -p "$dir" && cd "$dir" || exit 1
source "$here/cli_check.sh"
cat > tiny.json <<JSON
{ "model": "mixtral-8x7b-tiny",
  "device": { "preset": "lpddr5x-8533", "memory": { "model": "bandwidth" }, "ndp": { "pe_model": "cycle" } },
  "routing": { "source": "uniform", "seed": 3 },
  "run": { "batch": 32, "policies": ["monde", "ndp_only"] } }
JSON

check one-plain 0 "ndp_only" -- "$bin" run tiny.json --out one --quiet
check one-count 0 "ndp_only" -- "$bin" run tiny.json --set devices.count=1 --out one1 --quiet
for f in config.resolved.json stats.json layers.csv trace.json; do
  cmp -s "one/$f" "one1/$f" && echo "ok   one-device-identical $f" || { echo "FAIL one-device $f differs"; fail=1; }
done
grep -q '"devices"' one/config.resolved.json && { echo "FAIL one-device config names devices"; fail=1; }

# The header names the devices (one device: no such line).
check four 0 "devices: 4 of these, a window each, popularity placement, split none" -- "$bin" run tiny.json \
  --set devices.count=4 --set devices.placement=popularity --out four --quiet
check one-no-devices-line 0 "^device: 64 GiB" -- "$bin" run tiny.json --out one2 --quiet
"$bin" run tiny.json --out one3 --quiet 2>&1 | grep -q "^devices:" && { echo "FAIL one device: a devices line"; fail=1; }
check four-again 0 "ndp_only" -- "$bin" run tiny.json --set devices.count=4 --set devices.placement=popularity \
  --out four2 --quiet
check four-resolved 0 "ndp_only" -- "$bin" run four/config.resolved.json --out four3 --quiet
for f in stats.json layers.csv trace.json; do
  cmp -s "four/$f" "four2/$f" && echo "ok   four-deterministic $f" || { echo "FAIL four $f differs"; fail=1; }
done
python3 - one/stats.json four/stats.json four/trace.json four/config.resolved.json <<'PY' || fail=1
import json, sys
one, four, trace, cfg = (json.load(open(p)) for p in sys.argv[1:])
ok = True
def expect(cond, what):
    global ok
    print(("ok   " if cond else "FAIL ") + what)
    ok = ok and cond
expect(cfg.get("devices") == {"count": 4, "placement": "popularity", "split": "none", "interleave_granularity": 0},
       "resolved devices section")
for p in four["policies"]:
    devs = p["system"]["devices"]
    expect(len(devs) == 4 and [d["device"] for d in devs] == [0, 1, 2, 3], p["policy"] + ": four devices in stats")
    expect(all(d["ndp_busy_cycles"] > 0 and d["cxl_m2s_bytes"] > 0 and d["ndp_dma_bytes_read"] > 0 for d in devs),
           p["policy"] + ": every device ran NDP jobs")
    # Device d's memory is at d x its mapped bytes (64 GiB, the preset's whole DRAM).
    expect([d["hpa_base"] for d in devs] == [d * 64 * 2**30 for d in range(4)], p["policy"] + ": HPA windows")
names = {e["args"]["name"] for e in trace["traceEvents"] if e.get("name") == "thread_name"}
expect({"NDP device %d" % d for d in range(4)} <= names, "one NDP track per device")
spans = {e["tid"] for e in trace["traceEvents"] if e.get("ph") == "X"}
tid = {e["args"]["name"]: e["tid"] for e in trace["traceEvents"] if e.get("name") == "thread_name"}
expect(all(tid["NDP device %d" % d] in spans for d in range(4)), "every device track has spans")
t1 = {p["policy"]: p["simulated_ms"] for p in one["policies"]}
t4 = {p["policy"]: p["simulated_ms"] for p in four["policies"]}
expect(t4["ndp_only"] < t1["ndp_only"], "ndp_only faster on 4 devices (%.4f < %.4f ms)" % (t4["ndp_only"], t1["ndp_only"]))
sys.exit(0 if ok else 1)
PY

check count-0 2 "key 'devices.count' = 0.*1 \.\. 16" -- "$bin" validate tiny.json --set devices.count=0
check count-17 2 "key 'devices.count' = 17.*1 \.\. 16" -- "$bin" validate tiny.json --set devices.count=17
check placement 2 "key 'devices.placement'" -- "$bin" validate tiny.json --set devices.placement=random
check hdm 2 "devices.count.*default HDM decoder" -- "$bin" validate tiny.json --set devices.count=2 \
  --set 'device.cxl.hdm={"decoders": [{"base": 0, "size": "0x40000000"}]}'
# The oracles plan with every device's NDP path: never slower than monde by the cost model,
# layer by layer (stats.json's predicted MoE time).
check oracle 0 "oracle_gpu_ndp" -- "$bin" run tiny.json --set devices.count=2 \
  --set 'run.policies=["monde","oracle","oracle_gpu_ndp"]' --out oracle --quiet
python3 - oracle/stats.json <<'PY' || fail=1
import json, sys
stats = json.load(open(sys.argv[1]))
by = {p["policy"]: [l["moe_predicted_ms"] for l in p["layers"] if l["moe"]] for p in stats["policies"]}
ok = len(by["monde"]) > 0 and all(len(by[k]) == len(by["monde"]) for k in by)
for name in ("oracle", "oracle_gpu_ndp"):
    ok = ok and all(o <= m * (1 + 1e-12) for o, m in zip(by[name], by["monde"]))
ok = ok and all(o <= g * (1 + 1e-12) for o, g in zip(by["oracle"], by["oracle_gpu_ndp"]))
print(("ok   " if ok else "FAIL ") + "oracle <= oracle_gpu_ndp <= monde on every layer, 2 devices")
sys.exit(0 if ok else 1)
PY
# A split layer (d_ff 448: 14 granules of 32 columns, 7 a device on 2): oracle_gpu_ndp plans it,
# every MoE layer split with its reduction, never slower than monde (which plans the same split).
check oracle-split 0 "oracle_gpu_ndp" -- "$bin" run tiny.json --set devices.count=2 --set devices.split=always \
  --set 'run.policies=["monde","oracle_gpu_ndp"]' --out oracle-split --quiet
python3 - oracle-split/stats.json <<'PY' || fail=1
import json, sys
stats = json.load(open(sys.argv[1]))
layers = {p["policy"]: [l for l in p["layers"] if l["moe"]] for p in stats["policies"]}
ok = len(layers["monde"]) > 0 and len(layers["oracle_gpu_ndp"]) == len(layers["monde"])
ok = ok and all(l["device_split"] == "split" and l["split_reduce_ms"] > 0 for l in layers["oracle_gpu_ndp"])
ok = ok and all(o["moe_predicted_ms"] <= m["moe_predicted_ms"] * (1 + 1e-12)
                for o, m in zip(layers["oracle_gpu_ndp"], layers["monde"]))
print(("ok   " if ok else "FAIL ") + "oracle_gpu_ndp <= monde on every split layer, 2 devices")
sys.exit(0 if ok else 1)
PY
# 14 granules over 4 devices are slices of two sizes (4, 4, 3, 3 granules): planned too, never
# slower than monde. The three-way oracle's CPU path reads whole experts: refused.
check oracle-split-uneven 0 "oracle_gpu_ndp" -- "$bin" run tiny.json --set devices.count=4 --set devices.split=always \
  --set 'run.policies=["monde","oracle_gpu_ndp"]' --out oracle-uneven --quiet
python3 - oracle-uneven/stats.json <<'PY' || fail=1
import json, sys
stats = json.load(open(sys.argv[1]))
by = {p["policy"]: [l["moe_predicted_ms"] for l in p["layers"] if l["moe"]] for p in stats["policies"]}
ok = len(by["monde"]) > 0 and all(o <= m * (1 + 1e-12) for o, m in zip(by["oracle_gpu_ndp"], by["monde"]))
print(("ok   " if ok else "FAIL ") + "oracle_gpu_ndp <= monde on every split layer, 4 devices of two slice sizes")
sys.exit(0 if ok else 1)
PY
check oracle-split-cpu 2 "run.policies.*\"oracle\".*CPU path reads whole experts.*devices.split is always" -- "$bin" \
  validate tiny.json --set devices.count=2 --set devices.split=always --set 'run.policies=["oracle"]'

check split 0 "ndp_only" -- "$bin" run tiny.json --set devices.count=4 --set devices.split=always --out split --quiet
check split-auto 0 "ndp_only" -- "$bin" run tiny.json --set devices.count=4 --set devices.split=auto --out auto --quiet
python3 - split/stats.json auto/stats.json <<'PY' || fail=1
import json, sys
split, auto = (json.load(open(p)) for p in sys.argv[1:])
ok = True
def expect(cond, what):
    global ok
    print(("ok   " if cond else "FAIL ") + what)
    ok = ok and cond
for p in split["policies"]:
    moe = [l for l in p["layers"] if l["moe"]]
    expect(moe and all(l["device_split"] == "split" and l["split_reduce_ms"] > 0 for l in moe),
           p["policy"] + ": every MoE layer split, with its reduction")
    # Every device runs a slice of every routed expert: all four ran NDP jobs under ndp_only.
    if p["policy"] == "ndp_only":
        expect(all(d["ndp_dma_bytes_read"] > 0 for d in p["system"]["devices"]), "ndp_only split: every device busy")
for p in auto["policies"]:
    moe = [l for l in p["layers"] if l["moe"]]
    expect(moe and all(l["device_split"] in ("split", "whole") for l in moe), p["policy"] + ": auto records its choice")
# layers.csv carries the same choice and reduction time per layer (the dense layers: empty).
import csv
for run, stats in (("split", split), ("auto", auto)):
    rows = list(csv.DictReader(open(run + "/layers.csv")))
    want = [(p["policy"], l["step"], l["layer"], l.get("device_split", ""),
             l.get("split_reduce_ms")) for p in stats["policies"] for l in p["layers"]]
    got = [(r["policy"], int(r["step"]), int(r["layer"]), r["device_split"],
            float(r["split_reduce_ms"]) if r["split_reduce_ms"] else None) for r in rows]
    same = len(want) == len(got) and all(w[:4] == g[:4] and (w[4] is None) == (g[4] is None) and
                                         (w[4] is None or abs(w[4] - g[4]) <= 1e-5 * w[4]) for w, g in zip(want, got))
    expect(same, run + ": layers.csv device_split and split_reduce_ms equal stats.json's")
sys.exit(0 if ok else 1)
PY
check split-one 2 "key 'devices.split' = .always.*devices.count 1.*allowed" -- "$bin" validate tiny.json \
  --set devices.split=always
check split-cpu 2 "run.policies.*cpu.*devices.split is always" -- "$bin" validate tiny.json --set devices.count=2 \
  --set devices.split=always --set 'run.policies=["cpu"]'
# offload from host DRAM fetches whole experts from the host's copy: no split layers beside it.
check split-host-copy 2 "run.policies.*offload.*host DRAM.*devices.split is always.*allowed" -- "$bin" validate \
  tiny.json --set devices.count=2 --set devices.split=always --set 'run.policies=["offload"]' \
  --set host_memory.expert_home=host_memory
# d_ff 448 = 14 granules of 32: 16 devices do not fit.
check split-granules 2 "devices.split.*14 granules of 32.*fewer than devices.count 16" -- "$bin" validate tiny.json \
  --set devices.count=16 --set devices.split=auto

# One HDM range interleaved across the devices (README "Interleaved devices", docs/interleave.md).
# offload on 2 devices at 4 KiB: the tiny Mixtral's expert (344,064 B = 84 granules) is fetched
# 42 granules from each device, 32 fetches (8 experts x 4 MoE layers at batch 32): 172,032 B x 32
# = 5,505,024 B on each device's link and from each device's DRAM; the one-device run moves twice
# that over its one link. The resolved configuration keeps the key and runs again identically.
check il-one 0 "offload" -- "$bin" run tiny.json --set 'run.policies=["offload"]' --out il1 --quiet
check il-two 0 "offload" -- "$bin" run tiny.json --set 'run.policies=["offload"]' --set devices.count=2 \
  --set devices.interleave_granularity=4096 --out il2 --quiet
check il-resolved 0 "offload" -- "$bin" run il2/config.resolved.json --out il2r --quiet
cmp -s il2/layers.csv il2r/layers.csv && echo "ok   il-resolved-identical" || { echo "FAIL il resolved run differs"; fail=1; }
python3 - il1/stats.json il2/stats.json il2/config.resolved.json <<'PY' || fail=1
import json, sys
one, two, cfg = (json.load(open(p)) for p in sys.argv[1:])
ok = True
def expect(cond, what):
    global ok
    print(("ok   " if cond else "FAIL ") + what)
    ok = ok and cond
expect(cfg.get("devices", {}).get("interleave_granularity") == 4096, "resolved interleave_granularity")
s = two["policies"][0]["system"]
devs = s["devices"]
expect(s.get("interleave") == {"ways": 2, "granularity_bytes": 4096, "range_bytes": 2 * 64 * 2**30},
       "stats: the interleaved range")
expect([d["hpa_base"] for d in devs] == [0, 0] and [d["interleave_position"] for d in devs] == [0, 1],
       "both devices decode the range from HPA 0, positions 0 and 1")
expect(all(d["cxl_s2m_bytes"] == 5505024 and d["dram_read_bytes"] == 5505024 for d in devs),
       "each link and DRAM: 42 granules x 4 KiB x 32 fetches")
expect(one["policies"][0]["system"]["cxl"]["link"]["s2m"]["data_bytes"] == 2 * 5505024, "one device: all of it")
PY

check il-granularity 2 "devices.interleave_granularity.*1000.*allowed 0 .no interleave., 256, 512" -- "$bin" \
  validate tiny.json --set 'run.policies=["offload"]' --set devices.count=2 --set devices.interleave_granularity=1000
check il-granularity-max 2 "devices.interleave_granularity.*0 \.\. 16384" -- "$bin" validate tiny.json \
  --set 'run.policies=["offload"]' --set devices.count=2 --set devices.interleave_granularity=32768
check il-ways 2 "devices.count' = 5.*allowed 2, 3, 4, 6, 8, 12 or 16" -- "$bin" validate tiny.json \
  --set 'run.policies=["offload"]' --set devices.count=5 --set devices.interleave_granularity=256
check il-one-device 2 "devices.count.*1 with interleave_granularity 256.*allowed 2, 3, 4" -- "$bin" validate tiny.json \
  --set 'run.policies=["offload"]' --set devices.interleave_granularity=256
check il-ndp-policy 2 \
  "run.policies.*monde.*NDP units.*interleave_granularity is 256 with devices.split none.*allowed offload" -- "$bin" validate tiny.json --set devices.count=2 --set devices.interleave_granularity=256
check il-split-auto 2 "devices.split.*auto with interleave_granularity.*allowed \"none\".*or \"always\"" -- "$bin" \
  validate tiny.json --set devices.count=2 --set devices.interleave_granularity=256 --set devices.split=auto
# 14 granules of 32 columns: 7 a device on 2, unequal on 4; a slice of 2 is 3 x 128 x 224 x 2 =
# 172,032 B = 42 granules of 4 KiB but 10.5 of 16 KiB.
check il-split-uneven 2 "devices.split.*14 granules of 32 columns, not a multiple of devices.count 4" -- "$bin" \
  validate tiny.json --set devices.count=4 --set devices.interleave_granularity=4096 --set devices.split=always
check il-split-granule 2 "devices.interleave_granularity' = 16384.*172032 bytes.*not whole granules" -- "$bin" \
  validate tiny.json --set devices.count=2 --set devices.interleave_granularity=16384 --set devices.split=always

# Split experts on the interleaved range: each device's driver places its slice of every expert in
# its own granules at the same addresses, so an expert's two slices are one range of 84 granules
# that the GPU fetches striped over both links: offload moves 42 granules x 4 KiB = 172,032 B per
# expert from each device, 32 fetches, 5,505,024 B on each link and from each DRAM (as above).
# The NDP path is the device-local one of the windowed split (x and y over each device's own
# link, the same jobs): ndp_only takes the same picoseconds on every layer as with two windows.
check il-split 0 "devices: 2 of these, one range interleaved at 4096 B, split always" -- "$bin" run tiny.json \
  --set 'run.policies=["monde","ndp_only","offload"]' \
  --set devices.count=2 --set devices.interleave_granularity=4096 --set devices.split=always --out ils --quiet
check il-split-windows 0 "ndp_only" -- "$bin" run tiny.json --set 'run.policies=["ndp_only"]' --set devices.count=2 \
  --set devices.split=always --out ws --quiet
python3 - ils/stats.json ils/layers.csv ws/layers.csv <<'PY' || fail=1
import csv, json, sys
stats = json.load(open(sys.argv[1]))
il = [r for r in csv.DictReader(open(sys.argv[2])) if r["moe"] == "1"]
win = [r for r in csv.DictReader(open(sys.argv[3])) if r["moe"] == "1"]
ok = True
def expect(cond, what):
    global ok
    print(("ok   " if cond else "FAIL ") + what)
    ok = ok and cond
by = {p["policy"]: p for p in stats["policies"]}
devs = by["offload"]["system"]["devices"]
expect(all(d["cxl_s2m_bytes"] == 5505024 and d["dram_read_bytes"] == 5505024 for d in devs),
       "split offload: each link and DRAM 42 granules x 4 KiB x 32 fetches")
expect(all(l["device_split"] == "split" for p in stats["policies"] for l in p["layers"] if l["moe"]),
       "every MoE layer split")
expect(all(d["ndp_dma_bytes_read"] > 0 for d in by["ndp_only"]["system"]["devices"]),
       "ndp_only: both devices' units busy")
il_ndp = [(r["layer"], r["moe_ms"], r["ndp_dram_read_bytes"]) for r in il if r["policy"] == "ndp_only"]
win_ndp = [(r["layer"], r["moe_ms"], r["ndp_dram_read_bytes"]) for r in win if r["policy"] == "ndp_only"]
expect(len(il_ndp) == 4 and il_ndp == win_ndp, "ndp_only: the same MoE time and NDP bytes as two windows, every layer")
sys.exit(0 if ok else 1)
PY
# data: full: the GPU's striped fetch, unstriped, is the placed slices byte for byte; the NDP
# slices' outputs equal the golden model and the reduced outputs stay within the split's bound,
# with the bulk (bandwidth) and the flit (timed DRAM, 256 B granules) link paths.
for mode in "bandwidth 8192" "timed 256"; do
  set -- $mode
  check "il-split-full-$1" 0 "ndp_only" -- "$bin" run tiny.json --data full --batch 8 \
    --set 'run.policies=["monde","ndp_only","offload"]' \
    --set device.memory.model=$1 --set devices.count=2 --set devices.interleave_granularity=$2 \
    --set devices.split=always --out "ilsf-$1" --quiet
  python3 - "ilsf-$1/stats.json" "$1" <<'PY' || fail=1
import json, sys
stats = json.load(open(sys.argv[1]))
checks = [(p["policy"], l["data_check"]) for p in stats["policies"] for l in p["layers"] if "data_check" in l]
def clean(c):
    return (c["fetched_weight_mismatched_bytes"] == 0 and c["ndp_mismatched_elements"] == 0 and
            c["combined_within_tolerance"] and c.get("split_vs_unsplit", {"within_bound": True})["within_bound"])
ok = len(checks) == 12 and all(clean(c) for _, c in checks)
ok = ok and sum(c["gpu_checked_elements"] for p, c in checks if p == "offload") > 0
print(("ok   " if ok else "FAIL ") + "interleaved split, data full (" + sys.argv[2] +
      "): fetched bytes, NDP outputs and sums checked")
sys.exit(0 if ok else 1)
PY
done
check il-placement 2 "devices.placement.*popularity with interleave_granularity" -- "$bin" validate tiny.json \
  --set 'run.policies=["offload"]' --set devices.count=2 --set devices.interleave_granularity=256 \
  --set devices.placement=popularity
check il-fetch-quantised 2 "gpu.fetch_quantised.*interleave_granularity" -- "$bin" validate tiny.json \
  --set 'run.policies=["offload"]' --set devices.count=2 --set devices.interleave_granularity=256 \
  --set gpu.fetch_quantised=true
exit $fail
