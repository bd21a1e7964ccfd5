#include "tlm/memory/request_trace.hpp"

#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include "core/config/experiment_document.hpp"

namespace monde::mem {

namespace {

constexpr const char* kStlShape = "'<clk>:<TAB><read|write><TAB>0x<hex address>' (DRAMSys STL)";
constexpr const char* kRamulatorShape = "'LD 0x<hex address>' or 'ST 0x<hex address>' (Ramulator)";

// The offending text as the message quotes it (config::shown_text: short, no control bytes).
std::string quoted_field(const std::string& s) { return "'" + config::shown_text(s) + "'"; }

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// Splits a line (comment removed) into fields separated by runs of spaces / tabs.
std::vector<std::string> fields_of(const std::string& line) {
  std::vector<std::string> f;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_blank(line[i])) ++i;
    const std::size_t b = i;
    while (i < line.size() && !is_blank(line[i])) ++i;
    if (i > b) f.push_back(line.substr(b, i - b));
  }
  return f;
}

bool parse_uint(const std::string& s, int base, std::uint64_t& v) {
  if (s.empty() || s.size() > (base == 16 ? 16u : 20u)) return false;
  v = 0;
  for (const char ch : s) {
    unsigned d;
    if (ch >= '0' && ch <= '9') {
      d = static_cast<unsigned>(ch - '0');
    } else if (base == 16 && ch >= 'a' && ch <= 'f') {
      d = static_cast<unsigned>(ch - 'a' + 10);
    } else if (base == 16 && ch >= 'A' && ch <= 'F') {
      d = static_cast<unsigned>(ch - 'A' + 10);
    } else {
      return false;
    }
    if (v > (UINT64_MAX - d) / static_cast<unsigned>(base)) return false;
    v = v * static_cast<unsigned>(base) + d;
  }
  return true;
}

bool parse_hex_address(const std::string& s, std::uint64_t& v) {
  return s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && parse_uint(s.substr(2), 16, v);
}

}  // namespace

RequestTrace parse_request_trace(const std::string& text, const std::string& source) {
  RequestTrace trace;
  bool format_known = false;
  std::size_t format_line = 0;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (const auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    const auto f = fields_of(line);
    if (f.empty()) continue;
    const std::string where = source + ":" + std::to_string(line_no) + ": ";
    const bool stl_like = f[0].size() > 1 && f[0].back() == ':';
    if (!format_known) {
      trace.format = stl_like ? TraceFormat::kDramsysStl : TraceFormat::kRamulator;
      format_known = true;
      format_line = line_no;
    }
    const bool stl = trace.format == TraceFormat::kDramsysStl;
    auto fail = [&](const std::string& what) {
      throw RequestTraceError(where + what + "; expected " + (stl ? kStlShape : kRamulatorShape) +
                              (line_no == format_line ? std::string() : " like line " + std::to_string(format_line)) +
                              ", got " + quoted_field(line));
    };
    TraceRequest r{0, 0, line_no, false};
    if (stl) {
      if (f.size() != 3) fail(f.size() < 3 ? "too few fields" : "unexpected text after the address");
      if (!stl_like || !parse_uint(f[0].substr(0, f[0].size() - 1), 10, r.clk)) {
        fail("the clock " + quoted_field(f[0]) + " is not a decimal cycle count followed by ':'");
      }
      if (f[1] == "write") {
        r.is_write = true;
      } else if (f[1] != "read") {
        fail("unknown command " + quoted_field(f[1]) + " (allowed read, write)");
      }
      if (!parse_hex_address(f[2], r.addr)) fail("the address " + quoted_field(f[2]) + " is not 0x and 1 to 16 hex digits");
    } else {
      if (f.size() != 2) fail(f.size() < 2 ? "too few fields" : "unexpected text after the address");
      if (f[0] == "ST") {
        r.is_write = true;
      } else if (f[0] != "LD") {
        fail("unknown command " + quoted_field(f[0]) + " (allowed LD, ST)");
      }
      if (!parse_hex_address(f[1], r.addr)) fail("the address " + quoted_field(f[1]) + " is not 0x and 1 to 16 hex digits");
    }
    trace.requests.push_back(r);
  }
  if (trace.requests.empty()) {
    throw RequestTraceError(source + ": no requests (" + std::to_string(line_no) +
                            " lines of comments or blanks); expected lines like " + kStlShape + " or " +
                            kRamulatorShape);
  }
  return trace;
}

void check_request_trace(const RequestTrace& trace, const std::string& source, std::uint64_t capacity_bytes,
                         std::uint64_t tck_ps) {
  auto hex = [](std::uint64_t v) {
    std::ostringstream o;
    o << "0x" << std::hex << v;
    return o.str();
  };
  const std::uint64_t max_clk = ((std::uint64_t{1} << 62) - 1) / tck_ps;
  for (const auto& r : trace.requests) {
    const std::string where = source + ":" + std::to_string(r.line) + ": ";
    if (r.addr >= capacity_bytes) {
      throw RequestTraceError(where + "address " + hex(r.addr) + " is beyond the memory (" +
                              std::to_string(capacity_bytes) + " bytes); allowed 0x0 .. " + hex(capacity_bytes - 1));
    }
    if (r.clk > max_clk) {
      throw RequestTraceError(where + "clock " + std::to_string(r.clk) + " is too late for the simulation; allowed 0 .. " +
                              std::to_string(max_clk) + " cycles of " + std::to_string(tck_ps) + " ps");
    }
  }
}

const char* format_name(TraceFormat f) { return f == TraceFormat::kDramsysStl ? "dramsys_stl" : "ramulator"; }

RequestTrace load_request_trace(const std::string& path) {
  struct stat st {};
  if (path.empty()) throw RequestTraceError("request trace: the path is empty");
  if (stat(path.c_str(), &st) != 0) throw RequestTraceError(path + ": cannot read the request trace (no such file)");
  if (!S_ISREG(st.st_mode)) throw RequestTraceError(path + ": cannot read the request trace (not a regular file)");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw RequestTraceError(path + ": cannot open the request trace");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw RequestTraceError(path + ": read error in the request trace");
  return parse_request_trace(ss.str(), path);
}

}  // namespace monde::mem
