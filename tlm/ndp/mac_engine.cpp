#include "tlm/ndp/mac_engine.hpp"

#include <stdexcept>

#include "tlm/ndp/mac_cycle_engine.hpp"
#include "tlm/ndp/mac_rtl_engine.hpp"

namespace monde::ndp {

const char* to_string(PeModel m) { return m == PeModel::kRtl ? "rtl" : "cycle"; }

PeModel pe_model_from_string(const std::string& s) {
  if (s == "rtl") return PeModel::kRtl;
  if (s == "cycle") return PeModel::kCycle;
  throw std::invalid_argument("pe_model \"" + s + "\" is not one of: rtl, cycle");
}

std::unique_ptr<MacEngine> make_mac_engine(PeModel model, const MacArrayShape& shape, const RtlEngineOptions& rtl) {
  if (model == PeModel::kRtl) return std::make_unique<RtlMacEngine>(shape, rtl);
  return std::make_unique<CycleMacEngine>(shape);
}

}  // namespace monde::ndp
