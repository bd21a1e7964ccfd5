#include "core/config/json_file.hpp"

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "core/config/config_error.hpp"

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

// Byte offset of the bracket that opens nesting level `depth` + 1 (outside strings), or the
// text's size when there is none: where a too-deep document goes too deep.
std::size_t nesting_offset(const std::string& text, int depth) {
  int level = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++level > depth) return i;
    } else if (c == ']' || c == '}') {
      --level;
    }
  }
  return text.size();
}

// Deeper than any configuration needs (the deepest key path we document has 6 levels), shallow
// enough that nothing recursive over the document (dump, merge_patch, destruction) can exhaust
// the stack.
constexpr int kMaxDepth = 64;
// Larger than any configuration or embedded preset by far; --config /dev/zero must fail, not
// read until memory runs out.
constexpr std::size_t kMaxFileBytes = std::size_t{64} << 20;

// Refuses what nlohmann's parser accepts but a configuration must not have: nesting past
// kMaxDepth, and a key twice in one object (nlohmann keeps the last; a user who wrote "batch"
// twice means one of them). Called for every parse event (parser_callback_t of Json).
struct TooDeep {};  // thrown by the checks below, reported with its position by parse_strict

template <class Json>
class StrictJsonChecks {
 public:
  explicit StrictJsonChecks(std::string source) : source_(std::move(source)) {}

  bool operator()(int depth, typename Json::parse_event_t event, Json& parsed) {
    using E = typename Json::parse_event_t;
    if (depth > kMaxDepth) throw TooDeep{};
    if (event == E::object_start) {
      keys_.emplace_back();
    } else if (event == E::object_end) {
      if (!keys_.empty()) keys_.pop_back();
    } else if (event == E::key && !keys_.empty()) {
      const std::string key = parsed.template get<std::string>();
      if (!keys_.back().insert(key).second) {
        throw ConfigError(source_ + ": key '" + key + "' appears twice in one object; allowed once (which one did you "
                                                    "mean?)");
      }
    }
    return true;
  }

 private:
  std::string source_;
  std::vector<std::set<std::string>> keys_;  // the keys seen in each open object, innermost last
};

template <class Json>
Json parse_strict(const std::string& text, const std::string& source) {
  try {
    return Json::parse(text, StrictJsonChecks<Json>(source));
  } catch (const TooDeep&) {
    throw ConfigError(source + ":" + line_col(text, nesting_offset(text, kMaxDepth)) + ": JSON nested deeper than " +
                      std::to_string(kMaxDepth) + " levels; allowed at most " + std::to_string(kMaxDepth) +
                      " (a configuration needs fewer than 10)");
  } catch (const typename Json::parse_error& e) {
    throw ConfigError(source + ":" + line_col(text, e.byte == 0 ? 0 : e.byte - 1) +
                      ": invalid JSON (expected RFC 8259 JSON: no comments, no trailing commas): " + e.what());
  } catch (const typename Json::exception& e) {
    // e.g. out_of_range.406 "number overflow parsing '1e999'" carries no position: the first place
    // the quoted token is written is where it is.
    const std::string what = e.what();
    const auto open = what.find('\'');
    const auto close = what.rfind('\'');
    std::string where;
    if (open != std::string::npos && close > open + 1) {
      const auto at = text.find(what.substr(open + 1, close - open - 1));
      if (at != std::string::npos) where = ":" + line_col(text, at);
    }
    throw ConfigError(source + where + ": invalid JSON: " + what +
                      (e.id == 406 ? "; allowed numbers within the range of a double (magnitude below 1.8e308)"
                                   : "; expected RFC 8259 JSON"));
  }
}

}  // namespace

nlohmann::json parse_json_text(const std::string& text, const std::string& source) {
  return parse_strict<nlohmann::json>(text, source);
}

nlohmann::ordered_json parse_ordered_json_text(const std::string& text, const std::string& source) {
  return parse_strict<nlohmann::ordered_json>(text, source);
}

nlohmann::json parse_set_value(const std::string& text, const std::string& origin) {
  // Not JSON at all (a bare word such as zipf): the text itself, if it is text (a configuration
  // is UTF-8; other bytes could not be written to config.resolved.json). JSON that breaks the
  // rules above is an error, not a string.
  if (!nlohmann::json::accept(text)) {
    try {
      (void)nlohmann::json(text).dump();
    } catch (const nlohmann::json::type_error&) {
      throw ConfigError(origin + ": the value is not UTF-8 text; allowed JSON or UTF-8 text");
    }
    return text;
  }
  return parse_strict<nlohmann::json>(text, origin);
}

nlohmann::json load_json_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw ConfigError(path + ": is a directory, not a JSON file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot open configuration file");
  std::string text;
  char chunk[65536];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    text.append(chunk, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxFileBytes) {
      throw ConfigError(path + ": larger than " + std::to_string(kMaxFileBytes >> 20) +
                        " MiB; allowed a JSON configuration file up to that size");
    }
  }
  if (in.bad()) throw ConfigError(path + ": read failed");
  return parse_json_text(text, path);
}

}  // namespace monde::config
