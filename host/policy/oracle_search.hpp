// The oracle's exact search: the minimum makespan over every assignment of a layer's routed
// experts to the GPU, the NDP units or the host CPU, as evaluate() times it.
//
// All experts of a layer share one shape, so an expert's cost on every path depends only on its
// tokens and on whether its weights are already in GPU memory; the experts therefore fall into
// groups of interchangeable ones, consecutive in execution order. Only how many of each group
// go to each path matters: every path sees the same sequence of identical terms whichever of
// them it gets. The search runs one pass per number of GPU copies (which fixes the copy window,
// and with it the cold paths' waits as functions of their own sums), each a dynamic programme
// over the groups in execution order (the order in which evaluate() builds every path), keeping
// for each prefix of groups the non-dominated states of the three paths' timers that its lower
// bounds do not rule out; docs/policies.md ("oracle") says why it is exact and what it costs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "host/policy/expert_costs.hpp"
#include "host/policy/system_cost_model.hpp"

namespace monde::policy {

// Interchangeable experts: consecutive in execution order, equal tokens, equal residency, on
// one device. (Equal experts on several devices are one run of groups, one per device: their GPU
// terms are equal, so the GPU path sees the same sequence whichever device's experts it gets.)
struct ExpertGroup {
  std::size_t count = 0;
  std::uint32_t device = 0;  // its NDP jobs' device, numbered 0 .. devices - 1 among the layer's
  std::uint64_t tokens = 0;  // each expert's routed tokens (what a split layer's reduction grows with)
  
  double transfer_s = 0;  // the weight copy when it runs on the GPU (0: already resident)
  double compute_s = 0;   // GPU compute
  NdpExpertCost ndp;
  NdpExpertCost ndp_other;  // a split layer of two slice sizes: the smaller slice's (SplitTerms::classes 2)
  CpuExpertCost cpu;
};

// How many experts of one group go to each path. Within the group, in execution order, the
// first `gpu` run on the GPU, the next `ndp` on NDP, the rest on the CPU.
struct GroupSplit {
  std::size_t gpu = 0;
  std::size_t ndp = 0;
  std::size_t cpu = 0;
};

struct OracleSearchResult {
  bool found = false;             // an assignment strictly faster than the incumbent exists
  double makespan_s = 0;          // its makespan, evaluate()'s value for it (when found)
  std::vector<GroupSplit> split;  // one per group (when found)
  std::size_t states = 0;         // states kept over all groups: the search's work
};

// A layer split across devices (devices.split): every GPU copy reads a slice from each of the
// `devices` devices, and every NDP expert runs one slice on each. The slices come in at most two
// sizes (perf::split_d_ff: the first U mod N devices take one granule more), and devices with
// slices of one size have the same NDP path, the same sum of the same terms with the same DRAM
// wait (1 / `devices` of the copy stream each, as evaluate() counts it). So the search plans one
// path per size: `classes` 1 (equal slices: one path, the groups' `ndp` on device 0) or 2 (device
// 0 the larger slices' path with `ndp`, device 1 the smaller ones' with `ndp_other`; every NDP
// expert adds to both, every copy counts for both). The NDP experts' partial outputs are then
// reduced on the GPU (split_reduce_time_s of their tokens), which ends the NDP path.
// devices 1: whole experts, no reduction.
struct SplitTerms {
  std::uint32_t devices = 1;
  std::uint32_t classes = 1;
  ExpertShape shape;  // the layer's expert (the reduction's width)
};

// The fastest assignment of `groups` (in execution order) to the GPU, NDP and, if `use_cpu`,
// the CPU that beats `incumbent_s`, the
// makespan of a known assignment (it only prunes: every strictly faster assignment is still
// found). Ties go to the first state in the search's (deterministic) order.
// `devices`: the NDP paths (1 .. kMaxSearchDevices), one per device the groups are on: each has
// its own serial path and DRAM wait (NdpPaths in evaluator.hpp), and the makespan takes the
// slowest.
inline constexpr std::size_t kMaxSearchDevices = 16;
// `split`: the layer's split (SplitTerms; then `devices` is split.classes and every group is on
// device 0).
OracleSearchResult search_min_makespan(const std::vector<ExpertGroup>& groups, std::size_t devices,
                                       const SystemCostModel& model, bool use_cpu, double incumbent_s,
                                       const SplitTerms& split = SplitTerms{});

}  // namespace monde::policy
