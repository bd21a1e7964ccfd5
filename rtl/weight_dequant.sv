// weight_dequant: one column lane of the MAC array's weight dequantiser (docs/mac_array.md,
// "Quantised weights"): turns this column's B element of a beat into the bf16 operand the PEs
// multiply.
//   fmt 0 (bf16):  y = w_bf16                                   (pass-through)
//   fmt 1 (int8):  y = to_bf16(mul(int_to_bf16(q8), scale))     q8 two's complement, -128 .. 127
//   fmt 2 (int4):  y = to_bf16(mul(int_to_bf16(q4), scale))     q4 two's complement, -8 .. 7
// (fmt 3 is reserved; mac_array assumes it is never accepted, and it decodes as int4 here.)
// int_to_bf16 is exact: |q| <= 128 has at most 8 significant bits. The product is bf16_mul
// (exact, flush, NaN/inf rules) and the rounding fp32_to_bf16 (RNE), the same instances the
// array already proves, so every special scale (NaN, inf, zero, subnormal) and the overflow to
// inf follow the contract with no logic of their own here.
// Why in front of the array: the PEs, the pipeline and the cycle formula stay those of a bf16
// beat (see the document for the alternative and its cost).
// The arithmetic internals are not traced, like the other leaves.
/* verilator tracing_off */
module weight_dequant (
    input  logic [1:0]  fmt,     // 0 bf16, 1 int8, 2 int4
    input  logic [15:0] w_bf16,  // this column's bits of a bf16 beat
    input  logic [7:0]  q8,      // this column's bits of an int8 beat
    input  logic [3:0]  q4,      // this column's bits of an int4 beat
    input  logic [15:0] scale,   // bf16 scale of this column's group (int formats)
    output logic [15:0] y        // bf16 MAC operand
);
  localparam logic [1:0] FmtBf16 = 2'd0;
  localparam logic [1:0] FmtInt8 = 2'd1;

  // ---------------------------------------------------------------- code -> exact bf16
  logic [7:0] q;      // the code as an 8-bit two's complement integer
  logic [7:0] mag;    // |q|, 0 .. 128 (128 = 8'h80 as unsigned)
  logic [2:0] top;    // position of the leading one of mag
  logic [7:0] norm;   // mag << (7 - top): leading one at bit 7
  logic [15:0] q_bf16;

  assign q   = (fmt == FmtInt8) ? q8 : {{4{q4[3]}}, q4};
  assign mag = q[7] ? (~q + 8'd1) : q;

  always_comb begin
    top = 3'd0;
    for (int i = 0; i < 8; i++) begin
      if (mag[i]) top = 3'(i);
    end
  end

  assign norm   = mag << (3'd7 - top);
  assign q_bf16 = (mag == 8'd0) ? 16'h0000 : {q[7], 8'd127 + {5'd0, top}, norm[6:0]};

  // ---------------------------------------------------------------- x scale, RNE to bf16
  logic [31:0] prod;
  logic [15:0] rounded;

  bf16_mul u_mul (
      .a(q_bf16),
      .b(scale),
      .p(prod)
  );

  fp32_to_bf16 u_round (
      .x(prod),
      .y(rounded)
  );

  assign y = (fmt == FmtBf16) ? w_bf16 : rounded;

  // norm[7] is the leading one, implied by the exponent.
  logic unused_lead;
  assign unused_lead = &{1'b0, norm[7]};

`ifndef SYNTHESIS
  // ---------------------------------------------------------------- cover points
  // The cases of the rule's table that sign-off must see reach y (see fp32_add.sv for the style).
  logic int_path;
  assign int_path = (fmt != FmtBf16);
  always_comb begin
    c_int8_min:      cover (fmt == FmtInt8 && q8 == 8'h80);
    c_int4_min:      cover (fmt == 2'd2 && q4 == 4'h8);
    c_int8_max:      cover (fmt == FmtInt8 && q8 == 8'h7F);
    c_zero_code:     cover (int_path && mag == 8'd0);
    c_scale_nan:     cover (int_path && scale[14:7] == 8'hFF && scale[6:0] != 7'd0);
    c_scale_inf:     cover (int_path && scale[14:7] == 8'hFF && scale[6:0] == 7'd0 && mag != 8'd0);
    c_scale_sub:     cover (int_path && scale[14:7] == 8'h00 && scale[6:0] != 7'd0);
    c_product_inf:   cover (int_path && scale[14:7] != 8'hFF && prod[30:23] == 8'hFF);
    c_round_to_inf:  cover (int_path && prod[30:23] == 8'hFE && rounded[14:7] == 8'hFF);
    c_round_inexact: cover (int_path && prod[30:23] != 8'hFF && prod[15:0] != 16'd0);
    c_bf16_pass:     cover (fmt == FmtBf16);
  end
`endif
endmodule
