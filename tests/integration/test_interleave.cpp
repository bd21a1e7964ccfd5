// One HDM range interleaved across several MoNDE devices (devices.interleave_granularity,
// docs/interleave.md): the host bridge's decode (HPA -> device) and each device's HDM decoder
// (HPA -> DPA) through the whole system, bytes really in each device's DRAM at the derived DPA;
// a read striped over two devices: bytes per link and its time from the link rate; an offload
// run's expert fetches split over the links; with split experts, one device's view of the range
// (the NDP driver's bus) reaching only that device's DRAM, each access as one transaction. Device
// lpddr5x-8533 (64 GiB each), DRAM at modelled bandwidth (the CXL link in bulk mode). One
// elaboration per TEST.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "experiment_text.hpp"
#include "run_on_host.hpp"
#include "system/builder.hpp"
#include "system/routing.hpp"

namespace monde::system {
namespace {

constexpr std::uint64_t kGiB = 1ull << 30;

std::string experiment(std::uint32_t devices, std::uint64_t granularity, const std::string& data,
                       const std::string& memory, const std::string& split) {
  return R"({
    "model": "mixtral-8x7b-tiny",
    "device": {"preset": "lpddr5x-8533", "memory": {"model": ")" +
         memory + R"("}, "ndp": {"pe_model": "cycle"}},
    "devices": {"count": )" +
         std::to_string(devices) + R"(, "interleave_granularity": )" + std::to_string(granularity) +
         R"(, "split": ")" + split + R"("},
    "routing": {"source": "uniform", "seed": 3},
    "run": {"phase": "decode", "batch": 32, "steps": 1, "scope": "moe_only", "data": ")" +
         data + R"(", "policies": ["offload"]}})";
}

// memory "bandwidth": the CXL link in bulk mode (the controller decodes a device's whole part);
// "timed": flit mode (the link splits the part into 64 B messages at their HPAs).
std::unique_ptr<SimulatedSystem> build(std::uint32_t devices, std::uint64_t granularity, const std::string& data,
                                       const std::string& memory = "bandwidth", const std::string& split = "none") {
  const config::SystemConfig c =
      test::load_experiment_text(experiment(devices, granularity, data, memory, split)).config;
  BuildOptions options;
  options.check_protocol = true;  // the split transactions obey the base protocol on every device port
  return build_system(c, "system", options);
}

std::uint8_t pattern(std::uint64_t hpa) { return static_cast<std::uint8_t>((hpa * 131) ^ (hpa >> 8) ^ (hpa >> 16)); }

// What device `d` holds at `dpa` (its DRAM's backing store, no timing).
std::uint8_t held(SimulatedSystem& s, std::size_t d, std::uint64_t dpa) {
  std::uint8_t b = 0;
  s.top().device(d).memory().store().read(dpa, &b, 1);
  return b;
}

struct Point {
  std::uint64_t hpa;
  std::size_t device;
  std::uint64_t dpa;
};

// Writes a pattern over [1 GiB + g / 2, + 2 x ways x g) with one timed CXL.mem write through the
// root complex (it starts and ends mid-granule, so it covers every kind of piece), then checks
//  * the hand-derived points: which device holds the HPA, at which DPA;
//  * every byte of the range at the device and DPA of the decoder rule: granule k = HPA / g on
//    device k mod ways at DPA (k / ways) x g + HPA mod g (the range starts at HPA 0);
//  * a timed read of the same range returns the pattern (the split is gathered back in order);
//  * each device's DRAM received exactly its share.
void check_decode(std::uint32_t ways, std::uint64_t g, const std::vector<Point>& points,
                  const std::string& memory = "bandwidth") {
  auto sys = build(ways, g, "full", memory);
  const std::uint64_t start = kGiB + g / 2, len = 2 * ways * g;
  std::vector<std::uint8_t> data(len), back(len, 0);
  for (std::uint64_t i = 0; i < len; ++i) data[i] = pattern(start + i);
  std::vector<std::uint64_t> written_before(ways);
  const std::string error = test::run_on_host(*sys, [&](MoeRuntime&) {
    for (std::uint32_t d = 0; d < ways; ++d) written_before[d] = sys->top().device(d).memory().bytes_written();
    sys->top().bus(0).mem_write(start, data.data(), len);
    sys->top().bus(0).mem_read(start, back.data(), len);
  });
  ASSERT_TRUE(error.empty()) << error;
  for (const Point& p : points) {
    EXPECT_EQ(held(*sys, p.device, p.dpa), pattern(p.hpa)) << "HPA 0x" << std::hex << p.hpa;
  }
  std::uint64_t wrong = 0;
  for (std::uint64_t hpa = start; hpa < start + len; ++hpa) {
    const std::uint64_t k = hpa / g;
    if (held(*sys, k % ways, (k / ways) * g + hpa % g) != pattern(hpa)) ++wrong;
  }
  EXPECT_EQ(wrong, 0u);
  EXPECT_EQ(back, data);
  // 2 x ways granules' worth of bytes: 2 x g per device (half a granule at each end shifts
  // g / 2 from position 0's first granule to position 0's third, same device).
  for (std::uint32_t d = 0; d < ways; ++d) {
    EXPECT_EQ(sys->top().device(d).memory().bytes_written() - written_before[d], 2 * g) << "device " << d;
  }
  EXPECT_EQ(sys->top().protocol_violations(), 0u);
}

