#include "host/gpu_backend/cuda_backend.hpp"

#include <algorithm>
#include <climits>
#include <map>
#include <stdexcept>
#include <tuple>

#include "host/gpu_backend/activation_kernels.hpp"
#include "host/gpu_backend/calibration_plan.hpp"
#include "host/gpu_backend/cublas_gemm.hpp"
#include "host/gpu_backend/cuda_check.hpp"
#include "host/gpu_backend/cuda_raii.hpp"

namespace monde::gpu_backend {

namespace {

constexpr std::size_t kAlign = 256;  // cuBLAS prefers 256-byte aligned operands

std::size_t align_up(std::size_t v) { return (v + kAlign - 1) / kAlign * kAlign; }

int to_int(std::size_t v, const char* what) {
  if (v > static_cast<std::size_t>(INT_MAX)) {
    throw std::invalid_argument(std::string("CudaBackend: ") + what + " = " + std::to_string(v) +
                                " exceeds cuBLAS's int range");
  }
  return static_cast<int>(v);
}

// Device buffers of one group, each [batch][...] at equal strides (element counts).
struct GroupLayout {
  std::size_t batch = 0;
  std::size_t t_max = 0;
  std::size_t d_model = 0;
  std::size_t d_ff = 0;
  std::size_t n1 = 0;  // first GEMM outputs: d_ff, or 2 d_ff when gated
  bool gated = false;
  std::size_t off_x = 0, off_w1 = 0, off_wd = 0, off_u = 0, off_h = 0, off_y = 0, bytes = 0;

  std::size_t x_elems() const { return t_max * d_model; }
  std::size_t w1_elems() const { return n1 * d_model; }
  std::size_t wd_elems() const { return d_model * d_ff; }
  std::size_t u_elems() const { return t_max * n1; }
  std::size_t h_elems() const { return t_max * d_ff; }
  std::size_t y_elems() const { return t_max * d_model; }
};

GroupLayout plan_group(const std::vector<const ExpertJob*>& jobs) {
  GroupLayout g;
  g.batch = jobs.size();
  g.d_model = jobs.front()->d_model;
  g.d_ff = jobs.front()->d_ff;
  g.gated = jobs.front()->gated;
  g.n1 = jobs.front()->first_gemm_outputs();
  for (const auto* j : jobs) {
    g.t_max = std::max(g.t_max, j->tokens);
  }
  std::size_t off = 0;
  auto take = [&](std::size_t elems, std::size_t elem_bytes) {
    const std::size_t at = off;
    off = align_up(off + g.batch * elems * elem_bytes);
    return at;
  };
  g.off_x = take(g.x_elems(), 2);
  g.off_w1 = take(g.w1_elems(), 2);
  g.off_wd = take(g.wd_elems(), 2);
  g.off_u = take(g.u_elems(), 4);
  g.off_h = take(g.h_elems(), 2);
  g.off_y = take(g.y_elems(), 2);
  g.bytes = off;
  // cuBLAS takes int dimensions and leading dimensions.
  to_int(g.n1, "first GEMM outputs (d_ff or 2 d_ff)");
  to_int(g.t_max, "tokens");
  to_int(g.d_model, "d_model");
  to_int(g.batch, "batch size");
  return g;
}

}  // namespace

struct CudaBackend::Impl {
  int device = 0;
  std::string device_name;
  CudaStream stream;
  CublasHandle blas;
  DeviceBuffer work;

  explicit Impl(int dev) : device(dev), stream(), blas(stream.get()) {}

  char* base() const { return static_cast<char*>(work.get()); }
  template <typename T>
  T* at(std::size_t off) const {
    return reinterpret_cast<T*>(base() + off);
  }

  void upload(const GroupLayout& g, const std::vector<const ExpertJob*>& jobs) {
    work.reserve(g.bytes);
    cudaStream_t s = stream.get();
    for (std::size_t b = 0; b < jobs.size(); ++b) {
      const ExpertJob& j = *jobs[b];
      auto* x = at<bf16_bits>(g.off_x) + b * g.x_elems();
      MONDE_CUDA_CHECK(cudaMemcpyAsync(x, j.x, j.tokens * g.d_model * 2, cudaMemcpyHostToDevice, s));
      if (j.tokens < g.t_max) {  // padding rows must be finite: zeros give zero outputs
        MONDE_CUDA_CHECK(cudaMemsetAsync(x + j.tokens * g.d_model, 0, (g.t_max - j.tokens) * g.d_model * 2, s));
      }
      auto* w1 = at<bf16_bits>(g.off_w1) + b * g.w1_elems();
      const std::size_t w_bytes = g.d_ff * g.d_model * 2;
      if (g.gated) {  // rows [0, d_ff) gate, [d_ff, 2 d_ff) up: the activation kernel's layout
        MONDE_CUDA_CHECK(cudaMemcpyAsync(w1, j.w_gate, w_bytes, cudaMemcpyHostToDevice, s));
        MONDE_CUDA_CHECK(cudaMemcpyAsync(w1 + g.d_ff * g.d_model, j.w_up, w_bytes, cudaMemcpyHostToDevice, s));
      } else {
        MONDE_CUDA_CHECK(cudaMemcpyAsync(w1, j.w_up, w_bytes, cudaMemcpyHostToDevice, s));
      }
      auto* wd = at<bf16_bits>(g.off_wd) + b * g.wd_elems();
      MONDE_CUDA_CHECK(cudaMemcpyAsync(wd, j.w_down, w_bytes, cudaMemcpyHostToDevice, s));
    }
  }

