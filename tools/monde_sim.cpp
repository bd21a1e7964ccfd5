// monde-sim: every command of the model in one tool (tools/cli/cli.hpp lists them; README.md
// shows how to use them). main() is ours, not libsystemc's, so that SystemC's banner is switched
// off before the kernel prints it.
#include <cstdlib>

#include <systemc>

#include "tools/cli/cli.hpp"

int sc_main(int argc, char* argv[]) { return monde::tools::run_cli(argc, argv); }

int main(int argc, char* argv[]) {
  ::setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  return sc_core::sc_elab_and_sim(argc, argv);
}
