#include "host/policy/oracle_search.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

#include "host/policy/evaluator.hpp"
#include "host/policy/pareto_filter.hpp"
#include "host/policy/path_timers.hpp"

namespace monde::policy {

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

// The paths of a partial assignment, built with evaluate()'s timers in its order: the GPU, one
// NDP path per device (D: the devices the layer's experts are on, numbered densely), the CPU, and
// how many of the GPU's copies read each device's DRAM so far.
template <std::size_t... I>
std::array<SerialPathTimer, sizeof...(I)> serial_paths(double fixed_s, std::index_sequence<I...>) {
  return {((void)I, SerialPathTimer(fixed_s))...};
}

template <std::size_t D>
struct Paths {
  explicit Paths(const SystemCostModel& model)
      : ndp(serial_paths(ndp_fixed_time_s(model), std::make_index_sequence<D>{})), cpu(cpu_fixed_time_s(model)) {}
  GpuPipelineTimer gpu;
  std::array<SerialPathTimer, D> ndp;
  SerialPathTimer cpu;
  std::array<std::uint16_t, D> fetched{};  // [device]: copies that read its DRAM
  std::uint64_t ndp_tokens = 0;            // the NDP experts' tokens (a split layer reduces their partials)
  bool ndp_used() const {
    return std::any_of(ndp.begin(), ndp.end(), [](const SerialPathTimer& t) { return t.used(); });
  }
};

// A state after some groups, and how it was reached (for rebuilding the assignment).
template <std::size_t D>
struct Node {
  Paths<D> paths;
  std::uint32_t parent = 0;  // index in the previous group's states
  std::uint16_t to_gpu = 0;
  std::uint16_t to_ndp = 0;
  std::uint16_t to_cpu = 0;
  std::uint16_t copies = 0;  // GPU copies so far
};

// evaluate()'s makespan of a complete assignment with `copies` copies in all: the same terms,
// the same operations (NdpPaths::time: the slowest device's path with its DRAM wait; in a split
// layer every copy is counted once per device, and the reduction ends the NDP path).
template <std::size_t D>
double makespan_s(const Paths<D>& p, std::size_t copies, const SystemCostModel& model, const SplitTerms& split) {
  double ndp_s = 0;
  for (std::size_t d = 0; d < D; ++d) {
    const double path_s =
        p.ndp[d].time_s() + device_dram_wait_s(p.ndp[d], p.gpu, model, p.fetched[d], copies * split.devices);
    if (d == 0 || path_s > ndp_s) ndp_s = path_s;
  }
  if (split.devices > 1) ndp_s = ndp_s + split_reduce_time_s(model, split.shape, split.devices, p.ndp_tokens);
  const double cpu_s = p.cpu.time_s() + cpu_link_wait_s(p.cpu, p.gpu, model);
  return std::max({p.gpu.makespan_s(), ndp_s, cpu_s});
}

// Sums of floating-point terms in an order other than the evaluator's may differ from its by
// rounding; the bounds below that use such sums give this much (relative) away before they prune.
constexpr double kSlack = 1e-9;

// How the GPU's copies slow one cold path (shared_stream_delay_s): not at all (the resource is
// not shared, or the copies leave the path all it streams at), by the whole copy window once the
// path streams at all (the copies take the whole resource), or in part: then with
// kappa = (c - a) / a each second the path streams inside the copy window takes 1 + kappa.
struct Sharing {
  enum class Kind { kNone, kAll, kPartial } kind = Kind::kNone;
  double kappa = 0;
};
Sharing sharing(double shared_bytes_per_s, double copy_bytes_per_s, double stream_bytes_per_s) {
  if (!(shared_bytes_per_s > 0.0)) return {};
  const double left = shared_bytes_per_s - copy_bytes_per_s;
  if (left >= stream_bytes_per_s) return {};
  if (left <= 0.0) return {Sharing::Kind::kAll, 0.0};
  return {Sharing::Kind::kPartial, (stream_bytes_per_s - left) / left};
}

// One expert that needs a copy to run on the GPU, flattened in execution order.
struct Fetchable {
  double compute_s, ndp_s, ndp_stream_s, cpu_s, cpu_stream_s;
  std::uint32_t device;
};

// What the bounds need of a layer, whatever the number of copies.
struct LayerTerms {
  LayerTerms(const std::vector<ExpertGroup>& groups, const SystemCostModel& model, std::size_t device_count,
             const SplitTerms& split_terms)
      : devices(device_count),
        split(split_terms),
        ndp(sharing(model.shared_dram_bytes_per_s, model.device_to_gpu_bytes_per_s, model.shared_dram_bytes_per_s)),
        cpu(sharing(model.shared_link_bytes_per_s, model.device_to_gpu_bytes_per_s, model.cpu_weight_bytes_per_s)),
        ndp_fixed_s(ndp_fixed_time_s(model)),
        cpu_fixed_s(cpu_fixed_time_s(model)),
        fetchable_on(device_count, 0) {
    for (const ExpertGroup& g : groups) {
      first_fetchable.push_back(fetchable.size());
      if (g.transfer_s > 0.0) fetch_s = g.transfer_s;
      all_ndp_stream = all_ndp_stream && g.ndp.dram_busy_s > 0.0;
      all_cpu_stream = all_cpu_stream && g.cpu.read_s > 0.0;
      if (g.transfer_s == 0.0) continue;
      fetchable.insert(fetchable.end(), g.count,
                       Fetchable{g.compute_s, g.ndp.share_s, g.ndp.dram_busy_s, g.cpu.share_s, g.cpu.read_s, g.device});
      fetchable_on.at(g.device) += g.count;
    }
    first_fetchable.push_back(fetchable.size());
    min_compute_s.assign(fetchable.size() + 1, kInfinity);
    for (std::size_t i = fetchable.size(); i-- > 0;) {
      min_compute_s[i] = std::min(min_compute_s[i + 1], fetchable[i].compute_s);
    }
    // [group][device]: the fetchable experts of that device from the group on
    fetchable_after.assign(groups.size() + 1, std::vector<std::size_t>(device_count, 0));
    for (std::size_t j = groups.size(); j-- > 0;) {
      fetchable_after[j] = fetchable_after[j + 1];
      if (groups[j].transfer_s > 0.0) fetchable_after[j][groups[j].device] += groups[j].count;
    }
  }

