// The one storage interface above the backends. It stores documents, versions, unique keys and
// tenants; it knows no model rules. SQLite (store/sqlite) and PostgreSQL (store/postgres)
// implement it, and nothing above src/store knows which one is running.
//
// Thread-safety: every method may be called from any thread at the same time.
// Errors: NotFound, Conflict (unique key taken; details name the key), PaymentRequired (too few
// credits), Unavailable (database busy or gone), Internal. Every contact query is scoped by
// org_id.
#pragma once

#include "common/result.hpp"
#include "store/contact_scan.hpp"
#include "store/records.hpp"
#include "store/webhook_store.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace contactsd::metrics {
class Histogram;
}

namespace contactsd::store {

// What a backend measures of its own work, for /metrics; null where it has no such thing.
struct StoreMetrics {
  const metrics::Histogram* commit_writes = nullptr;      // SQLite: writes per group commit
  const metrics::Histogram* commit_seconds = nullptr;     // SQLite: each group commit's COMMIT
  const metrics::Histogram* sync_seconds = nullptr;       // SQLite FULL: each WAL fdatasync
  const metrics::Histogram* pool_wait_seconds = nullptr;  // PostgreSQL: waits for a connection
  std::size_t queued_writes = 0;                          // SQLite: waiting for a batch
};

// The change log and the webhook queue behind it, read when /metrics is scraped. Each field is
// one indexed read, not a scan of the log: the size is the span of seqs retained (erasures and
// PostgreSQL's rolled-back writes leave gaps, so it is an upper bound of the events held).
struct EventLogState {
  std::int64_t newest_seq = 0;  // 0: the log is empty
  std::int64_t oldest_seq = 0;
  std::int64_t newest_at_ms = 0;  // when the newest and the oldest retained event occurred
  std::int64_t oldest_at_ms = 0;
  std::int64_t pending_deliveries = 0;    // webhook deliveries parked and not yet delivered
  std::int64_t oldest_pending_at_ms = 0;  // when the oldest of them was parked (0: none)
  std::int64_t bytes = -1;  // on disk: the log's table and indexes (PostgreSQL), or -1
};

class Store : public WebhookStore {
 public:
  ~Store() override = default;

  // A moment's view of what the backend measures (the histograms live as long as the store).
  virtual StoreMetrics Metrics() const { return {}; }

  // Brings the schema to the newest version. Idempotent; safe when several processes run it
  // at once (the first one migrates, the others wait and find nothing to do).
  virtual Status Migrate() = 0;

  // Tenants. CreateOrg takes a filled Org (id and created_at chosen by the caller); the
  // catalogue's id is a BadRequest.
  virtual Status CreateOrg(const Org& org) = 0;
  virtual Result<Org> GetOrg(std::string_view org_id) = 0;

  // API keys. FindApiKeyByHash returns only an active (not revoked) key whose org exists;
  // NotFound otherwise, whatever the reason.
  virtual Status CreateApiKey(const NewApiKey& key) = 0;
  virtual Result<std::vector<ApiKey>> ListApiKeys(std::string_view org_id) = 0;
  virtual Result<ApiKey> RevokeApiKey(std::string_view key_id, std::int64_t now_ms) = 0;
  virtual Result<ApiKey> FindApiKeyByHash(std::string_view key_hash) = 0;
  // Records when keys were last used (key id, Unix ms), each only where it is later than what
  // is stored: what an Authenticator saw since its last flush, so that a request costs no
  // write (auth/api_key_cache.hpp). Unknown ids are skipped.
  virtual Status TouchApiKeys(const std::vector<std::pair<std::string, std::int64_t>>& used) = 0;
  // A number that changes whenever a credential stops being valid (a key is revoked), by any
  // process on this database, so that a cache of authenticated keys can be checked against it
  // on every request. Cheap: it reads no table while nothing changed (SQLite) or while the
  // revocation notifications are being received (PostgreSQL); when it cannot tell, it returns
  // a new number on every call, which defeats the cache instead of trusting it.
  virtual Result<std::uint64_t> CredentialsVersion() = 0;

