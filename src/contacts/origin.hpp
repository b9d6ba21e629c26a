// Who a change made for a principal is recorded as made by (store::Event::origin).
#pragma once

#include "common/principal.hpp"
#include "store/store.hpp"

namespace contactsd::contacts {

inline store::ChangeOrigin OriginOf(const Principal& who) {
  return {who.credential, who.subject, who.request_id};
}

}  // namespace contactsd::contacts
