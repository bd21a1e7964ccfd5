#include "host/moe/model_config.hpp"

#include <string>
#include <vector>

namespace monde::moe {

namespace {

// Generous bounds: they exist to catch typos (an extra digit, a negative number), not to forbid
// future models. The largest real values today are d_model 7168 and d_ff 18432 (dense layers).
constexpr std::uint64_t kMaxDModel = 65536;
constexpr std::uint64_t kMaxDff = 1u << 20;
constexpr std::uint64_t kMaxExperts = 4096;
constexpr std::uint64_t kMaxLayers = 1024;
constexpr std::uint64_t kMaxSharedExperts = 64;

[[noreturn]] void fail(const config::ConfigNode& node, const std::string& key, const std::string& what) {
  throw config::ConfigError(node.source() + ": key '" + node.key_path(key) + "' " + what);
}

std::string required_string(const config::ConfigNode& node, const std::string& key) {
  if (!node.has(key)) fail(node, key, "is missing (a string is required)");
  const auto& v = node.json().at(key);
  if (!v.is_string() || v.get<std::string>().empty()) fail(node, key, "= " + v.dump() + " must be a non-empty string");
  return v.get<std::string>();
}

std::string optional_string(const config::ConfigNode& node, const std::string& key) {
  return node.has(key) ? required_string(node, key) : std::string();
}

// Preset names end up in file names and command lines: keep them to one safe alphabet.
std::string preset_name(const config::ConfigNode& node, const std::string& key, bool required) {
  const std::string s = required ? required_string(node, key) : optional_string(node, key);
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok) fail(node, key, "= \"" + s + "\" may only contain a-z, 0-9, '-', '_' and '.'");
  }
  return s;
}

bool required_bool(const config::ConfigNode& node, const std::string& key) {
  if (!node.has(key)) fail(node, key, "is missing (true or false is required)");
  return node.get_bool(key, false);
}

std::uint32_t get_u32(const config::ConfigNode& node, const std::string& key, std::uint64_t lo, std::uint64_t hi) {
  return static_cast<std::uint32_t>(node.get_uint(key, lo, hi));
}

std::map<std::string, std::string> string_map(const config::ConfigNode& node, const std::string& key) {
  const config::ConfigNode child = node.child(key);
  std::map<std::string, std::string> out;
  for (auto it = child.json().begin(); it != child.json().end(); ++it) {
    if (!it.value().is_string() || it.value().get<std::string>().empty()) {
      fail(child, it.key(), "= " + it.value().dump() + " must be a non-empty string (a URL or paper and field name)");
    }
    out[it.key()] = it.value().get<std::string>();
  }
  if (out.empty()) fail(node, key, "must name the source of the numbers (it is empty)");
  return out;
}

MoeLayerRule parse_rule(const std::string& s) {
  if (s == "every") return MoeLayerRule::kEvery;
  if (s == "every_other") return MoeLayerRule::kEveryOther;
  if (s == "every_nth") return MoeLayerRule::kEveryNth;
  return MoeLayerRule::kAfterFirstDenseK;  // get_choice admitted nothing else
}

RouterConfig parse_router(const config::ConfigNode& router) {
  router.reject_unknown_keys({"scoring", "normalize_topk", "scaling_factor"});
  RouterConfig r;
  r.scoring = router.get_choice("scoring", {"softmax"});
  r.normalize_topk = required_bool(router, "normalize_topk");
  r.scaling_factor = router.get_double("scaling_factor", 1e-6, 1000.0);
  return r;
}

}  // namespace

const char* moe_layer_rule_name(MoeLayerRule rule) {
  switch (rule) {
    case MoeLayerRule::kEvery: return "every";
    case MoeLayerRule::kEveryOther: return "every_other";
    case MoeLayerRule::kEveryNth: return "every_nth";
    case MoeLayerRule::kAfterFirstDenseK: return "after_first_dense_k";
  }
  return "?";
}

const char* expert_activation_name(ExpertActivation activation) {
  return activation == ExpertActivation::kSiluGated ? "silu_gated" : "relu";
}

std::uint64_t MoeModelConfig::expert_weight_bytes() const {
  return matrices_per_expert() * std::uint64_t{d_model} * d_ff * bytes_per_element();
}

std::uint64_t MoeModelConfig::shared_expert_weight_bytes() const {
  return matrices_per_expert() * std::uint64_t{d_model} * shared_expert_d_ff * bytes_per_element();
}

std::uint64_t MoeModelConfig::expert_macs_per_token() const {
  return matrices_per_expert() * std::uint64_t{d_model} * d_ff;
}

std::uint64_t MoeModelConfig::total_routed_expert_bytes() const {
  return std::uint64_t{experts} * moe_layers * expert_weight_bytes();
}

