// Corpus replay for the fuzz targets without libFuzzer: feeds every file named on the command
// line (directories: every regular file below them, in name order) to the target's
// LLVMFuzzerTestOneInput, once each. It builds with any compiler, so `make test` replays the
// seed corpora (tests/fuzz/corpus/<target>/) and the crash regressions with the normal build;
// `make fuzz` links the same target with libFuzzer instead (MONDE_FUZZ).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MONDE_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define MONDE_ASAN 1
#endif
#ifdef MONDE_ASAN
#include <sanitizer/lsan_interface.h>
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  std::vector<std::filesystem::path> files;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path p(argv[i]);
    if (std::filesystem::is_directory(p)) {
      for (const auto& e : std::filesystem::recursive_directory_iterator(p)) {
        if (e.is_regular_file()) files.push_back(e.path());
      }
    } else if (std::filesystem::is_regular_file(p)) {
      files.push_back(p);
    } else {
      std::cerr << argv[0] << ": " << p.string() << ": no such file or directory\n";
      return 2;
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::cerr << argv[0] << ": no inputs; usage: " << argv[0] << " FILE_OR_DIR...\n";
    return 2;
  }
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) {
      std::cerr << argv[0] << ": " << f.string() << ": read failed\n";
      return 2;
    }
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  }
#ifdef MONDE_ASAN
  // The leak check now, while this stack is still scanned: after SystemC's coroutines have run,
  // the check at exit no longer sees what main()'s own frame holds (fuzz_ndp_descriptor.cpp).
  if (__lsan_do_recoverable_leak_check() != 0) return 1;
#endif
  std::cout << files.size() << " inputs replayed, 0 failures\n";
  return 0;
}
