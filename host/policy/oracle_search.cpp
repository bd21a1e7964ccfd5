#include "host/policy/oracle_search.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>

#include "host/policy/evaluator.hpp"
#include "host/policy/pareto_filter.hpp"
#include "host/policy/path_timers.hpp"

namespace monde::policy {

namespace {

// The three paths of a partial assignment, built with evaluate()'s timers in its order.
struct Paths {
  GpuPipelineTimer gpu;
  SerialPathTimer ndp;
  SerialPathTimer cpu;
};

// A state after some groups, and how it was reached (for rebuilding the assignment).
struct Node {
  Paths paths;
  std::uint32_t parent = 0;  // index in the previous group's states
  std::uint16_t to_gpu = 0;
  std::uint16_t to_ndp = 0;
  std::uint16_t to_cpu = 0;
};

// evaluate()'s makespan of a complete assignment: the same terms, the same operations.
double makespan_s(const Paths& p, const SystemCostModel& model) {
  const double ndp_s = p.ndp.time_s() + ndp_dram_wait_s(p.ndp, p.gpu, model);
  const double cpu_s = p.cpu.time_s() + cpu_link_wait_s(p.cpu, p.gpu, model);
  return std::max({p.gpu.makespan_s(), ndp_s, cpu_s});
}

// The one copy time of the layer's experts (all share a shape); 0 when every expert is
// resident (then no bound needs it).
double copy_time_s(const std::vector<ExpertGroup>& groups) {
  for (const ExpertGroup& g : groups) {
    if (g.transfer_s > 0.0) return g.transfer_s;
  }
  return 0.0;
}

// Sums of floating-point terms in an order other than the evaluator's may differ from its by
// rounding; the bounds below that use such sums give this much away before they prune.
constexpr double kSlack = 1e-9;

// Lower bounds on every completion of a state (all mathematically valid; the evaluator's own
// rounding is covered by kSlack):
//
// 1. Every path only grows as experts are added, and each cold path's wait grows with its
//    time, its streaming time and the copy window: the state's paths, waits included, bound the
//    final ones.
// 2. Copies run back to back and the GPU ends after the last one, so at most `copies` more fit
//    before a target makespan M. Every other remaining expert runs on NDP (share d) or the CPU
//    (share u), and for any weight w in [0, 1]
//      makespan >= w NDP + (1 - w) CPU >= w P + (1 - w) Q + sum of min(w d, (1 - w) u)
//    over the experts not copied (P, Q: the cold paths so far); at best those copied are the
//    ones with the largest terms.
// 3. For weights a + b + c = 1: makespan >= a GPU + b NDP + c CPU, with GPU >= T (the end of the
//    last copy, T = T0 + f per copy). Where the copies take the whole shared resource (its rate
//    minus the copy rate <= 0), a cold path that streams waits out the whole copy window, so a
//    used one ends after P + T (resp. Q + T). Then each remaining expert adds at least the least
//    of (a + b [NDP blocked and used] + c [CPU blocked and used]) f, b d and c u.
// Residents, at the head of the order, may always run on the GPU without a copy, so they add
// nothing to 2 or 3.
class CompletionBound {
 public:
  CompletionBound(const std::vector<ExpertGroup>& groups, const SystemCostModel& model, bool use_cpu)
      : model_(model), fetch_s_(copy_time_s(groups)), groups_(groups.size()) {
    const double left_dram = model.shared_dram_bytes_per_s - model.device_to_gpu_bytes_per_s;
    const double left_link = model.shared_link_bytes_per_s - model.device_to_gpu_bytes_per_s;
    ndp_blocks_ = model.shared_dram_bytes_per_s > 0.0 && left_dram <= 0.0;
    cpu_blocks_ = use_cpu && model.shared_link_bytes_per_s > 0.0 && left_link <= 0.0;

    const std::size_t steps = use_cpu ? 16 : 1;  // without the CPU only w = 1 applies
    for (std::size_t k = 0; k < steps; ++k) cold_weights_.push_back(1.0 - static_cast<double>(k) / 16.0);
    for (const double w : cold_weights_) {
      std::vector<std::vector<double>> by_group(groups.size() + 1);
      for (std::size_t j = 0; j <= groups.size(); ++j) {
        std::vector<double> terms;
        for (std::size_t g = j; g < groups.size(); ++g) {
          if (groups[g].transfer_s == 0.0) continue;
          const double ndp_term = w * groups[g].ndp.share_s;
          const double term = use_cpu ? std::min(ndp_term, (1.0 - w) * groups[g].cpu.share_s) : ndp_term;
          terms.insert(terms.end(), groups[g].count, term);
        }
        std::sort(terms.begin(), terms.end(), std::greater<double>());
        std::vector<double>& top = by_group[j];
        top.assign(terms.size() + 1, 0.0);
        for (std::size_t k = 0; k < terms.size(); ++k) top[k + 1] = top[k] + terms[k];
      }
      top_.push_back(std::move(by_group));
    }

    constexpr int kEighths = 8;
    for (int a = 0; a <= kEighths; ++a) {
      for (int b = 0; a + b <= kEighths; ++b) {
        const int c = kEighths - a - b;
        if (c > 0 && !use_cpu) continue;
        const Weights weights{a / double(kEighths), b / double(kEighths), c / double(kEighths)};
        for (int flags = 0; flags < 4; ++flags) {
          const double copy_weight = weights.gpu + ((flags & 1) ? weights.ndp : 0.0) + ((flags & 2) ? weights.cpu : 0.0);
          std::vector<double> suffix(groups.size() + 1, 0.0);
          for (std::size_t j = groups.size(); j-- > 0;) {
            const ExpertGroup& g = groups[j];
            double term = weights.ndp * g.ndp.share_s;
            if (use_cpu) term = std::min(term, weights.cpu * g.cpu.share_s);
            term = g.transfer_s == 0.0 ? 0.0 : std::min(term, copy_weight * fetch_s_);
            suffix[j] = suffix[j + 1] + static_cast<double>(g.count) * term;
          }
          path_sums_[flags].push_back(std::move(suffix));
        }
        path_weights_.push_back(weights);
      }
    }
  }

