// The embedded default configuration (configs/experiments/default.json at build time).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace monde::config {

inline constexpr const char* kDefaultConfigSource = "<embedded configs/experiments/default.json>";
std::string default_config_text();
nlohmann::json default_config();

// The configuration a tool runs with: `path` when given, else the embedded default.
// Returns the JSON and sets `source` to the name errors should use.
nlohmann::json load_config_or_default(const std::string& path, std::string& source);

}  // namespace monde::config
