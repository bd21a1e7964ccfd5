#include "host/gpu_backend/checked_json.hpp"

#include <cmath>
#include <fstream>
#include <sstream>

namespace monde::gpu_backend {

namespace {

std::string fmt(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

std::string range(double lo, double hi, bool lo_open) {
  return (lo_open ? "(" : "[") + fmt(lo) + ", " + fmt(hi) + "]";
}

}  // namespace

nlohmann::json parse_json(const std::string& text, const std::string& source) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw JsonError(source + ": invalid JSON: " + e.what());
  }
}

nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    throw JsonError(path + ": cannot open file");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_json(text.str(), path);
}

CheckedJson::CheckedJson(const nlohmann::json& json, std::string source, std::string path)
    : json_(&json), source_(std::move(source)), path_(std::move(path)) {
  if (!json_->is_object()) {
    throw JsonError(source_ + ": " + (path_.empty() ? std::string("the top level") : "key '" + path_ + "'") +
                    " must be a JSON object");
  }
}

std::string CheckedJson::key_path(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

void CheckedJson::fail(const std::string& key, const std::string& what) const {
  throw JsonError(source_ + ": key '" + key_path(key) + "' " + what);
}

bool CheckedJson::has(const std::string& key) const { return json_->contains(key); }

const nlohmann::json& CheckedJson::value(const std::string& key, const std::string& expected) const {
  const auto it = json_->find(key);
  if (it == json_->end()) {
    fail(key, "is missing (expected " + expected + ")");
  }
  return *it;
}

double CheckedJson::number(const std::string& key, double lo, double hi, bool lo_open) const {
  const std::string expected = "a number in " + range(lo, hi, lo_open);
  const auto& v = value(key, expected);
  if (!v.is_number()) {
    fail(key, "= " + v.dump() + " must be " + expected);
  }
  const double d = v.get<double>();
  if (!std::isfinite(d) || d > hi || d < lo || (lo_open && d == lo)) {
    fail(key, "= " + v.dump() + " is outside the allowed range " + range(lo, hi, lo_open));
  }
  return d;
}

std::uint64_t CheckedJson::uint(const std::string& key, std::uint64_t lo, std::uint64_t hi) const {
  const std::string expected = "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  const auto& v = value(key, expected);
  if (!v.is_number_integer()) {
    fail(key, "= " + v.dump() + " must be " + expected);
  }
  if (v.is_number_integer() && !v.is_number_unsigned() && v.get<std::int64_t>() < 0) {
    fail(key, "= " + v.dump() + " is outside the allowed range [" + std::to_string(lo) + ", " +
                  std::to_string(hi) + "]");
  }
  const auto u = v.get<std::uint64_t>();
  if (u < lo || u > hi) {
    fail(key, "= " + v.dump() + " is outside the allowed range [" + std::to_string(lo) + ", " +
                  std::to_string(hi) + "]");
  }
  return u;
}

bool CheckedJson::boolean(const std::string& key) const {
  const auto& v = value(key, "true or false");
  if (!v.is_boolean()) {
    fail(key, "= " + v.dump() + " must be true or false");
  }
  return v.get<bool>();
}

std::string CheckedJson::string(const std::string& key) const {
  const auto& v = value(key, "a non-empty string");
  if (!v.is_string() || v.get<std::string>().empty()) {
    fail(key, "= " + v.dump() + " must be a non-empty string");
  }
  return v.get<std::string>();
}

CheckedJson CheckedJson::object(const std::string& key) const {
  const auto& v = value(key, "an object");
  if (!v.is_object()) {
    fail(key, "= " + v.dump() + " must be an object");
  }
  return CheckedJson(v, source_, key_path(key));
}

std::vector<CheckedJson> CheckedJson::array(const std::string& key, std::size_t min_size) const {
  const std::string expected = "an array of at least " + std::to_string(min_size) + " objects";
  const auto& v = value(key, expected);
  if (!v.is_array() || v.size() < min_size) {
    fail(key, "must be " + expected);
  }
  std::vector<CheckedJson> out;
  out.reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    const std::string p = key_path(key) + "[" + std::to_string(i) + "]";
    if (!v[i].is_object()) {
      throw JsonError(source_ + ": key '" + p + "' must be an object");
    }
    out.emplace_back(v[i], source_, p);
  }
  return out;
}

void CheckedJson::reject_unknown_keys(std::initializer_list<const char*> allowed) const {
  for (const auto& item : json_->items()) {
    bool known = false;
    std::string list;
    for (const char* a : allowed) {
      known = known || item.key() == a;
      list += list.empty() ? a : std::string(", ") + a;
    }
    if (!known) {
      fail(item.key(), "is not a known key (allowed: " + list + ")");
    }
  }
}

}  // namespace monde::gpu_backend