// 2 ways, 256 B. 1 GiB = 0x40000000 is granule 0x400000 (even: device 0, DPA chunk 0x200000,
// DPA 0x20000000). The write starts at 0x40000080 (mid-granule).
TEST(Interleave, Decode2Ways256) {
  check_decode(2, 256,
               {{0x40000080, 0, 0x20000080},   // first byte written, granule 0x400000
                {0x400000FF, 0, 0x200000FF},   // last byte of that granule
                {0x40000100, 1, 0x20000000},   // next granule 0x400001: device 1, DPA chunk 0x200000
                {0x400001FF, 1, 0x200000FF},
                {0x40000200, 0, 0x20000100},   // granule 0x400002: device 0, DPA chunk 0x200001
                {0x4000047F, 0, 0x2000027F}}); // last byte written: granule 0x400004, DPA chunk 0x200002
}

// The same through the flit-mode link (timed DRAM): every 64 B message of a part at its own HPA.
TEST(Interleave, Decode2Ways256Flit) {
  check_decode(2, 256,
               {{0x40000080, 0, 0x20000080},
                {0x40000100, 1, 0x20000000},
                {0x40000200, 0, 0x20000100},
                {0x4000047F, 0, 0x2000027F}},
               "timed");
}

// 2 ways, 4 KiB: granule 0x40000 of 1 GiB -> device 0, DPA chunk 0x20000 = DPA 0x20000000.
TEST(Interleave, Decode2Ways4096) {
  check_decode(2, 4096,
               {{0x40000800, 0, 0x20000800},
                {0x40000FFF, 0, 0x20000FFF},
                {0x40001000, 1, 0x20000000},
                {0x40001FFF, 1, 0x20000FFF},
                {0x40002000, 0, 0x20001000},
                {0x400047FF, 0, 0x200027FF}});  // granule 0x40004: DPA chunk 0x20002
}

// 4 ways, 256 B: granule 0x400000 -> position 0, DPA chunk 0x100000 = DPA 0x10000000.
TEST(Interleave, Decode4Ways256) {
  check_decode(4, 256,
               {{0x40000080, 0, 0x10000080},
                {0x40000100, 1, 0x10000000},  // granule 0x400001
                {0x400002FF, 2, 0x100000FF},  // last byte of granule 0x400002
                {0x40000300, 3, 0x10000000},  // granule 0x400003
                {0x40000400, 0, 0x10000100},  // granule 0x400004: the next stripe
                {0x4000087F, 0, 0x1000027F}});  // last byte written: granule 0x400008, DPA chunk 0x100002
}

// 4 ways, 4 KiB: granule 0x40000 -> position 0, DPA chunk 0x10000 = DPA 0x10000000.
TEST(Interleave, Decode4Ways4096) {
  check_decode(4, 4096,
               {{0x40000800, 0, 0x10000800},
                {0x40001000, 1, 0x10000000},
                {0x40002FFF, 2, 0x10000FFF},
                {0x40003000, 3, 0x10000000},
                {0x40004000, 0, 0x10001000},
                {0x400087FF, 0, 0x100027FF}});  // granule 0x40008: DPA chunk 0x10002
}

