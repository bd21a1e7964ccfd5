// The `monde-sim ndp` vector file: whole expert-FFN jobs (shape, activation, weight format,
// weights and scales, activations) with optional expected h, y and completion code, as text a
// verification engineer can write, diff and keep. Format (docs/ndp_vectors.md):
//
//   job NAME tokens=T d_model=D d_ff=F activation=relu|silu_gated weights=bf16|int8|int4 [group=G]
//   descriptor FIELD=VALUE ...     (optional) edits of the descriptor the driver writes; addresses
//                                  also ADDR+=N / ADDR-=N (only with an expected validation error)
//   x                              T lines of D bf16 words
//   w_up, w_gate, w_down           [out x in] weights: bf16 words, or int8 / int4 codes
//   s_up, s_gate, s_down           (int8 / int4) [out x in / G] bf16 scales
//   expect_h, expect_y             (optional) T lines of F / D bf16 words
//   expect_completion CODE         (optional) ok or an error code name (ndp_error.hpp)
//   end
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/config/weight_format.hpp"
#include "tlm/ndp/command/job_descriptor.hpp"
#include "tlm/ndp/command/ndp_error.hpp"
#include "tlm/ndp/numerics/bf16.hpp"
#include "tlm/ndp/numerics/quant.hpp"
#include "tlm/ndp/vector_text.hpp"

namespace monde::ndp {

// One `descriptor` edit: a field of the job descriptor set to a value (descriptor_fields()), or,
// for an address field, moved by an offset from the driver's address ('+' / '-', modulo 2^64).
struct DescriptorEditField {
  std::string field;
  std::uint64_t value = 0;
  char op = '=';  // '=' set, '+' add, '-' subtract (address fields only)
};

struct VectorJob {
  std::string name;
  int line = 0;  // line of the `job` header, for messages
  std::uint32_t tokens = 0, d_model = 0, d_ff = 0;
  bool gated = false;  // activation silu_gated (w_gate used) or relu
  config::WeightEncoding weights;
  std::vector<DescriptorEditField> descriptor;
  std::vector<num::bf16_t> x;                      // [T x D]
  std::vector<num::bf16_t> w_up, w_gate, w_down;   // bf16 jobs: [F x D], [F x D], [D x F]
  num::QuantisedMatrix q_up, q_gate, q_down;       // int8 / int4 jobs: codes and scales
  std::optional<std::vector<num::bf16_t>> expect_h;  // [T x F]
  std::optional<std::vector<num::bf16_t>> expect_y;  // [T x D]
  std::optional<NdpErrorCode> expect_completion;     // absent: the job must complete ok

  NdpErrorCode expected_code() const { return expect_completion.value_or(NdpErrorCode::kOk); }
};

// The descriptor fields a `descriptor` line may set, with their widths: opcode, dtype,
// activation (u8), group_size, reserved_22 (u16), d_model, d_ff, tokens (u32). Addresses are
// the driver's (an edited address could make the device write over other tensors).
struct DescriptorFieldInfo {
  const char* name;
  std::uint64_t max;
  bool address = false;  // a tensor address: takes += / -= offsets; only on jobs that expect a validation error
};
const std::vector<DescriptorFieldInfo>& descriptor_fields();
// Sets the fields (names from descriptor_fields(); std::invalid_argument otherwise).
void apply_descriptor_edits(JobDescriptor& d, const std::vector<DescriptorEditField>& edits);

std::vector<VectorJob> parse_ndp_vectors(std::istream& in, const std::string& source);
// Also rejects a file without jobs (a run of nothing would pass).
std::vector<VectorJob> read_ndp_vector_file(const std::string& path);
// Writes jobs in the same format (expect_* present are written), so a run's output with its
// results as expectations is a valid input.
void write_ndp_vectors(std::ostream& out, const std::vector<VectorJob>& jobs);

}  // namespace monde::ndp
