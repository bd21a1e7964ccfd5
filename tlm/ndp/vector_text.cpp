#include "tlm/ndp/vector_text.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <istream>
#include <ostream>
#include <sstream>

#include "core/config/experiment_document.hpp"  // shown_text

namespace monde::ndp {

std::string read_vector_text_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw VectorFormatError(path + ": is a directory, not a vector file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw VectorFormatError(path + ": cannot open vector file");
  // Bounded, so that /dev/zero or a runaway pipe fails instead of exhausting memory. The
  // largest tile of a 16 x 16 array with k = 2^20 is about 170 MB of text.
  constexpr std::size_t kMaxVectorFileBytes = std::size_t{512} << 20;
  std::string text;
  char chunk[65536];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    text.append(chunk, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxVectorFileBytes) {
      throw VectorFormatError(path + ": larger than " + std::to_string(kMaxVectorFileBytes >> 20) +
                              " MiB; allowed a vector file up to that size");
    }
  }
  if (in.bad()) throw VectorFormatError(path + ": read error in the vector file");
  return text;
}

VectorReader::VectorReader(std::istream& in, std::string source) : in_(in), source_(std::move(source)) {}

bool VectorReader::next(std::vector<std::string>& words) {
  std::string line;
  while (std::getline(in_, line)) {
    ++line_no_;
    if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    std::istringstream ss(line);
    words.clear();
    for (std::string w; ss >> w;) words.push_back(w);
    if (!words.empty()) return true;
  }
  return false;
}

void VectorReader::fail(const std::string& what) const {
  throw VectorFormatError(source_ + ":" + std::to_string(line_no_) + ": " + what);
}

namespace {
std::string with_article(const std::string& what) {
  return (what.empty() || std::string("aeiou").find(what[0]) == std::string::npos ? "a " : "an ") + what;
}
}  // namespace

std::uint32_t parse_hex(const VectorReader& rd, const std::string& word, unsigned max_digits, const std::string& what) {
  std::size_t start = (word.size() > 2 && word[0] == '0' && (word[1] == 'x' || word[1] == 'X')) ? 2 : 0;
  const std::size_t digits = word.size() - start;
  if (digits == 0 || digits > max_digits) {
    rd.fail("'" + config::shown_text(word) + "' is not " + with_article(what) + " hex word; expected 1.." + std::to_string(max_digits) +
            " hex digits, optionally after 0x");
  }
  std::uint32_t v = 0;
  for (std::size_t i = start; i < word.size(); ++i) {
    const char ch = word[i];
    if (!std::isxdigit(static_cast<unsigned char>(ch))) {
      rd.fail("'" + config::shown_text(word) + "' is not " + with_article(what) + " hex word (bad digit '" + config::shown_text(std::string(1, ch)) +
              "'); expected hex digits 0-9, a-f, A-F");
    }
    v = v * 16 + static_cast<std::uint32_t>(std::isdigit(static_cast<unsigned char>(ch)) ? ch - '0'
                                                                                         : std::tolower(ch) - 'a' + 10);
  }
  return v;
}

std::uint64_t parse_uint(const VectorReader& rd, const std::string& text, const std::string& field, std::uint64_t lo,
                         std::uint64_t hi) {
  std::uint64_t v = 0;
  bool ok = !text.empty() && text.size() <= 19;
  for (char ch : text) ok = ok && std::isdigit(static_cast<unsigned char>(ch));
  if (ok) v = std::stoull(text);
  if (!ok || v < lo || v > hi) {
    rd.fail(field + " = '" + config::shown_text(text) + "': allowed an integer in " + std::to_string(lo) + ".." + std::to_string(hi));
  }
  return v;
}

std::vector<std::uint32_t> read_hex_matrix(VectorReader& rd, const std::string& section, std::size_t nrows,
                                           std::size_t ncols, unsigned max_digits, const std::string& what) {
  std::vector<std::uint32_t> m;
  // The header's sizes are only claims: a 40-byte file saying rows=4096 k=1048576 must fail at
  // its missing rows, not allocate 8 GiB up front (found by fuzzing). Grow with what is read.
  m.reserve(std::min<std::size_t>(nrows * ncols, std::size_t{1} << 16));
  std::vector<std::string> words;
  for (std::size_t r = 0; r < nrows; ++r) {
    if (!rd.next(words)) rd.fail("section '" + section + "' ends early: expected " + std::to_string(nrows) + " rows");
    if (words.size() != ncols) {
      rd.fail("section '" + section + "' row " + std::to_string(r) + " has " + std::to_string(words.size()) +
              " words, expected " + std::to_string(ncols));
    }
    for (const auto& w : words) m.push_back(parse_hex(rd, w, max_digits, what));
  }
  return m;
}

void write_hex_matrix(std::ostream& out, const std::string& section, const std::vector<std::uint32_t>& m,
                      std::size_t ncols, int digits) {
  out << section << '\n';
  for (std::size_t i = 0; i < m.size(); ++i) {
    out << std::setw(digits) << std::setfill('0') << std::hex << std::uppercase << m[i] << std::dec;
    out << ((i + 1) % ncols == 0 ? '\n' : ' ');
  }
}

}  // namespace monde::ndp
