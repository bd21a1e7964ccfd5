// A checked view of one JSON object inside a configuration. Every read names the key's full
// path and the place it was written (the file, a preset, or --set), because users edit these by
// hand; every error has one form:
//   "<source>: key '<a.b.c>' = <value>: <problem>; allowed <range>"
// ("= <value>" is left out when the key is missing or an object). "_comment" and "_source" are accepted in
// every object, so files can cite their numbers.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/config_error.hpp"
#include "core/config/json_file.hpp"
#include "core/config/provenance.hpp"

namespace monde::config {

// Shortest text that reads back as the same double (for ranges and values in messages).
std::string format_number(double v);

class ConfigNode {
 public:
  // A node of a document written in one place.
  ConfigNode(const nlohmann::json& json, std::string source, std::string path = "");
  // A node of a document assembled from several places.
  ConfigNode(const nlohmann::json& json, std::shared_ptr<const Provenance> provenance, std::string path = "");

  bool has(const std::string& key) const;
  const nlohmann::json& at(const std::string& key) const;  // fails "missing" when absent
  // The same; a missing key's message ends with `allowed` ("allowed 1 .. 64").
  const nlohmann::json& at(const std::string& key, const std::string& allowed) const;
  ConfigNode child(const std::string& key) const;          // the key must exist and be an object
  // child(key) when the key is present; otherwise an empty object at that path, so that checks
  // of a section whose keys all have defaults can name its keys whether or not it was written.
  ConfigNode section(const std::string& key) const;
  // The objects of an array-valued key, each with its "key[i]" path; the count must lie in [lo, hi].
  std::vector<ConfigNode> objects(const std::string& key, std::size_t lo, std::size_t hi) const;

  std::uint64_t get_uint(const std::string& key, std::uint64_t lo, std::uint64_t hi) const;
  std::uint64_t get_uint(const std::string& key, std::uint64_t lo, std::uint64_t hi, std::uint64_t fallback) const;
  double get_double(const std::string& key, double lo, double hi) const;
  double get_double(const std::string& key, double lo, double hi, double fallback) const;
  bool get_bool(const std::string& key) const;
  bool get_bool(const std::string& key, bool fallback) const;
  std::string get_string(const std::string& key) const;  // non-empty
  std::string get_string(const std::string& key, const std::string& fallback) const;
  std::string get_choice(const std::string& key, const std::vector<std::string>& allowed) const;
  std::string get_choice(const std::string& key, const std::vector<std::string>& allowed,
                         const std::string& fallback) const;
  // A file path: absolute, or relative to the directory of the file the key was written in (the
  // working directory for --set and embedded text), then to each data directory. Returns the path
  // that exists; fails listing every place tried.
  std::string get_path(const std::string& key) const;

  // Fails on keys not listed (besides _comment and _source): a typo must not silently fall back
  // to a default.
  void reject_unknown_keys(const std::vector<std::string>& allowed) const;

  std::string key_path(const std::string& key) const;
  const std::string& path() const { return path_; }
  // Where this node, or one of its keys, was written.
  const std::string& source() const;
  const std::string& source_of(const std::string& key) const;
  const nlohmann::json& json() const { return *json_; }
  const std::shared_ptr<const Provenance>& provenance() const { return provenance_; }

  // "<source>: key '<path.key>' = <value>: <what>" (no value when the key is absent).
  [[noreturn]] void fail(const std::string& key, const std::string& what) const;
  // The same for this node as a whole.
  [[noreturn]] void fail_here(const std::string& what) const;

 private:
  const nlohmann::json* json_;
  std::shared_ptr<const Provenance> provenance_;
  std::string path_;
};

// The message ConfigNode::fail builds, for checks that have no node at hand.
std::string key_message(const std::string& source, const std::string& path, const nlohmann::json* value,
                        const std::string& what);

}  // namespace monde::config
