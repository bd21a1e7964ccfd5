// A section's keys declared once: each key is bound to a field of the section's struct with its
// type, range and meaning. From that one declaration come the parser (unknown keys rejected,
// ranges checked, every error in ConfigNode's form), the writer (the resolved configuration,
// defaults included) and the reference documentation. Defaults are the struct's own member
// initialisers, so they exist in one place.
//
//   const Schema<DramQueues>& queues_schema() {
//     static const auto s = Schema<DramQueues>("Controller queues.")
//         .integer("read_depth", &DramQueues::read_depth, 1, 4096, "read queue entries per channel");
//     return s;
//   }
//
// Rules that involve several keys go in check(); keys whose shape no helper covers (arrays,
// addresses, defaults that depend on other keys) use custom() with their own reader and writer.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/config_node.hpp"
#include "core/config/enum_names.hpp"
#include "core/config/key_doc.hpp"

namespace monde::config {

enum class Presence { kOptional, kRequired };

// A section's defaults: its struct as default-constructed (one instance, read by the docs).
// (Never destroyed: it lives as long as the schemas that read it. Heap-allocated because GCC 12
// warns, wrongly, about the cleanup path of a function-local static with string members.)
template <class T>
const T& defaults_of() {
  static const T* d = new T();
  return *d;
}
inline constexpr Presence kRequired = Presence::kRequired;
inline constexpr Presence kOptional = Presence::kOptional;

template <class T>
class Schema {
 public:
  using Reader = std::function<void(const ConfigNode& section, T& out)>;
  using Writer = std::function<void(const T& in, nlohmann::json& section)>;
  using Nested = std::function<std::vector<SectionDoc>(const std::string& path)>;

  explicit Schema(std::string doc) : doc_(std::move(doc)) {}

  // An unsigned integer in [lo, hi].
  template <class F>
  Schema& integer(std::string key, F T::*field, std::uint64_t lo, std::uint64_t hi, std::string doc,
                  Presence presence = kOptional) {
    static_assert(std::is_integral_v<F> && !std::is_same_v<F, bool>, "integer() binds integral fields");
    const bool required = presence == kRequired;
    KeyDoc d{key, "integer", required ? "(required)" : std::to_string(defaults_of<T>().*field),
             std::to_string(lo) + " .. " + std::to_string(hi), std::move(doc)};
    return add(std::move(d),
               [key, field, lo, hi, required](const ConfigNode& n, T& t) {
                 if (required || n.has(key)) t.*field = static_cast<F>(n.get_uint(key, lo, hi));
               },
               [key, field](const T& t, nlohmann::json& j) { j[key] = t.*field; });
  }

  // A number in [lo, hi]; the field holds the JSON value times `scale` (e.g. GB/s in the file,
  // bytes/s in the struct: scale 1e9).
  Schema& number(std::string key, double T::*field, double lo, double hi, std::string doc, double scale = 1.0,
                 Presence presence = kOptional) {
    const bool required = presence == kRequired;
    KeyDoc d{key, "number", required ? "(required)" : format_number(defaults_of<T>().*field / scale),
             format_number(lo) + " .. " + format_number(hi), std::move(doc)};
    return add(std::move(d),
               [key, field, lo, hi, scale, required](const ConfigNode& n, T& t) {
                 if (required || n.has(key)) t.*field = n.get_double(key, lo, hi) * scale;
               },
               [key, field, scale](const T& t, nlohmann::json& j) { j[key] = t.*field / scale; });
  }

  Schema& boolean(std::string key, bool T::*field, std::string doc, Presence presence = kOptional) {
    const bool required = presence == kRequired;
    KeyDoc d{key, "boolean", required ? "(required)" : (defaults_of<T>().*field ? "true" : "false"), "true, false", std::move(doc)};
    return add(std::move(d),
               [key, field, required](const ConfigNode& n, T& t) {
                 if (required || n.has(key)) t.*field = n.get_bool(key);
               },
               [key, field](const T& t, nlohmann::json& j) { j[key] = t.*field; });
  }

  // A non-empty string (an empty field means "absent" and is not written).
  Schema& text(std::string key, std::string T::*field, std::string doc, Presence presence = kOptional) {
    const bool required = presence == kRequired;
    const std::string def = defaults_of<T>().*field;
    KeyDoc d{key, "string", required ? "(required)" : def.empty() ? "(none)" : "\"" + def + "\"", "non-empty",
             std::move(doc)};
    return add(std::move(d),
               [key, field, required](const ConfigNode& n, T& t) {
                 if (required || n.has(key)) t.*field = n.get_string(key);
               },
               [key, field](const T& t, nlohmann::json& j) {
                 if (!(t.*field).empty()) j[key] = t.*field;
               });
  }