  // How many more copies could end before target_s after the state's copies.
  std::size_t copies_before(const Paths& p, std::size_t next, double target_s) const {
    const std::size_t fetchable = top_[0][next].size() - 1;
    if (fetchable == 0) return 0;
    const double copies = std::floor((target_s - p.gpu.transfer_end_s()) / fetch_s_ * (1.0 + kSlack));
    return copies >= static_cast<double>(fetchable) ? fetchable
           : copies <= 0.0                          ? 0
                                                    : static_cast<std::size_t>(copies);
  }

  // A lower bound on the makespan of every completion of `p` (the groups from `next` on still
  // to place) that could end before target_s.
  // `copies`: false when the completions copy nothing more.
  double lower_bound_s(const Paths& p, std::size_t next, double target_s, bool copies) const {
    const double slack_s = kSlack * target_s;
    const double ndp_s = p.ndp.time_s() + ndp_dram_wait_s(p.ndp, p.gpu, model_);
    const double cpu_s = p.cpu.time_s() + cpu_link_wait_s(p.cpu, p.gpu, model_);
    double bound = std::max({p.gpu.makespan_s(), p.ndp.time_s(), p.cpu.time_s(), ndp_s - slack_s, cpu_s - slack_s});
    if (bound >= target_s || next == groups_) return bound;

    const std::size_t copied = copies ? copies_before(p, next, target_s) : 0;
    for (std::size_t w = 0; w < cold_weights_.size(); ++w) {
      const std::vector<double>& top = top_[w][next];
      const double rest_s = top.back() - top[copied];
      const double b = cold_weights_[w] * p.ndp.time_s() + (1.0 - cold_weights_[w]) * p.cpu.time_s() + rest_s;
      bound = std::max(bound, b - slack_s);
    }

    const double t = p.gpu.transfer_end_s();
    const bool ndp_waits_all = ndp_blocks_ && p.ndp.streaming_s() > 0.0;
    const bool cpu_waits_all = cpu_blocks_ && p.cpu.streaming_s() > 0.0;
    const int flags = (ndp_waits_all ? 1 : 0) + (cpu_waits_all ? 2 : 0);
    for (std::size_t k = 0; k < path_weights_.size(); ++k) {
      const Weights& x = path_weights_[k];
      const double now_s = x.gpu * t + x.ndp * (p.ndp.time_s() + (ndp_waits_all ? t : 0.0)) +
                           x.cpu * (p.cpu.time_s() + (cpu_waits_all ? t : 0.0));
      bound = std::max(bound, now_s + path_sums_[flags][k][next] - slack_s);
    }
    return bound;
  }

