// The SystemC MacArray: the three ways of computing a tile (cycle model, batched RTL,
// pin-level RTL) give the same bits and cycles, and simulated time is cycles x period.
// Each TEST elaborates its own design, so ctest runs each in its own process.
#include "tlm/ndp/mac_array_pin_level.hpp"  // Verilator headers before SystemC

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <random>
#include <sstream>

#include "tlm/ndp/mac_array_module.hpp"
#include "tlm/ndp/mac_random_tiles.hpp"
#include "tlm/ndp/mac_result_check.hpp"

namespace monde::ndp {
namespace {

config::MacArrayConfig config(config::PeModel m, bool pins = false, double mhz = 1000.0) {
  config::MacArrayConfig c;
  c.pe_model = m;
  c.pin_level = pins;
  c.clock_mhz = mhz;
  return c;
}

// Runs `body` in an SC_THREAD and simulates until it returns.
class ThreadBench : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(ThreadBench);
  // stop: end the simulation when the body returns (needed when a clock keeps running).
  ThreadBench(sc_core::sc_module_name n, std::function<void()> body, bool stop = true)
      : sc_module(n), body_(std::move(body)), stop_(stop) {
    SC_THREAD(run);
  }
  bool done = false;

 private:
  void run() {
    body_();
    done = true;
    if (stop_) sc_core::sc_stop();
  }
  std::function<void()> body_;
  bool stop_;
};

std::vector<MacTile> tiles(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<MacTile> t;
  t.push_back(random_tile(rng, 16, 16, 40, true, 0.05));
  t.push_back(random_tile(rng, 5, 9, 3, true, 0.1));
  t.push_back(random_tile(rng, 5, 9, 6, false, 0.0));
  t.push_back(random_tile(rng, 1, 16, 1, true, 0.0));
  // Quantised B through the in_fmt / in_scale pins (docs/mac_array.md, "Quantised weights").
  t.push_back(random_quantised_tile(rng, 7, 16, 20, true, config::WeightFormat::kInt8, 0.05));
  t.push_back(random_quantised_tile(rng, 16, 11, 9, true, config::WeightFormat::kInt4, 0.05));
  return t;
}

void expect_same(const std::vector<MacTile>& ts, const std::vector<MacTileResult>& a,
                 const std::vector<MacTileResult>& b) {
  ASSERT_EQ(a.size(), ts.size());
  ASSERT_EQ(b.size(), ts.size());
  for (std::size_t i = 0; i < ts.size(); ++i) {
    const auto mm = compare_results("tile" + std::to_string(i), ts[i], a[i], b[i]);
    for (std::size_t j = 0; j < mm.size() && j < 5; ++j) ADD_FAILURE() << describe(mm[j]);
  }
}

// Batched RTL and cycle model side by side; at 800 MHz a cycle is 1250 ps, so a tile of
// k=40 and 16 rows takes (40 + 16 + 2) x 1250 ps = 72.5 ns of simulated time.
TEST(MacArraySystemC, BatchedRtlMatchesCycleModelAndAdvancesTime) {
  const auto ts = tiles(11);
  MacArray rtl("rtl", config(config::PeModel::kRtl, false, 800.0));
  MacArray cyc("cyc", config(config::PeModel::kCycle, false, 800.0));
  std::vector<MacTileResult> rr, cr;
  std::vector<sc_core::sc_time> t_rtl;
  ThreadBench bench("bench", [&] {
    for (const auto& t : ts) {
      const auto t0 = sc_core::sc_time_stamp();
      rr.push_back(rtl.run_tile(t));
      t_rtl.push_back(sc_core::sc_time_stamp() - t0);
    }
    for (const auto& t : ts) cr.push_back(cyc.run_tile(t));
  });
  sc_core::sc_start();
  ASSERT_TRUE(bench.done);
  expect_same(ts, rr, cr);
  EXPECT_EQ(t_rtl[0], sc_core::sc_time(72500, sc_core::SC_PS));
  // Tile 3: k=1, 1 row -> 1 + 1 + 2 = 4 cycles = 5 ns.
  EXPECT_EQ(t_rtl[3], sc_core::sc_time(5000, sc_core::SC_PS));
  // The quantised tiles take k + 2 + rows like any other: 20 + 2 + 7 = 29 and 9 + 2 + 16 = 27.
  EXPECT_EQ(t_rtl[4], sc_core::sc_time(29 * 1250, sc_core::SC_PS));
  EXPECT_EQ(rtl.busy_cycles(), 58u + 10u + 13u + 4u + 29u + 27u);
  EXPECT_EQ(rtl.tiles_run(), 6u);
}

// The pin-level RTL, clocked through sc_signals, returns the same bits and cycle counts,
// and writes a VCD with the handshake signals.
TEST(MacArraySystemC, PinLevelRtlMatchesCycleModelAndWritesVcd) {
  const auto ts = tiles(12);
  const std::string vcd = "test_mac_pins.vcd";
  std::vector<MacTileResult> pr, cr;
  {
    MacArray pins("pins", config(config::PeModel::kRtl, true), vcd);
    MacArray cyc("cyc", config(config::PeModel::kCycle));
    ThreadBench bench("bench", [&] {
      for (const auto& t : ts) pr.push_back(pins.run_tile(t));
      for (const auto& t : ts) cr.push_back(cyc.run_tile(t));
    });
    sc_core::sc_start();
    ASSERT_TRUE(bench.done);
  }  // modules destroyed: the VCD is closed
  expect_same(ts, pr, cr);
  std::ifstream in(vcd);
  std::stringstream text;
  text << in.rdbuf();
  for (const char* sig : {"in_valid", "in_ready", "out_valid", "out_fp32", "in_fmt", "in_scale", "$timescale"}) {
    EXPECT_NE(text.str().find(sig), std::string::npos) << sig << " missing from " << vcd;
  }
}

// The batched RTL writes the same kind of VCD, on SystemC's time axis.
TEST(MacArraySystemC, BatchedRtlVcdFollowsSimulatedTime) {
  const std::string vcd = "test_mac_batched.vcd";
  {
    MacArray rtl("rtl", config(config::PeModel::kRtl), vcd);
    ThreadBench bench("bench", [&] {
      std::mt19937_64 rng(3);
      sc_core::wait(sc_core::sc_time(1, sc_core::SC_US));  // idle: 1000 cycles pass unclocked
      rtl.run_tile(random_tile(rng, 4, 4, 4, true, 0.0));
    });
    sc_core::sc_start();
    ASSERT_TRUE(bench.done);
  }
  std::ifstream in(vcd);
  std::stringstream text;
  text << in.rdbuf();
  // The tile starts at 1 us = 1,000,000 ps (1000 cycles of 1000 ps): its first edge is
  // dumped at 1,000,500 ps and the last of its 4 + 4 + 2 = 10 cycles ends at 1,010,000 ps.
  EXPECT_NE(text.str().find("#1000500"), std::string::npos);
  EXPECT_NE(text.str().find("#1010000"), std::string::npos);
}

// Two threads share one array: tiles are serialised, so the second finishes after both.
TEST(MacArraySystemC, ConcurrentCallersAreSerialised) {
  MacArray cyc("cyc", config(config::PeModel::kCycle));
  std::mt19937_64 rng(5);
  const auto t = random_tile(rng, 16, 16, 30, true, 0.0);  // 30 + 16 + 2 = 48 cycles = 48 ns
  sc_core::sc_time end_a, end_b;
  ThreadBench a("a", [&] { cyc.run_tile(t); end_a = sc_core::sc_time_stamp(); }, false);
  ThreadBench b("b", [&] { cyc.run_tile(t); end_b = sc_core::sc_time_stamp(); }, false);
  sc_core::sc_start();
  EXPECT_EQ(std::min(end_a, end_b), sc_core::sc_time(48, sc_core::SC_NS));
  EXPECT_EQ(std::max(end_a, end_b), sc_core::sc_time(96, sc_core::SC_NS));
}

TEST(MacArraySystemC, VcdNeedsTheRtl) {
  EXPECT_THROW(MacArray("cyc", config(config::PeModel::kCycle), "x.vcd"), std::invalid_argument);
}

}  // namespace
}  // namespace monde::ndp

int sc_main(int argc, char* argv[]) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
