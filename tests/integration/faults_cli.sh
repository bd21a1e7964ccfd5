#!/usr/bin/env bash
# Faults end to end through monde-sim run (README "Faults"): each survived, counted in
# stats.json and reported with its context, the run going on; the configuration's checks.
#   - DRAM poison on expert 0 of MoE layer 0 (its first line, device address 0x3000: the driver
#     puts the 8 KiB SQ at 0, the CQ at 0x2000 and layer 0's expert 0 next): under offload the GPU
#     path reports that expert and address, under ndp_only its NDP job completes with dma_poison;
#     the other layers are untouched; with data: full the layer's data check fails (exit 1);
#   - CRC errors on the timed link: retries counted per direction, the run finishes (exit 0);
#   - a hung NDP command processor: the watchdog aborts, then resets and recovers the rings; the
#     later layers run;
#   - the same faults and seed give byte-identical outputs; a run without faults writes no
#     "faults" section into config.resolved.json; bad fault settings exit 2 naming the key;
#   - several devices (faults.device): two devices, round-robin placement, so device 1 holds
#     experts 1, 3, 5, 7 of each layer and, after its own SQ (0) and CQ (0x2000), layer 0's expert 1
#     at 0x3000. The poisoned line 0x3000 on device 1 hits expert 1 only (one fault per policy,
#     named with device 1; device 0 reads no poison); on "all" devices experts 0 and 1 (two faults,
#     one per device); a hung job on device 1 is device 1's driver's alone; CRC errors on device
#     1's link leave device 0's link without retries.
# Usage: faults_cli.sh <monde-sim binary> <scratch dir>
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
  "run": { "batch": 32, "policies": ["offload", "ndp_only"] } }
JSON
poison='faults.dram_poison.ranges=[{"base": "0x3000", "size": 64}]'

check poison-survived 0 "faults survived by offload: 1 x dram_poison on the GPU path" -- \
  "$bin" run tiny.json --set "$poison" --out poison --quiet
python3 - poison/stats.json <<'PY' || fail=1
import json, sys
s = json.load(open(sys.argv[1]))
p = {x["policy"]: x for x in s["policies"]}
ok = True
for name, path in (("offload", "GPU"), ("ndp_only", "NDP")):
    layers = p[name]["layers"]
    f = layers[0].get("faults", [])
    others = [l for l in layers[1:] if l.get("faults")]
    good = len(f) == 1 and f[0]["kind"] == "dram_poison" and f[0]["path"] == path and f[0]["expert"] == 0 \
        and f[0]["address"] == 0x3000 and "error" not in p[name] and not others and len(layers) == 4
    if path == "NDP":
        good = good and f[0]["ndp_job"] > 0 and "dma_poison (error 32)" in f[0]["detail"] \
            and p[name]["system"]["ndp"]["jobs_failed"] == 1
    else:
        good = good and "first poisoned line at HPA 0x3000" in f[0]["detail"] \
            and p[name]["system"]["gpu"]["gpu"]["dma_errors"] == 1
    good = good and p[name]["system"]["memory"]["poison"]["poisoned_reads"] == 1
    if not good:
        ok = False
        print("FAIL %s: %s" % (name, json.dumps(f)))
print("ok   poison-context" if ok else "FAIL poison context")
sys.exit(0 if ok else 1)
PY
# The NDP driver's message names the expert as the model does (layer, expert), not by its placement
# number: layer 1's expert 0 starts 8 x 344,064 B (0x54000 each) after layer 0's at 0x3000, at
# 0x2A3000; it was the driver's "expert 8".
check poison-layer-1 0 "faults survived by ndp_only: 1 x dram_poison on the NDP path" -- \
  "$bin" run tiny.json --policies ndp_only --set 'faults.dram_poison.ranges=[{"base": "0x2a3000", "size": 64}]' \
  --out poison1 --quiet
python3 - poison1/stats.json <<'PY' || fail=1
import json, sys
layers = json.load(open(sys.argv[1]))["policies"][0]["layers"]
f = [(i, x) for i, l in enumerate(layers) for x in l.get("faults", [])]
ok = len(f) == 1 and f[0][0] == 1 and f[0][1]["expert"] == 0 and "; layer 1 expert 0 [" in f[0][1]["detail"]
print("ok   poison-names-layer-and-expert" if ok else "FAIL poison-names-layer-and-expert: %s" % json.dumps(f))
sys.exit(0 if ok else 1)
PY

