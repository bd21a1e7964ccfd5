// Which MoNDE device holds each expert of a MoE layer (config `devices.placement`): the driver
// places each expert's weights on the device this says (system/moe_runtime.cpp), decided once,
// before the weights are placed. No SystemC.
//   round_robin  expert e on device e mod devices;
//   popularity   the layer's experts by routed tokens over the run (the routing trace's counts),
//                most first (ties: lower expert index first), each onto the device with the fewest
//                tokens so far among those holding fewer than ceil(experts / devices) experts (ties:
//                fewer experts, then lower device index): longest-processing-time-first list
//                scheduling, so the devices' NDP loads come out balanced, and the cap keeps every
//                device's share of the weights (its memory) within one expert of the others.
#pragma once

#include <cstdint>
#include <vector>

#include "core/config/devices_config.hpp"

namespace monde::policy {

// popularity: one entry per expert (routed tokens; ignored by round_robin, whose expert count is
// popularity.size() too). std::invalid_argument for no experts or devices outside 1 .. 16.
std::vector<std::uint32_t> place_experts_on_devices(config::DevicePlacement placement, std::uint32_t devices,
                                                    const std::vector<std::uint64_t>& popularity);

}  // namespace monde::policy
