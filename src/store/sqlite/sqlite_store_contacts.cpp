// SqliteStore: contacts. Each write is one Write() on the writer that changes the row and its
// unique keys together; any error rolls all of it back.
#include "store/prefix_range.hpp"
#include "store/sqlite/change_log.hpp"
#include "store/sqlite/contact_keys.hpp"
#include "store/sqlite/contact_writes.hpp"
#include "store/sqlite/rows.hpp"
#include "store/sqlite/sql.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/sqlite/webhook_sql.hpp"

#include <algorithm>
#include <string>
#include <utility>

namespace contactsd::store::sqlite {
namespace {

constexpr int kMaxListLimit = 1000;

using FilterPaths = std::string[kMaxListFilters];

// Binds the list's archive switch (?4) and document filters (?5..?10), the slots every filtered
// list statement shares; `paths` must outlive the statement's steps.
void BindFilters(Statement& stmt, const ListQuery& query, FilterPaths& paths) {
  stmt.Bind(4, std::int64_t{query.include_archived ? 1 : 0});
  for (std::size_t i = 0; i < query.filters.size(); ++i) {
    const DocFilter& f = query.filters[i];
    paths[i] = "$." + f.field;
    const int slot = 5 + 2 * static_cast<int>(i);
    stmt.Bind(slot, paths[i]);
    // json_each() reads a JSON true or false as 1 or 0, a number as an integer or a real.
    if (f.integer) {
      stmt.Bind(slot + 1, *f.integer);
    } else if (f.number) {
      stmt.Bind(slot + 1, *f.number);
    } else if (f.boolean) {
      stmt.Bind(slot + 1, std::int64_t{*f.boolean ? 1 : 0});
    } else {
      stmt.Bind(slot + 1, f.text);
    }
  }
}

// One page of the list in the order a sync reads it, (updated_at, id), after `from`. The
// contacts last changed before the time retention pruned the log to come from a scan (they may
// have no event left); the others from the log, each at its latest event, read in the log's
// append-only time index: no index on contacts has to move at every write.
Result<std::vector<Contact>> ListByUpdate(Connection& reader, const ListQuery& query) {
  // The later of the position and updated_since: ("", since) is just before the first contact
  // updated at `since`.
  UpdatedPosition from = *query.after_updated;
  if (query.updated_since_ms && *query.updated_since_ms > from.updated_at_ms) {
    from = {*query.updated_since_ms, ""};
  }
  auto pruned_before = change_log::PrunedBefore(reader, query.org_id);
  if (!pruned_before) return std::move(pruned_before).error();
  std::vector<Contact> page;
  FilterPaths paths;
  if (from.updated_at_ms < *pruned_before) {
    auto scan = reader.Prepare(sql::kListContactsByUpdate);
    if (!scan) return std::move(scan).error();
    scan->Bind(1, query.org_id).Bind(2, from.updated_at_ms).Bind(12, from.id);
    scan->Bind(3, std::int64_t{query.limit}).Bind(13, *pruned_before);
    BindFilters(*scan, query, paths);
    auto rows = AllRows(*scan, ReadContact);
    if (!rows) return std::move(rows).error();
    page = std::move(*rows);
    if (static_cast<int>(page.size()) == query.limit) return page;
    from = {*pruned_before, ""};
  }
  auto log = reader.Prepare(sql::kListLatestChanges);
  if (!log) return std::move(log).error();
  log->Bind(1, query.org_id).Bind(2, from.updated_at_ms).Bind(12, from.id);
  log->Bind(3, std::int64_t{query.limit - static_cast<int>(page.size())});
  BindFilters(*log, query, paths);
  for (;;) {
    auto row = log->Next();
    if (!row) return std::move(row).error();
    if (!*row) return page;
    page.push_back(ReadContact(*log));
  }
}

// ?q=: the contacts with a term in [prefix, the first string after every one that starts with
// it), by id.
Result<std::vector<Contact>> ListBySearch(Connection& reader, const ListQuery& query) {
  const std::string& from = *query.search_prefix;
  const std::string to = PrefixEnd(from);
  if (to.empty()) return std::vector<Contact>{};  // no text starts with it
  auto stmt = reader.Prepare(sql::kListBySearch);
  if (!stmt) return std::move(stmt).error();
  stmt->Bind(1, query.org_id).Bind(2, query.after_id ? std::string_view(*query.after_id) : "");
  stmt->Bind(3, std::int64_t{query.limit}).Bind(4, from).Bind(5, to);
  stmt->Bind(6, std::int64_t{query.include_archived ? 1 : 0});
  return AllRows(*stmt, ReadContact, static_cast<std::size_t>(std::min(query.limit, 100)));
}

Status CheckListQuery(const ListQuery& query) {
  // A caller's bug, not a client's: clamping instead would silently cut pages short.
  if (query.limit < 1 || query.limit > kMaxListLimit) {
    return Error::Internal("store: ListQuery.limit " + std::to_string(query.limit) +
                           " is outside 1..1000");
  }
  if (query.filters.size() > kMaxListFilters) {
    return Error::Internal("store: more than " + std::to_string(kMaxListFilters) + " filters");
  }
  return {};
}

// ListByUpdate in one read transaction: the time retention pruned to and the pages are read in
// one snapshot. Read apart, a prune committed between them could delete a contact's latest
// event after the scan of the contacts before that time was skipped: the contact would be in
// neither read, and a sync would miss it.
Result<std::vector<Contact>> ListByUpdateInSnapshot(Connection& reader, const ListQuery& query) {
  if (auto begun = reader.ExecScript("BEGIN"); !begun) return std::move(begun).error();
  auto page = ListByUpdate(reader, query);
  (void)reader.ExecScript("ROLLBACK");  // it only read: the reader goes back in no snapshot
  return page;
}

// ListContacts on a reader.
Result<std::vector<Contact>> ListOn(Connection& reader, const ListQuery& query) {
  if (query.after_updated) return ListByUpdateInSnapshot(reader, query);
  if (query.search_prefix) return ListBySearch(reader, query);
  const bool filtered = !query.filters.empty() || query.updated_since_ms;
  const char* sql = filtered                 ? sql::kListContactsFiltered
                    : query.include_archived ? sql::kListContacts
                                             : sql::kListActiveContacts;
  auto stmt = reader.Prepare(sql);
  if (!stmt) return std::move(stmt).error();
  // Every id sorts after "", so no cursor means the first page.
  stmt->Bind(1, query.org_id).Bind(2, query.after_id ? *query.after_id : std::string_view());
  stmt->Bind(3, std::int64_t{query.limit});
  FilterPaths paths;  // must outlive the statement's steps
  if (filtered) {
    stmt->Bind(11, query.updated_since_ms);
    BindFilters(*stmt, query, paths);
  }
  return AllRows(*stmt, ReadContact, static_cast<std::size_t>(std::min(query.limit, 100)));
}

// A scan on a reader of its own inside one read transaction (WAL keeps its snapshot).
class ReaderScan final : public ContactScan {
 public:
  ReaderScan(ReadPool::Lease reader, ListQuery query)
      : reader_(std::move(reader)), query_(std::move(query)) {}
  ~ReaderScan() override { (void)reader_->ExecScript("ROLLBACK"); }

