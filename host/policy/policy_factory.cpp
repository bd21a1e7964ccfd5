#include "host/policy/policy_factory.hpp"

#include <stdexcept>

#include "host/policy/context_policy.hpp"
#include "host/policy/cpu_policy.hpp"
#include "host/policy/monde_policy.hpp"
#include "host/policy/ndp_only_policy.hpp"
#include "host/policy/offload_policy.hpp"
#include "host/policy/oracle_policy.hpp"
#include "host/policy/static_freq_policy.hpp"

namespace monde::policy {

const std::vector<std::string>& policy_names() {
  static const std::vector<std::string> names = {"monde", "offload", "ndp_only", "cpu",
                                                 "static_freq", "context", "oracle"};
  return names;
}

std::unique_ptr<PlacementPolicy> make_policy(const std::string& name, const PolicyOptions& options) {
  if (name == "monde") return std::make_unique<MondePolicy>();
  if (name == "offload") return std::make_unique<OffloadPolicy>();
  if (name == "ndp_only") return std::make_unique<NdpOnlyPolicy>();
  if (name == "cpu") return std::make_unique<CpuPolicy>();
  if (name == "static_freq") {
    if (options.expert_popularity.empty()) {
      throw std::invalid_argument("policy 'static_freq' needs PolicyOptions::expert_popularity (one value per expert)");
    }
    return std::make_unique<StaticFreqPolicy>(options.expert_popularity);
  }
  if (name == "context") return std::make_unique<ContextPolicy>();
  if (name == "oracle") return std::make_unique<OraclePolicy>();
  std::string known;
  for (const auto& n : policy_names()) known += (known.empty() ? "" : ", ") + n;
  throw std::invalid_argument("unknown placement policy '" + name + "' (known: " + known + ")");
}

}  // namespace monde::policy