  std::size_t devices;  // NDP paths (one per device the experts are on)
  SplitTerms split;     // a split layer: each copy reads split.devices devices
  Sharing ndp, cpu;     // ndp: one device, which every copy reads
  double ndp_fixed_s, cpu_fixed_s;
  double fetch_s = 0;  // the one copy time (all experts share a shape)
  bool all_ndp_stream = true, all_cpu_stream = true;
  std::vector<Fetchable> fetchable;
  std::vector<std::size_t> first_fetchable;  // [group]: its first expert in `fetchable`
  std::vector<double> min_compute_s;         // [i]: least compute of fetchable[i..]
  std::vector<std::size_t> fetchable_on;     // [device]: its fetchable experts
  std::vector<std::vector<std::size_t>> fetchable_after;
};

// Lower bounds on every completion of a state, in a pass that copies exactly `copies` experts.
// Then the copy window is known from the start, T_F = copies x t_f, and with it each cold path's
// wait is a function of that path's own sums (all mathematically valid; the evaluator's own
// rounding is covered by kSlack). Let M be the incumbent: only completions faster than M matter,
// so every bound may assume makespan < M.
//
// 1. Every path only grows as experts are added, and a cold path's end with its wait,
//    P + w(P, S, T_F), is non-decreasing in its time P, its streaming time S and the window T_F
//    (docs/policies.md, oracle: d(P + w)/dP > 0): the state's paths, each cold path with its wait
//    in the final window, bound the final ones. The GPU ends after its last copy's compute, so
//    with r copies still to come it ends after T_F + (least compute of the remaining fetchable
//    experts) and after its compute end so far + r x (that least compute).
// 2. A cold path's wait in the final window, in additive terms. Partial sharing (kappa > 0):
//    with x = kappa x min(P, S) (= P s, s = rho kappa, rho = min(1, S / P)) the wait is
//    w = x where P + x <= T_F and w = T_F x / (P + x) otherwise. Since x <= kappa P,
//    x (1 + kappa) <= kappa (P + x). In the second case
//      P + w = (P + x) - x (1 - T_F / (P + x)) >= (P + x) / (1 + kappa) + kappa T_F / (1 + kappa),
//    and P + w <= makespan < M gives P + x < M + kappa (M - T_F), so w > lambda x with
//    lambda = T_F / (M + kappa (M - T_F)). lambda <= 1 (T_F < M, else the GPU alone reaches M),
//    so w = x >= lambda x in the first case too. And min(P, S) >= the sum over the path's
//    experts of min(share, streaming) (P >= the sum of shares). So the path ends after
//    P + lambda kappa min(P, S), at least the sum over its experts of
//    share + lambda kappa min(share, streaming) (its term) plus its fixed cost once. Whole
//    resource taken (kAll): a used path that streams ends after P + T_F.
// 3. The final assignment uses a cold path or not (a path used so far stays used); each case
//    gets its own bound, and the least of the cases the state allows bounds it. In a case, a used
//    path's end is at least its part so far (2) plus, if it is not used yet, its fixed cost (and
//    T_F where the copies take the whole resource and every expert streams): N for NDP, C for the
//    CPU. Exactly r of the remaining fetchable experts are copied; every other one runs on a
//    used cold path, adding its term d (NDP) or u (CPU) there. Residents, at the head of the
//    order, may always run on the GPU without a copy, so they add nothing.
//    - Only NDP used: NDP >= N + the sum of d over the experts not copied; at best the copied
//      ones have the largest d. Only the CPU: the same with C and u. Neither: every remaining
//      fetchable expert must be copied (the GPU bound 1 alone).
//    - Both: for every t in [0, 1], makespan >= t NDP + (1 - t) CPU
//      >= h(t) = t N + (1 - t) C + sum over the experts not copied of min(t d, (1 - t) u).
//      At best the copied ones are those with the largest min(t d, (1 - t) u). h is concave and
//      piecewise linear in t: with the experts sorted by tau = u / (d + u) (t d <= (1 - t) u
//      exactly when t <= tau) in decreasing order and D_q, U_q the sums of d and u of the first
//      q, on the interval where exactly the first q have tau > t the slope of h is
//      N - C + D_q - (U - U_q), which grows with q, so h peaks at t = tau_q* for the least q*
//      whose slope is >= 0 (t = 1 if that is q = 0, t = 0 if there is none). Any t gives a
//      valid bound; this one is the largest.
//    Where d and u do not increase along the execution order (as tokens fall), the r largest
//    terms of the remaining experts are their first r whatever t; otherwise r x the largest
//    term is taken away instead.
// 4. Several devices (D NDP paths, each with its DRAM wait at its share f_d / copies of the copy
//    stream; NdpPaths in evaluator.hpp). A device's wait grows with its copies f_d, and its final
//    f_d is at least what it has and at least the pass's copies less all the other devices can
//    still reach: (1) ends each device's path with that f_d. The additive terms (2) take each
//    device's kappa at the least f_d the pass allows (lambda kappa grows with kappa, and the whole
//    window where the copies take all of it is the limit kappa -> infinity, so a smaller kappa
//    only gives less away). In (3) the NDP "path" is the devices' mean, which the makespan is at
//    least: a used device adds its part so far / D, an expert on NDP its term / D on whichever
//    device, and a layer with no device used yet at least the cheapest device's first cost / D.
//    Beside the mean, each device alone: with no CPU, device d ends after its part so far (or
//    its first cost, if more of its experts remain than copies) plus its remaining experts'
//    whole terms but the `left` largest; with the CPU, for every t, makespan >= t NDP_d +
//    (1 - t) CPU >= h_d(t) over device d's own remaining experts (the others add >= 0), its part
//    so far or 0 as N. Every one of these is a valid bound of its case, so the case takes the
//    largest. With one device all of this is (1) to (3) as written.
class PassBound {
 public:
  PassBound(const LayerTerms& terms, const SystemCostModel& model, bool use_cpu, std::size_t copies,
            double incumbent_s, bool for_search)
      : terms_(terms), model_(model), use_cpu_(use_cpu), copies_(copies) {
    for (std::size_t k = 0; k < copies; ++k) window_.add(terms.fetch_s, 0.0);  // the copy window, as the timer sums it
    const double t = window_.transfer_end_s();
    const double m = incumbent_s;
    auto extra = [&](const Sharing& s) {
      if (s.kind != Sharing::Kind::kPartial || copies == 0 || !(t < m)) return 0.0;
      return s.kappa * std::min(1.0, t / (m + s.kappa * (m - t)));
    };
    const bool copying = copies > 0;
    const std::size_t devices = terms.devices;
    ndp_extra_.resize(devices);
    ndp_first_s_.resize(devices);
    ndp_streams_all_.resize(devices);
    for (std::size_t d = 0; d < devices; ++d) {
      // (4) the least copies device d can end with in this pass: rate and sharing at that share
      const std::size_t others = terms.fetchable.size() - terms.fetchable_on[d];
      const std::size_t least = copies > others ? copies - others : 0;
      const Sharing ndp = sharing(model.shared_dram_bytes_per_s,
                                  device_fetch_bytes_per_s(model, least, copies * terms.split.devices),
                                  model.shared_dram_bytes_per_s);
      ndp_extra_[d] = extra(ndp);
      ndp_streams_all_[d] = ndp.kind == Sharing::Kind::kAll;
      ndp_first_s_[d] = terms.ndp_fixed_s + (copying && ndp_streams_all_[d] && terms.all_ndp_stream ? t : 0.0);
    }
    ndp_first_min_s_ = *std::min_element(ndp_first_s_.begin(), ndp_first_s_.end());
    cpu_extra_ = extra(terms.cpu);
    cpu_first_s_ = terms.cpu_fixed_s +
                   (copying && terms.cpu.kind == Sharing::Kind::kAll && terms.all_cpu_stream ? t : 0.0);
    inv_devices_ = 1.0 / static_cast<double>(devices);

    const std::size_t n = terms.fetchable.size();
    d_.resize(n);
    u_.resize(n);
    std::vector<std::vector<double>> terms_of(devices), cpu_terms_of(devices);  // (4) each device's experts' terms
    for (std::size_t i = 0; i < n; ++i) {
      const Fetchable& f = terms.fetchable[i];
      const double whole = f.ndp_s + ndp_extra_[f.device] * std::min(f.ndp_s, f.ndp_stream_s);
      terms_of[f.device].push_back(whole);
      cpu_terms_of[f.device].push_back(f.cpu_s + cpu_extra_ * std::min(f.cpu_s, f.cpu_stream_s));
      d_[i] = whole * inv_devices_;
      u_[i] = f.cpu_s + cpu_extra_ * std::min(f.cpu_s, f.cpu_stream_s);
      if (i > 0) sorted_ = sorted_ && d_[i] <= d_[i - 1] && u_[i] <= u_[i - 1];
    }
    // (4) each device's own experts with their whole terms, for the NDP-only case: [d][q] the sum
    // over device d's fetchable experts from its q-th on
    if (devices > 1) {
      device_sum_.resize(devices);
      for (std::size_t d = 0; d < devices; ++d) {
        const auto& v = terms_of[d];
        const auto& w = cpu_terms_of[d];
        device_sum_[d].assign(v.size() + 1, 0.0);
        for (std::size_t q = v.size(); q-- > 0;) {
          device_sum_[d][q] = device_sum_[d][q + 1] + v[q];
          if (q + 1 < v.size()) device_sorted_ = device_sorted_ && v[q + 1] <= v[q] && w[q + 1] <= w[q];
        }
      }
      // With the CPU: device d alone against the CPU, h_d(t) = t N_d + (1 - t) C + the sum over
      // device d's experts not copied of min(t d, (1 - t) u) (the other devices' experts add at
      // least 0), for every suffix of device d's experts.
      if (use_cpu && for_search) {
        device_runs_.resize(devices);
        for (std::size_t d = 0; d < devices; ++d) {
          const std::size_t count = terms_of[d].size();
          for (std::size_t q = 0; q <= count; ++q) device_runs_[d].push_back(run_of(terms_of[d], cpu_terms_of[d], q));
        }
      }
    }
    sum_d_.assign(n + 1, 0.0);
    sum_u_.assign(n + 1, 0.0);
    max_d_.assign(n + 1, 0.0);
    max_u_.assign(n + 1, 0.0);
    max_min_.assign(n + 1, 0.0);
    for (std::size_t i = n; i-- > 0;) {
      sum_d_[i] = sum_d_[i + 1] + d_[i];
      sum_u_[i] = sum_u_[i + 1] + u_[i];
      max_d_[i] = std::max(max_d_[i + 1], d_[i]);
      max_u_[i] = std::max(max_u_[i + 1], u_[i]);
      max_min_[i] = std::max(max_min_[i + 1], std::min(d_[i], u_[i]));
    }
    // The experts by decreasing tau, and for every suffix fetchable[s..] the running sums of d
    // and u in that order (a search evaluates the both-paths bound per state; a root bound once).
    by_tau_.resize(n);
    for (std::size_t i = 0; i < n; ++i) by_tau_[i] = static_cast<std::uint32_t>(i);
    std::stable_sort(by_tau_.begin(), by_tau_.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return tau(a) > tau(b); });
    if (use_cpu && for_search) {
      runs_.resize(n + 1);
      for (std::size_t s = 0; s <= n; ++s) runs_[s] = build_run(s);
    }
  }

