#include "tlm/ndp/mac_engine.hpp"

#include <stdexcept>

#include "tlm/ndp/mac_cycle_engine.hpp"
#include "tlm/ndp/mac_rtl_engine.hpp"

namespace monde::ndp {

std::unique_ptr<MacEngine> make_mac_engine(config::PeModel model, const config::MacArrayShape& shape, const RtlEngineOptions& rtl) {
  if (model == config::PeModel::kRtl) return std::make_unique<RtlMacEngine>(shape, rtl);
  return std::make_unique<CycleMacEngine>(shape);
}

}  // namespace monde::ndp
