// Fuzz target: the device preset loader (configs/device/*.json, an experiment's "device" file):
// JSON text parsed as config::load_device_config does. Invariants: rejections say where and what
// is allowed; an accepted device writes back (device_schema().to_json) to a file that parses to
// the same device; and a device that passes every check runs: its timed DRAM model serves 64
// reads and writes spread over the whole capacity (each completes once, the model never stalls;
// dram_drive.hpp), as a simulation of that device would ask it to.
#include <functional>
#include <random>

#include <nlohmann/json.hpp>

#include "core/config/config_error.hpp"
#include "core/config/device_config.hpp"
#include "core/config/json_file.hpp"
#include "tests/fuzz/dram_drive.hpp"
#include "tests/fuzz/fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace monde;
  constexpr const char* kSource = "fuzz-device.json";
  const std::string text = fuzz::text_of(data, size);
  config::DeviceConfig d;
  try {
    d = config::parse_device_config(config::ConfigNode(config::parse_json_text(text, kSource), kSource));
  } catch (const config::ConfigError& e) {
    fuzz::check_json_rejection(e.what(), kSource);
    return 0;
  }
  const nlohmann::json written = config::device_schema().to_json(d);
  try {
    const config::DeviceConfig again =
        config::parse_device_config(config::ConfigNode(config::parse_json_text(written.dump(), "written"), "written"));
    fuzz::require(config::device_schema().to_json(again) == written, "the written device parses to another: " + written.dump());
  } catch (const config::ConfigError& e) {
    fuzz::fail(std::string("an accepted device, written back, is rejected: ") + e.what() + "\n" + written.dump());
  }
  if (d.dram.model != config::MemoryModel::kTimed) return 0;
  // Addresses from the input's hash: rows revisited (hits), other rows of a bank (conflicts),
  // both directions, bursts of arrivals and gaps.
  std::mt19937_64 rng(std::hash<std::string>{}(text));
  const std::uint64_t capacity = d.dram.capacity_bytes();
  std::vector<fuzz::OfferedRequest> requests(64);
  std::uint64_t t = 0;
  for (auto& r : requests) {
    r.addr = (rng() % 4 == 0 && &r != &requests.front()) ? (&r - 1)->addr ^ (rng() % 4096) : rng() % capacity;
    r.addr %= capacity;
    r.is_write = rng() % 3 == 0;
    t += rng() % 4 == 0 ? rng() % 100000 : 0;
    r.earliest_ps = t;
  }
  mem::DramSystem dram(d.dram);
  fuzz::drive_dram(dram, requests);
  return 0;
}
