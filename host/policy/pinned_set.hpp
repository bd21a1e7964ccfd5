// Which experts to keep in GPU memory, given a score per expert (observed popularity, or
// prefill token counts) and a memory budget.
#pragma once

#include <cstdint>
#include <vector>

namespace monde::policy {

// Highest score first (ties: lower index), only experts with a score > 0, as many as fit
// in `budget_bytes` at `weight_bytes` each. Experts of a layer are equally large, so this
// greedy choice also maximises the pinned score. Throws std::invalid_argument for a negative
// or non-finite score or zero weight_bytes.
std::vector<bool> choose_pinned(const std::vector<double>& score, std::uint64_t weight_bytes,
                                std::uint64_t budget_bytes);

}  // namespace monde::policy
