// Memory request traces for replay against the DRAM model (monde-sim traffic --trace), in the
// two formats users bring from the reference simulators:
//   DRAMSys STL:  "<clk>:<TAB><read|write><TAB>0x<hex address>"   e.g. "31:\tread\t0x400"
//                 <clk> is the cycle (of the DRAM clock here) at which the request may be
//                 offered at the earliest.
//   Ramulator:    "LD 0x<hex address>" or "ST 0x<hex address>" (Ramulator 2's load/store trace)
// In both, '#' starts a comment (whole line or after the fields) and blank lines are skipped.
// The format is taken from the first request line and every later line must match it. Errors
// (RequestTraceError) name the file and line, what was expected and what was found. SystemC-free.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace monde::mem {

enum class TraceFormat { kDramsysStl, kRamulator };

struct TraceRequest {
  std::uint64_t clk;   // earliest offer cycle (STL); 0 for Ramulator lines
  std::uint64_t addr;  // byte address as written
  std::uint64_t line;  // in the file, for messages about the request
  bool is_write;
};

struct RequestTrace {
  TraceFormat format = TraceFormat::kDramsysStl;
  std::vector<TraceRequest> requests;
};

class RequestTraceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses trace text; `source` names it in errors ("<source>:<line>: ..."). An input without a
// single request is an error.
RequestTrace parse_request_trace(const std::string& text, const std::string& source);
// Reads and parses a file (missing, unreadable or a directory: an error naming the path).
RequestTrace load_request_trace(const std::string& path);
// Checks every request against a memory of `capacity_bytes` and a clock of `tck_ps` (the STL
// clock times tck_ps must stay below 2^62 ps); the error names source:line and the range.
void check_request_trace(const RequestTrace& trace, const std::string& source, std::uint64_t capacity_bytes,
                         std::uint64_t tck_ps);
const char* format_name(TraceFormat f);  // "dramsys_stl", "ramulator"

}  // namespace monde::mem
