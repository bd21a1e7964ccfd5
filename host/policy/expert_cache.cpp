#include "host/policy/expert_cache.hpp"

#include <stdexcept>
#include <string>

#include "host/policy/pinned_set.hpp"

namespace monde::policy {

ExpertCache::ExpertCache(config::ExpertCacheMode mode, std::uint64_t slots, std::uint64_t expert_bytes,
                         const std::vector<std::vector<double>>& popularity)
    : mode_(mode), slots_(slots), expert_bytes_(expert_bytes) {
  if (mode == config::ExpertCacheMode::kNone) throw std::invalid_argument("ExpertCache: mode none has no cache");
  if (slots == 0 || expert_bytes == 0) throw std::invalid_argument("ExpertCache: slots and expert bytes must be > 0");
  if (popularity.empty() || popularity.front().empty()) throw std::invalid_argument("ExpertCache: no layers or experts");
  const std::size_t experts = popularity.front().size();
  for (const auto& layer : popularity) {
    if (layer.size() != experts) {
      throw std::invalid_argument("ExpertCache: a layer of " + std::to_string(layer.size()) + " experts, another of " +
                                  std::to_string(experts));
    }
  }
  last_use_.assign(popularity.size(), std::vector<std::uint64_t>(experts, 0));
  if (mode != config::ExpertCacheMode::kPinned) return;
  // Across layers: one score vector in (layer, expert) order, so choose_pinned's tie rule (lower
  // index first) means lower layer, then lower expert.
  std::vector<double> score;
  for (const auto& layer : popularity) score.insert(score.end(), layer.begin(), layer.end());
  const std::vector<bool> pinned = choose_pinned(score, 1, slots);
  for (std::size_t i = 0; i < pinned.size(); ++i) {
    if (!pinned[i]) continue;
    last_use_[i / experts][i % experts] = ++tick_;
    ++entries_;
  }
}

std::vector<bool> ExpertCache::resident(std::size_t layer) const {
  const auto& l = last_use_.at(layer);
  std::vector<bool> out(l.size());
  for (std::size_t e = 0; e < l.size(); ++e) out[e] = l[e] != 0;
  return out;
}

void ExpertCache::use(std::size_t layer, std::size_t expert) {
  std::uint64_t& t = last_use_[layer][expert];
  if (t != 0) by_use_.erase(t);
  t = ++tick_;
  by_use_.emplace(t, std::make_pair(layer, expert));
}

ExpertCacheCounts ExpertCache::record(std::size_t layer, const std::vector<bool>& resident,
                                      const std::vector<std::uint64_t>& tokens, const Placement& placement) {
  if (resident.size() != tokens.size() || placement.location.size() != tokens.size() ||
      last_use_.at(layer).size() != tokens.size()) {
    throw std::invalid_argument("ExpertCache: layer " + std::to_string(layer) + ": residency, tokens and placement of " +
                                std::to_string(resident.size()) + ", " + std::to_string(tokens.size()) + " and " +
                                std::to_string(placement.location.size()) + " experts, the cache's layers have " +
                                std::to_string(last_use_.at(layer).size()));
  }
  ExpertCacheCounts c;
  c.used = true;
  for (std::size_t e = 0; e < tokens.size(); ++e) {
    if (tokens[e] == 0) continue;
    if (resident[e]) {
      ++c.hits;
      c.bytes_not_fetched += expert_bytes_;
    } else {
      ++c.misses;
    }
  }
  if (mode_ != config::ExpertCacheMode::kLru) return c;
  // Hits the GPU used, then what it fetched, each in expert order.
  for (std::size_t e = 0; e < tokens.size(); ++e) {
    if (tokens[e] > 0 && resident[e] && placement.location[e] == ExpertLocation::kGpuResident) use(layer, e);
  }
  for (std::size_t e = 0; e < tokens.size(); ++e) {
    if (placement.location[e] != ExpertLocation::kGpuFetched || last_use_[layer][e] != 0) continue;
    if (entries_ == slots_) {
      const auto oldest = by_use_.begin();
      last_use_[oldest->second.first][oldest->second.second] = 0;
      by_use_.erase(oldest);
      --entries_;
      ++c.evictions;
    }
    use(layer, e);
    ++entries_;
  }
  return c;
}

}  // namespace monde::policy