# Determinism with faults, and the section in the resolved configuration (which runs again).
"$bin" run tiny.json --set "$poison" --out poison2 --quiet --jobs 1 >/dev/null 2>&1
for f in stats.json layers.csv trace.json config.resolved.json; do
  cmp -s "poison/$f" "poison2/$f" && echo "ok   deterministic-with-faults $f" || { echo "FAIL $f differs"; fail=1; }
done
grep -q '"faults"' poison/config.resolved.json && echo "ok   resolved-has-faults" || { echo "FAIL no faults in config.resolved.json"; fail=1; }
check resolved-reruns 0 "faults survived by offload: 1 x dram_poison on the GPU path" -- "$bin" run poison/config.resolved.json --quiet
"$bin" run tiny.json --out clean --quiet >/dev/null 2>&1
grep -q '"faults"' clean/config.resolved.json && { echo "FAIL faults written without faults"; fail=1; } || echo "ok   resolved-without-faults"
grep -q '"crc_errors"\|"poison"\|"jobs_aborted"\|"driver"' clean/stats.json && { echo "FAIL fault counters without faults"; fail=1; } \
  || echo "ok   no-fault-counters-without-faults"

# data: full: the poisoned expert has no valid output, so layer 0's check fails (exit 1).
check poison-full-data 1 "DATA CHECK FAILED offload" -- "$bin" run tiny.json --set "$poison" --data full --policies offload \
  --set run.batch=8 --quiet

# CRC errors and link-layer retry on the flit-level link (timed DRAM).
check crc-retry 0 "^offload " -- "$bin" run tiny.json --set device.memory.model=timed --set faults.cxl_link.flit_error_rate=2e-3 \
  --policies offload,ndp_only --out crc --quiet
python3 - crc/stats.json <<'PY' || fail=1
import json, sys
s = json.load(open(sys.argv[1]))
link = s["policies"][0]["system"]["cxl"]["link"]
m, d = link["m2s"], link["s2m"]
ok = d["crc_errors"] > 0 and d["retry_ns"] > 0 and m["crc_errors"] >= 0 and "replay_buffer_stall_ns" in m
print("ok   crc-retries-counted (M2S %d, S2M %d)" % (m["crc_errors"], d["crc_errors"]) if ok else "FAIL crc counters: " + json.dumps(link))
sys.exit(0 if ok else 1)
PY

# A hung command processor: abort (ignored), reset, ring recovery; the run goes on.
check hang-engine 0 "faults survived by ndp_only: 1 x ndp_lost_in_reset on the NDP path" -- "$bin" run tiny.json \
  --set faults.ndp.hang_job=3 --set faults.ndp.hang_scope=engine --set faults.ndp.job_timeout_ms=0.5 --policies ndp_only \
  --out hang --quiet
python3 - hang/stats.json <<'PY' || fail=1
import json, sys
s = json.load(open(sys.argv[1]))
p = s["policies"][0]
d = p["system"]["driver"]
faults = [f for l in p["layers"] for f in l.get("faults", [])]
ok = d["timeouts"] == 2 and d["aborts"] == 1 and d["resets"] == 1 and d["jobs_lost_in_reset"] == 1 \
     and len(faults) == 1 and faults[0]["ndp_job"] == 3 and "reset the device" in faults[0]["detail"] \
     and len(p["layers"]) == 4 and p["system"]["ndp"]["jobs_abandoned"] == 1
print("ok   hang-recovered" if ok else "FAIL hang: " + json.dumps({"driver": d, "faults": faults}))
sys.exit(0 if ok else 1)
PY

# Several devices: the faults go to the device faults.device names (README "Faults").
two=(--set devices.count=2 --set devices.placement=round_robin)
check poison-device-1 0 "faults survived by offload: 1 x dram_poison on the GPU path of device 1" -- \
  "$bin" run tiny.json "${two[@]}" --set "$poison" --set faults.device=1 --out dev1 --quiet
check poison-all-devices 0 \
  "faults survived by offload: 1 x dram_poison on the GPU path of device 0, 1 x dram_poison on the GPU path of device 1" -- \
  "$bin" run tiny.json "${two[@]}" --set "$poison" --set faults.device=all --out devall --quiet
python3 - dev1/stats.json devall/stats.json <<'PY' || fail=1
import json, sys
ok = True
def expect(cond, what):
    global ok
    print(("ok   " if cond else "FAIL ") + what)
    ok = ok and cond
def poisoned_reads(policy, d):
    return policy["system"]["devices"][d]["stats"]["memory"].get("poison", {}).get("poisoned_reads", 0)
