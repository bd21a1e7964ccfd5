// The steps a run simulates, from the model and the run section: which transformer layers each
// step runs, how many tokens per sequence it adds, and the KV positions it attends to.
//
//   run.phase   decoder-only model                          encoder-decoder model
//   prefill     `steps` x prefill of fresh prompts            `steps` x encoder over fresh sources
//               (prompt_tokens, causal, KV from 0)          (prompt_tokens, bidirectional) + the
//                                                           decoder's cross-attention K/V
//   decode      `steps` decode steps, step s over            `steps` decoder steps, step s over
//               context_tokens + s + 1 positions             context_tokens + s + 1 own positions,
//                                                           cross-attending to prompt_tokens
//   generate    one prefill, then `steps` decode steps       the encoder, then `steps` decoder steps
//               (decode step k over prompt_tokens + k + 1)   (decoder step k over k + 1 positions)
// Every step but an encoder step ends with the LM head on one token per sequence (a prefill only
// needs the next token's logits).
#pragma once

#include <cstdint>
#include <vector>

#include "core/config/system_config.hpp"
#include "core/perf/transformer_work.hpp"

namespace monde::perf {

enum class StepKind { kPrefill, kEncoder, kDecode };
const char* step_kind_name(StepKind kind);  // "prefill", "encoder", "decode"

struct StepSpec {
  StepKind kind = StepKind::kDecode;
  StepShape shape;
  std::uint32_t first_layer = 0, end_layer = 0;  // the transformer layers it runs: [first, end)
  bool lm_head = true;   // logits of one token per sequence
  bool cross_kv = false; // projects the encoder output into every decoder layer's cross-attention K/V
  std::uint64_t tokens() const { return shape.tokens(); }
  bool runs_layer(std::uint32_t layer) const { return layer >= first_layer && layer < end_layer; }
  bool prefill_like() const { return kind != StepKind::kDecode; }
};

std::vector<StepSpec> step_plan(const config::MoeModelConfig& model, const config::RunConfig& run);

// Transformer layers run over the whole plan (the layer records of an end-to-end run), and MoE
// layers among them (of a MoE-only run).
std::uint64_t planned_layers(const config::MoeModelConfig& model, const std::vector<StepSpec>& plan);
std::uint64_t planned_moe_layers(const config::MoeModelConfig& model, const std::vector<StepSpec>& plan);

}  // namespace monde::perf
