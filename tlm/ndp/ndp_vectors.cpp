#include "tlm/ndp/ndp_vectors.hpp"

#include <map>
#include <ostream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "core/config/enum_names.hpp"
#include "core/config/experiment_document.hpp"

namespace monde::ndp {

namespace {
// A word of the file as a message quotes it: short, no control bytes (config::shown_text).
std::string shown(const std::string& word) { return config::shown_text(word); }
}  // namespace

const std::vector<DescriptorFieldInfo>& descriptor_fields() {
  constexpr std::uint64_t kAny = UINT64_MAX;
  static const std::vector<DescriptorFieldInfo> fields = {
      {"opcode", 0xFF},         {"dtype", 0xFF},         {"activation", 0xFF},
      {"flags", 0xFF},          {"group_size", 0xFFFF},  {"reserved_22", 0xFFFF},
      {"d_model", 0xFFFFFFFF},  {"d_ff", 0xFFFFFFFF},    {"tokens", 0xFFFFFFFF},
      {"w_up", kAny, true},     {"w_gate", kAny, true},  {"w_down", kAny, true},
      {"x_addr", kAny, true},   {"y_addr", kAny, true},  {"h_scratch_addr", kAny, true},
      {"s_up", kAny, true},     {"s_gate", kAny, true},  {"s_down", kAny, true}};
  return fields;
}

namespace {
// The descriptor's address field of that name, or nullptr.
std::uint64_t* address_field(JobDescriptor& d, const std::string& name) {
  if (name == "w_up") return &d.w_up;
  if (name == "w_gate") return &d.w_gate;
  if (name == "w_down") return &d.w_down;
  if (name == "x_addr") return &d.x_addr;
  if (name == "y_addr") return &d.y_addr;
  if (name == "h_scratch_addr") return &d.h_scratch_addr;
  if (name == "s_up") return &d.s_up;
  if (name == "s_gate") return &d.s_gate;
  if (name == "s_down") return &d.s_down;
  return nullptr;
}
}  // namespace

void apply_descriptor_edits(JobDescriptor& d, const std::vector<DescriptorEditField>& edits) {
  for (const auto& e : edits) {
    const auto v = e.value;
    if (std::uint64_t* a = address_field(d, e.field)) {
      // Offsets wrap modulo 2^64 as the 64-bit field does: x_addr-=64 below 0 is a huge address.
      *a = e.op == '+' ? *a + v : e.op == '-' ? *a - v : v;
      continue;
    }
    if (e.op != '=') throw std::invalid_argument("apply_descriptor_edits: '" + shown(e.field) + "' takes no offset");
    if (e.field == "opcode") d.opcode = static_cast<std::uint8_t>(v);
    else if (e.field == "flags") d.flags = static_cast<std::uint8_t>(v);
    else if (e.field == "dtype") d.dtype = static_cast<std::uint8_t>(v);
    else if (e.field == "activation") d.activation = static_cast<std::uint8_t>(v);
    else if (e.field == "group_size") d.group_size = static_cast<std::uint16_t>(v);
    else if (e.field == "reserved_22") d.reserved_22 = static_cast<std::uint16_t>(v);
    else if (e.field == "d_model") d.d_model = static_cast<std::uint32_t>(v);
    else if (e.field == "d_ff") d.d_ff = static_cast<std::uint32_t>(v);
    else if (e.field == "tokens") d.tokens = static_cast<std::uint32_t>(v);
    else throw std::invalid_argument("apply_descriptor_edits: unknown field '" + shown(e.field) + "'");
  }
}

namespace {

// Header sanity bounds (the device's own limits are checked against the configuration by the
// run, which knows them; these only keep a typo from asking for gigabytes).
constexpr std::uint64_t kMaxDim = 65536;
constexpr std::uint64_t kMaxTokens = 65536;

bool address_field_name(const std::string& name) {
  for (const auto& f : descriptor_fields()) {
    if (name == f.name) return f.address;
  }
  return false;
}

std::string field_names() {
  std::string s;
  for (const auto& f : descriptor_fields()) s += (s.empty() ? "" : ", ") + std::string(f.name);
  return s;
}

void parse_header(VectorReader& rd, const std::vector<std::string>& words, VectorJob& j) {
  const std::string usage =
      "job NAME tokens=T d_model=D d_ff=F activation=relu|silu_gated weights=bf16|int8|int4 [group=32|64|128]";
  if (words.size() < 2 || words[1].find('=') != std::string::npos) rd.fail("'job' needs a name: " + usage);
  j.name = words[1];
  j.line = rd.line();
  std::set<std::string> seen;
  std::uint32_t group = 0;
  for (std::size_t i = 2; i < words.size(); ++i) {
    const auto eq = words[i].find('=');
    if (eq == std::string::npos) rd.fail("expected key=value, got '" + shown(words[i]) + "' (" + usage + ")");
    const auto key = words[i].substr(0, eq);
    const auto val = words[i].substr(eq + 1);
    if (!seen.insert(key).second) rd.fail("job field '" + shown(key) + "' given twice");
    if (key == "tokens") {
      j.tokens = static_cast<std::uint32_t>(parse_uint(rd, val, "tokens", 1, kMaxTokens));
    } else if (key == "d_model") {
      j.d_model = static_cast<std::uint32_t>(parse_uint(rd, val, "d_model", 1, kMaxDim));
    } else if (key == "d_ff") {
      j.d_ff = static_cast<std::uint32_t>(parse_uint(rd, val, "d_ff", 1, kMaxDim));
    } else if (key == "activation") {
      if (val != "relu" && val != "silu_gated") rd.fail("activation = '" + shown(val) + "'; allowed relu, silu_gated");
      j.gated = val == "silu_gated";
    } else if (key == "weights") {
      if (!config::from_string(val, j.weights.format)) rd.fail("weights = '" + shown(val) + "'; allowed bf16, int8, int4");
    } else if (key == "group") {
      group = static_cast<std::uint32_t>(parse_uint(rd, val, "group", 0, 0xFFFF));
    } else {
      rd.fail("unknown job field '" + shown(key) + "' (known: tokens, d_model, d_ff, activation, weights, group)");
    }
  }
  for (const char* k : {"tokens", "d_model", "d_ff", "activation", "weights"}) {
    if (!seen.count(k)) rd.fail("job '" + shown(j.name) + "' needs " + k + "= (" + usage + ")");
  }
  if (j.weights.quantised()) {
    if (!seen.count("group")) rd.fail("job '" + shown(j.name) + "': weights=" + config::to_string(j.weights.format) + " needs group=32|64|128");
    if (!config::valid_group_size(group)) rd.fail("group = " + std::to_string(group) + "; allowed 32, 64, 128");
    if (j.d_model % group != 0 || j.d_ff % group != 0) {
      rd.fail("group = " + std::to_string(group) + " does not divide d_model " + std::to_string(j.d_model) + " and d_ff " +
              std::to_string(j.d_ff) + "; allowed a group size dividing both (a group never spans two rows)");
    }
    j.weights.group_size = group;
  } else if (seen.count("group")) {
    rd.fail("group= is for int8 / int4 weights; bf16 weights have no scales");
  }
}

// The words of one weight matrix: bf16 words, or codes of 1-2 (int8) / 1 (int4) hex digits.
void read_weights(VectorReader& rd, VectorJob& j, const std::string& section, std::size_t rows, std::size_t cols,
                  std::vector<num::bf16_t>& bf16, num::QuantisedMatrix& q) {
  const config::WeightFormat f = j.weights.format;
  if (!j.weights.quantised()) {
    bf16 = narrow_words<num::bf16_t>(read_hex_matrix(rd, section, rows, cols, 4, "bf16"));
    return;
  }
  const auto codes = read_hex_matrix(rd, section, rows, cols, f == config::WeightFormat::kInt8 ? 2 : 1,
                                     f == config::WeightFormat::kInt8 ? "int8 code" : "int4 code");
  if (q.codes.empty()) q = num::zero_quantised_matrix(j.weights, rows, cols);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c) q.set_code(r, c, static_cast<std::uint8_t>(codes[r * cols + c]));
  }
}

