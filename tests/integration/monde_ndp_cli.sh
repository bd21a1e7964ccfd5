#!/usr/bin/env bash
# End-to-end checks of `monde-sim ndp`: whole expert jobs through the device (driver, rings, DMA,
# NDP units) in rtl and cycle, exit codes and the messages users rely on.
# Usage: monde_ndp_cli.sh <monde-sim binary> <scratch dir>
set -u
here=$(cd "$(dirname "$0")" && pwd)
bin=$1
dir=$2
mkdir -p "$dir"
cd "$dir" || exit 1
source "$here/cli_check.sh"

# Six jobs: bf16, int8, int4 weights (in turn) with relu, then silu_gated: every combination.
check gen 0 "wrote 6 jobs to gen.ndp" -- "$bin" ndp gen --jobs 6 --seed 42 --out gen.ndp
check run-rtl 0 "6 jobs, 0 mismatches" -- "$bin" ndp run gen.ndp --pe-model rtl --out rtl.ndp
# Exit 0 means every expectation met; the table names each job's format and completion.
check run-cycle 0 "j5 +[0-9]+ +[0-9]+ +[0-9]+ +silu_gated +int4/g[0-9]+ +ok" -- "$bin" ndp run gen.ndp --pe-model cycle --out cycle.ndp
# rtl and cycle wrote the same results (the files differ only in their first, comment line).
cmp -s <(tail -n +2 rtl.ndp) <(tail -n +2 cycle.ndp) && echo "ok   rtl-equals-cycle" || { echo "FAIL rtl-equals-cycle: rtl.ndp and cycle.ndp differ"; fail=1; }
check rtl-output-is-valid-input 0 "6 jobs, 0 mismatches" -- "$bin" ndp run rtl.ndp --pe-model cycle
# The testbench reads only the experiment's device section: a fault or a device count is refused.
check unread-section 2 "^monde-sim: --set faults.device=1: monde-sim ndp reads only the experiment's device.\\* keys; 'faults' would do nothing here$" -- "$bin" ndp run gen.ndp --set faults.device=1
grep -q "^expect_completion ok$" rtl.ndp || { echo "FAIL rtl-output: no expect_completion in rtl.ndp"; fail=1; }
check gen-seeded 0 "wrote 6 jobs" -- "$bin" ndp gen --jobs 6 --seed 42 --out gen2.ndp
cmp -s gen.ndp gen2.ndp && echo "ok   gen-deterministic" || { echo "FAIL gen-deterministic: same seed, different files"; fail=1; }

# A hand-derived job: x, w_up, w_down all 1.0 (0x3F80), d_model = d_ff = 32, relu:
# h = 32 x 1.0 = 32 (0x4200) in every column, y = 32 x 32 = 1024 (0x4480). Column 5's expected y
# is edited to 512 (0x4400): exactly one mismatch, exit 1.
row() { local w=$1 n=$2 s=""; for _ in $(seq "$n"); do s="$s $w"; done; echo "${s# }"; }
ones_job() {  # NAME, expected y of column 5
  echo "job $1 tokens=1 d_model=32 d_ff=32 activation=relu weights=bf16"
  echo x; row 3F80 32
  echo w_up; for _ in $(seq 32); do row 3F80 32; done
  echo w_down; for _ in $(seq 32); do row 3F80 32; done
  echo expect_h; row 4200 32
  echo expect_y; echo "$(row 4480 5) $2 $(row 4480 26)"
  echo end
}
ones_job ones 4480 > ones.ndp
check hand-job 0 "1 jobs, 0 mismatches" -- "$bin" ndp run ones.ndp --pe-model cycle
ones_job ones 4400 > ones_bad.ndp
check mismatch 1 "^MISMATCH job 'ones' y\[token 0\]\[column 5\]: got 0x4480 \(1024\), expected 0x4400 \(512\); inputs h\[0\]\[0\.\.31\] = \[4200 4200 4200 4200 4200 4200 4200 4200 \.\.\.\] \(as the device wrote it\), w_down\[5\]\[0\.\.31\] = \[3F80 3F80 3F80 3F80 3F80 3F80 3F80 3F80 \.\.\.\]$" -- "$bin" ndp run ones_bad.ndp --pe-model rtl

