// The rows both halves of SqliteStore's webhooks write (sqlite_store_webhooks.cpp: endpoints
// and requests; sqlite_store_dispatch.cpp: the dispatcher's): a parked delivery, at an ord its
// endpoint handed out.
#pragma once

#include "common/result.hpp"
#include "store/sqlite/connection.hpp"
#include "store/webhook_store.hpp"

#include <cstdint>
#include <string_view>

namespace contactsd::store::sqlite {

Error NoSuchWebhook();

// A parked delivery at `ord`: `attempts` made, in `state`, due at `due_at_ms`.
Status InsertDelivery(Connection& writer, std::string_view org_id, std::string_view endpoint_id,
                      std::int64_t ord, const NewDelivery& delivery, std::string_view state,
                      int attempts, std::int64_t due_at_ms, std::int64_t now_ms);

// The endpoint's next ord after a write that took some: the first of them is next - taken.
Result<std::int64_t> NextOrd(Connection& writer, std::string_view org_id,
                             std::string_view endpoint_id);

}  // namespace contactsd::store::sqlite
