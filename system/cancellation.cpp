#include "system/cancellation.hpp"

#include <signal.h>

#include <atomic>

namespace monde::system {

namespace {

volatile sig_atomic_t g_signal = 0;
volatile sig_atomic_t g_count = 0;

extern "C" void on_cancel(int sig) {
  if (g_signal == 0) g_signal = sig;
  g_count = g_count + 1;
}

}  // namespace

void install_cancel_handlers() {
  static std::atomic<bool> installed{false};
  if (installed.exchange(true)) return;
  struct sigaction sa {};
  sa.sa_handler = on_cancel;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a blocking poll()/waitpid() returns EINTR and looks at the flag
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

int cancel_signal() { return g_signal; }

int cancel_count() { return g_count; }

int cancelled_exit_status() { return 128 + g_signal; }

const char* cancel_signal_name() {
  switch (g_signal) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    default:
      return "a signal";
  }
}

}  // namespace monde::system
