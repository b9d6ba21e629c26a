// PostgresStore: reading the change log (its writes are in the statements that change things).
#include "store/event_records.hpp"
#include "store/postgres/change_log.hpp"
#include "store/postgres/credentials_listener.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/postgres/rows.hpp"

#include <array>
#include <iterator>
#include <string>
#include <thread>

namespace contactsd::store::postgres {
Result<std::vector<Event>> PostgresStore::ListEvents(const EventQuery& query) {
  if (auto ok = CheckEventQuery(query.tenants, query.limit); !ok) return std::move(ok).error();
  const std::string txid = std::to_string(query.after.txid);  // xid8 is sent as text
  Query list(Sql::kListEvents);
  list.Text(query.tenants[0]).Text(SecondTenant(query.tenants)).Text(txid);
  list.Int8(query.after.seq).Text(query.type).Text(query.contact_id);
  list.Int8(std::int64_t{query.limit});
  return WithConnection([&](Connection& connection) -> Result<std::vector<Event>> {
    auto rows = connection.Run(list);
    if (!rows) return std::move(rows).error();
    return AllRows(*rows, ReadEvent);
  });
}

Result<std::vector<Event>> PostgresStore::ListHistory(const HistoryQuery& query) {
  if (auto ok = CheckEventQuery(query.tenants, query.limit); !ok) return std::move(ok).error();
  Query list(Sql::kListHistory);
  list.Text(query.tenants[0]).Text(SecondTenant(query.tenants)).Text(query.contact_id);
  list.Int8(query.before_seq).Int8(std::int64_t{query.limit});
  return WithConnection([&](Connection& connection) -> Result<std::vector<Event>> {
    auto rows = connection.Run(list);
    if (!rows) return std::move(rows).error();
    return AllRows(*rows, ReadEvent);
  });
}

Result<std::optional<Event>> PostgresStore::FindEvent(const std::vector<std::string>& tenants,
                                                      std::string_view contact_id,
                                                      std::int64_t seq) {
  if (auto ok = CheckEventQuery(tenants, 1); !ok) return std::move(ok).error();
  Query find(contact_id.empty() ? Sql::kFindEventOfAny : Sql::kFindEvent);
  find.Text(tenants[0]).Text(SecondTenant(tenants)).Text(contact_id).Int8(seq);
  return WithConnection([&](Connection& connection) -> Result<std::optional<Event>> {
    auto rows = connection.Run(find);
    if (!rows) return std::move(rows).error();
    std::optional<Event> found;
    if (!rows->empty()) found = ReadEvent(*rows, 0);
    return found;
  });
}

Result<int> PostgresStore::PruneEvents(std::int64_t cutoff_ms, int max_events) {
  return WithConnection([&](Connection& connection) -> Result<int> {
    auto oldest = connection.Run(Query(Sql::kOldestEvents).Int8(std::int64_t{max_events}));
    if (!oldest) return std::move(oldest).error();
    std::int64_t through = 0;  // the last seq of the prefix that is old enough
    for (int row = 0; row < oldest->size() && oldest->Int8(row, 1) < cutoff_ms; ++row) {
      through = oldest->Int8(row, 0);
    }
    if (through == 0) return 0;
    auto pruned = connection.Run(Query(Sql::kPruneEvents).Int8(through).Int8(cutoff_ms));
    if (!pruned) return std::move(pruned).error();
    return static_cast<int>(pruned->Int8(0, 0));
  });
}

Status PostgresStore::EraseContact(std::string_view org_id, std::string_view id,
                                   std::int64_t now_ms, const ChangeOrigin& origin,
                                   const TermsOf& terms_of) {
  return WithConnection([&](Connection& connection) -> Status {
    // Any early return leaves the transaction open; the pool rolls it back. First the contact,
    // locked (its search terms are made from it), then everything of it in one round trip.
    const std::array<Query, 3> lock = {Query(Sql::kBegin),
                                       Query(Sql::kLockContactLog).Text(org_id).Text(id),
                                       Query(Sql::kLockContact).Text(org_id).Text(id)};
    auto locked = connection.Run(lock);
    if (!locked) return std::move(locked).error();
    if ((*locked)[2].empty()) return Error::NotFound("Contact not found");
    const std::vector<std::string> terms = terms_of(ReadContact((*locked)[2], 0));
    std::vector<Query> erase;
    erase.reserve(terms.size() + 3);
    erase.push_back(Query(Sql::kDeleteContactKeysOf).Text(org_id).Text(id));
    for (const std::string& term : terms) {
      erase.push_back(Query(Sql::kDeleteTerm).Text(org_id).Text(term).Text(id));
    }
    const std::size_t erase_at = erase.size();
    erase.push_back(Query(Sql::kEraseContact)
                        .Text(org_id)
                        .Text(id)
                        .Int8(now_ms)
                        .Text(origin.actor_type)
                        .Text(origin.actor_id)
                        .Text(origin.request_id));
    erase.emplace_back(Sql::kCommit);
    auto done = connection.Run(erase);
    if (!done) return std::move(done).error();
    if ((*done)[erase_at].affected() != 1) {
      return Error::Internal("postgres: contact vanished inside its transaction");
    }
    return {};
  });
}

Result<std::vector<std::pair<std::string, std::int64_t>>> PostgresStore::DeleteOrg(
    std::string_view org_id) {
  static constexpr const char* kTables[] = {"contacts",
                                            "events",
                                            "contact_keys",
                                            "api_keys",
                                            "custom_fields",
                                            "collection_entries",
                                            "collection_counters",
                                            "unlocks",
                                            "idempotency_answers",
                                            "contact_terms",
                                            "webhook_endpoints",
                                            "webhook_deliveries",
                                            "webhook_attempts",
                                            "orgs"};
  auto deleted = WithConnection(
      [&](Connection& connection) -> Result<std::vector<std::pair<std::string, std::int64_t>>> {
        auto rows = connection.Run(Query(Sql::kDeleteOrg).Text(org_id));
        if (!rows) return std::move(rows).error();
        std::vector<std::pair<std::string, std::int64_t>> removed;
        for (int i = 0; i < static_cast<int>(std::size(kTables)); ++i) {
          removed.emplace_back(kTables[i], rows->Int8(0, i));
        }
        if (removed.back().second == 0) return Error::NotFound("Organization not found");
        return removed;
      });
  if (deleted.ok()) std::this_thread::sleep_for(kNotifyGrace);  // its keys refused everywhere
  return deleted;
}

Result<std::int64_t> PostgresStore::EventHorizon(const std::vector<std::string>& tenants) {
  if (auto ok = CheckEventQuery(tenants, 1); !ok) return std::move(ok).error();
  Query horizon(Sql::kEventHorizon);
  horizon.Text(tenants[0]).Text(SecondTenant(tenants));
  return WithConnection([&](Connection& connection) -> Result<std::int64_t> {
    auto rows = connection.Run(horizon);
    if (!rows) return std::move(rows).error();
    return rows->Int8(0, 0);
  });
}

Result<std::string> PostgresStore::EventsWatermark() {
  return WithConnection([&](Connection& connection) -> Result<std::string> {
    auto rows = connection.Run(Query(Sql::kEventsWatermark));
    if (!rows) return std::move(rows).error();
    if (rows->empty()) return Error::Internal("postgres: the events sequence has no row");
    return std::string(rows->Text(0, 0));
  });
}

Result<EventLogState> PostgresStore::ReadEventLogState() {
  return WithConnection([&](Connection& connection) -> Result<EventLogState> {
    auto rows = connection.Run(Query(Sql::kEventLogState));
    if (!rows) return std::move(rows).error();
    EventLogState s;
    if (rows->empty()) return s;
    s.newest_seq = rows->OptionalInt8(0, 0).value_or(0);
    s.newest_at_ms = rows->OptionalInt8(0, 1).value_or(0);
    s.oldest_seq = rows->OptionalInt8(0, 2).value_or(0);
    s.oldest_at_ms = rows->OptionalInt8(0, 3).value_or(0);
    s.pending_deliveries = rows->Int8(0, 4);
    s.oldest_pending_at_ms = rows->OptionalInt8(0, 5).value_or(0);
    s.bytes = rows->Int8(0, 6);
    return s;
  });
}

}  // namespace contactsd::store::postgres
