// `monde-sim ndp` vector files (tlm/ndp/ndp_vectors.hpp) and their checks (ndp_job_check.hpp):
// the golden results of hand-derived jobs, a write -> parse round trip of every format (int4
// nibbles packed two to a byte, the -128 / -8 codes), mismatch and completion lines, descriptor
// edits, and parse errors with file:line.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "tlm/ndp/ndp_job_check.hpp"
#include "tlm/ndp/ndp_vectors.hpp"

namespace monde::ndp {
namespace {

std::string row(const std::string& word, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += (i ? " " : "") + word;
  return s + "\n";
}
std::string rows(const std::string& word, int n, int count) {
  std::string s;
  for (int i = 0; i < count; ++i) s += row(word, n);
  return s;
}

// T = 1, D = F = 32, relu, every x and bf16 weight 1.0 (0x3F80): h = 32 (0x4200), y = 32 x 32 =
// 1024 (0x4480), all exact.
std::string ones_job(const std::string& name) {
  return "job " + name + " tokens=1 d_model=32 d_ff=32 activation=relu weights=bf16\nx\n" + row("3F80", 32) +
         "w_up\n" + rows("3F80", 32, 32) + "w_down\n" + rows("3F80", 32, 32) + "end\n";
}

std::vector<VectorJob> parse(const std::string& text) {
  std::istringstream in(text);
  return parse_ndp_vectors(in, "t.ndp");
}

std::string parse_error(const std::string& text) {
  try {
    parse(text);
  } catch (const VectorFormatError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(NdpVectors, GoldenOfAllOnes) {
  const auto jobs = parse(ones_job("ones"));
  ASSERT_EQ(jobs.size(), 1u);
  const NdpJobOutcome g = golden_job(jobs[0]);
  ASSERT_EQ(g.h.size(), 32u);
  ASSERT_EQ(g.y.size(), 32u);
  for (auto h : g.h) EXPECT_EQ(h, 0x4200);
  for (auto y : g.y) EXPECT_EQ(y, 0x4480);
}

// int4, G = 32: every code -8 (nibble 8) with scale 0.5 (0x3F00) dequantises to -4.0; x = 1.0.
// up = 32 x -4 = -128 -> relu -> h = +0; y = 0. With code 7 (7 x 0.5 = 3.5): up = 112 (0x42E0),
// h = 112, y = 32 x 112 x 3.5 = 12544 (0x4644).
TEST(NdpVectors, GoldenOfInt4ExtremeCodes) {
  const auto job = [](const std::string& code) {
    return "job q tokens=1 d_model=32 d_ff=32 activation=relu weights=int4 group=32\nx\n" + row("3F80", 32) + "w_up\n" +
           rows(code, 32, 32) + "s_up\n" + rows("3F00", 1, 32) + "w_down\n" + rows(code, 32, 32) + "s_down\n" +
           rows("3F00", 1, 32) + "end\n";
  };
  const NdpJobOutcome neg = golden_job(parse(job("8"))[0]);
  for (auto h : neg.h) EXPECT_EQ(h, 0x0000);
  for (auto y : neg.y) EXPECT_EQ(y, 0x0000);
  const NdpJobOutcome pos = golden_job(parse(job("7"))[0]);
  for (auto h : pos.h) EXPECT_EQ(h, 0x42E0);
  for (auto y : pos.y) EXPECT_EQ(y, 0x4644);
}

TEST(NdpVectors, RoundTripEveryFormat) {
  std::string text = ones_job("a");
  // int8 gated with codes -128 (80), 127 (7F), a descriptor edit and an expected error code.
  text += "job b tokens=2 d_model=32 d_ff=64 activation=silu_gated weights=int8 group=32\ndescriptor dtype=9 tokens=3\nx\n" +
          rows("BF80", 32, 2) + "w_up\n" + rows("80", 32, 64) + "s_up\n" + rows("3F80", 1, 64) + "w_gate\n" +
          rows("7F", 32, 64) + "s_gate\n" + rows("3F80", 1, 64) + "w_down\n" + rows("1", 64, 32) + "s_down\n" +
          rows("4000", 2, 32) + "expect_completion bad_dtype\nend\n";
  // int4 with alternating nibbles (packing order matters).
  std::string alt;
  for (int i = 0; i < 32; ++i) alt += (i ? " " : "") + std::string(i % 2 ? "8" : "7");
  text += "job c tokens=1 d_model=32 d_ff=32 activation=relu weights=int4 group=32\nx\n" + row("3F80", 32) + "w_up\n" +
          rows(alt, 1, 32) + "s_up\n" + rows("3F80", 1, 32) + "w_down\n" + rows(alt, 1, 32) + "s_down\n" +
          rows("3F80", 1, 32) + "end\n";
  const auto jobs = parse(text);
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(jobs[1].q_up.code(0, 0), 0x80);
  EXPECT_EQ(jobs[1].q_gate.code(5, 63), 0x7F);
  EXPECT_EQ(jobs[1].expected_code(), NdpErrorCode::kBadDtype);
  ASSERT_EQ(jobs[1].descriptor.size(), 2u);
  EXPECT_EQ(jobs[1].descriptor[1].field, "tokens");
  EXPECT_EQ(jobs[1].descriptor[1].value, 3u);
  // int4: weight 0 (code 7) in the low nibble, weight 1 (code -8) in the high nibble: 0x87.
  EXPECT_EQ(jobs[2].q_up.codes[0], 0x87);
  EXPECT_EQ(jobs[2].q_up.code(0, 1), 0x8);
  std::ostringstream out;
  write_ndp_vectors(out, jobs);
  const auto again = parse(out.str());
  std::ostringstream out2;
  write_ndp_vectors(out2, again);
  EXPECT_EQ(out.str(), out2.str());
  EXPECT_EQ(again[2].q_up.codes, jobs[2].q_up.codes);
  EXPECT_EQ(again[1].q_down.scales, jobs[1].q_down.scales);
}

TEST(NdpVectors, DescriptorEdits) {
  JobDescriptor d;
  d.dtype = kDtypeBf16;
  apply_descriptor_edits(d, {{"dtype", 9}, {"reserved_22", 1}, {"tokens", 4097}});
  EXPECT_EQ(d.dtype, 9);
  EXPECT_EQ(d.reserved_22, 1);
  EXPECT_EQ(d.tokens, 4097u);
  EXPECT_THROW(apply_descriptor_edits(d, {{"reserved_96", 0}}), std::invalid_argument);
  EXPECT_THROW(apply_descriptor_edits(d, {{"tokens", 1, '+'}}), std::invalid_argument);  // offsets: addresses only
  // Flags and addresses: set, or moved from the driver's value, modulo 2^64.
  d.x_addr = 0x1000;
  d.y_addr = 0x2000;
  d.w_up = 0x40;
  apply_descriptor_edits(d, {{"flags", 2}, {"x_addr", 2, '+'}, {"y_addr", 0x1000, '-'}, {"w_up", 0x80, '-'},
                             {"s_down", 0x123456789, '='}});
  EXPECT_EQ(d.flags, 2);
  EXPECT_EQ(d.x_addr, 0x1002u);
  EXPECT_EQ(d.y_addr, 0x1000u);                   // y now starts where x did: overlap
  EXPECT_EQ(d.w_up, 0xFFFFFFFFFFFFFFC0u);         // 0x40 - 0x80 wraps
  EXPECT_EQ(d.s_down, 0x123456789u);
}

// Address edits parse as set / += / -=, are written back the same way, and are refused on a job
// that expects to run (an address the device accepts would let it write over other tensors).
TEST(NdpVectors, AddressEditsOnlyWithAValidationError) {
  auto job_with = [](const std::string& edits, const std::string& expect) {
    std::string t = ones_job("a");
    t.insert(t.find("x\n"), "descriptor " + edits + "\n");
    if (!expect.empty()) t.insert(t.rfind("end\n"), "expect_completion " + expect + "\n");
    return t;
  };
  const auto jobs = parse(job_with("x_addr+=2 y_addr-=64 flags=3", "misaligned_address"));
  ASSERT_EQ(jobs[0].descriptor.size(), 3u);
  EXPECT_EQ(jobs[0].descriptor[0].op, '+');
  EXPECT_EQ(jobs[0].descriptor[0].value, 2u);
  EXPECT_EQ(jobs[0].descriptor[1].op, '-');
  EXPECT_EQ(jobs[0].descriptor[2].op, '=');
  std::ostringstream out;
  write_ndp_vectors(out, jobs);
  EXPECT_NE(out.str().find("descriptor x_addr+=2 y_addr-=64 flags=3\n"), std::string::npos) << out.str();
  EXPECT_EQ(parse_error(job_with("x_addr+=64", "")),
            "t.ndp:71: job 'a' edits address x_addr but expects completion ok; address edits need a validation error "
            "(misaligned_address, address_out_of_range, overlap, reserved_nonzero, ...): an address the device accepts "
            "would let the job write over other tensors");
  EXPECT_EQ(parse_error(job_with("w_up=0", "dma_poison")).find("t.ndp:72: job 'a' edits address w_up but expects completion dma_poison"), 0u);
  EXPECT_EQ(parse_error(job_with("tokens+=1", "zero_dim")),
            "t.ndp:2: descriptor field 'tokens' takes a value (tokens=N); only addresses take += / -= offsets");
}

TEST(NdpVectors, MismatchLines) {
  auto job = parse(ones_job("ones"))[0];
  NdpJobOutcome got = golden_job(job);
  job.expect_h = got.h;
  job.expect_y = got.y;
  EXPECT_TRUE(check_job(job, got).empty());
  (*job.expect_y)[5] = 0x4400;
  const auto mm = check_job(job, got);
  ASSERT_EQ(mm.size(), 1u);
  EXPECT_EQ(mm[0],
            "job 'ones' y[token 0][column 5]: got 0x4480 (1024), expected 0x4400 (512); inputs h[0][0..31] = [4200 "
            "4200 4200 4200 4200 4200 4200 4200 ...] (as the device wrote it), w_down[5][0..31] = [3F80 3F80 3F80 "
            "3F80 3F80 3F80 3F80 3F80 ...]");
  got.code = NdpErrorCode::kBadOpcode;
  const auto mc = check_job(job, got);
  ASSERT_EQ(mc.size(), 1u);
  EXPECT_EQ(mc[0], "job 'ones' completion: got bad_opcode (1), expected ok (0)");
}

TEST(NdpVectors, ParseErrorsNameLineAndAllowed) {
  EXPECT_EQ(parse_error("job a tokens=1 d_model=32 d_ff=32 activation=relu weights=fp8\n"),
            "t.ndp:1: weights = 'fp8'; allowed bf16, int8, int4");
  EXPECT_EQ(parse_error("# c\njob a tokens=0 d_model=32 d_ff=32 activation=relu weights=bf16\n"),
            "t.ndp:2: tokens = '0': allowed an integer in 1..65536");
  EXPECT_EQ(parse_error("job a tokens=1 d_model=32 d_ff=32 activation=relu weights=int8\n"),
            "t.ndp:1: job 'a': weights=int8 needs group=32|64|128");
  EXPECT_EQ(parse_error("job a tokens=1 d_model=32 d_ff=32 activation=relu weights=bf16 group=32\n"),
            "t.ndp:1: group= is for int8 / int4 weights; bf16 weights have no scales");
  EXPECT_EQ(parse_error("job a tokens=1 d_model=32 d_ff=32 activation=relu weights=bf16\nx\n" + row("3F80", 32) + "s_up\n"),
            "t.ndp:4: section 's_up' in a bf16 job; only int8 / int4 weights have scales");
  EXPECT_EQ(parse_error("job a tokens=1 d_model=32 d_ff=32 activation=relu weights=bf16\nw_gate\n"),
            "t.ndp:2: section 'w_gate' in a relu job; only silu_gated jobs have a gate");
  EXPECT_EQ(parse_error("job a tokens=1 d_model=32 d_ff=32 activation=relu weights=bf16\nx\n" + row("3F80", 32) + "end\n"),
            "t.ndp:4: job 'a' has no 'w_up' section");
  EXPECT_EQ(parse_error("job a tokens=1 d_model=32 d_ff=32 activation=relu weights=int4 group=32\nw_up\n" + row("10", 32)),
            "t.ndp:3: '10' is not an int4 code hex word; expected 1..1 hex digits, optionally after 0x");
  EXPECT_EQ(parse_error("tile t rows=1 cols=1 k=1\n"), "t.ndp:1: expected 'job NAME tokens=T d_model=D d_ff=F ...', got 'tile'");
  EXPECT_EQ(parse_error(ones_job("a") + "job a tokens=1 d_model=32 d_ff=32 activation=relu weights=bf16\n"),
            "t.ndp:71: job name 'a' already used at line 1; allowed each name once (results are reported by name)");
}

}  // namespace
}  // namespace monde::ndp