  void compute(const GroupLayout& g) {
    const int batch = static_cast<int>(g.batch);
    LinearGemm up;
    up.m = static_cast<int>(g.t_max);
    up.n = static_cast<int>(g.n1);
    up.k = static_cast<int>(g.d_model);
    up.x = at<bf16_bits>(g.off_x);
    up.w = at<bf16_bits>(g.off_w1);
    up.c = at<float>(g.off_u);
    up.c_type = CUDA_R_32F;  // h is rounded once, after the activation, not before
    up.batch = batch;
    up.stride_x = static_cast<long long>(g.x_elems());
    up.stride_w = static_cast<long long>(g.w1_elems());
    up.stride_c = static_cast<long long>(g.u_elems());
    gemm_linear(blas.get(), up);

    const std::size_t rows = g.batch * g.t_max;
    if (g.gated) {
      MONDE_CUDA_CHECK(launch_silu_gated_to_bf16(at<float>(g.off_u), at<bf16_bits>(g.off_h), rows, g.d_ff, stream.get()));
    } else {
      MONDE_CUDA_CHECK(launch_relu_to_bf16(at<float>(g.off_u), at<bf16_bits>(g.off_h), rows * g.d_ff, stream.get()));
    }

    LinearGemm down;
    down.m = static_cast<int>(g.t_max);
    down.n = static_cast<int>(g.d_model);
    down.k = to_int(g.d_ff, "d_ff");
    down.x = at<bf16_bits>(g.off_h);
    down.w = at<bf16_bits>(g.off_wd);
    down.c = at<bf16_bits>(g.off_y);
    down.c_type = CUDA_R_16BF;
    down.batch = batch;
    down.stride_x = static_cast<long long>(g.h_elems());
    down.stride_w = static_cast<long long>(g.wd_elems());
    down.stride_c = static_cast<long long>(g.y_elems());
    gemm_linear(blas.get(), down);
  }

  void download(const GroupLayout& g, const std::vector<const ExpertJob*>& jobs) {
    for (std::size_t b = 0; b < jobs.size(); ++b) {
      const auto* y = at<bf16_bits>(g.off_y) + b * g.y_elems();
      MONDE_CUDA_CHECK(cudaMemcpyAsync(jobs[b]->y, y, jobs[b]->tokens * g.d_model * 2, cudaMemcpyDeviceToHost,
                                       stream.get()));
    }
    MONDE_CUDA_CHECK(cudaStreamSynchronize(stream.get()));
  }
};

namespace {

// Impl's members create a stream, so the device must be selected before it is constructed.
int select_device(int device) {
  MONDE_CUDA_CHECK(cudaSetDevice(device));
  return device;
}

}  // namespace

CudaBackend::CudaBackend(int device) : impl_(std::make_unique<Impl>(select_device(device))) {
  cudaDeviceProp prop{};
  MONDE_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  impl_->device_name = prop.name;
}

CudaBackend::~CudaBackend() = default;

std::string CudaBackend::name() const { return "cuda:" + impl_->device_name; }

const std::string& CudaBackend::device_name() const { return impl_->device_name; }

void CudaBackend::run(const ExpertJob& job) { run_batch({job}); }

void CudaBackend::run_batch(const std::vector<ExpertJob>& jobs) {
  for (const auto& j : jobs) {
    validate(j);
  }
  MONDE_CUDA_CHECK(cudaSetDevice(impl_->device));
  // Groups in first-seen order, so the run order is deterministic.
  std::vector<std::vector<const ExpertJob*>> groups;
  std::map<std::tuple<std::size_t, std::size_t, bool>, std::size_t> index;
  for (const auto& j : jobs) {
    if (j.tokens == 0) {
      continue;
    }
    const auto key = std::make_tuple(j.d_model, j.d_ff, j.gated);
    const auto it = index.find(key);
    if (it == index.end()) {
      index.emplace(key, groups.size());
      groups.push_back({&j});
    } else {
      groups[it->second].push_back(&j);
    }
  }
  for (const auto& members : groups) {
    const GroupLayout g = plan_group(members);
    impl_->upload(g, members);
    impl_->compute(g);
    impl_->download(g, members);
  }
}

double CudaBackend::time_compute_us(const ExpertJob& job, int repeats) {
  validate(job);
  if (job.tokens == 0 || repeats < 1) {
    throw std::invalid_argument("CudaBackend::time_compute_us needs tokens >= 1 and repeats >= 1");
  }
  MONDE_CUDA_CHECK(cudaSetDevice(impl_->device));
  const std::vector<const ExpertJob*> members{&job};
  const GroupLayout g = plan_group(members);
  impl_->upload(g, members);
  impl_->compute(g);  // warm-up: cuBLAS heuristics, module loading, clocks
  MONDE_CUDA_CHECK(cudaStreamSynchronize(impl_->stream.get()));
  CudaEvent start;
  CudaEvent stop;
  std::vector<double> us;
  for (int r = 0; r < repeats; ++r) {
    MONDE_CUDA_CHECK(cudaEventRecord(start.get(), impl_->stream.get()));
    impl_->compute(g);
    MONDE_CUDA_CHECK(cudaEventRecord(stop.get(), impl_->stream.get()));
    us.push_back(1000.0 * elapsed_ms(start, stop));
  }
  return median(us);
}

}  // namespace monde::gpu_backend
