// Address-like configuration values: a non-negative integer or a "0x..." hex string (JSON has no
// hex literals). One reader and one writer for every address key (HDM decoders, fault ranges).
#pragma once

#include <cstdint>
#include <string>

#include "core/config/config_node.hpp"

namespace monde::config {

// The value of `key` in `node`; fails naming the key unless it is an integer or "0x..." of <= 64 bits.
std::uint64_t get_address(const ConfigNode& node, const std::string& key);
// "0x..." lower-case hex, no leading zeros.
std::string hex(std::uint64_t v);

}  // namespace monde::config
