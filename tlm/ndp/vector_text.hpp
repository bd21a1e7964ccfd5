// The text both testbench vector formats share (`monde-sim mac`, docs/mac_vectors.md, and
// `monde-sim ndp`, docs/ndp_vectors.md): lines of words with '#' comments, raw hex words, and
// errors as "file:line: what" naming what is allowed.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <vector>

namespace monde::ndp {

// what() is "file:line: message" (or "file: message" for the file as a whole).
class VectorFormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The whole text of a vector file: a directory, a missing file, a read error or more than
// 512 MiB (/dev/zero, a runaway pipe) is a VectorFormatError naming the path.
std::string read_vector_text_file(const std::string& path);

class VectorReader {
 public:
  VectorReader(std::istream& in, std::string source);

  // Next non-empty line with comments stripped, split into words; false at end of file.
  bool next(std::vector<std::string>& words);
  // Throws VectorFormatError "source:line: what" for the line read last.
  [[noreturn]] void fail(const std::string& what) const;
  int line() const { return line_no_; }
  const std::string& source() const { return source_; }

 private:
  std::istream& in_;
  std::string source_;
  int line_no_ = 0;
};

// A raw encoding of 1..max_digits hex digits with an optional 0x prefix; `what` names the kind
// ("bf16", "fp32", "int8 code") in the message.
std::uint32_t parse_hex(const VectorReader& rd, const std::string& word, unsigned max_digits, const std::string& what);

// A decimal integer in lo..hi; `field` names it in the message.
std::uint64_t parse_uint(const VectorReader& rd, const std::string& text, const std::string& field, std::uint64_t lo,
                         std::uint64_t hi);

// `nrows` lines of exactly `ncols` hex words (row-major), after the line naming `section`.
std::vector<std::uint32_t> read_hex_matrix(VectorReader& rd, const std::string& section, std::size_t nrows,
                                           std::size_t ncols, unsigned max_digits, const std::string& what);

// `section` on its own line, then the words `ncols` to a line, each `digits` upper-case hex digits.
void write_hex_matrix(std::ostream& out, const std::string& section, const std::vector<std::uint32_t>& m,
                      std::size_t ncols, int digits);

// Widening / narrowing copies between a typed matrix and read_hex_matrix's words.
template <typename T>
std::vector<T> narrow_words(const std::vector<std::uint32_t>& w) {
  return std::vector<T>(w.begin(), w.end());
}
template <typename T>
std::vector<std::uint32_t> widen_words(const std::vector<T>& m) {
  return std::vector<std::uint32_t>(m.begin(), m.end());
}

}  // namespace monde::ndp
