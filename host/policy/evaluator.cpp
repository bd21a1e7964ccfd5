#include "host/policy/evaluator.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

#include "host/policy/execution_order.hpp"
#include "host/policy/expert_costs.hpp"
#include "host/policy/path_timers.hpp"

namespace monde::policy {

namespace {

void check_fits(const Placement& placement, const LayerDemand& demand, const SystemCostModel& model) {
  if (placement.location.size() != demand.expert_count()) {
    throw std::invalid_argument("evaluate: placement has " + std::to_string(placement.location.size()) +
                                " locations for " + std::to_string(demand.expert_count()) + " experts");
  }
  for (std::size_t i = 0; i < demand.expert_count(); ++i) {
    const bool idle = placement.location[i] == ExpertLocation::kIdle;
    if (demand.device_of(i) >= model.ndp_devices) {
      throw std::invalid_argument("evaluate: expert " + std::to_string(i) + " is on device " +
                                  std::to_string(demand.device_of(i)) + " of " + std::to_string(model.ndp_devices));
    }
    if (demand.split_devices > model.ndp_devices) {
      throw std::invalid_argument("evaluate: the layer is split over " + std::to_string(demand.split_devices) +
                                  " devices of " + std::to_string(model.ndp_devices));
    }
    if (idle == demand.is_active(i)) {
      throw std::invalid_argument("evaluate: expert " + std::to_string(i) + " has " +
                                  std::to_string(demand.tokens_per_expert[i]) + " tokens but is placed '" +
                                  to_string(placement.location[i]) + "' (idle exactly when it has no tokens)");
    }
  }
}

}  // namespace

void count_fetch(NdpPaths& ndp, const LayerDemand& demand, std::size_t expert) {
  if (!demand.split()) {
    ndp.count_fetch(demand.device_of(expert));
    return;
  }
  for (std::uint32_t d = 0; d < demand.split_devices; ++d) ndp.count_fetch(d);  // a slice from each
}

double device_fetch_bytes_per_s(const SystemCostModel& model, std::uint64_t fetched_from_device,
                                std::uint64_t fetched_total) {
  if (fetched_total == 0) return model.device_to_gpu_bytes_per_s;
  return model.device_to_gpu_bytes_per_s * (double(fetched_from_device) / double(fetched_total));
}

NdpPaths::NdpPaths(const SystemCostModel& model)
    : paths_(model.ndp_devices, SerialPathTimer(ndp_fixed_time_s(model))), fetched_(model.ndp_devices, 0) {}

double device_dram_wait_s(const SerialPathTimer& p, const GpuPipelineTimer& gpu, const SystemCostModel& model,
                          std::uint64_t fetched_from_device, std::uint64_t fetched_total) {
  return shared_stream_delay_s(p.time_s(), p.streaming_s(), gpu.transfer_end_s(),
                               device_fetch_bytes_per_s(model, fetched_from_device, fetched_total),
                               model.shared_dram_bytes_per_s, model.shared_dram_bytes_per_s);
}

double NdpPaths::dram_wait_s(std::uint32_t d, const GpuPipelineTimer& gpu, const SystemCostModel& model) const {
  return device_dram_wait_s(paths_.at(d), gpu, model, fetched_[d], fetched_total_);
}

double NdpPaths::device_path_s(std::uint32_t d, const GpuPipelineTimer& gpu, const SystemCostModel& model) const {
  return paths_.at(d).time_s() + dram_wait_s(d, gpu, model);
}

NdpPaths::Time NdpPaths::time(const GpuPipelineTimer& gpu, const SystemCostModel& model) const {
  Time t;
  for (std::uint32_t d = 0; d < paths_.size(); ++d) {
    const double wait_s = dram_wait_s(d, gpu, model);
    const double path_s = paths_[d].time_s() + wait_s;
    if (d == 0 || path_s > t.path_s) {
      t.path_s = path_s;
      t.dram_wait_s = wait_s;
    }
  }
  return t;
}

double cpu_link_wait_s(const SerialPathTimer& cpu, const GpuPipelineTimer& gpu, const SystemCostModel& model) {
  return shared_stream_delay_s(cpu.time_s(), cpu.streaming_s(), gpu.transfer_end_s(), model.device_to_gpu_bytes_per_s,
                               model.shared_link_bytes_per_s, model.cpu_weight_bytes_per_s);
}

CostBreakdown evaluate(const Placement& placement, const LayerDemand& demand, const SystemCostModel& model) {
  validate(demand);
  validate(model);
  check_fits(placement, demand, model);

  const ExpertShape& shape = demand.shape;
  const std::uint64_t weights = shape.weight_bytes();  // what the CPU path reads (bf16 in every format)

  // GPU experts that need no copy lead the GPU order. For NDP and CPU experts the flag only
  // fixes the order of a serial sum, which changes nothing but rounding; taking it from
  // demand.gpu_resident there is what lets the oracle reproduce these sums bit for bit.
  std::vector<bool> no_transfer(demand.expert_count());
  for (std::size_t i = 0; i < no_transfer.size(); ++i) {
    const ExpertLocation where = placement.location[i];
    no_transfer[i] = runs_on_gpu(where) ? where == ExpertLocation::kGpuResident : demand.is_resident(i);
  }

  CostBreakdown c;
  GpuPipelineTimer gpu;
  NdpPaths ndp(model);
  SerialPathTimer cpu(cpu_fixed_time_s(model));
  std::uint64_t split_tokens = 0;  // a split layer's NDP tokens: their partials are reduced on the GPU
  for (const std::size_t i : execution_order(demand, no_transfer)) {
    const std::uint64_t tokens = demand.tokens_per_expert[i];
    const std::uint64_t activations = tokens * shape.activation_bytes_per_token();
    const ExpertShape expert = demand.shape_of(i);  // its own NDP format (mixed precision per expert)
    switch (placement.location[i]) {
      case ExpertLocation::kGpuFetched:
      case ExpertLocation::kGpuResident: {
        const bool fetched = placement.location[i] == ExpertLocation::kGpuFetched;
        const double transfer_s = fetched ? fetch_time_s(model, expert) : 0.0;
        const double compute_s = gpu_compute_time_s(model, expert, tokens, fetched);
        gpu.add(transfer_s, compute_s);
        c.gpu_transfer_s += transfer_s;
        c.gpu_compute_s += compute_s;
        if (fetched) {
          count_fetch(ndp, demand, i);  // its copy reads that device's DRAM (every device's when split)
          c.weights_to_gpu_bytes += expert.gpu_fetch_bytes();  // what a GPU fetch moves
          ++c.experts_gpu_fetched;
        } else {
          ++c.experts_gpu_resident;
        }
        break;
      }
      case ExpertLocation::kNdp: {
        // One entry (its device), or one d_ff slice per device in a split layer: each device gets
        // x and returns its (partial) y, and streams its slice's NDP copy (codes and scales when
        // quantised; the slices add up to the expert's bytes).
        for (const NdpDeviceCost& d : ndp_device_costs(model, demand, i)) {
          ndp.add(d.device, d.cost.share_s, d.cost.dram_busy_s);
          c.ndp_job_s += d.cost.job_s;
          c.activations_to_ndp_bytes += activations;
          c.results_from_ndp_bytes += activations;
        }
        c.ndp_dram_read_bytes += expert.ndp_weight_bytes();
        if (demand.split()) split_tokens += tokens;
        ++c.experts_ndp;
        break;
      }
      case ExpertLocation::kCpu: {
        const CpuExpertCost e = cpu_expert_cost(model, shape, tokens);
        cpu.add(e.share_s, e.read_s);
        c.weights_to_cpu_bytes += weights;
        c.cpu_activation_bytes += 2 * activations;
        ++c.experts_cpu;
        break;
      }
      case ExpertLocation::kIdle:
        break;  // execution_order() lists active experts only
    }
  }
  c.gpu_path_s = gpu.makespan_s();
  const NdpPaths::Time ndp_time = ndp.time(gpu, model);
  c.ndp_dram_wait_s = ndp_time.dram_wait_s;
  c.split_reduce_s = split_reduce_time_s(model, shape, demand.split_devices, split_tokens);
  c.ndp_path_s = ndp_time.path_s + c.split_reduce_s;
  c.cpu_link_wait_s = cpu_link_wait_s(cpu, gpu, model);
  c.cpu_path_s = cpu.time_s() + c.cpu_link_wait_s;
  c.makespan_s = std::max({c.gpu_path_s, c.ndp_path_s, c.cpu_path_s});
  return c;
}

Placement scored_placement(std::vector<ExpertLocation> location, const LayerDemand& demand,
                           const SystemCostModel& model) {
  Placement p;
  p.location = std::move(location);
  p.cost = evaluate(p, demand, model);
  return p;
}

}  // namespace monde::policy
