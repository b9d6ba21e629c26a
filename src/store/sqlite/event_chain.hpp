// A contact's events in the SQLite change log, found by walking its chains instead of an index.
//
// Each event names the previous event of its contact in the same tenant's log (events.prev_seq;
// 0: none), and each chain's head sits in a row the write touches anyway: the contact's own row
// (contacts.last_event_seq), an unlock's row (unlocks.event_seq: the contact.unlocked event in
// the unlocking org's log), or, once a contact is erased, its contact.erased event (a partial
// index holds only those). A contact seen by two tenants (the prospects catalogue and an org
// that unlocked it) has a chain in each log; the walk merges them newest first.
//
// Why: an index on (org_id, contact_id) puts every new event on the random leaf page holding its
// contact's entries, one more page written (WAL, sync, checkpoint) per write; the chain only
// appends. A link whose event retention pruned ends its chain: retention deletes a prefix of
// the log, so everything older is gone too.
//
// The walks run on any connection (the reads on a reader, Erase on the writer in the write's
// transaction). Their cost grows with the events walked: History with the page asked for (a
// cursor jumps straight to its event), Feed with the contact's events after the cursor (up to
// kMaxFeedWalk).
#pragma once

#include "store/sqlite/connection.hpp"
#include "store/store.hpp"

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace contactsd::store::sqlite::event_chain {

// The seqs of the contact's events, newest first, below query.before_seq (0: from the newest),
// at most query.limit.
Result<std::vector<std::int64_t>> History(Connection& reader, const HistoryQuery& query);

// How many of a contact's events the feed's walk visits at most. Past that, the contact has so
// many events after the cursor that they are dense in its tenant's log, where the caller finds
// them instead (by a scan from the cursor): the walk never runs unbounded.
inline constexpr int kMaxFeedWalk = 10'000;

// The seqs of query.contact_id's events after query.after (of query.type, if given), oldest
// first, at most query.limit; nothing when the contact has more than `max_walk` events after
// the cursor. REQUIRES: query.contact_id is not empty.
Result<std::optional<std::vector<std::int64_t>>> Feed(Connection& reader, const EventQuery& query,
                                                      int max_walk = kMaxFeedWalk);

// Deletes every event of the contact: its chain in its tenant's log and the unlocks' in the
// logs of the orgs that unlocked it. Returns how many were deleted. Run before the contact's row
// goes (it holds the head).
Result<int> Erase(Connection& writer, std::string_view org_id, std::string_view contact_id);

}  // namespace contactsd::store::sqlite::event_chain
