// PostgresStore: batches of contact writes and the idempotency answers stored with them. A
// batch is one transaction on one connection; each operation runs in a savepoint ("op"), so an
// operation that fails (a key taken, a contact gone) is undone alone, and an upsert that loses
// its key to a concurrent one can try again as an update. An atomic batch rolls everything back
// at its first failure.
#include "store/postgres/array_text.hpp"
#include "store/postgres/custom_field_lock.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/postgres/rows.hpp"

#include <algorithm>
#include <deque>
#include <string>
#include <utility>

namespace contactsd::store::postgres {
namespace {

StoredAnswer ReadAnswer(const Rows& rows, int row) {
  StoredAnswer answer;
  answer.key = std::string(rows.Text(row, 0));
  answer.fingerprint = std::string(rows.Text(row, 1));
  answer.status = static_cast<int>(rows.Int8(row, 2));
  answer.headers = std::string(rows.Text(row, 3));
  answer.body = std::string(rows.Text(row, 4));
  answer.created_at_ms = rows.Int8(row, 5);
  answer.expires_at_ms = rows.Int8(row, 6);
  return answer;
}

// The id of the tenant's active contact holding `key`, or "".
Result<std::string> HolderOf(Connection& connection, std::string_view org_id,
                             const UniqueKey& key) {
  auto rows =
      connection.Run(Query(Sql::kFindKeyHolder).Text(org_id).Text(key.name).Text(key.value));
  if (!rows) return std::move(rows).error();
  return rows->empty() ? std::string() : std::string(rows->Text(0, 0));
}

// Whether a failed write lost a race with a concurrent one over the upsert's key: the holder
// found went away (archived, erased) before its row was locked, or another contact took the
// key first. The upsert then looks for the holder again.
bool LostTheKey(const Error& e, const UniqueKey& key) {
  if (e.code == ErrorCode::kNotFound || e.error == "archived") return true;
  return e.error == "duplicate" && !e.details.empty() && e.details.front().field == key.name;
}

// Whether the connection can go on with the batch after an operation's failure: not when it is
// lost, nor when the server aborted the transaction (deadlock, serialization failure), which
// WithConnection then runs again from the start.
bool BatchGoesOn(const Connection& connection) {
  return connection.usable() && !IsRetryableAbort(connection.failure());
}

// Whether every operation is a create with nothing to check first (no references, no error,
// not archived): then an atomic batch's rows can be written many to a statement.
bool OnlyPlainCreates(const std::vector<ContactOp>& ops) {
  return !ops.empty() && std::all_of(ops.begin(), ops.end(), [](const ContactOp& op) {
    return op.kind == ContactOp::Kind::kCreate && !op.create_error &&
           op.create.references.empty() && !op.create.contact.archived_at_ms;
  });
}

}  // namespace

Query AnswerInsert(const StoredAnswer& answer) {
  return Query(Sql::kInsertAnswer)
      .Text(answer.org_id)
      .Text(answer.key)
      .Text(answer.fingerprint)
      .Int8(std::int64_t{answer.status})
      .Text(answer.headers)
      .Text(answer.body)
      .Int8(answer.created_at_ms)
      .Int8(answer.expires_at_ms);
}

Error AnswerKeyInUse() {
  return Error::Conflict("A request with this Idempotency-Key has just been answered",
                         "idempotency_key_in_use");
}

ContactOpResult PostgresStore::RunOp(Connection& connection, std::string_view org_id,
                                     const ContactOp& op, const ChangeOrigin& origin) {
  using Kind = ContactOp::Kind;
  const NewContact& created = op.create;
  auto create = [&]() -> ContactOpResult {
    if (op.create_error) return {*op.create_error};
    return {InsertContact(connection, created, origin, Tx::kJoined), true};
  };
  if (op.kind == Kind::kCreate) return create();
  if (!op.id.empty()) {
    return {LockedUpdate(connection, org_id, op.id, op.mutate, origin, Tx::kJoined)};
  }
  // By key: the holder may change between the lookup and the lock, so a round that finds the
  // key moved looks again (within the operation's savepoint, rolled back to before each).
  constexpr int kRounds = 4;
  for (int round = 0;; ++round) {
    auto holder = HolderOf(connection, org_id, op.key);
    if (!holder) return {std::move(holder).error()};
    ContactOpResult result;
    if (holder->empty()) {
      if (op.kind == Kind::kUpdate) return {Error::NotFound("Contact not found")};
      result = create();
    } else {
      result = {LockedUpdate(connection, org_id, *holder, op.mutate, origin, Tx::kJoined)};
    }
    if (result.contact.ok() || round + 1 == kRounds || !BatchGoesOn(connection) ||
        !LostTheKey(result.contact.error(), op.key)) {
      return result;
    }
    if (auto undone = connection.Run(Query(Sql::kRollbackToOp)); !undone) {
      return {std::move(undone).error()};
    }
  }
}

Status PostgresStore::InsertAll(Connection& connection, std::string_view org_id,
                                const std::vector<ContactOp>& ops, const ChangeOrigin& origin) {
  // A definition changed since the check: an error, so that CreateAll runs and names the create.
  auto changed = LockDefinitionsOfCreates(connection, org_id, ops);
  if (!changed) return std::move(changed).error();
  if (!changed->empty()) return changed->back().contact.error();
  constexpr std::size_t kRowsPerStatement = 1000;
  std::deque<std::string> texts;  // the parameters, alive until the queries have run
  std::vector<Query> queries;
  for (std::size_t from = 0; from < ops.size(); from += kRowsPerStatement) {
    const std::size_t to = std::min(ops.size(), from + kRowsPerStatement);
    ArrayText key_names, key_values, key_contacts, terms, term_contacts;
    ArrayText ids, docs, created, updated;
    for (std::size_t i = from; i < to; ++i) {
      const NewContact& made = ops[i].create;
      const std::vector<UniqueKey>& keys = made.keys;
      for (auto it = keys.begin(); it != keys.end(); ++it) {
        if (std::find(keys.begin(), it, *it) != it) continue;  // a duplicate in the list itself
        key_names.Add(it->name);
        key_values.Add(it->value);
        key_contacts.Add(made.contact.id);
      }
      for (const std::string& term : made.terms) {
        terms.Add(term);
        term_contacts.Add(made.contact.id);
      }
      ids.Add(made.contact.id);
      docs.Add(made.contact.doc);
      created.Add(made.contact.created_at_ms);
      updated.Add(made.contact.updated_at_ms);
    }
    auto text = [&texts](ArrayText& column) -> std::string_view {
      return texts.emplace_back(column.Take());
    };
    // Keys first, as a single create writes them: a key taken fails before anything else.
    queries.push_back(Query(Sql::kInsertContactKeys)
                          .Text(org_id)
                          .Text(text(key_names))
                          .Text(text(key_values))
                          .Text(text(key_contacts)));
    queries.push_back(
        Query(Sql::kInsertTerms).Text(org_id).Text(text(terms)).Text(text(term_contacts)));
    queries.push_back(Query(Sql::kInsertContacts)
                          .Text(org_id)
                          .Text(text(ids))
                          .Text(text(docs))
                          .Text(text(created))
                          .Text(text(updated))
                          .Text(origin.actor_type)
                          .Text(origin.actor_id)
                          .Text(origin.request_id));
  }
  auto done = connection.Run(queries);
  if (!done) return std::move(done).error();
  return {};
}

Status PostgresStore::RunEach(Connection& connection, std::string_view org_id,
                              const std::vector<ContactOp>& ops, bool atomic,
                              const ChangeOrigin& origin, std::vector<ContactOpResult>& results) {
  for (const ContactOp& op : ops) {
    if (auto saved = connection.Run(Query(Sql::kSavepointOp)); !saved) {
      return std::move(saved).error();
    }
    results.push_back(RunOp(connection, org_id, op, origin));
    const Result<Contact>& done = results.back().contact;
    if (!done.ok()) {
      if (!BatchGoesOn(connection)) return done.error();
      if (atomic) {
        if (auto undone = connection.Run(Query(Sql::kRollback)); !undone) {
          return std::move(undone).error();
        }
        return {};
      }
      if (auto undone = connection.Run(Query(Sql::kRollbackToOp)); !undone) {
        return std::move(undone).error();
      }
    }
    if (auto released = connection.Run(Query(Sql::kReleaseOp)); !released) {
      return std::move(released).error();
    }
  }
  return {};
}

Result<std::vector<ContactOpResult>> PostgresStore::WriteContacts(std::string_view org_id,
                                                                  std::vector<ContactOp> ops,
                                                                  bool atomic,
                                                                  const ChangeOrigin& origin,
                                                                  const AnswerMaker* answer) {
  if (ops.size() > kMaxWriteOps) return Error::Internal("store: too many operations in a batch");
  using Results = std::vector<ContactOpResult>;
  // Any early return leaves the transaction open; the pool rolls it back.
  return WithConnection([&](Connection& connection) -> Result<Results> {
    Results results;
    results.reserve(ops.size());
    if (auto begun = connection.Run(Query(Sql::kBegin)); !begun) return std::move(begun).error();
    if (atomic && OnlyPlainCreates(ops)) {
      if (auto inserted = InsertAll(connection, org_id, ops, origin); inserted) {
        for (const ContactOp& op : ops) {
          Contact stored = op.create.contact;
          stored.version = 1;
          results.push_back({std::move(stored), true});
        }
      } else {
        if (!BatchGoesOn(connection)) return std::move(inserted).error();
        // A row failed (a key taken, maybe twice in the batch): the creates again one by one,
        // a statement each, to find which (and name the key's holder).
        if (auto undone = connection.Exec("ROLLBACK"); !undone) return std::move(undone).error();
        if (auto begun = connection.Run(Query(Sql::kBegin)); !begun) {
          return std::move(begun).error();
        }
        auto created = CreateAll(connection, org_id, ops, origin);
        if (!created) return std::move(created).error();
        results = std::move(created).value();
      }
      if (!results.back().contact.ok()) {
        (void)connection.Exec("ROLLBACK");  // already rolled back when a key's holder was read
        return results;
      }
    } else if (auto ran = RunEach(connection, org_id, ops, atomic, origin, results); !ran) {
      return std::move(ran).error();
    } else if (atomic && !results.empty() && !results.back().contact.ok()) {
      return results;  // rolled back
    }
    if (StoresAnswer(results, answer)) {
      auto made = (*answer)(results);
      if (!made) return std::move(made).error();
      auto inserted = connection.Run(AnswerInsert(*made));
      if (!inserted) return std::move(inserted).error();
      if (inserted->affected() == 0) return AnswerKeyInUse();
    }
    if (auto committed = connection.Run(Query(Sql::kCommit)); !committed) {
      return std::move(committed).error();
    }
    return results;
  });
}

Result<std::optional<StoredAnswer>> PostgresStore::FindAnswer(std::string_view org_id,
                                                              std::string_view key,
                                                              std::int64_t now_ms) {
  return WithConnection([&](Connection& connection) -> Result<std::optional<StoredAnswer>> {
    auto rows = connection.Run(Query(Sql::kGetAnswer).Text(org_id).Text(key).Int8(now_ms));
    if (!rows) return std::move(rows).error();
    if (rows->empty()) return std::optional<StoredAnswer>{};
    return std::optional<StoredAnswer>(ReadAnswer(*rows, 0));
  });
}

Result<int> PostgresStore::PruneAnswers(std::int64_t now_ms, int max_answers) {
  return WithConnection([&](Connection& connection) -> Result<int> {
    auto rows =
        connection.Run(Query(Sql::kPruneAnswers).Int8(now_ms).Int8(std::int64_t{max_answers}));
    if (!rows) return std::move(rows).error();
    return static_cast<int>(rows->affected());
  });
}

}  // namespace contactsd::store::postgres
