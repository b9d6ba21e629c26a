// A place in the change log (store.hpp's Event), apart so that headers that only name positions
// need not include the whole Store.
#pragma once

#include <compare>
#include <cstdint>

namespace contactsd::store {

// A place in a tenant's change log: events are read in (txid, seq) order. `seq` is unique
// across the database; `txid` is 0 on SQLite (one writer: commit order is seq order) and the
// PostgreSQL transaction id of the write there (see docs/events.md: why a reader orders by
// it and reads only transactions older than every running one).
struct EventPosition {
  std::int64_t txid = 0;
  std::int64_t seq = 0;
  auto operator<=>(const EventPosition&) const = default;
};

}  // namespace contactsd::store
