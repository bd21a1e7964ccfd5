#!/usr/bin/env bash
# End-to-end checks of `monde-sim mac`: exit codes and messages users rely on.
# Usage: monde_mac_cli.sh <monde-sim binary> <scratch dir>
set -u
here=$(cd "$(dirname "$0")" && pwd)
bin=$1
dir=$2
mkdir -p "$dir"
cd "$dir" || exit 1
source "$here/cli_check.sh"

check gen 0 "wrote 12 tiles" -- "$bin" mac gen --tiles 12 --seed 42 --out gen.vec
check run-rtl 0 "12 tiles, [0-9]+ MACs, 0 mismatches" -- "$bin" mac run gen.vec --pe-model rtl --out rtl.vec
check run-cycle 0 "0 mismatches" -- "$bin" mac run gen.vec --pe-model cycle
# A testbench reads only the experiment's device and demo sections: another key is refused.
check unread-section 2 "^monde-sim: --set run.batch=4: monde-sim mac reads only the experiment's device.\\*, demo.\\* keys; 'run' would do nothing here$" -- "$bin" mac run gen.vec --set run.batch=4
check run-pins 0 "0 mismatches" -- "$bin" mac run gen.vec --pe-model rtl --rtl-drive pins
check rtl-output-is-valid-input 0 "0 mismatches" -- "$bin" mac run rtl.vec --pe-model cycle
check vcd 0 "VCD written to run.vcd" -- "$bin" mac run gen.vec --vcd run.vcd
[ -s run.vcd ] || { echo "FAIL vcd: run.vcd is empty"; fail=1; }

# Quantised B (int8 / int4 codes with per-beat scales) through the RTL's dequantiser lanes and the
# cycle model, against the golden model's expectations; the RTL's output file is a valid input.
check gen-quantised 0 "wrote 9 tiles" -- "$bin" mac gen --tiles 9 --seed 7 --weights int8,int4,bf16 --out q.vec
grep -q "weights=int4" q.vec || { echo "FAIL gen-quantised: no int4 tile in q.vec"; fail=1; }
check run-quantised-rtl 0 "9 tiles, [0-9]+ MACs, 0 mismatches" -- "$bin" mac run q.vec --pe-model rtl --out qrtl.vec
check run-quantised-pins 0 "0 mismatches" -- "$bin" mac run q.vec --pe-model rtl --rtl-drive pins
check run-quantised-cycle 0 "0 mismatches" -- "$bin" mac run qrtl.vec --pe-model cycle
# A hand-worked int8 tile (tests/unit/test_mac_vectors.cpp kInt8: operands 1, -4, 127, -0.5; C = 255, -5).
printf 'tile q rows=1 cols=2 k=2 weights=int8\na\n3F80 4000\nb\n02 FE\n7F 80\nscales\n3F00 4000\n3F80 3B80\nexpect_fp32\n437F0000 C0A00000\nexpect_bf16\n437F C0A0\nexpect_cycles 5\nend\n' > hand_int8.vec
check hand-int8-rtl 0 "0 mismatches" -- "$bin" mac run hand_int8.vec --pe-model rtl
check hand-int8-cycle 0 "0 mismatches" -- "$bin" mac run hand_int8.vec --pe-model cycle
sed 's/^437F0000 C0A00000$/437F0000 C0A80000/' hand_int8.vec > hand_int8_bad.vec
check hand-int8-mismatch 1 "MISMATCH tile 'q' C\[0\]\[1\] fp32: got 0xC0A00000 \(-5\), expected 0xC0A80000 \(-5.25\); inputs A\[0\]\[0..1\] = \[3F80 4000\], B\[0..1\]\[1\] = \[FEx4000=C080 80x3B80=BF00\] \(int8 code x scale = operand\)" -- "$bin" mac run hand_int8_bad.vec --pe-model cycle
check weights-bad 2 "--weights: int2 not in \{bf16,int8,int4\}" -- "$bin" mac gen --weights int2 --out s.vec

# Corrupt one expected value: a mismatch report with index and both values, exit 1.
awk 'BEGIN{d=0} /^expect_fp32/{getline l; sub(/^[0-9A-F]+/, "12345678", l); print; print l; next} {print}' gen.vec > bad.vec
check mismatch 1 "MISMATCH tile 't0' C\[0\]\[0\] fp32: got 0x[0-9A-F]{8} .*, expected 0x12345678" -- "$bin" mac run bad.vec

