#!/usr/bin/env bash
# Generic yosys synthesis of the MAC array RTL for `make signoff` (no liberty file is packaged
# in Debian, so cells are yosys's generic gates; area.py weights them). Writes into $1:
#   pe.log, pe_stat.json, pe_ltp.txt      mac_pe flattened (bf16_mul + fp32_add + registers)
#   dq.log, dq_stat.json, dq_ltp.txt      one weight_dequant lane flattened (combinational)
#   array.log, array_stat.json            mac_array 16 x 16, hierarchical
#   shape_check.log                       ROWS = 1 refused at elaboration
# Fails on a check -assert problem (undriven or multiply driven nets, logic loops) or a latch.
# Why hierarchical for the array: `synth -flatten` of the 16 x 16 array does not finish in
# 15 minutes (the share pass); the PE, where the logic depth is, is synthesised flat.
set -euo pipefail
out=$1
rows=${MONDE_SIGNOFF_ROWS:-16}
cols=${MONDE_SIGNOFF_COLS:-16}
mkdir -p "$out"
leaves="rtl/bf16_mul.sv rtl/fp32_add.sv rtl/fp32_to_bf16.sv rtl/weight_dequant.sv"
# Generic latch and set/reset-latch cells; none may appear.
no_latches='select -assert-none t:$_DLATCH* t:$_SR_* t:$dlatch* t:$sr'

yosys -q -l "$out/pe.log" -p "read_verilog -sv $leaves rtl/mac_pe.sv
  synth -flatten -top mac_pe
  check -assert
  $no_latches
  tee -q -o $out/pe_stat.json stat -json
  tee -q -o $out/pe_ltp.txt ltp -noff"

yosys -q -l "$out/dq.log" -p "read_verilog -sv $leaves
  synth -flatten -top weight_dequant
  check -assert
  $no_latches
  tee -q -o $out/dq_stat.json stat -json
  tee -q -o $out/dq_ltp.txt ltp -noff"

yosys -q -l "$out/array.log" -p "read_verilog -sv $leaves rtl/mac_pe.sv rtl/mac_array_ctrl.sv rtl/mac_array.sv
  hierarchy -check -top mac_array -chparam ROWS $rows -chparam COLS $cols
  synth -top mac_array
  check -assert
  $no_latches
  tee -q -o $out/array_stat.json stat -json"

# The parameter check: ROWS = 1 must stop elaboration with the RTL's own message.
if yosys -q -l "$out/shape_check.log" -p "read_verilog -sv $leaves rtl/mac_pe.sv rtl/mac_array_ctrl.sv rtl/mac_array.sv
     hierarchy -check -top mac_array -chparam ROWS 1 -chparam COLS 16" >/dev/null 2>&1; then
  echo "synth: mac_array elaborated with ROWS = 1" >&2
  exit 1
fi
grep -q "ROWS and COLS must both be >= 2" "$out/shape_check.log" || {
  echo "synth: ROWS = 1 failed without the RTL's message (see $out/shape_check.log)" >&2
  exit 1
}
