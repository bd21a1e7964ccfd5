#include "system/reference.hpp"

#include "core/config/gpu_profile.hpp"
#include "core/config/system_config.hpp"
#include "host/moe/routing_registry.hpp"
#include "host/policy/policy_registry.hpp"

namespace monde::system {

std::vector<config::SectionDoc> configuration_reference() {
  std::vector<config::SectionDoc> out = config::system_schema().docs("");
  out.front().doc = config::system_schema().doc();
  for (auto& s : out) {
    for (auto& k : s.keys) {
      if (s.path == "routing" && k.key == "source") k.allowed = moe::routing_names_text();
      if (s.path == "run" && k.key == "policies") k.allowed = "a list of: " + policy::policy_names_text();
    }
  }
  for (auto& s : config::gpu_profile_schema().docs("")) {
    s.path = "(GPU profile file)" + (s.path.empty() ? std::string() : " " + s.path);
    out.push_back(std::move(s));
  }
  return out;
}

std::string configuration_reference_markdown() { return config::to_markdown(configuration_reference()); }

}  // namespace monde::system
