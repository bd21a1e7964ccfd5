#!/usr/bin/env bash
# The Slurm path for real: a one-node cluster (scripts/slurm-one-node: munged, slurmctld, slurmd)
# runs a small sweep as a job array; its collected results.csv must equal the local run's of the
# same grid, byte for byte. Skips (exit 77, saying why) when slurm-wlm or munge is not installed,
# when not root, or when the daemons do not come up; every wait has a timeout.
# Usage: sweep_slurm.sh <monde-sim binary> <source dir> <scratch dir>
set -u
here=${0%/*}
bin=$1
src=$2
dir=$3
skip() { echo "SKIP: $*"; exit 77; }
for b in sbatch slurmctld slurmd munged; do
  command -v "$b" >/dev/null 2>&1 || [ -x "/usr/sbin/$b" ] || skip "$b not installed (Debian: apt-get install slurm-wlm munge)"
done
[ "$(id -u)" = 0 ] || skip "the one-node cluster runs its daemons as root; not root here"
rm -rf "$dir" && mkdir -p "$dir" && cd "$dir" || exit 1
source "$here/cli_check.sh"

# One cluster on this machine at a time (another build tree may run this test too).
exec 9>/tmp/monde-slurm-test.lock
flock -w 120 9 || skip "another Slurm test held /tmp/monde-slurm-test.lock for 120 s"
state=$dir/cluster
trap 'timeout 60 "$src/scripts/slurm-one-node" stop "$state" >/dev/null 2>&1' EXIT
if ! env_line=$(timeout 90 "$src/scripts/slurm-one-node" start "$state" 2>start.err); then
  cat start.err
  skip "the one-node Slurm cluster did not start (see above)"
fi
eval "$env_line"
echo "ok   cluster up ($SLURM_CONF)"

cat > spec.json <<'JSON'
{ "set": { "model": "mixtral-8x7b-tiny", "device.ndp.pe_model": "cycle", "routing.source": "zipf", "routing.seed": 5,
           "run.steps": 1 },
  "policies": ["monde", "offload", "ndp_only"],
  "grid": { "run.batch": [2, 8] }, "zip": { "run.phase": ["decode", "prefill"], "run.prompt_tokens": [1, 4] } }
JSON
check local 0 "points: 4 done" -- "$bin" sweep spec.json --out local --quiet
check slurm-emit 0 "not submitted \(--no-submit\)" -- "$bin" sweep spec.json --out emitted --slurm --no-submit --workers 2
grep -q "^#SBATCH --array=0-3%2$" emitted/sweep.sbatch && echo "ok   sbatch-array" || { echo "FAIL sbatch array line"; fail=1; }
check slurm-run 0 "points: 4 done, 0 failed" -- \
  timeout 300 "$bin" sweep spec.json --out cluster-run --slurm --slurm-wait --workers 2 --time 5
grep -q "^#SBATCH --time=5$" cluster-run/sweep.sbatch && echo "ok   sbatch-time" || { echo "FAIL sbatch --time"; fail=1; }
[ "$(ls cluster-run/slurm/*.out 2>/dev/null | wc -l)" = 4 ] && echo "ok   four-array-tasks" || { echo "FAIL task outputs: $(ls cluster-run/slurm)"; fail=1; }
cmp -s local/results.csv cluster-run/results.csv && echo "ok   slurm-results-equal-local" ||
  { echo "FAIL results.csv differs between Slurm and local"; diff local/results.csv cluster-run/results.csv | head -5; fail=1; }
# Resubmitting a finished sweep submits nothing.
check slurm-resume 0 "4 finished already, 0 to run" -- "$bin" sweep spec.json --out cluster-run --slurm --quiet
exit $fail
