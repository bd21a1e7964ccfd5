#include "host/moe/csv_reader.hpp"

#include <fstream>
#include <limits>
#include <sstream>

#include "core/config/config_node.hpp"
#include "core/config/experiment_document.hpp"

namespace monde::moe {

namespace {

std::vector<std::string> split_line(const std::string& line, const std::string& where) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  bool was_quoted = false;  // the current field started with a quote
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c != '"') {
        fields.back() += c;
      } else if (i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else {
        quoted = false;
      }
    } else if (c == ',') {
      fields.emplace_back();
      was_quoted = false;
    } else if (c == '"' && fields.back().empty() && !was_quoted) {
      quoted = true;
      was_quoted = true;
    } else if (was_quoted) {
      throw config::ConfigError(where + ": text after a closing quote; expected ',' or the end of the line");
    } else {
      fields.back() += c;
    }
  }
  if (quoted) throw config::ConfigError(where + ": unterminated quoted field; expected its closing '\"' on the same line");
  return fields;
}

}  // namespace

CsvTable CsvTable::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw config::ConfigError(path + ": cannot open CSV file");
  std::ostringstream buf;
  buf << in.rdbuf();
  return parse(buf.str(), path);
}

CsvTable CsvTable::parse(const std::string& text, const std::string& source) {
  CsvTable t;
  t.source_ = source;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;  // blank lines, e.g. a trailing one
    const std::string where = source + ":" + std::to_string(line_no);
    std::vector<std::string> fields = split_line(line, where);
    if (t.header_.empty()) {
      t.header_ = std::move(fields);
      continue;
    }
    if (fields.size() != t.header_.size()) {
      throw config::ConfigError(where + ": " + std::to_string(fields.size()) + " fields, the header has " +
                        std::to_string(t.header_.size()) + "; expected " + std::to_string(t.header_.size()) +
                        " comma-separated fields");
    }
    t.rows_.push_back(std::move(fields));
    t.line_of_row_.push_back(line_no);
  }
  if (t.header_.empty()) {
    throw config::ConfigError(source + ": empty CSV file (no header line); expected a header line, then one row per line");
  }
  return t;
}

bool CsvTable::has_column(const std::string& name) const {
  for (const auto& h : header_) {
    if (h == name) return true;
  }
  return false;
}

std::size_t CsvTable::column(const std::string& name) const {
  for (std::size_t i = 0; i < header_.size(); ++i) {
    if (header_[i] == name) return i;
  }
  throw config::ConfigError(source_ + ":1: no column '" + config::shown_text(name) + "' in the header; expected it among the header's columns");
}

std::string CsvTable::where(std::size_t row) const { return source_ + ":" + std::to_string(line_of_row_.at(row)); }

std::uint64_t CsvTable::uint_field(std::size_t row, std::size_t col) const {
  const std::string& s = rows_.at(row).at(col);
  const auto bad = [&]() {
    return config::ConfigError(where(row) + ": column '" + config::shown_text(header_[col]) + "' = \"" + config::shown_text(s) +
                       "\" must be a non-negative integer (allowed 0.." +
                       std::to_string(std::numeric_limits<std::uint64_t>::max()) + ")");
  };
  if (s.empty() || s.size() > 20) throw bad();
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') throw bad();
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (v > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) throw bad();
    v = v * 10 + digit;
  }
  return v;
}

}  // namespace monde::moe