void read_scales(VectorReader& rd, VectorJob& j, const std::string& section, std::size_t rows, std::size_t cols,
                 num::QuantisedMatrix& q) {
  if (q.codes.empty()) q = num::zero_quantised_matrix(j.weights, rows, cols);
  q.scales = narrow_words<num::bf16_t>(read_hex_matrix(rd, section, rows, cols / j.weights.group_size, 4, "bf16"));
}

void parse_descriptor(VectorReader& rd, const std::vector<std::string>& words, VectorJob& j) {
  if (words.size() < 2) rd.fail("'descriptor' needs FIELD=VALUE edits (fields: " + field_names() + ")");
  for (std::size_t i = 1; i < words.size(); ++i) {
    const auto eq = words[i].find('=');
    if (eq == std::string::npos) rd.fail("expected FIELD=VALUE, got '" + shown(words[i]) + "'");
    std::string key = words[i].substr(0, eq);
    char op = '=';
    if (!key.empty() && (key.back() == '+' || key.back() == '-')) {
      op = key.back();
      key.pop_back();
    }
    const DescriptorFieldInfo* info = nullptr;
    for (const auto& f : descriptor_fields()) {
      if (key == f.name) info = &f;
    }
    if (info == nullptr) rd.fail("unknown descriptor field '" + shown(key) + "' (allowed: " + field_names() + ")");
    if (op != '=' && !info->address) {
      rd.fail("descriptor field '" + key + "' takes a value (" + key + "=N); only addresses take += / -= offsets");
    }
    j.descriptor.push_back({key, parse_uint(rd, words[i].substr(eq + 1), key, 0, info->max), op});
  }
}

