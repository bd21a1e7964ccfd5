// Host-side cancellation of a run (SIGINT from Ctrl-C, or SIGTERM from a scheduler): the
// handlers only record the signal; the policy runner and the sweep look at it between layers
// (points), stop what runs, keep what finished, write it, and exit with 128 + the signal's number
// (130 for SIGINT, 143 for SIGTERM), the shell's convention for a program ended by a signal.
// A second signal stops the child processes at once (SIGKILL): what they finished is still written.
#pragma once

namespace monde::system {

// Installs the SIGINT and SIGTERM handlers (idempotent). Forked children inherit them.
void install_cancel_handlers();
// The number of the first cancelling signal received, 0 while none.
int cancel_signal();
// How many cancelling signals arrived (a second one means "stop now").
int cancel_count();
// 128 + cancel_signal(): the exit status of a cancelled run.
int cancelled_exit_status();
// "SIGINT" / "SIGTERM" (or "signal N").
const char* cancel_signal_name();

}  // namespace monde::system