  // A lower bound on the makespan of every completion of `p` (`copied` copies so far, the groups
  // from `next` on still to place) that ends before target_s (the pass's incumbent or less);
  // infinity when no completion makes exactly the pass's copies.
  template <std::size_t D>
  double lower_bound_s(const Paths<D>& p, std::size_t copied, std::size_t next, double target_s) const {
    if (copied > copies_) return kInfinity;
    const std::size_t left = copies_ - copied;
    const std::size_t first = terms_.first_fetchable[next];
    const std::size_t n = terms_.fetchable.size();
    if (first + left > n) return kInfinity;
    const double slack_s = kSlack * target_s;
    const double t = window_.transfer_end_s();

    // 1
    double gpu_s = p.gpu.makespan_s();
    if (left > 0) {
      const double c = terms_.min_compute_s[first];
      gpu_s = std::max({gpu_s, t + c, gpu_s + static_cast<double>(left) * c});
    }
    // the cold paths' waits in the final copy window (window_ holds the pass's copies), each
    // device's at the least copies it can end with (4)
    const std::size_t reachable = n - first;  // fetchable experts still to place, on every device
    double bound = std::max({gpu_s, p.cpu.time_s(), p.cpu.time_s() + cpu_link_wait_s(p.cpu, window_, model_) - slack_s});
    for (std::size_t d = 0; d < D; ++d) {
      const std::size_t others = copied - p.fetched[d] + reachable - terms_.fetchable_after[next][d];
      const std::size_t least = std::max<std::size_t>(p.fetched[d], copies_ > others ? copies_ - others : 0);
      const double ndp_s =
          p.ndp[d].time_s() + device_dram_wait_s(p.ndp[d], window_, model_, least, copies_ * terms_.split.devices);
      bound = std::max({bound, p.ndp[d].time_s(), ndp_s - slack_s});
    }
    if (bound >= target_s || next == terms_.first_fetchable.size() - 1) return bound;

    // 2: each cold path so far, or what using it costs; several devices: their mean (4)
    const bool ndp_used = p.ndp_used();
    double ndp_base = 0;
    if (ndp_used) {
      for (std::size_t d = 0; d < D; ++d) {
        if (p.ndp[d].used()) ndp_base += part_s(p.ndp[d], ndp_streams_all_[d], ndp_extra_[d], t);
      }
      ndp_base *= inv_devices_;
    } else {
      ndp_base = ndp_first_min_s_ * inv_devices_;
    }
    const double cpu_base =
        p.cpu.used() ? part_s(p.cpu, terms_.cpu.kind == Sharing::Kind::kAll, cpu_extra_, t) : cpu_first_s_;

    // 3: the least over the cases the state allows. `rest` is where the uncopied experts start
    // (sorted: the copied ones are the first `left`), `taken` what the copied ones take away.
    const std::size_t rest = sorted_ ? first + left : first;
    const double r = sorted_ ? 0.0 : static_cast<double>(left);
    double cases = kInfinity;
    if (!p.cpu.used()) {
      double ndp_only = ndp_base + std::max(0.0, sum_d_[rest] - r * max_d_[rest]);
      if (D > 1 && device_sorted_) {
        // (4) every device ends after its own part plus its remaining experts but the `left` largest
        for (std::size_t d = 0; d < D; ++d) {
          const std::size_t remaining = terms_.fetchable_after[next][d];
          const std::size_t first_on_d = device_sum_[d].size() - 1 - remaining;
          const double base = p.ndp[d].used() ? part_s(p.ndp[d], ndp_streams_all_[d], ndp_extra_[d], t)
                              : remaining > left ? ndp_first_s_[d]
                                                 : 0.0;
          ndp_only = std::max(ndp_only, base + device_sum_[d][first_on_d + std::min(left, remaining)]);
        }
      }
      cases = std::min(cases, ndp_only);
    }
    if (use_cpu_) {
      if (!ndp_used) cases = std::min(cases, cpu_base + std::max(0.0, sum_u_[rest] - r * max_u_[rest]));
      double both = both_s(rest, ndp_base, cpu_base) - r * max_min_[rest];
      if (D > 1 && device_sorted_ && !device_runs_.empty()) {
        // (4) each device against the CPU (its part so far, or 0 if unused: it need not be used)
        for (std::size_t d = 0; d < D; ++d) {
          const std::size_t remaining = terms_.fetchable_after[next][d];
          const std::size_t first_on_d = device_runs_[d].size() - 1 - remaining;
          const double base = p.ndp[d].used() ? part_s(p.ndp[d], ndp_streams_all_[d], ndp_extra_[d], t) : 0.0;
          both = std::max(both, peak(device_runs_[d][first_on_d + std::min(left, remaining)], base, cpu_base));
        }
      }
      cases = std::min(cases, both);
    }
    if (!ndp_used && !p.cpu.used() && first + left == n) cases = std::min(cases, gpu_s);
    return std::max(bound, cases - slack_s);
  }

