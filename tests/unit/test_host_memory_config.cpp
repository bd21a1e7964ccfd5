// The host's DRAM and the host-memory baselines' numbers (config host_memory, cpu): the derived
// bandwidths and compute rate by hand from the documented defaults, the checks that refuse bad
// values before simulating, and the cost model a host-memory baseline plans with.
#include <gtest/gtest.h>

#include <string>

#include "core/perf/bandwidth.hpp"
#include "core/perf/cpu_expert_time.hpp"
#include "core/perf/expert_shape.hpp"
#include "core/perf/gpu_time_model.hpp"
#include "experiment_text.hpp"
#include "host/policy/expert_costs.hpp"
#include "system/cost_model.hpp"

namespace monde {
namespace {

std::string experiment(const std::string& extra) {
  return R"({"model": "mixtral-8x7b", "device": {"preset": "lpddr5x-8533", "memory": {"model": "bandwidth",
             "organization": {"ranks": 4}}})" +
         extra + "}";
}

TEST(HostMemoryConfig, DefaultsAreOneSapphireRapidsSocket) {
  const config::SystemConfig c = test::parse_experiment_text(experiment(""));
  const auto& h = c.host_memory;
  EXPECT_EQ(h.channels, 8u);
  EXPECT_EQ(h.expert_home, config::ExpertHome::kDevice);
  // 8 channels x 64 bits / 8 x 4800e6 transfers/s = 8 x 8 B x 4.8e9 /s = 307.2e9 B/s; efficiency 1.
  EXPECT_DOUBLE_EQ(h.peak_bytes_per_s(), 307.2e9);
  EXPECT_DOUBLE_EQ(perf::host_memory_bytes_per_s(h), 307.2e9);
  // 512 GiB = 512 x 2^30 bytes.
  EXPECT_EQ(h.capacity_bytes(), 549755813888ull);
  // The GPU's PCIe Gen5 x16: 16 x 32e9 x 128/130 / 8 x 256 / (256 + 24) = 57.614 GB/s < 307.2 GB/s,
  // so a fetch from host memory runs at the PCIe data rate.
  const double pcie = 16 * 32e9 * 128.0 / 130.0 / 8.0 * 256.0 / 280.0;
  EXPECT_NEAR(perf::host_to_gpu_bytes_per_s(h, c.gpu.pcie), pcie, 1.0);
  // A slow host memory bounds it instead: 1 channel x 8 B x 800e6 = 6.4 GB/s x efficiency 0.5.
  config::HostMemoryConfig slow = h;
  slow.channels = 1;
  slow.data_rate_mtps = 800;
  slow.efficiency = 0.5;
  EXPECT_DOUBLE_EQ(perf::host_to_gpu_bytes_per_s(slow, c.gpu.pcie), 3.2e9);
  // The CPU: 56 cores x 2.0e9 cycles/s x 1024 bf16 flop/cycle (AMX) x 1.0 = 114.688e12 flop/s.
  EXPECT_DOUBLE_EQ(c.cpu.flops_per_s(), 114.688e12);
}

TEST(HostMemoryConfig, BadValuesAreRefusedWithTheAllowedRange) {
  std::string e = test::experiment_error_of(experiment(R"(, "host_memory": {"channels": 0})"));
  EXPECT_NE(e.find("t.json: key 'host_memory.channels' = 0"), std::string::npos) << e;
  EXPECT_NE(e.find("1 .. 24"), std::string::npos) << e;
  e = test::experiment_error_of(experiment(R"(, "host_memory": {"data_rate_mtps": 0})"));
  EXPECT_NE(e.find("host_memory.data_rate_mtps"), std::string::npos) << e;
  e = test::experiment_error_of(experiment(R"(, "host_memory": {"efficiency": 1.5})"));
  EXPECT_NE(e.find("host_memory.efficiency"), std::string::npos) << e;
  e = test::experiment_error_of(experiment(R"(, "host_memory": {"expert_home": "ssd"})"));
  EXPECT_NE(e.find("host_memory.expert_home"), std::string::npos) << e;
  EXPECT_NE(e.find("\"host_memory\""), std::string::npos) << e;
  e = test::experiment_error_of(experiment(R"(, "cpu": {"cores": 0})"));
  EXPECT_NE(e.find("cpu.cores"), std::string::npos) << e;
  // The old single rate is gone: the compute rate is derived (cores x clock x flop/cycle).
  e = test::experiment_error_of(experiment(R"(, "cpu": {"gflops": 2000})"));
  EXPECT_NE(e.find("cpu.gflops"), std::string::npos) << e;
  // Mixtral-8x7B's routed experts: 32 layers x 8 x 352,321,536 B = 90,194,313,216 B > 64 GiB.
  e = test::experiment_error_of(experiment(R"(, "host_memory": {"expert_home": "host_memory", "capacity_gib": 64})"));
  EXPECT_NE(e.find("host_memory.expert_home"), std::string::npos) << e;
  EXPECT_NE(e.find("90194313216 bytes"), std::string::npos) << e;
  EXPECT_NE(e.find("68719476736 bytes"), std::string::npos) << e;
  EXPECT_EQ(test::experiment_error_of(experiment(R"(, "host_memory": {"expert_home": "host_memory"})")),
            "(no error)");
}

