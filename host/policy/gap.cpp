#include "host/policy/gap.hpp"

#include <stdexcept>

#include "host/policy/monde_policy.hpp"
#include "host/policy/oracle_policy.hpp"

namespace monde::policy {

double makespan_ratio(const Placement& candidate, const Placement& reference) {
  const double c = candidate.cost.makespan_s;
  const double r = reference.cost.makespan_s;
  if (r == 0.0) {
    if (c == 0.0) return 1.0;
    throw std::invalid_argument("makespan_ratio: the reference takes no time but the candidate does");
  }
  return c / r;
}

double monde_oracle_gap(const LayerDemand& demand, const SystemCostModel& model, OraclePaths paths) {
  MondePolicy monde;
  OraclePolicy oracle(paths);
  return makespan_ratio(monde.place(demand, model), oracle.place(demand, model));
}

}  // namespace monde::policy
