#include "host/policy/oracle_policy.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "host/policy/evaluator.hpp"
#include "host/policy/execution_order.hpp"
#include "host/policy/expert_costs.hpp"
#include "host/policy/hot_cold_split.hpp"
#include "host/policy/path_timers.hpp"

namespace monde::policy {

namespace {

// Depth-first branch and bound over the experts in execution order. Each level decides one
// expert: GPU or NDP. Both paths only grow as experts are added, so the larger of the two
// partial paths bounds every completion from below; a second bound says the remaining
// experts add at least min(GPU compute, NDP time) each to one of the two paths, so the final
// makespan is at least half of (both partial paths + that sum).
class BranchAndBound {
 public:
  BranchAndBound(std::vector<double> transfer_s, std::vector<double> compute_s, std::vector<double> ndp_s,
                 std::vector<double> ndp_busy_s, double ndp_fixed_s, double fetch_bytes_per_s, double dram_bytes_per_s,
                 double incumbent_s, std::vector<bool> incumbent_on_gpu)
      : transfer_s_(std::move(transfer_s)),
        compute_s_(std::move(compute_s)),
        ndp_s_(std::move(ndp_s)),
        ndp_busy_s_(std::move(ndp_busy_s)),
        ndp_fixed_s_(ndp_fixed_s),
        fetch_bytes_per_s_(fetch_bytes_per_s),
        dram_bytes_per_s_(dram_bytes_per_s),
        best_s_(incumbent_s),
        best_on_gpu_(std::move(incumbent_on_gpu)),
        on_gpu_(ndp_s_.size(), false),
        rest_min_s_(ndp_s_.size() + 1, 0.0) {
    for (std::size_t k = ndp_s_.size(); k-- > 0;) {
      rest_min_s_[k] = rest_min_s_[k + 1] + std::min(compute_s_[k], ndp_s_[k]);
    }
  }

  void run() { descend(0, GpuPipelineTimer{}, SerialPathTimer(ndp_fixed_s_)); }
  const std::vector<bool>& best_on_gpu() const { return best_on_gpu_; }

 private:
  void descend(std::size_t k, const GpuPipelineTimer& gpu, const SerialPathTimer& ndp) {
    // The DRAM sharing only lengthens the NDP path, so the partial paths without it stay lower
    // bounds; the leaf adds it exactly as evaluate() does.
    const double partial_s = std::max(gpu.makespan_s(), ndp.time_s());
    if (k == ndp_s_.size()) {
      // Same timers, same order, same terms as evaluate(): the leaf value is bit-identical
      // to the evaluator's makespan for this assignment.
      const double wait_s = shared_stream_delay_s(ndp.time_s(), ndp.streaming_s(), gpu.transfer_end_s(),
                                                  fetch_bytes_per_s_, dram_bytes_per_s_, dram_bytes_per_s_);
      const double leaf_s = std::max(gpu.makespan_s(), ndp.time_s() + wait_s);
      if (leaf_s < best_s_) {
        best_s_ = leaf_s;
        best_on_gpu_ = on_gpu_;
      }
      return;
    }
    // partial_s is exact (leaves only add to it); balanced_s is a sum of sums whose rounding
    // could overshoot by an ulp, so it gets a little slack before it may prune.
    const double balanced_s = 0.5 * (gpu.makespan_s() + ndp.time_s() + rest_min_s_[k]) * (1.0 - 1e-12);
    if (std::max(partial_s, balanced_s) >= best_s_) return;

    GpuPipelineTimer with_gpu = gpu;
    with_gpu.add(transfer_s_[k], compute_s_[k]);
    on_gpu_[k] = true;
    descend(k + 1, with_gpu, ndp);

    SerialPathTimer with_ndp = ndp;
    with_ndp.add(ndp_s_[k], ndp_busy_s_[k]);
    on_gpu_[k] = false;
    descend(k + 1, gpu, with_ndp);
  }

  std::vector<double> transfer_s_, compute_s_, ndp_s_, ndp_busy_s_;
  double ndp_fixed_s_;
  double fetch_bytes_per_s_, dram_bytes_per_s_;
  double best_s_;
  std::vector<bool> best_on_gpu_;
  std::vector<bool> on_gpu_;
  std::vector<double> rest_min_s_;
};

}  // namespace

Placement OraclePolicy::place(const LayerDemand& demand, const SystemCostModel& model) {
  validate(demand);
  validate(model);
  const std::size_t active = demand.active_count();
  if (active > kMaxActiveExperts) {
    throw std::invalid_argument("oracle: " + std::to_string(active) + " routed experts exceed the exhaustive-search "
                                "limit of " + std::to_string(kMaxActiveExperts) + " (2^" +
                                std::to_string(kMaxActiveExperts) + " assignments); use monde for larger layers");
  }
  const ExpertShape& shape = demand.shape;
  std::vector<bool> resident(demand.expert_count());
  for (std::size_t i = 0; i < resident.size(); ++i) resident[i] = demand.is_resident(i);
  // The evaluator orders experts by (weights in GPU memory, tokens, index); for the
  // placements searched here "in GPU memory" is exactly demand.gpu_resident.
  const std::vector<std::size_t> order = execution_order(demand, resident);

  std::vector<double> transfer_s, compute_s, ndp_s, ndp_busy_s;
  for (const std::size_t i : order) {
    const auto tokens = demand.tokens_per_expert[i];
    transfer_s.push_back(resident[i] ? 0.0 : fetch_time_s(model, shape));
    compute_s.push_back(gpu_compute_time_s(model, shape, tokens));
    const NdpExpertCost e = ndp_expert_cost(model, shape, tokens);
    ndp_s.push_back(e.share_s);
    ndp_busy_s.push_back(e.dram_busy_s);
  }

  // monde's split is a feasible answer: starting from it as the incumbent only prunes; the
  // search still finds every strictly faster assignment.
  const Placement start = scored_placement(split_hot_cold(demand, model, ExpertLocation::kNdp), demand, model);
  std::vector<bool> start_on_gpu(order.size());
  for (std::size_t k = 0; k < order.size(); ++k) start_on_gpu[k] = runs_on_gpu(start.location[order[k]]);

  BranchAndBound search(std::move(transfer_s), std::move(compute_s), std::move(ndp_s), std::move(ndp_busy_s),
                        ndp_fixed_time_s(model), model.device_to_gpu_bytes_per_s, model.shared_dram_bytes_per_s,
                        start.cost.makespan_s, std::move(start_on_gpu));
  search.run();

  std::vector<ExpertLocation> location(demand.expert_count(), ExpertLocation::kIdle);
  for (std::size_t k = 0; k < order.size(); ++k) {
    const std::size_t i = order[k];
    location[i] = !search.best_on_gpu()[k] ? ExpertLocation::kNdp
                  : resident[i]            ? ExpertLocation::kGpuResident
                                           : ExpertLocation::kGpuFetched;
  }
  return scored_placement(std::move(location), demand, model);
}

}  // namespace monde::policy