 private:
  struct Weights {
    double gpu, ndp, cpu;
  };
  const SystemCostModel& model_;
  double fetch_s_;
  std::size_t groups_;
  bool ndp_blocks_ = false;
  bool cpu_blocks_ = false;
  std::vector<double> cold_weights_;
  // [weight][first group][k]: the sum of the k largest terms min(w d, (1 - w) u) of the experts
  // that would need a copy, in the groups from the first on (bound 2).
  std::vector<std::vector<std::vector<double>>> top_;
  std::vector<Weights> path_weights_;
  // [blocked-and-used flags][weights][first group]: the remaining experts' least terms (bound 3).
  std::vector<std::vector<double>> path_sums_[4];
};

// A dominates B when every quantity that can only raise the final makespan is no larger in A:
// the copy end (later copies start from it, and the cold paths' waits grow with it), the GPU's
// compute end, and each cold path's time and streaming time. Streaming time matters only where
// the path shares a resource with the copies, and only when some copy can still happen.
class Dominance {
 public:
  explicit Dominance(const SystemCostModel& model)
      : ndp_(sharing(model.shared_dram_bytes_per_s, model.device_to_gpu_bytes_per_s, model.shared_dram_bytes_per_s)),
        cpu_(sharing(model.shared_link_bytes_per_s, model.device_to_gpu_bytes_per_s, model.cpu_weight_bytes_per_s)) {}

  using Key = std::array<double, 6>;
  Key key(const Paths& p, bool copies_possible) const {
    return {p.gpu.transfer_end_s(), p.gpu.makespan_s(),     p.ndp.time_s(),
            streaming(ndp_, p.ndp, copies_possible), p.cpu.time_s(), streaming(cpu_, p.cpu, copies_possible)};
  }

 private:
  // How a cold path's streaming time enters its wait (shared_stream_delay_s): not at all (the
  // resource is not shared, or the copies leave the path all it streams at), only through
  // whether it streams at all (the copies take all of it: the path waits out the whole copy
  // window), or through its value.
  enum class Sharing { kNone, kAll, kPartial };
  static Sharing sharing(double shared_bytes_per_s, double copy_bytes_per_s, double stream_bytes_per_s) {
    if (!(shared_bytes_per_s > 0.0)) return Sharing::kNone;
    const double left = shared_bytes_per_s - copy_bytes_per_s;
    if (left >= stream_bytes_per_s) return Sharing::kNone;
    return left <= 0.0 ? Sharing::kAll : Sharing::kPartial;
  }
  static double streaming(Sharing sharing, const SerialPathTimer& path, bool copies_possible) {
    if (sharing == Sharing::kNone || !copies_possible) return 0.0;
    if (sharing == Sharing::kAll) return path.streaming_s() > 0.0 ? 1.0 : 0.0;
    return path.streaming_s();
  }

