// What the Store interface implements itself: the defaults a backend may override.
#include "store/store.hpp"

#include <utility>

namespace contactsd::store {

void ApplyWrite(Contact& current, ContactWrite&& write) {
  current.doc = std::move(write.doc);
  current.version += 1;
  current.updated_at_ms = write.updated_at_ms;
  current.archived_at_ms = write.archived_at_ms;
  current.archived_by = std::move(write.archived_by);
}

// A backend whose writes block (PostgreSQL: a round trip per statement) answers at once, on the
// caller's thread; that caller is a thread that may block (Store::QueuesWrites() is false).
void Store::UpdateContactAsync(std::string_view org_id, std::string_view id, Mutation mutate,
                               UpdateScope /*scope*/, ContactDone done) {
  done(UpdateContact(org_id, id, mutate));
}

}  // namespace contactsd::store