printf 'tile x rows=2 cols=2 k=1\na\n3F80\n' > broken.vec
check bad-vector 2 "broken.vec:3: section 'a' ends early: expected 2 rows" -- "$bin" mac run broken.vec
{ echo "# 20 rows do not fit a 16-row array"; echo "tile big rows=20 cols=1 k=1"; echo a; for i in $(seq 20); do echo 3F80; done
  echo b; echo 3F80; echo end; } > toobig.vec
check too-big-for-array 2 "toobig.vec:2: tile 'big': rows = 20 is out of range \(allowed 1..16\) for a 16 x 16 array" -- "$bin" mac run toobig.vec
printf '{"model": "mixtral-8x7b-tiny", "device": {"preset": "lpddr5x-8533", "ndp": {"mac_array": {"rows": 0}}}}' > bad.json
check bad-config 2 "bad.json: key 'device.ndp.mac_array.rows' = 0: out of range; allowed 1 .. 256" -- "$bin" mac run gen.vec --config bad.json
check bad-set 2 "^monde-sim: configuration error: --set device.ndp.clock_mhz=0: key 'device.ndp.clock_mhz' = 0: out of range; allowed 1 .. 10000$" -- "$bin" mac run gen.vec --set device.ndp.clock_mhz=0
printf '{"model": "mixtral-8x7b-tiny", "device": {"preset": "lpddr5x-8533", "ndp": {"mac_array": {"rows": 8, "cols": 8}}}}' > small.json
check rtl-shape-mismatch 2 "verilated as a 16 x 16 array" -- "$bin" mac run gen.vec --config small.json
check missing-file 2 "nope.vec: cannot open vector file" -- "$bin" mac run nope.vec
# A file with nothing to run is an error, not "0 tiles, 0 mismatches".
: > empty.vec
printf '# comments only\n\n' > comments.vec
check empty-vectors 2 "empty.vec: no tiles \(empty, or comments only\)" -- "$bin" mac run empty.vec
check comments-only-vectors 2 "comments.vec: no tiles" -- "$bin" mac run comments.vec
check devnull-vectors 2 "/dev/null: no tiles" -- "$bin" mac run /dev/null
mkdir -p vecdir
check directory-vectors 2 "vecdir: is a directory, not a vector file" -- "$bin" mac run vecdir
# Names and sections once: a second tile 't0' or a second 'a' would silently shadow the first.
{ sed -n '/^tile /,/^end/p' gen.vec | sed -n '1,/^end/p'; sed -n '/^tile /,/^end/p' gen.vec | sed -n '1,/^end/p'; } > twice.vec
check duplicate-tile-name 2 "twice.vec:[0-9]+: tile name '[^']+' already used at line [0-9]+" -- "$bin" mac run twice.vec
printf 'tile d rows=1 cols=1 k=1\na\n3F80\na\n3F80\nb\n3F80\nend\n' > twosec.vec
check duplicate-section 2 "twosec.vec:4: section 'a' appears twice in tile 'd'" -- "$bin" mac run twosec.vec
# Seeds and fractions as typed: no wrap-around, no NaN.
check seed-negative 2 "--seed: '-1' is not an integer in 0 \.\. 18446744073709551615" -- "$bin" mac gen --seed -1 --out s.vec
check seed-2-64 2 "--seed: '18446744073709551616' is not an integer" -- "$bin" mac gen --seed 18446744073709551616 --out s.vec
check seed-max 0 "wrote 8 tiles" -- "$bin" mac gen --seed 18446744073709551615 --out s.vec
check special-nan 2 "--special-fraction: 'nan' is not a number in 0 \.\. 1" -- "$bin" mac gen --special-fraction nan --out s.vec
check empty-out 2 "--out: an empty name" -- "$bin" mac gen --out ''
check demo 0 "PASS: RTL and cycle model agree" -- "$bin" mac demo --vcd demo.vcd
# Every signal of the shipped GTKWave view must exist in the VCD the tool writes.
gtkw="$here/../../waveforms/mac_array.gtkw"
awk '/\$scope/{s[++d]=$3} /\$upscope/{d--} /\$var/{n=""; for(i=1;i<=d;i++) n=n s[i] "."; nm=$5; if ($6 ~ /^\[/) nm=nm $6; print n nm} /\$enddefinitions/{exit}' demo.vcd | sort -u > vcd_signals.txt
missing=0
while read -r sig; do
  grep -qxF -- "$sig" vcd_signals.txt || { echo "FAIL gtkw: $sig is not in the VCD"; missing=1; fail=1; }
done < <(grep -E '^mac_array\.' "$gtkw")
[ $missing = 0 ] && echo "ok   gtkw-signals ($(grep -cE '^mac_array\.' "$gtkw") signals found in the VCD)"
check config 0 "\"pe_model\": \"rtl\"" -- "$bin" mac config
exit $fail
