#include "host/gpu_backend/expert_job.hpp"

#include <stdexcept>

namespace monde::gpu_backend {

std::string to_string(Activation a) {
  switch (a) {
    case Activation::relu:
      return "relu";
    case Activation::silu_gated:
      return "silu_gated";
  }
  throw std::logic_error("unknown Activation value");
}

Activation parse_activation(const std::string& s) {
  if (s == "relu") {
    return Activation::relu;
  }
  if (s == "silu_gated") {
    return Activation::silu_gated;
  }
  throw std::invalid_argument("activation '" + s + "' is not one of: relu, silu_gated");
}

double ExpertJob::flops() const {
  const double t = static_cast<double>(tokens);
  const double dm = static_cast<double>(d_model);
  const double df = static_cast<double>(d_ff);
  return 2.0 * t * dm * df * (gated ? 3.0 : 2.0);
}

void validate(const ExpertJob& job) {
  auto fail = [](const std::string& what) { throw std::invalid_argument("ExpertJob: " + what); };
  if (job.d_model == 0) {
    fail("d_model must be >= 1");
  }
  if (job.d_ff == 0) {
    fail("d_ff must be >= 1");
  }
  const bool wants_gate = job.activation == Activation::silu_gated;
  if (job.gated != wants_gate) {
    fail("gated = " + std::string(job.gated ? "true" : "false") + " disagrees with activation " +
         to_string(job.activation) + " (relu is ungated, silu_gated is gated)");
  }
  if (!job.gated && job.w_gate != nullptr) {
    fail("w_gate is set but the job is not gated");
  }
  if (job.tokens == 0) {
    return;  // nothing is read or written
  }
  if (job.x == nullptr) {
    fail("x is null");
  }
  if (job.w_up == nullptr) {
    fail("w_up is null");
  }
  if (job.gated && job.w_gate == nullptr) {
    fail("w_gate is null for a gated job");
  }
  if (job.w_down == nullptr) {
    fail("w_down is null");
  }
  if (job.y == nullptr) {
    fail("y is null");
  }
}

}  // namespace monde::gpu_backend