bool MoeModelConfig::is_moe_layer(std::uint32_t layer) const {
  if (layer >= layers) return false;
  switch (moe_layer_rule) {
    case MoeLayerRule::kEvery: return true;
    case MoeLayerRule::kEveryOther: return (layer + 1) % 2 == 0;
    case MoeLayerRule::kEveryNth: return moe_layer_period != 0 && (layer + 1) % moe_layer_period == 0;
    case MoeLayerRule::kAfterFirstDenseK: return layer >= first_dense_layers;
  }
  return false;
}

std::vector<std::uint32_t> MoeModelConfig::moe_layer_indices() const {
  std::vector<std::uint32_t> out;
  for (std::uint32_t l = 0; l < layers; ++l) {
    if (is_moe_layer(l)) out.push_back(l);
  }
  return out;
}

MoeModelConfig parse_moe_model(const config::ConfigNode& node) {
  node.reject_unknown_keys({"name", "display_name", "d_model", "d_ff", "experts", "top_k", "layers", "moe_layers",
                            "moe_layer_rule", "moe_layer_period", "first_dense_layers", "gated", "activation",
                            "shared_experts", "shared_expert_d_ff", "router", "dtype", "sources", "notes",
                            "scaled_from"});
  MoeModelConfig m;
  m.source = node.source();
  m.name = preset_name(node, "name", true);
  m.display_name = required_string(node, "display_name");
  m.d_model = get_u32(node, "d_model", 1, kMaxDModel);
  m.d_ff = get_u32(node, "d_ff", 1, kMaxDff);
  m.experts = get_u32(node, "experts", 1, kMaxExperts);
  m.top_k = get_u32(node, "top_k", 1, m.experts);
  m.layers = get_u32(node, "layers", 1, kMaxLayers);

  const std::string rule = node.get_choice("moe_layer_rule", {"every", "every_other", "every_nth", "after_first_dense_k"});
  m.moe_layer_rule = parse_rule(rule);
  // Each rule's parameter is required with its rule and refused with any other: a parameter
  // that has no effect is most likely a rule typed wrongly.
  if (m.moe_layer_rule == MoeLayerRule::kEveryNth) {
    m.moe_layer_period = get_u32(node, "moe_layer_period", 2, m.layers);
  } else if (node.has("moe_layer_period")) {
    fail(node, "moe_layer_period", "is only allowed with moe_layer_rule \"every_nth\" (rule is \"" + rule + "\")");
  }
  if (m.moe_layer_rule == MoeLayerRule::kAfterFirstDenseK) {
    m.first_dense_layers = get_u32(node, "first_dense_layers", 0, m.layers - 1);
  } else if (node.has("first_dense_layers")) {
    fail(node, "first_dense_layers",
         "is only allowed with moe_layer_rule \"after_first_dense_k\" (rule is \"" + rule + "\")");
  }
  // moe_layers is redundant with the rule on purpose: it is the number people quote, and a
  // mismatch means the rule or the layer count was typed wrongly.
  const auto implied = static_cast<std::uint64_t>(m.moe_layer_indices().size());
  m.moe_layers = get_u32(node, "moe_layers", 1, m.layers);
  if (m.moe_layers != implied) {
    fail(node, "moe_layers",
         "= " + std::to_string(m.moe_layers) + " disagrees with moe_layer_rule \"" + rule + "\" over " +
             std::to_string(m.layers) + " layers (allowed " + std::to_string(implied) + ".." +
             std::to_string(implied) + ")");
  }

  const std::string act = node.get_choice("activation", {"silu_gated", "relu"});
  m.activation = act == "silu_gated" ? ExpertActivation::kSiluGated : ExpertActivation::kRelu;
  m.gated = required_bool(node, "gated");
  // The NDP's two FFN forms tie gating to the activation (silu is only used gated, relu only plain).
  const bool want_gated = m.activation == ExpertActivation::kSiluGated;
  if (m.gated != want_gated) {
    fail(node, "gated", std::string("= ") + (m.gated ? "true" : "false") + " contradicts activation \"" + act +
                            "\" (allowed " + (want_gated ? "true" : "false") + ")");
  }

  m.shared_experts = get_u32(node, "shared_experts", 0, kMaxSharedExperts);
  m.shared_expert_d_ff = m.shared_experts == 0 ? get_u32(node, "shared_expert_d_ff", 0, 0)
                                               : get_u32(node, "shared_expert_d_ff", 1, kMaxDff);
  m.router = parse_router(node.child("router"));
  m.dtype = node.get_choice("dtype", {"bf16"});
  m.sources = string_map(node, "sources");
  m.notes = optional_string(node, "notes");
  m.scaled_from = preset_name(node, "scaled_from", false);
  return m;
}

MoeModelConfig load_moe_model(const std::string& path) {
  const nlohmann::json json = config::load_json_file(path);
  return parse_moe_model(config::ConfigNode(json, path));
}

}  // namespace monde::moe
