#include "core/config/provenance.hpp"

#include <nlohmann/json.hpp>

namespace monde::config {

namespace {

// `prefix` covers `path` when equal, or when path continues with '.' or '[' right after it.
bool covers(const std::string& prefix, const std::string& path) {
  if (prefix.empty()) return true;
  if (path.compare(0, prefix.size(), prefix) != 0) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '.' || path[prefix.size()] == '[';
}

}  // namespace

std::string child_path(const std::string& parent, const std::string& key) {
  if (key.find_first_of(".[]") != std::string::npos) {
    // A --set path may hold bytes that are not UTF-8: shown replaced (U+FFFD), never thrown.
    return parent + "[" + nlohmann::json(key).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "]";
  }
  return parent.empty() ? key : parent + "." + key;
}

void Provenance::set(const std::string& path, const std::string& source) {
  for (auto& e : entries_) {
    if (e.first == path) {
      e.second = source;
      return;
    }
  }
  entries_.emplace_back(path, source);
}

const std::string& Provenance::source_of(const std::string& path) const {
  const std::string* best = &base_;
  std::size_t best_len = 0;
  bool found = false;
  for (const auto& [prefix, source] : entries_) {
    if (covers(prefix, path) && (!found || prefix.size() >= best_len)) {
      best = &source;
      best_len = prefix.size();
      found = true;
    }
  }
  return *best;
}

const std::string& Provenance::writer_of(const std::string& path) const {
  // The empty path is a top-level key named "" (the root itself is no key): no recorded path is
  // below it, although every one starts with it.
  if (path.empty()) return source_of(path);
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (covers(path, it->first) && it->first.size() > path.size()) return it->second;
  }
  return source_of(path);
}

}  // namespace monde::config
