#!/usr/bin/env bash
# End-to-end checks of monde-sim as users run it: run on a scaled-down Mixtral (the table, the run
# directory's files with units in the key names, per-policy system statistics), the shorthands and
# --set, validate / show-config / list / config-reference, and every class of bad input with its
# exact message (exit 2, nothing simulated).
# Usage: monde_sim_cli.sh <monde-sim binary> <source dir> <scratch dir>
set -u
here=$(cd "$(dirname "$0")" && pwd)
bin=$1
src=$2
dir=$3
mkdir -p "$dir" && cd "$dir" || exit 1
source "$here/cli_check.sh"
cat > tiny.json <<JSON
{ "model": "mixtral-8x7b-tiny",
  "device": { "preset": "lpddr5x-8533", "ndp": { "pe_model": "cycle" } },
  "routing": { "source": "zipf", "zipf_exponent": 1.2, "seed": 3 },
  "run": { "batch": 16, "policies": ["monde", "offload", "ndp_only"] } }
JSON

# ---- run
check tiny 0 "^monde +[0-9.]+ +1.00x" -- "$bin" run tiny.json --out out --quiet
for f in out/stats.json out/layers.csv out/config.resolved.json out/trace.json out/wall.json; do
  [ -s "$f" ] || { echo "FAIL missing $f"; fail=1; }
done
for key in '"simulated_ms"' '"dense_ms"' '"moe_ms"' '"moe_predicted_ms"' '"kv_read_bytes"' '"pcie_to_gpu_bytes"' \
           '"ndp_dram_read_bytes"' '"utilisation"' '"mac_utilisation"' '"speedup"' '"speedup_moe_only"' '"dense_busy_ns"'; do
  grep -q "$key" out/stats.json || { echo "FAIL stats.json lacks $key"; fail=1; }
done
# Each policy's system statistics are its own: offload fetched weights and ran no NDP job;
# ndp_only fetched nothing.
python3 - out/stats.json <<'PY' || fail=1
import json, sys
s = json.load(open(sys.argv[1]))
p = {x["policy"]: x for x in s["policies"]}
ok = p["offload"]["system"]["gpu"]["gpu"]["bytes_fetched"] > 0 and p["offload"]["system"]["ndp"]["jobs_ok"] == 0 \
     and p["ndp_only"]["system"]["gpu"]["gpu"]["bytes_fetched"] == 0 and p["ndp_only"]["system"]["ndp"]["jobs_ok"] > 0
print("ok   per-policy system statistics" if ok else "FAIL per-policy system statistics mixed: " + json.dumps(
    {k: (v["system"]["gpu"]["gpu"]["bytes_fetched"], v["system"]["ndp"]["jobs_ok"]) for k, v in p.items()}))
sys.exit(0 if ok else 1)
PY
# The trace names each policy's process and has NDP and GPU spans, and the dense kernels on the GPU track.
for key in '"process_name"' '"name":"NDP"' '"name":"GPU fetch"' '"ph":"X"' '"name":"attention"' '"name":"LM head"'; do
  grep -q "$key" out/trace.json || { echo "FAIL trace.json lacks $key"; fail=1; }
done
# 3 policies x 4 MoE layers x 1 step, plus the header.
[ "$(wc -l < out/layers.csv)" = 13 ] || { echo "FAIL layers.csv has $(wc -l < out/layers.csv) lines, want 13"; fail=1; }
# The resolved configuration reads back and simulates the same step.
check resolved-reruns 0 "^monde +[0-9.]+ +1.00x" -- "$bin" run out/config.resolved.json --quiet --policies monde
# Deterministic: the same experiment and seed give byte-identical outputs (wall.json aside),
# whatever --jobs; and pe_model rtl gives what cycle gives (data: timing_only: the arrays take
# their contract cycles either way) except config.resolved.json, which names the mode.
"$bin" run tiny.json --out out1 --quiet --jobs 1 >/dev/null 2>&1
"$bin" run tiny.json --out outrtl --quiet --set device.ndp.pe_model=rtl >/dev/null 2>&1
for f in stats.json layers.csv config.resolved.json trace.json; do
  cmp -s "out/$f" "out1/$f" && echo "ok   deterministic-across-jobs $f" || { echo "FAIL $f differs with --jobs 1"; fail=1; }
