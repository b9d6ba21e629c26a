// PostgresStore: reading contacts. One by id or by a key; a page of a tenant's contacts by id
// (filtered or not), by a search term's prefix, or in the order a sync reads them (from the
// change log, ListByUpdate); and a whole tenant in one snapshot (ScanContacts: an export).
// Every read is one statement on a pooled connection, except the sync's order (its statements
// in one REPEATABLE READ transaction) and the scan (one on a connection of its own). The
// writes are in postgres_store_contacts.cpp.
#include "store/postgres/postgres_store.hpp"
#include "store/postgres/rows.hpp"
#include "store/prefix_range.hpp"

#include <array>
#include <charconv>
#include <string>
#include <utility>

namespace contactsd::store::postgres {
namespace {

constexpr int kMaxListLimit = 1000;

// The shortest decimal text that reads back as `value` (a finite double).
std::string NumberText(double value) {
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return ec == std::errc() ? std::string(buffer, end) : std::string("NaN");
}

// The decimal text of each filter's number: Query does not copy text, so it lives here, in the
// caller, until the query has run.
using FilterNumbers = std::array<std::string, kMaxListFilters>;

// Appends the archive switch ($4) and the document filters ($5..$13) of the filtered list
// statements; an unused filter slot is off (NULL).
void AppendFilters(Query& list, const ListQuery& query, FilterNumbers& numbers) {
  list.Int8(std::int64_t{query.include_archived ? 1 : 0});
  for (std::size_t i = 0; i < kMaxListFilters; ++i) {
    if (i < query.filters.size()) {
      const DocFilter& filter = query.filters[i];
      // A number travels as its decimal text, compared as numeric; a boolean as "true" or
      // "false", compared with the JSON value's text.
      numbers[i].clear();
      if (filter.integer) numbers[i] = std::to_string(*filter.integer);
      if (filter.number) numbers[i] = NumberText(*filter.number);
      list.Text(filter.field);
      const std::string_view boolean = filter.boolean && *filter.boolean ? "true" : "false";
      list.Text(filter.boolean ? boolean : std::string_view(filter.text));
      list.TextOrNull(numbers[i]);
    } else {
      list.TextOrNull({}).TextOrNull({}).TextOrNull({});  // slot off
    }
  }
}

// The list by id (ListContacts without an order by update or a search). `numbers` holds the
// filters' text until the query has run.
Query PlainList(const ListQuery& query, FilterNumbers& numbers) {
  const bool filtered = !query.filters.empty() || query.updated_since_ms;
  const Sql sql = filtered                 ? Sql::kListContactsFiltered
                  : query.include_archived ? Sql::kListContacts
                                           : Sql::kListActiveContacts;
  Query list(sql);
  // Every id sorts after "", so no cursor means the first page.
  list.Text(query.org_id)
      .Text(query.after_id ? std::string_view(*query.after_id) : std::string_view())
      .Int8(std::int64_t{query.limit});
  if (filtered) {
    AppendFilters(list, query, numbers);
    list.Int8(query.updated_since_ms);
  }
  return list;
}

// A scan on a connection of its own, inside one REPEATABLE READ transaction.
class SnapshotScan final : public ContactScan {
 public:
  SnapshotScan(Pool::Lease connection, ListQuery query)
      : connection_(std::move(connection)), query_(std::move(query)) {}
  ~SnapshotScan() override { (void)connection_->Exec("ROLLBACK"); }

  Result<std::vector<Contact>> Next() override {
    if (done_) return std::vector<Contact>{};
    FilterNumbers numbers;
    auto rows = connection_->Run(PlainList(query_, numbers));
    if (!rows) return std::move(rows).error();
    std::vector<Contact> page = AllRows(*rows, ReadContact);
    if (static_cast<int>(page.size()) < query_.limit) done_ = true;
    if (!page.empty()) query_.after_id = page.back().id;
    return page;
  }