  // Contacts. CreateContact inserts the contact (version 1) with its unique keys in one
  // transaction; a taken key is a Conflict whose first detail names the key. Every id of
  // `references` must exist when the transaction commits (MissingReferencesError otherwise).
  // Every write of a contact below records its event (Event) in its transaction, made by
  // `origin`; the overloads without one record ChangeOrigin::System().
  virtual Result<Contact> CreateContact(const Contact& contact, const std::vector<UniqueKey>& keys,
                                        const std::vector<Reference>& references,
                                        const ChangeOrigin& origin) = 0;
  Result<Contact> CreateContact(const Contact& contact, const std::vector<UniqueKey>& keys,
                                const std::vector<Reference>& references = {}) {
    return CreateContact(contact, keys, references, ChangeOrigin::System());
  }
  virtual Result<Contact> GetContact(std::string_view org_id, std::string_view id) = 0;
  // The tenant's active contact that holds `key` (archived contacts hold none), or nothing:
  // one read.
  virtual Result<std::optional<Contact>> FindContactByKey(std::string_view org_id,
                                                          const UniqueKey& key) = 0;
  // Ordered by id ascending (ids are UUIDv7, so this is creation order), or by (updated_at, id)
  // when query.after_updated is set.
  virtual Result<std::vector<Contact>> ListContacts(const ListQuery& query) = 0;
  // The whole list `query` selects, page after page (query.limit each), in one snapshot: it
  // holds a reader (SQLite) or a pooled connection (PostgreSQL) until it is destroyed.
  // REQUIRES: no after_updated, no search_prefix.
  virtual Result<std::unique_ptr<ContactScan>> ScanContacts(const ListQuery& query) = 0;
  // Loads the contact (NotFound if the tenant has none with this id), runs `mutate`, and, if
  // it asks for a change, checks the write's references (MissingReferencesError), writes the
  // document with version + 1 and replaces the unique keys, all in one transaction. Returns the
  // contact as stored afterwards.
  virtual Result<Contact> UpdateContact(std::string_view org_id, std::string_view id,
                                        const Mutation& mutate, const ChangeOrigin& origin) = 0;
  Result<Contact> UpdateContact(std::string_view org_id, std::string_view id,
                                const Mutation& mutate) {
    return UpdateContact(org_id, id, mutate, ChangeOrigin::System());
  }
  // Runs `ops` in order in one transaction (each sees the changes of those before it; each
  // records its event as the single writes do). `atomic`: the first operation that fails ends
  // the batch and rolls all of it back; it is the last of the results, and nothing is stored.
  // Otherwise a failing operation is rolled back alone and the others go on: one result per
  // operation. With `answer`, the answer it makes is stored with the batch (in the same
  // commit, under its org and key) unless the batch stored nothing: every operation
  // failed. Errors: the database's, the answer maker's, and Conflict
  // "idempotency_key_in_use" when the org has a live answer under that key already (nothing
  // written). REQUIRES: ops.size() <= kMaxWriteOps.
  virtual Result<std::vector<ContactOpResult>> WriteContacts(std::string_view org_id,
                                                             std::vector<ContactOp> ops,
                                                             bool atomic,
                                                             const ChangeOrigin& origin,
                                                             const AnswerMaker* answer) = 0;
  // WriteContacts answered through `done` (as UpdateContactAsync answers): exactly once, on
  // any thread, after the commit; `answer` is kept until then. The default runs WriteContacts
  // on the calling thread.
  using BatchDone = std::function<void(Result<std::vector<ContactOpResult>>)>;
  virtual void WriteContactsAsync(std::string_view org_id, std::vector<ContactOp> ops, bool atomic,
                                  ChangeOrigin origin, std::shared_ptr<const AnswerMaker> answer,
                                  BatchDone done);
  // The tenant's answer stored under `key` and not yet expired at `now_ms`, if any.
  virtual Result<std::optional<StoredAnswer>> FindAnswer(std::string_view org_id,
                                                         std::string_view key,
                                                         std::int64_t now_ms) = 0;
  // Deletes answers that expired before `now_ms`, at most `max_answers` in one short
  // transaction; returns how many (fewer than max_answers: none is left).
  virtual Result<int> PruneAnswers(std::int64_t now_ms, int max_answers) = 0;
  // UpdateContact answered through `done` instead of by returning: `done` is called exactly
  // once with what UpdateContact would return, once the transaction has committed or failed,
  // on any thread and possibly before this returns. It must be quick and must neither block
  // nor throw (on SQLite it runs on the writer thread, and the rest of its batch is answered
  // after it). `mutate` may run more than once (a store may retry it on a newer version of
  // the contact); only its last write is stored. The default runs UpdateContact on the calling
  // thread, whatever the scope.
  virtual void UpdateContactAsync(std::string_view org_id, std::string_view id, Mutation mutate,
                                  UpdateScope scope, ChangeOrigin origin, ContactDone done);
  // Whether UpdateContactAsync returns without waiting for the database (SQLite, where the
  // writer thread does the work). When false it blocks like UpdateContact: call it only where
  // blocking is fine.
  virtual bool QueuesWrites() const { return false; }