  Result<std::vector<Contact>> Next() override {
    if (done_) return std::vector<Contact>{};
    auto page = ListOn(*reader_, query_);
    if (!page) return page;
    if (static_cast<int>(page->size()) < query_.limit) done_ = true;
    if (!page->empty()) query_.after_id = page->back().id;
    return page;
  }

 private:
  ReadPool::Lease reader_;
  ListQuery query_;
  bool done_ = false;
};

}  // namespace

Result<Contact> SqliteStore::CreateContact(const Contact& contact,
                                           const std::vector<UniqueKey>& keys,
                                           const std::vector<Reference>& references,
                                           const ChangeOrigin& origin) {
  return Write([&](Connection& writer) {
    return CreateStoredContact(writer, NewContact{contact, keys, references}, origin);
  });
}

Result<Contact> SqliteStore::GetContact(std::string_view org_id, std::string_view id) {
  auto reader = readers_.Acquire();
  if (!reader) return std::move(reader).error();
  return LoadContact(**reader, org_id, id);
}

Result<std::optional<Contact>> SqliteStore::FindContactByKey(std::string_view org_id,
                                                             const UniqueKey& key) {
  auto reader = readers_.Acquire();
  if (!reader) return std::move(reader).error();
  auto stmt = (*reader)->Prepare(sql::kGetContactByKey);
  if (!stmt) return std::move(stmt).error();
  stmt->Bind(1, org_id).Bind(2, key.name).Bind(3, key.value);
  return FirstRow(*stmt, ReadContact);
}

Result<std::vector<Contact>> SqliteStore::ListContacts(const ListQuery& query) {
  if (auto checked = CheckListQuery(query); !checked) return std::move(checked).error();
  auto reader = readers_.Acquire();
  if (!reader) return std::move(reader).error();
  return ListOn(**reader, query);
}

Result<std::unique_ptr<ContactScan>> SqliteStore::ScanContacts(const ListQuery& query) {
  if (auto checked = CheckListQuery(query); !checked) return std::move(checked).error();
  if (query.after_updated || query.search_prefix) {
    return Error::Internal("store: a scan is by id, without a search");
  }
  auto reader = readers_.Acquire();
  if (!reader) return std::move(reader).error();
  // The snapshot is taken by the transaction's first read, here, not at the first page.
  if (auto begun = (*reader)->ExecScript("BEGIN; SELECT 1 FROM contacts LIMIT 1;"); !begun) {
    (void)(*reader)->ExecScript("ROLLBACK");  // the reader goes back to the pool in no snapshot
    return std::move(begun).error();
  }
  return std::unique_ptr<ContactScan>(new ReaderScan(std::move(*reader), query));
}

Result<Contact> SqliteStore::UpdateContact(std::string_view org_id, std::string_view id,
                                           const Mutation& mutate, const ChangeOrigin& origin) {
  return Write(
      [&](Connection& writer) { return UpdateStoredContact(writer, org_id, id, mutate, origin); });
}

void SqliteStore::UpdateContactAsync(std::string_view org_id, std::string_view id, Mutation mutate,
                                     UpdateScope /*scope*/, ChangeOrigin origin, ContactDone done) {
  WriteAsync(
      [org_id = std::string(org_id), id = std::string(id), mutate = std::move(mutate),
       origin = std::move(origin)](Connection& writer) {
        return UpdateStoredContact(writer, org_id, id, mutate, origin);
      },
      std::move(done));
}

Result<std::vector<Event>> SqliteStore::ListEvents(const EventQuery& query) {
  Result<std::vector<Event>> events = std::vector<Event>{};
  {
    auto reader = readers_.Acquire();  // back in the pool before any wait for a sync
    if (!reader) return std::move(reader).error();
    events = change_log::ListEvents(**reader, query);
  }
  if (!events || events->empty()) return events;
  // The feed and the webhooks hand out only events on disk. With --sync full the writer's
  // commits are visible before the WalSyncer has synced them (the connection runs NORMAL): an
  // event handed out then and lost in a power cut would leave a consumer's cursor past a seq
  // that a later event takes, and that event would be missed. A page past what is known to be
  // synced waits for one sync, which covers it (its commits were in the file before it began).
  std::int64_t newest = 0;
  for (const Event& event : *events) newest = std::max(newest, event.position.seq);
  if (newest > durable_seq_.load(std::memory_order_acquire)) {
    if (auto synced = writer_.SyncCommitted(); !synced) return std::move(synced).error();
    std::int64_t known = durable_seq_.load(std::memory_order_relaxed);
    while (known < newest && !durable_seq_.compare_exchange_weak(known, newest)) {
    }
  }
  return events;
}

Status SqliteStore::EraseContact(std::string_view org_id, std::string_view id, std::int64_t now_ms,
                                 const ChangeOrigin& origin, const TermsOf& terms_of) {
  auto erased = Write([&](Connection& writer) -> Result<bool> {
    auto stored = LoadContact(writer, org_id, id);
    if (!stored) return std::move(stored).error();
    static const std::vector<UniqueKey> kNoKeys;
    if (auto freed = ReplaceContactKeys(writer, org_id, id, kNoKeys); !freed) {
      return std::move(freed).error();
    }
    if (auto unfound = ChangeSearchTerms(writer, org_id, id, terms_of(*stored), {}); !unfound) {
      return std::move(unfound).error();
    }
    auto erased = change_log::EraseContact(writer, org_id, id, now_ms, origin);
    if (!erased) return std::move(erased).error();
    if (!*erased) return Error::NotFound("Contact not found");
    // Its webhook deliveries hold its events as rendered: in every tenant (a catalogue's
    // contact reaches the endpoints of every org), sent or not.
    auto deliveries = writer.Prepare(sql::kEraseContactDeliveries);
    if (!deliveries) return std::move(deliveries).error();
    deliveries->Bind(1, id);
    if (auto gone = deliveries->Exec(); !gone) return std::move(gone).error();
    return true;
  });
  if (!erased) return std::move(erased).error();
  return {};
}

Result<int> SqliteStore::PruneEvents(std::int64_t cutoff_ms, int max_events) {
  return Write(
      [&](Connection& writer) { return change_log::Prune(writer, cutoff_ms, max_events); });
}

Result<std::int64_t> SqliteStore::EventHorizon(const std::vector<std::string>& tenants) {
  auto reader = readers_.Acquire();
  if (!reader) return std::move(reader).error();
  return change_log::Horizon(**reader, tenants);
}

Result<std::string> SqliteStore::EventsWatermark() {
  auto reader = readers_.Acquire();
  if (!reader) return std::move(reader).error();
  return change_log::Watermark(**reader);
}

Result<EventLogState> SqliteStore::ReadEventLogState() {
  auto reader = readers_.Acquire();
  if (!reader) return std::move(reader).error();
  auto stmt = (*reader)->Prepare(sql::kEventLogState);
  if (!stmt) return std::move(stmt).error();
  auto state = FirstRow(*stmt, [](const Statement& row) {
    EventLogState s;
    s.newest_seq = row.OptionalInt64(0).value_or(0);
    s.newest_at_ms = row.OptionalInt64(1).value_or(0);
    s.oldest_seq = row.OptionalInt64(2).value_or(0);
    s.oldest_at_ms = row.OptionalInt64(3).value_or(0);
    s.pending_deliveries = row.Int64(4);
    s.oldest_pending_at_ms = row.OptionalInt64(5).value_or(0);
    return s;
  });
  if (!state) return std::move(state).error();
  return state->value_or(EventLogState{});
}

Result<std::vector<Event>> SqliteStore::ListHistory(const HistoryQuery& query) {
  auto reader = readers_.Acquire();
  if (!reader) return std::move(reader).error();
  return change_log::ListHistory(**reader, query);
}

Result<std::optional<Event>> SqliteStore::FindEvent(const std::vector<std::string>& tenants,
                                                    std::string_view contact_id, std::int64_t seq) {
  auto reader = readers_.Acquire();
  if (!reader) return std::move(reader).error();
  auto events = change_log::EventsAt(**reader, {seq});
  if (!events) return std::move(events).error();
  std::optional<Event> found;
  for (Event& event : *events) {
    if ((contact_id.empty() || event.contact.id == contact_id) &&
        std::find(tenants.begin(), tenants.end(), event.org_id) != tenants.end()) {
      found = std::move(event);
    }
  }
  return found;
}

}  // namespace contactsd::store::sqlite
