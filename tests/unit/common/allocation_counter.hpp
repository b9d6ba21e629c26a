// For tests: every heap allocation of the test binary is counted, so that a hot path's promise
// (nothing from the heap) can be checked. allocation_counter.cpp replaces the global operator
// new, which a binary may do only once: a test binary lists it among its sources at most once,
// and nothing else in it may replace operator new.
#pragma once

namespace contactsd::test {

// The allocations through the global operator new so far, from every thread.
long HeapAllocations();

// The allocations made by `run`.
template <class Run>
long AllocationsOf(Run run) {
  const long before = HeapAllocations();
  run();
  return HeapAllocations() - before;
}

}  // namespace contactsd::test
