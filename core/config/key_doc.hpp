// What the configuration reference shows for each key; built from the parsers' own schemas so
// that the documentation cannot drift from the code (docs/configuration.md and the README's
// reference are generated from these; a test compares them).
#pragma once

#include <string>
#include <vector>

namespace monde::config {

struct KeyDoc {
  std::string key;            // "tRCD"
  std::string type;           // integer, number, boolean, string, enum, object, array, path
  std::string default_value;  // as JSON text, "(required)", or "(none)"
  std::string allowed;        // "1 .. 1000000", "\"open\", \"closed\"", ...
  std::string doc;            // one sentence, units included
};

struct SectionDoc {
  std::string path;  // "device.memory.timing"; "" for a file's top level
  std::string doc;
  std::vector<KeyDoc> keys;
};

// Markdown tables, one per section, in order.
std::string to_markdown(const std::vector<SectionDoc>& sections);

}  // namespace monde::config
