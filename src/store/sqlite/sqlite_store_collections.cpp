// SqliteStore: collections of per-tenant entries. Each write is one Write() on the writer; a
// delete rewrites the contacts that held the entry's id in the same transaction.
#include "store/rewrite_paging.hpp"
#include "store/sqlite/change_log.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/entry_references.hpp"
#include "store/sqlite/rows.hpp"
#include "store/sqlite/sql.hpp"
#include "store/sqlite/sqlite_store.hpp"

#include <algorithm>
#include <string>
#include <utility>

namespace contactsd::store::sqlite {
namespace {

Result<std::int64_t> Count(Connection& writer, const CollectionEntry& entry) {
  auto stmt = writer.Prepare(sql::kCountCollectionEntries);
  if (!stmt) return std::move(stmt).error();
  stmt->Bind(1, entry.org_id).Bind(2, entry.collection);
  auto count = FirstRow(*stmt, [](const Statement& row) { return row.Int64(0); });
  if (!count) return std::move(count).error();
  return count->value_or(0);
}

// Allocates the next id of the entry's (org, collection).
Result<std::int64_t> NextId(Connection& writer, const CollectionEntry& entry) {
  auto bump = writer.Prepare(sql::kBumpCollectionCounter);
  if (!bump) return std::move(bump).error();
  bump->Bind(1, entry.org_id).Bind(2, entry.collection);
  if (auto done = bump->Exec(); !done) return std::move(done).error();
  auto get = writer.Prepare(sql::kGetCollectionCounter);
  if (!get) return std::move(get).error();
  get->Bind(1, entry.org_id).Bind(2, entry.collection);
  auto last = FirstRow(*get, [](const Statement& row) { return row.Int64(0); });
  if (!last) return std::move(last).error();
  if (!*last) return Error::Internal("sqlite: collection counter vanished after its upsert");
  return **last;
}

// One page of the tenant's contacts (archived ones too) whose `path` holds `id`.
Result<std::vector<Contact>> ContactsHolding(Connection& writer, std::string_view org_id,
                                             const std::string& path, std::int64_t id,
                                             std::string_view after_id) {
  auto stmt = writer.Prepare(sql::kListContactsFiltered);
  if (!stmt) return std::move(stmt).error();
  stmt->Bind(1, org_id).Bind(2, after_id).Bind(3, std::int64_t{kRewritePage});
  stmt->Bind(4, std::int64_t{1}).Bind(5, path).Bind(6, id);
  return AllRows(*stmt, ReadContact, kRewritePage);
}

}  // namespace

Result<CollectionEntry> SqliteStore::CreateCollectionEntry(const CollectionEntry& entry,
                                                           std::size_t max_entries) {
  return Write([&](Connection& writer) -> Result<CollectionEntry> {
    auto count = Count(writer, entry);
    if (!count) return std::move(count).error();
    if (*count >= static_cast<std::int64_t>(max_entries)) {
      return Error::Conflict(
          "At most " + std::to_string(max_entries) + " " + entry.collection + " per account",
          "limit_reached");
    }
    auto id = NextId(writer, entry);
    if (!id) return std::move(id).error();
    if (*id > kMaxCollectionEntryId) {
      return Error::Conflict("Every id of " + entry.collection + " has been used", "limit_reached");
    }
    auto insert = writer.Prepare(sql::kInsertCollectionEntry);
    if (!insert) return std::move(insert).error();
    insert->Bind(1, entry.org_id).Bind(2, entry.collection).Bind(3, *id).Bind(4, entry.name);
    insert->Bind(5, entry.created_at_ms);
    if (auto done = insert->Exec(); !done) return std::move(done).error();
    CollectionEntry stored = entry;
    stored.id = *id;
    return stored;
  });
}

Result<std::vector<CollectionEntry>> SqliteStore::ListCollectionEntries(
    std::string_view org_id, std::string_view collection) {
  auto reader = readers_.Acquire();
  if (!reader) return std::move(reader).error();
  auto stmt = (*reader)->Prepare(sql::kListCollectionEntries);
  if (!stmt) return std::move(stmt).error();
  stmt->Bind(1, org_id).Bind(2, collection);
  return AllRows(*stmt, ReadCollectionEntry);
}

Result<std::vector<Reference>> SqliteStore::MissingReferences(
    std::string_view org_id, const std::vector<Reference>& references) {
  auto reader = readers_.Acquire();
  if (!reader) return std::move(reader).error();
  return MissingIn(**reader, org_id, references);
}

Result<int> SqliteStore::DeleteCollectionEntry(std::string_view org_id, std::string_view collection,
                                               std::int64_t id,
                                               const std::vector<std::string>& fields,
                                               std::int64_t now_ms, const DocRewrite& rewrite,
                                               const ChangeOrigin& origin) {
  return Write([&](Connection& writer) -> Result<int> {
    auto remove = writer.Prepare(sql::kDeleteCollectionEntry);
    if (!remove) return std::move(remove).error();
    remove->Bind(1, org_id).Bind(2, collection).Bind(3, id);
    auto deleted = remove->Exec();
    if (!deleted) return std::move(deleted).error();
    if (*deleted == 0) {
      return Error::NotFound("No entry " + std::to_string(id) + " in " + std::string(collection));
    }
    int rewritten = 0;
    for (const std::string& field : fields) {
      const std::string path = "$." + field;
      std::string after;  // every id sorts after "": the first page
      for (;;) {
        auto page = ContactsHolding(writer, org_id, path, id, after);
        if (!page) return std::move(page).error();
        if (page->empty()) break;
        after = page->back().id;
        for (Contact& contact : *page) {
          if (auto written = change_log::RewriteContact(writer, contact, rewrite, now_ms, origin);
              !written) {
            return std::move(written).error();
          }
          ++rewritten;
        }
      }
    }
    return rewritten;
  });
}

}  // namespace contactsd::store::sqlite
