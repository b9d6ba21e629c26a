// SqliteStore: the Store on one SQLite file in WAL mode. One writer thread owns the writer
// connection and runs every write (through Write()) with group commit: the writes queued
// meanwhile share one BEGIN IMMEDIATE ... COMMIT, each in its own savepoint (see
// group_commit_writer.hpp). A pool of query-only connections serves reads, which therefore
// never wait for the writer. Several processes may open the same file: SQLite's file locks
// (with a 5 s busy timeout) serialize their writers.
//
// Thread-safe.
#pragma once

#include "store/sqlite/connection.hpp"
#include "store/sqlite/credentials_watch.hpp"
#include "store/sqlite/group_commit_writer.hpp"
#include "store/sqlite/read_pool.hpp"
#include "store/sqlite/wal_checkpointer.hpp"
#include "store/store.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace contactsd::store::sqlite {

struct SqliteOptions {
  std::string path;
  // FULL: a commit survives power loss. NORMAL: commits are not synced until a checkpoint
  // (still consistent, but the last commits may roll back on power loss).
  bool synchronous_full = true;
  int read_connections = 4;  // REQUIRES: >= 1
  // How long a statement waits for another process's lock before failing with Unavailable.
  int busy_timeout_ms = 5000;
  // The most writes one transaction takes. In practice the HTTP worker threads (each waits for
  // its own write's commit) bound a batch first; this cap bounds how long the first write of a
  // batch waits behind the others when callers are many.
  int max_batch_writes = 128;  // REQUIRES: >= 1
};

class SqliteStore final : public Store {
 public:
  // Opens (creating if missing) the file and its writer connection; does not migrate.
  // Errors: Unavailable when the file cannot be opened.
  static Result<std::unique_ptr<SqliteStore>> Open(const SqliteOptions& options);

  Status Migrate() override;

  Status CreateOrg(const Org& org) override;
  Result<Org> GetOrg(std::string_view org_id) override;

  Status CreateApiKey(const NewApiKey& key) override;
  Result<std::vector<ApiKey>> ListApiKeys(std::string_view org_id) override;
  Result<ApiKey> RevokeApiKey(std::string_view key_id, std::int64_t now_ms) override;
  Status TouchApiKeys(const std::vector<std::pair<std::string, std::int64_t>>& used) override;
  Result<ApiKey> FindApiKeyByHash(std::string_view key_hash) override;
  Result<std::uint64_t> CredentialsVersion() override;

  using Store::CreateContact;
  Result<Contact> CreateContact(const Contact& contact, const std::vector<UniqueKey>& keys,
                                const std::vector<Reference>& references,
                                const ChangeOrigin& origin) override;
  Result<Contact> GetContact(std::string_view org_id, std::string_view id) override;
  Result<std::optional<Contact>> FindContactByKey(std::string_view org_id,
                                                  const UniqueKey& key) override;
  Result<std::vector<Contact>> ListContacts(const ListQuery& query) override;
  Result<std::unique_ptr<ContactScan>> ScanContacts(const ListQuery& query) override;
  // `mutate` runs on the writer thread, inside the batch's transaction: it must not block (its
  // batch-mates wait for it), nor write through this store (an Internal error). Reads through
  // this store are fine; they see the last commit, not the batch's writes.
  using Store::UpdateContact;
  Result<Contact> UpdateContact(std::string_view org_id, std::string_view id,
                                const Mutation& mutate, const ChangeOrigin& origin) override;
  // Queues the write and returns; `done` runs on the writer thread after the batch's COMMIT.
  // Every write is serialized on the writer, so nothing can come between its read and its
  // write: the scope changes nothing here.
  void UpdateContactAsync(std::string_view org_id, std::string_view id, Mutation mutate,
                          UpdateScope scope, ChangeOrigin origin, ContactDone done) override;
  bool QueuesWrites() const override { return true; }

  using Store::UnlockContact;
  Result<std::vector<ContactOpResult>> WriteContacts(std::string_view org_id,
                                                     std::vector<ContactOp> ops, bool atomic,
                                                     const ChangeOrigin& origin,
                                                     const AnswerMaker* answer) override;
  void WriteContactsAsync(std::string_view org_id, std::vector<ContactOp> ops, bool atomic,
                          ChangeOrigin origin, std::shared_ptr<const AnswerMaker> answer,
                          BatchDone done) override;
  Result<std::optional<StoredAnswer>> FindAnswer(std::string_view org_id, std::string_view key,
                                                 std::int64_t now_ms) override;
  Result<int> PruneAnswers(std::int64_t now_ms, int max_answers) override;

