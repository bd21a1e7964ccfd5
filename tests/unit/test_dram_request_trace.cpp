// Request traces (tlm/memory/request_trace.hpp): both formats parse to the same requests, and
// every malformed line is reported as file:line with what was expected and what was found.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "tlm/memory/request_trace.hpp"

namespace monde::mem {
namespace {

// The message of the error parsing `text` as "t.stl" (empty when it parses).
std::string error_of(const std::string& text) {
  try {
    parse_request_trace(text, "t.stl");
  } catch (const RequestTraceError& e) {
    return e.what();
  }
  return "";
}

TEST(DramRequestTrace, DramsysStlWithCommentsAndBlankLines) {
  const auto t = parse_request_trace("# a DRAMSys trace\n\n0:\tread\t0x0\n3:\twrite\t0x1F40  # data ignored\r\n"
                                     "3:\tread\t0xffffffffffffffc0\n",
                                     "t.stl");
  EXPECT_EQ(t.format, TraceFormat::kDramsysStl);
  ASSERT_EQ(t.requests.size(), 3u);
  EXPECT_EQ(t.requests[0].clk, 0u);
  EXPECT_FALSE(t.requests[0].is_write);
  EXPECT_EQ(t.requests[1].clk, 3u);
  EXPECT_TRUE(t.requests[1].is_write);
  EXPECT_EQ(t.requests[1].addr, 0x1F40u);
  EXPECT_EQ(t.requests[2].addr, 0xFFFFFFFFFFFFFFC0u);
}

TEST(DramRequestTrace, RamulatorLoadsAndStores) {
  const auto t = parse_request_trace("LD 0x40\nST 0X80\n# end\n", "t.trace");
  EXPECT_EQ(t.format, TraceFormat::kRamulator);
  ASSERT_EQ(t.requests.size(), 2u);
  EXPECT_FALSE(t.requests[0].is_write);
  EXPECT_EQ(t.requests[0].addr, 0x40u);
  EXPECT_TRUE(t.requests[1].is_write);
  EXPECT_EQ(t.requests[1].addr, 0x80u);
}

TEST(DramRequestTrace, ErrorsNameFileLineExpectationAndText) {
  const std::string stl = "'<clk>:<TAB><read|write><TAB>0x<hex address>' (DRAMSys STL)";
  EXPECT_EQ(error_of("0:\tread\t0x0\n1:\tfetch\t0x40\n"),
            "t.stl:2: unknown command 'fetch' (allowed read, write); expected " + stl + " like line 1, got "
            "'1:\tfetch\t0x40'");
  EXPECT_EQ(error_of("# header\nx:\tread\t0x0\n"),
            "t.stl:2: the clock 'x:' is not a decimal cycle count followed by ':'; expected " + stl +
                ", got 'x:\tread\t0x0'");
  EXPECT_EQ(error_of("0:\tread\t400\n"),
            "t.stl:1: the address '400' is not 0x and 1 to 16 hex digits; expected " + stl + ", got '0:\tread\t400'");
  EXPECT_EQ(error_of("0:\tread\t0x10000000000000000\n"),
            "t.stl:1: the address '0x10000000000000000' is not 0x and 1 to 16 hex digits; expected " + stl +
                ", got '0:\tread\t0x10000000000000000'");
  EXPECT_EQ(error_of("0:\tread\n"), "t.stl:1: too few fields; expected " + stl + ", got '0:\tread'");
  EXPECT_EQ(error_of("0:\twrite\t0x0\t0xdead\n"),
            "t.stl:1: unexpected text after the address; expected " + stl + ", got '0:\twrite\t0x0\t0xdead'");
  // A Ramulator line in an STL trace, and the other way round.
  EXPECT_EQ(error_of("0:\tread\t0x0\n\nLD 0x40\n"),
            "t.stl:3: too few fields; expected " + stl + " like line 1, got 'LD 0x40'");
  EXPECT_EQ(error_of("LD 0x40\n0:\tread\t0x0\n"),
            "t.stl:2: unexpected text after the address; expected 'LD 0x<hex address>' or 'ST 0x<hex address>' "
            "(Ramulator) like line 1, got '0:\tread\t0x0'");
  EXPECT_EQ(error_of("LOAD 0x40\n"),
            "t.stl:1: unknown command 'LOAD' (allowed LD, ST); expected 'LD 0x<hex address>' or 'ST 0x<hex "
            "address>' (Ramulator), got 'LOAD 0x40'");
  // A cycle count beyond 64 bits.
  EXPECT_EQ(error_of("99999999999999999999:\tread\t0x0\n").substr(0, 30), "t.stl:1: the clock '9999999999");
  // Long or binary text is quoted short and printable.
  const std::string long_line = "LD 0x" + std::string(100, 'z') + "\n";
  const std::string msg = error_of(long_line);
  // Cut as all user text in messages: 77 characters ("LD 0x" and 72 of the 100 z's), "...",
  // and the length.
  EXPECT_NE(msg.find("got 'LD 0x" + std::string(72, 'z') + "... (105 characters)'"), std::string::npos) << msg;
  EXPECT_NE(error_of(std::string("LD\x01 0x40\n", 10)).find("got 'LD? 0x40'"), std::string::npos);
}

TEST(DramRequestTrace, AnInputWithoutRequestsIsAnError) {
  EXPECT_EQ(error_of("# only\n\n   \n"),
            "t.stl: no requests (3 lines of comments or blanks); expected lines like '<clk>:<TAB><read|write><TAB>0x<hex "
            "address>' (DRAMSys STL) or 'LD 0x<hex address>' or 'ST 0x<hex address>' (Ramulator)");
  EXPECT_EQ(error_of(""), "t.stl: no requests (0 lines of comments or blanks); expected lines like '<clk>:<TAB><read|"
                          "write><TAB>0x<hex address>' (DRAMSys STL) or 'LD 0x<hex address>' or 'ST 0x<hex address>' "
                          "(Ramulator)");
}

TEST(DramRequestTrace, AddressesAndClocksAreCheckedAgainstTheMemory) {
  const auto t = parse_request_trace("0:\tread\t0x0\n# gap\n5:\twrite\t0x1ffffffff\n6:\tread\t0x200000000\n", "t.stl");
  EXPECT_EQ(t.requests[2].line, 4u);
  try {
    check_request_trace(t, "t.stl", 8ull << 30, 625);
    FAIL() << "an address beyond 8 GiB was accepted";
  } catch (const RequestTraceError& e) {
    EXPECT_EQ(std::string(e.what()),
              "t.stl:4: address 0x200000000 is beyond the memory (8589934592 bytes); allowed 0x0 .. 0x1ffffffff");
  }
  // (2^62 - 1) / 625 = 7378697629483820 cycles fit; one more does not.
  EXPECT_NO_THROW(check_request_trace(parse_request_trace("7378697629483820:\tread\t0x0\n", "t.stl"), "t.stl",
                                      8ull << 30, 625));
  try {
    check_request_trace(parse_request_trace("7378697629483821:\tread\t0x0\n", "t.stl"), "t.stl", 8ull << 30, 625);
    FAIL() << "a clock beyond 2^62 ps was accepted";
  } catch (const RequestTraceError& e) {
    EXPECT_EQ(std::string(e.what()), "t.stl:1: clock 7378697629483821 is too late for the simulation; allowed 0 .. "
                                     "7378697629483820 cycles of 625 ps");
  }
}

TEST(DramRequestTrace, FilesThatCannotBeTracesAreNamed) {
  EXPECT_THROW(load_request_trace("/nonexistent/x.stl"), RequestTraceError);
  try {
    load_request_trace("/tmp");
    FAIL() << "a directory was read as a trace";
  } catch (const RequestTraceError& e) {
    EXPECT_EQ(std::string(e.what()), "/tmp: cannot read the request trace (not a regular file)");
  }
  const std::string path = ::testing::TempDir() + "monde_request_trace_test.stl";
  std::ofstream(path) << "0:\tread\t0x0\n1:\tread\n";
  try {
    load_request_trace(path);
    FAIL() << "a bad line was accepted";
  } catch (const RequestTraceError& e) {
    EXPECT_EQ(std::string(e.what()).substr(0, path.size() + 3), path + ":2:");
  }
  std::remove(path.c_str());
}

}  // namespace
}  // namespace monde::mem