  // Unlocks, in one transaction: the org's unlock of the contact if it has one (nothing
  // spent); else `cost` is taken from the org's credits and the unlock {org, contact, cost,
  // now} recorded. Concurrent calls for one org and contact, from any number of processes,
  // spend once: the others return the first one's unlock.
  // Errors: PaymentRequired when the org has fewer credits than `cost` (nothing spent or
  // recorded); NotFound when the org does not exist. Knows nothing of the contact: the caller
  // checks that it exists and passes it as `contact`, which a new unlock records in the org's
  // log ("contact.unlocked", by `origin`). REQUIRES: cost >= 0.
  // With `answer`, a new unlock stores the answer it makes (Idempotency-Key), in the same
  // commit (Conflict "idempotency_key_in_use", nothing spent, when the org has a live answer
  // under its key); an unlock found already stores none.
  virtual Result<Unlock> UnlockContact(std::string_view org_id, const Contact& contact,
                                       std::int64_t cost, std::int64_t now_ms,
                                       const ChangeOrigin& origin,
                                       const UnlockAnswerMaker* answer) = 0;
  Result<Unlock> UnlockContact(std::string_view org_id, const Contact& contact, std::int64_t cost,
                               std::int64_t now_ms, const ChangeOrigin& origin) {
    return UnlockContact(org_id, contact, cost, now_ms, origin, nullptr);
  }
  Result<Unlock> UnlockContact(std::string_view org_id, std::string_view contact_id,
                               std::int64_t cost, std::int64_t now_ms) {
    Contact contact;
    contact.id = std::string(contact_id);
    return UnlockContact(org_id, contact, cost, now_ms, ChangeOrigin::System(), nullptr);
  }
  // The org's unlocks of any of `contact_ids`, in one query (in no particular order; a contact
  // it has not unlocked has none). REQUIRES: at most kMaxUnlockLookup ids.
  virtual Result<std::vector<Unlock>> ListUnlocks(std::string_view org_id,
                                                  const std::vector<std::string>& contact_ids) = 0;