  Result<Unlock> UnlockContact(std::string_view org_id, const Contact& contact, std::int64_t cost,
                               std::int64_t now_ms, const ChangeOrigin& origin,
                               const UnlockAnswerMaker* answer) override;
  Result<std::vector<Unlock>> ListUnlocks(std::string_view org_id,
                                          const std::vector<std::string>& contact_ids) override;

  using Store::CreateCustomField;
  Status CreateCustomField(const CustomField& field, std::string_view definition_json,
                           const ChangeOrigin& origin) override;
  Result<std::vector<CustomField>> ListCustomFields(std::string_view org_id) override;
  Result<int> UpdateCustomField(const CustomField& field, std::string_view container,
                                const std::vector<std::string>& removed,
                                std::string_view definition_json, std::int64_t now_ms,
                                const ChangeOrigin& origin) override;
  Result<int> DeleteCustomField(std::string_view org_id, std::string_view name,
                                std::string_view container, std::string_view definition_json,
                                std::int64_t now_ms, const DocRewrite& rewrite,
                                const ChangeOrigin& origin) override;

  Result<CollectionEntry> CreateCollectionEntry(const CollectionEntry& entry,
                                                std::size_t max_entries) override;
  Result<std::vector<CollectionEntry>> ListCollectionEntries(std::string_view org_id,
                                                             std::string_view collection) override;
  Result<std::vector<Reference>> MissingReferences(
      std::string_view org_id, const std::vector<Reference>& references) override;
  // `rewrite` runs with the write lock held, under the same rules as UpdateContact's mutation.
  using Store::DeleteCollectionEntry;
  Result<int> DeleteCollectionEntry(std::string_view org_id, std::string_view collection,
                                    std::int64_t id, const std::vector<std::string>& fields,
                                    std::int64_t now_ms, const DocRewrite& rewrite,
                                    const ChangeOrigin& origin) override;

  Result<std::vector<Event>> ListEvents(const EventQuery& query) override;
  Result<std::vector<Event>> ListHistory(const HistoryQuery& query) override;
  Result<std::optional<Event>> FindEvent(const std::vector<std::string>& tenants,
                                         std::string_view contact_id, std::int64_t seq) override;
  using Store::EraseContact;
  Status EraseContact(std::string_view org_id, std::string_view id, std::int64_t now_ms,
                      const ChangeOrigin& origin, const TermsOf& terms_of) override;
  Result<std::vector<std::pair<std::string, std::int64_t>>> DeleteOrg(
      std::string_view org_id) override;
  Result<int> PruneEvents(std::int64_t cutoff_ms, int max_events) override;
  Result<std::int64_t> EventHorizon(const std::vector<std::string>& tenants) override;
  Result<std::string> EventsWatermark() override;
  Result<EventLogState> ReadEventLogState() override;

  // Webhooks (sqlite_store_webhooks.cpp).
  Status CreateWebhook(const WebhookEndpoint& endpoint, int max_per_org) override;
  Result<std::vector<WebhookEndpoint>> ListWebhooks(std::string_view org_id) override;
  Result<WebhookEndpoint> GetWebhook(std::string_view org_id, std::string_view id) override;
  Result<WebhookEndpoint> UpdateWebhook(std::string_view org_id, std::string_view id,
                                        const WebhookChange& change) override;
  Status DeleteWebhook(std::string_view org_id, std::string_view id) override;
  Result<std::vector<WebhookEndpoint>> ListEveryWebhook(std::string_view after_org,
                                                        std::string_view after_id,
                                                        int limit) override;
  Status LeaseWebhookStreams(std::string_view owner, std::int64_t now_ms,
                             std::int64_t lease_until_ms) override;
  Status ReleaseWebhookStreams(std::string_view owner) override;
  Result<std::vector<std::string>> HeldContacts(std::string_view org_id,
                                                std::string_view endpoint_id) override;
  Result<std::vector<bool>> RecordDispatch(const DispatchRecord& record) override;
  Status EnqueueDelivery(std::string_view org_id, std::string_view endpoint_id,
                         const NewDelivery& delivery, std::int64_t now_ms) override;
  Result<std::vector<DueDelivery>> ClaimDeliveries(std::string_view owner, std::int64_t now_ms,
                                                   std::int64_t lease_until_ms, int limit,
                                                   const DeliveryFilter& take) override;
  Result<int> PruneDeliveries(std::int64_t cutoff_ms, int max_rows) override;
  Result<std::vector<WebhookEndpoint>> DisableFailingWebhooks(std::int64_t cutoff_ms,
                                                              std::int64_t now_ms,
                                                              const WebhookDoc& doc) override;
  Result<std::vector<DeliveryAttempt>> ListDeliveryAttempts(
      std::string_view org_id, std::string_view endpoint_id,
      const std::optional<AttemptPosition>& before, int limit) override;
  Status RetryDelivery(std::string_view org_id, std::string_view endpoint_id,
                       std::string_view event_id, std::int64_t now_ms) override;

