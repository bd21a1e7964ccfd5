// Writing output files so that nothing is ever left half-written: every write is checked (the
// path and the reason in the error), and a file that replaces another is written under a
// temporary name next to it and renamed over it only when complete, so a run stopped part-way
// (SIGKILL, a full disk) leaves the previous file or the new one, never a truncated one.
#pragma once

#include <fstream>
#include <string>

namespace monde::system {

// Writes `text` to `path` in place, checking every step. std::runtime_error naming the path.
void write_text_file(const std::string& path, const std::string& text);
// The same through a temporary file renamed over `path` (unique per process, so two processes
// writing the same file never share the temporary).
void write_file_atomically(const std::string& path, const std::string& text);
// Creates `dir` and checks that files can be written in it (before simulating).
void check_output_dir(const std::string& dir);

// A file assembled piece by piece (text and copies of other files), published by commit().
// Destroyed without commit(), the temporary is removed and `path` is untouched. A path that
// exists and is not a regular file (/dev/null, a FIFO) is written in place.
class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const std::string& text);
  void append_file(const std::string& other);  // the whole of another file, streamed
  void commit();                               // checks, closes and renames over path
  const std::string& path() const { return path_; }

 private:
  void check(const char* what);
  std::string path_, tmp_;
  std::ofstream out_;
  bool in_place_ = false;
  bool committed_ = false;
};

}  // namespace monde::system
