// Where each key of a resolved configuration came from, and where the relative paths written in
// it are looked up. An experiment is assembled from several places (a model preset, a device
// preset, the experiment file's overrides, --set on the command line); an error must name the
// place the bad value was written, not the experiment file, and a relative path is read from the
// directory of the file it was written in.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace monde::config {

// The path of `key` below `parent` (empty: the top level), as provenance records it and messages
// show it: parent.key, or parent["key"] (a JSON string) when the key itself holds '.', '[' or
// ']', so that a top-level key named "model.device" is not taken for the key device of model.
std::string child_path(const std::string& parent, const std::string& key);

class Provenance {
 public:
  explicit Provenance(std::string base) : base_(std::move(base)) {}
  // Keys at `path` and below came from `source` (a later call for the same or a deeper path wins).
  void set(const std::string& path, const std::string& source);
  // The source of `path`: the deepest recorded prefix of it (whole components only), else the base.
  const std::string& source_of(const std::string& path) const;
  // Who wrote the key `path` itself: a key that only exists because something below it was
  // written (a misspelt section in --set a.b.c=1) names that writer; else source_of(path).
  const std::string& writer_of(const std::string& path) const;
  const std::string& base() const { return base_; }

  // Searched, in order, for a relative path that is not found next to the file it was written in
  // (routing traces, GPU profiles): the data search path (--data-dir, MONDE_DATA_DIR, shared/data).
  std::vector<std::string> data_dirs;

 private:
  std::string base_;
  std::vector<std::pair<std::string, std::string>> entries_;
};

}  // namespace monde::config
