// fp32_add: combinational fp32 + fp32 adder of the MAC array accumulator.
//
// Numerics (docs/mac_array.md, `add`), round to nearest, ties to even:
//   - subnormal inputs are flushed to zero of the same sign;
//   - NaN input or inf + (-inf) -> canonical NaN 0x7FC00000; inf + anything else -> that inf;
//   - zeros: (+0)+(+0) = +0, (-0)+(-0) = -0, mixed signs -> +0; zero + nonzero y = y;
//   - nonzero finite operands: the exact sum rounded to a 24-bit significand (RNE); an exact
//     zero sum is +0; a rounded magnitude >= 2^128 is inf; a sum below 2^-126 (always exact)
//     is flushed to zero with the sign of the exact sum.
// Datapath: operands are ordered by magnitude, the smaller significand is aligned into a
// 27-bit field (24 bits + guard + round + sticky, every bit shifted out is ORed into the
// sticky LSB, i.e. the aligned value is rounded to odd at bit 0; shifts of 27 or more leave
// only the sticky bit). The 28-bit sum/difference is normalised (right by 1 on carry with the
// dropped bit jammed into the sticky, or left by the leading-zero count on cancellation; a
// left shift of more than one place only happens for exponent differences <= 1, where the
// difference is exact), then rounded at bit 3 with RNE; a rounding carry to 2.0 bumps the
// exponent. Round-to-odd with >= 2 extra bits followed by RNE equals direct RNE of the exact
// sum, which is why three extra bits suffice.
// Why: the golden model implements the same rules with integers and the RTL is compared
// against it bit for bit; no IEEE subnormal or exception behaviour may leak in.
// The arithmetic internals are not traced: they are verified by the differential tests,
// and tracing them multiplies VCD size and build time for no debugging value.
/* verilator tracing_off */
module fp32_add (
    input  logic [31:0] x,
    input  logic [31:0] y,
    output logic [31:0] z   // x + y
);
  localparam logic [31:0] CanonNan = 32'h7FC0_0000;

  // ---------------------------------------------------------------- decode
  logic        sx, sy;
  logic [7:0]  ex, ey;
  logic [22:0] fx, fy;
  logic        x_zero, y_zero, x_inf, y_inf, x_nan, y_nan;

  assign {sx, ex, fx} = x;
  assign {sy, ey, fy} = y;
  assign x_zero = (ex == 8'h00);  // zero or subnormal (flushed)
  assign y_zero = (ey == 8'h00);
  assign x_inf  = (ex == 8'hFF) && (fx == 23'd0);
  assign y_inf  = (ey == 8'hFF) && (fy == 23'd0);
  assign x_nan  = (ex == 8'hFF) && (fx != 23'd0);
  assign y_nan  = (ey == 8'hFF) && (fy != 23'd0);

  // ---------------------------------------------------------------- order by magnitude
  // For normal operands the magnitude order is the order of the 31-bit encodings.
  logic        x_big;
  logic        s_big;
  logic [7:0]  e_big, e_sml;
  logic [22:0] f_big, f_sml;

  assign x_big = (x[30:0] >= y[30:0]);
  assign s_big = x_big ? sx : sy;
  assign e_big = x_big ? ex : ey;
  assign f_big = x_big ? fx : fy;
  assign e_sml = x_big ? ey : ex;
  assign f_sml = x_big ? fy : fx;

  // ---------------------------------------------------------------- align
  logic [7:0]  d;        // exponent difference, >= 0
  logic [4:0]  d_clamp;  // 27 or more: everything lands in the sticky bit
  logic [53:0] sml_sh;   // {significand, 3 extra bits, 27 spill bits} >> d_clamp
  logic [26:0] m_big, m_sml;

  assign d       = e_big - e_sml;
  assign d_clamp = (d > 8'd27) ? 5'd27 : d[4:0];
  assign sml_sh  = {1'b1, f_sml, 3'b000, 27'd0} >> d_clamp;
  assign m_sml   = sml_sh[53:27] | {26'd0, |sml_sh[26:0]};
  assign m_big   = {1'b1, f_big, 3'b000};

  // ---------------------------------------------------------------- add / subtract
  logic        eff_sub;
  logic [27:0] sum;  // >= 0 because |big| >= |small|

  assign eff_sub = sx ^ sy;
  assign sum     = eff_sub ? ({1'b0, m_big} - {1'b0, m_sml}) : ({1'b0, m_big} + {1'b0, m_sml});

  // ---------------------------------------------------------------- normalise
  logic [4:0]  lz;      // leading zeros of sum[26:0]
  logic [26:0] norm;    // leading one at bit 26: [25:3] fraction, [2] guard, [1:0] round/sticky
  logic [9:0]  e_norm;  // signed biased exponent of norm

  always_comb begin
    lz = 5'd27;
    for (int i = 0; i < 27; i++) begin
      if (sum[i]) lz = 5'(26 - i);
    end
  end

  always_comb begin
    if (sum[27]) begin
      norm   = {sum[27:2], sum[1] | sum[0]};
      e_norm = {2'b00, e_big} + 10'd1;
    end else begin
      norm   = sum[26:0] << lz;
      e_norm = {2'b00, e_big} - {5'd0, lz};
    end
  end

  // ---------------------------------------------------------------- round (RNE)
  logic        round_up;
  logic [24:0] m_rnd;   // 24-bit significand + carry
  logic [9:0]  e_rnd;
  logic [22:0] f_rnd;

  assign round_up = norm[2] & (norm[3] | norm[1] | norm[0]);
  assign m_rnd    = {1'b0, norm[26:3]} + {24'd0, round_up};
  // A carry out means the significand became exactly 2.0: fraction 0, exponent + 1.
  assign e_rnd    = e_norm + {9'd0, m_rnd[24]};
  assign f_rnd    = m_rnd[24] ? 23'd0 : m_rnd[22:0];

  // ---------------------------------------------------------------- select result
  always_comb begin
    if (x_nan || y_nan) begin
      z = CanonNan;
    end else if (x_inf && y_inf) begin
      z = (sx == sy) ? x : CanonNan;
    end else if (x_inf) begin
      z = x;
    end else if (y_inf) begin
      z = y;
    end else if (x_zero && y_zero) begin
      z = {sx & sy, 31'd0};
    end else if (x_zero) begin
      z = y;
    end else if (y_zero) begin
      z = x;
    end else if (sum == 28'd0) begin
      z = 32'd0;                       // exact cancellation -> +0
    end else if (!e_rnd[9] && (e_rnd[8:0] >= 9'd255)) begin
      z = {s_big, 8'hFF, 23'd0};       // overflow -> inf
    end else if (e_rnd[9] || (e_rnd == 10'd0)) begin
      z = {s_big, 31'd0};              // below 2^-126 (exact) -> signed zero
    end else begin
      z = {s_big, e_rnd[7:0], f_rnd};
    end
  end

  // m_rnd[23] is the hidden bit, implied by the exponent.
  logic unused_hidden;
  assign unused_hidden = &{1'b0, m_rnd[23]};

`ifndef SYNTHESIS
  // ---------------------------------------------------------------- cover points
  // The corner cases of the contract that sign-off must see exercised (Verilator
  // --coverage-user counts them; `make signoff` requires every one hit by the differential
  // tests). Each is qualified by the result path that uses it, so a hit means the case
  // reached z, not just that some internal wire took the value. Immediate covers in
  // always_comb: the module has no clock (a count may include settling evaluations).
  // No cover for subnormal inputs: in the array both operands come from bf16_mul and from
  // this adder, which flush, so the case cannot occur there (the flush logic is covered by
  // the formal equivalence proof instead).
  logic finite_path;  // both operands nonzero finite: the rounding datapath produces z
  assign finite_path = !x_zero && !y_zero && (ex != 8'hFF) && (ey != 8'hFF);
  always_comb begin
    c_rne_tie_up:        cover (finite_path && sum != '0 && norm[2:0] == 3'b100 && norm[3]);
    c_rne_tie_even:      cover (finite_path && sum != '0 && norm[2:0] == 3'b100 && !norm[3]);
    c_round_carry_out:   cover (finite_path && sum != '0 && m_rnd[24]);
    c_align_shift_ge_27: cover (finite_path && d >= 8'd27);
    c_exact_cancel:      cover (finite_path && sum == '0);
    c_massive_cancel:    cover (finite_path && sum != '0 && !sum[27] && lz >= 5'd2);
    c_overflow_inf:      cover (finite_path && sum != '0 && !e_rnd[9] && e_rnd[8:0] >= 9'd255);
    c_result_flushed:    cover (finite_path && sum != '0 && (e_rnd[9] || e_rnd == 10'd0));
    c_inf_minus_inf:     cover (x_inf && y_inf && sx != sy);
  end
`endif
endmodule
