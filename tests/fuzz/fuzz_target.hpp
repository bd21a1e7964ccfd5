// Shared by the fuzz targets (tests/fuzz/fuzz_*.cpp). Each target defines
// LLVMFuzzerTestOneInput; built with clang's libFuzzer (MONDE_FUZZ, `make fuzz`) it is fuzzed,
// built with replay_main.cpp (every build, ctest `fuzz.replay.*`) it replays the seed corpus.
//
// A target fails (abort, so libFuzzer keeps the input as a crash) when the code under test
// crashes, throws something other than the reader's documented error, breaks an invariant the
// target checks, or rejects an input with a message that does not say where and what is allowed
// (the project's bad-input rule, README "Errors"): every rejection must start with the input's
// name (the file), name a key path or a line, and say what is allowed, expected or must be.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

// Targets that link SystemC: libsystemc.so's own main() calls sc_main(), so the library needs
// the symbol; here main() is libFuzzer's (or replay_main.cpp's), which never calls it.
extern "C" __attribute__((weak)) int sc_main(int, char**) { return 2; }

namespace monde::fuzz {

[[noreturn]] inline void fail(const std::string& what) {
  std::fprintf(stderr, "FUZZ TARGET FAILURE: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

inline void require(bool ok, const std::string& what) {
  if (!ok) fail(what);
}

// Where a rejection points: a JSON key path ("key '...'"), a line ("<source>:<line>:"), or the
// whole input when the problem is the input as a whole ("<source>: no requests ...", which the
// caller allows with `whole_input_ok`).
inline void check_rejection(const std::string& message, const std::string& source, bool whole_input_ok = false) {
  const std::string quoted = "message: \"" + message.substr(0, 400) + "\"";
  require(message.compare(0, source.size(), source) == 0, "rejection does not start with the input's name '" + source +
                                                              "'; " + quoted);
  const bool has_key = message.find("key '") != std::string::npos;
  bool has_line = false;
  if (message.size() > source.size() + 1 && message[source.size()] == ':') {
    const char c = message[source.size() + 1];
    has_line = c >= '0' && c <= '9';
  }
  require(has_key || has_line || whole_input_ok, "rejection names neither a key nor a line; " + quoted);
  // "allowed <range>", "expected <form>", or "must be <what>" (ConfigNode's type errors).
  require(message.find("allowed") != std::string::npos || message.find("expected") != std::string::npos ||
              message.find("must") != std::string::npos,
          "rejection does not say what is allowed or expected; " + quoted);
}

// The same for a JSON configuration: a document whose top level is not an object is reported
// for the whole file ("<source>: the top level must be a JSON object ...").
inline void check_json_rejection(const std::string& message, const std::string& source) {
  check_rejection(message, source, message.find(source + ": the top level must be") == 0);
}

inline std::string text_of(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

}  // namespace monde::fuzz
