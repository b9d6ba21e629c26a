// The contacts service: create, get, list, patch, archive, restore and unlock, for one model
// over one Store. Knows no HTTP and no SQL. Every operation is scoped to the principal's tenant
// (or, for a catalogue model, to the shared catalogue), and a write is validated as a whole and
// applied in one store transaction, or not at all.
// Thread-safe: holds only references to immutable or thread-safe things.
#pragma once

#include "common/principal.hpp"
#include "common/result.hpp"
#include "contacts/version_condition.hpp"
#include "model/model.hpp"
#include "model/projection.hpp"
#include "store/store.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace contactsd::contacts {

// A stored contact with its record parsed, ready to be projected for a response, and (for a
// model with unlocks) what the calling org may see of it.
struct ContactView {
  store::Contact stored;
  boost::json::object record;
  model::AccessState access;
};

// How a list is read: by id (creation order), or in the order a sync needs.
struct ListOrder {
  std::optional<std::int64_t> updated_since_ms;  // only contacts updated at or after it
  bool by_update = false;  // ordered by (updated_at, id): stable for equal timestamps
};

struct ContactPage {
  std::vector<ContactView> items;
  std::optional<std::string> next_cursor;  // absent on the last page
};

// Receives the result of an asynchronous write (PatchAsync, ReplaceAsync).
using ViewDone = std::function<void(Result<ContactView>)>;

// One operation of a batch (POST {base}/contacts/batch), or a single write that runs as a
// batch of one: a create or an upsert (their one path), or any write made with an
// Idempotency-Key (so that its answer commits with it).
// - kCreate: `fields` (the request's field map, out of the model's envelope) make a new contact.
// - kUpsert (HubSpot's upsert by idProperty): `fields` applied as a PATCH to the active
//   contact whose unique field `id_property` holds `id` (`condition` as for a PATCH), or else
//   a new contact made from them with that field = `id` (`created`; If-Match then fails: there
//   is no version to match). `fields` may name the field only with that value. The lookup and
//   the write are one transaction: racing upserts of one key make one contact.
struct BatchOp {
  enum class Kind { kCreate, kUpdate, kReplace, kUpsert, kArchive, kRestore };
  Kind kind = Kind::kCreate;
  // The contact's id; with an id_property, the value of that unique field it holds (upsert:
  // always).
  std::string id;
  std::optional<std::string> id_property;
  VersionCondition condition;  // update, replace, upsert, archive, restore
  boost::json::object fields;  // create, update, replace, upsert: the request's field map
};

// What one operation did: the contact (or why not) and whether it was created.
struct BatchResult {
  Result<ContactView> view = Error::Internal("contacts: the operation did not run");
  bool created = false;
};

// Makes the answer stored with a batch (Idempotency-Key) from its results: its key,
// fingerprint, status, headers and body (the service fills in its org and times). It runs
// inside the write's transaction (on SQLite, on the writer thread), so it must be quick.
using BatchAnswer =
    std::function<Result<store::StoredAnswer>(const std::vector<BatchResult>& results)>;
// Receives a batch's results (WriteBatchAsync).
using BatchDone = std::function<void(Result<std::vector<BatchResult>>)>;

// What ContactsService::WriteValid did: every operation's result, or, when an operation's
// write failed (`failed`: its index, the last result), nothing stored and the results ending
// there.
struct ValidWrite {
  std::vector<BatchResult> results;
  std::optional<std::size_t> failed;
};

// Milliseconds since the Unix epoch; injected so tests can pin time.
using Clock = std::function<std::int64_t()>;

class ContactsService {
  // A batch operation made ready for the store, or the error it fails with before any write.
  struct PreparedOp;

 public:
  // `cursor_secret` signs pagination cursors (Store::ServerSecret); an idempotency answer is
  // kept for `answer_ttl`.
  ContactsService(const model::Model& model, store::Store& store, Clock clock,
                  std::string cursor_secret,
                  std::chrono::milliseconds answer_ttl = std::chrono::hours(24));

  // Whether `who` may create and change contacts: Forbidden (403) when the model's
  // write_plans leave out the org's plan. Every write below checks it first; handlers call it
  // before reading the body, so such an org learns nothing about its request.
  Status MayWrite(const Principal& who) const;

