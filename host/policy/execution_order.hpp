// The one order in which experts are laid on every path. It is part of the cost model:
// the evaluator scores a placement in this order, and the policies that search (monde, cpu,
// oracle) build their candidate paths in the same order.
#pragma once

#include <cstddef>
#include <vector>

#include "host/policy/layer_demand.hpp"

namespace monde::policy {

// True when expert `a` goes before expert `b`: experts that need no weight copy
// (`a_no_transfer`) first, then more tokens first, then lower index. Why this order: all
// experts of a layer have one shape, so every fetch takes the same time t and GPU compute
// time grows with tokens. For a two-stage flow shop Johnson's rule is optimal: jobs with
// transfer < compute by increasing transfer (residents, transfer 0, lead), then the rest by
// decreasing compute. With equal t, "decreasing tokens" satisfies both halves, so this order
// gives each GPU set its minimum pipeline time (see docs/policies.md).
bool runs_before(const LayerDemand& demand, std::size_t a, bool a_no_transfer, std::size_t b, bool b_no_transfer);

// The active experts of `demand` in execution order; `no_transfer[i]` says whether expert i
// would run without a weight copy (resident on the GPU).
std::vector<std::size_t> execution_order(const LayerDemand& demand, const std::vector<bool>& no_transfer);

}  // namespace monde::policy
