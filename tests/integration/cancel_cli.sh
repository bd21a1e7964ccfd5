#!/usr/bin/env bash
# Host-side cancellation and streamed outputs (issue 12, "Faults" and "Soak and load"):
#   - a policy's results are written as soon as it finishes, while others still run
#     (stats.json lists the running ones under "in_progress");
#   - SIGINT to `monde-sim run`: exit status 130, every policy's error says it was cancelled and
#     after how many layers, stats.json / layers.csv / trace.json hold exactly the layers that
#     finished and parse, no temporary file or spool is left behind; SIGTERM gives 143;
#   - SIGINT to `monde-sim sweep`: exit status 130, results collected, the interrupted points stay
#     unfinished (a rerun redoes them).
# Usage: cancel_cli.sh <monde-sim binary> <scratch dir>
set -u
here=$(cd "$(dirname "$0")" && pwd)
bin=$1
dir=$2
rm -rf "$dir" && mkdir -p "$dir" && cd "$dir" || exit 1
source "$here/cli_check.sh"
# The default experiment's device (bandwidth DRAM model): about 1 ms of wall time per layer.
cat > long.json <<JSON
{ "model": "mixtral-8x7b-tiny",
  "device": { "preset": "lpddr5x-8533", "memory": { "model": "bandwidth" }, "ndp": { "pe_model": "cycle" } },
  "routing": { "source": "zipf", "seed": 3 },
  "run": { "batch": 4, "steps": 30000, "context_tokens": 0, "policies": ["monde", "offload"] } }
JSON

# Waits (up to 300 s: the ASan + UBSan Debug build on a loaded 2-core machine took over 60 s for
# the first policy's 12,000 layers) until FILE matches PATTERN.
wait_for() {
  local file=$1 pattern=$2
  for _ in $(seq 3000); do
    grep -qE -- "$pattern" "$file" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "FAIL timed out waiting for '$pattern' in $file"; tail -5 "$file"; fail=1
  return 1
}

# ---- a finished policy is written while another still runs; then SIGINT
"$bin" run long.json --policies ndp_only,offload --set run.steps=3000 --jobs 1 --out early --progress-every 0.2 \
  >early.out 2>early.err &
pid=$!
wait_for early.err "^ndp_only: 12000/12000 layers" && wait_for early/stats.json '"in_progress"'
python3 - early/stats.json <<'PY' || fail=1
import json, sys
s = json.load(open(sys.argv[1]))
ok = [p["policy"] for p in s["policies"]] == ["ndp_only"] and s.get("in_progress") == ["offload"] \
     and len(s["policies"][0]["layers"]) == 12000
print("ok   finished-policy-written-early" if ok else "FAIL stats.json while offload runs: " +
      json.dumps({"policies": [p["policy"] for p in s["policies"]], "in_progress": s.get("in_progress")}))
sys.exit(0 if ok else 1)
PY
kill -INT "$pid"
wait "$pid"

"$bin" run long.json --out cancelled --jobs 2 --progress-every 0.2 >cancelled.out 2>cancelled.err &
pid=$!
wait_for cancelled.err "monde [1-9][0-9]+/120000 layers"
kill -INT "$pid"
wait "$pid"
rc=$?
[ "$rc" = 130 ] && echo "ok   sigint-exit-status-130" || { echo "FAIL SIGINT: exit status $rc, want 130"; fail=1; }
grep -q "cancelled by SIGINT: the outputs hold what finished (exit status 130)" cancelled.err \
  && echo "ok   sigint-says-so" || { echo "FAIL SIGINT message:"; tail -3 cancelled.err; fail=1; }
python3 - cancelled <<'PY' || fail=1
import csv, json, os, sys
d = sys.argv[1]
s = json.load(open(os.path.join(d, "stats.json")))
t = json.load(open(os.path.join(d, "trace.json")))
rows = list(csv.DictReader(open(os.path.join(d, "layers.csv"))))
ok = True
for p in s["policies"]:
    n = len(p["layers"])
    want = "cancelled by SIGINT after %d of 120000 layers" % n
    csv_n = sum(1 for r in rows if r["policy"] == p["policy"])
    # Track 1 holds the layers (track 0 the steps).
    spans = sum(1 for e in t["traceEvents"] if e["ph"] == "X" and e["pid"] == s["policies"].index(p) and e["tid"] == 1)
    if p.get("error") != want or n == 0 or csv_n != n or spans != n:
        ok = False
        print("FAIL %s: error %r, %d layers in stats.json, %d in layers.csv, %d layer spans" % (
            p["policy"], p.get("error"), n, csv_n, spans))
leftover = [f for f in os.listdir(d) if ".tmp." in f or f.startswith(".monde-spool")]
if leftover:
    ok = False
    print("FAIL left behind: %s" % leftover)
print("ok   sigint-writes-what-finished" if ok else "FAIL cancelled run directory")
sys.exit(0 if ok else 1)
PY

"$bin" run long.json --out terminated --progress-every 0.2 >terminated.out 2>terminated.err &
pid=$!
wait_for terminated.err "monde [1-9][0-9]*/120000 layers"
kill -TERM "$pid"
wait "$pid"
rc=$?
[ "$rc" = 143 ] && grep -q '"error": "cancelled by SIGTERM after' terminated/stats.json \
  && echo "ok   sigterm-exit-status-143" || { echo "FAIL SIGTERM: exit status $rc, want 143"; fail=1; }

# ---- a sweep: the finished points are collected, the interrupted one stays unfinished
"$bin" sweep --experiment "$dir/long.json" --grid run.steps=2,30000 --policies monde --workers 1 --out sw \
  >sw.out 2>sw.err &
pid=$!
wait_for sw.err "\[1/2\] point"
# The second point is simulating once its run directory has a spool.
for _ in $(seq 600); do ls -d sw/points/1-*/.monde-spool.* >/dev/null 2>&1 && break; sleep 0.1; done
kill -INT "$pid"
wait "$pid"
rc=$?
[ "$rc" = 130 ] && echo "ok   sweep-sigint-exit-status-130" || { echo "FAIL sweep SIGINT: exit status $rc, want 130"; cat sw.out sw.err | tail; fail=1; }
grep -q "points: 1 done, 1 failed, 0 pending" sw.out && [ -s sw/results.csv ] \
  && echo "ok   sweep-sigint-collects" || { echo "FAIL sweep results:"; cat sw.out; fail=1; }
ls sw/points/*/failed.json >/dev/null 2>&1 && ! ls sw/points/1-*/done.json >/dev/null 2>&1 \
  && grep -q "exit status 130" sw/points/*/failed.json \
  && echo "ok   sweep-sigint-point-unfinished" || { echo "FAIL the interrupted point's marker"; fail=1; }

exit $fail