  // A create: `fields` is the request's field map (already out of the model's envelope). A
  // batch of one (WriteBatch), as the API's POST is.
  Result<ContactView> Create(const Principal& who, const boost::json::object& fields) const;
  Result<ContactView> Get(const Principal& who, std::string_view id) const;
  // The id of the contact a path names: `value` itself, or with an `id_property` (HubSpot's
  // idProperty) the id of the active contact of the tenant whose unique field of that name
  // holds `value`, compared as stored (an email in any case). Errors: BadRequest
  // "invalid_query" when id_property names no unique field; NotFound when no active contact
  // holds the value.
  Result<std::string> IdOf(const Principal& who, std::string_view value,
                           const std::string* id_property) const;
  // GET by ?id_property=: the contact IdOf names, read in one query.
  Result<ContactView> GetByKey(const Principal& who, std::string_view value,
                               const std::string& id_property) const;
  // `filters` are the request's (parameter, value) pairs for the model's list filters, or for
  // its unique fields (?email=, ?external_id=): those find the one active contact that holds
  // the value, compared as stored, by key rather than by a scan.
  // Errors: BadRequest "invalid_query" for a limit outside 1..kMaxPageSize, a filter value of
  // the wrong type, too many filters, or a unique field's filter with another filter;
  // "invalid_cursor".
  // A cursor resumes the order it was made in (invalid_cursor for another order's).
  Result<ContactPage> List(const Principal& who, int limit, std::string_view cursor,
                           const std::vector<std::pair<std::string, std::string>>& filters = {},
                           const ListOrder& order = {}) const;
  // Only the keys of `fields` change. `condition` (If-Match, If-None-Match) must hold for the
  // stored version (412 otherwise). Errors: invalid_id, validation_failed, not_found,
  // archived (409), duplicate (409), precondition_failed.
  Result<ContactView> Patch(const Principal& who, std::string_view id,
                            const boost::json::object& fields,
                            const VersionCondition& condition) const;
  // PUT: the fields sent replace the whole record (a field not sent is cleared), for models
  // with "replace": true (404 otherwise). Same errors as Patch.
  Result<ContactView> Replace(const Principal& who, std::string_view id,
                              const boost::json::object& fields,
                              const VersionCondition& condition) const;
  // Patch and Replace answered through `done` instead of by returning: `done` is called exactly
  // once, on any thread (on SQLite the store's writer thread, after the commit) and possibly
  // before this returns, so it must be quick and must neither block nor throw. The checks that
  // need no contact run first, on the calling thread (they may read the store); the write
  // itself waits for the database only where the store's writes block (QueuesWrites()).
  void PatchAsync(const Principal& who, std::string_view id, const boost::json::object& fields,
                  const VersionCondition& condition, ViewDone done) const;
  void ReplaceAsync(const Principal& who, std::string_view id, const boost::json::object& fields,
                    const VersionCondition& condition, ViewDone done) const;
  // True when PatchAsync and ReplaceAsync return without waiting for a commit.
  bool QueuesWrites() const { return store_.QueuesWrites(); }

  // Archiving keeps the data, frees the unique keys, and is idempotent. Both this and Restore
  // are not_found for a model without archiving, and, like Patch, precondition_failed when
  // `condition` does not hold for the stored version.
  Result<ContactView> Archive(const Principal& who, std::string_view id,
                              const VersionCondition& condition = {}) const;
  // Takes the unique keys back (409 duplicate if one was taken meanwhile); idempotent.
  Result<ContactView> Restore(const Principal& who, std::string_view id,
                              const VersionCondition& condition = {}) const;
  // For a model with unlocks: the org pays the contact's unlock cost from its credits, once (a
  // second unlock is free), and gets the contact with its gated fields. An org whose plan has
  // full access pays nothing and records nothing. Errors: invalid_id, not_found (also for a
  // model without unlocks), insufficient_credits (402, nothing spent).
  // With `answer` (Idempotency-Key), a new unlock stores its answer in the same commit (as a
  // batch does); an unlock that spends nothing stores none.
  Result<ContactView> Unlock(const Principal& who, std::string_view id,
                             std::shared_ptr<const BatchAnswer> answer = nullptr) const;

