// Experts in host memory (host_memory.expert_home host_memory) on the modelled system: the
// host-memory baselines take expert weights from the copy in the host's DRAM (mem::HostMemory,
// behind the root complex's host window), with real bytes (data: full) and hand-derived times.
//
// Setup: mixtral-8x7b-tiny (4 MoE layers, 8 experts, top-2, d_model 128, d_ff 448, SiLU-gated:
// 3 x 128 x 448 x 2 B = 344,064 B per expert), decode, batch 1 (one token: 2 experts a layer),
// MoE layers only. The host DRAM is made slow so that it bounds every transfer:
// 1 channel x 8 bits x 800 MT/s = 1 B x 800e6 /s = 0.8 GB/s (efficiency 1), latency 100 ns, so one
// expert streams in 344,064 / 0.8e9 = 430.08 us, far slower than PCIe Gen5 x16 (57.6 GB/s).
// One elaboration per TEST.
#include <gtest/gtest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "experiment_text.hpp"
#include "run_on_host.hpp"
#include "system/builder.hpp"
#include "system/routing.hpp"

namespace monde::system {
namespace {

constexpr std::uint64_t kExpertBytes = 344064;
constexpr double kStreamUs = 430.08;  // 344,064 B / 0.8e9 B/s
constexpr double kHostLatencyUs = 0.1;

std::string experiment(const std::string& policy, const std::string& home) {
  return R"({
    "model": "mixtral-8x7b-tiny",
    "device": {"preset": "lpddr5x-8533", "ndp": {"pe_model": "cycle"}},
    "host_memory": {"channels": 1, "data_rate_mtps": 800, "bus_width_bits": 8, "latency_ns": 100,
                    "expert_home": ")" +
         home + R"("},
    "routing": {"source": "uniform", "seed": 7},
    "run": {"phase": "decode", "batch": 1, "steps": 1, "scope": "moe_only", "data": "full", "policies": [")" +
         policy + R"("]}})";
}

struct Result {
  config::SystemConfig config;
  PolicyRun run;
  nlohmann::json stats;
  std::string error;
};

Result run_experiment(const std::string& json) {
  Result r;
  r.config = test::load_experiment_text(json).config;
  const Demand demand = route_experiment(r.config);
  BuildOptions options;
  options.check_protocol = true;  // the CPU's reads through the root complex, checked
  auto sys = build_system(r.config, "system", options);
  r.error = test::run_on_host(*sys, [&](MoeRuntime& rt) { r.run = rt.run_policy(r.config.run.policies.at(0), demand); });
  EXPECT_EQ(sys->top().protocol_violations(), 0u);
  r.stats = sys->stats_json(sc_core::sc_time_stamp().to_seconds() * 1e12);
  return r;
}

double us(std::uint64_t ps) { return double(ps) * 1e-6; }

// offload from host memory: each layer's 2 experts are DMA-read by the GPU over its PCIe link from
// host DRAM, never over CXL. Both experts' chunks (one 2 MiB chunk each) are in flight at once and
// the host DRAM serves them one after the other, so the layer's fetches end
//   2 x 430.08 us (streaming) + 0.1 us (DRAM latency) + 2 x 0.2 us (PCIe latency, request and
//   completions) + ~0.005 us (the request TLP's and the last completion TLP's wire time)
//   = 860.665 us after they start: bytes / min(PCIe, host DRAM) with host DRAM the minimum.
// The bytes are the copy's (data check: GPU results within tolerance, fetched bytes = placed).
TEST(HostMemory, OffloadFetchesFromHostDramOverPcie) {
  const Result r = run_experiment(experiment("offload", "host_memory"));
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.run.expert_weights_from, "host_memory");
  ASSERT_EQ(r.run.layers.size(), 4u);
  for (const auto& l : r.run.layers) {
    EXPECT_EQ(l.experts_gpu_fetched, 2u);
    EXPECT_EQ(l.weights_from, "host_memory");
    EXPECT_EQ(l.experts_weights_from_host, 2u);
    EXPECT_EQ(l.pcie_to_gpu_bytes, 2 * kExpertBytes);
    EXPECT_EQ(l.cxl_s2m_bytes, 0u);  // nothing read from the device
    EXPECT_EQ(l.activity.host_dram_bytes, 2 * kExpertBytes);
    EXPECT_EQ(l.activity.dram_read_bytes, 0u);
    EXPECT_NEAR(l.activity.host_dram_busy_s * 1e6, 2 * kStreamUs, 1e-5);
    // Host DRAM energy (host_memory.pj_per_bit 20, an assumption): 688,128 B x 8 x 20 pJ = 110.1 uJ.
    EXPECT_NEAR(l.energy.host_dram_j, 688128.0 * 8 * 20e-12, 1e-15);
    EXPECT_TRUE(l.data_checked);
    EXPECT_TRUE(l.data_ok());
    EXPECT_EQ(l.fetched_weight_mismatched_bytes, 0u);
    std::uint64_t first = ~std::uint64_t{0}, last = 0;
    std::size_t host_spans = 0;
    for (const auto& s : l.spans) {
      if (s.track == "Host DRAM") ++host_spans;
      if (s.track != "GPU fetch") continue;
      first = std::min(first, s.start_ps);
      last = std::max(last, s.end_ps);
    }
    EXPECT_EQ(host_spans, 2u);
    EXPECT_NEAR(us(last - first), 2 * kStreamUs + kHostLatencyUs + 0.4, 0.01);
    // The policy's prediction: two fetches at min(PCIe, host DRAM) = 0.8 GB/s, each + 0.3 us of latency.
    EXPECT_NEAR(l.moe_predicted_s, l.moe_s, 0.001 * l.moe_s);
  }
  const auto& h = r.stats.at("host_memory");
  EXPECT_EQ(h.at("bytes_read_bytes").get<std::uint64_t>(), 4 * 2 * kExpertBytes);
  EXPECT_EQ(h.at("expert_home").get<std::string>(), "host_memory");
}