// A 1 MiB read striped over 2 devices at 4 KiB: 128 granules each, 512 KiB = 8192 lines per
// link, both links at once. In bulk mode (tlm/cxl/cxl_link.hpp) a device's read costs its 8192
// M2S MemRd headers (one header slot each; the device sees the transfer after the first) and its
// 8192 S2M data messages back-to-back on its link, which is slower than its DRAM (CXL x16 reads
// 52.7 GB/s, the DRAM streams 273.5 GB/s x efficiency), so the memory finishes first and the
// link sets the time:
//   t = header_message_ns + one_way_ns (request reaches the device)
//       + 8192 x read_data_message_ns (the S2M stream) + one_way_ns (its last message arrives);
//   read_data_message_ns = (4 data slots + 0.5 header slot) x 17 B / (16 x 32 GT/s x 128/130 / 8)
//                        = 76.5 B / 63.0154 GB/s = 1.21399 ns; header = 17 B / 63.0154 GB/s = 0.26978 ns;
//   one_way = 15 + 5 + 15 = 35 ns  ->  t = 0.26978 + 35 + 9945.0 + 35 = 10015.3 ns,
// half the 8192 x 2 lines' 19889.9 ns one link would take for the stream.
TEST(Interleave, ReadStripedOverTwoLinks) {
  auto sys = build(2, 4096, "timing_only");
  constexpr std::uint64_t kBytes = 1 << 20, kLinesEach = kBytes / 2 / 64;
  std::vector<std::uint8_t> buffer(kBytes);
  std::uint64_t s2m_before[2], dram_before[2];
  double elapsed_ns = 0;
  const std::string error = test::run_on_host(*sys, [&](MoeRuntime&) {
    for (int d = 0; d < 2; ++d) {
      s2m_before[d] = sys->top().device(d).link().s2m().data_bytes;
      dram_before[d] = sys->top().device(d).memory().bytes_read();
    }
    const sc_core::sc_time t0 = sc_core::sc_time_stamp();
    sys->top().bus(0).mem_read(kGiB, buffer.data(), kBytes);
    elapsed_ns = (sc_core::sc_time_stamp() - t0).to_seconds() * 1e9;
  });
  ASSERT_TRUE(error.empty()) << error;
  for (int d = 0; d < 2; ++d) {
    EXPECT_EQ(sys->top().device(d).link().s2m().data_bytes - s2m_before[d], kBytes / 2) << "device " << d;
    EXPECT_EQ(sys->top().device(d).memory().bytes_read() - dram_before[d], kBytes / 2) << "device " << d;
  }
  const auto& link = sys->config().device.link;
  const double want = link.header_message_ns() + 2 * link.one_way_ns() + kLinesEach * link.read_data_message_ns();
  EXPECT_NEAR(want, 10015.3, 0.1);  // the hand derivation above
  EXPECT_NEAR(elapsed_ns, want, 0.002);  // the model's picosecond rounding
  EXPECT_EQ(sys->top().protocol_violations(), 0u);
}

// The range ends at 2 x 64 GiB: a read of its last 64 B and the next 64 B is refused whole by
// the root complex (no window holds it all) before any device sees it; the last 64 B alone are
// device 1's (granule 2^37 / 4096 - 1 is odd) and read fine.
TEST(Interleave, AccessPastTheRangeIsAnAddressError) {
  auto sys = build(2, 4096, "full");
  constexpr std::uint64_t kEnd = 2 * 64 * kGiB;
  std::vector<std::uint8_t> buffer(128);
  std::string refused;
  std::uint64_t requests_before[2];
  const std::string error = test::run_on_host(*sys, [&](MoeRuntime&) {
    for (int d = 0; d < 2; ++d) requests_before[d] = sys->top().device(d).controller().stats().requests;
    sys->top().bus(0).mem_read(kEnd - 64, buffer.data(), 64);
    EXPECT_EQ(sys->top().device(1).controller().stats().requests - requests_before[1], 1u);
    EXPECT_EQ(sys->top().device(0).controller().stats().requests - requests_before[0], 0u);
    try {
      sys->top().bus(0).mem_read(kEnd - 64, buffer.data(), 128);
    } catch (const std::exception& e) {
      refused = e.what();
    }
  });
  ASSERT_TRUE(error.empty()) << error;
  EXPECT_NE(refused.find("ADDRESS_ERROR"), std::string::npos) << refused;
  EXPECT_EQ(sys->top().device(1).controller().stats().requests - requests_before[1], 1u);
}

// offload on the tiny Mixtral (4 MoE layers, 8 experts, batch 32 uniform: all 8 routed in every
// layer, 32 fetches). An expert is 3 matrices of 448 x 128 bf16 = 344,064 B = 84 granules of 4 KiB
// = 28 stripes of 3 (the driver places each matrix 4 KiB aligned and back to back), so each
// fetch reads exactly 28 granules = 114,688 B from every device: each link carries a third.
TEST(Interleave, OffloadFetchesSplitOverThreeLinks) {
  auto sys = build(3, 4096, "timing_only");
  const auto& m = sys->config().model;
  const std::uint64_t expert = m.expert_weight_bytes();
  ASSERT_EQ(expert, 344064u);
  PolicyRun run;
  const std::string error = test::run_on_host(*sys, [&](MoeRuntime& rt) {
    run = rt.run_policy("offload", route_experiment(sys->config()));
  });
  ASSERT_TRUE(error.empty()) << error;
  std::uint64_t fetched = 0;
  for (const auto& l : run.layers) fetched += l.experts_gpu_fetched;
  EXPECT_EQ(fetched, 4u * 8u);
  for (std::size_t d = 0; d < 3; ++d) {
    EXPECT_EQ(sys->top().device(d).link().s2m().data_bytes, fetched * 114688u) << "device " << d;
  }
  EXPECT_EQ(sys->top().protocol_violations(), 0u);
}

