#include "runtime/moe_runtime.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "moe/token_route.hpp"
#include "moe/trace_routing.hpp"
#include "moe/uniform_routing.hpp"
#include "moe/zipf_routing.hpp"
#include "policy/policy_factory.hpp"

namespace monde::runtime {

namespace {

double now_s() { return sc_core::sc_time_stamp().to_seconds(); }

std::unique_ptr<moe::RoutingSource> make_routing(const ExperimentConfig& e) {
  const auto& r = e.routing;
  if (r.source == "uniform") return std::make_unique<moe::UniformRoutingSource>(e.model, r.seed);
  if (r.source == "zipf") return std::make_unique<moe::ZipfRoutingSource>(e.model, r.zipf_exponent, r.seed);
  return std::make_unique<moe::TraceRoutingSource>(e.model, moe::load_routing_trace(r.trace), r.seed);
}

policy::ExpertShape shape_of(const moe::MoeModelConfig& m) {
  policy::ExpertShape s;
  s.d_model = m.d_model;
  s.d_ff = m.d_ff;
  s.gated = m.gated;
  return s;
}

}  // namespace

Demand route_experiment(const ExperimentConfig& e) {
  auto routing = make_routing(e);
  const auto layers = e.model.moe_layer_indices();
  Demand d(e.run.steps);
  for (std::uint32_t s = 0; s < e.run.steps; ++s) {
    for (const auto layer : layers) {
      d[s].push_back(moe::tokens_per_expert(routing->route(layer, e.run.tokens_per_step()), e.model.experts));
    }
  }
  return d;
}

MoeRuntime::MoeRuntime(const ExperimentConfig& config, MondeSystem& system, policy::SystemCostModel cost)
    : config_(config), system_(system), cost_(std::move(cost)), moe_layers_(config.model.moe_layer_indices()) {
  driver::DriverOptions o;
  o.timing_only = config.run.timing_only;
  driver_ = std::make_unique<driver::NdpDriver>(system.bus, config.device.dram.capacity_bytes(), o);
}

void MoeRuntime::setup() {
  driver_->init();
  const auto& m = config_.model;
  driver::ExpertShape shape{m.d_model, m.d_ff, m.gated};
  experts_.assign(moe_layers_.size(), {});
  for (std::size_t l = 0; l < moe_layers_.size(); ++l) {
    for (std::uint32_t e = 0; e < m.experts; ++e) {
      // timing_only: the driver allocates and takes the weights as resident (no bytes exist).
      // Full data would need real weights; the runtime's end-to-end data path is not built yet.
      if (!config_.run.timing_only) {
        throw std::runtime_error("MoE runtime: run.data \"full\" is not supported yet (use \"timing_only\")");
      }
      experts_[l].push_back(driver_->place_expert(shape, nullptr, nullptr, nullptr));
      const auto& h = experts_[l].back();
      const std::uint64_t matrix = std::uint64_t{m.d_model} * m.d_ff * 2;
      // The GPU fetches an expert as one range: the driver places its matrices back to back.
      const std::uint64_t last = m.gated ? h.w_down : h.w_down;
      if (last + matrix - h.w_up != m.expert_weight_bytes()) {
        throw std::logic_error("MoE runtime: an expert's matrices are not contiguous in device memory");
      }
    }
  }
}

void MoeRuntime::run_cpu_experts(const std::vector<std::pair<std::size_t, std::uint64_t>>& experts,
                                 std::size_t moe_index) {
  // Fiddler-style CPU path: the host CPU reads the expert's weights over CXL.mem (timed reads of
  // 1 MiB, bytes not kept) and computes for 2 x MACs / cpu flops.
  const auto& m = config_.model;
  if (scratch_.empty()) scratch_.resize(std::size_t{1} << 20);
  for (const auto& [e, tokens] : experts) {
    const auto& h = experts_[moe_index][e];
    for (std::uint64_t off = 0; off < m.expert_weight_bytes(); off += scratch_.size()) {
      const std::uint64_t n = std::min<std::uint64_t>(scratch_.size(), m.expert_weight_bytes() - off);
      system_.bus.mem_read(h.w_up + off, scratch_.data(), n);
    }
    sc_core::wait(sc_core::sc_time(2.0 * double(tokens) * double(m.expert_macs_per_token()) / config_.cpu.flops_per_s,
                                   sc_core::SC_SEC));
  }
}

LayerRecord MoeRuntime::run_layer(policy::PlacementPolicy& policy, std::uint32_t step, std::size_t moe_index,
                                  const std::vector<std::uint64_t>& tokens) {
  const auto& m = config_.model;
  policy::LayerDemand demand;
  demand.shape = shape_of(m);
  demand.tokens_per_expert = tokens;
  demand.phase = config_.run.phase == RunPhase::kDecode ? policy::Phase::kDecode : policy::Phase::kPrefill;
  const policy::Placement p = policy.place(demand, cost_);

  LayerRecord r;
  r.step = step;
  r.layer = moe_layers_[moe_index];
  for (auto t : tokens) r.tokens += t;
  r.experts_gpu_fetched = p.cost.experts_gpu_fetched;
  r.experts_gpu_resident = p.cost.experts_gpu_resident;
  r.experts_ndp = p.cost.experts_ndp;
  r.experts_cpu = p.cost.experts_cpu;
  r.predicted_s = p.cost.makespan_s;

  auto& dev = system_.device;
  const auto m2s0 = dev.link().m2s().data_bytes, s2m0 = dev.link().s2m().data_bytes;
  const auto pcie0 = system_.gpu.pcie.downstream().data_bytes;
  const auto ndp0 = dev.ndp().stats().dma_bytes_read;
  const double t0 = now_s();

  std::vector<gpu::HotExpertJob> hot;
  std::vector<std::pair<std::size_t, std::uint64_t>> cold, cpu;
  for (std::size_t e = 0; e < tokens.size(); ++e) {
    const auto loc = p.location[e];
    if (policy::runs_on_gpu(loc)) {
      gpu::HotExpertJob j;
      j.weights_hpa = experts_[moe_index][e].w_up;
      j.weight_bytes = loc == policy::ExpertLocation::kGpuFetched ? m.expert_weight_bytes() : 0;
      j.tokens = tokens[e];
      j.d_model = m.d_model;
      j.d_ff = m.d_ff;
      j.gated = m.gated;
      hot.push_back(j);
    } else if (loc == policy::ExpertLocation::kNdp) {
      cold.emplace_back(e, tokens[e]);
    } else if (loc == policy::ExpertLocation::kCpu) {
      cpu.emplace_back(e, tokens[e]);
    }
  }
  // The GPU path runs on its own thread; the NDP (and CPU) paths on this one.
  if (!hot.empty()) system_.start_gpu(hot);
  std::vector<driver::JobTicket> tickets;
  for (const auto& [e, t] : cold) {
    tickets.push_back(driver_->submit(experts_[moe_index][e], static_cast<std::uint32_t>(t), nullptr));
  }
  for (const auto& t : tickets) driver_->wait(t);
  r.ndp_path_s = cold.empty() ? 0.0 : now_s() - t0;
  const double cpu0 = now_s();
  run_cpu_experts(cpu, moe_index);
  r.cpu_path_s = cpu.empty() ? 0.0 : now_s() - cpu0 + r.ndp_path_s;
  if (!hot.empty()) {
    const auto g = system_.wait_gpu();
    if (!g.ok) throw std::runtime_error("MoE runtime: layer " + std::to_string(r.layer) + " GPU path failed: " + g.error);
    r.gpu_path_s = double(g.end_ps) * 1e-12 - t0;
  }
  r.simulated_s = now_s() - t0;
  r.cxl_m2s_bytes = dev.link().m2s().data_bytes - m2s0;
  r.cxl_s2m_bytes = dev.link().s2m().data_bytes - s2m0;
  r.pcie_to_gpu_bytes = system_.gpu.pcie.downstream().data_bytes - pcie0;
  r.ndp_dram_read_bytes = dev.ndp().stats().dma_bytes_read - ndp0;
  return r;
}

PolicyRun MoeRuntime::run_policy(const std::string& name, const Demand& demand) {
  const auto w0 = std::chrono::steady_clock::now();
  PolicyRun run;
  run.policy = name;
  // One policy object per MoE layer (policies may keep per-layer state, e.g. `context`).
  policy::PolicyOptions opt;
  std::vector<std::unique_ptr<policy::PlacementPolicy>> policies;
  for (std::size_t l = 0; l < moe_layers_.size(); ++l) {
    if (name == "static_freq") {
      // Popularity observed over the whole run's routing of this layer.
      opt.expert_popularity.assign(config_.model.experts, 0.0);
      for (const auto& step : demand) {
        for (std::size_t e = 0; e < step[l].size(); ++e) opt.expert_popularity[e] += double(step[l][e]);
      }
    }
    policies.push_back(policy::make_policy(name, opt));
  }
  if (name == "context" && config_.run.phase == RunPhase::kDecode) {
    // `context` picks its decode placement from prefill statistics: show each layer's policy
    // the routing of the batch's prompts (batch x prompt_tokens tokens, its own routing draw)
    // before the decode steps. That prefill is not simulated or timed here.
    ExperimentConfig prefill = config_;
    prefill.run.phase = RunPhase::kPrefill;
    prefill.run.steps = 1;
    prefill.routing.seed = config_.routing.seed ^ 0x9E3779B97F4A7C15ull;
    const Demand pd = route_experiment(prefill);
    for (std::size_t l = 0; l < moe_layers_.size(); ++l) {
      policy::LayerDemand d;
      d.shape = shape_of(config_.model);
      d.tokens_per_expert = pd[0][l];
      d.phase = policy::Phase::kPrefill;
      policies[l]->place(d, cost_);
    }
  }
  const double t0 = now_s();
  for (std::uint32_t s = 0; s < demand.size(); ++s) {
    for (std::size_t l = 0; l < moe_layers_.size(); ++l) run.layers.push_back(run_layer(*policies[l], s, l, demand[s][l]));
  }
  run.simulated_s = now_s() - t0;
  run.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  return run;
}

nlohmann::json to_json(const PolicyRun& run) {
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& r : run.layers) {
    layers.push_back({{"step", r.step},
                      {"layer", r.layer},
                      {"routed_tokens", r.tokens},
                      {"experts_gpu_fetched", r.experts_gpu_fetched},
                      {"experts_gpu_resident", r.experts_gpu_resident},
                      {"experts_ndp", r.experts_ndp},
                      {"experts_cpu", r.experts_cpu},
                      {"predicted_ms", r.predicted_s * 1e3},
                      {"simulated_ms", r.simulated_s * 1e3},
                      {"gpu_path_ms", r.gpu_path_s * 1e3},
                      {"ndp_path_ms", r.ndp_path_s * 1e3},
                      {"cpu_path_ms", r.cpu_path_s * 1e3},
                      {"cxl_host_to_device_bytes", r.cxl_m2s_bytes},
                      {"cxl_device_to_host_bytes", r.cxl_s2m_bytes},
                      {"pcie_to_gpu_bytes", r.pcie_to_gpu_bytes},
                      {"ndp_dram_read_bytes", r.ndp_dram_read_bytes}});
  }
  return {{"policy", run.policy}, {"simulated_ms", run.simulated_s * 1e3}, {"wall_s", run.wall_s}, {"layers", layers}};
}

}  // namespace monde::runtime
