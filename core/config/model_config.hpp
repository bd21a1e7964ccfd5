// A Mixture-of-Experts model preset (configs/models/*.json): the shapes that decide how much
// expert weight exists, how much of it one token touches, and how tokens pick experts.
// The file looks like (docs/moe_models.md has every field, rule and source):
//   { "name": "mixtral-8x7b", "display_name": "Mixtral-8x7B",
//     "d_model": 4096, "d_ff": 14336, "experts": 8, "top_k": 2,
//     "layers": 32, "moe_layers": 32, "moe_layer_rule": "every",
//     "gated": true, "activation": "silu_gated",
//     "shared_experts": 0, "shared_expert_d_ff": 0,
//     "encoder_layers": 0, "attention_heads": 32, "kv_heads": 8, "head_dim": 128,
//     "vocab_size": 32000, "tied_embeddings": false, "dense_d_ff": 0, "max_context_tokens": 32768,
//     "sliding_window": 0, "mla": {...} (DeepSeek only),
//     "router": { "scoring": "softmax", "normalize_topk": true, "scaling_factor": 1.0 },
//     "dtype": "bf16", "sources": { "d_model": "..." }, "notes": "...",
//     "scaled_from": "..." (scaled-down variants only) }
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/config/enum_names.hpp"
#include "core/config/schema.hpp"

namespace monde::config {

// Where the MoE layers sit among the transformer layers (0-based layer index i):
//   kEvery:             every layer.
//   kEveryOther:        (i + 1) % 2 == 0, i.e. layers 1, 3, 5, ... (Switch Transformers' sparse step 2).
//   kEveryNth:          (i + 1) % moe_layer_period == 0 (NLLB-MoE's sparse step 4: 3, 7, 11, ...).
//   kAfterFirstDenseK:  i >= first_dense_layers (DeepSeek's first_k_dense_replace).
// Encoder-decoder models list the encoder stack then the decoder stack as one sequence of layers;
// the rules above then give the per-stack pattern as long as the period divides each stack depth.
enum class MoeLayerRule { kEvery, kEveryOther, kEveryNth, kAfterFirstDenseK };

// The two expert FFN forms the NDP computes (DESIGN.md, "NDP job descriptor").
//   kSiluGated: down(silu(gate(x)) * up(x)), three d_model x d_ff matrices.
//   kRelu:      down(relu(up(x))), two matrices.
enum class ExpertActivation { kSiluGated, kRelu };
// Which layers a sliding attention window applies to (0-based layer index i):
//   kAll:  every layer (Mistral-style);
//   kEven: i = 0, 2, 4, ... (GPT-OSS: layer_types alternate sliding and full attention, sliding first).
enum class SlidingWindowLayers { kAll, kEven };
const std::vector<EnumName<MoeLayerRule>>& names_of(MoeLayerRule);
const std::vector<EnumName<ExpertActivation>>& names_of(ExpertActivation);
const std::vector<EnumName<SlidingWindowLayers>>& names_of(SlidingWindowLayers);

// Multi-head latent attention (DeepSeek-V2): keys and values are cached as one compressed
// latent of kv_lora_rank elements plus a shared rotary key of qk_rope_head_dim elements per
// token and layer; each head's query has head_dim (qk_nope_head_dim) + qk_rope_head_dim elements
// and its value v_head_dim. The queries are not compressed (q_lora_rank null, as in the Lite model).
struct MlaConfig {
  std::uint32_t kv_lora_rank = 0;
  std::uint32_t qk_rope_head_dim = 0;
  std::uint32_t v_head_dim = 0;
};

struct RouterConfig {
  // Only softmax scoring is modelled; kept in the file so that a sigmoid-scored model cannot be
  // loaded by mistake.
  std::string scoring = "softmax";
  // true: the chosen experts' softmax probabilities are divided by their sum (Mixtral, Qwen3).
  // false: the raw probabilities are used (Switch, OLMoE, DeepSeek-V2-Lite).
  bool normalize_topk = true;
  // Multiplies every routed weight after the above (DeepSeek's routed_scaling_factor).
  double scaling_factor = 1.0;
};

struct MoeModelConfig {
  std::string source;  // file the preset came from, for messages
  std::string name;
  std::string display_name;
  std::uint32_t d_model = 0;
  std::uint32_t d_ff = 0;        // per routed expert
  std::uint32_t experts = 0;     // routed experts per MoE layer
  std::uint32_t top_k = 0;
  std::uint32_t layers = 0;      // all transformer layers (encoder + decoder for enc-dec models)
  std::uint32_t moe_layers = 0;  // how many of them are MoE layers; must agree with the rule
  MoeLayerRule moe_layer_rule = MoeLayerRule::kEvery;
  std::uint32_t moe_layer_period = 0;    // kEveryNth only
  std::uint32_t first_dense_layers = 0;  // kAfterFirstDenseK only
  bool gated = true;
  ExpertActivation activation = ExpertActivation::kSiluGated;
  std::uint32_t shared_experts = 0;
  std::uint32_t shared_expert_d_ff = 0;  // per shared expert (same FFN form as the routed ones)
  // The transformer around the experts (core/perf/transformer_work.hpp times it).
  std::uint32_t encoder_layers = 0;   // 0: decoder-only; else layers [0, encoder_layers) are the encoder
  std::uint32_t attention_heads = 0;  // query heads
  std::uint32_t kv_heads = 0;         // key/value heads (GQA: fewer than attention_heads; MQA: 1)
  std::uint32_t head_dim = 0;         // per head (MLA: the non-rotary query/key part, qk_nope_head_dim)
  std::uint32_t vocab_size = 0;
  bool tied_embeddings = false;       // the LM head shares the embedding matrix (one copy in memory)
  std::uint32_t dense_d_ff = 0;       // FFN width of the non-MoE layers (0 when every layer is MoE)
  std::uint32_t max_context_tokens = 0;  // positions the model takes (0: no fixed limit, relative positions)
  std::uint32_t sliding_window = 0;      // tokens a sliding-window layer attends to (0: none)
  SlidingWindowLayers sliding_window_layers = SlidingWindowLayers::kAll;
  bool has_mla = false;  // attention is MLA (mla below) rather than multi-head / grouped-query
  MlaConfig mla;
  RouterConfig router;
  std::string dtype = "bf16";
  std::map<std::string, std::string> sources;  // field -> where its value comes from
  std::string notes;
  std::string scaled_from;  // empty for full-size presets

