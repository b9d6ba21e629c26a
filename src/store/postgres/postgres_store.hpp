// PostgresStore: the Store on a PostgreSQL database, through a pool of connections (each with
// its statements prepared once). Several processes may share one database: row locks
// (SELECT ... FOR UPDATE) serialize writes to a contact, unique constraints hold the unique
// keys, and an advisory lock serializes migrations.
//
// A call that finds its pooled connection gone (the server restarted) reconnects; it is retried
// once on a new connection if it had sent nothing that may have committed. A transaction the
// server aborts to break a deadlock is retried from the start (up to 3 times).
//
// Thread-safe.
#pragma once

#include "store/postgres/credentials_listener.hpp"
#include "store/postgres/pool.hpp"
#include "store/store.hpp"

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace contactsd::store::postgres {

struct PostgresOptions {
  std::string conninfo;  // a libpq URL or connection string; never put into an error
  int pool_size = 8;     // REQUIRES: >= 1
  // How long a call waits for a pooled connection before failing with Unavailable.
  std::chrono::milliseconds acquire_timeout{10'000};
};

class PostgresStore final : public Store {
 public:
  // Makes the store; connects lazily, on the first call that needs a connection (OpenStore
  // calls Migrate at once, so a server that is down fails the start-up). Does not migrate.
  static std::unique_ptr<PostgresStore> Open(const PostgresOptions& options);

  Status Migrate() override;

  Status CreateOrg(const Org& org) override;
  Result<Org> GetOrg(std::string_view org_id) override;

  Status CreateApiKey(const NewApiKey& key) override;
  Result<std::vector<ApiKey>> ListApiKeys(std::string_view org_id) override;
  Result<ApiKey> RevokeApiKey(std::string_view key_id, std::int64_t now_ms) override;
  Status TouchApiKeys(const std::vector<std::pair<std::string, std::int64_t>>& used) override;
  StoreMetrics Metrics() const override {
    StoreMetrics out;
    out.pool_wait_seconds = &pool_.wait_seconds();
    return out;
  }
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
  // `mutate` runs with the contact's row locked and a pooled connection held: it must not block
  // on I/O nor call this store (with every connection leased, that would wait forever). It may
  // run more than once (a retried deadlock); only the last run's result is written.
  Result<Contact> UpdateContact(std::string_view org_id, std::string_view id,
                                const Mutation& mutate, const ChangeOrigin& origin) override;
  // With UpdateScope::kDocumentOnly, the optimistic write: the contact is read without a
  // lock, mutated, and written by one UPDATE that applies only if its version is still the one
  // read (read again and retried otherwise). Two statements in two round trips, no
  // SELECT ... FOR UPDATE and no explicit transaction, against five statements for the
  // locked write; a mutation
  // that turns out to change more than the document is written the locked way.
  void UpdateContactAsync(std::string_view org_id, std::string_view id, Mutation mutate,
                          UpdateScope scope, ChangeOrigin origin, ContactDone done) override;

  Result<std::vector<ContactOpResult>> WriteContacts(std::string_view org_id,
                                                     std::vector<ContactOp> ops, bool atomic,
                                                     const ChangeOrigin& origin,
                                                     const AnswerMaker* answer) override;
  Result<std::optional<StoredAnswer>> FindAnswer(std::string_view org_id, std::string_view key,
                                                 std::int64_t now_ms) override;
  Result<int> PruneAnswers(std::int64_t now_ms, int max_answers) override;

  using Store::UnlockContact;
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
  // `rewrite` runs with the contacts locked, under the same rules as UpdateContact's mutation
  // (and may likewise run more than once).
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

  // Webhooks (postgres_store_webhooks.cpp).
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

  // Whether a write is a transaction of its own (BEGIN ... COMMIT) or an operation of a batch,
  // inside the batch's transaction and its operation's savepoint ("op").
  enum class Tx { kOwn, kJoined };

 private:
  explicit PostgresStore(const PostgresOptions& options);

  // Runs `op(connection)` on a pooled connection, retrying as the class comment says.
  // `op` returns a Result or a Status.
  template <class Op>
  auto WithConnection(Op op) -> decltype(op(std::declval<Connection&>()));

  // CreateContact's transaction on `connection`: the checks (references, custom fields), the
  // keys and the row.
  Result<Contact> InsertContact(Connection& connection, const NewContact& created,
                                const ChangeOrigin& origin, Tx tx);
  // UpdateContact's transaction on `connection`: lock, mutate, write the keys and the row.
  Result<Contact> LockedUpdate(Connection& connection, std::string_view org_id, std::string_view id,
                               const Mutation& mutate, const ChangeOrigin& origin, Tx tx);
  // An atomic batch of plain creates (OnlyPlainCreates) inside the caller's transaction: each
  // table's rows a thousand to a statement, every statement in one round trip. An error (a key
  // taken: which create's is not known) leaves the transaction to be rolled back.
  Status InsertAll(Connection& connection, std::string_view org_id,
                   const std::vector<ContactOp>& ops, const ChangeOrigin& origin);
  // An atomic batch of creates without references (an import's lines), inside the caller's
  // transaction: their statements pipelined a few hundred creates a round trip. Results as an
  // atomic WriteContacts': they end at a create that failed (the transaction is then lost).
  Result<std::vector<ContactOpResult>> CreateAll(Connection& connection, std::string_view org_id,
                                                 const std::vector<ContactOp>& ops,
                                                 const ChangeOrigin& origin);
  // The operations of a batch one after the other, each in its savepoint; an atomic batch's
  // first failure rolls the transaction back and ends the results.
  Status RunEach(Connection& connection, std::string_view org_id, const std::vector<ContactOp>& ops,
                 bool atomic, const ChangeOrigin& origin, std::vector<ContactOpResult>& results);
  // One operation of a batch, in its savepoint.
  ContactOpResult RunOp(Connection& connection, std::string_view org_id, const ContactOp& op,
                        const ChangeOrigin& origin);
  // ListContacts in the order a sync reads it (query.after_updated set).
  Result<std::vector<Contact>> ListByUpdate(const ListQuery& query);
  // The optimistic write (UpdateContactAsync with kDocumentOnly).
  Result<Contact> OptimisticUpdate(std::string_view org_id, std::string_view id,
                                   const Mutation& mutate, const ChangeOrigin& origin);

  Pool pool_;
  CredentialsListener credentials_;

  std::mutex secret_mu_;
  std::string secret_;  // guarded by secret_mu_; empty until first read
};

// The insert of an idempotency answer (kInsertAnswer): no row affected when the org has a live
// answer under its key, which is then AnswerKeyInUse(). REQUIRES: `answer` outlives the query.
Query AnswerInsert(const StoredAnswer& answer);
Error AnswerKeyInUse();

// SQLSTATEs of a transaction the server aborted (deadlock, serialization failure): nothing of
// it was applied, so running it again from the start is safe.
bool IsRetryableAbort(const Failure& failure);

template <class Op>
auto PostgresStore::WithConnection(Op op) -> decltype(op(std::declval<Connection&>())) {
  constexpr int kMaxAbortRetries = 3;
  bool reconnected = false;
  int aborts = 0;
  for (;;) {
    auto lease = pool_.Acquire();
    if (!lease) return std::move(lease).error();
    Connection& connection = **lease;
    connection.ClearMayHaveCommitted();
    auto result = op(connection);
    if (result.ok()) return result;
    if (!connection.usable()) {
      // Lost mid-call (the pool had found it alive): once, on a new connection, unless a
      // change may have been applied, which only the caller can decide to redo.
      if (reconnected || connection.may_have_committed()) return result;
      reconnected = true;
      continue;
    }
    if (IsRetryableAbort(connection.failure()) && aborts++ < kMaxAbortRetries) continue;
    return result;
  }
}

}  // namespace contactsd::store::postgres
