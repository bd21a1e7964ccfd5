#!/usr/bin/env bash
# Formal checks of `make signoff` with yosys's SAT solver (SymbiYosys/eqy are not packaged in
# Debian). Writes one log per proof into $1 and prints one result line per proof.
#   Equivalence (miter -equiv; sat -prove trigger 0, i.e. for every input): bf16_mul,
#   fp32_to_bf16, fp32_add and the weight dequantiser lane (weight_dequant) against independent
#   references (rtl/formal/ref_*.sv). Each has a negative control: the reference with MUTANT = 1
#   must produce a counterexample.
#   Assertions (sat -tempinduct, k-induction from reset): mac_array_ctrl alone, and mac_array
#   2 x 2 and 4 x 4 with the PEs and the dequantiser lanes cut (their outputs become free inputs:
#   the control properties must hold whatever the data). Negative control: a controller mutated to drain
#   an empty tile must fail its assertions.
# Exit status 1 if a proof fails or a negative control passes.
set -uo pipefail
out=$1
mkdir -p "$out"
status=0
rtl_all="rtl/bf16_mul.sv rtl/fp32_add.sv rtl/fp32_to_bf16.sv rtl/weight_dequant.sv rtl/mac_pe.sv rtl/mac_array_ctrl.sv rtl/mac_array.sv"

# run NAME EXPECT(pass|fail) YOSYS-SCRIPT
run() {
  local name=$1 expect=$2 script=$3 start end got
  start=$(date +%s.%N)
  # A pass needs yosys's own verdict in the log, not just its exit status.
  if timeout "${MONDE_FORMAL_TIMEOUT_S:-900}" yosys -q -l "$out/$name.log" -p "$script" >/dev/null 2>&1 &&
     grep -q "SUCCESS" "$out/$name.log"; then got=pass
  elif grep -q "proof did fail\|model found" "$out/$name.log"; then got=fail
  else got=error; fi
  end=$(date +%s.%N)
  local secs
  secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  if [ "$got" = "$expect" ]; then
    echo "formal: $name: $( [ "$expect" = pass ] && echo proven || echo "counterexample found, as it must" ) (${secs} s)"
  else
    echo "formal: $name: FAILED: expected $expect, got $got (${secs} s, see $out/$name.log)"
    status=1
  fi
}

# equiv NAME DUT REF FILES MUTANT
equiv() {
  run "$1" "$([ "$5" = 0 ] && echo pass || echo fail)" "read_verilog -sv $4 rtl/formal/$3.sv
    chparam -set MUTANT $5 $3
    prep
    miter -equiv -flatten -make_outputs $2 $3 miter
    hierarchy -top miter
    sat -verify -prove trigger 0 -show-inputs miter"
}

equiv equiv_bf16_mul            bf16_mul     ref_bf16_mul     rtl/bf16_mul.sv     0
equiv equiv_bf16_mul_mutant     bf16_mul     ref_bf16_mul     rtl/bf16_mul.sv     1
equiv equiv_fp32_to_bf16        fp32_to_bf16 ref_fp32_to_bf16 rtl/fp32_to_bf16.sv 0
equiv equiv_fp32_to_bf16_mutant fp32_to_bf16 ref_fp32_to_bf16 rtl/fp32_to_bf16.sv 1
equiv equiv_fp32_add            fp32_add     ref_fp32_add     rtl/fp32_add.sv     0
equiv equiv_fp32_add_mutant     fp32_add     ref_fp32_add     rtl/fp32_add.sv     1
# The lane composes the proven leaves with the reference multiplier and converter on the other side.
dq_files="rtl/weight_dequant.sv rtl/bf16_mul.sv rtl/fp32_to_bf16.sv rtl/formal/ref_bf16_mul.sv rtl/formal/ref_fp32_to_bf16.sv"
equiv equiv_weight_dequant        weight_dequant ref_weight_dequant "$dq_files" 0
equiv equiv_weight_dequant_mutant weight_dequant ref_weight_dequant "$dq_files" 1

# k-induction of the immediate assertions, reset in the first step; assume statements
# constrain the inputs. Cover statements are dropped (sat cannot import them).
prove_asserts='chformal -cover -remove
  async2sync
  dffunmap
  sat -tempinduct -prove-asserts -set-assumes -set-at 1 rst_n 0 -seq 1 -maxsteps 16 -verify'

run asserts_mac_array_ctrl pass "read_verilog -sv -formal rtl/mac_array_ctrl.sv
  prep -top mac_array_ctrl
  $prove_asserts"
for n in 2 4; do
  run "asserts_mac_array_${n}x${n}_pes_cut" pass "read_verilog -sv -formal $rtl_all
    hierarchy -top mac_array -chparam ROWS $n -chparam COLS $n
    cutpoint mac_pe
    cutpoint weight_dequant
    prep -top mac_array
    flatten
    $prove_asserts"
done
# Mutant: FLUSH goes to DRAIN even for an empty tile (R = 0).
mutant="$out/mac_array_ctrl_mutant.sv"
sed "s/state <= (drain_rows == '0) ? ACCEPT : DRAIN;/state <= DRAIN;/" rtl/mac_array_ctrl.sv > "$mutant"
if cmp -s "$mutant" rtl/mac_array_ctrl.sv; then
  echo "formal: asserts_mac_array_ctrl_mutant: FAILED: the mutation did not apply"; status=1
else
  run asserts_mac_array_ctrl_mutant fail "read_verilog -sv -formal $mutant
    prep -top mac_array_ctrl
    $prove_asserts"
fi
exit $status
