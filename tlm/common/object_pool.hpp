// Per-transaction bookkeeping objects reused instead of allocated for every transaction: on the
// memory path a heap allocation and a shared_ptr's atomic reference counts per request were a
// measurable share of the wall time (README "Benchmarks", DRAM through TLM). The owner acquires
// an object and releases it once nothing refers to it any more; which object is handed out is
// not observable. An acquired object is value-initialised, as a fresh one would be, or, when T
// has a reset() member, in the state reset() leaves it (which may keep buffers' capacity).
#pragma once

#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

namespace monde {

template <class T, class = void>
constexpr bool kHasReset = false;
template <class T>
constexpr bool kHasReset<T, std::void_t<decltype(std::declval<T&>().reset())>> = true;

template <class T>
class ObjectPool {
 public:
  T* acquire() {
    if (free_.empty()) {
      all_.push_back(std::make_unique<T>());
      return all_.back().get();
    }
    T* p = free_.back();
    free_.pop_back();
    if constexpr (kHasReset<T>) {
      p->reset();
    } else {
      *p = T{};
    }
    return p;
  }
  void release(T* p) { free_.push_back(p); }

 private:
  std::vector<std::unique_ptr<T>> all_;
  std::vector<T*> free_;
};

}  // namespace monde
