#include "system/output_file.hpp"

#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace monde::system {

void write_text_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) throw std::runtime_error(path + ": cannot open for writing: " + std::strerror(errno));
  f << text;
  f.flush();
  if (!f) throw std::runtime_error(path + ": write failed (disk full or a file-size limit?)");
  f.close();
  if (f.fail()) throw std::runtime_error(path + ": closing it failed: " + std::strerror(errno));
}

void write_file_atomically(const std::string& path, const std::string& text) {
  AtomicFile f(path);
  f.write(text);
  f.commit();
}

void check_output_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  if (dir.empty()) throw std::runtime_error("--out: an empty directory name");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw std::runtime_error(dir + ": cannot create the output directory: " + ec.message());
  if (!fs::is_directory(dir, ec)) throw std::runtime_error(dir + ": not a directory");
  const std::string probe = (fs::path(dir) / ".monde-write-check").string();
  write_text_file(probe, "ok\n");
  fs::remove(probe, ec);
}

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  // Something that is not a regular file (/dev/null, a FIFO) is written in place: renaming over
  // it would replace the device node.
  std::error_code ec;
  const auto st = std::filesystem::status(path_, ec);
  in_place_ = std::filesystem::exists(st) && !std::filesystem::is_regular_file(st);
  tmp_ = in_place_ ? path_ : path_ + ".tmp." + std::to_string(::getpid());
  out_.open(tmp_, std::ios::binary | std::ios::trunc);
  if (!out_) throw std::runtime_error(tmp_ + ": cannot open for writing: " + std::strerror(errno));
}

AtomicFile::~AtomicFile() {
  if (committed_) return;
  out_.close();
  if (!in_place_) std::remove(tmp_.c_str());
}

void AtomicFile::check(const char* what) {
  if (!out_) throw std::runtime_error(tmp_ + ": " + what + " failed (disk full or a file-size limit?)");
}

void AtomicFile::write(const std::string& text) {
  out_ << text;
  check("write");
}

void AtomicFile::append_file(const std::string& other) {
  std::ifstream in(other, std::ios::binary);
  if (!in) throw std::runtime_error(other + ": cannot open for reading: " + std::strerror(errno));
  std::array<char, 1 << 16> buf{};
  while (in) {
    in.read(buf.data(), buf.size());
    if (in.gcount() > 0) out_.write(buf.data(), in.gcount());
    check("write");
  }
  if (in.bad()) throw std::runtime_error(other + ": read failed");
}

void AtomicFile::commit() {
  out_.flush();
  check("write");
  out_.close();
  if (out_.fail()) throw std::runtime_error(tmp_ + ": closing it failed: " + std::strerror(errno));
  committed_ = in_place_;
  if (in_place_) return;
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(tmp_.c_str());
    throw std::runtime_error(path_ + ": cannot replace it (rename from " + tmp_ + "): " + why);
  }
  committed_ = true;
}

}  // namespace monde::system