void parse_body(VectorReader& rd, VectorJob& j) {
  const std::size_t T = j.tokens, D = j.d_model, F = j.d_ff;
  const bool q = j.weights.quantised();
  std::set<std::string> sections;
  std::vector<std::string> words;
  for (;;) {
    if (!rd.next(words)) rd.fail("job '" + shown(j.name) + "' has no 'end'");
    const std::string s = words[0];
    const bool takes_args = s == "descriptor" || s == "expect_completion";
    if (words.size() != 1 && !takes_args) rd.fail("section '" + shown(s) + "' takes no arguments");
    if (s != "end" && !sections.insert(s).second) {
      rd.fail("section '" + shown(s) + "' appears twice in job '" + shown(j.name) + "'; allowed once per job");
    }
    if (s == "end") break;
    if ((s == "w_gate" || s == "s_gate") && !j.gated) rd.fail("section '" + shown(s) + "' in a relu job; only silu_gated jobs have a gate");
    if (s[0] == 's' && s[1] == '_' && !q) rd.fail("section '" + shown(s) + "' in a bf16 job; only int8 / int4 weights have scales");
    if (s == "x") {
      j.x = narrow_words<num::bf16_t>(read_hex_matrix(rd, s, T, D, 4, "bf16"));
    } else if (s == "w_up") {
      read_weights(rd, j, s, F, D, j.w_up, j.q_up);
    } else if (s == "w_gate") {
      read_weights(rd, j, s, F, D, j.w_gate, j.q_gate);
    } else if (s == "w_down") {
      read_weights(rd, j, s, D, F, j.w_down, j.q_down);
    } else if (s == "s_up") {
      read_scales(rd, j, s, F, D, j.q_up);
    } else if (s == "s_gate") {
      read_scales(rd, j, s, F, D, j.q_gate);
    } else if (s == "s_down") {
      read_scales(rd, j, s, D, F, j.q_down);
    } else if (s == "expect_h") {
      j.expect_h = narrow_words<num::bf16_t>(read_hex_matrix(rd, s, T, F, 4, "bf16"));
    } else if (s == "expect_y") {
      j.expect_y = narrow_words<num::bf16_t>(read_hex_matrix(rd, s, T, D, 4, "bf16"));
    } else if (s == "descriptor") {
      parse_descriptor(rd, words, j);
    } else if (s == "expect_completion") {
      if (words.size() != 2) rd.fail("expect_completion takes one code name (allowed: " + error_code_names() + ")");
      const auto code = error_code_from_string(words[1]);
      if (!code) rd.fail("expect_completion '" + shown(words[1]) + "' is not a completion code (allowed: " + error_code_names() + ")");
      j.expect_completion = *code;
    } else {
      rd.fail("unknown section '" + shown(s) + "' (known: descriptor, x, w_up, s_up, w_gate, s_gate, w_down, s_down, expect_h, "
              "expect_y, expect_completion, end)");
    }
  }
  std::vector<std::string> needed{"x", "w_up", "w_down"};
  if (j.gated) needed.push_back("w_gate");
  if (q) {
    needed.push_back("s_up");
    needed.push_back("s_down");
    if (j.gated) needed.push_back("s_gate");
  }
  for (const auto& n : needed) {
    if (!sections.count(n)) rd.fail("job '" + shown(j.name) + "' has no '" + n + "' section");
  }
  // An edited address the device accepted would let the job read or write over other tensors:
  // address edits are for the validation's address checks, which reject before any access.
  for (const auto& e : j.descriptor) {
    const bool address = address_field_name(e.field);
    // validate()'s codes, 1 (bad_opcode) .. 13 (group_misaligned): the job is refused before any access.
    const int code = static_cast<int>(j.expected_code());
    if (address && !(code >= static_cast<int>(NdpErrorCode::kBadOpcode) &&
                     code <= static_cast<int>(NdpErrorCode::kGroupMisaligned))) {
      rd.fail("job '" + shown(j.name) + "' edits address " + e.field + " but expects completion " +
              to_string(j.expected_code()) + "; address edits need a validation error (misaligned_address, "
              "address_out_of_range, overlap, reserved_nonzero, ...): an address the device accepts would let the "
              "job write over other tensors");
    }
  }
  if (j.expected_code() != NdpErrorCode::kOk && (j.expect_h || j.expect_y)) {
    rd.fail(std::string("job '") + j.name + "' expects completion " + to_string(j.expected_code()) +
            " and results; a failed job writes no h or y (drop expect_h / expect_y)");
  }
}

}  // namespace

