#include "core/config/key_doc.hpp"

namespace monde::config {

namespace {

// Pipes would end a Markdown table cell.
std::string cell(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

}  // namespace

std::string to_markdown(const std::vector<SectionDoc>& sections) {
  std::string out;
  for (const auto& s : sections) {
    out += "#### `" + (s.path.empty() ? std::string("(top level)") : s.path) + "`\n\n" + s.doc + "\n\n";
    out += "| key | type | default | allowed | meaning |\n|---|---|---|---|---|\n";
    for (const auto& k : s.keys) {
      out += "| `" + cell(k.key) + "` | " + cell(k.type) + " | " + cell(k.default_value) + " | " + cell(k.allowed) +
             " | " + cell(k.doc) + " |\n";
    }
    out += "\n";
  }
  return out;
}

}  // namespace monde::config