done
for f in stats.json layers.csv trace.json; do
  cmp -s "out/$f" "outrtl/$f" && echo "ok   rtl-equals-cycle $f" || { echo "FAIL $f differs between pe_model cycle and rtl"; fail=1; }
done
diff <(grep -v '"pe_model"' out/config.resolved.json) <(grep -v '"pe_model"' outrtl/config.resolved.json) >/dev/null \
  && echo "ok   rtl-equals-cycle config.resolved.json but pe_model" || { echo "FAIL config.resolved.json differs beyond pe_model"; fail=1; }
# The same in data: full, where the arrays compute every product (the RTL verilated, the C++
# cycle model): identical bits and cycles give identical files, data checks included.
"$bin" run tiny.json --out fullcyc --quiet --set run.data=full --policies ndp_only >/dev/null 2>&1
"$bin" run tiny.json --out fullrtl --quiet --set run.data=full --policies ndp_only --set device.ndp.pe_model=rtl >/dev/null 2>&1
for f in stats.json layers.csv trace.json; do
  cmp -s "fullcyc/$f" "fullrtl/$f" && echo "ok   rtl-equals-cycle-full-data $f" || { echo "FAIL $f differs between pe_model cycle and rtl in data: full"; fail=1; }
done
diff <(grep -v '"pe_model"' fullcyc/config.resolved.json) <(grep -v '"pe_model"' fullrtl/config.resolved.json) >/dev/null \
  && echo "ok   rtl-equals-cycle-full-data config.resolved.json but pe_model" || { echo "FAIL config.resolved.json differs beyond pe_model (data: full)"; fail=1; }
grep -q '"ndp_mismatched_elements": 0' fullrtl/stats.json && echo "ok   full-data-checked" || { echo "FAIL data: full run without a data check"; fail=1; }
check shorthands 0 "Switch-Base-128.*1 x encoder of 2 x 32 tokens, end to end" -- "$bin" run --model switch-base-128-tiny --phase prefill \
  --batch 2 --prompt-tokens 32 --policies monde,ndp_only --set device.ndp.pe_model=cycle --set routing.source=uniform --quiet
check oracle-and-cpu 0 "^oracle " -- "$bin" run tiny.json --policies oracle,cpu --quiet
# The RTL exists in one array size: another size under pe_model rtl is refused before routing;
# under pe_model cycle it runs.
check rtl-shape-refused 2 "key 'device.ndp.pe_model' = .*the RTL was verilated as a 16 x 16 array and device.ndp.mac_array asks for 8 x 8; allowed \"cycle\"" \
  -- "$bin" run tiny.json --policies monde --quiet --set device.ndp.pe_model=rtl --set device.ndp.mac_array.rows=8 --set device.ndp.mac_array.cols=8
check cycle-any-shape 0 "^monde " -- "$bin" run tiny.json --policies monde --quiet --set device.ndp.mac_array.rows=8 \
  --set device.ndp.mac_array.cols=8 --set device.ndp.pe_model=cycle
# monde_paper: alpha 0 puts every expert on NDP (ndp_only's step to the picosecond), alpha 1000
# every expert on the GPU (offload's); auto calibrates and reports alpha; bad values are refused.
"$bin" run tiny.json --out paper --quiet --policies monde_paper,ndp_only,offload --set run.monde_paper_alpha=0 >/dev/null 2>&1
"$bin" run tiny.json --out paper1000 --quiet --policies monde_paper --set run.monde_paper_alpha=1000 >/dev/null 2>&1
python3 - paper/stats.json paper1000/stats.json <<'PY' || fail=1
import json, sys
a = {x["policy"]: x for x in json.load(open(sys.argv[1]))["policies"]}
b = {x["policy"]: x for x in json.load(open(sys.argv[2]))["policies"]}
ok = a["monde_paper"]["simulated_ms"] == a["ndp_only"]["simulated_ms"] \
     and b["monde_paper"]["simulated_ms"] == a["offload"]["simulated_ms"] \
     and a["monde_paper"]["parameters"]["alpha"] == 0 and b["monde_paper"]["parameters"]["alpha"] == 1000
