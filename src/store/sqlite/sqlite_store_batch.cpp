// SqliteStore: batches of contact writes and the idempotency answers stored with them. A batch
// is one write of the group commit (one savepoint of its transaction); without `atomic`, each
// operation runs in a savepoint of its own inside it, so a failing one is undone alone.
#include "store/sqlite/answers.hpp"
#include "store/sqlite/contact_writes.hpp"
#include "store/sqlite/rows.hpp"
#include "store/sqlite/sql.hpp"
#include "store/sqlite/sqlite_store.hpp"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>

namespace contactsd::store::sqlite {
namespace {

// Runs the operations in order until one fails, whose error it returns.
Status RunAll(Connection& writer, std::string_view org_id, const std::vector<ContactOp>& ops,
              const ChangeOrigin& origin, std::vector<ContactOpResult>& results) {
  for (const ContactOp& op : ops) {
    results.push_back(RunContactOp(writer, org_id, op, origin));
    if (!results.back().contact.ok()) return results.back().contact.error();
  }
  return {};
}

// Runs the operations of a batch on the writer. An atomic batch stops at the first failure,
// whose error it returns (the write's savepoint then undoes all of it); otherwise each
// operation that fails is undone in its own savepoint. Fills `results` either way.
Status RunOps(Connection& writer, std::string_view org_id, const std::vector<ContactOp>& ops,
              bool atomic, const ChangeOrigin& origin, std::vector<ContactOpResult>& results) {
  if (atomic) return RunAll(writer, org_id, ops, origin, results);
  // Each on its own, as asked; but first all together in one savepoint, which is undone and
  // the operations run again each in a savepoint of its own only when one fails. A savepoint
  // per operation costs more than its operation in a large batch: releasing one truncates the
  // in-memory sub-journal, a list walked from its start, which grows with the transaction
  // (docs/benchmarks.md: a batch of 1,000 creates spent a third of the writer's time there).
  if (ops.size() > 1) {
    if (auto saved = writer.ExecCached(sql::kTogetherSavepoint); !saved) return saved;
    const Status together = RunAll(writer, org_id, ops, origin, results);
    if (together) return writer.ExecCached(sql::kTogetherRelease);
    if (results.empty() || results.back().contact.ok()) return together;  // not an operation's
    if (auto undone = writer.ExecCached(sql::kTogetherRollback); !undone) return undone;
    if (auto released = writer.ExecCached(sql::kTogetherRelease); !released) return released;
    results.clear();
  }
  for (const ContactOp& op : ops) {
    if (auto saved = writer.ExecCached(sql::kOpSavepoint); !saved) return saved;
    results.push_back(RunContactOp(writer, org_id, op, origin));
    if (!results.back().contact.ok()) {
      if (auto undone = writer.ExecCached(sql::kOpRollback); !undone) return undone;
    }
    if (auto released = writer.ExecCached(sql::kOpRelease); !released) return released;
  }
  return {};
}

// A batch on its way through the writer: the body's input, and its results for the caller.
struct BatchWrite {
  std::string org_id;
  std::vector<ContactOp> ops;
  bool atomic = false;
  ChangeOrigin origin;
  const AnswerMaker* answer = nullptr;
  std::shared_ptr<const AnswerMaker> answer_kept = {};  // owns *answer when written async

  std::vector<ContactOpResult> results = {};
  bool ops_failed = false;  // an atomic batch's operation failed: the results say which

  // The write's body, on the writer.
  Status Run(Connection& writer) {
    results.reserve(ops.size());
    if (auto ran = RunOps(writer, org_id, ops, atomic, origin, results); !ran) {
      ops_failed = atomic && !results.empty() && !results.back().contact.ok();
      return ran;
    }
    if (!StoresAnswer(results, answer)) return {};
    auto made = (*answer)(results);
    if (!made) return std::move(made).error();
    return InsertAnswer(writer, *made);
  }

  // What WriteContacts returns, once the write has committed or failed.
  Result<std::vector<ContactOpResult>> Outcome(Status written) {
    if (!written && !ops_failed) return std::move(written).error();
    return std::move(results);
  }
};

}  // namespace

Result<std::vector<ContactOpResult>> SqliteStore::WriteContacts(std::string_view org_id,
                                                                std::vector<ContactOp> ops,
                                                                bool atomic,
                                                                const ChangeOrigin& origin,
                                                                const AnswerMaker* answer) {
  if (ops.size() > kMaxWriteOps) return Error::Internal("store: too many operations in a batch");
  BatchWrite batch{std::string(org_id), std::move(ops), atomic, origin, answer};
  Status written = RunWrite([&batch](Connection& writer) { return batch.Run(writer); });
  return batch.Outcome(std::move(written));
}

void SqliteStore::WriteContactsAsync(std::string_view org_id, std::vector<ContactOp> ops,
                                     bool atomic, ChangeOrigin origin,
                                     std::shared_ptr<const AnswerMaker> answer, BatchDone done) {
  if (ops.size() > kMaxWriteOps) {
    return done(Error::Internal("store: too many operations in a batch"));
  }
  auto batch = std::make_shared<BatchWrite>(BatchWrite{std::string(org_id), std::move(ops), atomic,
                                                       std::move(origin), answer.get(), answer});
  writer_.WriteAsync([batch](Connection& writer) { return batch->Run(writer); },
                     [batch, done = std::move(done)](Status written) {
                       done(batch->Outcome(std::move(written)));
                     });
}

Result<std::optional<StoredAnswer>> SqliteStore::FindAnswer(std::string_view org_id,
                                                            std::string_view key,
                                                            std::int64_t now_ms) {
  auto reader = readers_.Acquire();
  if (!reader) return std::move(reader).error();
  auto stmt = (*reader)->Prepare(sql::kGetAnswer);
  if (!stmt) return std::move(stmt).error();
  stmt->Bind(1, org_id).Bind(2, key).Bind(3, now_ms);
  return FirstRow(*stmt, ReadAnswer);
}

Result<int> SqliteStore::PruneAnswers(std::int64_t now_ms, int max_answers) {
  return Write([&](Connection& writer) -> Result<int> {
    auto stmt = writer.Prepare(sql::kPruneAnswers);
    if (!stmt) return std::move(stmt).error();
    stmt->Bind(1, now_ms).Bind(2, std::int64_t{max_answers});
    return stmt->Exec();
  });
}

}  // namespace contactsd::store::sqlite
