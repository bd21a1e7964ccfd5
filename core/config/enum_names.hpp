// Each enum's strings in one place. Next to an enum E, its header declares
//   const std::vector<EnumName<E>>& names_of(E);
// (found by argument-dependent lookup), and every parser, writer and message uses that table.
#pragma once

#include <string>
#include <vector>

namespace monde::config {

template <class E>
struct EnumName {
  E value;
  const char* name;
};

template <class E>
const char* to_string(E value) {
  for (const auto& n : names_of(E{})) {
    if (n.value == value) return n.name;
  }
  return "?";
}

template <class E>
std::vector<std::string> enum_strings() {
  std::vector<std::string> out;
  for (const auto& n : names_of(E{})) out.emplace_back(n.name);
  return out;
}

// False when `text` names no value of E.
template <class E>
bool from_string(const std::string& text, E& out) {
  for (const auto& n : names_of(E{})) {
    if (text == n.name) {
      out = n.value;
      return true;
    }
  }
  return false;
}

}  // namespace monde::config
