// Golden results of `monde-sim ndp` vector jobs and the comparison of a device run with a job's
// expectations, each difference described the way a verification engineer needs it: job,
// token, column, the inputs that fed the value and both values.
#pragma once

#include <string>
#include <vector>

#include "tlm/ndp/command/ndp_error.hpp"
#include "tlm/ndp/ndp_vectors.hpp"
#include "tlm/ndp/numerics/bf16.hpp"

namespace monde::ndp {

// What the device gave for one job: its completion code, and h and y when it completed ok.
struct NdpJobOutcome {
  NdpErrorCode code = NdpErrorCode::kOk;
  std::vector<num::bf16_t> h;  // [T x F]
  std::vector<num::bf16_t> y;  // [T x D]
};

// The golden expert (numerics/golden_expert.hpp) on the job's weights (int8 / int4 through
// num::dequantise: the operands the MAC array multiplies): h and y bits of an ok completion.
NdpJobOutcome golden_job(const VectorJob& job);

// One line per difference between `got` and the job's expectations (completion code, then h,
// then y), e.g.
//   job 'j0' y[token 1][column 2]: got 0x4000 (2), expected 0x3F80 (1); inputs h[1][0..31] = [...], w_down[2][0..31] = [...]
std::vector<std::string> check_job(const VectorJob& job, const NdpJobOutcome& got);

}  // namespace monde::ndp