  // Batches. The operations run in order in one transaction, each seeing the ones before it,
  // and each records its event. `atomic`: all or nothing; the results end at the first that
  // failed (checks that need no contact run first, for every operation, so a bad body
  // anywhere is reported before anything is written). Otherwise one result per operation, a
  // failing one undone alone. With `answer`, its answer is stored with the batch, in the same
  // commit, unless nothing was written. `done` as for PatchAsync. Errors (of the whole): the
  // store's; Conflict "idempotency_key_in_use" when another request stored an answer under the
  // key first. REQUIRES: ops.size() <= store::kMaxWriteOps; the caller checked MayWrite.
  void WriteBatchAsync(const Principal& who, std::vector<BatchOp> ops, bool atomic,
                       std::shared_ptr<const BatchAnswer> answer, BatchDone done) const;
  Result<std::vector<BatchResult>> WriteBatch(const Principal& who, std::vector<BatchOp> ops,
                                              bool atomic,
                                              std::shared_ptr<const BatchAnswer> answer) const;
  // An import's batch, in two steps so that the next batch is checked while this one is
  // written. CheckValid runs each operation's checks that need no contact (most of the batch's
  // CPU) on the calling thread. WriteValidAsync then writes those that passed all or nothing,
  // in one transaction without a savepoint each (a large batch is several times cheaper so);
  // those that failed their checks are reported and left out. When a write fails (a
  // duplicate), nothing is stored (ValidWrite::failed): the caller writes the rest otherwise.
  // `done` is called as PatchAsync's is. REQUIRES: ops.size() <= store::kMaxWriteOps; the
  // caller checked MayWrite.
  struct CheckedBatch {
    std::shared_ptr<std::vector<PreparedOp>> prepared;
  };
  CheckedBatch CheckValid(const Principal& who, std::vector<BatchOp> ops) const;
  using ValidDone = std::function<void(Result<ValidWrite>)>;
  void WriteValidAsync(const Principal& who, CheckedBatch batch, ValidDone done) const;
  // The answer stored under the Idempotency-Key `key` by `who`'s org, if it has not expired.
  Result<std::optional<store::StoredAnswer>> FindAnswer(const Principal& who,
                                                        std::string_view key) const;

  // An export: the active contacts the list's `filters` (as List takes them, unique fields
  // included; no q) and `updated_since_ms` select, by id, read in one snapshot of the store,
  // page by page (ExportPage) for as long as the scan lives. Errors: as List's.
  Result<std::unique_ptr<store::ContactScan>> OpenExport(
      const Principal& who, const std::vector<std::pair<std::string, std::string>>& filters,
      std::optional<std::int64_t> updated_since_ms) const;
  // The export's next page as views for `who` (gated fields as `who` may see them); empty at
  // the end.
  Result<std::vector<ContactView>> ExportPage(const Principal& who, store::ContactScan& scan) const;
  // Whether `name` is a unique field of the model (what id_property and upsert_on name).
  // Errors: BadRequest "invalid_query" naming the unique fields.
  Status CheckUniqueField(std::string_view name) const;

  // Erasure (GDPR Article 17): removes the contact and every value of it from the store and the
  // change log, leaving a "contact.erased" event with its id; the id is not found ever after.
  // Archived and hidden contacts too. Needs the plan that may write. Errors: invalid_id,
  // forbidden, not_found.
  Status Erase(const Principal& who, std::string_view id) const;

  // The cursor of the page that starts after the contact `id` (of `who`'s list): for an answer
  // that ends its page early (a byte cap), so the client carries on from there.
  std::string CursorAfter(const store::Contact& last, const ListOrder& order = {}) const;

  static constexpr int kMaxPageSize = 100;
  static constexpr int kDefaultPageSize = 50;

