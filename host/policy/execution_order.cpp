#include "host/policy/execution_order.hpp"

#include <algorithm>

namespace monde::policy {

bool runs_before(const LayerDemand& demand, std::size_t a, bool a_no_transfer, std::size_t b, bool b_no_transfer) {
  if (a_no_transfer != b_no_transfer) return a_no_transfer;
  const auto ta = demand.tokens_per_expert[a];
  const auto tb = demand.tokens_per_expert[b];
  if (ta != tb) return ta > tb;
  return a < b;
}

std::vector<std::size_t> execution_order(const LayerDemand& demand, const std::vector<bool>& no_transfer) {
  std::vector<std::size_t> order;
  order.reserve(demand.expert_count());
  for (std::size_t i = 0; i < demand.expert_count(); ++i) {
    if (demand.is_active(i)) order.push_back(i);
  }
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return runs_before(demand, a, no_transfer[a], b, no_transfer[b]);
  });
  return order;
}

}  // namespace monde::policy
