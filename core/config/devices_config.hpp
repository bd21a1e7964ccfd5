// Several MoNDE devices on the host root complex: the `devices` section of an experiment (README,
// "Several devices"). Device d is a copy of the experiment's `device` with its own CXL link and
// its HDM range at host physical address d x (the device's mapped bytes). The default (one
// device) resolves and simulates exactly as before: config.resolved.json writes the section only
// when a value differs from its default.
//   "devices": { "count": 4, "placement": "popularity", "split": "auto" }
// Or one HDM range interleaved across the devices (interleave_granularity > 0, docs/interleave.md):
//   "devices": { "count": 4, "interleave_granularity": 4096 }
// The host bridge's decoder sends granule k of the range [0, count x mapped bytes) to the device at
// interleave position k mod count; each device's HDM decoder is programmed with the same ways
// (= count) and granularity and its position (= its index), so it maps its granules to
// consecutive DPAs (CXL 2.0 §8.2.5.12, the "Device Decode Logic" in tlm/cxl/hdm_decoder.hpp).
#pragma once

#include <cstdint>
#include <vector>

#include "core/config/device_config.hpp"
#include "core/config/enum_names.hpp"
#include "core/config/schema.hpp"

namespace monde::config {

inline constexpr std::uint32_t kMaxDevices = 16;

// Which device holds each (layer, expert)'s weights (host/driver/expert_devices.hpp does it).
enum class DevicePlacement {
  kRoundRobin,  // expert e of every MoE layer on device e mod count
  kPopularity,  // per layer, by the run's routed tokens: the busiest expert first onto the least loaded device
};
const std::vector<EnumName<DevicePlacement>>& names_of(DevicePlacement);

// Whether a MoE layer's experts are each split across all devices (tensor parallel:
// core/perf/expert_split.hpp), decided per layer before the run (system/split_layers.hpp).
enum class DeviceSplit {
  kNone,    // every expert whole on the device `placement` names
  kAlways,  // every MoE layer split
  kAuto,    // per layer, whichever the cost model predicts faster over the run's routing
};
const std::vector<EnumName<DeviceSplit>>& names_of(DeviceSplit);

struct DevicesConfig {
  std::uint32_t count = 1;  // 1 .. kMaxDevices
  DevicePlacement placement = DevicePlacement::kRoundRobin;
  DeviceSplit split = DeviceSplit::kNone;  // none with one device (checked)
  // 0: each device its own HPA window. 256 .. 16384 (a power of two, the HDM decoder's IG): one
  // range interleaved across all `count` devices (ways = count: 2, 3, 4, 6, 8, 12 or 16; checked).
  std::uint64_t interleave_granularity = 0;
  bool interleaved() const { return interleave_granularity > 0; }
  // An interleaved range holding whole experts, each striped over every device (no split): one
  // weights-only driver, no NDP experts. With a split each device's NDP driver places its slice
  // of every expert in its own granules (docs/interleave.md).
  bool interleaved_whole_experts() const { return interleaved() && split == DeviceSplit::kNone; }
};

const Schema<DevicesConfig>& devices_schema();
bool differs_from_defaults(const DevicesConfig& c);

// The host physical address window of each device: the bytes the device's (default, single)
// HDM decoder maps, and where device `index` starts (index x those bytes; interleaved: 0, every
// device's decoder covers the one range).
std::uint64_t device_window_bytes(const DeviceConfig& device);
std::uint64_t device_hpa_base(const DeviceConfig& device, const DevicesConfig& devices, std::uint32_t index);
// The interleaved range's bytes: count x the device's mapped bytes (interleaved only).
std::uint64_t interleaved_range_bytes(const DeviceConfig& device, const DevicesConfig& devices);
// Device `index` of several: `device` with its decoder moved to its window (index 0: unchanged),
// or, interleaved, programmed for the whole range with ways = count, the granularity and
// position = index.
DeviceConfig device_config_of(const DeviceConfig& device, const DevicesConfig& devices, std::uint32_t index);

}  // namespace monde::config