 private:
  // The running sums of one suffix's experts in decreasing tau.
  struct Run {
    std::vector<double> tau;   // [q]: tau of the q-th (from 1), [0] unused
    std::vector<double> d, u;  // [q]: sums of d and u of the first q
  };

  // (an expert with no time on either cold path adds 0 whatever t: any tau will do)
  double tau(std::uint32_t i) const {
    const double sum = d_[i] + u_[i];
    return sum > 0.0 ? u_[i] / sum : 0.5;
  }

  Run build_run(std::size_t s) const {
    Run run;
    run.tau.push_back(0.0);
    run.d.push_back(0.0);
    run.u.push_back(0.0);
    for (const std::uint32_t i : by_tau_) {
      if (i < s) continue;
      run.tau.push_back(tau(i));
      run.d.push_back(run.d.back() + d_[i]);
      run.u.push_back(run.u.back() + u_[i]);
    }
    return run;
  }

  // A run over the experts q.. of one device's terms (d, u), by decreasing tau.
  static Run run_of(const std::vector<double>& d, const std::vector<double>& u, std::size_t q) {
    std::vector<std::size_t> order;
    for (std::size_t i = q; i < d.size(); ++i) order.push_back(i);
    auto tau_of = [&](std::size_t i) { return d[i] + u[i] > 0.0 ? u[i] / (d[i] + u[i]) : 0.5; };
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return tau_of(a) > tau_of(b); });
    Run run;
    run.tau.push_back(0.0);
    run.d.push_back(0.0);
    run.u.push_back(0.0);
    for (const std::size_t i : order) {
      run.tau.push_back(tau_of(i));
      run.d.push_back(run.d.back() + d[i]);
      run.u.push_back(run.u.back() + u[i]);
    }
    return run;
  }

  // max over t of h(t) (3) for the experts fetchable[s..] and the bases N, C.
  double both_s(std::size_t s, double ndp_base, double cpu_base) const {
    if (runs_.empty()) return peak(build_run(s), ndp_base, cpu_base);
    return peak(runs_[s], ndp_base, cpu_base);
  }

  static double peak(const Run& run, double ndp_base, double cpu_base) {
    const std::size_t m = run.tau.size() - 1;
    const double all_u = run.u[m];
    // slope(q) = N - C + D_q - (U - U_q) >= 0  <=>  D_q + U_q >= C + U - N
    const double need = cpu_base + all_u - ndp_base;
    std::size_t lo = 0, hi = m + 1;  // least q in [0, m] with D_q + U_q >= need, m + 1 if none
    while (lo < hi) {
      const std::size_t mid = (lo + hi) / 2;
      if (run.d[mid] + run.u[mid] >= need) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    if (lo == m + 1) return cpu_base;  // h falls on all of [0, 1]: t = 0
    if (lo == 0) return ndp_base;      // h rises on all of [0, 1]: t = 1
    const double t = run.tau[lo];
    return t * (ndp_base + run.d[lo]) + (1.0 - t) * (cpu_base + all_u - run.u[lo]);
  }

  // A cold path's end so far in additive terms (2): its time plus the part of its wait that is
  // linear in its sums (`all`: the copies take the whole resource).
  static double part_s(const SerialPathTimer& path, bool all, double extra, double window_s) {
    if (all) return path.time_s() + (path.streaming_s() > 0.0 ? window_s : 0.0);
    return path.time_s() + extra * std::min(path.time_s(), path.streaming_s());
  }

  const LayerTerms& terms_;
  const SystemCostModel& model_;
  bool use_cpu_;
  std::size_t copies_;
  GpuPipelineTimer window_;
  std::vector<double> ndp_extra_;   // [device]: lambda x kappa (2, 4)
  std::vector<double> ndp_first_s_;  // [device]: what using it costs
  std::vector<bool> ndp_streams_all_;  // [device]: the copies take its whole DRAM
  double ndp_first_min_s_ = 0;
  double cpu_extra_ = 0, cpu_first_s_ = 0;
  double inv_devices_ = 1;
  std::vector<double> d_, u_;  // per fetchable expert: its NDP and CPU terms (2)
  bool sorted_ = true;         // d and u non-increasing in execution order
  std::vector<double> sum_d_, sum_u_, max_d_, max_u_, max_min_;  // [s]: over fetchable[s..]
  std::vector<std::uint32_t> by_tau_;
  std::vector<Run> runs_;
  std::vector<std::vector<double>> device_sum_;  // (4) [device][q], several devices only
  std::vector<std::vector<Run>> device_runs_;   // (4) [device][q], with the CPU
  bool device_sorted_ = true;                    // each device's terms non-increasing in execution order  // [s]: fetchable[s..] (searches with the CPU only)
};