 private:
  Pool::Lease connection_;
  ListQuery query_;
  bool done_ = false;
};

}  // namespace

Result<Contact> PostgresStore::GetContact(std::string_view org_id, std::string_view id) {
  return WithConnection([&](Connection& connection) -> Result<Contact> {
    auto rows = connection.Run(Query(Sql::kGetContact).Text(org_id).Text(id));
    if (!rows) return std::move(rows).error();
    if (rows->empty()) return Error::NotFound("Contact not found");
    return ReadContact(*rows, 0);
  });
}

Result<std::optional<Contact>> PostgresStore::FindContactByKey(std::string_view org_id,
                                                               const UniqueKey& key) {
  return WithConnection([&](Connection& connection) -> Result<std::optional<Contact>> {
    auto rows =
        connection.Run(Query(Sql::kGetContactByKey).Text(org_id).Text(key.name).Text(key.value));
    if (!rows) return std::move(rows).error();
    if (rows->empty()) return std::optional<Contact>{};
    return std::optional<Contact>(ReadContact(*rows, 0));
  });
}

Result<std::vector<Contact>> PostgresStore::ListContacts(const ListQuery& query) {
  // A caller's bug, not a client's: clamping instead would silently cut pages short.
  if (query.limit < 1 || query.limit > kMaxListLimit) {
    return Error::Internal("store: ListQuery.limit " + std::to_string(query.limit) +
                           " is outside 1..1000");
  }
  if (query.filters.size() > kMaxListFilters) {
    return Error::Internal("store: more than " + std::to_string(kMaxListFilters) + " filters");
  }
  if (query.after_updated) return ListByUpdate(query);
  if (query.search_prefix) {
    const std::string to = PrefixEnd(*query.search_prefix);
    if (to.empty()) return std::vector<Contact>{};  // no text starts with it
    Query search(Sql::kListBySearch);
    search.Text(query.org_id)
        .Text(query.after_id ? std::string_view(*query.after_id) : std::string_view())
        .Int8(std::int64_t{query.limit})
        .Text(*query.search_prefix)
        .Text(to)
        .Int8(std::int64_t{query.include_archived ? 1 : 0});
    return WithConnection([&](Connection& connection) -> Result<std::vector<Contact>> {
      auto rows = connection.Run(search);
      if (!rows) return std::move(rows).error();
      return AllRows(*rows, ReadContact);
    });
  }
  FilterNumbers numbers;
  const Query list = PlainList(query, numbers);
  return WithConnection([&](Connection& connection) -> Result<std::vector<Contact>> {
    auto rows = connection.Run(list);
    if (!rows) return std::move(rows).error();
    return AllRows(*rows, ReadContact);
  });
}

Result<std::unique_ptr<ContactScan>> PostgresStore::ScanContacts(const ListQuery& query) {
  if (query.limit < 1 || query.limit > kMaxListLimit || query.filters.size() > kMaxListFilters ||
      query.after_updated || query.search_prefix) {
    return Error::Internal("store: a scan is by id, 1..1000 a page, without a search");
  }
  auto lease = pool_.Acquire();
  if (!lease) return std::move(lease).error();
  // REPEATABLE READ: every statement of the transaction reads the snapshot of its first.
  auto begun = (*lease)->Exec("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
  if (!begun) return std::move(begun).error();
  return std::unique_ptr<ContactScan>(new SnapshotScan(std::move(*lease), query));
}

Result<std::vector<Contact>> PostgresStore::ListByUpdate(const ListQuery& query) {
  // The later of the position and updated_since: ("", since) is just before the first contact
  // updated at `since`.
  UpdatedPosition from = *query.after_updated;
  if (query.updated_since_ms && *query.updated_since_ms > from.updated_at_ms) {
    from = {*query.updated_since_ms, ""};
  }
  FilterNumbers numbers;
  // One snapshot for the time retention pruned to and the pages: read apart, a prune committed
  // between them could delete a contact's latest event after the scan of the contacts before
  // that time was skipped, and a sync would miss the contact.
  auto read = [&](Connection& connection) -> Result<std::vector<Contact>> {
    auto horizon = connection.Run(Query(Sql::kPrunedBefore).Text(query.org_id));
    if (!horizon) return std::move(horizon).error();
    const std::int64_t pruned_before = horizon->empty() ? 0 : horizon->Int8(0, 0);
    std::vector<Contact> page;
    UpdatedPosition at = from;
    if (at.updated_at_ms < pruned_before) {
      // Contacts last changed before the pruned time may have no event left: a scan.
      Query scan(Sql::kListContactsByUpdate);
      scan.Text(query.org_id).Int8(at.updated_at_ms).Int8(std::int64_t{query.limit});
      AppendFilters(scan, query, numbers);
      scan.Text(at.id).Int8(pruned_before);
      auto rows = connection.Run(scan);
      if (!rows) return std::move(rows).error();
      page = AllRows(*rows, ReadContact);
      if (static_cast<int>(page.size()) == query.limit) return page;
      at = {pruned_before, ""};
    }
    Query log(Sql::kListLatestChanges);
    log.Text(query.org_id)
        .Int8(at.updated_at_ms)
        .Int8(std::int64_t{query.limit - static_cast<int>(page.size())});
    AppendFilters(log, query, numbers);
    log.Text(at.id);
    auto rows = connection.Run(log);
    if (!rows) return std::move(rows).error();
    for (Contact& c : AllRows(*rows, ReadContact)) page.push_back(std::move(c));
    return page;
  };
  return WithConnection([&](Connection& connection) -> Result<std::vector<Contact>> {
    auto begun = connection.Exec("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    if (!begun) return std::move(begun).error();
    auto page = read(connection);
    (void)connection.Exec("ROLLBACK");  // it only read
    return page;
  });
}

}  // namespace contactsd::store::postgres
