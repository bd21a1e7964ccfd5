// CxlMemExtension on a generic payload: clone/copy_from, responses, poison. Needs the SystemC
// library (extension IDs are registered there) but no elaboration; sc_main runs the tests
// because libsystemc provides main().
#include <gtest/gtest.h>

#include <memory>

#include <tlm>

#include "tlm/cxl/cxl_mem_extension.hpp"

namespace monde::cxl {
namespace {

CxlMemExtension read_request() {
  auto req = make_message(CxlMemOpcode::kMemRd, 0x1234, 0x40'0000'0040);
  req.ld_id = 3;
  return CxlMemExtension(req);
}

TEST(CxlMemExtension, ResponsesTakeTheRequestTagAndLdId) {
  auto ext = read_request();
  ext.add_response(CxlMemOpcode::kMemData);
  ASSERT_EQ(ext.responses.size(), 1u);
  EXPECT_EQ(ext.responses[0].msg_class, CxlMsgClass::kS2MDrs);
  EXPECT_EQ(ext.responses[0].tag, 0x1234);
  EXPECT_EQ(ext.responses[0].ld_id, 3);
  EXPECT_FALSE(ext.response_poisoned());
  ext.add_response(CxlMemOpcode::kCmp);
  EXPECT_EQ(ext.responses[1].msg_class, CxlMsgClass::kS2MNdr);
  ext.clear_responses();
  EXPECT_TRUE(ext.responses.empty());
}

TEST(CxlMemExtension, PoisonOnlyOnDataResponses) {
  auto ext = read_request();
  ext.add_response(CxlMemOpcode::kMemData, true);
  EXPECT_TRUE(ext.response_poisoned());
  EXPECT_THROW(ext.add_response(CxlMemOpcode::kCmp, true), std::invalid_argument);
  EXPECT_THROW(ext.add_response(CxlMemOpcode::kMemRd), std::invalid_argument);
}

TEST(CxlMemExtension, CloneAndCopyFromAreDeep) {
  auto ext = read_request();
  ext.add_response(CxlMemOpcode::kMemData, true);
  // tlm_extension_base has a protected destructor; free() is the way to delete one.
  auto release = [](tlm::tlm_extension_base* e) { e->free(); };
  std::unique_ptr<tlm::tlm_extension_base, decltype(release)> c(ext.clone(), release);
  auto* copy = dynamic_cast<CxlMemExtension*>(c.get());
  ASSERT_NE(copy, nullptr);
  ext.responses.clear();  // the clone owns its own response list
  ASSERT_EQ(copy->responses.size(), 1u);
  EXPECT_TRUE(copy->response_poisoned());
  EXPECT_EQ(copy->request.address, 0x40'0000'0040u);

  CxlMemExtension target;
  target.copy_from(*copy);
  EXPECT_EQ(target.request.tag, 0x1234);
  EXPECT_TRUE(target.response_poisoned());
}

TEST(CxlMemExtension, TravelsOnAGenericPayload) {
  tlm::tlm_generic_payload gp;
  auto* ext = new CxlMemExtension(read_request());
  gp.set_extension(ext);  // gp owns it now (no memory manager: deleted with gp)
  CxlMemExtension* got = nullptr;
  gp.get_extension(got);
  ASSERT_EQ(got, ext);
  got->add_response(CxlMemOpcode::kMemData);

  tlm::tlm_generic_payload other;
  other.deep_copy_from(gp);  // clones extensions the target does not have yet
  CxlMemExtension* copied = nullptr;
  other.get_extension(copied);
  ASSERT_NE(copied, nullptr);
  EXPECT_NE(copied, ext);
  EXPECT_EQ(copied->responses.size(), 1u);
}

}  // namespace
}  // namespace monde::cxl

int sc_main(int argc, char* argv[]) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
