// bf16_mul: combinational bf16 x bf16 -> fp32 multiplier of the MAC array PE.
//
// Numerics (docs/mac_array.md, `mul`): the product of two bf16 values is exact in fp32
// (8-bit x 8-bit significands give 16 significant bits, which fit in 24), so there is no
// rounding. Rules, in priority order:
//   - subnormal inputs are flushed to zero of the same sign;
//   - NaN input, or inf x 0 (either order) -> canonical NaN 0x7FC00000;
//   - inf x (inf or nonzero finite) -> inf with sign sa^sb;  0 x finite -> zero, sign sa^sb;
//   - normal x normal: p = (0x80|fa) * (0x80|fb) in [2^14, 2^16), biased exponent
//     ea + eb - 127 (+1 when p >= 2^15); >= 255 -> inf, <= 0 -> zero (sign sa^sb).
// Why: the golden model and the cycle model implement the same integer rules, and the RTL is
// compared against them bit for bit, so nothing here may depend on IEEE subnormal handling.
// The arithmetic internals are not traced: they are verified by the differential tests,
// and tracing them multiplies VCD size and build time for no debugging value.
/* verilator tracing_off */
module bf16_mul (
    input  logic [15:0] a,  // bf16 operand
    input  logic [15:0] b,  // bf16 operand
    output logic [31:0] p   // exact fp32 product
);
  localparam logic [31:0] CanonNan = 32'h7FC0_0000;

  logic       sa, sb, sp;
  logic [7:0] ea, eb;
  logic [6:0] fa, fb;
  logic       a_zero, b_zero, a_inf, b_inf, a_nan, b_nan;

  logic [15:0] prod;     // (1.fa) * (1.fb), in [2^14, 2^16)
  logic [9:0]  e_biased; // signed biased exponent of the normal x normal product
  logic [22:0] frac;

  assign {sa, ea, fa} = a;
  assign {sb, eb, fb} = b;
  assign sp = sa ^ sb;

  assign a_zero = (ea == 8'h00);  // zero or subnormal (flushed)
  assign b_zero = (eb == 8'h00);
  assign a_inf  = (ea == 8'hFF) && (fa == 7'h00);
  assign b_inf  = (eb == 8'hFF) && (fb == 7'h00);
  assign a_nan  = (ea == 8'hFF) && (fa != 7'h00);
  assign b_nan  = (eb == 8'hFF) && (fb != 7'h00);

  assign prod     = {8'h00, 1'b1, fa} * {8'h00, 1'b1, fb};
  assign e_biased = {2'b00, ea} + {2'b00, eb} - 10'd127 + {9'd0, prod[15]};
  // Normalise: the leading one is at bit 15 or bit 14; the bits below it are the fraction.
  assign frac     = prod[15] ? {prod[14:0], 8'h00} : {prod[13:0], 9'h000};

  always_comb begin
    if (a_nan || b_nan) begin
      p = CanonNan;
    end else if ((a_inf && b_zero) || (a_zero && b_inf)) begin
      p = CanonNan;
    end else if (a_inf || b_inf) begin
      p = {sp, 8'hFF, 23'd0};
    end else if (a_zero || b_zero) begin
      p = {sp, 31'd0};
    end else if (!e_biased[9] && (e_biased[8:0] >= 9'd255)) begin
      p = {sp, 8'hFF, 23'd0};  // overflow -> inf
    end else if (e_biased[9] || (e_biased == 10'd0)) begin
      p = {sp, 31'd0};         // below 2^-126 -> flushed to signed zero
    end else begin
      p = {sp, e_biased[7:0], frac};
    end
  end

`ifndef SYNTHESIS
  // ---------------------------------------------------------------- cover points
  // Corner cases sign-off must see (see fp32_add.sv for the style), on the normal x normal
  // path unless the case is about special operands.
  logic normal_path;
  assign normal_path = !a_zero && !b_zero && (ea != 8'hFF) && (eb != 8'hFF);
  always_comb begin
    c_overflow_inf:   cover (normal_path && !e_biased[9] && e_biased[8:0] >= 9'd255);
    c_result_flushed: cover (normal_path && (e_biased[9] || e_biased == 10'd0));
    c_subnormal_in:   cover ((ea == 8'h00 && fa != 7'h00) || (eb == 8'h00 && fb != 7'h00));
    c_inf_times_zero: cover ((a_inf && b_zero) || (a_zero && b_inf));
    c_nan_in:         cover (a_nan || b_nan);
  end
`endif
endmodule
