// leaf_lanes: LANES copies of each arithmetic leaf of the MAC array (and of the weight
// dequantiser lane) side by side, verilated for
// the exhaustive and random leaf checks (tests/regress/rtl_exhaustive.cpp). Several lanes per
// evaluation amortise the model's call overhead over the 2^32-input sweeps.
module leaf_lanes #(
    parameter int LANES = 8
) (
    input  logic [LANES*16-1:0] mul_a,
    input  logic [LANES*16-1:0] mul_b,
    output logic [LANES*32-1:0] mul_p,
    input  logic [LANES*32-1:0] cvt_x,
    output logic [LANES*16-1:0] cvt_y,
    input  logic [LANES*32-1:0] add_x,
    input  logic [LANES*32-1:0] add_y,
    output logic [LANES*32-1:0] add_z,
    input  logic [1:0]          dq_fmt,
    input  logic [LANES*8-1:0]  dq_code,
    input  logic [LANES*16-1:0] dq_scale,
    output logic [LANES*16-1:0] dq_y
);
  for (genvar i = 0; i < LANES; i++) begin : g_lane
    bf16_mul u_mul (
        .a(mul_a[i*16+:16]),
        .b(mul_b[i*16+:16]),
        .p(mul_p[i*32+:32])
    );
    fp32_to_bf16 u_cvt (
        .x(cvt_x[i*32+:32]),
        .y(cvt_y[i*16+:16])
    );
    fp32_add u_add (
        .x(add_x[i*32+:32]),
        .y(add_y[i*32+:32]),
        .z(add_z[i*32+:32])
    );
    // bf16 beats pass the scale lane's bits through (the sweep checks that too).
    weight_dequant u_dq (
        .fmt   (dq_fmt),
        .w_bf16(dq_scale[i*16+:16]),
        .q8    (dq_code[i*8+:8]),
        .q4    (dq_code[i*8+:4]),
        .scale (dq_scale[i*16+:16]),
        .y     (dq_y[i*16+:16])
    );
  end
endmodule
