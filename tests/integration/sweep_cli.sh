#!/usr/bin/env bash
# monde-sim sweep and plot as users run them, on scaled-down models (one step, small batches):
# the grid's point list and order (hand-checked), spec errors naming the point and key before
# anything runs, resuming (only the unfinished point reruns), results.csv (columns, one row per
# point, the prediction flag), determinism (two sweeps, the same CSV bytes), a point that fails,
# and the three charts (PNG files, non-empty); every study spec of configs/experiments/studies/ valid.
# Usage: sweep_cli.sh <monde-sim binary> <scratch dir>
set -u
here=$(cd "$(dirname "$0")" && pwd)
bin=$1
dir=$2
rm -rf "$dir" && mkdir -p "$dir" && cd "$dir" || exit 1
source "$here/cli_check.sh"

cat > spec.json <<'JSON'
{ "_comment": "2 models x 2 batches, and the phase zipped with its prompt length: 8 points",
  "set": { "device.ndp.pe_model": "cycle", "routing.source": "zipf", "routing.seed": 3, "run.steps": 1 },
  "policies": ["monde", "offload", "ndp_only"],
  "grid": { "model": ["mixtral-8x7b-tiny", "olmoe-1b-7b-tiny"], "run.batch": [2, 8] },
  "zip": { "run.phase": ["decode", "prefill"], "run.prompt_tokens": [1, 4] } }
JSON

# ---- the point list: first grid axis slowest, the zip group innermost
"$bin" sweep spec.json --out d --dry-run > dry.txt 2>&1
cat > want.txt <<'TXT'
0 0-model-mixtral-8x7b-tiny_batch-2_phase-decode_prompt-tokens-1 model=mixtral-8x7b-tiny run.batch=2 run.phase=decode run.prompt_tokens=1
1 1-model-mixtral-8x7b-tiny_batch-2_phase-prefill_prompt-tokens-4 model=mixtral-8x7b-tiny run.batch=2 run.phase=prefill run.prompt_tokens=4
2 2-model-mixtral-8x7b-tiny_batch-8_phase-decode_prompt-tokens-1 model=mixtral-8x7b-tiny run.batch=8 run.phase=decode run.prompt_tokens=1
3 3-model-mixtral-8x7b-tiny_batch-8_phase-prefill_prompt-tokens-4 model=mixtral-8x7b-tiny run.batch=8 run.phase=prefill run.prompt_tokens=4
4 4-model-olmoe-1b-7b-tiny_batch-2_phase-decode_prompt-tokens-1 model=olmoe-1b-7b-tiny run.batch=2 run.phase=decode run.prompt_tokens=1
5 5-model-olmoe-1b-7b-tiny_batch-2_phase-prefill_prompt-tokens-4 model=olmoe-1b-7b-tiny run.batch=2 run.phase=prefill run.prompt_tokens=4
6 6-model-olmoe-1b-7b-tiny_batch-8_phase-decode_prompt-tokens-1 model=olmoe-1b-7b-tiny run.batch=8 run.phase=decode run.prompt_tokens=1
7 7-model-olmoe-1b-7b-tiny_batch-8_phase-prefill_prompt-tokens-4 model=olmoe-1b-7b-tiny run.batch=8 run.phase=prefill run.prompt_tokens=4
8 points, all valid
TXT
if diff <(sed 's/ (checked in.*//' dry.txt) want.txt; then echo "ok   grid-order"; else echo "FAIL grid-order"; fail=1; fi
[ ! -e d ] && echo "ok   dry-run-writes-nothing" || { echo "FAIL --dry-run created d"; fail=1; }
# The same grid from the command line.
check grid-cli 0 "^3 3-model-mixtral-8x7b-tiny_batch-8_phase-prefill" -- "$bin" sweep --grid model=mixtral-8x7b-tiny,olmoe-1b-7b-tiny \
  --grid run.batch=2,8 --zip run.phase=decode,prefill --zip run.prompt_tokens=1,4 --set routing.source=zipf --out d --dry-run

# ---- bad specs: named file, point and key; nothing runs
check bad-value-point 2 "the command line point 5 \(run.batch=0\): key 'run.batch' = 0: out of range; allowed 1 \.\. 65536" -- \
  "$bin" sweep --grid run.batch=1,2,3,4,5,0 --set model=mixtral-8x7b-tiny --out bad 
check bad-key 2 "key 'run.bogus': unknown key; allowed phase, batch" -- "$bin" sweep --grid run.bogus=1,2 --out bad
check bad-model 2 "point 1 \(model=nope\): key 'model' = \"nope\": unknown model preset" -- \
  "$bin" sweep --grid model=mixtral-8x7b-tiny,nope --out bad
check bad-spec-key 2 "spec2.json: key 'grd': is not a sweep spec key; allowed \"experiment\", \"set\", \"grid\"" -- \
  bash -c "echo '{\"grd\": {}}' > spec2.json && '$bin' sweep spec2.json --out bad"