  Sharing ndp_;
  Sharing cpu_;
};

// A state about to be kept, with what the filters need.
struct Candidate {
  Node node;
  Dominance::Key key;
  double bound_s;  // lower bound on its completions
};

// Keeps the candidates that no other one dominates (of equal ones, the first), in key order.
// Beyond `width` states (0: no limit) only the ones with the lowest bounds are kept: a heuristic
// pass, no longer exact, that finds a good incumbent fast.
std::vector<Node> keep_non_dominated(std::vector<Candidate> candidates, std::size_t width) {
  std::vector<Dominance::Key> keys;
  keys.reserve(candidates.size());
  for (const Candidate& c : candidates) keys.push_back(c.key);
  const std::vector<bool> keep = non_dominated(keys);
  std::vector<Candidate> kept;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (keep[i]) kept.push_back(std::move(candidates[i]));
  }
  // In key order (equal keys cannot both be kept): the order the next group's states are built in.
  std::stable_sort(kept.begin(), kept.end(), [](const Candidate& a, const Candidate& b) { return a.key < b.key; });
  if (width != 0 && kept.size() > width) {
    std::stable_sort(kept.begin(), kept.end(),
                     [](const Candidate& a, const Candidate& b) { return a.bound_s < b.bound_s; });
    kept.erase(kept.begin() + static_cast<std::ptrdiff_t>(width), kept.end());
  }
  std::vector<Node> out;
  out.reserve(kept.size());
  for (const Candidate& c : kept) out.push_back(c.node);
  return out;
}

// The timer after adding the group's expert 0, 1, ..., count times: [k] has k of them.
template <typename Timer, typename Add>
std::vector<Timer> repeated(const Timer& start, std::size_t count, Add add) {
  std::vector<Timer> out(count + 1, start);
  for (std::size_t k = 1; k <= count; ++k) {
    out[k] = out[k - 1];
    add(out[k]);
  }
  return out;
}

// One pass of the dynamic programme over the groups: exact with width 0, a beam of `width`
// states per group otherwise. Returns the best assignment strictly below incumbent_s, if any.
OracleSearchResult run_pass(const std::vector<ExpertGroup>& groups, const SystemCostModel& model, bool use_cpu,
                            bool copies, const CompletionBound& bound, double incumbent_s, std::size_t width) {
  OracleSearchResult result;
  const Dominance dominance(model);
  std::vector<std::vector<Node>> layers(groups.size() + 1);
  layers[0].push_back(Node{Paths{GpuPipelineTimer{}, SerialPathTimer(ndp_fixed_time_s(model)),
                                 SerialPathTimer(cpu_fixed_time_s(model))},
                           0, 0, 0, 0});
  for (std::size_t j = 0; j < groups.size(); ++j) {
    const ExpertGroup& g = groups[j];
    std::vector<Candidate> candidates;
    for (std::size_t s = 0; s < layers[j].size(); ++s) {
      const Paths& from = layers[j][s].paths;
      const auto gpu = repeated(from.gpu, g.count, [&](GpuPipelineTimer& t) { t.add(g.transfer_s, g.compute_s); });
      const auto ndp = repeated(from.ndp, g.count, [&](SerialPathTimer& t) { t.add(g.ndp.share_s, g.ndp.dram_busy_s); });
      const auto cpu = repeated(from.cpu, g.count, [&](SerialPathTimer& t) { t.add(g.cpu.share_s, g.cpu.read_s); });
      for (std::size_t on_gpu = 0; on_gpu <= g.count; ++on_gpu) {
        for (std::size_t on_ndp = 0; on_gpu + on_ndp <= g.count; ++on_ndp) {
          const std::size_t on_cpu = g.count - on_gpu - on_ndp;
          if (on_cpu > 0 && !use_cpu) continue;
          if (on_gpu > 0 && g.transfer_s > 0.0 && !copies) continue;
          Paths paths{gpu[on_gpu], ndp[on_ndp], cpu[on_cpu]};
          const double lower_s = bound.lower_bound_s(paths, j + 1, incumbent_s, copies);
          if (lower_s >= incumbent_s) continue;
          const bool copies_possible =
              paths.gpu.transfer_end_s() > 0.0 || (copies && bound.copies_before(paths, j + 1, incumbent_s) > 0);
          const Dominance::Key key = dominance.key(paths, copies_possible);
          candidates.push_back(Candidate{Node{std::move(paths), static_cast<std::uint32_t>(s),
                                              static_cast<std::uint16_t>(on_gpu), static_cast<std::uint16_t>(on_ndp),
                                              static_cast<std::uint16_t>(on_cpu)},
                                         key, lower_s});
        }
      }
    }
    layers[j + 1] = keep_non_dominated(std::move(candidates), width);
    result.states += layers[j + 1].size();
    if (layers[j + 1].empty()) return result;  // nothing beats the incumbent
  }

  const std::vector<Node>& last = layers.back();
  std::size_t best = last.size();
  double best_s = incumbent_s;
  for (std::size_t s = 0; s < last.size(); ++s) {
    const double t = makespan_s(last[s].paths, model);
    if (t < best_s) {
      best_s = t;
      best = s;
    }
  }
  if (best == last.size()) return result;
  result.found = true;
  result.makespan_s = best_s;
  result.split.resize(groups.size());
  for (std::size_t j = groups.size(), s = best; j-- > 0;) {
    const Node& n = layers[j + 1][s];
    result.split[j] = GroupSplit{n.to_gpu, n.to_ndp, n.to_cpu};
    s = n.parent;
  }
  return result;
}

// States per group of the heuristic first pass.
constexpr std::size_t kBeamWidth = 64;

}  // namespace

OracleSearchResult search_min_makespan(const std::vector<ExpertGroup>& groups, const SystemCostModel& model,
                                       bool use_cpu, double incumbent_s) {
  if (groups.empty()) return OracleSearchResult{};
  const CompletionBound bound(groups, model, use_cpu);
  // Two cheaper passes first, for a near-optimal incumbent: the full exact pass prunes with the bounds
  // against the best makespan known, so the incumbent is what keeps it small. One beam over all
  // assignments, and one exact pass over those that copy nothing (no copy, no waits: its states
  // differ only in the paths' times, which dominance thins fast); on a decode batch the cold
  // paths together often beat any copy.
  OracleSearchResult best;
  best.makespan_s = incumbent_s;
  std::size_t states = 0;
  auto consider = [&](OracleSearchResult r) {
    states += r.states;
    if (r.found && r.makespan_s < best.makespan_s) best = std::move(r);
  };
  consider(run_pass(groups, model, use_cpu, true, bound, best.makespan_s, kBeamWidth));
  consider(run_pass(groups, model, use_cpu, false, bound, best.makespan_s, 0));
  consider(run_pass(groups, model, use_cpu, true, bound, best.makespan_s, 0));
  best.states = states;
  return best;
}

}  // namespace monde::policy
