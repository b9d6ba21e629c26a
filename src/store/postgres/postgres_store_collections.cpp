// PostgresStore: collections of per-tenant entries.
//
// Integrity against a concurrent delete: a write that adds an entry's id share-locks the entry
// (lock_collection_ids: the entry's lock, shared, and its row FOR SHARE) before it commits, and
// a delete takes the entry's lock (lock_collection_entry), which waits for those writes, and
// only then looks for the contacts holding the id, in statements that therefore see every such
// write committed. A write that comes later waits for the delete and finds the entry gone. So
// no contact keeps the id of a deleted entry.
#include "store/postgres/change_log.hpp"
#include "store/postgres/entry_references.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/postgres/rows.hpp"
#include "store/rewrite_paging.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <utility>

namespace contactsd::store::postgres {
namespace {

Query PageHolding(std::string_view org_id, std::string_view after_id, std::string_view field,
                  std::int64_t id) {
  Query page(Sql::kLockContactsHolding);
  page.Text(org_id).Text(after_id).Text(field).Int8(id).Int8(std::int64_t{kRewritePage});
  return page;
}

}  // namespace

Result<CollectionEntry> PostgresStore::CreateCollectionEntry(const CollectionEntry& entry,
                                                             std::size_t max_entries) {
  return WithConnection([&](Connection& connection) -> Result<CollectionEntry> {
    // Any early return leaves the transaction open; the pool rolls it back (the counter too).
    const std::array<Query, 3> allocate = {
        Query(Sql::kBegin),
        Query(Sql::kBumpCollectionCounter).Text(entry.org_id).Text(entry.collection),
        Query(Sql::kCountCollectionEntries).Text(entry.org_id).Text(entry.collection)};
    auto allocated = connection.Run(allocate);
    if (!allocated) return std::move(allocated).error();
    const std::int64_t id = (*allocated)[1].Int8(0, 0);
    const std::int64_t count = (*allocated)[2].Int8(0, 0);
    if (count >= static_cast<std::int64_t>(max_entries)) {
      return Error::Conflict(
          "At most " + std::to_string(max_entries) + " " + entry.collection + " per account",
          "limit_reached");
    }
    if (id > kMaxCollectionEntryId) {
      return Error::Conflict("Every id of " + entry.collection + " has been used", "limit_reached");
    }
    const std::array<Query, 2> insert = {Query(Sql::kInsertCollectionEntry)
                                             .Text(entry.org_id)
                                             .Text(entry.collection)
                                             .Int8(id)
                                             .Text(entry.name)
                                             .Int8(entry.created_at_ms),
                                         Query(Sql::kCommit)};
    if (auto done = connection.Run(insert); !done) return std::move(done).error();
    CollectionEntry stored = entry;
    stored.id = id;
    return stored;
  });
}

Result<std::vector<CollectionEntry>> PostgresStore::ListCollectionEntries(
    std::string_view org_id, std::string_view collection) {
  return WithConnection([&](Connection& connection) -> Result<std::vector<CollectionEntry>> {
    auto rows = connection.Run(Query(Sql::kListCollectionEntries).Text(org_id).Text(collection));
    if (!rows) return std::move(rows).error();
    return AllRows(*rows, ReadCollectionEntry);
  });
}

Result<std::vector<Reference>> PostgresStore::MissingReferences(
    std::string_view org_id, const std::vector<Reference>& references) {
  return WithConnection([&](Connection& connection) -> Result<std::vector<Reference>> {
    ReferenceLookup lookup(org_id, references, ReferenceLookup::Mode::kRead);
    if (lookup.empty()) return std::vector<Reference>{};
    std::vector<Query> batch;
    lookup.AppendTo(batch);
    auto results = connection.Run(batch);
    if (!results) return std::move(results).error();
    return lookup.Missing(*results);
  });
}

Result<int> PostgresStore::DeleteCollectionEntry(std::string_view org_id,
                                                 std::string_view collection, std::int64_t id,
                                                 const std::vector<std::string>& fields,
                                                 std::int64_t now_ms, const DocRewrite& rewrite,
                                                 const ChangeOrigin& origin) {
  // Any early return leaves the transaction open; the pool rolls it back.
  return WithConnection([&](Connection& connection) -> Result<int> {
    // The log locks of the contacts that hold the id come first, before the delete gives the
    // transaction its id (see lock_contact_log in sql.cpp), so that each rewrite's event is
    // ordered after the contact's earlier ones. They are looked for once the entry's own lock
    // is held: a write adding the id holds it until it commits, so the look finds that
    // contact, and no write adds the id after it. (Looked for before, a contact that took the
    // id meanwhile, then was written again by a transaction with a higher id, was rewritten
    // here with a lower one: its events out of order in the feed.)
    std::vector<Query> batch = {
        Query(Sql::kBegin),
        Query(Sql::kLockCollectionEntry).Text(org_id).Text(collection).Int8(id)};
    for (const std::string& field : fields) {
      batch.push_back(Query(Sql::kLockLogsOfContactsHolding).Text(org_id).Text(field).Int8(id));
    }
    const std::size_t delete_at = batch.size();
    batch.push_back(Query(Sql::kDeleteCollectionEntry).Text(org_id).Text(collection).Int8(id));
    if (!fields.empty()) batch.push_back(PageHolding(org_id, "", fields[0], id));
    auto results = connection.Run(batch);
    if (!results) return std::move(results).error();
    if ((*results)[delete_at].affected() == 0) {
      return Error::NotFound("No entry " + std::to_string(id) + " in " + std::string(collection));
    }
    int rewritten = 0;
    std::size_t field = 0;
    // Each round trip writes one page and reads the next: of the same field after its last
    // contact, or of the next field from the start.
    while (field < fields.size()) {
      const Rows& page = results->back();
      std::vector<Contact> contacts = AllRows(page, ReadContact);
      std::vector<DocChange> changes;  // reserved: the queries below keep views of them
      changes.reserve(contacts.size());
      std::vector<Query> next;
      next.reserve(contacts.size() + 1);
      for (const Contact& contact : contacts) {
        auto change = rewrite(contact);
        if (!change) return std::move(change).error();
        changes.push_back(std::move(*change));
        next.push_back(RewriteUpdate(contact, changes.back(), now_ms, origin));
      }
      rewritten += static_cast<int>(contacts.size());
      if (contacts.empty()) ++field;
      std::string_view after = contacts.empty() ? std::string_view() : contacts.back().id;
      if (field < fields.size()) next.push_back(PageHolding(org_id, after, fields[field], id));
      if (next.empty()) break;
      auto written = connection.Run(next);
      if (!written) return std::move(written).error();
      results = std::move(written);
    }
    if (auto committed = connection.Run(Query(Sql::kCommit)); !committed) {
      return std::move(committed).error();
    }
    return rewritten;
  });
}

}  // namespace contactsd::store::postgres