  // Per-tenant custom field definitions. A taken name is a Conflict. A new one records
  // "custom_field.created" (its doc: `definition_json`) in the tenant's log.
  virtual Status CreateCustomField(const CustomField& field, std::string_view definition_json,
                                   const ChangeOrigin& origin) = 0;
  Status CreateCustomField(const CustomField& field) {
    return CreateCustomField(field, "{}", ChangeOrigin::System());
  }
  virtual Result<std::vector<CustomField>> ListCustomFields(std::string_view org_id) = 0;
  // Changes a definition's options (its name and type stay) and records "custom_field.updated"
  // (doc: `definition_json`) at `now_ms`, unless a contact of the tenant (archived ones too)
  // holds one of `removed` as its value of the field (in the document's object `container`):
  // then nothing changes, and the answer is how many do (0: changed). Errors: NotFound when
  // the tenant has no such field.
  virtual Result<int> UpdateCustomField(const CustomField& field, std::string_view container,
                                        const std::vector<std::string>& removed,
                                        std::string_view definition_json, std::int64_t now_ms,
                                        const ChangeOrigin& origin) = 0;
  // Deletes the definition, recording "custom_field.deleted" (doc: `definition_json`), and in
  // the same transaction every contact of the tenant (archived ones too) that holds a value of
  // it in `container` becomes `rewrite(contact)` (the value gone), version + 1, updated_at
  // max(now_ms, updated_at), its change recorded as any update's. Returns how many contacts
  // changed. Errors: NotFound when the tenant has no such field; `rewrite`'s, with nothing
  // changed.
  virtual Result<int> DeleteCustomField(std::string_view org_id, std::string_view name,
                                        std::string_view container,
                                        std::string_view definition_json, std::int64_t now_ms,
                                        const DocRewrite& rewrite, const ChangeOrigin& origin) = 0;

  // Collections of per-tenant entries (a model's "collections"). CreateCollectionEntry takes
  // the entry without its id, allocates the next one and returns the entry as stored.
  // Errors: Conflict "limit_reached" when the tenant already has `max_entries` entries in the
  // collection, or has used every id up to kMaxCollectionEntryId.
  virtual Result<CollectionEntry> CreateCollectionEntry(const CollectionEntry& entry,
                                                        std::size_t max_entries) = 0;
  // In id order.
  virtual Result<std::vector<CollectionEntry>> ListCollectionEntries(
      std::string_view org_id, std::string_view collection) = 0;
  // The references whose ids do not all exist in the tenant's collections, each with only its
  // missing ids; empty when every id exists.
  virtual Result<std::vector<Reference>> MissingReferences(
      std::string_view org_id, const std::vector<Reference>& references) = 0;
  // Deletes the entry and, in the same transaction, rewrites every contact of the tenant
  // (archived ones too) whose document field named in `fields` holds `id` (as an integer or an
  // array item): the document becomes `rewrite(contact)`, the version goes up by one and
  // updated_at becomes max(now_ms, updated_at). A write adding the id concurrently either
  // commits first (and is rewritten) or fails with MissingReferencesError. Returns how many
  // contacts were rewritten. Errors: NotFound when the tenant has no such entry; `rewrite`'s
  // errors, with nothing changed. `rewrite` runs inside the transaction, under the same rules
  // as UpdateContact's mutation.
  virtual Result<int> DeleteCollectionEntry(std::string_view org_id, std::string_view collection,
                                            std::int64_t id, const std::vector<std::string>& fields,
                                            std::int64_t now_ms, const DocRewrite& rewrite,
                                            const ChangeOrigin& origin) = 0;
  Result<int> DeleteCollectionEntry(std::string_view org_id, std::string_view collection,
                                    std::int64_t id, const std::vector<std::string>& fields,
                                    std::int64_t now_ms, const DocRewrite& rewrite) {
    return DeleteCollectionEntry(org_id, collection, id, fields, now_ms, rewrite,
                                 ChangeOrigin::System());
  }