  // One of an enum's names (its names_of() table).
  template <class E>
  Schema& choice(std::string key, E T::*field, std::string doc, Presence presence = kOptional) {
    static_assert(std::is_enum_v<E>, "choice() binds enum fields; use text_choice() for strings");
    const bool required = presence == kRequired;
    const std::vector<std::string> names = enum_strings<E>();
    KeyDoc d{key, "enum", required ? "(required)" : "\"" + std::string(to_string(defaults_of<T>().*field)) + "\"",
             quoted(names), std::move(doc)};
    return add(std::move(d),
               [key, field, names, required](const ConfigNode& n, T& t) {
                 if (required || n.has(key)) from_string(n.get_choice(key, names), t.*field);
               },
               [key, field](const T& t, nlohmann::json& j) { j[key] = to_string(t.*field); });
  }

  // A string restricted to a fixed list (for values that stay strings in the struct).
  Schema& text_choice(std::string key, std::string T::*field, std::vector<std::string> allowed, std::string doc,
                      Presence presence = kOptional) {
    const bool required = presence == kRequired;
    KeyDoc d{key, "enum", required ? "(required)" : "\"" + defaults_of<T>().*field + "\"", quoted(allowed), std::move(doc)};
    return add(std::move(d),
               [key, field, allowed, required](const ConfigNode& n, T& t) {
                 if (required || n.has(key)) t.*field = n.get_choice(key, allowed);
               },
               [key, field](const T& t, nlohmann::json& j) { j[key] = t.*field; });
  }

  // A nested object parsed by its own schema (its keys get their own section in the reference).
  template <class S>
  Schema& object(std::string key, S T::*field, const Schema<S>& sub, Presence presence = kOptional) {
    const bool required = presence == kRequired;
    KeyDoc d{key, "object", required ? "(required)" : "(see below)", "the keys below", sub.doc()};
    const Schema<S>* s = &sub;  // schemas are function-local statics: they outlive every use
    fields_.push_back(Field{std::move(d),
                            [key, field, s, required](const ConfigNode& n, T& t) {
                              if (required || n.has(key)) s->parse_into(n.child(key), t.*field);
                            },
                            [key, field, s](const T& t, nlohmann::json& j) { j[key] = s->to_json(t.*field); },
                            [key, s](const std::string& path) { return s->docs(path.empty() ? key : path + "." + key); }});
    return *this;
  }

  // Any other shape: the reader and writer are the caller's; `nested` adds reference sections.
  Schema& custom(KeyDoc doc, Reader read, Writer write, Nested nested = {}) {
    fields_.push_back(Field{std::move(doc), std::move(read), std::move(write), std::move(nested)});
    return *this;
  }

  // A rule over several keys, run after every key has been read.
  Schema& check(Reader rule) {
    checks_.push_back(std::move(rule));
    return *this;
  }

  T parse(const ConfigNode& node) const {
    T t{};
    parse_into(node, t);
    return t;
  }

  // Reads the keys present in `node` over the values already in `out`.
  void parse_into(const ConfigNode& node, T& out) const {
    node.reject_unknown_keys(keys());
    for (const auto& f : fields_) f.read(node, out);
    for (const auto& c : checks_) c(node, out);
  }

  nlohmann::json to_json(const T& t) const {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& f : fields_) f.write(t, j);
    return j;
  }

  std::vector<std::string> keys() const {
    std::vector<std::string> out;
    for (const auto& f : fields_) out.push_back(f.doc.key);
    return out;
  }

  // This section at `path`, then its nested sections.
  std::vector<SectionDoc> docs(const std::string& path) const {
    std::vector<SectionDoc> out{SectionDoc{path, doc_, {}}};
    for (const auto& f : fields_) out.front().keys.push_back(f.doc);
    for (const auto& f : fields_) {
      if (f.nested) {
        for (auto& s : f.nested(path)) out.push_back(std::move(s));
      }
    }
    return out;
  }

  const std::string& doc() const { return doc_; }

 private:
  struct Field {
    KeyDoc doc;
    Reader read;
    Writer write;
    Nested nested;
  };

  Schema& add(KeyDoc doc, Reader read, Writer write) {
    fields_.push_back(Field{std::move(doc), std::move(read), std::move(write), {}});
    return *this;
  }

  static std::string quoted(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "\"" : ", \"") + n + "\"";
    return out;
  }

  std::string doc_;
  std::vector<Field> fields_;
  std::vector<Reader> checks_;
};

}  // namespace monde::config
