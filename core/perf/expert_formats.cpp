#include "core/perf/expert_formats.hpp"

#include <stdexcept>
#include <utility>

namespace monde::perf {

ExpertFormats::ExpertFormats(std::size_t moe_layers, std::size_t experts, const config::WeightEncoding& format)
    : formats_(moe_layers, std::vector<config::WeightEncoding>(experts, format)) {}

ExpertFormats::ExpertFormats(std::vector<std::vector<config::WeightEncoding>> per_layer)
    : formats_(std::move(per_layer)) {
  for (const auto& l : formats_) {
    if (l.size() != formats_.front().size()) {
      throw std::invalid_argument("ExpertFormats: layers with " + std::to_string(formats_.front().size()) + " and " +
                                  std::to_string(l.size()) + " experts (every MoE layer has the same experts)");
    }
    for (const auto& f : l) uniform_ = uniform_ && f == formats_.front().front();
  }
}

const config::WeightEncoding& ExpertFormats::of(std::size_t moe_layer, std::size_t expert) const {
  return formats_.at(moe_layer).at(expert);
}

const std::vector<config::WeightEncoding>& ExpertFormats::layer(std::size_t moe_layer) const {
  return formats_.at(moe_layer);
}

bool ExpertFormats::any_quantised() const {
  for (const auto& l : formats_) {
    for (const auto& f : l) {
      if (f.quantised()) return true;
    }
  }
  return false;
}

ExpertShape ExpertFormats::shape(const ExpertShape& base, std::size_t moe_layer, std::size_t expert) const {
  ExpertShape s = base;
  s.ndp_weights = of(moe_layer, expert);
  return s;
}

std::map<std::string, std::size_t> ExpertFormats::counts(std::size_t moe_layer) const {
  std::map<std::string, std::size_t> n;
  for (const auto& f : layer(moe_layer)) ++n[config::describe(f)];
  return n;
}

}  // namespace monde::perf
