// The PostgreSQL backend's change log. Its statements that write contacts append their event
// themselves (sql.cpp: each is one statement with a CTE), so a change and its event commit or
// roll back as one; this file has what the rest of the backend shares: the insert of an event
// that changes no contact, and the reading of events.
#pragma once

#include "store/postgres/query.hpp"
#include "store/store.hpp"

namespace contactsd::store::postgres {

// The insert of `event` (kInsertEvent). REQUIRES: `event` outlives the query's run.
Query EventInsert(const Event& event);

// The update (kUpdateContact) that writes `change` over `contact`, as a delete's rewrite of
// the contacts holding what went (a collection entry's id, a custom field's value): version + 1,
// updated_at max(now_ms, updated_at), the archive marks kept, the event recorded. REQUIRES:
// `contact` and `change` outlive the query's run.
Query RewriteUpdate(const Contact& contact, const DocChange& change, std::int64_t now_ms,
                    const ChangeOrigin& origin);

// A row of kListEvents or kListHistory.
Event ReadEvent(const Rows& rows, int row);

}  // namespace contactsd::store::postgres
