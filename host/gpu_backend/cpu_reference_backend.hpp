// fp32 CPU implementation of the expert FFN: the tolerance reference for the GPU backend and
// the backend used when no GPU is present.
//
// It is NOT the NDP golden model: it uses the host FPU, keeps subnormals and sums each dot
// product in 8 interleaved fp32 partial sums (fixed order), so it is reproducible bit for bit
// from run to run and for any thread count, but only agrees with the golden model and with
// cuBLAS within the tolerance of host/gpu_backend/tolerance.hpp.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "host/gpu_backend/expert_backend.hpp"

namespace monde::gpu_backend {

class CpuReferenceBackend final : public ExpertBackend {
 public:
  // threads == 0: std::thread::hardware_concurrency(). Results do not depend on the count:
  // each output element is computed by exactly one thread in a fixed order.
  explicit CpuReferenceBackend(unsigned threads = 0);

  void run(const ExpertJob& job) override;
  std::string name() const override;

  // The intermediate activation h [tokens x d_ff] (already rounded to bf16), exactly as run()
  // uses it; the GPU tolerance is derived from it.
  std::vector<bf16_bits> hidden(const ExpertJob& job) const;

  unsigned threads() const { return threads_; }

 private:
  // y = h W_down^T rounded to bf16, from the bf16 hidden activation.
  void down_projection(const ExpertJob& job, const std::vector<bf16_bits>& h) const;

  unsigned threads_;
};

}  // namespace monde::gpu_backend
