// ref_fp32_to_bf16: reference fp32 -> bf16 (RNE) converter for the equivalence proof in
// `make signoff` (rtl/formal/equiv.sh), not used by the design.
// Why a second converter: the RTL adds 0x7FFF + lsb and keeps the top half; this one keeps
// the top half and decides the rounding explicitly from the dropped half (above half way, or
// exactly half way with an odd kept LSB), written from docs/mac_array.md (`to_bf16`).
// MUTANT = 1 is the negative control: ties round away from zero, so its proof must fail.
module ref_fp32_to_bf16 #(
    parameter bit MUTANT = 1'b0
) (
    input  logic [31:0] x,
    output logic [15:0] y
);
  logic [15:0] kept, dropped;
  logic        up;

  assign kept    = x[31:16];
  assign dropped = x[15:0];

  always_comb begin
    if (dropped > 16'h8000) up = 1'b1;
    else if (dropped == 16'h8000) up = MUTANT ? 1'b1 : kept[0];
    else up = 1'b0;
  end

  always_comb begin
    if (x[30:23] == 8'hFF && x[22:0] != 23'd0) y = 16'h7FC0;  // NaN
    else if (x[30:23] == 8'h00) y = {x[31], 15'd0};          // zero or subnormal (flushed)
    else y = kept + 16'(up);  // a carry moves into the exponent; the largest values reach inf
  end
endmodule
