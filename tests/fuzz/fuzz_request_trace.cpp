// Fuzz target: the DRAM request-trace reader of `monde-sim traffic --trace` (DRAMSys STL and
// Ramulator formats, tlm/memory/request_trace.hpp). The input is the trace text. Invariants:
// rejections are RequestTraceError "file:line: ..." (or "file: no requests ...") saying what is
// expected; an accepted trace is checked against the DDR4-3200 preset (configs/device/
// ddr4-3200.json) as the replay does, and a trace that passes replays through its DRAM model
// (the first 2,000 requests, at their STL clocks): every request completes once, the model
// never stalls (dram_drive.hpp).
#include "core/config/device_config.hpp"
#include "tests/fuzz/dram_drive.hpp"
#include "tests/fuzz/fuzz_target.hpp"
#include "tlm/memory/request_trace.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace monde;
  constexpr const char* kSource = "fuzz.stl";
  static const config::DeviceConfig device = config::load_device_config("ddr4-3200");
  mem::RequestTrace trace;
  try {
    trace = mem::parse_request_trace(fuzz::text_of(data, size), kSource);
    mem::check_request_trace(trace, kSource, device.dram.capacity_bytes(), device.dram.timing.tck_ps);
  } catch (const mem::RequestTraceError& e) {
    fuzz::check_rejection(e.what(), kSource, true);
    return 0;
  }
  fuzz::require(!trace.requests.empty(), "an accepted trace has no requests");
  std::vector<fuzz::OfferedRequest> requests;
  for (const auto& r : trace.requests) {
    if (requests.size() == 2000) break;
    // STL clocks past 10 ms of DDR4 cycles are accepted by the reader but would make the model
    // refresh for millions of cycles here: offered at 10 ms instead (order is what matters).
    const std::uint64_t at = std::min<std::uint64_t>(r.clk * device.dram.timing.tck_ps, 10'000'000'000ull);
    requests.push_back({r.addr, r.is_write, std::max(at, requests.empty() ? 0 : requests.back().earliest_ps)});
  }
  mem::DramSystem dram(device.dram);
  fuzz::drive_dram(dram, requests);
  return 0;
}