  std::uint64_t bytes_per_element() const { return 2; }  // bf16, the only dtype accepted
  std::uint64_t matrices_per_expert() const { return gated ? 3 : 2; }
  // Weight bytes of one routed expert: matrices * d_model * d_ff * bytes_per_element.
  std::uint64_t expert_weight_bytes() const;
  std::uint64_t shared_expert_weight_bytes() const;  // one shared expert
  // Multiply-accumulates one token costs in one routed expert (one per weight element).
  std::uint64_t expert_macs_per_token() const;
  // Routed expert weight of the whole model: experts * moe_layers * expert_weight_bytes().
  std::uint64_t total_routed_expert_bytes() const;
  bool is_moe_layer(std::uint32_t layer) const;
  std::vector<std::uint32_t> moe_layer_indices() const;
  bool encoder_decoder() const { return encoder_layers > 0; }
  bool is_encoder_layer(std::uint32_t layer) const { return layer < encoder_layers; }
  std::uint32_t decoder_layers() const { return layers - encoder_layers; }
  // The KV positions layer `layer` keeps and attends to out of `context` (its sliding window caps them).
  std::uint64_t attended_positions(std::uint32_t layer, std::uint64_t context) const;
};

const char* moe_layer_rule_name(MoeLayerRule rule);
const char* expert_activation_name(ExpertActivation activation);

const Schema<MoeModelConfig>& model_schema();
// Parses a preset object; throws ConfigError naming the file, the key and the allowed range.
MoeModelConfig parse_moe_model(const ConfigNode& node);
// Loads and parses a preset file.
MoeModelConfig load_moe_model(const std::string& path);

}  // namespace monde::config
