// mac_array: ROWS x COLS output-stationary bf16 MAC array with fp32 accumulators
// (near-data GEMM engine of the CXL memory device model).
//
// Numerics (docs/mac_array.md): every PE computes acc = add(first ? +0 : acc, mul(a, b))
// with bf16_mul (exact bf16 x bf16 -> fp32) and fp32_add (RNE, subnormals flushed, canonical
// NaN); results are read out as fp32 and as bf16 (fp32_to_bf16, RNE). After reset every
// accumulator holds +0 and the controller is in ACCEPT.
//
// Each accepted beat k carries column k of A (in_a, row r at [r*16 +: 16]) and row k of B
// (in_b, column c at [c*16 +: 16]); PE (r, c) accumulates A[r][k] * B[k][c] when
// r < rows_valid && c < cols_valid of that beat (masked PEs hold). The beat's masks and its
// valid/first/last bits travel down the pipeline with it:
//   edge t   : stage 1 - beat registered (A per row, B per column, masks, first, last)
//   edge t+1 : stage 2 - products registered in every PE
//   edge t+2 : accumulators updated
// After the in_last beat the array flushes (in_ready low) and then drains rows
// 0 .. min(rows_valid, ROWS) - 1 of the in_last beat, one row per out_valid/out_ready
// transfer; columns >= that beat's cols_valid read 0 on out_fp32 and out_bf16. While
// out_valid is low, out_fp32/out_bf16 read 0 and out_row reads 0.
//
// Cycle formula (first beat accepted at edge 0, no input bubbles, out_ready always high,
// tile of K beats, R = min(rows_valid, ROWS) drained rows):
//   - last beat accepted at edge K-1, accumulators final at edge K+1 (state -> DRAIN);
//   - latency to first result: the first row transfers at edge K+2;
//   - the drain takes R edges (K+2 .. K+1+R);
//   - the next tile's first beat is accepted at edge K+2+R: tile period K + R + 2 cycles
//     (K + 2 when R = 0). Input bubbles and output back-pressure add exactly the cycles
//     they stall. Why: this is the cycle contract the C++ cycle model implements too.
//
// Ports:
//   clk, rst_n                 rising-edge clock, synchronous active-low reset
//   rows_valid [$clog2(ROWS+1)] valid rows of the beat (sampled with each accepted beat)
//   cols_valid [$clog2(COLS+1)] valid columns of the beat (sampled with each accepted beat)
//   in_valid / in_ready        input beat handshake (transfer when both high at an edge)
//   in_first                   beat starts a new sum (accumulators cleared: add(+0, p))
//   in_last                    last beat of the tile: flush and drain follow
//   in_a [ROWS*16]             one column of A (bf16), row r at [r*16 +: 16]
//   in_fmt [2]                 format of the beat's B: 0 bf16, 1 int8, 2 int4 (3 reserved)
//   in_b [COLS*16]             one row of B: bf16 column c at [c*16 +: 16], int8 code at
//                              [c*8 +: 8], int4 code at [c*4 +: 4] (higher bits ignored)
//   in_scale [COLS*16]         int8/int4: column c's bf16 scale at [c*16 +: 16]
//   out_valid / out_ready      output beat handshake, one result row per beat
//   out_row [$clog2(ROWS)]     index of the row on out_*
//   out_last                   last row of the drain
//   out_fp32 [COLS*32]         row out_row of C (fp32), column c at [c*32 +: 32]
//   out_bf16 [COLS*16]         the same row rounded to bf16 (RNE), column c at [c*16 +: 16]
// Quantised beats (docs/mac_array.md, "Quantised weights"): one weight_dequant lane per column
// turns the code and its scale into the bf16 operand to_bf16(mul(int_to_bf16(q), scale)) before
// the stage-1 register, so the pipeline and the cycle formula are those of a bf16 beat; in_fmt 0
// passes in_b through (a driver that leaves in_fmt and in_scale at 0 sees the bf16 array).
// ROWS and COLS must both be >= 2: elaboration stops otherwise (see g_bad_shape).
// Assertions (simulation and formal; `ifndef SYNTHESIS, checked by Verilator with --assert and
// proven with yosys sat in `make signoff`) are at the end of the module.
module mac_array #(
    parameter int ROWS = 16,
    parameter int COLS = 16
) (
    input  logic                       clk,
    input  logic                       rst_n,
    input  logic [$clog2(ROWS+1)-1:0]  rows_valid,
    input  logic [$clog2(COLS+1)-1:0]  cols_valid,
    input  logic                       in_valid,
    output logic                       in_ready,
    input  logic                       in_first,
    input  logic                       in_last,
    input  logic [ROWS*16-1:0]         in_a,
    input  logic [1:0]                 in_fmt,
    input  logic [COLS*16-1:0]         in_b,
    input  logic [COLS*16-1:0]         in_scale,
    output logic                       out_valid,
    input  logic                       out_ready,
    output logic [$clog2(ROWS)-1:0]    out_row,
    output logic                       out_last,
    output logic [COLS*32-1:0]         out_fp32,
    output logic [COLS*16-1:0]         out_bf16
);
  localparam int RVW = $clog2(ROWS + 1);
  localparam int CVW = $clog2(COLS + 1);

  // ROWS = 1 makes out_row $clog2(1) = 0 bits wide, which is not a legal port; COLS = 1 is a
  // shape the contract (docs/mac_array.md) and the tests do not cover. Refuse both at
  // elaboration rather than build something unverified (Verilator and yosys both stop here).
  if (ROWS < 2 || COLS < 2) begin : g_bad_shape
    $error("mac_array: ROWS and COLS must both be >= 2");
  end

  logic accept;
  assign accept = in_valid && in_ready;

  // ---------------------------------------------------------------- stage 1 (edge t)
  logic [ROWS*16-1:0] s1_a;
  logic [COLS*16-1:0] s1_b;
  logic [ROWS-1:0]    s1_row_en;
  logic [COLS-1:0]    s1_col_en;
  logic               s1_valid, s1_first, s1_last;

  logic [ROWS-1:0]    row_mask;
  logic [COLS-1:0]    col_mask;

  always_comb begin
    for (int r = 0; r < ROWS; r++) row_mask[r] = (RVW'(r) < rows_valid);
    for (int c = 0; c < COLS; c++) col_mask[c] = (CVW'(c) < cols_valid);
  end

  always_ff @(posedge clk) begin
    if (!rst_n) s1_valid <= 1'b0;
    else s1_valid <= accept;
  end

  // Weight dequantiser: the bf16 operand of every column, from the beat's bf16 element or from
  // its int8 / int4 code and scale (combinational, in front of the stage-1 register).
  logic [COLS*16-1:0] b_operand;
  for (genvar c = 0; c < COLS; c++) begin : g_dq
    weight_dequant u_dq (
        .fmt   (in_fmt),
        .w_bf16(in_b[c*16+:16]),
        .q8    (in_b[c*8+:8]),
        .q4    (in_b[c*4+:4]),
        .scale (in_scale[c*16+:16]),
        .y     (b_operand[c*16+:16])
    );
  end

  always_ff @(posedge clk) begin
    if (accept) begin
      s1_a      <= in_a;
      s1_b      <= b_operand;
      s1_row_en <= row_mask;
      s1_col_en <= col_mask;
      s1_first  <= in_first;
      s1_last   <= in_last;
    end
  end

  // ---------------------------------------------------------------- stage 2 (edge t+1)
  logic [ROWS-1:0] s2_row_en;
  logic [COLS-1:0] s2_col_en;
  logic            s2_valid, s2_first, s2_last;

  always_ff @(posedge clk) begin
    if (!rst_n) s2_valid <= 1'b0;
    else s2_valid <= s1_valid;
  end

  always_ff @(posedge clk) begin
    if (s1_valid) begin
      s2_row_en <= s1_row_en;
      s2_col_en <= s1_col_en;
      s2_first  <= s1_first;
      s2_last   <= s1_last;
    end
  end

  // Per-row / per-column enables (valid folded in once, not per PE).
  logic [ROWS-1:0] prod_row_en, acc_row_en;
  assign prod_row_en = s1_valid ? s1_row_en : '0;
  assign acc_row_en  = s2_valid ? s2_row_en : '0;

  // ---------------------------------------------------------------- PE grid (edge t+1, t+2)
  logic [COLS*32-1:0] acc_row[ROWS];  // accumulators, row r, column c at [c*32 +: 32]

  for (genvar r = 0; r < ROWS; r++) begin : g_row
    for (genvar c = 0; c < COLS; c++) begin : g_col
      mac_pe u_pe (
          .clk      (clk),
          .rst_n    (rst_n),
          .a        (s1_a[r*16+:16]),
          .b        (s1_b[c*16+:16]),
          .prod_en  (prod_row_en[r] & s1_col_en[c]),
          .acc_en   (acc_row_en[r] & s2_col_en[c]),
          .acc_first(s2_first),
          .acc      (acc_row[r][c*32+:32])
      );
    end
  end

  // ---------------------------------------------------------------- controller
  logic [CVW-1:0] drain_cols;

  mac_array_ctrl #(
      .ROWS(ROWS),
      .COLS(COLS)
  ) u_ctrl (
      .clk        (clk),
      .rst_n      (rst_n),
      .in_valid   (in_valid),
      .in_ready   (in_ready),
      .in_last    (in_last),
      .rows_valid (rows_valid),
      .cols_valid (cols_valid),
      .last_at_acc(s2_valid && s2_last),
      .out_valid  (out_valid),
      .out_ready  (out_ready),
      .out_row    (out_row),
      .out_last   (out_last),
      .drain_cols (drain_cols)
  );

  // ---------------------------------------------------------------- output row
  logic [COLS*32-1:0] sel_row;
  assign sel_row = acc_row[out_row];

  for (genvar c = 0; c < COLS; c++) begin : g_out
    logic [31:0] v;
    assign v = (out_valid && (CVW'(c) < drain_cols)) ? sel_row[c*32+:32] : 32'd0;
    assign out_fp32[c*32+:32] = v;
    fp32_to_bf16 u_cvt (
        .x(v),
        .y(out_bf16[c*16+:16])
    );
  end

`ifndef SYNTHESIS
  // ---------------------------------------------------------------- assertions
  // Immediate assertions in a clocked block: the SVA subset that both Verilator 5.006 and
  // yosys 0.23's read_verilog -formal accept (no sequences, no action blocks).
  // tile_open: an in_last beat was accepted and the array has not yet returned to ACCEPT.
  logic tile_open;
  always_ff @(posedge clk) begin
    if (!rst_n) tile_open <= 1'b0;
    else if (accept && in_last) tile_open <= 1'b1;
    else if (in_ready) tile_open <= 1'b0;
  end

  always_ff @(posedge clk) begin
    if (rst_n) begin
      // Input rule of the contract: the masks of an accepted beat are in range. `assume`: a
      // constraint on the inputs for the proof; Verilator checks it like an assertion.
      m_rows_valid_range: assume (!accept || rows_valid <= RVW'(ROWS));
      m_cols_valid_range: assume (!accept || cols_valid <= CVW'(COLS));
      // in_fmt 3 is reserved: an accepted beat names bf16, int8 or int4.
      m_fmt_legal: assume (!accept || in_fmt != 2'd3);
      // No result without a tile: rows are offered only after an in_last beat was accepted.
      a_no_result_without_tile: assert (!out_valid || tile_open);
      a_busy_has_tile: assert (in_ready || tile_open);
      // Results are read only when the accumulators are final (no beat left in the pipeline).
      a_drain_pipeline_empty: assert (!out_valid || (!s1_valid && !s2_valid));
      // The two handshakes never overlap: input is refused while a drain is offered.
      a_ready_xor_valid: assert (!(in_ready && out_valid));
      a_last_with_valid: assert (!out_last || out_valid);
      // Columns beyond the drain mask read 0 (contract: masked output columns).
      a_masked_cols_zero: assert (!out_valid || ((out_fp32 >> (32 * drain_cols)) == '0));
    end
  end
`endif
endmodule
