// Range-checked reads from a JSON object for the GPU profile and the model files. Every error
// names the file, the full key path and the allowed values, because people edit these files by
// hand. (The project's config::ConfigNode does the same for tlm/; monde_gpu must build without it.)
#pragma once

#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace monde::gpu_backend {

class JsonError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses text; syntax errors become JsonError naming `source`.
nlohmann::json parse_json(const std::string& text, const std::string& source);
// Reads and parses a file (JsonError if it cannot be read).
nlohmann::json read_json_file(const std::string& path);

class CheckedJson {
 public:
  // `json` must outlive this view.
  CheckedJson(const nlohmann::json& json, std::string source, std::string path = "");

  // Numbers in [lo, hi], or (lo, hi] when lo_open (for strictly positive quantities).
  double number(const std::string& key, double lo, double hi, bool lo_open = false) const;
  std::uint64_t uint(const std::string& key, std::uint64_t lo, std::uint64_t hi) const;
  bool boolean(const std::string& key) const;
  std::string string(const std::string& key) const;  // non-empty
  CheckedJson object(const std::string& key) const;
  // Elements of an array of objects; min_size: the fewest elements allowed.
  std::vector<CheckedJson> array(const std::string& key, std::size_t min_size) const;

  bool has(const std::string& key) const;
  // Keys outside `allowed` are errors: a typo must not silently drop a value.
  void reject_unknown_keys(std::initializer_list<const char*> allowed) const;

  std::string key_path(const std::string& key) const;
  const std::string& source() const { return source_; }
  [[noreturn]] void fail(const std::string& key, const std::string& what) const;

 private:
  const nlohmann::json& value(const std::string& key, const std::string& expected) const;

  const nlohmann::json* json_;
  std::string source_;
  std::string path_;
};

}  // namespace monde::gpu_backend
