#!/usr/bin/env bash
# End-to-end checks of monde-run on a scaled-down Mixtral: the table, the run directory's files
# with units in the key names, policy selection, and bad input (exit 2, naming file and key).
# Usage: monde_run_cli.sh <monde-run binary> <source dir> <scratch dir>
set -u
here=$(cd "$(dirname "$0")" && pwd)
bin=$1
src=$2
dir=$3
mkdir -p "$dir" && cd "$dir" || exit 1
source "$here/cli_check.sh"
cat > tiny.json <<JSON
{ "model": "$src/configs/models/mixtral-8x7b-tiny.json",
  "device": "$src/configs/device/lpddr5x-8533.json",
  "ndp": { "pe_model": "cycle" },
  "routing": { "source": "zipf", "zipf_exponent": 1.2, "seed": 3 },
  "run": { "batch": 16, "policies": ["monde", "offload", "ndp_only"] } }
JSON
check tiny 0 "^monde +[0-9.]+ +1.00x" -- "$bin" --config tiny.json --out out
for f in out/stats.json out/layers.csv out/config.resolved.json out/trace.json; do
  [ -s "$f" ] || { echo "FAIL missing $f"; fail=1; }
done
for key in '"simulated_ms"' '"pcie_to_gpu_bytes"' '"ndp_dram_read_bytes"' '"utilisation"' '"mac_utilisation"'; do
  grep -q "$key" out/stats.json || { echo "FAIL stats.json lacks $key"; fail=1; }
done
# The trace names each policy's process and has NDP and GPU spans.
for key in '"process_name"' '"name":"NDP"' '"name":"GPU fetch"' '"ph":"X"'; do
  grep -q "$key" out/trace.json || { echo "FAIL trace.json lacks $key"; fail=1; }
done
# 3 policies x 4 MoE layers x 1 step, plus the header.
[ "$(wc -l < out/layers.csv)" = 13 ] || { echo "FAIL layers.csv has $(wc -l < out/layers.csv) lines, want 13"; fail=1; }
check oracle 0 "^oracle " -- "$bin" --config tiny.json --policies oracle,cpu
printf '{"model": "nope.json"}' > bad.json
check bad-model 2 "bad.json: key 'model' = \"nope.json\": no such file" -- "$bin" --config bad.json
sed 's/"batch": 16/"batch": 0/' tiny.json > bad_batch.json
check bad-batch 2 "bad_batch.json: key 'run.batch' = 0 is out of range" -- "$bin" --config bad_batch.json
check bad-policy 2 "key 'run.policies' has \"fastest\", which is not one of: monde, " -- "$bin" --config tiny.json --policies fastest
exit $fail
