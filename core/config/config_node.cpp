#include "core/config/config_node.hpp"

#include <cmath>
#include <filesystem>
#include <cstdio>
#include <cstdlib>

namespace monde::config {

namespace {

// Values in messages are cut short: a 10 MB array pasted by mistake must not flood the terminal.
constexpr std::size_t kMaxValueChars = 80;

std::string show(const nlohmann::json& v) {
  // Invalid UTF-8 (a --set value is any bytes) is shown replaced, never thrown by dump().
  std::string s = v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (s.size() > kMaxValueChars) s = s.substr(0, kMaxValueChars - 3) + "...";
  return s;
}

std::string join(const std::vector<std::string>& items, const std::string& quote) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + quote + i + quote;
  return out;
}

std::string uint_range(std::uint64_t lo, std::uint64_t hi) { return std::to_string(lo) + " .. " + std::to_string(hi); }

std::string double_range(double lo, double hi) { return format_number(lo) + " .. " + format_number(hi); }

bool is_annotation(const std::string& key) { return key == "_comment" || key == "_source"; }

}  // namespace

std::string format_number(double v) {
  if (std::isnan(v)) return "nan";
  char buf[64];
  for (int precision = 6; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

std::string key_message(const std::string& source, const std::string& path, const nlohmann::json* value,
                        const std::string& what) {
  std::string m = source + ": key '" + path + "'";
  // An object's value says nothing the path does not; its keys have their own messages.
  if (value != nullptr && !value->is_object()) m += " = " + show(*value);
  return m + ": " + what;
}

ConfigNode::ConfigNode(const nlohmann::json& json, std::string source, std::string path)
    : ConfigNode(json, std::make_shared<const Provenance>(std::move(source)), std::move(path)) {}

ConfigNode::ConfigNode(const nlohmann::json& json, std::shared_ptr<const Provenance> provenance, std::string path)
    : json_(&json), provenance_(std::move(provenance)), path_(std::move(path)) {
  if (!json_->is_object()) {
    if (path_.empty()) throw ConfigError(provenance_->base() + ": the top level must be a JSON object, got " + show(json));
    fail_here("must be a JSON object");
  }
}

std::string ConfigNode::key_path(const std::string& key) const { return child_path(path_, key); }

const std::string& ConfigNode::source() const { return provenance_->source_of(path_); }

const std::string& ConfigNode::source_of(const std::string& key) const {
  return provenance_->source_of(key_path(key));
}

void ConfigNode::fail(const std::string& key, const std::string& what) const {
  const auto it = json_->find(key);
  throw ConfigError(key_message(source_of(key), key_path(key), it == json_->end() ? nullptr : &*it, what));
}

void ConfigNode::fail_here(const std::string& what) const {
  throw ConfigError(key_message(source(), path_, json_, what));
}

bool ConfigNode::has(const std::string& key) const { return json_->contains(key); }

const nlohmann::json& ConfigNode::at(const std::string& key) const {
  const auto it = json_->find(key);
  if (it == json_->end()) fail(key, "missing; this key is required");
  return *it;
}

const nlohmann::json& ConfigNode::at(const std::string& key, const std::string& allowed) const {
  const auto it = json_->find(key);
  if (it == json_->end()) fail(key, "missing; this key is required; " + allowed);
  return *it;
}

ConfigNode ConfigNode::child(const std::string& key) const {
  const auto& v = at(key, "allowed a JSON object");
  if (!v.is_object()) fail(key, "must be a JSON object");
  return ConfigNode(v, provenance_, key_path(key));
}

ConfigNode ConfigNode::section(const std::string& key) const {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  return has(key) ? child(key) : ConfigNode(kEmpty, provenance_, key_path(key));
}

std::vector<ConfigNode> ConfigNode::objects(const std::string& key, std::size_t lo, std::size_t hi) const {
  const std::string allowed = "allowed an array of " + uint_range(lo, hi) + " objects";
  const auto& v = at(key, allowed);
  if (!v.is_array()) fail(key, "must be an array; " + allowed);
  if (v.size() < lo || v.size() > hi) fail(key, "has " + std::to_string(v.size()) + " elements; " + allowed);
  std::vector<ConfigNode> out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    out.emplace_back(v[i], provenance_, key_path(key) + "[" + std::to_string(i) + "]");
  }
  return out;
}

std::uint64_t ConfigNode::get_uint(const std::string& key, std::uint64_t lo, std::uint64_t hi) const {
  const std::string allowed = "allowed " + uint_range(lo, hi);
  const auto& v = at(key, allowed);
  std::uint64_t u = 0;
  if (v.is_number_unsigned()) {
    u = v.get<std::uint64_t>();
  } else if (v.is_number_integer() && v.get<std::int64_t>() >= 0) {  // a signed JSON value (built in code)
    u = static_cast<std::uint64_t>(v.get<std::int64_t>());
  } else {
    // An integer-valued double (e.g. 1e3) is accepted: people write sizes that way.
    const bool whole = v.is_number_float() && std::isfinite(v.get<double>()) && v.get<double>() >= 0 &&
                       v.get<double>() < 1.8e19 && std::floor(v.get<double>()) == v.get<double>();
    if (!whole) fail(key, "must be a non-negative integer; " + allowed);
    u = static_cast<std::uint64_t>(v.get<double>());
  }
  if (u < lo || u > hi) fail(key, "out of range; " + allowed);
  return u;
}

std::uint64_t ConfigNode::get_uint(const std::string& key, std::uint64_t lo, std::uint64_t hi,
                                   std::uint64_t fallback) const {
  return has(key) ? get_uint(key, lo, hi) : fallback;
}

double ConfigNode::get_double(const std::string& key, double lo, double hi) const {
  const std::string allowed = "allowed " + double_range(lo, hi);
  const auto& v = at(key, allowed);
  if (!v.is_number()) fail(key, "must be a number; " + allowed);
  const double d = v.get<double>();
  if (!(d >= lo && d <= hi)) fail(key, "out of range; " + allowed);
  return d;
}

double ConfigNode::get_double(const std::string& key, double lo, double hi, double fallback) const {
  return has(key) ? get_double(key, lo, hi) : fallback;
}

bool ConfigNode::get_bool(const std::string& key) const {
  const auto& v = at(key, "allowed true or false");
  if (!v.is_boolean()) fail(key, "must be true or false");
  return v.get<bool>();
}

bool ConfigNode::get_bool(const std::string& key, bool fallback) const { return has(key) ? get_bool(key) : fallback; }

std::string ConfigNode::get_string(const std::string& key) const {
  const auto& v = at(key, "allowed a non-empty string");
  if (!v.is_string() || v.get<std::string>().empty()) fail(key, "must be a non-empty string");
  return v.get<std::string>();
}

std::string ConfigNode::get_string(const std::string& key, const std::string& fallback) const {
  return has(key) ? get_string(key) : fallback;
}

std::string ConfigNode::get_choice(const std::string& key, const std::vector<std::string>& allowed) const {
  const std::string list = "allowed " + join(allowed, "\"");
  const auto& v = at(key, list);
  if (!v.is_string()) fail(key, "must be a string; " + list);
  const auto s = v.get<std::string>();
  for (const auto& a : allowed) {
    if (s == a) return s;
  }
  fail(key, "unknown value; " + list);
}

std::string ConfigNode::get_choice(const std::string& key, const std::vector<std::string>& allowed,
                                   const std::string& fallback) const {
  return has(key) ? get_choice(key, allowed) : fallback;
}

std::string ConfigNode::get_path(const std::string& key) const {
  namespace fs = std::filesystem;
  const std::string written = get_string(key);
  std::error_code ec;
  auto exists = [&ec](const fs::path& p) { return fs::is_regular_file(p, ec); };
  if (fs::path(written).is_absolute()) {
    if (exists(written)) return written;
    fail(key, "no such file; allowed an existing regular file");
  }
  std::vector<fs::path> tried;
  const fs::path source(source_of(key));
  if (exists(source)) {
    tried.push_back(source.parent_path() / written);
  } else {
    tried.push_back(fs::path(written));
  }
  for (const auto& d : provenance_->data_dirs) tried.push_back(fs::path(d) / written);
  std::string places;
  for (const auto& t : tried) {
    if (exists(t)) return t.lexically_normal().string();
    places += (places.empty() ? "" : ", ") + t.lexically_normal().string();
  }
  fail(key, "no such file; tried " + places + "; allowed an existing file, absolute or relative (read next to the "
                                             "file it is written in, then in the data directories: --data-dir or "
                                             "MONDE_DATA_DIR)");
}

void ConfigNode::reject_unknown_keys(const std::vector<std::string>& allowed) const {
  for (auto it = json_->begin(); it != json_->end(); ++it) {
    if (is_annotation(it.key())) continue;
    bool known = false;
    for (const auto& a : allowed) known = known || it.key() == a;
    if (!known) {
      throw ConfigError(key_message(provenance_->writer_of(key_path(it.key())), key_path(it.key()), nullptr,
                                    "unknown key; allowed " + (allowed.empty() ? std::string("none") : join(allowed, ""))));
    }
  }
}

}  // namespace monde::config