// In a pass with a fixed number of copies, A dominates B when both made the same copies so far
// and every quantity that can only raise the final makespan is no larger in A: the GPU's compute
// end, and each cold path's time and streaming time (every completion adds the same terms to
// both and ends in the same copy window). Streaming time matters only where the path shares a
// resource with the copies, only through "streams at all" where the copies take all of it, and
// not at all in a pass without copies. The copy count enters as +T and -T (T, the copy end, is
// the same sum for the same count): "no larger in both" is equality.
// Several devices: each device's time, streaming time and copies so far (its wait grows with
// each; any streaming at all once the copies are shared), and the copies' ±T as before.
// A split layer (one path for all devices, D = 1) adds the NDP experts' tokens: the reduction
// at the end of the NDP path grows with them (it is 0 in every other layer).
constexpr std::size_t key_size(std::size_t devices) { return devices == 1 ? 8 : 5 + 3 * devices; }
template <std::size_t D>
using Key = std::array<double, key_size(D)>;

template <std::size_t D>
Key<D> dominance_key(const Paths<D>& p, const LayerTerms& terms, bool copying, bool dram_shared) {
  auto streaming = [&](const Sharing& s, const SerialPathTimer& path) {
    if (!copying || s.kind == Sharing::Kind::kNone) return 0.0;
    if (s.kind == Sharing::Kind::kAll) return path.streaming_s() > 0.0 ? 1.0 : 0.0;
    return path.streaming_s();
  };
  const double t = p.gpu.transfer_end_s();
  Key<D> key{};
  key[0] = t;
  key[1] = -t;
  key[2] = p.gpu.makespan_s();
  if constexpr (D == 1) {
    key[3] = p.ndp[0].time_s();
    key[4] = streaming(terms.ndp, p.ndp[0]);
    key[5] = terms.split.devices > 1 ? static_cast<double>(p.ndp_tokens) : 0.0;
  } else {
    const bool shared = copying && dram_shared;
    for (std::size_t d = 0; d < D; ++d) {
      key[3 + 3 * d] = p.ndp[d].time_s();
      key[4 + 3 * d] = shared ? p.ndp[d].streaming_s() : 0.0;
      key[5 + 3 * d] = shared ? static_cast<double>(p.fetched[d]) : 0.0;
    }
  }
  key[key_size(D) - 2] = p.cpu.time_s();
  key[key_size(D) - 1] = streaming(terms.cpu, p.cpu);
  return key;
}