check zip-lengths 2 "zip axes differ in length: 'run.phase' has 2 values, 'run.batch' has 3" -- \
  "$bin" sweep --zip run.phase=decode,prefill --zip run.batch=1,2,3 --out bad
check no-axis 2 "no axis to sweep" -- "$bin" sweep --set run.batch=2 --out bad
[ ! -e bad/points ] && echo "ok   bad-specs-run-nothing" || { echo "FAIL a bad spec ran points"; fail=1; }

# ---- a sweep, two workers
check sweep 0 "points: 8 done, 0 failed, 0 pending \(of 8\)" -- "$bin" sweep spec.json --out d --workers 2 --quiet
for f in d/sweep.json d/results.csv d/results.json d/points/3-model-mixtral-8x7b-tiny_batch-8_phase-prefill_prompt-tokens-4/stats.json \
         d/points/3-model-mixtral-8x7b-tiny_batch-8_phase-prefill_prompt-tokens-4/done.json; do
  [ -s "$f" ] || { echo "FAIL missing $f"; fail=1; }
done
# results.csv: the columns, one row per point with its axis values, every policy's step time.
python3 - d/results.csv <<'PY' || fail=1
import csv, glob, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
head = next(csv.reader(open(sys.argv[1])))
want = ["point", "id", "model", "run.batch", "run.phase", "run.prompt_tokens", "status", "experiment.model",
        "experiment.phase", "experiment.tokens_per_step", "pred_sim_over_5pct", "monde.step_ms", "monde.dense_ms",
        "monde.moe_ms", "monde.speedup_vs_offload", "monde.moe_speedup_vs_offload", "monde.pred_sim_max_rel_diff",
        "monde.pred_sim_over_5pct"]
problems = []
if head[:len(want)] != want: problems.append("header starts %s" % head[:len(want)])
for m in ["gpu_fetch_ms", "gpu_compute_ms", "ndp_path_ms", "cxl_d2h_busy_ms", "pcie_to_gpu_bytes", "ndp_dram_read_bytes"]:
    for p in ["monde", "offload", "ndp_only"]:
        if p + "." + m not in head: problems.append("no column " + p + "." + m)
if len(rows) != 8: problems.append("%d rows" % len(rows))
for i, r in enumerate(rows):
    if r["point"] != str(i) or r["status"] != "done": problems.append("row %d: %s %s" % (i, r["point"], r["status"]))
    if r["experiment.model"] != r["model"] or r["experiment.phase"] != r["run.phase"]: problems.append("row %d axis mismatch" % i)
    tokens = int(r["run.batch"]) * int(r["run.prompt_tokens"])
    if r["experiment.tokens_per_step"] != str(tokens): problems.append("row %d tokens %s" % (i, r["experiment.tokens_per_step"]))
    for p in ["monde", "offload", "ndp_only"]:
        if not float(r[p + ".step_ms"]) > 0: problems.append("row %d %s step" % (i, p))
    if r["offload.speedup_vs_offload"] != "1": problems.append("row %d offload speedup %s" % (i, r["offload.speedup_vs_offload"]))
    if r["offload.moe_speedup_vs_offload"] != "1": problems.append("row %d offload MoE speedup" % i)
    # End to end = dense + MoE (one chain per step), and the dense work is the same for every policy.
    for p in ["monde", "offload", "ndp_only"]:
        if abs(float(r[p + ".step_ms"]) - float(r[p + ".dense_ms"]) - float(r[p + ".moe_ms"])) > 1e-6 * float(r[p + ".step_ms"]):
            problems.append("row %d %s step != dense + MoE" % (i, p))
    if abs(float(r["monde.dense_ms"]) - float(r["offload.dense_ms"])) > 1e-9: problems.append("row %d dense differs" % i)
    # Energy: the point's stats.json figures, and per token = per step / the step's tokens.
    stats = json.load(open(glob.glob("d/points/%d-*/stats.json" % i)[0]))
    for p in stats["policies"]:
        name = p["policy"]
        if float(r[name + ".energy_step_j"]) != float("%.9g" % p["energy_step_j"]): problems.append("row %d %s energy" % (i, name))
        if abs(float(r[name + ".energy_per_token_j"]) * tokens - float(r[name + ".energy_step_j"])) > 1e-6 * float(r[name + ".energy_step_j"]):
            problems.append("row %d %s energy per token" % (i, name))
        if r[name + ".host_dram_bytes"] != "0" or r[name + ".expert_cache_hit_rate"] != "":
            problems.append("row %d %s host DRAM / cache columns" % (i, name))
    flag = any(float(r[p + ".pred_sim_max_rel_diff"]) > 0.05 for p in ["monde", "offload", "ndp_only"])
    if r["pred_sim_over_5pct"] != ("1" if flag else "0"): problems.append("row %d flag" % i)
print("ok   results-csv" if not problems else "FAIL results-csv: " + "; ".join(problems))
sys.exit(1 if problems else 0)
PY

