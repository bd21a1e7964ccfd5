#include "host/policy/device_placement.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>

namespace monde::policy {

std::vector<std::uint32_t> place_experts_on_devices(config::DevicePlacement placement, std::uint32_t devices,
                                                    const std::vector<std::uint64_t>& popularity) {
  const std::size_t experts = popularity.size();
  if (experts == 0) throw std::invalid_argument("place_experts_on_devices: no experts");
  if (devices < 1 || devices > config::kMaxDevices) {
    throw std::invalid_argument("place_experts_on_devices: " + std::to_string(devices) + " devices; allowed 1 .. " +
                                std::to_string(config::kMaxDevices));
  }
  std::vector<std::uint32_t> device(experts, 0);
  if (placement == config::DevicePlacement::kRoundRobin) {
    for (std::size_t e = 0; e < experts; ++e) device[e] = static_cast<std::uint32_t>(e % devices);
    return device;
  }
  std::vector<std::size_t> order(experts);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return popularity[a] > popularity[b]; });
  const std::size_t cap = (experts + devices - 1) / devices;
  std::vector<std::uint64_t> load(devices, 0);
  std::vector<std::size_t> held(devices, 0);
  for (const std::size_t e : order) {
    std::uint32_t best = devices;
    for (std::uint32_t d = 0; d < devices; ++d) {
      if (held[d] >= cap) continue;
      if (best == devices || load[d] < load[best] || (load[d] == load[best] && held[d] < held[best])) best = d;
    }
    device[e] = best;
    load[best] += popularity[e];
    ++held[best];
  }
  return device;
}

}  // namespace monde::policy
