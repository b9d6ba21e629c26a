// What the Store interface implements itself: the defaults a backend may override.
#include "store/store.hpp"

#include <utility>

namespace contactsd::store {

// A backend whose writes block (PostgreSQL: a round trip per statement) answers at once, on the
// caller's thread; that caller is a thread that may block (Store::QueuesWrites() is false).
void Store::UpdateContactAsync(std::string_view org_id, std::string_view id, Mutation mutate,
                               UpdateScope /*scope*/, ContactDone done) {
  done(UpdateContact(org_id, id, mutate));
}

}  // namespace contactsd::store
