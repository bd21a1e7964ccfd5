#include "host/gpu_backend/cpu_reference_backend.hpp"

#include <algorithm>
#include <cmath>
#include <thread>

namespace monde::gpu_backend {

namespace {

// Dot product in 8 interleaved partial sums, combined pairwise: a fixed order (so results are
// reproducible) that compilers can keep in vector registers (so it is not silly-slow).
float dot(const float* a, const float* b, std::size_t n) {
  float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::size_t k = 0;
  for (; k + 8 <= n; k += 8) {
    for (std::size_t l = 0; l < 8; ++l) {
      s[l] += a[k + l] * b[k + l];
    }
  }
  float tail = 0;
  for (; k < n; ++k) {
    tail += a[k] * b[k];
  }
  return (((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))) + tail;
}

std::vector<float> widen(const bf16_bits* p, std::size_t n) {
  std::vector<float> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = bf16_to_float(p[i]);
  }
  return out;
}

void widen_into(const bf16_bits* p, std::size_t n, float* out) {
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = bf16_to_float(p[i]);
  }
}

// relu keeps NaN (v < 0 is false for NaN) and -0, like torch.relu and the CUDA kernel.
float relu(float v) { return v < 0.0f ? 0.0f : v; }

// The same formula as the CUDA kernel; for very negative g, exp(-g) = inf gives -0.
float silu(float g) { return g / (1.0f + std::exp(-g)); }

// Splits [0, rows) into contiguous chunks, one per thread. Work items are output rows of a
// weight matrix, so chunks never share an output element.
template <typename Fn>
void parallel_rows(unsigned threads, std::size_t rows, std::size_t work_per_row, Fn fn) {
  // Below ~1M multiply-adds per thread, starting threads costs more than it saves.
  const std::size_t min_rows = std::max<std::size_t>(1, (std::size_t{1} << 20) / std::max<std::size_t>(1, work_per_row));
  const std::size_t useful = std::max<std::size_t>(1, rows / min_rows);
  const auto n = static_cast<unsigned>(std::min<std::size_t>(threads, useful));
  if (n <= 1) {
    fn(std::size_t{0}, rows);
    return;
  }
  std::vector<std::thread> pool;
  pool.reserve(n);
  const std::size_t chunk = (rows + n - 1) / n;
  for (unsigned i = 0; i < n; ++i) {
    const std::size_t lo = std::min(rows, i * chunk);
    const std::size_t hi = std::min(rows, lo + chunk);
    pool.emplace_back([&fn, lo, hi] { fn(lo, hi); });
  }
  for (auto& t : pool) {
    t.join();
  }
}

}  // namespace

CpuReferenceBackend::CpuReferenceBackend(unsigned threads)
    : threads_(threads != 0 ? threads : std::max(1u, std::thread::hardware_concurrency())) {}

std::string CpuReferenceBackend::name() const { return "cpu_reference"; }

std::vector<bf16_bits> CpuReferenceBackend::hidden(const ExpertJob& job) const {
  validate(job);
  const std::size_t T = job.tokens;
  const std::size_t dm = job.d_model;
  const std::size_t df = job.d_ff;
  std::vector<bf16_bits> h(T * df);
  if (T == 0) {
    return h;
  }
  const std::vector<float> x = widen(job.x, T * dm);
  parallel_rows(threads_, df, T * dm * (job.gated ? 2 : 1), [&](std::size_t lo, std::size_t hi) {
    std::vector<float> up(dm);
    std::vector<float> gate(job.gated ? dm : 0);
    for (std::size_t j = lo; j < hi; ++j) {
      widen_into(job.w_up + j * dm, dm, up.data());
      if (job.gated) {
        widen_into(job.w_gate + j * dm, dm, gate.data());
      }
      for (std::size_t t = 0; t < T; ++t) {
        const float* xt = x.data() + t * dm;
        const float u = dot(xt, up.data(), dm);
        const float v = job.gated ? silu(dot(xt, gate.data(), dm)) * u : relu(u);
        h[t * df + j] = float_to_bf16(v);
      }
    }
  });
  return h;
}

void CpuReferenceBackend::down_projection(const ExpertJob& job, const std::vector<bf16_bits>& h) const {
  const std::size_t T = job.tokens;
  const std::size_t dm = job.d_model;
  const std::size_t df = job.d_ff;
  const std::vector<float> hf = widen(h.data(), T * df);
  parallel_rows(threads_, dm, T * df, [&](std::size_t lo, std::size_t hi) {
    std::vector<float> w(df);
    for (std::size_t i = lo; i < hi; ++i) {
      widen_into(job.w_down + i * df, df, w.data());
      for (std::size_t t = 0; t < T; ++t) {
        job.y[t * dm + i] = float_to_bf16(dot(hf.data() + t * df, w.data(), df));
      }
    }
  });
}

void CpuReferenceBackend::run(const ExpertJob& job) {
  const std::vector<bf16_bits> h = hidden(job);
  if (job.tokens != 0) {
    down_projection(job, h);
  }
}

}  // namespace monde::gpu_backend
