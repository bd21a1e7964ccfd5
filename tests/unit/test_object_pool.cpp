// ObjectPool (tlm/common/object_pool.hpp): reuse must be unobservable, so an acquired object is
// in the state a fresh one has (value-initialised, or what T::reset() leaves).
#include <gtest/gtest.h>

#include <vector>

#include "tlm/common/object_pool.hpp"

namespace {

struct Plain {
  int a = 7;
  bool b = false;
};

struct WithReset {
  std::vector<int> v;
  int n = 0;
  void reset() {  // keeps the buffer, as the link's host jobs do
    v.clear();
    n = 0;
  }
};

TEST(ObjectPool, ReusesReleasedObjectsInTheFreshState) {
  monde::ObjectPool<Plain> pool;
  Plain* p = pool.acquire();
  EXPECT_EQ(p->a, 7);
  p->a = 42;
  p->b = true;
  pool.release(p);
  Plain* q = pool.acquire();
  EXPECT_EQ(q, p);  // the released one comes back ...
  EXPECT_EQ(q->a, 7);  // ... as new
  EXPECT_FALSE(q->b);
  Plain* r = pool.acquire();  // none free: a new one
  EXPECT_NE(r, q);
}

TEST(ObjectPool, ResetMemberDecidesTheFreshState) {
  monde::ObjectPool<WithReset> pool;
  WithReset* p = pool.acquire();
  p->v.assign(100, 1);
  p->n = 3;
  const auto* buffer = p->v.data();
  pool.release(p);
  WithReset* q = pool.acquire();
  ASSERT_EQ(q, p);
  EXPECT_TRUE(q->v.empty());
  EXPECT_EQ(q->n, 0);
  EXPECT_GE(q->v.capacity(), 100u);  // reset() kept the capacity
  q->v.push_back(5);
  EXPECT_EQ(q->v.data(), buffer);  // no new allocation
}

}  // namespace
