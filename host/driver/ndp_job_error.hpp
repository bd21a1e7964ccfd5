// A job the device completed with an error. wait() raises it for that job's ticket; what()
// carries everything needed to find the cause without a debugger: the tag, the error code's
// name and value, the expert (by the name it was placed with: NdpDriver::place_expert), its
// shape, the token count and every address of the descriptor, e.g.
//   NDP job 1 failed: tokens_over_buffer (error 8); expert 0 [d_model 64, d_ff 1024, relu],
//   tokens 2049; descriptor w_up 0x3000 w_gate 0x0 w_down 0x23000 x 0x43000 y 0x84000 h 0xc5000
#pragma once

#include <cstdint>
#include <string>

#include "tlm/ndp/command/completion_entry.hpp"
#include "tlm/ndp/command/job_descriptor.hpp"
#include "host/driver/driver_error.hpp"

namespace monde::driver {

class NdpJobError : public DriverError {
 public:
  NdpJobError(std::uint32_t expert_id, const std::string& expert_name, const ndp::JobDescriptor& descriptor,
              const ndp::CompletionEntry& completion);

  std::uint32_t job_tag() const { return descriptor_.job_tag; }
  std::uint32_t expert_id() const { return expert_id_; }
  ndp::NdpErrorCode code() const { return completion_.error_code; }
  const ndp::JobDescriptor& descriptor() const { return descriptor_; }
  const ndp::CompletionEntry& completion() const { return completion_; }

 private:
  std::uint32_t expert_id_;
  ndp::JobDescriptor descriptor_;
  ndp::CompletionEntry completion_;
};

// The message above (without throwing), for logs.
std::string describe_failed_job(const std::string& expert_name, const ndp::JobDescriptor& d,
                                const ndp::CompletionEntry& e);

}  // namespace monde::driver