 private:
  enum class WriteMode { kMerge, kReplace };
  struct PendingWrite;
  void WriteAsync(const Principal& who, std::string_view id, const boost::json::object& fields,
                  const VersionCondition& condition, WriteMode mode, ViewDone done) const;
  // What a write's mutation may change: the document only, unless it is a replace or sends a
  // unique or referencing field (then its keys or references may change too).
  store::UpdateScope ScopeOf(WriteMode mode, const boost::json::object& normalized) const;
  // Whether a write's normalized fields include one ?q= searches (its terms then move).
  bool SendsSearchedField(const boost::json::object& normalized) const;
  // The write's mutation, inside the store's transaction: what `pending` makes of `current`.
  Result<store::ContactWrite> Rewrite(PendingWrite& pending, const store::Contact& current) const;
  // The tenant's custom fields a write's checks need: none unless it sends custom values.
  struct CustomFieldsChecked {
    std::vector<model::FieldSpec> specs;  // every definition, for the checks
    // The definitions of the names it sends, which the store checks again in the write's
    // transaction (store::ContactWrite::custom_fields).
    std::vector<store::CustomField> sent;
  };
  Result<CustomFieldsChecked> CustomFieldsFor(const Principal& who,
                                              const boost::json::object& fields) const;
  // List's page for filters on unique fields (`keys`; a value no contact could hold is
  // empty): at most the one active contact holding them all, within the query's position and
  // updated_since.
  // The unique field a ?id_property= names. Errors: BadRequest "invalid_query" naming the
  // model's unique fields.
  Result<const model::FieldSpec*> UniqueFieldNamed(std::string_view id_property) const;
  // The active contact of the tenant whose unique field `id_property` holds `value`.
  Result<store::Contact> HolderOf(const Principal& who, std::string_view value,
                                  std::string_view id_property) const;
  Result<ContactPage> ListByKeys(const Principal& who, const store::ListQuery& query,
                                 const std::vector<std::optional<store::UniqueKey>>& keys) const;
  std::vector<store::UniqueKey> KeysOf(const boost::json::object& record) const;
  // The tenant id the contacts of `who` are stored under: its org, or the catalogue's.
  std::string_view TenantOf(const Principal& who) const;
  // Fills each view's access for `who` with one lookup of its unlocks (nothing to do for a
  // model without unlocks).
  Status FillAccess(const Principal& who, std::vector<ContactView*> views) const;
  // The view of a stored contact, with its access for `who`.
  Result<ContactView> ViewWithAccess(const Principal& who, store::Contact stored) const;

  // WriteBatchAsync and WriteValid: `stop_at_invalid`, an operation that fails its checks
  // ends the batch (nothing is written); otherwise it is reported and left out. `done` also
  // learns whether an atomic write failed (and so stored nothing).
  using OpsDone = std::function<void(Result<std::vector<BatchResult>>, bool rolled_back)>;
  void WriteOpsAsync(const Principal& who, std::vector<BatchOp> ops, bool atomic,
                     bool stop_at_invalid, std::shared_ptr<const BatchAnswer> answer,
                     OpsDone done) const;
  // Prepare() for each operation; with `stop_at_invalid`, up to the first that fails.
  std::shared_ptr<std::vector<PreparedOp>> PrepareAll(const Principal& who,
                                                      std::vector<BatchOp>& ops,
                                                      bool stop_at_invalid) const;
  // The operations that passed their checks written in one store call.
  void WritePrepared(const Principal& who, std::shared_ptr<std::vector<PreparedOp>> prepared,
                     bool atomic, std::shared_ptr<const BatchAnswer> answer, OpsDone done) const;
  PreparedOp Prepare(const Principal& who, BatchOp& op, std::int64_t now_ms) const;
  Result<std::vector<BatchResult>> MergeResults(const Principal& who,
                                                std::vector<PreparedOp>& prepared,
                                                const std::vector<std::size_t>& sent,
                                                std::vector<store::ContactOpResult> stored,
                                                bool take) const;
  // The new contact a create's fields make, with its record. Errors: validation_failed.
  struct NewRecord;
  Result<NewRecord> PrepareCreate(const Principal& who, const boost::json::object& fields,
                                  std::int64_t now_ms) const;
  // The checks of a PATCH or PUT that need no contact, and what its mutation carries.
  Result<std::shared_ptr<PendingWrite>> PrepareWrite(const Principal& who,
                                                     const boost::json::object& fields,
                                                     const VersionCondition& condition,
                                                     WriteMode mode) const;
  store::Mutation ArchiveMutation(const Principal& who, const VersionCondition& condition,
                                  std::int64_t now_ms) const;
  store::Mutation RestoreMutation(const VersionCondition& condition, std::int64_t now_ms) const;

  const model::Model& model_;
  store::Store& store_;
  Clock clock_;
  std::string cursor_secret_;
  std::chrono::milliseconds answer_ttl_;
};

}  // namespace contactsd::contacts
