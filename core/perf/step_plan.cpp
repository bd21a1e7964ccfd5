#include "core/perf/step_plan.hpp"

namespace monde::perf {

namespace {

// The prefill of fresh prompts: the encoder (encoder-decoder models) or the whole decoder stack.
StepSpec prefill_step(const config::MoeModelConfig& m, const config::RunConfig& run) {
  StepSpec s;
  s.shape.sequences = run.batch;
  s.shape.new_tokens = run.prompt_tokens;
  s.shape.context_before = 0;
  if (m.encoder_decoder()) {
    s.kind = StepKind::kEncoder;
    s.shape.bidirectional = true;
    s.shape.source_tokens = run.prompt_tokens;  // the decoder's cross-attention caches it
    s.first_layer = 0;
    s.end_layer = m.encoder_layers;
    s.lm_head = false;
    s.cross_kv = true;
  } else {
    s.kind = StepKind::kPrefill;
    s.first_layer = 0;
    s.end_layer = m.layers;
  }
  return s;
}

StepSpec decode_step(const config::MoeModelConfig& m, const config::RunConfig& run, std::uint64_t context_before) {
  StepSpec s;
  s.kind = StepKind::kDecode;
  s.shape.sequences = run.batch;
  s.shape.new_tokens = 1;
  s.shape.context_before = context_before;
  s.shape.source_tokens = m.encoder_decoder() ? run.prompt_tokens : 0;
  s.first_layer = m.encoder_layers;
  s.end_layer = m.layers;
  return s;
}

}  // namespace

const char* step_kind_name(StepKind kind) {
  switch (kind) {
    case StepKind::kPrefill: return "prefill";
    case StepKind::kEncoder: return "encoder";
    case StepKind::kDecode: return "decode";
  }
  return "?";
}

std::vector<StepSpec> step_plan(const config::MoeModelConfig& m, const config::RunConfig& run) {
  std::vector<StepSpec> plan;
  switch (run.phase) {
    case config::RunPhase::kPrefill:
      for (std::uint32_t i = 0; i < run.steps; ++i) plan.push_back(prefill_step(m, run));
      break;
    case config::RunPhase::kDecode:
      for (std::uint32_t i = 0; i < run.steps; ++i) plan.push_back(decode_step(m, run, std::uint64_t{run.context_tokens} + i));
      break;
    case config::RunPhase::kGenerate: {
      plan.push_back(prefill_step(m, run));
      // The decoder of an encoder-decoder model starts from its own first token; a decoder-only
      // model continues after the prompt.
      const std::uint64_t first = m.encoder_decoder() ? 0 : run.prompt_tokens;
      for (std::uint32_t i = 0; i < run.steps; ++i) plan.push_back(decode_step(m, run, first + i));
      break;
    }
  }
  return plan;
}

std::uint64_t planned_layers(const config::MoeModelConfig&, const std::vector<StepSpec>& plan) {
  std::uint64_t n = 0;
  for (const auto& s : plan) n += s.end_layer - s.first_layer;
  return n;
}

std::uint64_t planned_moe_layers(const config::MoeModelConfig& m, const std::vector<StepSpec>& plan) {
  std::uint64_t n = 0;
  for (const auto& s : plan) {
    for (std::uint32_t l = s.first_layer; l < s.end_layer; ++l) n += m.is_moe_layer(l) ? 1 : 0;
  }
  return n;
}

}  // namespace monde::perf
