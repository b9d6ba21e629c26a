#include "store/sqlite/change_log.hpp"

#include "store/event_records.hpp"
#include "store/sqlite/event_chain.hpp"
#include "store/sqlite/rows.hpp"

#include <algorithm>
#include <string>
#include <utility>

namespace contactsd::store::sqlite::change_log {
namespace {

// The statements that write contacts: here and nowhere else (see change_log.hpp).
// Each also sets the head of the contact's chain of events (event_chain.hpp) to the event
// appended just before: ?8 for an insert, the contact.created event, which links to nothing.
constexpr char kInsertContact[] =
    "INSERT INTO contacts (org_id, id, doc, version, created_at, updated_at, archived_at, "
    "archived_by, last_event_seq) VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6, ?7, ?8) "
    "ON CONFLICT DO NOTHING";
constexpr char kDeleteEvent[] = "DELETE FROM events WHERE seq = ?1";
constexpr char kUpdateContact[] =
    "UPDATE contacts SET doc = ?3, version = version + 1, updated_at = ?4, archived_at = ?5, "
    "archived_by = ?6, last_event_seq = ?7 WHERE org_id = ?1 AND id = ?2";
constexpr char kDeleteContact[] = "DELETE FROM contacts WHERE org_id = ?1 AND id = ?2";
constexpr char kDeleteTenantContacts[] = "DELETE FROM contacts WHERE org_id = ?1";
constexpr char kDeleteTenantEvents[] = "DELETE FROM events WHERE org_id = ?1";
constexpr char kDeleteTenantHorizon[] = "DELETE FROM event_horizons WHERE org_id = ?1";
// The event links to the contact's last one in this log: the head its row holds, read before
// the row moves it here (0 for an event of no contact of this tenant's: a custom field, an
// unlock of another tenant's contact, an erasure).
constexpr char kInsertEvent[] =
    "INSERT INTO events (org_id, type, occurred_at, contact_id, actor_type, actor_id, "
    "request_id, version, doc, prior, created_at, updated_at, archived_at, archived_by, prev_seq) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, coalesce("
    "(SELECT last_event_seq FROM contacts WHERE org_id = ?1 AND id = ?4), 0))";
// A contact's first event: no chain to link to.
constexpr char kInsertFirstEvent[] =
    "INSERT INTO events (org_id, type, occurred_at, contact_id, actor_type, actor_id, "
    "request_id, version, doc, prior, created_at, updated_at, archived_at, archived_by, prev_seq) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 0)";

// Columns as read by ReadEvent.
#define CONTACTSD_SQLITE_EVENT_COLUMNS                                                      \
  "seq, org_id, type, occurred_at, contact_id, actor_type, actor_id, request_id, version, " \
  "doc, prior, created_at, updated_at, archived_at, archived_by"

// One statement for one or two tenants (?2 is '' for one): each tenant's events come from its
// own index range, already in seq order, and only `limit` of each are merged.
// The contact filter (?6) is read here only for a contact whose chain is too long to walk
// (event_chain::kMaxFeedWalk).
constexpr char kListEvents[] =
    "SELECT * FROM (SELECT " CONTACTSD_SQLITE_EVENT_COLUMNS
    " FROM events WHERE org_id = ?1 AND seq > ?3 AND (?4 = '' OR type = ?4) "
    "AND (?6 = '' OR contact_id = ?6) ORDER BY seq LIMIT ?5) "
    "UNION ALL SELECT * FROM (SELECT " CONTACTSD_SQLITE_EVENT_COLUMNS
    " FROM events WHERE org_id = ?2 AND seq > ?3 AND (?4 = '' OR type = ?4) "
    "AND (?6 = '' OR contact_id = ?6) ORDER BY seq LIMIT ?5) "
    "ORDER BY seq LIMIT ?5";
// Events by seq (a JSON array of them: one statement for a page), as a chain walk found them.
constexpr char kEventsAt[] = "SELECT " CONTACTSD_SQLITE_EVENT_COLUMNS
                             " FROM events WHERE seq IN (SELECT value FROM json_each(?1))";
#undef CONTACTSD_SQLITE_EVENT_COLUMNS
// The oldest events first: a prefix of the log, never a scan of what is kept.
constexpr char kOldestEvents[] =
    "SELECT seq, org_id, occurred_at FROM events ORDER BY seq LIMIT ?1";
constexpr char kDeleteEventsThrough[] = "DELETE FROM events WHERE seq <= ?1";
constexpr char kRaiseHorizon[] =
    "INSERT INTO event_horizons (org_id, pruned_seq, pruned_before) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (org_id) DO UPDATE SET pruned_seq = max(pruned_seq, excluded.pruned_seq), "
    "pruned_before = max(pruned_before, excluded.pruned_before)";
constexpr char kPrunedBefore[] = "SELECT pruned_before FROM event_horizons WHERE org_id = ?1";
constexpr char kHorizon[] =
    "SELECT coalesce(max(pruned_seq), 0) FROM event_horizons WHERE org_id IN (?1, ?2)";
constexpr char kLastSeq[] = "SELECT seq FROM sqlite_sequence WHERE name = 'events'";

Event ReadEvent(const Statement& row) {
  Event e;
  e.position.seq = row.Int64(0);
  e.org_id = row.Text(1);
  e.type = row.Text(2);
  e.occurred_at_ms = row.Int64(3);
  e.contact.id = row.Text(4);
  e.origin.actor_type = row.Text(5);
  e.origin.actor_id = row.Text(6);
  e.origin.request_id = row.Text(7);
  e.contact.version = row.Int64(8);
  e.contact.doc = row.Text(9);
  e.prior = row.Text(10);
  e.contact.created_at_ms = row.Int64(11);
  e.contact.updated_at_ms = row.Int64(12);
  e.contact.archived_at_ms = row.OptionalInt64(13);
  e.contact.archived_by = row.Text(14);
  e.contact.org_id = e.org_id;
  return e;
}

// Appends the event; returns its seq.
Result<std::int64_t> Append(Connection& writer, std::string_view org_id, std::string_view type,
                            std::int64_t occurred_at_ms, const Contact& contact,
                            std::string_view prior, const ChangeOrigin& origin,
                            bool first = false) {
  auto stmt = writer.Prepare(first ? kInsertFirstEvent : kInsertEvent);
  if (!stmt) return std::move(stmt).error();
  stmt->Bind(1, org_id).Bind(2, type).Bind(3, occurred_at_ms);
  stmt->BindTextOrNull(4, contact.id);
  stmt->Bind(5, origin.actor_type).Bind(6, origin.actor_id).Bind(7, origin.request_id);
  stmt->Bind(8, first ? std::int64_t{1} : contact.version);
  stmt->Bind(9, contact.doc).BindTextOrNull(10, prior);
  stmt->Bind(11, contact.created_at_ms).Bind(12, contact.updated_at_ms);
  stmt->Bind(13, contact.archived_at_ms).BindTextOrNull(14, contact.archived_by);
  // The seq is the rowid: read from the connection rather than with RETURNING, whose
  // result table a batch of 1,000 creates paid for once per event (docs/benchmarks.md).
  auto inserted = stmt->Exec();
  if (!inserted) return std::move(inserted).error();
  if (*inserted != 1) return Error::Internal("sqlite: an event insert stored no row");
  return writer.LastInsertRowid();
}

}  // namespace

// The events at `seqs` (ascending or descending), in that order; one pruned or erased since
// the walk found it is left out.
Result<std::vector<Event>> EventsAt(Connection& reader, const std::vector<std::int64_t>& seqs) {
  std::string list = "[";
  for (std::int64_t seq : seqs) {
    if (list.size() > 1) list += ',';
    list += std::to_string(seq);
  }
  list += ']';
  auto stmt = reader.Prepare(kEventsAt);
  if (!stmt) return std::move(stmt).error();
  stmt->Bind(1, list);
  auto events = AllRows(*stmt, ReadEvent, seqs.size());
  if (!events) return std::move(events).error();
  std::sort(events->begin(), events->end(),
            [](const Event& a, const Event& b) { return a.position.seq < b.position.seq; });
  if (seqs.size() > 1 && seqs.front() > seqs.back()) std::reverse(events->begin(), events->end());
  return events;
}

Result<bool> InsertContact(Connection& writer, const Contact& contact, const ChangeOrigin& origin) {
  // The event first, so that the row is written once, holding the head of its chain already.
  auto seq = Append(writer, contact.org_id, ChangeTypeOf(nullptr, contact.archived_at_ms),
                    contact.created_at_ms, contact, {}, origin, /*first=*/true);
  if (!seq) return std::move(seq).error();
  auto stmt = writer.Prepare(kInsertContact);
  if (!stmt) return std::move(stmt).error();
  stmt->Bind(1, contact.org_id).Bind(2, contact.id).Bind(3, contact.doc);
  stmt->Bind(4, contact.created_at_ms).Bind(5, contact.updated_at_ms);
  stmt->Bind(6, contact.archived_at_ms).BindTextOrNull(7, contact.archived_by).Bind(8, *seq);
  auto inserted = stmt->Exec();
  if (!inserted) return std::move(inserted).error();
  if (*inserted == 0) {
    // The id is taken (a UUIDv7 clash, or a caller's retry): no contact, so no event either.
    auto drop = writer.Prepare(kDeleteEvent);
    if (!drop) return std::move(drop).error();
    drop->Bind(1, *seq);
    if (auto dropped = drop->Exec(); !dropped) return std::move(dropped).error();
    return false;
  }
  return true;
}

Status UpdateContact(Connection& writer, Contact& current, ContactWrite&& write,
                     const ChangeOrigin& origin) {
  const std::string_view type = ChangeTypeOf(&current, write.archived_at_ms);
  const std::string prior = std::move(write.prior);
  ApplyWrite(current, std::move(write));
  // The event first: it links to the head the row still holds.
  auto seq = Append(writer, current.org_id, type, current.updated_at_ms, current, prior, origin);
  if (!seq) return std::move(seq).error();
  auto stmt = writer.Prepare(kUpdateContact);
  if (!stmt) return std::move(stmt).error();
  stmt->Bind(1, current.org_id).Bind(2, current.id).Bind(3, current.doc);
  stmt->Bind(4, current.updated_at_ms);
  stmt->Bind(5, current.archived_at_ms).BindTextOrNull(6, current.archived_by).Bind(7, *seq);
  auto changed = stmt->Exec();
  if (!changed) return std::move(changed).error();
  if (*changed != 1) return Error::Internal("sqlite: contact vanished inside its transaction");
  return {};
}

Status RewriteContact(Connection& writer, Contact& current, const DocRewrite& rewrite,
                      std::int64_t now_ms, const ChangeOrigin& origin) {
  auto change = rewrite(current);
  if (!change) return std::move(change).error();
  ContactWrite write;
  write.doc = std::move(change->doc);
  write.prior = std::move(change->prior);
  write.updated_at_ms = std::max(now_ms, current.updated_at_ms);
  write.archived_at_ms = current.archived_at_ms;
  write.archived_by = current.archived_by;
  return UpdateContact(writer, current, std::move(write), origin);
}

Result<bool> EraseContact(Connection& writer, std::string_view org_id, std::string_view id,
                          std::int64_t now_ms, const ChangeOrigin& origin) {
  // The events first: the row holds the head of their chain.
  if (auto gone = event_chain::Erase(writer, org_id, id); !gone) return std::move(gone).error();
  auto remove = writer.Prepare(kDeleteContact);
  if (!remove) return std::move(remove).error();
  remove->Bind(1, org_id).Bind(2, id);
  auto removed = remove->Exec();
  if (!removed) return std::move(removed).error();
  if (*removed == 0) return false;  // the caller's savepoint undoes nothing: nothing was deleted
  Contact erased;
  erased.org_id = std::string(org_id);
  erased.id = std::string(id);
  erased.doc = "{}";
  erased.version = 0;
  erased.created_at_ms = now_ms;
  erased.updated_at_ms = now_ms;
  if (auto logged = Append(writer, org_id, "contact.erased", now_ms, erased, {}, origin); !logged) {
    return std::move(logged).error();
  }
  return true;
}

Result<std::vector<std::pair<std::string, std::int64_t>>> DeleteTenant(Connection& writer,
                                                                       std::string_view org_id) {
  std::vector<std::pair<std::string, std::int64_t>> removed;
  for (const auto& [table, sql] :
       {std::pair{"contacts", kDeleteTenantContacts}, std::pair{"events", kDeleteTenantEvents},
        std::pair{"event_horizons", kDeleteTenantHorizon}}) {
    auto stmt = writer.Prepare(sql);
    if (!stmt) return std::move(stmt).error();
    stmt->Bind(1, org_id);
    auto rows = stmt->Exec();
    if (!rows) return std::move(rows).error();
    if (std::string_view(table) != "event_horizons") removed.emplace_back(table, *rows);
  }
  return removed;
}

Result<std::int64_t> AppendEvent(Connection& writer, const Event& event) {
  return Append(writer, event.org_id, event.type, event.occurred_at_ms, event.contact, event.prior,
                event.origin);
}

Result<std::vector<Event>> ListEvents(Connection& reader, const EventQuery& query, int max_walk) {
  if (auto ok = CheckEventQuery(query.tenants, query.limit); !ok) return std::move(ok).error();
  if (!query.contact_id.empty()) {
    auto seqs = event_chain::Feed(reader, query, max_walk);
    if (!seqs) return std::move(seqs).error();
    if (*seqs) return EventsAt(reader, **seqs);
  }
  auto stmt = reader.Prepare(kListEvents);
  if (!stmt) return std::move(stmt).error();
  stmt->Bind(1, query.tenants[0]).Bind(2, SecondTenant(query.tenants));
  stmt->Bind(3, query.after.seq).Bind(4, query.type).Bind(5, std::int64_t{query.limit});
  stmt->Bind(6, query.contact_id);
  return AllRows(*stmt, ReadEvent, static_cast<std::size_t>(query.limit));
}

Result<std::vector<Event>> ListHistory(Connection& reader, const HistoryQuery& query) {
  auto seqs = event_chain::History(reader, query);
  if (!seqs) return std::move(seqs).error();
  return EventsAt(reader, *seqs);
}

Result<int> Prune(Connection& writer, std::int64_t cutoff_ms, int max_events) {
  auto oldest = writer.Prepare(kOldestEvents);
  if (!oldest) return std::move(oldest).error();
  oldest->Bind(1, std::int64_t{max_events});
  struct Old {
    std::int64_t seq;
    std::string org_id;
    std::int64_t occurred_at_ms;
  };
  auto rows = AllRows(*oldest, [](const Statement& row) {
    return Old{row.Int64(0), std::string(row.Text(1)), row.Int64(2)};
  });
  if (!rows) return std::move(rows).error();
  // The prefix that is old enough; each tenant's highest seq in it, and the time just after
  // the latest of its events.
  struct Horizon {
    std::string org_id;
    std::int64_t seq;
    std::int64_t before_ms;
  };
  std::vector<Horizon> horizons;
  int count = 0;
  for (const Old& old : *rows) {
    if (old.occurred_at_ms >= cutoff_ms) break;
    ++count;
    auto it = std::find_if(horizons.begin(), horizons.end(),
                           [&](const Horizon& h) { return h.org_id == old.org_id; });
    if (it == horizons.end()) {
      horizons.push_back({old.org_id, old.seq, old.occurred_at_ms + 1});
    } else {
      it->seq = old.seq;
      it->before_ms = std::max(it->before_ms, old.occurred_at_ms + 1);
    }
  }
  if (count == 0) return 0;
  auto remove = writer.Prepare(kDeleteEventsThrough);
  if (!remove) return std::move(remove).error();
  remove->Bind(1, (*rows)[static_cast<std::size_t>(count - 1)].seq);
  if (auto removed = remove->Exec(); !removed) return std::move(removed).error();
  for (const Horizon& h : horizons) {
    auto raise = writer.Prepare(kRaiseHorizon);
    if (!raise) return std::move(raise).error();
    raise->Bind(1, h.org_id).Bind(2, h.seq).Bind(3, h.before_ms);
    if (auto raised = raise->Exec(); !raised) return std::move(raised).error();
  }
  return count;
}

Result<std::int64_t> Horizon(Connection& reader, const std::vector<std::string>& tenants) {
  if (auto ok = CheckEventQuery(tenants, 1); !ok) return std::move(ok).error();
  auto stmt = reader.Prepare(kHorizon);
  if (!stmt) return std::move(stmt).error();
  stmt->Bind(1, tenants[0]).Bind(2, SecondTenant(tenants));
  auto horizon = FirstRow(*stmt, [](const Statement& row) { return row.Int64(0); });
  if (!horizon) return std::move(horizon).error();
  return horizon->value_or(0);
}

Result<std::int64_t> PrunedBefore(Connection& reader, std::string_view org_id) {
  auto stmt = reader.Prepare(kPrunedBefore);
  if (!stmt) return std::move(stmt).error();
  stmt->Bind(1, org_id);
  auto before = FirstRow(*stmt, [](const Statement& row) { return row.Int64(0); });
  if (!before) return std::move(before).error();
  return before->value_or(0);
}

Result<std::string> Watermark(Connection& reader) {
  auto stmt = reader.Prepare(kLastSeq);
  if (!stmt) return std::move(stmt).error();
  auto last = FirstRow(*stmt, [](const Statement& row) { return row.Int64(0); });
  if (!last) return std::move(last).error();
  return std::to_string(last->value_or(0));
}

}  // namespace contactsd::store::sqlite::change_log
