// The configuration reference: every section's keys with their type, default, allowed values and
// meaning, taken from the parsers' own schemas (and the registries for the names of policies and
// routing sources). The README's "Configuration reference" is this text; a test checks they match.
#pragma once

#include <string>
#include <vector>

#include "core/config/key_doc.hpp"

namespace monde::system {

std::vector<config::SectionDoc> configuration_reference();
std::string configuration_reference_markdown();

}  // namespace monde::system