print("ok   monde-paper-alpha-extremes" if ok else "FAIL monde_paper alpha 0 / 1000: " + json.dumps(
    [a["monde_paper"]["simulated_ms"], a["ndp_only"]["simulated_ms"], b["monde_paper"]["simulated_ms"],
     a["offload"]["simulated_ms"]]))
sys.exit(0 if ok else 1)
PY
check monde-paper-auto 0 "^monde_paper: alpha = [0-9.]+ gpu_volume_share = 0\.[0-9]+" -- "$bin" run tiny.json --policies monde_paper --quiet
check monde-paper-alpha-range 2 "key 'run.monde_paper_alpha' = -1: out of range; allowed 0 \.\. 1000" -- "$bin" run tiny.json --quiet \
  --set run.monde_paper_alpha=-1
check monde-paper-alpha-word 2 "key 'run.monde_paper_alpha' = \"fast\": not a number; allowed 0 \.\. 1000 or \"auto\"" -- \
  "$bin" run tiny.json --quiet --set run.monde_paper_alpha=fast
# The paper's configuration: 32 x16 LPDDR5X-8533 channels (32 x 2 B x 2 / 0.234 ns = 547.0 GB/s
# peak), 16 NDP units, the GPU on PCIe Gen4; Switch-Base-128 decode at batch 1 keeps every expert
# on NDP (alpha 0).
check paper-preset 0 "DRAM 547\.0 GB/s peak .* NDP 16 x 16x16" -- "$bin" run monde-paper --set run.batch=1 --quiet \
  --policies monde_paper
check paper-preset-alpha 0 "^monde_paper: alpha = 0\.0000 gpu_volume_share = 0\.066" -- "$bin" run monde-paper \
  --set run.batch=1 --quiet --policies monde_paper
# JSON a configuration must not have, and input too large to read: clear errors naming the file.
# The GPU expert cache (10 experts of 344,064 B, pinned): the summary line, and stats.json's counts
# per policy that uses it; only the misses' weights reach the GPU.
check expert-cache-summary 0 "^offload_cached: GPU expert cache \(pinned, 10 experts\): [0-9]+ hits, [0-9]+ misses, 0 evictions, hit rate [0-9.]+ %, [0-9.]+ GB not fetched" \
  -- "$bin" run tiny.json --out cache --policies offload,offload_cached --set gpu.expert_cache.mode=pinned \
  --set gpu.expert_cache.capacity_bytes=3440640
python3 - cache/stats.json <<'PY' || fail=1
import json, sys
p = {x["policy"]: x for x in json.load(open(sys.argv[1]))["policies"]}
c = p["offload_cached"]["expert_cache"]
fetched = sum(l["pcie_to_gpu_bytes"] for l in p["offload_cached"]["layers"])
routed = sum(l["experts_gpu_fetched"] + l["experts_gpu_resident"] for l in p["offload"]["layers"])
ok = "expert_cache" not in p["offload"] and c["hits"] > 0 and c["hits"] + c["misses"] == routed \
     and fetched == c["misses"] * 344064 and c["bytes_not_fetched"] == c["hits"] * 344064 \
     and abs(c["hit_rate"] - c["hits"] / routed) < 1e-12 and "expert_cache" in p["offload_cached"]["layers"][0] \
     and "expert_cache" in p["offload_cached"]["steps"][0]
print("ok   expert-cache stats" if ok else "FAIL expert-cache stats: " + json.dumps(c) + " fetched " + str(fetched) +
      " routed " + str(routed))
# layers.csv: offload_cached's hits and misses per layer sum to the run's; offload's cells are empty.
import csv
rows = list(csv.DictReader(open("cache/layers.csv")))
cached = [r for r in rows if r["policy"] == "offload_cached" and r["moe"] == "1"]
csv_ok = sum(int(r["expert_cache_hits"]) for r in cached) == c["hits"] and \
         sum(int(r["expert_cache_misses"]) for r in cached) == c["misses"] and \
         all(r["expert_cache_hits"] == "" for r in rows if r["policy"] == "offload")
