#include "common/allocation_counter.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

namespace contactsd::test {
namespace {

// Constant-initialized: allocations made while other globals are constructed are counted too.
std::atomic<long> heap_allocations{0};

}  // namespace

long HeapAllocations() { return heap_allocations.load(); }

}  // namespace contactsd::test

void* operator new(std::size_t size) {
  contactsd::test::heap_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
