#include "core/config/model_config.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace monde::config {

namespace {

// Generous bounds: they exist to catch typos (an extra digit, a negative number), not to forbid
// future models. The largest real values today are d_model 7168 and d_ff 18432 (dense layers).
constexpr std::uint64_t kMaxDModel = 65536;
constexpr std::uint64_t kMaxDff = 1u << 20;
constexpr std::uint64_t kMaxExperts = 4096;
constexpr std::uint64_t kMaxLayers = 1024;
constexpr std::uint64_t kMaxSharedExperts = 64;
constexpr std::uint64_t kMaxHeads = 1024;
constexpr std::uint64_t kMaxHeadDim = 4096;
constexpr std::uint64_t kMaxVocab = 1u << 24;
constexpr std::uint64_t kMaxContext = 1u << 24;

// Preset names end up in file names and command lines: keep them to one safe alphabet.
void check_preset_name(const ConfigNode& node, const char* key, const std::string& s) {
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok) node.fail(key, "has a character outside the preset alphabet; allowed a-z, 0-9, '-', '_', '.'");
  }
}

const Schema<RouterConfig>& router_schema() {
  using R = RouterConfig;
  static const auto s = Schema<R>("The router: how each token's top-k experts and their weights are chosen.")
                            .text_choice("scoring", &R::scoring, {"softmax"},
                                         "expert scores (only softmax is modelled)", kRequired)
                            .boolean("normalize_topk", &R::normalize_topk,
                                     "true: the chosen experts' probabilities are divided by their sum (Mixtral, "
                                     "Qwen3); false: used as they are (Switch, OLMoE, DeepSeek-V2-Lite)",
                                     kRequired)
                            .number("scaling_factor", &R::scaling_factor, 1e-6, 1000.0,
                                    "multiplies every routed weight (DeepSeek's routed_scaling_factor)", 1.0,
                                    kRequired);
  return s;
}

const Schema<MlaConfig>& mla_schema() {
  using A = MlaConfig;
  static const auto s =
      Schema<A>("Multi-head latent attention (DeepSeek-V2): keys and values cached as one compressed latent per "
                "token and layer.")
          .integer("kv_lora_rank", &A::kv_lora_rank, 1, kMaxHeadDim, "latent width of the cached keys and values",
                   kRequired)
          .integer("qk_rope_head_dim", &A::qk_rope_head_dim, 1, kMaxHeadDim,
                   "rotary part of each query and key (one rotary key per token, shared by the heads)", kRequired)
          .integer("v_head_dim", &A::v_head_dim, 1, kMaxHeadDim, "value width per head", kRequired);
  return s;
}

Schema<MoeModelConfig>& u32(Schema<MoeModelConfig>& s, const char* key, std::uint32_t MoeModelConfig::*field,
                             std::uint64_t lo, std::uint64_t hi, const char* doc) {
  return s.integer(key, field, lo, hi, doc, kRequired);
}

}  // namespace

const std::vector<EnumName<MoeLayerRule>>& names_of(MoeLayerRule) {
  static const std::vector<EnumName<MoeLayerRule>> n = {{MoeLayerRule::kEvery, "every"},
                                                        {MoeLayerRule::kEveryOther, "every_other"},
                                                        {MoeLayerRule::kEveryNth, "every_nth"},
                                                        {MoeLayerRule::kAfterFirstDenseK, "after_first_dense_k"}};
  return n;
}

const std::vector<EnumName<ExpertActivation>>& names_of(ExpertActivation) {
  static const std::vector<EnumName<ExpertActivation>> n = {{ExpertActivation::kSiluGated, "silu_gated"},
                                                            {ExpertActivation::kRelu, "relu"}};
  return n;
}

const std::vector<EnumName<SlidingWindowLayers>>& names_of(SlidingWindowLayers) {
  static const std::vector<EnumName<SlidingWindowLayers>> n = {{SlidingWindowLayers::kAll, "all"},
                                                               {SlidingWindowLayers::kEven, "even"}};
  return n;
}

const char* moe_layer_rule_name(MoeLayerRule rule) { return to_string(rule); }
const char* expert_activation_name(ExpertActivation activation) { return to_string(activation); }

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

