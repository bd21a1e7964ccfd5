// The C++ cycle model of the MAC array: golden arithmetic in the RTL's accumulation order
// plus the documented cycle formula. It keeps an accumulator per PE so that masked PEs hold
// their values and first = false tiles continue sums exactly as the RTL does.
#pragma once

#include <vector>

#include "tlm/ndp/mac_engine.hpp"

namespace monde::ndp {

class CycleMacEngine final : public MacEngine {
 public:
  explicit CycleMacEngine(const config::MacArrayShape& shape);
  config::PeModel model() const override { return config::PeModel::kCycle; }
  config::MacArrayShape shape() const override { return shape_; }
  MacTileResult run_tile(const MacTile& tile) override;

 private:
  config::MacArrayShape shape_;
  std::vector<num::fp32_t> acc_;  // shape.rows x shape.cols, row-major
};

}  // namespace monde::ndp