for path, want in ((sys.argv[1], {1: 1}), (sys.argv[2], {0: 0, 1: 1})):
    s = json.load(open(path))
    for p in s["policies"]:
        layers = p["layers"]
        f = layers[0].get("faults", [])
        got = {x["device"]: x["expert"] for x in f}
        expect(got == want and all(x["kind"] == "dram_poison" and x["detail"].startswith("device %d: " % x["device"])
                                   for x in f) and not any(l.get("faults") for l in layers[1:]) and "error" not in p,
               "%s %s: layer 0's faults hit experts %s by device" % (path.split("/")[0], p["policy"], want))
        for d in (0, 1):
            expect(poisoned_reads(p, d) == (1 if d in want else 0),
                   "%s %s: device %d poisoned reads %d" % (path.split("/")[0], p["policy"], d, poisoned_reads(p, d)))
sys.exit(0 if ok else 1)
PY
check hang-device-1 0 "faults survived by ndp_only: 1 x ndp_lost_in_reset on the NDP path of device 1" -- "$bin" run \
  tiny.json "${two[@]}" --set faults.device=1 --set faults.ndp.hang_job=3 --set faults.ndp.hang_scope=engine \
  --set faults.ndp.job_timeout_ms=0.5 --policies ndp_only --out hang1 --quiet
python3 - hang1/stats.json <<'PY' || fail=1
import json, sys
p = json.load(open(sys.argv[1]))["policies"][0]
devs = p["system"]["devices"]
d = devs[1].get("driver", {})
faults = [f for l in p["layers"] for f in l.get("faults", [])]
ok = d.get("timeouts") == 2 and d.get("resets") == 1 and d.get("jobs_lost_in_reset") == 1 and "driver" not in devs[0] \
     and len(faults) == 1 and faults[0]["device"] == 1 and faults[0]["ndp_job"] == 3 \
     and devs[1]["stats"]["ndp"]["jobs_abandoned"] == 1 and "jobs_abandoned" not in devs[0]["stats"]["ndp"] \
     and len(p["layers"]) == 4
print("ok   hang-on-device-1" if ok else "FAIL hang on device 1: " + json.dumps({"driver": d, "faults": faults}))
sys.exit(0 if ok else 1)
PY
# CRC errors on device 1's link only (timed DRAM): device 0's link retries nothing.
check crc-device-1 0 "^offload " -- "$bin" run tiny.json "${two[@]}" --set faults.device=1 \
  --set device.memory.model=timed --set faults.cxl_link.flit_error_rate=2e-3 --policies offload --out crc1 --quiet
python3 - crc1/stats.json <<'PY' || fail=1
import json, sys
devs = json.load(open(sys.argv[1]))["policies"][0]["system"]["devices"]
links = [d["stats"]["cxl"]["link"] for d in devs]
errors = [l["s2m"].get("crc_errors", 0) + l["m2s"].get("crc_errors", 0) for l in links]
ok = errors[0] == 0 and errors[1] > 0 and links[1]["s2m"]["retry_ns"] > 0
print("ok   crc-on-device-1 (%d, %d)" % tuple(errors) if ok else "FAIL crc by device: %s" % errors)
sys.exit(0 if ok else 1)
PY
check bad-device 2 "key 'faults.device' = 2: beyond devices.count 2; allowed 0 .. 1 or \"all\"" -- \
  "$bin" validate tiny.json --set devices.count=2 --set faults.device=2
check bad-device-one 2 "key 'faults.device' = 1: beyond devices.count 1" -- "$bin" validate tiny.json --set faults.device=1
check bad-device-name 2 "key 'faults.device' = \"some\": allowed 0 .. 15 or \"all\"" -- \
  "$bin" validate tiny.json --set faults.device=some

# Bad fault settings: exit 2, the key and the allowed values named.
check bad-rate 2 "key 'faults.cxl_link.flit_error_rate' = 0.9: out of range; allowed 0 .. 0.5" -- \
  "$bin" run tiny.json --set faults.cxl_link.flit_error_rate=0.9
check bad-range 2 "key 'faults.dram_poison.ranges\[0\].size' = .*beyond the device memory" -- \
  "$bin" validate tiny.json --set 'faults.dram_poison.ranges=[{"base": "0xffffffffc0", "size": 128}]'
check bad-scope 2 "key 'faults.ndp.hang_scope' = \"gpu\"" -- "$bin" validate tiny.json --set faults.ndp.hang_scope=gpu
check overlap 2 "overlaps ranges\[0\]" -- "$bin" validate tiny.json \
  --set 'faults.dram_poison.ranges=[{"base": 4096, "size": 64}, {"base": 4100, "size": 8}]'

exit $fail
