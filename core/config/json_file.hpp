// Reading JSON text and files for configurations. Syntax errors carry file:line:column.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace monde::config {

// Parses JSON text; `source` names it in errors (e.g. "<embedded default>", a file name).
nlohmann::json parse_json_text(const std::string& text, const std::string& source);
// The same, keeping the keys in file order (sweep specs).
nlohmann::ordered_json parse_ordered_json_text(const std::string& text, const std::string& source);
// A KEY=VALUE override's VALUE: JSON when it parses as JSON (64, true, [1,2], {"a":1},
// "quoted"), else the text as a string (zipf).
nlohmann::json parse_set_value(const std::string& text, const std::string& origin);
// Every parse refuses nesting deeper than 64 levels and a key twice in one object (ConfigError).
// Reads and parses a file of at most 64 MiB; a missing or unreadable file is a ConfigError naming the path.
nlohmann::json load_json_file(const std::string& path);

}  // namespace monde::config
