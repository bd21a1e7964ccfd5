// ref_bf16_mul: reference bf16 x bf16 -> fp32 multiplier, written for the equivalence proof
// in `make signoff` (rtl/formal/equiv.sh), not used by the design.
// Why a second multiplier: a proof against the RTL itself would prove nothing. This one is
// written from docs/mac_array.md (`mul`) in a different shape: operands are classified into
// an enumerated class first, the special cases come from a class-pair table, the significand
// product is a shift-and-add loop, and the exponent is plain signed integer arithmetic.
// MUTANT = 1 is the negative control: inf x 0 gives +inf instead of NaN, so its proof must fail.
module ref_bf16_mul #(
    parameter bit MUTANT = 1'b0
) (
    input  logic [15:0] a,
    input  logic [15:0] b,
    output logic [31:0] p
);
  // Operand classes.
  localparam logic [1:0] CZERO = 2'd0;  // zero, or subnormal (flushed)
  localparam logic [1:0] CNORM = 2'd1;
  localparam logic [1:0] CINF = 2'd2;
  localparam logic [1:0] CNAN = 2'd3;

  function automatic [1:0] classify(input [14:0] v);  // magnitude bits
    if (v[14:7] == 8'd0) classify = CZERO;
    else if (v[14:7] != 8'd255) classify = CNORM;
    else classify = (v[6:0] == 7'd0) ? CINF : CNAN;
  endfunction

  logic [1:0]  ca, cb;
  logic        s;
  logic [15:0] m;      // exact product of the two 8-bit significands
  logic signed [11:0] e;  // biased exponent of the result if the product is in [1, 2)

  assign ca = classify(a[14:0]);
  assign cb = classify(b[14:0]);
  assign s  = a[15] ^ b[15];

  logic [7:0] ma, mb;  // significands with the hidden bit
  assign ma = {1'b1, a[6:0]};
  assign mb = {1'b1, b[6:0]};
  always_comb begin
    m = 16'd0;
    for (int i = 0; i < 8; i++) begin
      if (mb[i]) m = m + (16'(ma) << i);
    end
  end

  always_comb begin
    e = $signed({4'd0, a[14:7]}) + $signed({4'd0, b[14:7]}) - 12'sd127;
    p = {s, 31'd0};
    if (ca == CNAN || cb == CNAN) p = 32'h7FC0_0000;
    else if ((ca == CINF && cb == CZERO) || (ca == CZERO && cb == CINF))
      p = MUTANT ? 32'h7F80_0000 : 32'h7FC0_0000;
    else if (ca == CINF || cb == CINF) p = {s, 8'd255, 23'd0};
    else if (ca == CZERO || cb == CZERO) p = {s, 31'd0};
    else if (m[15]) begin  // product in [2, 4): leading bit at 15
      if (e + 12'sd1 >= 12'sd255) p = {s, 8'd255, 23'd0};
      else if (e + 12'sd1 <= 12'sd0) p = {s, 31'd0};
      else p = {s, 8'(e + 12'sd1), m[14:0], 8'd0};
    end else begin         // product in [1, 2): leading bit at 14
      if (e >= 12'sd255) p = {s, 8'd255, 23'd0};
      else if (e <= 12'sd0) p = {s, 31'd0};
      else p = {s, e[7:0], m[13:0], 9'd0};
    end
  end
endmodule