// A state about to be kept, with what the filters need.
template <std::size_t D>
struct Candidate {
  Node<D> node;
  Key<D> key;
  double bound_s;  // lower bound on its completions
};

// The coordinates of a key that dominance can only compare for equality: the copy end T and -T,
// and with several devices each device's copies (they sum to the copies so far, which T fixes,
// so "no more from every device" is "as many from each"). States that differ in any of them never
// dominate each other: the filter compares each class on the rest (pareto_filter.hpp).
template <std::size_t D>
constexpr std::size_t kEqualityCoordinates = D == 1 ? 2 : 2 + D;
template <std::size_t D>
constexpr std::array<bool, key_size(D)> equality_coordinates() {
  std::array<bool, key_size(D)> c{};
  for (std::size_t i = 0; i < key_size(D); ++i) {
    c[i] = i < 2 || (D > 1 && i >= 5 && i < 5 + 3 * D && (i - 5) % 3 == 0);  // T, -T, each device's copies
  }
  return c;
}

// Keeps the candidates that no other one dominates (of equal ones, the first), in key order.
// Beyond `width` states (0: no limit) only the ones with the lowest bounds are kept: a heuristic
// pass, no longer exact, that finds a good incumbent fast.
template <std::size_t D>
std::vector<Node<D>> keep_non_dominated(std::vector<Candidate<D>> candidates, std::size_t width) {
  std::vector<Key<D>> keys;
  keys.reserve(candidates.size());
  for (const Candidate<D>& c : candidates) keys.push_back(c.key);
  const std::vector<bool> keep =
      non_dominated_within_classes<key_size(D) - kEqualityCoordinates<D>>(keys, equality_coordinates<D>());
  std::vector<Candidate<D>> kept;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (keep[i]) kept.push_back(std::move(candidates[i]));
  }
  // In key order (equal keys cannot both be kept): the order the next group's states are built in.
  std::stable_sort(kept.begin(), kept.end(), [](const Candidate<D>& a, const Candidate<D>& b) { return a.key < b.key; });
  if (width != 0 && kept.size() > width) {
    std::stable_sort(kept.begin(), kept.end(),
                     [](const Candidate<D>& a, const Candidate<D>& b) { return a.bound_s < b.bound_s; });
    kept.erase(kept.begin() + static_cast<std::ptrdiff_t>(width), kept.end());
  }
  std::vector<Node<D>> out;
  out.reserve(kept.size());
  for (const Candidate<D>& c : kept) out.push_back(c.node);
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

