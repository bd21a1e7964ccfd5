// The RTL's assertions fire in simulation: the Verilated array (built with --assert) is driven
// directly, past the engine's own checks, with a beat that breaks the input contract. The
// DUT-side assertions (state encoding, handshakes, no result without a tile) cannot be broken
// from the pins; `make signoff` proves them with yosys and shows a mutated controller failing.
#include <verilated.h>

#include "Vmac_array.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace {

// Largest value of a $clog2(n + 1)-bit port (the width of cols_valid for n = COLS).
constexpr unsigned mask_port_max(unsigned n) {
  unsigned bits = 0;
  while ((1u << bits) < n + 1) ++bits;
  return (1u << bits) - 1;
}

struct Array {
  std::unique_ptr<VerilatedContext> context = std::make_unique<VerilatedContext>();
  std::unique_ptr<Vmac_array> top;
  Array() {
    context->fatalOnError(false);  // report, do not abort: the test reads gotError()
    top = std::make_unique<Vmac_array>(context.get(), "mac_array");
    top->rst_n = 0;
    top->in_valid = 0;
    top->out_ready = 1;
    edge();
    edge();
    top->rst_n = 1;
  }
  void edge() {
    top->clk = 0;
    top->eval();
    top->clk = 1;
    top->eval();
  }
};

// One beat with a column mask beyond COLS: the m_cols_valid_range check names itself.
TEST(MacRtlAssertions, ColumnMaskBeyondTheArrayIsReported) {
  if (MONDE_RTL_COLS + 1 > mask_port_max(MONDE_RTL_COLS)) GTEST_SKIP() << "COLS + 1 does not fit in cols_valid";
  Array a;
  a.top->rows_valid = 1;
  a.top->cols_valid = MONDE_RTL_COLS + 1;
  a.top->in_valid = 1;
  a.top->in_first = 1;
  a.top->in_last = 1;
  testing::internal::CaptureStdout();
  a.edge();  // the beat is accepted here
  a.top->in_valid = 0;
  a.edge();  // concurrent checks sample the accepted beat
  const std::string out = testing::internal::GetCapturedStdout();
  EXPECT_TRUE(a.context->gotError());
  EXPECT_NE(out.find("m_cols_valid_range"), std::string::npos) << out;
}

// A beat with the reserved weight format 3 (docs/mac_array.md, "Quantised weights"): the
// m_fmt_legal check names itself.
TEST(MacRtlAssertions, ReservedWeightFormatIsReported) {
  Array a;
  a.top->rows_valid = 1;
  a.top->cols_valid = 1;
  a.top->in_fmt = 3;
  a.top->in_valid = 1;
  a.top->in_first = 1;
  a.top->in_last = 1;
  testing::internal::CaptureStdout();
  a.edge();
  a.top->in_valid = 0;
  a.edge();
  const std::string out = testing::internal::GetCapturedStdout();
  EXPECT_TRUE(a.context->gotError());
  EXPECT_NE(out.find("m_fmt_legal"), std::string::npos) << out;
}

// The same beat with a legal mask raises nothing: the check above is not always on.
TEST(MacRtlAssertions, LegalBeatIsQuiet) {
  Array a;
  a.top->rows_valid = MONDE_RTL_ROWS;
  a.top->cols_valid = MONDE_RTL_COLS;
  a.top->in_valid = 1;
  a.top->in_first = 1;
  a.top->in_last = 1;
  testing::internal::CaptureStdout();
  for (int i = 0; i < 4 + MONDE_RTL_ROWS; ++i) {
    a.edge();
    a.top->in_valid = 0;
  }
  const std::string out = testing::internal::GetCapturedStdout();
  EXPECT_FALSE(a.context->gotError()) << out;
  EXPECT_EQ(out, "");
}

}  // namespace
