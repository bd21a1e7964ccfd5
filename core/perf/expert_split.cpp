#include "core/perf/expert_split.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "core/config/ndp_config.hpp"

namespace monde::perf {

std::uint64_t split_granule(const ExpertShape& shape) {
  const std::uint64_t line = config::kColumnsPerFetch;
  return shape.ndp_weights.quantised() ? std::max<std::uint64_t>(line, shape.ndp_weights.group_size) : line;
}

bool split_fits(const ExpertShape& shape, std::uint32_t devices) {
  const std::uint64_t g = split_granule(shape);
  return devices >= 1 && shape.d_ff % g == 0 && shape.d_ff / g >= devices;
}

bool split_even(const ExpertShape& shape, std::uint32_t devices) {
  return split_fits(shape, devices) && (shape.d_ff / split_granule(shape)) % devices == 0;
}

std::vector<DffSlice> split_d_ff(const ExpertShape& shape, std::uint32_t devices) {
  if (!split_fits(shape, devices)) {
    throw std::invalid_argument("split_d_ff: d_ff " + std::to_string(shape.d_ff) + " is not " +
                                std::to_string(devices) + " or more granules of " +
                                std::to_string(split_granule(shape)) + " columns");
  }
  const std::uint64_t g = split_granule(shape);
  const std::uint64_t units = shape.d_ff / g;
  std::vector<DffSlice> s(devices);
  std::uint64_t begin = 0;
  for (std::uint32_t d = 0; d < devices; ++d) {
    const std::uint64_t n = units / devices + (d < units % devices ? 1 : 0);
    s[d] = DffSlice{begin, n * g};
    begin += n * g;
  }
  return s;
}

ExpertShape slice_shape(const ExpertShape& shape, const DffSlice& slice) {
  ExpertShape s = shape;
  s.d_ff = slice.size;
  return s;
}

KernelWork split_reduce_kernel(const ExpertShape& shape, std::uint32_t devices, std::uint64_t tokens) {
  if (tokens == 0 || devices < 2) return {};
  const double elements = double(tokens) * double(shape.d_model);
  return KernelWork{double(devices - 1) * elements, double(devices + 1) * elements * double(shape.bytes_per_param)};
}

}  // namespace monde::perf
