// PostgresStore: writing contacts (the reads: postgres_store_contact_reads.cpp). A create is one
// round trip: BEGIN, the unique keys, the row, COMMIT, pipelined. A locked update is two: BEGIN +
// the row locked + the keys it holds; then the key changes, the row with version + 1 and COMMIT. An
// optimistic update (a write of the document alone) is two statements: the row read, then an UPDATE
// checked against the version read. A unique key another contact holds stops the batch with
// unique_violation (the server skips the rest, COMMIT included) and the pool rolls the transaction
// back, so a failure leaves nothing changed.
#include "store/postgres/custom_field_lock.hpp"
#include "store/postgres/entry_references.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/postgres/rows.hpp"

#include <algorithm>
#include <array>
#include <span>
#include <string>
#include <utility>

namespace contactsd::store::postgres {
namespace {

bool Contains(const std::vector<UniqueKey>& keys, const UniqueKey& key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

// The index of the query that hit a unique violation, or -1.
int UniqueViolationAt(const Connection& connection) {
  return connection.failure().sqlstate == kUniqueViolation ? connection.failure().index : -1;
}

// A batch under construction, remembering which queries insert which key.
struct Batch {
  std::vector<Query> queries;
  std::vector<std::pair<int, const UniqueKey*>> key_inserts;  // query index, key

  // REQUIRES: `key` outlives the batch.
  void InsertKey(std::string_view org_id, std::string_view contact_id, const UniqueKey& key) {
    key_inserts.emplace_back(static_cast<int>(queries.size()), &key);
    queries.push_back(
        Query(Sql::kInsertContactKey).Text(org_id).Text(key.name).Text(key.value).Text(contact_id));
  }
  // The key whose insert failed at `index`, if any.
  const UniqueKey* KeyAt(int index) const {
    for (const auto& [at, key] : key_inserts) {
      if (at == index) return key;
    }
    return nullptr;
  }
};

// The statements of a new contact appended to `batch` (its references checked already):
// its keys, its search terms, then the contact and its event in one statement, whose index it
// returns. REQUIRES: everything given outlives the batch's run (queries do not copy text).
int AppendCreate(Batch& batch, const Contact& contact, const std::vector<UniqueKey>& keys,
                 const std::vector<std::string>& terms, const ChangeOrigin& origin) {
  // Archived contacts hold no keys. Keys go first, in the caller's order, as in SQLite: the
  // first taken one is the one reported.
  if (!contact.archived_at_ms) {
    for (auto it = keys.begin(); it != keys.end(); ++it) {
      if (std::find(keys.begin(), it, *it) != it) continue;  // a duplicate in the list itself
      batch.InsertKey(contact.org_id, contact.id, *it);
    }
  }
  for (const std::string& term : terms) {
    batch.queries.push_back(
        Query(Sql::kInsertTerm).Text(contact.org_id).Text(term).Text(contact.id));
  }
  const int contact_at = static_cast<int>(batch.queries.size());
  batch.queries.push_back(Query(Sql::kInsertContact)
                              .Text(contact.org_id)
                              .Text(contact.id)
                              .Text(contact.doc)
                              .Int8(contact.created_at_ms)
                              .Int8(contact.updated_at_ms)
                              .Int8(contact.archived_at_ms)
                              .TextOrNull(contact.archived_by)
                              .Text(ChangeTypeOf(nullptr, contact.archived_at_ms))
                              .Text(origin.actor_type)
                              .Text(origin.actor_id)
                              .Text(origin.request_id));
  return contact_at;
}

// The Conflict of a key another contact holds, naming that contact when it can be read: after
// the failed transaction (`tx` kOwn) or the batch operation's savepoint (kJoined) is rolled
// back, on the same connection.
Error KeyTaken(Connection& connection, std::string_view org_id, const UniqueKey& key,
               PostgresStore::Tx tx) {
  std::string holder;
  const bool rolled_back = tx == PostgresStore::Tx::kOwn
                               ? connection.idle() || connection.Exec("ROLLBACK").ok()
                               : connection.Run(Query(Sql::kRollbackToOp)).ok();
  if (connection.usable() && rolled_back) {
    auto rows =
        connection.Run(Query(Sql::kFindKeyHolder).Text(org_id).Text(key.name).Text(key.value));
    if (rows && rows->size() == 1) holder = std::string(rows->Text(0, 0));
  }
  return KeyTakenError(key.name, holder);
}

}  // namespace

Result<Contact> PostgresStore::CreateContact(const Contact& contact,
                                             const std::vector<UniqueKey>& keys,
                                             const std::vector<Reference>& references,
                                             const ChangeOrigin& origin) {
  return WithConnection([&](Connection& connection) {
    return InsertContact(connection, NewContact{contact, keys, references}, origin, Tx::kOwn);
  });
}

Result<Contact> PostgresStore::InsertContact(Connection& connection, const NewContact& created,
                                             const ChangeOrigin& origin, Tx tx) {
  const Contact& contact = created.contact;
  {
    Batch batch;
    batch.queries.reserve(created.keys.size() + created.terms.size() + 3);
    if (tx == Tx::kOwn) batch.queries.emplace_back(Sql::kBegin);
    // Referenced entries and the custom fields' definitions are share-locked first, in a round
    // trip of their own (the rest of the batch depends on them); any early return leaves the
    // transaction open, and the pool rolls it back.
    ReferenceLookup lookup(contact.org_id, created.references, ReferenceLookup::Mode::kLock);
    CustomFieldLock definitions(contact.org_id, created.custom_fields);
    if (!lookup.empty() || !definitions.empty()) {
      lookup.AppendTo(batch.queries);
      definitions.AppendTo(batch.queries);
      auto locked = connection.Run(batch.queries);
      if (!locked) return std::move(locked).error();
      if (auto missing = lookup.Missing(*locked); !missing.empty()) {
        return MissingReferencesError(missing);
      }
      if (auto same = CheckCustomFieldsUnchanged(created.custom_fields, definitions.Found(*locked));
          !same) {
        return std::move(same).error();
      }
      batch.queries.clear();
    }
    const int contact_at = AppendCreate(batch, contact, created.keys, created.terms, origin);
    if (tx == Tx::kOwn) batch.queries.emplace_back(Sql::kCommit);
    auto done = connection.Run(batch.queries);
    if (!done) {
      const int at = UniqueViolationAt(connection);
      if (const auto* key = batch.KeyAt(at)) {
        return KeyTaken(connection, contact.org_id, *key, tx);
      }
      if (at == contact_at) return Error::Conflict("Contact already exists", "duplicate");
      return std::move(done).error();
    }
    Contact stored = contact;
    stored.version = 1;
    return stored;
  }
}

Result<std::vector<ContactOpResult>> PostgresStore::CreateAll(Connection& connection,
                                                              std::string_view org_id,
                                                              const std::vector<ContactOp>& ops,
                                                              const ChangeOrigin& origin) {
  auto changed = LockDefinitionsOfCreates(connection, org_id, ops);
  if (!changed || !changed->empty()) return changed;
  // A few hundred creates a round trip: one round trip per create (and two more for its
  // savepoint) was what an import's line cost.
  constexpr std::size_t kPerRoundTrip = 500;
  std::vector<ContactOpResult> results;
  results.reserve(ops.size());
  for (std::size_t from = 0; from < ops.size(); from += kPerRoundTrip) {
    const std::size_t to = std::min(ops.size(), from + kPerRoundTrip);
    Batch batch;
    std::vector<int> contact_at;  // per create of this round trip: its contact's statement
    for (std::size_t i = from; i < to; ++i) {
      const NewContact& created = ops[i].create;
      contact_at.push_back(
          AppendCreate(batch, created.contact, created.keys, created.terms, origin));
    }
    auto done = connection.Run(batch.queries);
    const std::size_t failed_at =
        done
            ? to
            : from + static_cast<std::size_t>(std::lower_bound(contact_at.begin(), contact_at.end(),
                                                               connection.failure().index) -
                                              contact_at.begin());
    for (std::size_t i = from; i < failed_at && i < to; ++i) {
      Contact stored = ops[i].create.contact;
      stored.version = 1;
      results.push_back({std::move(stored), true});
    }
    if (done) continue;
    if (!connection.usable() || IsRetryableAbort(connection.failure()) || failed_at >= to) {
      return std::move(done).error();
    }
    // The transaction is lost: the results end at the create that failed, as an atomic
    // batch's do.
    const int at = connection.failure().index;
    Error error = std::move(done).error();
    if (UniqueViolationAt(connection) == at) {
      if (const UniqueKey* key = batch.KeyAt(at)) {
        error = KeyTaken(connection, org_id, *key, Tx::kOwn);
      } else if (at == contact_at[failed_at - from]) {
        error = Error::Conflict("Contact already exists", "duplicate");
      }
    }
    results.push_back({std::move(error), true});
    return results;
  }
  return results;
}

Result<Contact> PostgresStore::UpdateContact(std::string_view org_id, std::string_view id,
                                             const Mutation& mutate, const ChangeOrigin& origin) {
  return WithConnection([&](Connection& connection) {
    return LockedUpdate(connection, org_id, id, mutate, origin, Tx::kOwn);
  });
}

void PostgresStore::UpdateContactAsync(std::string_view org_id, std::string_view id,
                                       Mutation mutate, UpdateScope scope, ChangeOrigin origin,
                                       ContactDone done) {
  done(scope == UpdateScope::kDocumentOnly ? OptimisticUpdate(org_id, id, mutate, origin)
                                           : UpdateContact(org_id, id, mutate, origin));
}

Result<Contact> PostgresStore::OptimisticUpdate(std::string_view org_id, std::string_view id,
                                                const Mutation& mutate,
                                                const ChangeOrigin& origin) {
  // Past this many writes that came between a read and its write, the row is locked instead,
  // so a contact written by many clients at once is still written in bounded time.
  constexpr int kOptimisticAttempts = 4;
  return WithConnection([&](Connection& connection) -> Result<Contact> {
    for (int attempt = 0; attempt < kOptimisticAttempts; ++attempt) {
      auto rows = connection.Run(Query(Sql::kGetContact).Text(org_id).Text(id));
      if (!rows) return std::move(rows).error();
      if (rows->empty()) return Error::NotFound("Contact not found");
      Contact current = ReadContact(*rows, 0);
      auto write = mutate(current);
      if (!write) return std::move(write).error();
      if (!write->changed) return current;
      const bool document_only = write->keys_unchanged && write->references.empty() &&
                                 write->custom_fields.empty() && write->terms_removed.empty() &&
                                 write->terms_added.empty() &&
                                 write->archived_at_ms == current.archived_at_ms &&
                                 write->archived_by == current.archived_by;
      if (!document_only) break;
      auto updated = connection.Run(Query(Sql::kUpdateContactAtVersion)
                                        .Text(org_id)
                                        .Text(id)
                                        .Text(write->doc)
                                        .Int8(write->updated_at_ms)
                                        .Int8(write->archived_at_ms)
                                        .TextOrNull(write->archived_by)
                                        .Text(ChangeTypeOf(&current, write->archived_at_ms))
                                        .Text(origin.actor_type)
                                        .Text(origin.actor_id)
                                        .Text(origin.request_id)
                                        .TextOrNull(write->prior)
                                        .Int8(current.version));
      if (!updated) return std::move(updated).error();
      if (updated->affected() == 1) {
        ApplyWrite(current, std::move(*write));
        return current;
      }
      // Another write committed since the read (or the contact is gone): read it again.
    }
    return LockedUpdate(connection, org_id, id, mutate, origin, Tx::kOwn);
  });
}

Result<Contact> PostgresStore::LockedUpdate(Connection& connection, std::string_view org_id,
                                            std::string_view id, const Mutation& mutate,
                                            const ChangeOrigin& origin, Tx tx) {
  // Any early return leaves the transaction open; the pool rolls it back (or, in a batch, the
  // operation's savepoint is).
  // One round trip: the keys are read by a statement that starts once the row is locked.
  // The contact's log lock first, before the row lock gives the transaction its id.
  const std::array<Query, 4> lock = {Query(Sql::kBegin),
                                     Query(Sql::kLockContactLog).Text(org_id).Text(id),
                                     Query(Sql::kLockContact).Text(org_id).Text(id),
                                     Query(Sql::kListContactKeys).Text(org_id).Text(id)};
  const std::size_t skip = tx == Tx::kOwn ? 0 : 1;  // a batch has begun already
  auto locked = connection.Run(std::span<const Query>(lock).subspan(skip));
  if (!locked) return std::move(locked).error();
  const Rows& row = (*locked)[2 - skip];
  if (row.empty()) return Error::NotFound("Contact not found");
  Contact current = ReadContact(row, 0);
  const Rows& keys_held = (*locked)[3 - skip];
  std::vector<UniqueKey> held;
  held.reserve(static_cast<std::size_t>(keys_held.size()));
  for (int i = 0; i < keys_held.size(); ++i) {
    held.push_back({std::string(keys_held.Text(i, 0)), std::string(keys_held.Text(i, 1))});
  }

  auto write = mutate(current);
  if (!write) return std::move(write).error();
  if (!write->changed) {
    if (tx == Tx::kOwn) {
      if (auto committed = connection.Run(Query(Sql::kCommit)); !committed) {
        return std::move(committed).error();
      }
    }
    return current;
  }
  // Only ids the contact did not hold are locked: a delete of one it holds already waits for
  // this row and then rewrites it, so locking those could only deadlock with that delete.
  // The definitions the write's custom values were checked against are share-locked too: an
  // option's removal (the definition's row, then a count of the contacts holding the option)
  // or a delete (the logs of the contacts holding the field, then the row) waits for this
  // write and finds its value, or this write waits for it and finds the definition changed.
  ReferenceLookup lookup(org_id, write->references, ReferenceLookup::Mode::kLock);
  CustomFieldLock definitions(org_id, write->custom_fields);
  if (!lookup.empty() || !definitions.empty()) {
    std::vector<Query> check;
    lookup.AppendTo(check);
    definitions.AppendTo(check);
    auto locked = connection.Run(check);
    if (!locked) return std::move(locked).error();
    if (auto missing = lookup.Missing(*locked); !missing.empty()) {
      return MissingReferencesError(missing);
    }
    if (auto same = CheckCustomFieldsUnchanged(write->custom_fields, definitions.Found(*locked));
        !same) {
      return std::move(same).error();
    }
  }

  // Archived contacts hold no keys, so archiving frees them and restoring takes them back.
  static const std::vector<UniqueKey> kNoKeys;
  const auto& keys = write->archived_at_ms ? kNoKeys : write->unique_keys;
  Batch batch;
  batch.queries.reserve(held.size() + keys.size() + write->terms_removed.size() +
                        write->terms_added.size() + 2);
  // A contact holds a handful of keys: linear scans beat building sets.
  for (const UniqueKey& key : held) {
    if (Contains(keys, key)) continue;
    batch.queries.push_back(
        Query(Sql::kDeleteContactKey).Text(org_id).Text(key.name).Text(key.value).Text(id));
  }
  for (auto it = keys.begin(); it != keys.end(); ++it) {
    if (Contains(held, *it) || std::find(keys.begin(), it, *it) != it) continue;
    batch.InsertKey(org_id, id, *it);
  }
  for (const std::string& term : write->terms_removed) {
    batch.queries.push_back(Query(Sql::kDeleteTerm).Text(org_id).Text(term).Text(id));
  }
  for (const std::string& term : write->terms_added) {
    batch.queries.push_back(Query(Sql::kInsertTerm).Text(org_id).Text(term).Text(id));
  }
  const std::size_t update_at = batch.queries.size();
  batch.queries.push_back(Query(Sql::kUpdateContact)
                              .Text(org_id)
                              .Text(id)
                              .Text(write->doc)
                              .Int8(write->updated_at_ms)
                              .Int8(write->archived_at_ms)
                              .TextOrNull(write->archived_by)
                              .Text(ChangeTypeOf(&current, write->archived_at_ms))
                              .Text(origin.actor_type)
                              .Text(origin.actor_id)
                              .Text(origin.request_id)
                              .TextOrNull(write->prior));
  if (tx == Tx::kOwn) batch.queries.emplace_back(Sql::kCommit);
  auto done = connection.Run(batch.queries);
  if (!done) {
    if (const auto* key = batch.KeyAt(UniqueViolationAt(connection))) {
      return KeyTaken(connection, org_id, *key, tx);
    }
    return std::move(done).error();
  }
  if ((*done)[update_at].affected() != 1) {
    // Cannot happen: the row is locked. Committed anyway, so say so loudly.
    return Error::Internal("postgres: contact vanished inside its transaction");
  }
  ApplyWrite(current, std::move(*write));
  return current;
}

}  // namespace contactsd::store::postgres