TEST(HostMemoryConfig, HostMemoryCostModelUsesTheSameFormulas) {
  const config::SystemConfig c = test::parse_experiment_text(experiment(R"(, "host_memory": {"expert_home": "host_memory"})"));
  const auto device = system::derive_cost_model(c, perf::make_gpu_time_model(c.gpu));
  const auto host = system::host_memory_cost_model(device, c);
  const double pcie = c.gpu.pcie.data_bytes_per_s();
  EXPECT_DOUBLE_EQ(host.device_to_gpu_bytes_per_s, pcie);  // min(307.2e9, 57.6e9)
  EXPECT_DOUBLE_EQ(host.cpu_weight_bytes_per_s, 307.2e9);
  EXPECT_DOUBLE_EQ(host.shared_link_bytes_per_s, 307.2e9);
  EXPECT_DOUBLE_EQ(host.shared_dram_bytes_per_s, 0.0);
  EXPECT_DOUBLE_EQ(host.cpu_flops_per_s, device.cpu_flops_per_s);
  // One Mixtral expert fetched from host memory: latency (100 ns DRAM + 200 ns PCIe) + 352,321,536 B
  // / 57.614e9 B/s = 0.3 us + 6.1152 ms.
  const policy::ExpertShape shape = perf::expert_shape(c.model);
  EXPECT_NEAR(policy::fetch_time_s(host, shape), 300e-9 + 352321536.0 / pcie, 1e-12);
  EXPECT_NEAR(policy::fetch_time_s(host, shape), 6.1155e-3, 1e-7);
  // The same expert on the CPU for 4 tokens:
  //   read    = 352,321,536 / 307.2e9                    = 1.146880 ms
  //   compute = 2 x 3 x 4096 x 14336 x 4 / 114.688e12     = 0.012288 ms
  //   io      = 2 x 4 x 4096 x 2 B / 25e9                 = 0.0026214 ms
  //   time    = max(read, compute) + io                  = 1.1495014 ms
  const policy::CpuExpertCost cpu = policy::cpu_expert_cost(host, shape, 4);
  EXPECT_NEAR(cpu.read_s, 1.14688e-3, 1e-12);
  EXPECT_NEAR(cpu.share_s, 1.14688e-3 + 2.62144e-6, 1e-12);
  const perf::CpuExpertTime t = perf::cpu_expert_time(shape, 4, 307.2e9, c.cpu.flops_per_s(), 25e9);
  EXPECT_NEAR(t.compute_s, 12.288e-6, 1e-15);
  // From the device the CPU reads over CXL.mem at its own 40 GB/s (below the link's rate):
  // 352,321,536 / 40e9 = 8.808 ms.
  EXPECT_NEAR(policy::cpu_expert_cost(device, shape, 4).read_s, 8.808038e-3, 1e-9);
}

TEST(HostMemoryConfig, OnlyTheHostMemoryBaselinesUseTheCopy) {
  config::SystemConfig c = test::parse_experiment_text(experiment(R"(, "host_memory": {"expert_home": "host_memory"})"));
  EXPECT_TRUE(system::uses_host_memory_copy(c, "offload"));
  EXPECT_TRUE(system::uses_host_memory_copy(c, "cpu"));
  EXPECT_FALSE(system::uses_host_memory_copy(c, "monde"));
  EXPECT_FALSE(system::uses_host_memory_copy(c, "ndp_only"));
  EXPECT_FALSE(system::uses_host_memory_copy(c, "static_freq"));
  c.host_memory.expert_home = config::ExpertHome::kDevice;
  EXPECT_FALSE(system::uses_host_memory_copy(c, "offload"));
  EXPECT_FALSE(system::uses_host_memory_copy(c, "cpu"));
}

}  // namespace
}  // namespace monde
