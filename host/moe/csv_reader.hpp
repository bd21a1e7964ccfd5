// A small CSV reader for the routing statistics files: comma-separated, first line a header,
// fields optionally in double quotes ("" inside quotes is one quote), LF or CRLF line ends
// (the shared data files use CRLF). No multi-line fields. Errors are config::ConfigError naming file:line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace monde::moe {

class CsvTable {
 public:
  // Reads and splits the whole file; every row must have as many fields as the header.
  static CsvTable load(const std::string& path);
  // Same for text already in memory; `source` names it in errors.
  static CsvTable parse(const std::string& text, const std::string& source);

  const std::string& source() const { return source_; }
  const std::vector<std::string>& header() const { return header_; }
  std::size_t rows() const { return rows_.size(); }
  bool has_column(const std::string& name) const;
  // Index of a header column; config::ConfigError naming the file if it is absent.
  std::size_t column(const std::string& name) const;

  const std::string& field(std::size_t row, std::size_t col) const { return rows_[row][col]; }
  // The field as a non-negative integer; config::ConfigError "file:line: column 'x' ..." otherwise.
  std::uint64_t uint_field(std::size_t row, std::size_t col) const;
  // "file:line" of a data row, for messages.
  std::string where(std::size_t row) const;

 private:
  std::string source_;
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<std::size_t> line_of_row_;
};

}  // namespace monde::moe
