// Typed, range-checked access to a JSON configuration. Every error names the source file,
// the full key path and the allowed values, because users edit these files by hand.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace monde::config {

// Raised for any bad configuration value; what() is the complete message for the user.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads and parses a JSON file; parse errors carry file:line:column.
nlohmann::json load_json_file(const std::string& path);
// Parses JSON text; `source` names it in errors (e.g. "<embedded default>").
nlohmann::json parse_json_text(const std::string& text, const std::string& source);

// A view of one JSON object inside a configuration: knows where it came from so that
// errors can say "file: key 'a.b.c' ...".
class ConfigNode {
 public:
  ConfigNode(const nlohmann::json& json, std::string source, std::string path = "");

  bool has(const std::string& key) const;
  ConfigNode child(const std::string& key) const;  // the key must exist and be an object

  std::uint64_t get_uint(const std::string& key, std::uint64_t lo, std::uint64_t hi) const;
  std::uint64_t get_uint(const std::string& key, std::uint64_t lo, std::uint64_t hi,
                         std::uint64_t fallback) const;
  double get_double(const std::string& key, double lo, double hi) const;
  double get_double(const std::string& key, double lo, double hi, double fallback) const;
  bool get_bool(const std::string& key, bool fallback) const;
  std::string get_choice(const std::string& key, const std::vector<std::string>& allowed) const;
  std::string get_choice(const std::string& key, const std::vector<std::string>& allowed,
                         const std::string& fallback) const;

  // Fails on keys not listed: a typo in a config must not silently fall back to a default.
  void reject_unknown_keys(std::initializer_list<const char*> allowed) const;

  std::string key_path(const std::string& key) const;
  const std::string& source() const { return source_; }
  const nlohmann::json& json() const { return *json_; }

 private:
  [[noreturn]] void fail(const std::string& key, const std::string& what) const;
  const nlohmann::json& value(const std::string& key) const;

  const nlohmann::json* json_;
  std::string source_;
  std::string path_;
};

}  // namespace monde::config