// One pass of the dynamic programme over the groups, over the assignments that copy exactly
// `copies` experts: exact with width 0, a beam of `width` states per group otherwise. Returns the
// best such assignment strictly below incumbent_s, if any.
template <std::size_t D>
OracleSearchResult run_pass(const std::vector<ExpertGroup>& groups, const SystemCostModel& model, bool use_cpu,
                            const LayerTerms& terms, std::size_t copies, double incumbent_s, std::size_t width) {
  OracleSearchResult result;
  const PassBound bound(terms, model, use_cpu, copies, incumbent_s, true);
  const bool dram_shared = model.shared_dram_bytes_per_s > 0.0;
  std::vector<std::vector<Node<D>>> layers(groups.size() + 1);
  layers[0].push_back(Node<D>{Paths<D>(model), 0, 0, 0, 0, 0});
  for (std::size_t j = 0; j < groups.size(); ++j) {
    const ExpertGroup& g = groups[j];
    const bool fetchable = g.transfer_s > 0.0;
    std::vector<Candidate<D>> candidates;
    for (std::size_t s = 0; s < layers[j].size(); ++s) {
      const Node<D>& from = layers[j][s];
      // A fetchable group's GPU experts are copies: no more than the pass has left, and no fewer
      // than the later groups cannot make up.
      const std::size_t left = copies - from.copies;
      const std::size_t after = terms.fetchable.size() - terms.first_fetchable[j + 1];
      const std::size_t gpu_min = fetchable && left > after ? left - after : 0;
      const std::size_t gpu_max = fetchable ? std::min(g.count, left) : g.count;
      if (gpu_min > gpu_max) continue;
      const auto gpu = repeated(from.paths.gpu, gpu_max, [&](GpuPipelineTimer& t) { t.add(g.transfer_s, g.compute_s); });
      const auto ndp = repeated(from.paths.ndp[g.device], g.count,
                                [&](SerialPathTimer& t) { t.add(g.ndp.share_s, g.ndp.dram_busy_s); });
      // A split layer of two slice sizes: the smaller slices' path (device 1) takes every NDP expert too.
      const bool other = D > 1 && terms.split.classes == 2;
      const auto ndp_other = repeated(from.paths.ndp[D - 1], other ? g.count : 0, [&](SerialPathTimer& t) {
        t.add(g.ndp_other.share_s, g.ndp_other.dram_busy_s);
      });
      const auto cpu =
          repeated(from.paths.cpu, use_cpu ? g.count : 0, [&](SerialPathTimer& t) { t.add(g.cpu.share_s, g.cpu.read_s); });
      for (std::size_t on_gpu = gpu_min; on_gpu <= gpu_max; ++on_gpu) {
        for (std::size_t on_ndp = 0; on_gpu + on_ndp <= g.count; ++on_ndp) {
          const std::size_t on_cpu = g.count - on_gpu - on_ndp;
          if (on_cpu > 0 && !use_cpu) continue;
          const std::size_t copied = from.copies + (fetchable ? on_gpu : 0);
          Paths<D> paths = from.paths;
          paths.gpu = gpu[on_gpu];
          paths.ndp[g.device] = ndp[on_ndp];
          if (other) paths.ndp[D - 1] = ndp_other[on_ndp];
          paths.cpu = cpu[on_cpu];
          if (fetchable) paths.fetched[g.device] = static_cast<std::uint16_t>(paths.fetched[g.device] + on_gpu);
          if (fetchable && other) paths.fetched[D - 1] = static_cast<std::uint16_t>(paths.fetched[D - 1] + on_gpu);
          paths.ndp_tokens += on_ndp * g.tokens;
          const double lower_s = bound.lower_bound_s(paths, copied, j + 1, incumbent_s);
          if (lower_s >= incumbent_s) continue;
          const Key<D> key = dominance_key(paths, terms, copies > 0, dram_shared);
          candidates.push_back(Candidate<D>{Node<D>{std::move(paths), static_cast<std::uint32_t>(s),
                                                    static_cast<std::uint16_t>(on_gpu), static_cast<std::uint16_t>(on_ndp),
                                                    static_cast<std::uint16_t>(on_cpu), static_cast<std::uint16_t>(copied)},
                                            key, lower_s});
        }
      }
    }
    layers[j + 1] = keep_non_dominated(std::move(candidates), width);
    result.states += layers[j + 1].size();
    if (layers[j + 1].empty()) return result;  // nothing beats the incumbent
  }

  const std::vector<Node<D>>& last = layers.back();
  std::size_t best = last.size();
  double best_s = incumbent_s;
  for (std::size_t s = 0; s < last.size(); ++s) {
    if (last[s].copies != copies) continue;
    const double t = makespan_s(last[s].paths, copies, model, terms.split);
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
    const Node<D>& n = layers[j + 1][s];
    result.split[j] = GroupSplit{n.to_gpu, n.to_ndp, n.to_cpu};
    s = n.parent;
  }
  return result;
}

