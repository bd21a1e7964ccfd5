#include "core/config/config_node.hpp"

#include <fstream>
#include <sstream>

namespace monde::config {

namespace {

// nlohmann reports a byte offset; users need line and column.
std::string line_col(const std::string& text, std::size_t byte) {
  std::size_t line = 1;
  std::size_t col = 1;
  for (std::size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return std::to_string(line) + ":" + std::to_string(col);
}

}  // namespace

nlohmann::json parse_json_text(const std::string& text, const std::string& source) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw ConfigError(source + ":" + line_col(text, e.byte == 0 ? 0 : e.byte - 1) +
                      ": invalid JSON: " + e.what());
  }
}

nlohmann::json load_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot open configuration file");
  std::ostringstream buf;
  buf << in.rdbuf();
  return parse_json_text(buf.str(), path);
}

ConfigNode::ConfigNode(const nlohmann::json& json, std::string source, std::string path)
    : json_(&json), source_(std::move(source)), path_(std::move(path)) {
  if (!json_->is_object()) {
    throw ConfigError(source_ + ": " + (path_.empty() ? std::string("the top level") : "key '" + path_ + "'") +
                      " must be a JSON object");
  }
}

std::string ConfigNode::key_path(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

void ConfigNode::fail(const std::string& key, const std::string& what) const {
  throw ConfigError(source_ + ": key '" + key_path(key) + "' " + what);
}

bool ConfigNode::has(const std::string& key) const { return json_->contains(key); }

const nlohmann::json& ConfigNode::value(const std::string& key) const {
  auto it = json_->find(key);
  if (it == json_->end()) fail(key, "is missing");
  return *it;
}

ConfigNode ConfigNode::child(const std::string& key) const {
  const auto& v = value(key);
  if (!v.is_object()) fail(key, "must be a JSON object, got " + v.dump());
  return ConfigNode(v, source_, key_path(key));
}

std::uint64_t ConfigNode::get_uint(const std::string& key, std::uint64_t lo, std::uint64_t hi) const {
  const auto& v = value(key);
  const std::string range = "(allowed " + std::to_string(lo) + ".." + std::to_string(hi) + ")";
  if (!v.is_number_integer() || (v.is_number_integer() && !v.is_number_unsigned() && v.get<std::int64_t>() < 0)) {
    fail(key, "= " + v.dump() + " must be a non-negative integer " + range);
  }
  const auto u = v.get<std::uint64_t>();
  if (u < lo || u > hi) fail(key, "= " + v.dump() + " is out of range " + range);
  return u;
}

std::uint64_t ConfigNode::get_uint(const std::string& key, std::uint64_t lo, std::uint64_t hi,
                                   std::uint64_t fallback) const {
  return has(key) ? get_uint(key, lo, hi) : fallback;
}

double ConfigNode::get_double(const std::string& key, double lo, double hi) const {
  const auto& v = value(key);
  std::ostringstream range;
  range << "(allowed " << lo << " .. " << hi << ")";
  if (!v.is_number()) fail(key, "= " + v.dump() + " must be a number " + range.str());
  const double d = v.get<double>();
  if (!(d >= lo && d <= hi)) fail(key, "= " + v.dump() + " is out of range " + range.str());
  return d;
}

double ConfigNode::get_double(const std::string& key, double lo, double hi, double fallback) const {
  return has(key) ? get_double(key, lo, hi) : fallback;
}

bool ConfigNode::get_bool(const std::string& key, bool fallback) const {
  if (!has(key)) return fallback;
  const auto& v = value(key);
  if (!v.is_boolean()) fail(key, "= " + v.dump() + " must be true or false");
  return v.get<bool>();
}

std::string ConfigNode::get_choice(const std::string& key, const std::vector<std::string>& allowed) const {
  const auto& v = value(key);
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  if (!v.is_string()) fail(key, "= " + v.dump() + " must be one of: " + list);
  const auto s = v.get<std::string>();
  for (const auto& a : allowed) {
    if (s == a) return s;
  }
  fail(key, "= \"" + s + "\" is not one of: " + list);
}

std::string ConfigNode::get_choice(const std::string& key, const std::vector<std::string>& allowed,
                                   const std::string& fallback) const {
  return has(key) ? get_choice(key, allowed) : fallback;
}

void ConfigNode::reject_unknown_keys(std::initializer_list<const char*> allowed) const {
  for (auto it = json_->begin(); it != json_->end(); ++it) {
    bool known = false;
    for (const char* a : allowed) known = known || it.key() == a;
    if (!known) {
      std::string list;
      for (const char* a : allowed) list += std::string(list.empty() ? "" : ", ") + a;
      fail(it.key(), "is not a known key here (known: " + list + ")");
    }
  }
}

}  // namespace monde::config