  // 32 random bytes, created by the first process ever to ask, cached after the first read.
  Result<std::string> ServerSecret() override;

  // How many writes the commits so far held (writes / transactions is the mean batch).
  WriteStats write_stats() const { return writer_.stats(); }
  StoreMetrics Metrics() const override {
    return {&writer_.commit_writes(), &writer_.commit_seconds(), writer_.sync_seconds(), nullptr,
            writer_.stats().queued};
  }

 private:
  SqliteStore(std::unique_ptr<Connection> writer, std::unique_ptr<Connection> checkpointer,
              const SqliteOptions& options);

  // Runs `body` on the writer connection inside a write transaction (shared with the other
  // writes queued at the time, in a savepoint of its own): committed when it succeeds, rolled
  // back alone when it returns an error (which is returned as is). Returns only after the
  // COMMIT that holds the write has returned (its error, if it failed). Every write of this
  // store goes through here and nowhere else touches the writer.
  Status RunWrite(const GroupCommitWriter::Body& body);
  // RunWrite for a body that returns a value: `Result<T> body(Connection&)`.
  template <class Body>
  auto Write(Body&& body) -> decltype(body(std::declval<Connection&>()));
  // Write without waiting: `done(Result<T>)` gets what Write would return, on the writer thread
  // after the COMMIT (see GroupCommitWriter::WriteAsync). `body` is kept until then.
  template <class Body, class Done>
  void WriteAsync(Body body, Done done);

  Result<std::optional<std::string>> ReadServerSecret();    // base64url, if created
  Result<std::optional<std::string>> CreateServerSecret();  // base64url, as stored

  ReadPool readers_;
  CredentialsWatch credentials_;
  WalCheckpointer checkpointer_;
  // Last: destroyed first, so that the writes it drains at shutdown can still read, and its
  // connection (whose WAL hook points at checkpointer_) closes before checkpointer_ goes.
  GroupCommitWriter writer_;

  std::mutex secret_mu_;
  std::string secret_;  // guarded by secret_mu_; empty until first read
  // The highest event seq known to be on disk (ListEvents): a page at or below it needs no sync.
  std::atomic<std::int64_t> durable_seq_{0};
};

template <class Body>
auto SqliteStore::Write(Body&& body) -> decltype(body(std::declval<Connection&>())) {
  using R = decltype(body(std::declval<Connection&>()));
  std::optional<R> out;
  Status written = RunWrite([&](Connection& writer) -> Status {
    out.emplace(body(writer));
    if (!out->ok()) return out->error();
    return {};
  });
  if (!written) return std::move(written).error();  // the body's error, or the commit's
  return std::move(*out);
}

template <class Body, class Done>
void SqliteStore::WriteAsync(Body body, Done done) {
  using R = decltype(body(std::declval<Connection&>()));
  // The body's value, from the body (before the COMMIT) to the completion (after it).
  auto out = std::make_shared<std::optional<R>>();
  writer_.WriteAsync(
      [body = std::move(body), out](Connection& writer) mutable -> Status {
        out->emplace(body(writer));
        if (!(*out)->ok()) return (*out)->error();
        return {};
      },
      [out, done = std::move(done)](Status written) mutable {
        if (!written) {
          done(R(std::move(written).error()));  // the body's error, or the commit's
          return;
        }
        done(std::move(**out));
      });
}

}  // namespace contactsd::store::sqlite
