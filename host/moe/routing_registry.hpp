// The routing sources by name: what `routing.source` names, with what each one does and which
// keys it reads. Adding a source: its class, one entry here, its tests; the experiment checks and
// `monde-sim list routing` take it from here.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/config/config_node.hpp"
#include "core/config/system_config.hpp"
#include "host/moe/gate_routing.hpp"
#include "host/moe/routing_source.hpp"

namespace monde::moe {

struct RoutingSourceInfo {
  std::string name;
  std::string description;
  std::string keys;  // the routing keys it reads besides `source` and `seed`
  // Checks what the schema cannot (a key this source needs); `routing` is the experiment's
  // routing object, for messages. May be empty.
  std::function<void(const config::SystemConfig&, const config::ConfigNode& routing)> check;
  // `activations` feeds the gate source (the runtime's activations, so that data: full routes
  // the data it computes); the other sources ignore it.
  std::function<std::unique_ptr<RoutingSource>(const config::SystemConfig&,
                                               const GateRoutingSource::ActivationProvider& activations)>
      make;
};

const std::vector<RoutingSourceInfo>& routing_registry();
const RoutingSourceInfo* find_routing_source(const std::string& name);
std::string routing_names_text();

}  // namespace monde::moe
