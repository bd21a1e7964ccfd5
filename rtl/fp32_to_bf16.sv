// fp32_to_bf16: combinational fp32 -> bf16 conversion of the MAC array output path.
//
// Numerics (docs/mac_array.md, `to_bf16`): NaN -> canonical 0x7FC0; subnormal (exp = 0,
// frac != 0) -> zero of the same sign; otherwise round the low 16 bits to nearest, ties to
// even: (x + 0x7FFF + ((x >> 16) & 1)) >> 16. The carry propagates into the exponent, so
// values above the largest finite bf16 round to inf, and inf stays inf.
// Why: out_bf16 must match the golden model bit for bit; this is the same integer formula.
// The arithmetic internals are not traced: they are verified by the differential tests,
// and tracing them multiplies VCD size and build time for no debugging value.
/* verilator tracing_off */
module fp32_to_bf16 (
    input  logic [31:0] x,  // fp32 value
    output logic [15:0] y   // bf16, RNE
);
  logic        is_nan, is_sub;
  logic [31:0] rounded;  // cannot overflow 32 bits: exp <= 0xFF and NaN is handled apart

  assign is_nan  = (x[30:23] == 8'hFF) && (x[22:0] != 23'd0);
  assign is_sub  = (x[30:23] == 8'h00);
  assign rounded = x + 32'h0000_7FFF + {31'd0, x[16]};

  always_comb begin
    if (is_nan) y = 16'h7FC0;
    else if (is_sub) y = {x[31], 15'd0};
    else y = rounded[31:16];
  end

  // The low half of the rounding sum is discarded by design.
  logic unused_low;
  assign unused_low = &{1'b0, rounded[15:0]};

`ifndef SYNTHESIS
  // ---------------------------------------------------------------- cover points
  // Corner cases sign-off must see (see fp32_add.sv for the style), on the rounding path.
  // No subnormal-input cover: the input is an accumulator, which fp32_add never leaves
  // subnormal (the formal equivalence proof covers that branch).
  logic round_path;
  assign round_path = !is_nan && !is_sub;
  always_comb begin
    c_rne_tie_up:      cover (round_path && x[15:0] == 16'h8000 && x[16]);
    c_rne_tie_even:    cover (round_path && x[15:0] == 16'h8000 && !x[16]);
    c_carry_into_exp:  cover (round_path && rounded[30:23] != x[30:23]);
    c_round_to_inf:    cover (round_path && x[30:23] == 8'hFE && rounded[30:23] == 8'hFF);
    c_nan_in:          cover (is_nan);
  end
`endif
endmodule