print("ok   expert-cache layers.csv" if csv_ok else "FAIL expert-cache layers.csv")
sys.exit(0 if ok and csv_ok else 1)
PY
# Experts in host DRAM: offload's layers.csv host DRAM bytes sum to stats.json's, every fetched
# expert came from host DRAM, and monde (always the device) reads none.
check host-memory-run 0 "^offload " -- "$bin" run tiny.json --out hostmem --policies offload,monde --quiet \
  --set host_memory.expert_home=host_memory
python3 - hostmem/stats.json <<'PY' || fail=1
import csv, json, sys
p = {x["policy"]: x for x in json.load(open(sys.argv[1]))["policies"]}
rows = list(csv.DictReader(open("hostmem/layers.csv")))
off = [r for r in rows if r["policy"] == "offload"]
ok = sum(int(r["host_dram_bytes"]) for r in off) == p["offload"]["memory"]["host_dram_bytes"] > 0 and \
     all(r["experts_from_host_memory"] == r["experts_gpu"] for r in off) and \
     all(r["host_dram_bytes"] == "0" and r["experts_from_host_memory"] == "0" for r in rows if r["policy"] == "monde") and \
     all(float(r["host_dram_energy_j"]) > 0 for r in off if r["moe"] == "1")
print("ok   host-memory layers.csv" if ok else "FAIL host-memory layers.csv")
sys.exit(0 if ok else 1)
PY
check expert-cache-needs-a-mode 2 "key 'run.policies' = .*has \"offload_cached\", which runs with the GPU expert cache, but gpu.expert_cache.mode is \"none\"" \
  -- "$bin" run tiny.json --quiet --policies offload_cached
printf '{"model": "mixtral-8x7b-tiny", "model": "qwen3-30b-a3b-tiny", "device": "lpddr5x-8533"}' > dupkey.json
check duplicate-key 2 "dupkey.json: key 'model' appears twice in one object; allowed once" -- "$bin" validate dupkey.json
python3 -c "print('{\"model\": \"mixtral-8x7b-tiny\", \"device\": \"lpddr5x-8533\", \"run\": {\"batch\": ' + '['*200000 + ']'*200000 + '}}')" > deep.json
check too-deep 2 "deep.json:1:[0-9]+: JSON nested deeper than 64 levels; allowed at most 64" -- "$bin" validate deep.json
check too-deep-set 2 "--set run.batch=.*: JSON nested deeper than 64 levels" -- "$bin" validate tiny.json \
  --set "run.batch=$(python3 -c "print('['*1000 + ']'*1000)")"
printf '{"model": "mixtral-8x7b-tiny", "device": "lpddr5x-8533", "run": {"batch": 1e999}}' > overflow.json
check number-overflow 2 "overflow.json:[0-9]+:[0-9]+: invalid JSON: .*number overflow parsing '1e999'; allowed" -- "$bin" validate overflow.json
check dev-zero 2 "/dev/zero: larger than 64 MiB" -- "$bin" validate /dev/zero
check empty-out-dir 2 "--out: an empty name; allowed a file or directory name" -- "$bin" run tiny.json --out ''
check empty-experiment 2 "experiment: an empty name" -- "$bin" run ''
out=$("$bin" run tiny.json --policies "$(head -c 100000 /dev/zero | tr '\0' x)" 2>&1)
[ "${#out}" -lt 600 ] && grep -q "(100011 characters)" <<<"$out" && echo "ok   long-policy-name-cut" || {
  echo "FAIL long policy name: ${#out} characters of message"; fail=1; }
check no-banner 0 "^Usage" -- "$bin" run --help
out=$("$bin" --version 2>&1); grep -q "SystemC" <<<"$out" && { echo "FAIL banner printed"; fail=1; } || echo "ok   no-systemc-banner"
check version 0 "^monde-sim [0-9]+\.[0-9]+\.[0-9]+" -- "$bin" --version

# A policy whose process dies part-way loses only itself: the others finish, the table and the
# run directory hold everything that finished (its first 2 layers too), the exit status is 1.
MONDE_FAULT_ABORT_AFTER_LAYERS=offload:2 check failure-keeps-results 1 \
  "FAILED offload: the simulation process of policy 'offload' killed by signal 6 \(Aborted\) after 2 of 4 layers" \
  -- "$bin" run tiny.json --out failed --quiet