# ---- resuming: only the point without its marker runs again
marker=d/points/3-model-mixtral-8x7b-tiny_batch-8_phase-prefill_prompt-tokens-4/done.json
other=d/points/2-model-mixtral-8x7b-tiny_batch-8_phase-decode_prompt-tokens-1/done.json
inode_other=$(stat -c %i "$other")
rm "$marker"
check resume 0 "8 points, 7 finished already, 1 to run" -- "$bin" sweep spec.json --out d --quiet
[ -f "$marker" ] && [ "$(stat -c %i "$other")" = "$inode_other" ] && echo "ok   resume-reran-only-point-3" ||
  { echo "FAIL resume: point 3 not rerun or point 2 rerun"; fail=1; }
check resume-from-record 0 "8 finished already, 0 to run" -- "$bin" sweep --out d --quiet
check other-sweep 2 "holds another sweep" -- "$bin" sweep --grid run.batch=1,2 --out d --quiet
check collect 0 "points: 8 done" -- "$bin" sweep --collect d

# ---- determinism: the same spec (one worker this time) gives the same bytes
"$bin" sweep spec.json --out d2 --workers 1 --quiet >/dev/null 2>&1
cmp -s d/results.csv d2/results.csv && cmp -s d/results.json d2/results.json && echo "ok   deterministic-results" ||
  { echo "FAIL results differ between two sweeps of one spec"; diff d/results.csv d2/results.csv | head -5; fail=1; }

# ---- a point whose run dies loses only itself; the rerun finishes it
cat > two.json <<'JSON'
{ "set": { "model": "mixtral-8x7b-tiny", "device.ndp.pe_model": "cycle", "routing.source": "zipf", "run.steps": 1 },
  "policies": ["monde", "offload"], "grid": { "run.batch": [2, 4] } }
JSON
check point-crash 1 "point 0 \(0-batch-2\) FAILED: exit status 1; see points/0-batch-2/run.log" -- \
  env MONDE_FAULT_ABORT_AFTER_LAYERS=offload:1 "$bin" sweep two.json --out f --quiet
grep -q '"problem": "exit status 1"' f/points/0-batch-2/failed.json && [ ! -e f/points/0-batch-2/done.json ] &&
  grep -q "^0,0-batch-2,2,failed," f/results.csv && echo "ok   failed-point-recorded" || { echo "FAIL failed point"; fail=1; }
check point-rerun 0 "points: 2 done, 0 failed" -- "$bin" sweep two.json --out f --quiet

# ---- charts
check plot-speedup 0 "wrote sp.png" -- "$bin" plot d --kind speedup --out sp.png --script sp.gp
check plot-breakdown 0 "wrote br.png" -- "$bin" plot d/results.json --kind breakdown --policies monde,offload --out br.png
check plot-sensitivity 0 "wrote se.png" -- "$bin" plot d --kind sensitivity --x run.batch --logx --out se.png --script se.gp
for f in sp.png br.png se.png; do
  if [ "$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] && [ "$(stat -c %s "$f")" -gt 10000 ]; then
    echo "ok   $f is a PNG of $(stat -c %s "$f") B"
  else
    echo "FAIL $f is not a non-empty PNG"; fail=1
  fi
done
# --label: only the named axes in a point's label (the grid is model x run.batch; model is always named).
check plot-label 0 "wrote lb.png" -- "$bin" plot d --kind speedup --label - --out lb.png --script lb.gp
if grep -q '"mixtral-8x7b-tiny decode"' lb.gp && ! grep -q 'batch=' lb.gp && grep -q 'batch=' sp.gp; then
  echo "ok   plot-label names no axis with --label -"
else
  echo "FAIL plot-label"; fail=1
fi
grep -q 'set ylabel "step_ms (ms)"' se.gp && grep -q 'set xlabel "run.batch (sequences per step)"' se.gp &&
  echo "ok   axes-with-units" || { echo "FAIL sensitivity axes labels"; fail=1; }
check plot-bad-axis 2 "--x: 'run.nope' is not an axis of the sweep; allowed model, run.batch" -- \
  "$bin" plot d --kind sensitivity --x run.nope --out x.png
check plot-non-numeric 2 "--x: 'model' has the value \"mixtral-8x7b-tiny\", not a number" -- \
  "$bin" plot d --kind sensitivity --x model --out x.png
check plot-no-gnuplot 2 "gnuplot not found: install Debian's gnuplot-nox" -- env PATH=/nonexistent "$bin" plot d --kind speedup --out x.png
# Every study the README shows (configs/experiments/studies/) is a valid sweep: all its points pass
# the run's checks (a dry run, nothing simulated).
for spec in "$here"/../../configs/experiments/studies/*.json; do
  name=$(basename "$spec" .json)
  check "study-$name" 0 "points, all valid" -- "$bin" sweep "$spec" --dry-run --out "study-$name"
done
exit $fail
