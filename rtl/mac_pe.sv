// mac_pe: one processing element of the MAC array (output-stationary, one C[r][c]).
//
// Pipeline (docs/mac_array.md, "Cycle contract"): the array registers an accepted beat in
// the shared stage-1 registers (one bf16 of A per row, one bf16 of B per column) at edge t;
// this PE registers the exact product mul(a, b) at edge t+1 (stage 2) and updates its
// accumulator at edge t+2:  acc <= add(first ? +0 : acc, product).
// Numerics: bf16_mul (exact) and fp32_add (RNE, flush-to-zero) from the same document.
// The enables carry the beat's valid bit and the PE's row/column mask, so a masked PE (or a
// bubble) holds its accumulator. Synchronous active-low reset clears the accumulator to +0.
module mac_pe (
    input  logic        clk,
    input  logic        rst_n,
    input  logic [15:0] a,          // stage-1 A element of this PE's row (bf16)
    input  logic [15:0] b,          // stage-1 B element of this PE's column (bf16)
    input  logic        prod_en,    // stage-1 beat is valid and this PE is inside its mask
    input  logic        acc_en,     // stage-2 beat is valid and this PE is inside its mask
    input  logic        acc_first,  // stage-2 beat starts a new sum: add to +0
    output logic [31:0] acc         // accumulator (fp32)
);
  logic [31:0] prod_d, prod_q;  // product, stage 2
  logic [31:0] addend, sum;

  bf16_mul u_mul (
      .a(a),
      .b(b),
      .p(prod_d)
  );

  always_ff @(posedge clk) begin
    if (prod_en) prod_q <= prod_d;
  end

  assign addend = acc_first ? 32'd0 : acc;

  fp32_add u_add (
      .x(addend),
      .y(prod_q),
      .z(sum)
  );

  always_ff @(posedge clk) begin
    if (!rst_n) acc <= 32'd0;
    else if (acc_en) acc <= sum;
  end
endmodule
