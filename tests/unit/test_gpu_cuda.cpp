// CudaBackend against CpuReferenceBackend on random inputs, within the tolerance stated in
// host/gpu_backend/tolerance.hpp, for single jobs and batches. Exits 77 (ctest: skipped) when no CUDA
// device can be used or monde_gpu_backend was built without CUDA.
#include <gtest/gtest.h>

#include <iostream>
#include <memory>
#include <stdexcept>
#include <vector>

#include "host/gpu_backend/compare.hpp"
#include "host/gpu_backend/cpu_reference_backend.hpp"
#include "host/gpu_backend/expert_backend.hpp"
#include "host/gpu_backend/gpu_available.hpp"
#include "host/gpu_backend/random_bf16.hpp"
#include "host/gpu_backend/tolerance.hpp"

#ifdef MONDE_HAVE_CUDA
#include "host/gpu_backend/cuda_backend.hpp"
#endif

namespace monde::gpu_backend {
namespace {

constexpr bf16_bits kSentinel = 0x7F81;  // a signalling-NaN pattern neither backend writes
constexpr std::size_t kGuard = 64;       // sentinel elements after each y

struct Expert {
  ExpertJob job;
  std::vector<bf16_bits> x, w_up, w_gate, w_down, y;

  Expert(std::size_t T, std::size_t dm, std::size_t df, bool gated, std::uint64_t seed)
      : x(random_bf16(T * dm, 1.0f, seed)),
        w_up(random_bf16(df * dm, 0.125f, seed + 1)),
        w_gate(gated ? random_bf16(df * dm, 0.125f, seed + 2) : std::vector<bf16_bits>{}),
        w_down(random_bf16(dm * df, 0.0625f, seed + 3)),
        y(T * dm + kGuard, kSentinel) {
    job.tokens = T;
    job.d_model = dm;
    job.d_ff = df;
    job.gated = gated;
    job.activation = gated ? Activation::silu_gated : Activation::relu;
    job.x = x.data();
    job.w_up = w_up.data();
    job.w_gate = gated ? w_gate.data() : nullptr;
    job.w_down = w_down.data();
    job.y = y.data();
  }
  Expert(const Expert&) = delete;
  Expert& operator=(const Expert&) = delete;
};

// Checks e.y (from the GPU) against the CPU reference and that nothing past y was written.
void expect_matches_reference(const Expert& e, const char* what) {
  const std::size_t n = e.job.tokens * e.job.d_model;
  for (std::size_t i = n; i < e.y.size(); ++i) {
    ASSERT_EQ(e.y[i], kSentinel) << what << ": wrote past y at element " << i;
  }
  std::vector<bf16_bits> ref(n);
  ExpertJob rj = e.job;
  rj.y = ref.data();
  CpuReferenceBackend cpu;
  cpu.run(rj);
  const Tolerance tol = gpu_tolerance(rj, cpu.hidden(rj));
  const CompareStats st = compare_bf16(e.y.data(), ref.data(), n, tol.rel, tol.abs);
  std::cout << "[ stats    ] " << what << " T=" << e.job.tokens << " d_model=" << e.job.d_model
            << " d_ff=" << e.job.d_ff << " " << to_string(e.job.activation) << ": abs_tol " << tol.abs << "; "
            << st.summary() << "\n";
  EXPECT_TRUE(st.ok()) << what << ": " << st.summary();
}

struct Shape {
  std::size_t T, dm, df;
  bool gated;
};

// Odd sizes (not multiples of 8 or 16) exercise cuBLAS's edge handling and our leading dims.
const Shape kShapes[] = {{1, 64, 256, false},  {3, 96, 200, true},    {17, 128, 352, false},
                         {64, 256, 1024, true}, {130, 200, 72, true},  {5, 1024, 3584, true},
                         {256, 512, 1376, false}};

TEST(GpuCuda, SingleJobsMatchReference) {
  const auto gpu = make_cuda_backend();
  EXPECT_EQ(gpu->name().rfind("cuda:", 0), 0u) << gpu->name();
  std::uint64_t seed = 100;
  for (const auto& s : kShapes) {
    Expert e(s.T, s.dm, s.df, s.gated, seed += 10);
    gpu->run(e.job);
    expect_matches_reference(e, "run");
  }
}

// One batch: two groups of shapes, different token counts inside a group (zero-padding),
// an empty job, and the order of results independent of grouping.
TEST(GpuCuda, BatchMatchesReference) {
  const auto gpu = make_cuda_backend();
  std::vector<std::unique_ptr<Expert>> experts;
  experts.push_back(std::make_unique<Expert>(5, 128, 352, true, 1));
  experts.push_back(std::make_unique<Expert>(33, 96, 200, false, 2));
  experts.push_back(std::make_unique<Expert>(1, 128, 352, true, 3));
  experts.push_back(std::make_unique<Expert>(0, 128, 352, true, 4));
  experts.push_back(std::make_unique<Expert>(40, 128, 352, true, 5));
  experts.push_back(std::make_unique<Expert>(7, 96, 200, false, 6));
  std::vector<ExpertJob> jobs;
  for (const auto& e : experts) {
    jobs.push_back(e->job);
  }
  gpu->run_batch(jobs);
  for (const auto& e : experts) {
    expect_matches_reference(*e, "run_batch");
  }
}

TEST(GpuCuda, InvalidJobThrowsBeforeTouchingTheDevice) {
  const auto gpu = make_cuda_backend();
  Expert e(4, 64, 128, true, 9);
  ExpertJob bad = e.job;
  bad.w_gate = nullptr;
  EXPECT_THROW(gpu->run(bad), std::invalid_argument);
  EXPECT_THROW(gpu->run_batch({e.job, bad}), std::invalid_argument);
  for (std::size_t i = 0; i < e.y.size(); ++i) {
    ASSERT_EQ(e.y[i], kSentinel);
  }
}

#ifdef MONDE_HAVE_CUDA
TEST(GpuCuda, ComputeTimeIsPositiveAndLeavesYAlone) {
  CudaBackend gpu(0);
  Expert e(32, 256, 1024, true, 21);
  const double us = gpu.time_compute_us(e.job, 5);
  EXPECT_GT(us, 0.0);
  EXPECT_LT(us, 1e6);
  EXPECT_EQ(e.y[0], kSentinel);
}
#endif

}  // namespace
}  // namespace monde::gpu_backend

int main(int argc, char** argv) {
  const monde::gpu_backend::GpuStatus s = monde::gpu_backend::gpu_status();
  if (!s.available) {
    std::cout << "test_gpu_cuda: skipped: " << s.reason << "\n";
    return 77;
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
