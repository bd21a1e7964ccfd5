#include "core/config/presets.hpp"

namespace monde::config {

const EmbeddedPreset* find_preset(const std::string& kind, const std::string& name) {
  for (const auto& p : embedded_presets()) {
    if (kind == p.kind && name == p.name) return &p;
  }
  return nullptr;
}

std::vector<std::string> preset_names(const std::string& kind) {
  std::vector<std::string> out;
  for (const auto& p : embedded_presets()) {
    if (kind == p.kind) out.emplace_back(p.name);
  }
  return out;
}

std::string preset_source(const EmbeddedPreset& preset) {
  return std::string("<embedded ") + preset.kind + " '" + preset.name + "' (" + preset.file + ")>";
}

bool looks_like_path(const std::string& value) {
  return value.find('/') != std::string::npos ||
         (value.size() > 5 && value.compare(value.size() - 5, 5, ".json") == 0);
}

}  // namespace monde::config
