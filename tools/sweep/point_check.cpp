#include "tools/sweep/point_check.hpp"

#include "system/experiment.hpp"
#include "system/routing.hpp"

namespace monde::sweep {

void check_points(const SweepPlan& plan, const std::vector<std::string>& data_search_path) {
  const SweepSpec& s = plan.spec;
  for (const auto& p : plan.points) {
    config::ExperimentSource source;
    source.experiment = s.experiment;
    source.data_dirs = data_search_path;
    const auto add = [&source](const std::string& key, const nlohmann::json& value, const std::string& origin) {
      source.overrides.push_back({key + "=" + value.dump(), origin});
    };
    for (const auto& [k, v] : s.set) add(k, v, s.name + " set " + k + "=" + value_text(v));
    if (!s.policies.empty()) add("run.policies", nlohmann::json(s.policies), s.name + " policies");
    for (const auto& [k, v] : p.point.values) {
      add(k, v, s.name + " point " + std::to_string(p.point.index) + " (" + k + "=" + value_text(v) + ")");
    }
    const system::Experiment ex = system::load_experiment(source);
    system::check_policy_limits(ex.config, ex.document, system::route_experiment(ex.config));
  }
}

}  // namespace monde::sweep