// Split experts (devices.split always): bus d is device d's own view of the range, its DPA a at
// HPA ((a / g) x 2 + d) x g + a mod g. Device 1 at DPA 8 GiB + 100 (granule 2^21 of its DPA space,
// 100 bytes in): HPA (2^21 x 2 + 1) x 4096 + 100 = 0x400001064. A write of 3 granules there walks
// 4 of its granules (it starts 100 bytes into one) and reaches device 1 as one transaction (the
// root complex routes the walk whole; bulk mode: one controller request), none of it device 0;
// the bytes sit at consecutive DPAs; a timed and a debug read through the same view return them.
TEST(Interleave, DeviceViewWalksItsGranules) {
  auto sys = build(2, 4096, "full", "bandwidth", "always");
  constexpr std::uint64_t kDpa = 8 * kGiB + 100, kLen = 3 * 4096;
  std::vector<std::uint8_t> data(kLen), back(kLen, 0), debug(kLen, 0);
  for (std::uint64_t i = 0; i < kLen; ++i) data[i] = pattern(i);
  std::uint64_t requests[2], written[2];
  const std::string error = test::run_on_host(*sys, [&](MoeRuntime&) {
    for (int d = 0; d < 2; ++d) {
      requests[d] = sys->top().device(d).controller().stats().requests;
      written[d] = sys->top().device(d).memory().bytes_written();
    }
    sys->top().bus(1).mem_write(kDpa, data.data(), kLen);
    for (int d = 0; d < 2; ++d) {
      requests[d] = sys->top().device(d).controller().stats().requests - requests[d];
      written[d] = sys->top().device(d).memory().bytes_written() - written[d];
    }
    sys->top().bus(1).mem_read(kDpa, back.data(), kLen);
    sys->top().bus(1).debug_read(kDpa, debug.data(), kLen);
  });
  ASSERT_TRUE(error.empty()) << error;
  EXPECT_EQ(sys->top().bus(1).hpa(kDpa), 0x400001064u);
  EXPECT_EQ(sys->top().bus(0).hpa(kDpa), 0x400000064u);
  EXPECT_EQ(requests[1], 1u);
  EXPECT_EQ(requests[0], 0u);
  EXPECT_EQ(written[1], kLen);
  EXPECT_EQ(written[0], 0u);
  std::uint64_t wrong = 0;
  for (std::uint64_t i = 0; i < kLen; ++i) wrong += held(*sys, 1, kDpa + i) != data[i];
  EXPECT_EQ(wrong, 0u);
  EXPECT_EQ(back, data);
  EXPECT_EQ(debug, data);
  EXPECT_EQ(sys->top().protocol_violations(), 0u);
}

// A walk the range's decoder does not describe (another granularity) is refused whole by the root
// complex (an address error) before any device sees it, not routed as the contiguous range it
// is not: device 1's view with 8 KiB granules on a range of 4 KiB ones.
TEST(Interleave, AWalkOfAnotherGranularityIsAnAddressError) {
  auto sys = build(2, 4096, "full", "bandwidth", "always");
  auto& top = sys->top();
  // (its register socket is never used here: the CPU's memory socket stands in for it)
  driver::TlmDeviceBus wrong(top.cpu_mem, top.cpu_mem, nullptr, {}, 0, driver::InterleavePosition{2, 8192, 1});
  std::vector<std::uint8_t> buffer(3 * 8192);
  std::string refused;
  std::uint64_t requests[2];
  const std::string error = test::run_on_host(*sys, [&](MoeRuntime&) {
    for (int d = 0; d < 2; ++d) requests[d] = top.device(d).controller().stats().requests;
    try {
      wrong.mem_read(8 * kGiB, buffer.data(), buffer.size());
    } catch (const std::exception& e) {
      refused = e.what();
    }
    for (int d = 0; d < 2; ++d) requests[d] = top.device(d).controller().stats().requests - requests[d];
  });
  ASSERT_TRUE(error.empty()) << error;
  EXPECT_NE(refused.find("ADDRESS_ERROR"), std::string::npos) << refused;
  EXPECT_EQ(requests[0], 0u);
  EXPECT_EQ(requests[1], 0u);
}

}  // namespace
}  // namespace monde::system

int sc_main(int argc, char* argv[]) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
