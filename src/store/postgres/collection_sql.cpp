// The collections' statements of the PostgreSQL catalogue (sql.hpp's Sql from
// kCountCollectionEntries on): per-tenant entries (lists) and the locks that keep a contact from
// holding the id of a deleted entry (store/postgres/postgres_store_collections.cpp).
//
// Columns as read by ReadCollectionEntry: org_id, collection, id, name, created_at. The counter
// holds the last id allocated (so ids are never reused); its upsert also locks the counter row,
// which serializes the creations of one (org, collection), so the count read after it is exact.
#include "store/postgres/sql.hpp"

#include <array>
#include <cstddef>

namespace contactsd::store::postgres {
namespace {

// A collection entry's lock (see lock_collection_entry): an advisory lock on ($1, $2, the id).
#define CONTACTSD_ENTRY_LOCK(function, id) \
  function "(hashtextextended($1 || '/' || $2 || '/' || " id ", 0))"

constexpr std::size_t kFirstCollectionSql = static_cast<std::size_t>(Sql::kCountCollectionEntries);

// Indexed by Sql less kFirstCollectionSql: the static_assert below checks that each entry sits at
// its index.
constexpr std::array<StatementDef, static_cast<std::size_t>(Sql::kCount) - kFirstCollectionSql>
    kCollectionSql = {{
        {Sql::kCountCollectionEntries, "count_collection_entries",
         "SELECT count(*) FROM collection_entries WHERE org_id = $1 AND collection = $2", "tt",
         false},
        {Sql::kBumpCollectionCounter, "bump_collection_counter",
         "INSERT INTO collection_counters (org_id, collection, last_id) VALUES ($1, $2, 1) "
         "ON CONFLICT (org_id, collection) DO UPDATE SET last_id = collection_counters.last_id + 1 "
         "RETURNING last_id",
         "tt", true},
        {Sql::kInsertCollectionEntry, "insert_collection_entry",
         "INSERT INTO collection_entries (org_id, collection, id, name, created_at) "
         "VALUES ($1, $2, $3, $4, $5)",
         "ttiti", true},
        {Sql::kListCollectionEntries, "list_collection_entries",
         "SELECT org_id, collection, id, name, created_at FROM collection_entries "
         "WHERE org_id = $1 AND collection = $2 ORDER BY id",
         "tt", false},
        // Which of the ids in the array literal $3 ('{1,2}') exist; the locking variant holds them
        // (their entries' locks, then their rows) until the transaction ends, so a concurrent
        // delete of one waits (see DeleteCollectionEntry).
        {Sql::kFindCollectionIds, "find_collection_ids",
         "SELECT id FROM collection_entries "
         "WHERE org_id = $1 AND collection = $2 AND id = ANY($3::bigint[])",
         "ttt", false},
        // clang-format off
    {Sql::kLockCollectionIds, "lock_collection_ids",
     "WITH l AS MATERIALIZED (SELECT count(" CONTACTSD_ENTRY_LOCK("pg_advisory_xact_lock_shared",
     "i::text") ") FROM unnest($3::bigint[]) AS i) SELECT id FROM collection_entries, l "
     "WHERE org_id = $1 AND collection = $2 AND id = ANY($3::bigint[]) "
     "FOR SHARE OF collection_entries",
     "ttt", false},
        // clang-format on
        // The lock a delete takes before it looks for the contacts holding the entry's id; a write
        // adding the id holds it shared (lock_collection_ids, which takes it before the rows) until
        // it commits: so the look finds that write's contact, and no write adds the id after it.
        {Sql::kLockCollectionEntry, "lock_collection_entry",
         "SELECT " CONTACTSD_ENTRY_LOCK("pg_advisory_xact_lock", "$3::text"), "tti", false},
        {Sql::kDeleteCollectionEntry, "delete_collection_entry",
         "DELETE FROM collection_entries WHERE org_id = $1 AND collection = $2 AND id = $3", "tti",
         true},
    }};

static_assert(ListsInEnumOrder(kCollectionSql, Sql::kCountCollectionEntries),
              "kCollectionSql must list every collection Sql, in the enum's order");

#undef CONTACTSD_ENTRY_LOCK

}  // namespace

const StatementDef& CollectionDef(Sql sql) {
  return kCollectionSql[static_cast<std::size_t>(sql) - kFirstCollectionSql];
}

}  // namespace contactsd::store::postgres