python3 - failed/stats.json <<'PY' || fail=1
import json, sys
s = json.load(open(sys.argv[1]))
p = {x["policy"]: x for x in s["policies"]}
ok = len(p["offload"]["layers"]) == 2 and "error" in p["offload"] and len(p["monde"]["layers"]) == 4 \
     and "error" not in p["ndp_only"] and "offload" not in s["speedup"]
print("ok   failure-writes-what-finished" if ok else "FAIL failed run's stats.json: " + json.dumps(
    {k: (len(v["layers"]), v.get("error")) for k, v in p.items()}))
sys.exit(0 if ok else 1)
PY
[ "$(wc -l < failed/layers.csv)" = 11 ] || { echo "FAIL failed/layers.csv: $(wc -l < failed/layers.csv) lines, want 11"; fail=1; }
# A deadlock (the kernel runs out of events with the step unfinished) is an error of that policy,
# not a short finished run: the others finish, the exit status is 1.
MONDE_FAULT_STALL_AFTER_LAYERS=offload:2 check deadlock-is-reported 1 \
  "FAILED offload: the simulation ran out of events at .* after 2 of 4 layers: a process of the model waits" \
  -- "$bin" run tiny.json --quiet
# Regression: the host may read a completion entry while its write is in flight and move CQ_HEAD
# past it; the engine posts the entry (advances CQ_TAIL) before writing it, so this no longer
# looks like a full CQ. Full-size Qwen3 decode at batch 128 under ndp_only hit that deadlock in
# layer 9 (timing_only, about 1 s).
check cq-post-before-write 0 "ndp_only: 48/48 layers" -- "$bin" run --model qwen3-30b-a3b --set routing.source=zipf \
  --batch 128 --policies ndp_only
# An output that cannot be written after the simulation (the trace to a full disk) is reported,
# the other outputs are still written, and the exit status is 1 (the input was fine).
check write-failure-keeps-the-rest 1 "^monde-sim: /dev/full: write failed" -- "$bin" run tiny.json --out partial --trace /dev/full --quiet
[ -s partial/stats.json ] && [ -s partial/layers.csv ] && echo "ok   write-failure-wrote-the-run-directory" || { echo "FAIL partial/ not written"; fail=1; }

# ---- validate, show-config, list, config-reference
check validate 0 "^ok: tiny.json: mixtral-8x7b-tiny .*nothing simulated" -- "$bin" validate tiny.json
# Every section with defaults may be left out (here run: its defaults decode 32 tokens).
printf '{"model": "mixtral-8x7b-tiny", "device": "lpddr5x-8533", "routing": {"source": "uniform"}}' > norun.json
check no-run-section 0 "^ok: norun.json: mixtral-8x7b-tiny .*decode 32 tokens x 1 step" -- "$bin" validate norun.json
# Every shipped model preset runs on the NDP device (its shapes pass the descriptor checks); the
# default experiment's 1024 tokens of context are more than NLLB-MoE takes (1024 positions).
for m in $("$bin" list models | awk '{print $1}' | grep -- '-tiny$'); do
  check "preset-$m" 0 "^ok: " -- "$bin" validate --model "$m" --set routing.source=uniform --set run.context_tokens=512
done
check show-config 0 '"tck_ps": 234' -- "$bin" show-config tiny.json --set run.batch=7
"$bin" show-config tiny.json --set run.batch=7 | grep -q '"batch": 7' && echo "ok   show-config-set" || { echo "FAIL show-config --set"; fail=1; }
check list-models 0 "^mixtral-8x7b +Mixtral-8x7B: 8 experts, top-2" -- "$bin" list models
check list-devices 0 "^lpddr5x-8533 +64 GiB" -- "$bin" list devices
check list-policies 0 "^oracle +.*at most 256 routed experts per layer" -- "$bin" list policies
check list-routing 0 "^gate " -- "$bin" list routing
check list-experiments 0 "^default " -- "$bin" list experiments
check reference 0 "^#### \`device.memory.timing\`" -- "$bin" config-reference

