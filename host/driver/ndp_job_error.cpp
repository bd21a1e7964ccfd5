#include "host/driver/ndp_job_error.hpp"

#include <sstream>

namespace monde::driver {

std::string describe_failed_job(const std::string& expert_name, const ndp::JobDescriptor& d,
                                const ndp::CompletionEntry& e) {
  std::ostringstream s;
  s << "NDP job " << d.job_tag << " failed: " << ndp::to_string(e.error_code) << " (error "
    << static_cast<unsigned>(e.error_code) << "); " << expert_name << " [d_model " << d.d_model << ", d_ff "
    << d.d_ff << ", " << (d.activation == ndp::kActivationSiluGated ? "silu_gated" : "relu") << "], tokens "
    << d.tokens << "; descriptor" << std::hex << " w_up 0x" << d.w_up << " w_gate 0x" << d.w_gate << " w_down 0x"
    << d.w_down << " x 0x" << d.x_addr << " y 0x" << d.y_addr << " h 0x" << d.h_scratch_addr;
  return s.str();
}

NdpJobError::NdpJobError(std::uint32_t expert_id, const std::string& expert_name, const ndp::JobDescriptor& descriptor,
                         const ndp::CompletionEntry& completion)
    : DriverError(describe_failed_job(expert_name, descriptor, completion)),
      expert_id_(expert_id),
      descriptor_(descriptor),
      completion_(completion) {}

}  // namespace monde::driver
