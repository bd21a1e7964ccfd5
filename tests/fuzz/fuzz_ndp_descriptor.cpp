// Fuzz target: NDP job descriptors through the device (docs/ndp_interface.md). The input is up
// to four 128-byte descriptors (a short last one is padded with zeros), written by a host into
// the submission ring of a whole CXL Type-3 device over CXL.mem and submitted with one doorbell;
// the device fetches, validates and runs them. Elaborated once per process (SystemC allows one
// elaboration); each input runs from where the last one left the simulation.
//
// Device: the DDR4-3200 preset (configs/device/ddr4-3200.json, timed DRAM) with 2,048 rows
// (256 MiB, so that jobs writing anywhere keep the sparse memory small) and two NDP units of
// 16 x 16 cycle-model arrays whose buffers are the smallest the schema allows (8 KiB weight SRAM:
// d_model <= 32, d_ff <= 64; a 2 KiB activation buffer: tokens <= 2048 / (2 x max(d_model,
// d_ff)), at most 16), so that the fuzzer reaches valid jobs and runs each in about a millisecond. Protocol checkers on the host socket and every internal hop.
//
// Invariants, per descriptor: a completion arrives (within 100 ms simulated); it carries the
// descriptor's job_tag; its error code is validate()'s for that descriptor, and a descriptor that
// validates completes OK (device memory is all good, so a valid job has nothing to fail on).
// Per input: the memory was written exactly the host's descriptors, the completion entries and
// the valid jobs' y and h (T x (d_model + d_ff) x 2 bytes), nothing else; a canary page nobody
// may write is intact; no TLM protocol violation anywhere.
#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/device_config.hpp"
#include "core/config/json_file.hpp"
#include "core/config/presets.hpp"
#include "tests/fuzz/fuzz_target.hpp"
#include "tests/integration/ndp_bench.hpp"
#include "tlm/checker/protocol_checker.hpp"
#include "tlm/device/cxl_type3_device.hpp"
#include "tlm/ndp/command/address_range.hpp"
#include "tlm/ndp/command/job_validation.hpp"

namespace {

using namespace monde;

constexpr std::size_t kMaxJobsPerInput = 4;
constexpr std::uint64_t kCanaryBase = 0x200000;  // between the CQ (0x110000) and where seeds put tensors
constexpr unsigned kCanaryBytes = 4096;
constexpr std::uint8_t kCanaryByte = 0xA5;

config::DeviceConfig fuzz_device() {
  const config::EmbeddedPreset* preset = config::find_preset("device", "ddr4-3200");
  nlohmann::json j = config::parse_json_text(preset->text, config::preset_source(*preset));
  j["memory"]["organization"]["rows"] = 2048;
  j["ndp"] = {{"pe_model", "cycle"},        {"units", 2},
              {"weight_sram_bytes", 8192}, {"act_buffer_bytes", 2048},
              {"out_buffer_bytes", 1024}};
  return config::parse_device_config(config::ConfigNode(j, "fuzz device (ddr4-3200, 2048 rows, small NDP)"));
}

struct Harness {
  explicit Harness(const config::DeviceConfig& cfg)
      : bench("host", [this](test::NdpBench& b) { host(b); }),
        checker("checker"),
        dev("dev", cfg, options()) {
    bench.mem.bind(checker.target_socket);
    checker.initiator_socket.bind(dev.host_socket());
    bench.mmio.bind(dev.ndp_mmio_socket());
    bench.irq = &dev.ndp().irq_event();
  }
  static device::DeviceOptions options() {
    device::DeviceOptions o;
    o.check_internal_protocol = true;
    return o;
  }

  // The host thread: programs the rings once, then runs one input per sc_start.
  void host(test::NdpBench& b) {
    b.enable();
    {
      std::vector<std::uint8_t> canary(kCanaryBytes, kCanaryByte);
      b.dbg(tlm::TLM_WRITE_COMMAND, kCanaryBase, canary.data(), kCanaryBytes);
    }
    // Nothing allocated may live across the pause below: this thread never ends, and its stack
    // (a SystemC coroutine stack) is not one LeakSanitizer scans.
    for (;;) {
      if (pending) {
        run_input(b);
        pending = false;
      }
      sc_core::sc_pause();
      sc_core::wait(sc_core::SC_ZERO_TIME);
    }
  }

