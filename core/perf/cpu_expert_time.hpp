// The host CPU running one cold expert (policy `cpu`, Fiddler-style): the one formula the
// simulation charges and the placement policies plan with.
//   read_s    = weight_bytes / read rate          (CXL.mem reads; the CPU's own rate, below the link's)
//   compute_s = 2 x macs_per_token x tokens / flops
//   io_s      = 2 x tokens x activation_bytes_per_token / GPU<->host rate   (activations in, results out)
//   time      = max(read_s, compute_s) + io_s
// The CPU computes on the weights as they stream in, so the slower of reading and computing
// bounds the expert; its activations cross PCIe before and after.
#pragma once

#include <algorithm>
#include <cstdint>

#include "core/perf/expert_shape.hpp"

namespace monde::perf {

struct CpuExpertTime {
  double read_s = 0;
  double compute_s = 0;
  double io_s = 0;
  double time_s() const { return std::max(read_s, compute_s) + io_s; }
};

CpuExpertTime cpu_expert_time(const ExpertShape& shape, std::uint64_t tokens, double read_bytes_per_s,
                              double flops_per_s, double activation_bytes_per_s);

}  // namespace monde::perf
