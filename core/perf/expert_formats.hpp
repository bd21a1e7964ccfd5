// The NDP weight format of every routed expert of a run, per (MoE layer, expert): the one owner of
// "which format is expert e of layer l stored and computed in". The driver places each expert in
// its format, the NDP descriptor of its jobs names it, and the cost model, every policy and the
// GPU fetch see it through LayerDemand::ndp_weights (host/policy/layer_demand.hpp), all filled from
// this table. A single-format device (device.ndp.expert_weight_format) is the uniform table; mixed
// precision per expert (device.ndp.expert_weight_error_budget) fills it at placement
// (system/mixed_precision.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/config/weight_format.hpp"
#include "core/perf/expert_shape.hpp"

namespace monde::perf {

class ExpertFormats {
 public:
  ExpertFormats() = default;
  // Every expert of every layer in `format`.
  ExpertFormats(std::size_t moe_layers, std::size_t experts, const config::WeightEncoding& format);
  // One format per (MoE layer, expert); every layer needs the same number of experts
  // (std::invalid_argument otherwise).
  explicit ExpertFormats(std::vector<std::vector<config::WeightEncoding>> per_layer);

  std::size_t layers() const { return formats_.size(); }
  // std::out_of_range for a layer or expert outside the table.
  const config::WeightEncoding& of(std::size_t moe_layer, std::size_t expert) const;
  const std::vector<config::WeightEncoding>& layer(std::size_t moe_layer) const;
  // Every expert in one format (a single-format device).
  bool uniform() const { return uniform_; }
  // Any expert in an int8 / int4 format (the driver then places a quantised copy of it).
  bool any_quantised() const;
  // `base` with the NDP copy of (layer, expert).
  ExpertShape shape(const ExpertShape& base, std::size_t moe_layer, std::size_t expert) const;
  // How many experts of the layer are in each format, by config::describe ("bf16", "int4/g128").
  std::map<std::string, std::size_t> counts(std::size_t moe_layer) const;

 private:
  std::vector<std::vector<config::WeightEncoding>> formats_;
  bool uniform_ = true;
};

}  // namespace monde::perf