std::vector<VectorJob> parse_ndp_vectors(std::istream& in, const std::string& source) {
  VectorReader rd(in, source);
  std::vector<VectorJob> jobs;
  std::vector<std::string> words;
  std::map<std::string, int> job_lines;  // name -> line of its header: names must be unique
  while (rd.next(words)) {
    if (words[0] != "job") rd.fail("expected 'job NAME tokens=T d_model=D d_ff=F ...', got '" + shown(words[0]) + "'");
    VectorJob j;
    parse_header(rd, words, j);
    if (const auto [it, fresh] = job_lines.emplace(j.name, j.line); !fresh) {
      rd.fail("job name '" + shown(j.name) + "' already used at line " + std::to_string(it->second) +
              "; allowed each name once (results are reported by name)");
    }
    parse_body(rd, j);
    jobs.push_back(std::move(j));
  }
  return jobs;
}

std::vector<VectorJob> read_ndp_vector_file(const std::string& path) {
  std::istringstream in(read_vector_text_file(path));
  auto jobs = parse_ndp_vectors(in, path);
  if (jobs.empty()) {
    throw VectorFormatError(path + ": no jobs (empty, or comments only); allowed one or more 'job NAME ...' blocks "
                                   "(docs/ndp_vectors.md)");
  }
  return jobs;
}

namespace {

void write_weights(std::ostream& out, const VectorJob& j, const char* w, const char* s, std::size_t rows,
                   std::size_t cols, const std::vector<num::bf16_t>& bf16, const num::QuantisedMatrix& q) {
  if (!j.weights.quantised()) {
    write_hex_matrix(out, w, widen_words(bf16), cols, 4);
    return;
  }
  std::vector<std::uint32_t> codes(rows * cols);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c) codes[r * cols + c] = q.code(r, c);
  }
  write_hex_matrix(out, w, codes, cols, j.weights.format == config::WeightFormat::kInt8 ? 2 : 1);
  write_hex_matrix(out, s, widen_words(q.scales), cols / j.weights.group_size, 4);
}

}  // namespace

void write_ndp_vectors(std::ostream& out, const std::vector<VectorJob>& jobs) {
  for (const auto& j : jobs) {
    const std::size_t D = j.d_model, F = j.d_ff;
    out << "job " << j.name << " tokens=" << j.tokens << " d_model=" << D << " d_ff=" << F
        << " activation=" << (j.gated ? "silu_gated" : "relu") << " weights=" << config::to_string(j.weights.format);
    if (j.weights.quantised()) out << " group=" << j.weights.group_size;
    out << '\n';
    if (!j.descriptor.empty()) {
      out << "descriptor";
      for (const auto& e : j.descriptor) {
        out << ' ' << e.field << (e.op == '=' ? "=" : e.op == '+' ? "+=" : "-=") << std::dec << e.value;
      }
      out << '\n';
    }
    write_hex_matrix(out, "x", widen_words(j.x), D, 4);
    write_weights(out, j, "w_up", "s_up", F, D, j.w_up, j.q_up);
    if (j.gated) write_weights(out, j, "w_gate", "s_gate", F, D, j.w_gate, j.q_gate);
    write_weights(out, j, "w_down", "s_down", D, F, j.w_down, j.q_down);
    if (j.expect_h) write_hex_matrix(out, "expect_h", widen_words(*j.expect_h), F, 4);
    if (j.expect_y) write_hex_matrix(out, "expect_y", widen_words(*j.expect_y), D, 4);
    if (j.expect_completion) out << "expect_completion " << to_string(*j.expect_completion) << '\n';
    out << "end\n";
  }
}

}  // namespace monde::ndp