// States per group of the heuristic passes, and how many copy counts (the most promising) get one.
constexpr std::size_t kBeamWidth = 64;
constexpr std::size_t kBeamPasses = 4;

template <std::size_t D>
OracleSearchResult search(const std::vector<ExpertGroup>& groups, const SystemCostModel& model, bool use_cpu,
                          double incumbent_s, const SplitTerms& split) {
  const LayerTerms terms(groups, model, D, split);

  // Every assignment copies some number k of experts, 0 to all that need a copy; each k is a
  // pass of its own, in which the copy window and with it the waits are known (PassBound). The
  // passes run in the order of their root bounds, the most promising first; a pass whose root
  // bound reaches the best makespan known is skipped (the root bound was computed against an
  // incumbent no better than the current one, which only makes it weaker: still valid).
  const Paths<D> start(model);
  std::vector<std::pair<double, std::size_t>> passes;  // (root bound, copies)
  const std::size_t most = std::min<std::size_t>(terms.fetchable.size(), std::numeric_limits<std::uint16_t>::max());
  for (std::size_t k = 0; k <= most; ++k) {
    const double root_s = PassBound(terms, model, use_cpu, k, incumbent_s, false).lower_bound_s(start, 0, 0, incumbent_s);
    if (root_s < incumbent_s) passes.emplace_back(root_s, k);
  }
  std::stable_sort(passes.begin(), passes.end());

  OracleSearchResult best;
  best.makespan_s = incumbent_s;
  std::size_t states = 0;
  auto consider = [&](OracleSearchResult r) {
    states += r.states;
    if (r.found && r.makespan_s < best.makespan_s) best = std::move(r);
  };
  // Beams over the most promising copy counts first, for a near-optimal incumbent: the exact
  // passes prune with the bounds against the best makespan known, so the incumbent is what
  // keeps them small. Incumbents only prune: every strictly faster assignment is still found.
  for (std::size_t i = 0; i < std::min(kBeamPasses, passes.size()); ++i) {
    consider(run_pass<D>(groups, model, use_cpu, terms, passes[i].second, best.makespan_s, kBeamWidth));
  }
  for (const auto& [root_s, copies] : passes) {
    if (root_s >= best.makespan_s) continue;
    consider(run_pass<D>(groups, model, use_cpu, terms, copies, best.makespan_s, 0));
  }
  best.states = states;
  return best;
}

// search<D> for D = 1 .. kMaxSearchDevices, chosen at run time.
using SearchFn = OracleSearchResult (*)(const std::vector<ExpertGroup>&, const SystemCostModel&, bool, double,
                                        const SplitTerms&);
template <std::size_t... I>
constexpr std::array<SearchFn, sizeof...(I)> search_table(std::index_sequence<I...>) {
  return {&search<I + 1>...};
}

}  // namespace

OracleSearchResult search_min_makespan(const std::vector<ExpertGroup>& groups, std::size_t devices,
                                       const SystemCostModel& model, bool use_cpu, double incumbent_s,
                                       const SplitTerms& split) {
  if (groups.empty()) return OracleSearchResult{};
  if (devices < 1 || devices > kMaxSearchDevices) {
    throw std::invalid_argument("oracle search: " + std::to_string(devices) + " devices; allowed 1.." +
                                std::to_string(kMaxSearchDevices));
  }
  for (const ExpertGroup& g : groups) {
    if (g.device >= devices) {
      throw std::invalid_argument("oracle search: a group on device " + std::to_string(g.device) + " of " +
                                  std::to_string(devices));
    }
  }
  const bool classes_ok = split.classes >= 1 && split.classes <= 2 && devices == split.classes;
  if (split.devices < 1 || (split.devices > 1 && !classes_ok)) {
    throw std::invalid_argument("oracle search: a layer split over " + std::to_string(split.devices) +
                                " devices is searched as one path per slice size (" + std::to_string(split.classes) +
                                "), not " + std::to_string(devices));
  }
  static constexpr auto table = search_table(std::make_index_sequence<kMaxSearchDevices>{});
  return table[devices - 1](groups, model, use_cpu, incumbent_s, split);
}

}  // namespace monde::policy
