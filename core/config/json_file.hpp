// Reading JSON text and files for configurations. Syntax errors carry file:line:column.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace monde::config {

// Parses JSON text; `source` names it in errors (e.g. "<embedded default>", a file name).
nlohmann::json parse_json_text(const std::string& text, const std::string& source);
// Reads and parses a file; a missing or unreadable file is a ConfigError naming the path.
nlohmann::json load_json_file(const std::string& path);

}  // namespace monde::config