# Expected error completions: an invalid dtype and a nonzero reserved field, set in the
# descriptor the driver writes; the device completes each with its code and runs the next job.
{ ones_job ones 4480 | sed -e 's/^job ones /job bad_dtype /' -e '/^expect_[hy]$/,/^end$/{/^end$/!d}' | sed 's/^end$/descriptor dtype=9\nexpect_completion bad_dtype\nend/'
  ones_job ones 4480 | sed -e 's/^job ones /job reserved /' -e '/^expect_[hy]$/,/^end$/{/^end$/!d}' | sed 's/^end$/descriptor reserved_22=1\nexpect_completion reserved_nonzero\nend/'
  ones_job after 4480; } > errors.ndp
check expected-errors 0 "bad_dtype +[0-9.]+ +0" -- "$bin" ndp run errors.ndp --pe-model cycle --out errors_out.ndp
grep -q "^expect_completion reserved_nonzero$" errors_out.ndp || { echo "FAIL errors-out: code not written"; fail=1; }
check errors-output-is-valid-input 0 "3 jobs, 0 mismatches" -- "$bin" ndp run errors_out.ndp --pe-model rtl
# The address checks and the flag bits from a vector file: x moved off its 64-byte alignment
# (misaligned_address), w_up moved 1 TiB past the driver's (address_out_of_range on any device
# of this size), y moved onto x (the driver allocates x, then y, each a 4 KiB page: overlap), an
# undefined flag bit (reserved_nonzero); the job after them runs and matches.
{ for e in "misaligned x_addr+=2 misaligned_address" "outside w_up+=1099511627776 address_out_of_range" \
           "onto_x y_addr-=4096 overlap" "flag flags=2 reserved_nonzero"; do
    set -- $e
    ones_job ones 4480 | sed -e "s/^job ones /job $1 /" -e '/^expect_[hy]$/,/^end$/{/^end$/!d}' | sed "s/^end$/descriptor $2\nexpect_completion $3\nend/"
  done
  ones_job after 4480; } > address_errors.ndp
check address-errors 0 "5 jobs, 0 mismatches" -- "$bin" ndp run address_errors.ndp --pe-model cycle --out address_out.ndp
grep -q "^descriptor y_addr-=4096$" address_out.ndp || { echo "FAIL address-out: the offset edit was not written back"; fail=1; }
check address-errors-output-is-valid-input 0 "5 jobs, 0 mismatches" -- "$bin" ndp run address_out.ndp --pe-model cycle
# An error the file did not expect: opcode 7 with no expect_completion (= ok).
ones_job ones 4480 | sed -e '/^expect_[hy]$/,/^end$/{/^end$/!d}' | sed 's/^end$/descriptor opcode=7\nend/' > opcode.ndp
check unexpected-error 1 "^MISMATCH job 'ones' completion: got bad_opcode \(1\), expected ok \(0\)$" -- "$bin" ndp run opcode.ndp --pe-model cycle

