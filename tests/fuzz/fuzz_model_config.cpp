// Fuzz target: the model preset loader (configs/models/*.json, an experiment's "model" file):
// JSON text parsed as config::load_moe_model does. Invariants: rejections say where and what is
// allowed; an accepted model writes back (model_schema().to_json) to a file that parses to the
// same model; its derived sizes agree with its fields (moe_layer_indices() has moe_layers entries,
// each a MoE layer below `layers`; weight bytes = experts x moe_layers x per-expert bytes).
#include <nlohmann/json.hpp>

#include "core/config/config_error.hpp"
#include "core/config/json_file.hpp"
#include "core/config/model_config.hpp"
#include "tests/fuzz/fuzz_target.hpp"

namespace {
__extension__ typedef unsigned __int128 Wide;  // products that cannot overflow
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace monde;
  constexpr const char* kSource = "fuzz-model.json";
  config::MoeModelConfig m;
  try {
    const nlohmann::json j = config::parse_json_text(fuzz::text_of(data, size), kSource);
    m = config::parse_moe_model(config::ConfigNode(j, kSource));
  } catch (const config::ConfigError& e) {
    fuzz::check_json_rejection(e.what(), kSource);
    return 0;
  }
  const nlohmann::json written = config::model_schema().to_json(m);
  try {
    const config::MoeModelConfig again =
        config::parse_moe_model(config::ConfigNode(config::parse_json_text(written.dump(), "written"), "written"));
    fuzz::require(config::model_schema().to_json(again) == written, "the written model parses to another: " + written.dump());
  } catch (const config::ConfigError& e) {
    fuzz::fail(std::string("an accepted model, written back, is rejected: ") + e.what() + "\n" + written.dump());
  }
  const auto layers = m.moe_layer_indices();
  fuzz::require(layers.size() == m.moe_layers, "moe_layer_indices() does not have moe_layers entries");
  for (const std::uint32_t l : layers) {
    fuzz::require(l < m.layers && m.is_moe_layer(l), "moe_layer_indices() lists a layer that is not a MoE layer");
  }
  const Wide bytes = static_cast<Wide>(m.matrices_per_expert()) * m.d_model * m.d_ff * 2;
  fuzz::require(bytes == m.expert_weight_bytes(), "expert_weight_bytes() overflows or disagrees with its formula");
  fuzz::require(bytes * m.experts * m.moe_layers == m.total_routed_expert_bytes(),
                "total_routed_expert_bytes() overflows or disagrees with its formula");
  return 0;
}