// The same offload with expert_home device reads the device over CXL; host DRAM stays idle.
TEST(HostMemory, OffloadFromTheDeviceLeavesHostDramIdle) {
  const Result r = run_experiment(experiment("offload", "device"));
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.run.expert_weights_from, "device");
  for (const auto& l : r.run.layers) {
    EXPECT_EQ(l.weights_from, "device");
    EXPECT_EQ(l.activity.host_dram_bytes, 0u);
    EXPECT_EQ(l.energy.host_dram_j, 0.0);
    EXPECT_GE(l.cxl_s2m_bytes, 2 * kExpertBytes);
    EXPECT_TRUE(l.data_ok());
  }
  EXPECT_EQ(r.stats.at("host_memory").at("bytes_read_bytes").get<std::uint64_t>(), 0u);
}

// cpu from host memory: with the host DRAM this slow the cost model sends both experts of a layer
// to the CPU (a GPU fetch would stream from the same DRAM and then still compute). Each CPU expert
// reads its 344,064 B in one read (< 16 MiB) from its own DRAM and computes as it streams:
//   read    = 0.1 us + 430.08 us                          = 430.18 us
//   compute = 2 x 172,032 MACs x 1 token / 114.688e12     = 0.003 us   (< read)
//   io      = 2 x 1 token x 128 x 2 B / 25e9 B/s          = 0.02048 us
//   expert  = max(read, compute) + io                     = 430.20048 us
// and the two experts run one after the other: the layer's MoE part is 860.40096 us.
TEST(HostMemory, CpuReadsItsOwnDram) {
  const Result r = run_experiment(experiment("cpu", "host_memory"));
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.run.expert_weights_from, "host_memory");
  for (const auto& l : r.run.layers) {
    ASSERT_EQ(l.experts_cpu, 2u);
    EXPECT_EQ(l.experts_weights_from_host, 2u);
    EXPECT_EQ(l.cxl_s2m_bytes, 0u);
    EXPECT_EQ(l.activity.host_dram_bytes, 2 * kExpertBytes);
    std::size_t cpu_spans = 0;
    for (const auto& s : l.spans) {
      if (s.track == "CPU") {
        ++cpu_spans;
        EXPECT_NEAR(us(s.end_ps - s.start_ps), 430.20048, 2e-6);
      }
      if (s.track == "Host DRAM") {
        EXPECT_NEAR(us(s.end_ps - s.start_ps), 430.18, 2e-6);
      }
    }
    EXPECT_EQ(cpu_spans, 2u);
    EXPECT_NEAR(l.moe_s * 1e6, 860.40096, 1e-5);
    EXPECT_NEAR(l.cpu_path_s * 1e6, 860.40096, 1e-5);
    EXPECT_TRUE(l.data_ok());
    EXPECT_GT(l.cpu_checked_elements, 0u);
  }
}

}  // namespace
}  // namespace monde::system

int sc_main(int argc, char* argv[]) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
