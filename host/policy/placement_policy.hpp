// The interface every placement policy implements.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "host/policy/layer_demand.hpp"
#include "host/policy/placement.hpp"
#include "host/policy/system_cost_model.hpp"

namespace monde::policy {

// What a policy may learn about its MoE layer before the run starts.
struct RunHistory {
  // Tokens routed to each expert of the layer over the whole run (static_freq pins the most
  // popular ones; the counts are what a calibration run would have recorded).
  std::vector<double> expert_popularity;
  // Decode runs, for policies that learn_from_prompts(): the routing of the batch's prompts
  // through the layer (batch x prompt_tokens tokens, a prefill demand; not simulated).
  std::optional<LayerDemand> prompt_prefill;
  // For policies that calibrates_on_a_batch(): one batch of the run's phase and size through
  // every MoE layer of the model (one demand per MoE layer, in order), routed with its own draw,
  // not one of the measured steps.
  std::vector<LayerDemand> calibration;
};

// A value a policy tuned or was given for the run (e.g. monde_paper's alpha), for the outputs.
struct PolicyParameter {
  std::string name;
  double value = 0;
};

// Decides, for one MoE layer and one batch, where each routed expert runs. Some policies
// keep state between calls (what they pinned, what prefill taught them), so one policy
// object serves one MoE layer; place() is not const. The returned placement's cost comes from
// evaluate(), never from the policy's own arithmetic.
class PlacementPolicy {
 public:
  virtual ~PlacementPolicy() = default;
  virtual std::string name() const = 0;
  // True when prepare() needs RunHistory::prompt_prefill in decode runs.
  virtual bool learns_from_prompts() const { return false; }
  // True when prepare() needs RunHistory::calibration.
  virtual bool calibrates_on_a_batch() const { return false; }
  // Called once before the layer's first place(); throws std::invalid_argument for a history
  // the policy cannot use.
  virtual void prepare(const RunHistory& history, const SystemCostModel& model) {
    (void)history;
    (void)model;
  }
  // Throws std::invalid_argument for a malformed demand or cost model (and where a policy
  // cannot serve the demand, e.g. oracle above its expert limit).
  virtual Placement place(const LayerDemand& demand, const SystemCostModel& model) = 0;
  // What the policy tuned or was given for the run, after prepare() (none by default).
  virtual std::vector<PolicyParameter> parameters() const { return {}; }
};

}  // namespace monde::policy
