#include "core/config/default_config.hpp"

#include "core/config/config_node.hpp"

extern const char monde_default_config_json[];

namespace monde::config {

std::string default_config_text() { return monde_default_config_json; }

nlohmann::json default_config() { return parse_json_text(default_config_text(), kDefaultConfigSource); }

nlohmann::json load_config_or_default(const std::string& path, std::string& source) {
  source = path.empty() ? kDefaultConfigSource : path;
  return path.empty() ? default_config() : load_json_file(path);
}

}  // namespace monde::config