  // The change log. ListEvents: at most query.limit events after query.after, in log order;
  // on PostgreSQL only those of transactions older than every one still running, so a later
  // call never finds one before a position already returned. ListHistory: newest first.
  virtual Result<std::vector<Event>> ListEvents(const EventQuery& query) = 0;
  virtual Result<std::vector<Event>> ListHistory(const HistoryQuery& query) = 0;
  // The event at `seq` in one of the tenants' logs, of the contact given (empty: of any, or of
  // none; a scan of the tenants' logs on PostgreSQL, which has no index by seq alone);
  // nullopt when there is none (an erasure or retention deleted it).
  virtual Result<std::optional<Event>> FindEvent(const std::vector<std::string>& tenants,
                                                 std::string_view contact_id, std::int64_t seq) = 0;
  // Erasure (GDPR Article 17), in one transaction: deletes the contact, its unique keys, the
  // search terms `terms_of` names for it (the service's, made from the stored contact inside
  // the transaction) and every event of it, in any tenant's log (a catalogue contact's unlocks
  // are in the unlocking orgs' logs), and appends "contact.erased" (its id, no values) to the
  // tenant's log. The id is not found ever after. Errors: NotFound.
  using TermsOf = std::function<std::vector<std::string>(const Contact& stored)>;
  virtual Status EraseContact(std::string_view org_id, std::string_view id, std::int64_t now_ms,
                              const ChangeOrigin& origin, const TermsOf& terms_of) = 0;
  Status EraseContact(std::string_view org_id, std::string_view id, std::int64_t now_ms,
                      const ChangeOrigin& origin) {
    return EraseContact(org_id, id, now_ms, origin,
                        [](const Contact&) { return std::vector<std::string>{}; });
  }
  // Deletes the org and everything it owns (contacts, keys, custom fields, collections, unlocks,
  // its change log) in one transaction, and changes CredentialsVersion() so that running
  // servers stop accepting its keys at once. Returns how many rows went, per table, in a fixed
  // order. Errors: NotFound when there is no such org.
  virtual Result<std::vector<std::pair<std::string, std::int64_t>>> DeleteOrg(
      std::string_view org_id) = 0;

  // Retention. PruneEvents deletes the oldest events of the log (lowest seq first) while they
  // occurred before `cutoff_ms`, at most `max_events` in one short transaction, and records,
  // for each tenant, the highest seq it deleted. Returns how many it deleted (fewer than
  // max_events: nothing older is left). EventHorizon: the highest seq pruned from any of
  // `tenants`' logs (0: none), so that a reader resuming before it can be told it missed some.
  virtual Result<int> PruneEvents(std::int64_t cutoff_ms, int max_events) = 0;
  virtual Result<std::int64_t> EventHorizon(const std::vector<std::string>& tenants) = 0;
  // A value that changes whenever ListEvents may find events it did not before (some process
  // committed one, or on PostgreSQL a transaction older than the readable ones ended), and
  // rarely otherwise: one cheap read for every waiting reader of the feed.
  virtual Result<std::string> EventsWatermark() = 0;
  // The log's extent and the webhook queue's depth, for /metrics (cheap: see EventLogState).
  virtual Result<EventLogState> ReadEventLogState() = 0;

  // A server-wide random secret of 32 bytes (created once, shared by every process on this
  // database), used to sign pagination cursors.
  virtual Result<std::string> ServerSecret() = 0;
};

struct OpenOptions {
  int pool_size = 0;  // PostgreSQL connections per process; 0: the URL's ?pool=N, else 8
  // SQLite only. true: synchronous=FULL, an acknowledged write survives power loss. false:
  // NORMAL, the last commits may be lost on power loss or an OS crash (never on a process
  // crash), and the file stays consistent.
  bool sqlite_synchronous_full = true;
};

// Opens the store a URL names: "sqlite:PATH" or "postgresql://USER:PASSWORD@HOST:PORT/DB"
// (libpq parameters in the query, plus pool=N; several HOST:PORT, comma-separated, for a
// primary and its standbys), and migrates it.
// Errors: BadRequest for an unknown scheme, Unavailable when the database cannot be opened.
// No error ever contains the URL (it may hold a password).
Result<std::unique_ptr<Store>> OpenStore(std::string_view url, const OpenOptions& options = {});

// The URL with its password (in the user info, or a password= or sslpassword= parameter)
// replaced by "***", for messages and logs.
std::string RedactedUrl(std::string_view url);

}  // namespace contactsd::store