std::uint64_t MoeModelConfig::attended_positions(std::uint32_t layer, std::uint64_t context) const {
  const bool windowed = sliding_window > 0 && (sliding_window_layers == SlidingWindowLayers::kAll || layer % 2 == 0);
  return windowed ? std::min<std::uint64_t>(context, sliding_window) : context;
}

std::vector<std::uint32_t> MoeModelConfig::moe_layer_indices() const {
  std::vector<std::uint32_t> out;
  for (std::uint32_t l = 0; l < layers; ++l) {
    if (is_moe_layer(l)) out.push_back(l);
  }
  return out;
}

const Schema<MoeModelConfig>& model_schema() {
  using M = MoeModelConfig;
  static const auto s = [] {
    Schema<M> m("A MoE model preset (configs/models/*.json; docs/moe_models.md has every field's source).");
    m.text("name", &M::name, "preset name: a-z, 0-9, '-', '_', '.'", kRequired)
        .text("display_name", &M::display_name, "name in tables and plots", kRequired);
    u32(m, "d_model", &M::d_model, 1, kMaxDModel, "model width");
    u32(m, "d_ff", &M::d_ff, 1, kMaxDff, "hidden width of one routed expert");
    u32(m, "experts", &M::experts, 1, kMaxExperts, "routed experts per MoE layer");
    m.custom(KeyDoc{"top_k", "integer", "(required)", "1 .. experts", "experts each token is routed to"},
             [](const ConfigNode& n, M& c) { c.top_k = static_cast<std::uint32_t>(n.get_uint("top_k", 1, c.experts)); },
             [](const M& c, nlohmann::json& j) { j["top_k"] = c.top_k; });
    u32(m, "layers", &M::layers, 1, kMaxLayers, "transformer layers (encoder + decoder for encoder-decoder models)");
    m.custom(KeyDoc{"moe_layers", "integer", "(required)", "the count moe_layer_rule implies",
                    "how many layers are MoE layers (redundant with the rule on purpose: a mismatch is a typo)"},
             [](const ConfigNode& n, M& c) {
               c.moe_layers = static_cast<std::uint32_t>(n.get_uint("moe_layers", 1, c.layers));
             },
             [](const M& c, nlohmann::json& j) { j["moe_layers"] = c.moe_layers; })
        .choice("moe_layer_rule", &M::moe_layer_rule,
                "which layers are MoE layers (0-based i): every; every_other: i = 1, 3, 5, ...; every_nth: "
                "(i + 1) % moe_layer_period == 0; after_first_dense_k: i >= first_dense_layers",
                kRequired)
        // Each rule's parameter is required with its rule and refused with any other: a
        // parameter that has no effect is most likely a rule typed wrongly.
        .custom(KeyDoc{"moe_layer_period", "integer", "(every_nth only)", "2 .. layers", "every_nth's period"},
                [](const ConfigNode& n, M& c) {
                  if (c.moe_layer_rule == MoeLayerRule::kEveryNth) {
                    c.moe_layer_period = static_cast<std::uint32_t>(n.get_uint("moe_layer_period", 2, c.layers));
                  } else if (n.has("moe_layer_period")) {
                    n.fail("moe_layer_period", std::string("only allowed with moe_layer_rule \"every_nth\" (rule is \"") +
                                                   to_string(c.moe_layer_rule) + "\")");
                  }
                },
                [](const M& c, nlohmann::json& j) {
                  if (c.moe_layer_rule == MoeLayerRule::kEveryNth) j["moe_layer_period"] = c.moe_layer_period;
                })
        .custom(KeyDoc{"first_dense_layers", "integer", "(after_first_dense_k only)", "0 .. layers - 1",
                       "dense layers before the first MoE layer"},
                [](const ConfigNode& n, M& c) {
                  if (c.moe_layer_rule == MoeLayerRule::kAfterFirstDenseK) {
                    c.first_dense_layers = static_cast<std::uint32_t>(n.get_uint("first_dense_layers", 0, c.layers - 1));
                  } else if (n.has("first_dense_layers")) {
                    n.fail("first_dense_layers", std::string("only allowed with moe_layer_rule \"after_first_dense_k\" "
                                                             "(rule is \"") +
                                                     to_string(c.moe_layer_rule) + "\")");
                  }
                },
                [](const M& c, nlohmann::json& j) {
                  if (c.moe_layer_rule == MoeLayerRule::kAfterFirstDenseK) j["first_dense_layers"] = c.first_dense_layers;
                })
        .boolean("gated", &M::gated, "SwiGLU experts (three matrices) or plain (two); must match activation", kRequired)
        .choice("activation", &M::activation, "the expert FFN's activation (silu_gated is gated, relu is not)",
                kRequired)
        .integer("shared_experts", &M::shared_experts, 0, kMaxSharedExperts, "always-active shared experts", kRequired)
        .custom(KeyDoc{"shared_expert_d_ff", "integer", "(required)", "0 without shared experts, else 1 .. 1048576",
                       "hidden width of one shared expert"},
                [](const ConfigNode& n, M& c) {
                  c.shared_expert_d_ff = static_cast<std::uint32_t>(
                      c.shared_experts == 0 ? n.get_uint("shared_expert_d_ff", 0, 0)
                                            : n.get_uint("shared_expert_d_ff", 1, kMaxDff));
                },
                [](const M& c, nlohmann::json& j) { j["shared_expert_d_ff"] = c.shared_expert_d_ff; })
        .custom(KeyDoc{"encoder_layers", "integer", "(required)", "0 .. layers - 1",
                       "0: decoder-only; else the first encoder_layers layers are the encoder, the rest the decoder"},
                [](const ConfigNode& n, M& c) {
                  c.encoder_layers = static_cast<std::uint32_t>(n.get_uint("encoder_layers", 0, c.layers - 1));
                },
                [](const M& c, nlohmann::json& j) { j["encoder_layers"] = c.encoder_layers; });
    u32(m, "attention_heads", &M::attention_heads, 1, kMaxHeads, "query heads of each attention");
    m.custom(KeyDoc{"kv_heads", "integer", "(required)", "1 .. attention_heads, dividing attention_heads",
                    "key/value heads (grouped-query attention: fewer than attention_heads; multi-query: 1)"},
             [](const ConfigNode& n, M& c) {
               c.kv_heads = static_cast<std::uint32_t>(n.get_uint("kv_heads", 1, c.attention_heads));
               if (c.attention_heads % c.kv_heads != 0) {
                 n.fail("kv_heads", "does not divide attention_heads (" + std::to_string(c.attention_heads) +
                                        "); allowed a divisor of it");
               }
             },
             [](const M& c, nlohmann::json& j) { j["kv_heads"] = c.kv_heads; });
    u32(m, "head_dim", &M::head_dim, 1, kMaxHeadDim,
        "width of each head's query, key and value (MLA: the non-rotary query/key part, qk_nope_head_dim)");
    u32(m, "vocab_size", &M::vocab_size, 1, kMaxVocab, "tokens of the vocabulary (embedding and LM head rows)");
    m.boolean("tied_embeddings", &M::tied_embeddings,
              "the LM head shares the embedding matrix (one copy in GPU memory)", kRequired)
        .custom(KeyDoc{"dense_d_ff", "integer", "(required)", "0 when every layer is a MoE layer, else 1 .. 1048576",
                       "FFN width of the dense (non-MoE) layers; same FFN form as the experts"},
                [](const ConfigNode& n, M& c) {
                  // By the rule (moe_layers itself is checked against it last).
                  const bool dense_layers = c.moe_layer_indices().size() < c.layers;
                  c.dense_d_ff = static_cast<std::uint32_t>(dense_layers ? n.get_uint("dense_d_ff", 1, kMaxDff)
                                                                         : n.get_uint("dense_d_ff", 0, 0));
                },
                [](const M& c, nlohmann::json& j) { j["dense_d_ff"] = c.dense_d_ff; });
    u32(m, "max_context_tokens", &M::max_context_tokens, 0, kMaxContext,
        "positions the model takes (max_position_embeddings); 0: no fixed limit (relative positions)");
    m.integer("sliding_window", &M::sliding_window, 0, kMaxContext,
              "tokens a sliding-window attention layer sees (0: every layer attends to the whole context)")
        .custom(KeyDoc{"sliding_window_layers", "enum", "\"all\"", "\"all\", \"even\" (only with sliding_window)",
                       "which layers use the window: all, or even: layers 0, 2, 4, ... (GPT-OSS)"},
                [](const ConfigNode& n, M& c) {
                  if (!n.has("sliding_window_layers")) return;
                  if (c.sliding_window == 0) {
                    n.fail("sliding_window_layers", "only allowed with a sliding_window above 0");
                  }
                  std::vector<std::string> names;
                  for (const auto& e : names_of(SlidingWindowLayers{})) names.push_back(e.name);
                  from_string(n.get_choice("sliding_window_layers", names), c.sliding_window_layers);
                },
                [](const M& c, nlohmann::json& j) {
                  if (c.sliding_window > 0) j["sliding_window_layers"] = to_string(c.sliding_window_layers);
                })
        .custom(KeyDoc{"mla", "object", "(none)", "the keys below", mla_schema().doc()},
                [](const ConfigNode& n, M& c) {
                  c.has_mla = n.has("mla");
                  if (!c.has_mla) return;
                  mla_schema().parse_into(n.child("mla"), c.mla);
                  if (c.kv_heads != c.attention_heads) {
                    n.fail("kv_heads", "must equal attention_heads (" + std::to_string(c.attention_heads) +
                                           ") with mla (the heads share one latent; Hugging Face configs say so too)");
                  }
                },
                [](const M& c, nlohmann::json& j) {
                  if (c.has_mla) j["mla"] = mla_schema().to_json(c.mla);
                },
                [](const std::string& path) { return mla_schema().docs(path + ".mla"); })
        .object("router", &M::router, router_schema(), kRequired)
        .text_choice("dtype", &M::dtype, {"bf16"}, "weight element type", kRequired)
        .custom(KeyDoc{"sources", "object", "(required)", "field name -> non-empty string",
                       "where each number comes from (a URL, or a paper and its field)"},
                [](const ConfigNode& n, M& c) {
                  const ConfigNode child = n.child("sources");
                  c.sources.clear();
                  for (auto it = child.json().begin(); it != child.json().end(); ++it) {
                    if (!it.value().is_string() || it.value().get<std::string>().empty()) {
                      child.fail(it.key(), "must be a non-empty string (a URL or paper and field name)");
                    }
                    c.sources[it.key()] = it.value().get<std::string>();
                  }
                  if (c.sources.empty()) n.fail("sources", "is empty; it must name the source of the numbers");
                },
                [](const M& c, nlohmann::json& j) { j["sources"] = c.sources; })
        .text("notes", &M::notes, "free text")
        .text("scaled_from", &M::scaled_from, "the full-size preset a scaled-down variant keeps the ratios of")
        .check([](const ConfigNode& n, M& c) {
          check_preset_name(n, "name", c.name);
          if (!c.scaled_from.empty()) check_preset_name(n, "scaled_from", c.scaled_from);
          const auto implied = static_cast<std::uint32_t>(c.moe_layer_indices().size());
          if (c.moe_layers != implied) {
            n.fail("moe_layers", std::string("disagrees with moe_layer_rule \"") + to_string(c.moe_layer_rule) +
                                     "\" over " + std::to_string(c.layers) + " layers; allowed " +
                                     std::to_string(implied));
          }
          // The NDP's two FFN forms tie gating to the activation (silu is only used gated, relu only plain).
          const bool want_gated = c.activation == ExpertActivation::kSiluGated;
          if (c.gated != want_gated) {
            n.fail("gated", std::string("contradicts activation \"") + to_string(c.activation) + "\"; allowed " +
                                (want_gated ? "true" : "false"));
          }
        });
    return m;
  }();
  return s;
}

MoeModelConfig parse_moe_model(const ConfigNode& node) {
  MoeModelConfig m = model_schema().parse(node);
  m.source = node.source();
  return m;
}

MoeModelConfig load_moe_model(const std::string& path) {
  const nlohmann::json json = load_json_file(path);
  return parse_moe_model(ConfigNode(json, path));
}

}  // namespace monde::config