# ---- bad input: one class each, the exact message, exit 2
printf '{"model": "mixtral-8x7b-tiny", "device": "lpddr5x-8533", "run": {"bacth": 4}}' > typo.json
check unknown-key 2 "^monde-sim: configuration error: typo.json: key 'run.bacth': unknown key; allowed phase, batch, prompt_tokens, context_tokens, steps, scope, policies, data, gpu_memory_budget_bytes_per_layer, monde_paper_alpha, ndp_block_runs$" -- "$bin" run typo.json
printf '{"model": "mixtral-8x7b-tiny", "device": "lpddr5x-8533", "run": {"batch": "eight"}}' > type.json
check wrong-type 2 "^monde-sim: configuration error: type.json: key 'run.batch' = \"eight\": must be a non-negative integer; allowed 1 .. 65536$" -- "$bin" run type.json
check out-of-range 2 "^monde-sim: configuration error: --set run.batch=0: key 'run.batch' = 0: out of range; allowed 1 .. 65536$" -- "$bin" run tiny.json --set run.batch=0
check out-of-range-shorthand 2 "^monde-sim: configuration error: --steps 0: key 'run.steps' = 0: out of range; allowed 1 .. 100000$" -- "$bin" run tiny.json --steps 0
check seed-not-a-number 2 "^monde-sim: configuration error: --seed 1e23: key 'routing.seed' = [0-9.e+]+: must be a non-negative integer; allowed 0 .. 18446744073709551615$" -- "$bin" run tiny.json --seed 1e23
check bad-enum 2 "^monde-sim: configuration error: --phase warmup: key 'run.phase' = \"warmup\": unknown value; allowed \"decode\", \"prefill\", \"generate\"$" -- "$bin" run tiny.json --phase warmup
check bad-set-path 2 "^monde-sim: configuration error: --set run.batch.size=4: key 'run.batch' = 16 is not an object, so it has no key 'size'; allowed a path through objects$" -- "$bin" run tiny.json --set run.batch.size=4
# Found by fuzzing: bytes that are not UTF-8 were taken as a string value and then failed as a bare
# JSON library error; control bytes in a key cut or garbled the message.
check set-not-utf8 2 ": the value is not UTF-8 text; allowed JSON or UTF-8 text$" -- "$bin" run tiny.json --set $'run.phase=\xff'
check set-control-key 2 "^monde-sim: configuration error: --set run.\?x=1: key 'run.\?x': unknown key; allowed " -- "$bin" run tiny.json --set $'run.\x01x=1'
# A key with a dot in its name is shown quoted and named with the file that wrote it (it was taken
# for the key "device" of the model preset's section and blamed on that preset).
printf '{"model": "mixtral-8x7b-tiny", "model.device": "lpddr5x-8533", "device": "lpddr5x-8533"}' > dotted.json
check dotted-key 2 "^monde-sim: configuration error: dotted.json: key '\\[\"model.device\"\\]': unknown key; allowed model, device" -- "$bin" run dotted.json
check bad-set-syntax 2 "^monde-sim: configuration error: --set run.batch: expected KEY=VALUE" -- "$bin" run tiny.json --set run.batch
check missing-file 2 "^monde-sim: configuration error: nope.json: cannot open configuration file$" -- "$bin" run nope.json
printf '{"model": "mixtral-8x7b-tiny"}' > nodev.json
check missing-key 2 "^monde-sim: configuration error: nodev.json: key 'device': missing; this key is required; allowed a device preset" -- "$bin" run nodev.json
check preset-typo 2 "key 'model' = \"mixtral\": unknown model preset .*allowed deepseek-v2-lite" -- "$bin" run --model mixtral
check device-typo-in-preset-key 2 "^monde-sim: configuration error: --set device.memroy.model=timed: key 'device.memroy': unknown key; allowed memory, cxl, ndp$" -- "$bin" run tiny.json --set device.memroy.model=timed
# A bad value inside a device file names that file, not the experiment that uses it.
sed 's/"tRCD": 77/"tRCD": 0/' "$src/configs/device/lpddr5x-8533.json" > mydev.json
check error-names-the-preset-file 2 "^monde-sim: configuration error: mydev.json: key 'device.memory.timing.tRCD' = 0: out of range; allowed 1 .. 1000000$" -- "$bin" run tiny.json --device mydev.json
check bad-policy 2 "key 'run.policies' = \[\"fastest\"\]: has \"fastest\", which is not a placement policy; allowed monde, " -- "$bin" run tiny.json --policies fastest
check bad-routing 2 "key 'routing.source' = \"zipff\": unknown routing source; allowed uniform, zipf, trace, gate" -- "$bin" run tiny.json --set routing.source=zipff
printf '{"model": "mixtral-8x7b-tiny", "device": "lpddr5x-8533", "routing": {"source": "trace", "trace": {"path": "nope.csv", "model": "m", "dataset": "d"}}}' > trace.json
check missing-data-file 2 "trace.json: key 'routing.trace.path' = \"nope.csv\": no such file; tried " -- "$bin" run trace.json
# Knowable before simulating: the oracle's limit (validate says so without simulating), a model
# larger than the device.
check oracle-limit 2 "key 'run.policies' = \[\"oracle\"\]: has \"oracle\", which takes at most 256 routed experts per layer, but step 0 routes [0-9]+ experts" -- "$bin" validate --model switch-base-128 --policies oracle --set routing.source=uniform --set model.experts=512 --batch 1024
check too-big 2 "key 'device.memory.organization': gives 68719476736 B \(64.00 GiB\), but the model needs [0-9]+ B" -- "$bin" validate --model mixtral-8x7b --device lpddr5x-8533
# A shape the driver cannot lay out as one range per expert (96 x 96 x 2 B = 18432 B per matrix).
check matrix-not-whole-pages 2 "key 'model.d_ff' = 96: with d_model 96 gives matrices of 18432 B, not a multiple of the driver's 4096 B tensor alignment .*allowed d_model x d_ff a multiple of 2048$" -- "$bin" validate tiny.json --set model.d_model=96 --set model.d_ff=96
# The GPU's memory: non-expert weights, KV cache, one layer's hot experts and activations must fit
# (Mixtral-8x7B decode at batch 32 over 1024: 3.21 + 4.30 + 2.82 + 0.01 GB, tests/unit/test_transformer_work.cpp).
check hbm-too-small 2 "^monde-sim: configuration error: --set gpu.hbm_bytes=10000000000: key 'gpu.hbm_bytes' = 10000000000: is less than the run needs: 3210739712 B \(3.21 GB\) of non-expert weights \(embeddings 524288000 \+ attention 2684354560 \+ dense FFNs 0 \+ routers 2097152 \+ shared experts 0\) \+ 4299161600 B \(4.30 GB\) of KV cache \(32 sequences x 1025 positions over the layers that cache\) \+ 2818572288 B \(2.82 GB\) of hot experts' buffers \(8 experts x 352321536 B, one MoE layer's routed experts\) \+ 5324800 B \(0.01 GB\) of activations \(estimate\) = 10333798400 B \(10.33 GB\); allowed a GPU of at least 10333798400 B" \
  -- "$bin" validate --model mixtral-8x7b --set device.memory.organization.ranks=4 --set routing.source=uniform \
  --set run.context_tokens=1024 --set gpu.hbm_bytes=10000000000
check hbm-fits 0 "GPU memory 10.33 of 10.34 GB" -- "$bin" validate --model mixtral-8x7b --set device.memory.organization.ranks=4 \
  --set routing.source=uniform --set run.context_tokens=1024 --set gpu.hbm_bytes=10340000000
# The context a run asks for fits the model's positions; decode-from-prefill policies need a prefill.
check context-too-long 2 "key 'run.context_tokens' = 1024: with run.steps = 1 the last step attends to 1025 positions, but 'nllb-moe-54b-tiny' takes at most 1024 positions \(max_context_tokens\); allowed 0 .. 1023$" \
  -- "$bin" validate --model nllb-moe-54b-tiny --set routing.source=uniform --set run.context_tokens=1024
check context-policy-encoder-decoder 2 "key 'run.policies' = .*has \"context\", which plans each MoE layer's decode placement from that layer's prefill, but the decoder layers of 'switch-base-128-tiny' \(an encoder-decoder model\) never prefill" \
  -- "$bin" validate --model switch-base-128-tiny --set routing.source=uniform --policies monde,context
check out-not-writable 2 "^monde-sim: /proc/version/out: cannot create the output directory" -- "$bin" run tiny.json --out /proc/version/out
exit $fail