  void run_input(test::NdpBench& b) {
    const ndp::NdpEngine& engine = dev.ndp();
    const std::vector<ndp::AddressRange> rings = {engine.registers().sq_range(), engine.registers().cq_range()};
    const std::uint64_t written_before = dev.memory().bytes_written();
    std::vector<ndp::JobDescriptor> jobs;
    for (const auto& raw : input) {
      jobs.push_back(ndp::decode_job_descriptor(raw));
      fuzz::require(ndp::encode(jobs.back()) == raw, "decode/encode of a descriptor loses bits");
    }
    b.submit(jobs);
    std::uint64_t expected_written = jobs.size() * (ndp::kJobDescriptorBytes + ndp::kCompletionEntryBytes);
    bool canary_may_change = false;
    for (const auto& d : jobs) {
      const ndp::NdpErrorCode expect = ndp::validate(d, engine.limits(), dev.config().dram.capacity_bytes(), rings);
      ndp::CompletionEntry e;
      try {
        e = b.wait_completion(sc_core::sc_time(100, sc_core::SC_MS));
      } catch (const std::runtime_error& err) {
        fuzz::fail(std::string("descriptor never completed: ") + err.what());
      }
      fuzz::require(e.job_tag == d.job_tag, "completion carries another job_tag");
      fuzz::require(e.error_code == expect, std::string("completion error ") + ndp::to_string(e.error_code) +
                                                ", validate() says " + ndp::to_string(expect));
      fuzz::require((e.status == ndp::CompletionStatus::kOk) == (expect == ndp::NdpErrorCode::kOk),
                    "completion status disagrees with its error code");
      if (expect == ndp::NdpErrorCode::kOk) {
        const ndp::JobRegions r = ndp::job_regions(d);
        expected_written += r.y.bytes + r.h.bytes;
        const ndp::AddressRange canary{kCanaryBase, kCanaryBytes};
        canary_may_change = canary_may_change || r.y.overlaps(canary) || r.h.overlaps(canary);
      }
    }
    fuzz::require(dev.memory().bytes_written() - written_before == expected_written,
                  "device memory saw " + std::to_string(dev.memory().bytes_written() - written_before) +
                      " bytes written, expected descriptors + completions + valid outputs = " +
                      std::to_string(expected_written));
    std::vector<std::uint8_t> canary(kCanaryBytes);
    b.dbg(tlm::TLM_READ_COMMAND, kCanaryBase, canary.data(), kCanaryBytes);
    if (canary_may_change) {
      std::fill(canary.begin(), canary.end(), kCanaryByte);
      b.dbg(tlm::TLM_WRITE_COMMAND, kCanaryBase, canary.data(), kCanaryBytes);
    } else {
      fuzz::require(std::all_of(canary.begin(), canary.end(), [](std::uint8_t v) { return v == kCanaryByte; }),
                    "a page no job may write was written");
    }
    fuzz::require(checker.violation_count() == 0 && dev.internal_protocol_violations() == 0,
                  "TLM protocol violation");
  }

  bool pending = false;
  std::vector<std::array<std::uint8_t, ndp::kJobDescriptorBytes>> input;
  test::NdpBench bench;
  checker::ProtocolChecker<64> checker;
  device::CxlType3Device dev;
};

}  // namespace

// LeakSanitizer: SystemC 2.3.4 switches stacks (QuickThreads) without telling the sanitizer, and
// after that the check at exit no longer scans the main stack: it reports the objects that
// libFuzzer's (or replay_main.cpp's) own main() holds there as leaked, nothing of ours. libFuzzer
// checks for leaks after every input that allocated more than it freed (-detect_leaks, on), and
// replay_main.cpp checks before it returns; the check at exit is off here.
extern "C" const char* __lsan_default_options() { return "leak_check_at_exit=0"; }

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Harness* harness = [] {
    auto* h = new Harness(fuzz_device());  // lives as long as the SystemC kernel
    sc_core::sc_start();                   // elaborate, enable the rings, pause
    return h;
  }();
  if (size == 0) return 0;
  harness->input.clear();
  for (std::size_t at = 0; at < size && harness->input.size() < kMaxJobsPerInput; at += ndp::kJobDescriptorBytes) {
    std::array<std::uint8_t, ndp::kJobDescriptorBytes> raw{};
    std::memcpy(raw.data(), data + at, std::min(size - at, ndp::kJobDescriptorBytes));
    harness->input.push_back(raw);
  }
  harness->pending = true;
  sc_core::sc_start();
  fuzz::require(!harness->pending, "the simulation stopped before the input was done");
  return 0;
}
