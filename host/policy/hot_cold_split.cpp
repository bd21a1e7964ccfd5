#include "host/policy/hot_cold_split.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "host/policy/execution_order.hpp"
#include "host/policy/expert_costs.hpp"
#include "host/policy/evaluator.hpp"
#include "host/policy/path_timers.hpp"

namespace monde::policy {

HotPrefixScan scan_hot_prefixes(const LayerDemand& demand, const SystemCostModel& model, ExpertLocation cold) {
  if (cold != ExpertLocation::kNdp && cold != ExpertLocation::kCpu) {
    throw std::invalid_argument("split_hot_cold: the cold path must be ndp or cpu");
  }
  validate(demand);
  validate(model);
  const ExpertShape& shape = demand.shape;
  const std::size_t n_experts = demand.expert_count();

  std::vector<bool> resident(n_experts);
  for (std::size_t i = 0; i < n_experts; ++i) resident[i] = demand.is_active(i) && demand.is_resident(i);
  // Residents lead the order; the candidates for fetching follow by tokens descending.
  HotPrefixScan scan;
  scan.order = execution_order(demand, resident);
  const std::vector<std::size_t>& order = scan.order;

  GpuPipelineTimer gpu;
  std::size_t first = 0;
  for (; first < order.size() && resident[order[first]]; ++first) {
    gpu.add(0.0, gpu_compute_time_s(model, demand.shape_of(order[first]), demand.tokens_per_expert[order[first]], false));
  }
  scan.residents = first;
  const std::size_t n = order.size() - first;

  // cold_suffix_s[d][k]: device d's cold path time when candidates k..n-1 run cold (its share of
  // them: the CPU path is one path, the NDP path one per device); busy_suffix_s[d][k]: how long it
  // streams weights for them through what it shares with the GPU's copies; cold_count[d][k]: how
  // many of them are on it (a path nobody uses costs nothing).
  const bool ndp_cold = cold == ExpertLocation::kNdp;
  const std::uint32_t paths = ndp_cold ? model.ndp_devices : 1;
  const double cold_fixed_s = ndp_cold ? ndp_fixed_time_s(model) : cpu_fixed_time_s(model);
  std::vector<std::vector<double>> cold_suffix_s(paths, std::vector<double>(n + 1, 0.0)),
      busy_suffix_s(paths, std::vector<double>(n + 1, 0.0));
  std::vector<std::vector<std::size_t>> cold_count(paths, std::vector<std::size_t>(n + 1, 0));
  // A split layer's NDP tokens of candidates k..n-1, whose partials the GPU reduces after the path.
  std::vector<std::uint64_t> split_tokens(n + 1, 0);
  for (std::size_t k = n; k-- > 0;) {
    const std::size_t expert = order[first + k];
    const auto tokens = demand.tokens_per_expert[expert];
    split_tokens[k] = split_tokens[k + 1] + (ndp_cold && demand.split() ? tokens : 0);
    // (device, share, streaming) of each path the expert runs on: one, or every device's slice.
    std::vector<NdpDeviceCost> on;
    if (ndp_cold) {
      on = ndp_device_costs(model, demand, expert);
    } else {
      const CpuExpertCost e = cpu_expert_cost(model, shape, tokens);
      on.push_back(NdpDeviceCost{0, NdpExpertCost{0.0, e.read_s, e.share_s}});
    }
    for (std::uint32_t d = 0; d < paths; ++d) {
      cold_suffix_s[d][k] = cold_suffix_s[d][k + 1];
      busy_suffix_s[d][k] = busy_suffix_s[d][k + 1];
      cold_count[d][k] = cold_count[d][k + 1];
    }
    for (const NdpDeviceCost& o : on) {
      if (o.device >= paths) {
        throw std::invalid_argument("split_hot_cold: expert " + std::to_string(expert) + " is on device " +
                                    std::to_string(o.device) + " of " + std::to_string(paths));
      }
      cold_suffix_s[o.device][k] += o.cost.share_s;
      busy_suffix_s[o.device][k] += o.cost.dram_busy_s;
      ++cold_count[o.device][k];
    }
  }
  // The GPU's copies so far, per device whose DRAM they read (NDP: they share it).
  std::vector<std::uint64_t> fetched(paths, 0);
  std::uint64_t fetched_total = 0;
  // The cold path with candidates k..n-1, given the GPU's copies so far: its slowest device.
  auto cold_path_s = [&](std::size_t k, const GpuPipelineTimer& g) {
    if (k >= n) return 0.0;
    // The copies share the device DRAM with NDP, the CXL link with the CPU's reads.
    const double shared_bytes_per_s = ndp_cold ? model.shared_dram_bytes_per_s : model.shared_link_bytes_per_s;
    const double stream_bytes_per_s = ndp_cold ? model.shared_dram_bytes_per_s : model.cpu_weight_bytes_per_s;
    double slowest = 0.0;
    for (std::uint32_t d = 0; d < paths; ++d) {
      if (cold_count[d][k] == 0) continue;
      const double path = cold_fixed_s + cold_suffix_s[d][k];
      const double fetch_bytes_per_s =
          ndp_cold ? device_fetch_bytes_per_s(model, fetched[d], fetched_total) : model.device_to_gpu_bytes_per_s;
      slowest = std::max(slowest, path + shared_stream_delay_s(path, busy_suffix_s[d][k], g.transfer_end_s(),
                                                               fetch_bytes_per_s, shared_bytes_per_s,
                                                               stream_bytes_per_s));
    }
    return slowest + (ndp_cold ? split_reduce_time_s(model, shape, demand.split_devices, split_tokens[k]) : 0.0);
  };

  scan.makespan_s.reserve(n + 1);
  scan.makespan_s.push_back(std::max(gpu.makespan_s(), cold_path_s(0, gpu)));
  for (std::size_t k = 0; k < n; ++k) {
    // Its own shape: with gpu.fetch_quantised the fetch moves its NDP copy, whose format is per expert.
    const ExpertShape fetched_shape = demand.shape_of(order[first + k]);
    gpu.add(fetch_time_s(model, fetched_shape),
            gpu_compute_time_s(model, fetched_shape, demand.tokens_per_expert[order[first + k]], true));
    if (ndp_cold && demand.split()) {
      for (std::uint32_t d = 0; d < demand.split_devices; ++d) ++fetched[d];  // a slice from each (count_fetch)
      fetched_total += demand.split_devices;
    } else {
      if (ndp_cold) ++fetched[demand.device_of(order[first + k])];
      ++fetched_total;
    }
    scan.makespan_s.push_back(std::max(gpu.makespan_s(), cold_path_s(k + 1, gpu)));
  }
  return scan;
}

std::vector<ExpertLocation> hot_prefix_locations(const LayerDemand& demand, const HotPrefixScan& scan, std::size_t hot,
                                                 ExpertLocation cold) {
  if (hot > scan.candidates()) throw std::invalid_argument("hot_prefix_locations: more hot experts than candidates");
  std::vector<ExpertLocation> location(demand.expert_count(), ExpertLocation::kIdle);
  for (std::size_t i = 0; i < scan.residents; ++i) location[scan.order[i]] = ExpertLocation::kGpuResident;
  for (std::size_t k = 0; k < scan.candidates(); ++k) {
    location[scan.order[scan.residents + k]] = k < hot ? ExpertLocation::kGpuFetched : cold;
  }
  return location;
}

std::vector<ExpertLocation> split_hot_cold(const LayerDemand& demand, const SystemCostModel& model,
                                           ExpertLocation cold) {
  const HotPrefixScan scan = scan_hot_prefixes(demand, model, cold);
  std::size_t best_hot = 0;
  for (std::size_t k = 1; k < scan.makespan_s.size(); ++k) {
    if (scan.makespan_s[k] < scan.makespan_s[best_hot]) best_hot = k;
  }
  return hot_prefix_locations(demand, scan, best_hot, cold);
}

}  // namespace monde::policy
