// The trace player's pacing, against a hand-built target whose one-entry queue is full until it
// says otherwise: when each request is offered, that the player stalls while END_REQ is withheld
// (as DRAMSys's trace player stalls on a full controller queue), offers at most one request per
// clock, and holds STL requests back to their clock. Each TEST elaborates its own design (one per
// process under ctest).
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/peq_with_get.h>
#include <tlm_utils/simple_target_socket.h>

#include "tlm/checker/protocol_checker.hpp"
#include "tlm/memory/request_trace.hpp"
#include "tlm/memory/trace_player.hpp"

namespace monde::mem {
namespace {

constexpr std::uint64_t kTckPs = 1000;  // the player's clock: 1 ns

// A target with a one-entry request queue: a request is accepted (END_REQ) `hold_ps` after it
// arrives, and answered (BEGIN_RESP) `respond_ps` after that. It records the arrival times.
class HoldingTarget : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<HoldingTarget, 64> socket;
  std::vector<std::uint64_t> arrivals_ps;

  SC_HAS_PROCESS(HoldingTarget);
  HoldingTarget(sc_core::sc_module_name name, std::uint64_t hold_ps, std::uint64_t respond_ps)
      : sc_module(name), socket("socket"), hold_ps_(hold_ps), respond_ps_(respond_ps), accept_("accept"),
        respond_("respond") {
    socket.register_nb_transport_fw(this, &HoldingTarget::nb_transport_fw);
    SC_THREAD(accepter);
    SC_THREAD(responder);
  }

 private:
  static std::uint64_t now_ps() { return sc_core::sc_time_stamp().value() / sc_core::sc_time(1, sc_core::SC_PS).value(); }
  static sc_core::sc_time ps(std::uint64_t v) { return sc_core::sc_time(static_cast<double>(v), sc_core::SC_PS); }

  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& t, tlm::tlm_phase& phase, sc_core::sc_time&) {
    if (phase == tlm::BEGIN_REQ) {
      arrivals_ps.push_back(now_ps());
      accept_.notify(t, ps(hold_ps_));
    }
    return tlm::TLM_ACCEPTED;  // END_RESP: nothing to do
  }
  void accepter() {
    for (;;) {
      sc_core::wait(accept_.get_event());
      while (tlm::tlm_generic_payload* t = accept_.get_next_transaction()) {
        tlm::tlm_phase phase = tlm::END_REQ;
        sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
        socket->nb_transport_bw(*t, phase, delay);
        respond_.notify(*t, ps(respond_ps_));
      }
    }
  }
  void responder() {
    for (;;) {
      sc_core::wait(respond_.get_event());
      while (tlm::tlm_generic_payload* t = respond_.get_next_transaction()) {
        t->set_response_status(tlm::TLM_OK_RESPONSE);
        tlm::tlm_phase phase = tlm::BEGIN_RESP;
        sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
        socket->nb_transport_bw(*t, phase, delay);
      }
    }
  }

  std::uint64_t hold_ps_, respond_ps_;
  tlm_utils::peq_with_get<tlm::tlm_generic_payload> accept_;
  tlm_utils::peq_with_get<tlm::tlm_generic_payload> respond_;
};

struct Design {
  Design(const RequestTrace& trace, std::uint64_t hold_ps, std::uint64_t respond_ps)
      : player("player", trace, kTckPs, 64), checker("checker"), target("target", hold_ps, respond_ps) {
    player.socket.bind(checker.target_socket);
    checker.initiator_socket.bind(target.socket);
  }
  TracePlayer player;
  checker::ProtocolChecker<64> checker;
  HoldingTarget target;
};

TEST(TracePlayer, StallsWhileTheTargetWithholdsEndReq) {
  const RequestTrace trace = parse_request_trace("LD 0x0\nLD 0x40\nST 0x80\nLD 0xc0\n", "hand.trace");
  // Each request is held 10 ns before END_REQ. Request 0 is offered at 0 and accepted at 10 ns;
  // the next offer is one clock after the acceptance: 11 ns, accepted at 21 ns; then 22 and 33 ns.
  Design d(trace, 10'000, 5'000);
  sc_core::sc_start();
  EXPECT_EQ(d.target.arrivals_ps, (std::vector<std::uint64_t>{0, 11'000, 22'000, 33'000}));
  EXPECT_TRUE(d.player.done());
  EXPECT_EQ(d.player.reads(), 3u);
  EXPECT_EQ(d.player.writes(), 1u);
  EXPECT_EQ(d.player.errors(), 0u);
  // The last request: accepted at 43 ns, answered 5 ns later.
  EXPECT_EQ(d.player.last_completion_ps(), 48'000u);
}

TEST(TracePlayer, OffersOnePerClockWhenTheQueueAcceptsAtOnce) {
  const RequestTrace trace = parse_request_trace("LD 0x0\nLD 0x40\nLD 0x80\n", "hand.trace");
  // END_REQ comes back in the same instant: one offer per clock, 0, 1 and 2 ns; every request is
  // answered 7 ns after its offer, so responses overlap later offers (any number outstanding).
  Design d(trace, 0, 7'000);
  sc_core::sc_start();
  EXPECT_EQ(d.target.arrivals_ps, (std::vector<std::uint64_t>{0, 1'000, 2'000}));
  EXPECT_EQ(d.player.last_completion_ps(), 9'000u);
}

TEST(TracePlayer, StlRequestsWaitForTheirClockAndForTheQueue) {
  // Clocks 0, 3, 4, 40 at 1 ns. Held 5 ns each: request 0 offered at 0 ns and accepted at 5 ns;
  // request 1 (clock 3) cannot go before 6 ns (the stall), request 2 (clock 4) after 6 + 5 + 1 =
  // 12 ns, request 3 at its clock, 40 ns, the queue having long drained.
  const RequestTrace trace =
      parse_request_trace("0:\tread\t0x0\n3:\tread\t0x40\n4:\twrite\t0x80\n40:\tread\t0xc0\n", "hand.stl");
  Design d(trace, 5'000, 1'000);
  sc_core::sc_start();
  EXPECT_EQ(d.target.arrivals_ps, (std::vector<std::uint64_t>{0, 6'000, 12'000, 40'000}));
  EXPECT_EQ(d.player.last_completion_ps(), 46'000u);
}

}  // namespace
}  // namespace monde::mem

int sc_main(int argc, char* argv[]) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
