#!/usr/bin/env bash
# run.ndp_block_runs (tlm/ndp/ndp_unit.hpp): with data: timing_only and the bandwidth DRAM the NDP
# units run a fetch's token blocks in runs, one event per run, posting each block's write-back
# ahead at its end time. That is exact: every point below runs twice, with the runs (the default)
# and block by block (run.ndp_block_runs=false), and stats.json, layers.csv and trace.json must be
# byte-identical. The points cover the NDP paths a run can meet: prefill (many blocks per fetch)
# and decode, NDP alone and beside the GPU's fetches on the same DRAM (monde), SiLU-gated and
# ReLU experts, int4 weights (codes and scales fetched), an output buffer of one block (every
# block waits for the previous write: the runs fall back to one block), several devices with
# the split. Usage: ndp_block_runs.sh <monde-sim binary> <scratch dir>
set -u
here=$(cd "$(dirname "$0")" && pwd)
bin=$1
dir=$2
rm -rf "$dir" && mkdir -p "$dir" && cd "$dir" || exit 1
source "$here/cli_check.sh"

point() {
  local name=$1
  shift
  check "$name-runs" 0 "" -- "$bin" run --quiet --jobs 1 "$@" --out "$name-runs"
  check "$name-blocks" 0 "" -- "$bin" run --quiet --jobs 1 "$@" --set run.ndp_block_runs=false --out "$name-blocks"
  for f in stats.json layers.csv trace.json; do
    if cmp -s "$name-runs/$f" "$name-blocks/$f"; then
      echo "ok   $name $f identical"
    else
      echo "FAIL $name: $f differs between block runs and block by block"
      fail=1
    fi
  done
}

prefill=(--phase prefill --batch 32 --prompt-tokens 8)
point mixtral-prefill --model mixtral-8x7b "${prefill[@]}" --policies monde,ndp_only
point deepseek-decode --model deepseek-v2-lite --phase decode --batch 256 --policies monde,ndp_only \
  --set routing.source=zipf
point switch-prefill --model switch-base-128 "${prefill[@]}" --policies ndp_only --set routing.source=zipf
point int4-prefill --model mixtral-8x7b "${prefill[@]}" --policies monde,ndp_only \
  --set device.ndp.expert_weight_format=int4 --set device.ndp.expert_weight_group=128
point one-block-buffer --model mixtral-8x7b "${prefill[@]}" --policies ndp_only --set device.ndp.out_buffer_bytes=1024
point split-prefill --model mixtral-8x7b "${prefill[@]}" --policies monde,ndp_only --set devices.count=2 \
  --set devices.split=always

# The key is checked: a non-boolean value exits 2 naming it.
check bad-value 2 "run.ndp_block_runs" -- "$bin" validate --set run.ndp_block_runs=3
exit $fail
