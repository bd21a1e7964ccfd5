#include "host/gpu_backend/model_shapes.hpp"

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "host/gpu_backend/checked_json.hpp"

namespace monde::gpu_backend {

ModelShape load_model_shape(const std::string& path) {
  const nlohmann::json j = read_json_file(path);
  const CheckedJson m(j, path);
  ModelShape s;
  s.name = m.string("name");
  s.d_model = m.uint("d_model", 1, std::uint64_t{1} << 20);
  s.d_ff = m.uint("d_ff", 1, std::uint64_t{1} << 22);
  s.gated = m.boolean("gated");
  const std::string act = m.string("activation");
  try {
    s.activation = parse_activation(act);
  } catch (const std::invalid_argument&) {
    m.fail("activation", "= \"" + act + "\" must be one of: relu, silu_gated");
  }
  if (s.gated != (s.activation == Activation::silu_gated)) {
    m.fail("gated", "= " + std::string(s.gated ? "true" : "false") + " disagrees with activation \"" + act +
                        "\" (relu is ungated, silu_gated is gated)");
  }
  return s;
}

std::vector<ModelShape> load_model_shapes(const std::string& dir) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(dir)) {
    throw std::runtime_error(dir + ": not a directory (expected the model presets, e.g. configs/models)");
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().extension() == ".json") {
      files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    throw std::runtime_error(dir + ": no *.json model files");
  }
  std::vector<ModelShape> out;
  out.reserve(files.size());
  for (const auto& f : files) {
    out.push_back(load_model_shape(f.string()));
  }
  return out;
}

}  // namespace monde::gpu_backend
