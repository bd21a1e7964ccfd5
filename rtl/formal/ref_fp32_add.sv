// ref_fp32_add: reference fp32 + fp32 adder (RNE, flush-to-zero) for the equivalence proof
// in `make signoff` (rtl/formal/equiv.sh), not used by the design.
// Why a second adder: the RTL aligns into a 27-bit field with the shifted-out bits jammed
// into its LSB (round to odd) and rounds at bit 3. This one is written from docs/mac_array.md
// (`add`) the textbook way instead: a 51-bit window (24-bit significand + 26 exact extra
// bits + 1 sticky position, so alignments of up to 26 places are exact), the lost bits found
// with a double-width shift, the leading one found by a scan, and the guard and sticky bits
// taken after normalisation.
// MUTANT = 1 is the negative control: ties round away from zero, so its proof must fail.
module ref_fp32_add #(
    parameter bit MUTANT = 1'b0
) (
    input  logic [31:0] x,
    input  logic [31:0] y,
    output logic [31:0] z
);
  localparam int W = 51;  // window: leading 1 of the larger operand at bit W-1

  logic x_zero, y_zero, x_inf, y_inf, x_nan, y_nan;
  assign x_zero = x[30:23] == 8'd0;  // zero or subnormal (flushed)
  assign y_zero = y[30:23] == 8'd0;
  assign x_inf  = x[30:23] == 8'd255 && x[22:0] == 23'd0;
  assign y_inf  = y[30:23] == 8'd255 && y[22:0] == 23'd0;
  assign x_nan  = x[30:23] == 8'd255 && x[22:0] != 23'd0;
  assign y_nan  = y[30:23] == 8'd255 && y[22:0] != 23'd0;

  // Larger magnitude first: compare exponents, then significands.
  logic        swap;
  logic [31:0] hi;  // larger magnitude
  logic [30:0] lo;  // smaller magnitude (signs enter through x[31] ^ y[31])
  assign swap  = (y[30:23] > x[30:23]) || (y[30:23] == x[30:23] && y[22:0] > x[22:0]);
  assign hi    = swap ? y : x;
  assign lo    = swap ? x[30:0] : y[30:0];

  logic [7:0]       d;
  logic [5:0]       dc;                // d clamped: from W + 1 on, everything is lost
  logic [2*W-1:0]   wide;              // {aligned lo, bits shifted out}
  logic [W-1:0]     mb, ms;
  logic             lost;
  assign d    = hi[30:23] - lo[30:23];
  assign dc   = (d > 8'd52) ? 6'd52 : d[5:0];
  assign wide = {1'b1, lo[22:0], {(2 * W - 24) {1'b0}}} >> dc;
  assign lost = |wide[W-1:0];
  assign mb   = {1'b1, hi[22:0], {(W - 24) {1'b0}}};
  assign ms   = wide[2*W-1:W] | {{(W - 1) {1'b0}}, lost};

  logic [W:0] r;  // exact (up to the sticky position) sum or difference, >= 0
  assign r = (x[31] == y[31]) ? {1'b0, mb} + {1'b0, ms} : {1'b0, mb} - {1'b0, ms};

  // Normalise: leading one to bit W, exponent of that bit = hi exponent + 1 - shift.
  logic [5:0]  sh;
  logic [W:0]  n;
  always_comb begin
    sh = 6'd0;
    for (int i = 0; i <= W; i++) begin
      if (r[i]) sh = 6'(W - i);
    end
  end
  assign n = r << sh;

  logic signed [10:0] e_pre, e_out;
  logic [23:0]        kept;
  logic               guard, sticky, up;
  logic [24:0]        m;
  assign e_pre  = $signed({3'd0, hi[30:23]}) + 11'sd1 - $signed({5'd0, sh});
  assign kept   = n[W:W-23];
  assign guard  = n[W-24];
  assign sticky = |n[W-25:0];
  assign up     = guard && (sticky || kept[0] || MUTANT);
  assign m      = {1'b0, kept} + {24'd0, up};
  assign e_out  = m[24] ? e_pre + 11'sd1 : e_pre;
  logic unused_hidden;  // m[23] is the hidden bit, implied by the exponent
  assign unused_hidden = &{1'b0, m[23]};

  always_comb begin
    if (x_nan || y_nan) z = 32'h7FC0_0000;
    else if (x_inf && y_inf) z = (x[31] == y[31]) ? x : 32'h7FC0_0000;
    else if (x_inf) z = x;
    else if (y_inf) z = y;
    else if (x_zero && y_zero) z = {x[31] & y[31], 31'd0};
    else if (x_zero) z = y;
    else if (y_zero) z = x;
    else if (r == '0) z = 32'd0;  // x = -y
    else if (e_pre <= 11'sd0) z = {hi[31], 31'd0};  // exact and below 2^-126
    else if (e_out >= 11'sd255) z = {hi[31], 8'd255, 23'd0};  // rounds to >= 2^128
    else z = {hi[31], e_out[7:0], m[24] ? 23'd0 : m[22:0]};
  end
endmodule
