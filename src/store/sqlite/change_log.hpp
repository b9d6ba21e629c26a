// The SQLite backend's change log: the only code that writes the contacts table. Each write
// stores the contact and appends its event with the same connection, inside the caller's
// transaction (a write of the group-committed batch, in its savepoint): both commit together,
// or both roll back with the savepoint. The statements that write contacts are private to
// change_log.cpp, so no other write path can store a contact without its event.
#pragma once

#include "store/sqlite/connection.hpp"
#include "store/sqlite/event_chain.hpp"
#include "store/store.hpp"

#include <vector>

namespace contactsd::store::sqlite::change_log {

// Inserts the contact (version 1) and its "contact.created" event. Returns false, having
// written nothing, when the tenant has a contact with this id already.
Result<bool> InsertContact(Connection& writer, const Contact& contact, const ChangeOrigin& origin);

// Writes `write` over `current` (loaded in this transaction), which becomes the contact as
// stored (version + 1), and appends the event (its type from the archive marks; its prior
// from the write).
Status UpdateContact(Connection& writer, Contact& current, ContactWrite&& write,
                     const ChangeOrigin& origin);

// Writes `rewrite(current)` over `current` as UpdateContact does: a delete's rewrite of the
// contacts holding what went (a collection entry's id, a custom field's value), its updated_at
// max(now_ms, updated_at), its archive marks kept. `rewrite`'s error is returned, nothing
// written.
Status RewriteContact(Connection& writer, Contact& current, const DocRewrite& rewrite,
                      std::int64_t now_ms, const ChangeOrigin& origin);

// Erases the contact (its keys already gone) and every event of it in any tenant's log, and
// appends its "contact.erased". False, having written nothing, when there is no such contact.
Result<bool> EraseContact(Connection& writer, std::string_view org_id, std::string_view id,
                          std::int64_t now_ms, const ChangeOrigin& origin);

// Deletes a tenant's contacts and its whole log (the org is being deleted): no event, since the
// log goes too. Returns {"contacts", n}, {"events", n}.
Result<std::vector<std::pair<std::string, std::int64_t>>> DeleteTenant(Connection& writer,
                                                                       std::string_view org_id);

// Appends an event that changes no contact (an unlock, a custom field's definition); returns
// its seq.
Result<std::int64_t> AppendEvent(Connection& writer, const Event& event);

// The reads, on any connection.
// ListEvents walks at most `max_walk` events of a filtered contact's chains (tests lower it).
Result<std::vector<Event>> ListEvents(Connection& reader, const EventQuery& query,
                                      int max_walk = event_chain::kMaxFeedWalk);
Result<std::vector<Event>> ListHistory(Connection& reader, const HistoryQuery& query);
// The events at these seqs (ascending or descending), in that order: those the log still has.
Result<std::vector<Event>> EventsAt(Connection& reader, const std::vector<std::int64_t>& seqs);
// Retention (Store::PruneEvents, EventHorizon).
Result<int> Prune(Connection& writer, std::int64_t cutoff_ms, int max_events);
Result<std::int64_t> Horizon(Connection& reader, const std::vector<std::string>& tenants);

// The time before which retention has deleted the tenant's events (0: it has deleted none): a
// contact last changed before it may have no event left in the log.
Result<std::int64_t> PrunedBefore(Connection& reader, std::string_view org_id);

// The last seq ever taken (AUTOINCREMENT's record of it), as text.
Result<std::string> Watermark(Connection& reader);

}  // namespace contactsd::store::sqlite::change_log