# Bad input: file:line and what is allowed, exit 2, before anything is simulated.
printf 'job b tokens=1 d_model=32 d_ff=32 activation=relu weights=bf16\nx\n3F80\n' > short.ndp
check short-row 2 "short.ndp:3: section 'x' row 0 has 1 words, expected 32" -- "$bin" ndp run short.ndp
printf '# a comment\njob b tokens=1 d_model=32 d_ff=32 activation=relu weights=fp8\n' > fmt.ndp
check bad-format 2 "fmt.ndp:2: weights = 'fp8'; allowed bf16, int8, int4" -- "$bin" ndp run fmt.ndp
printf 'job b tokens=1 d_model=32 d_ff=64 activation=relu weights=int4 group=64\n' > group.ndp
check bad-group 2 "group.ndp:1: group = 64 does not divide d_model 32 and d_ff 64" -- "$bin" ndp run group.ndp
printf 'job b tokens=1 d_model=32 d_ff=32 activation=swish weights=bf16\n' > act.ndp
check bad-activation 2 "act.ndp:1: activation = 'swish'; allowed relu, silu_gated" -- "$bin" ndp run act.ndp
awk '/^job j1 /{f=1} f&&/^w_up$/{print; getline; sub(/^[0-9A-F]+/, "1FF"); print; f=0; next} {print}' gen.ndp > code.ndp
check bad-int8-code 2 "code.ndp:[0-9]+: '1FF' is not an int8 code hex word; expected 1\.\.2 hex digits" -- "$bin" ndp run code.ndp
ones_job ones 4480 | sed 's/^end$/expect_completion bad_thing\nend/' > code_name.ndp
check bad-completion-name 2 "code_name.ndp:74: expect_completion 'bad_thing' is not a completion code \(allowed: ok, bad_opcode, " -- "$bin" ndp run code_name.ndp
ones_job ones 4480 | sed 's/^end$/descriptor job_tag=0\nend/' > field.ndp
check bad-descriptor-field 2 "field.ndp:74: unknown descriptor field 'job_tag' \(allowed: opcode, dtype, activation, flags, group_size, reserved_22, d_model, d_ff, tokens, w_up, w_gate, w_down, x_addr, y_addr, h_scratch_addr, s_up, s_gate, s_down\)" -- "$bin" ndp run field.ndp
ones_job ones 4480 | sed -e '/^expect_[hy]$/,/^end$/{/^end$/!d}' | sed 's/^end$/descriptor x_addr+=64\nend/' > addr_ok.ndp
check address-edit-needs-an-error 2 "addr_ok.ndp:[0-9]+: job 'ones' edits address x_addr but expects completion ok; address edits need a validation error" -- "$bin" ndp run addr_ok.ndp
ones_job ones 4480 | sed 's/^end$/expect_completion bad_dtype\nend/' > results_and_error.ndp
check error-with-results 2 "results_and_error.ndp:75: job 'ones' expects completion bad_dtype and results; a failed job writes no h or y" -- "$bin" ndp run results_and_error.ndp
{ echo "job odd tokens=1 d_model=48 d_ff=32 activation=relu weights=bf16"; echo x; row 3F80 48
  echo w_up; for _ in $(seq 32); do row 3F80 48; done; echo w_down; for _ in $(seq 48); do row 3F80 32; done; echo end; } > odd.ndp
check misaligned-dim 2 "odd.ndp:1: job 'odd': d_model = 48 does not fit the device; allowed multiples of 32 up to 8192 \(device.ndp\)$" -- "$bin" ndp run odd.ndp
# ... unless the file expects the device to refuse it.
sed 's/^end$/expect_completion dim_misaligned\nend/' odd.ndp > odd_expected.ndp
check misaligned-dim-expected 0 "dim_misaligned .* 0$" -- "$bin" ndp run odd_expected.ndp --pe-model cycle
{ cat ones.ndp; cat ones.ndp; } > twice.ndp
check duplicate-job 2 "twice.ndp:75: job name 'ones' already used at line 1" -- "$bin" ndp run twice.ndp
: > empty.ndp
check empty 2 "empty.ndp: no jobs \(empty, or comments only\)" -- "$bin" ndp run empty.ndp
check missing-file 2 "nope.ndp: cannot open vector file" -- "$bin" ndp run nope.ndp
check bad-pe-model 2 "--pe-model: verilog not in \{rtl,cycle\}" -- "$bin" ndp run gen.ndp --pe-model verilog
check bad-gen-weights 2 "--weights: fp8 not in \{bf16,int8,int4\}" -- "$bin" ndp gen --weights fp8 --out x.ndp
check bad-seed 2 "--seed: '-1' is not an integer" -- "$bin" ndp gen --seed -1 --out x.ndp
exit $fail
