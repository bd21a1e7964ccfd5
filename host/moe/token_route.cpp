#include "host/moe/token_route.hpp"

#include <stdexcept>
#include <string>

namespace monde::moe {

void check_routes(const std::vector<TokenRoute>& routes, std::uint32_t experts, std::uint32_t top_k,
                  const char* what) {
  if (experts == 0) throw std::invalid_argument(std::string(what) + ": a layer needs at least one expert");
  std::vector<std::size_t> seen_at(experts, static_cast<std::size_t>(-1));
  for (std::size_t t = 0; t < routes.size(); ++t) {
    const TokenRoute& r = routes[t];
    const std::string where = std::string(what) + ": token " + std::to_string(t);
    if (r.experts.size() != top_k) {
      throw std::invalid_argument(where + " has " + std::to_string(r.experts.size()) + " experts, expected top_k = " +
                                  std::to_string(top_k));
    }
    if (r.weights.size() != r.experts.size()) {
      throw std::invalid_argument(where + " has " + std::to_string(r.weights.size()) + " weights for " +
                                  std::to_string(r.experts.size()) + " experts");
    }
    for (std::uint32_t e : r.experts) {
      if (e >= experts) {
        throw std::invalid_argument(where + " names expert " + std::to_string(e) + " (allowed 0.." +
                                    std::to_string(experts - 1) + ")");
      }
      if (seen_at[e] == t) throw std::invalid_argument(where + " names expert " + std::to_string(e) + " twice");
      seen_at[e] = t;
    }
  }
}

std::vector<std::uint64_t> tokens_per_expert(const std::vector<TokenRoute>& routes, std::uint32_t experts) {
  std::vector<std::uint64_t> histogram(experts, 0);
  for (const TokenRoute& r : routes) {
    for (std::uint32_t e : r.experts) {
      if (e >= experts) {
        throw std::invalid_argument("tokens_per_expert: expert " + std::to_string(e) + " out of range (allowed 0.." +
                                    std::to_string(experts - 1) + ")");
      }
      ++histogram[e];
    }
  }
  return histogram;
}

}  // namespace monde::moe
