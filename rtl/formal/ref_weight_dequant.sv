// ref_weight_dequant: reference of one weight dequantiser lane for the equivalence proof in
// `make signoff` (scripts/signoff/formal.sh), not used by the design.
// Why a second lane: a proof against the RTL itself would prove nothing. This one is written from
// docs/mac_array.md ("Quantised weights") in a different shape: the code's value is a signed
// integer, its bf16 comes from an explicit range chain (|q| in [2^i, 2^(i+1)) gives exponent
// 127 + i and fraction (|q| - 2^i) << (7 - i)), and the product and rounding are the independent
// reference multiplier and converter. fmt 3 (reserved) decodes as int4, as the RTL documents.
// MUTANT = 1 is the negative control: the int4 code is read without sign extension, so its
// proof must fail.
module ref_weight_dequant #(
    parameter bit MUTANT = 1'b0
) (
    input  logic [1:0]  fmt,
    input  logic [15:0] w_bf16,
    input  logic [7:0]  q8,
    input  logic [3:0]  q4,
    input  logic [15:0] scale,
    output logic [15:0] y
);
  logic signed [9:0] v;      // the code's integer value
  logic [8:0]        a;      // |v|
  logic [15:0]       qb;     // exact bf16 of v
  logic [31:0]       p;
  logic [15:0]       r;

  always_comb begin
    if (fmt == 2'd1) v = 10'($signed(q8));
    else if (MUTANT) v = $signed({6'd0, q4});
    else v = 10'($signed(q4));
    a = 9'(v < 0 ? -v : v);
    qb = 16'h0000;
    for (int i = 0; i < 8; i++) begin
      if (a >= 9'(1 << i) && a < 9'(2 << i)) qb = {v < 0, 8'(127 + i), 7'((a - 9'(1 << i)) << (7 - i))};
    end
  end

  ref_bf16_mul u_mul (
      .a(qb),
      .b(scale),
      .p(p)
  );

  ref_fp32_to_bf16 u_rnd (
      .x(p),
      .y(r)
  );

  assign y = (fmt == 2'd0) ? w_bf16 : r;
endmodule
