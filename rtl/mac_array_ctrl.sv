// mac_array_ctrl: controller FSM of the MAC array (docs/mac_array.md, "Cycle contract").
//
// States: ACCEPT (reset state, in_ready high), FLUSH (the in_last beat is in the pipeline,
// in_ready low), DRAIN (out_valid high, one result row per transfer).
//   ACCEPT --accepted beat with in_last--> FLUSH   (R = min(rows_valid, ROWS) and the column
//                                                   mask cols_valid of that beat are captured)
//   FLUSH  --in_last beat's products enter the accumulators (edge t+2)--> DRAIN, or ACCEPT
//                                                   when R = 0
//   DRAIN  --transfer (out_valid && out_ready) of row R-1 (out_last)--> ACCEPT; every other
//                                                   transfer advances out_row
// in_ready and out_* are functions of registered state only (no combinational path from
// in_valid / out_ready), which gives the K + R + 2 cycle tile period of the document.
module mac_array_ctrl #(
    parameter int ROWS = 16,
    parameter int COLS = 16,
    localparam int RVW = $clog2(ROWS + 1),  // width of rows_valid
    localparam int CVW = $clog2(COLS + 1),  // width of cols_valid
    localparam int RIW = $clog2(ROWS)       // width of out_row
) (
    input  logic           clk,
    input  logic           rst_n,
    // input beat handshake
    input  logic           in_valid,
    output logic           in_ready,
    input  logic           in_last,
    input  logic [RVW-1:0] rows_valid,
    input  logic [CVW-1:0] cols_valid,
    // the in_last beat is in stage 2: its products enter the accumulators at this edge
    input  logic           last_at_acc,
    // output beat handshake
    output logic           out_valid,
    input  logic           out_ready,
    output logic [RIW-1:0] out_row,
    output logic           out_last,
    // column mask of the drain (cols_valid of the in_last beat)
    output logic [CVW-1:0] drain_cols
);
  typedef enum logic [1:0] {
    ACCEPT = 2'd0,
    FLUSH  = 2'd1,
    DRAIN  = 2'd2
  } state_e;

  state_e         state;
  logic [RVW-1:0] drain_rows;  // R = min(rows_valid, ROWS) of the in_last beat, >= 1 in DRAIN
  logic [RVW-1:0] row_q;       // current drain row, 0 outside DRAIN
  logic           accept_last;
  logic [RVW-1:0] rows_clamped;  // min(rows_valid, ROWS)

  assign in_ready    = (state == ACCEPT);
  assign out_valid   = (state == DRAIN);
  assign out_row     = row_q[RIW-1:0];
  assign out_last    = out_valid && (row_q == drain_rows - RVW'(1));
  assign accept_last = in_valid && in_ready && in_last;

  // rows_valid can exceed ROWS only when ROWS + 1 is not a power of two.
  generate
    if ((2 ** RVW) - 1 > ROWS) begin : g_clamp
      assign rows_clamped = (rows_valid > RVW'(ROWS)) ? RVW'(ROWS) : rows_valid;
    end else begin : g_no_clamp
      assign rows_clamped = rows_valid;
    end
  endgenerate

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      state      <= ACCEPT;
      row_q      <= '0;
      drain_rows <= '0;
      drain_cols <= '0;
    end else begin
      case (state)
        ACCEPT: begin
          if (accept_last) begin
            state      <= FLUSH;
            drain_rows <= rows_clamped;
            drain_cols <= cols_valid;
          end
        end
        FLUSH: begin
          if (last_at_acc) state <= (drain_rows == '0) ? ACCEPT : DRAIN;
        end
        DRAIN: begin
          if (out_ready) begin
            if (out_last) begin
              state <= ACCEPT;
              row_q <= '0;
            end else begin
              row_q <= row_q + RVW'(1);
            end
          end
        end
        default: state <= ACCEPT;
      endcase
    end
  end

  // row_q never exceeds ROWS-1, so its top bit (when ROWS is a power of two) is unused.
  generate
    if (RVW > RIW) begin : g_unused_row_msb
      logic unused_row_msb;
      assign unused_row_msb = &{1'b0, row_q[RVW-1:RIW]};
    end
  endgenerate

`ifndef SYNTHESIS
  // ---------------------------------------------------------------- assertions
  // Same style as mac_array.sv (immediate assertions in a clocked block, Verilator --assert
  // and yosys -formal). past_*: the previous cycle, valid once a cycle out of reset has passed.
  logic           past_ok, past_stalled;
  logic [RIW-1:0] past_row;
  always_ff @(posedge clk) begin
    past_ok      <= rst_n;
    past_stalled <= out_valid && !out_ready;
    past_row     <= out_row;
  end

  always_ff @(posedge clk) begin
    if (rst_n) begin
      // The environment's side of the contract (cols_valid <= COLS): an assumption for the
      // proof, checked like an assertion in simulation (mac_array asserts it for every beat).
      m_cols_valid_range: assume (!accept_last || cols_valid <= CVW'(COLS));
      // State encoding: only the three named states (2'd3 is unreachable).
      a_state_legal: assert (state == ACCEPT || state == FLUSH || state == DRAIN);
      // A drain has at least one row, never more than ROWS, and the current row is inside it.
      a_drain_rows_range: assert (state != DRAIN || (drain_rows != '0 && drain_rows <= RVW'(ROWS)));
      a_row_in_drain: assert (state == DRAIN ? (row_q < drain_rows) : (row_q == '0));
      a_drain_cols_range: assert (drain_cols <= CVW'(COLS));
      // Output handshake: an offered row stays offered, unchanged, until it is taken.
      a_out_held: assert (!(past_ok && past_stalled) || (out_valid && out_row == past_row));
    end
  end
`endif
endmodule
