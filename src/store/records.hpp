// The plain data the Store interface takes and returns: tenants and their keys, contacts and
// the writes of them (with their unique keys, references and batches), the change log's
// events, unlocks, collection entries and custom-field definitions. No behaviour beyond small
// pure helpers; store/store.hpp is the interface that uses them.
#pragma once

#include "common/result.hpp"
#include "store/event_position.hpp"

#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace contactsd::store {

// The tenant id of a shared catalogue (a model with "tenancy": "catalogue"): its contacts are
// stored under this id, as if it were an org, so every query is still scoped by a tenant id.
// No org can have it: CreateOrg refuses it (real org ids are UUIDs anyway).
inline constexpr std::string_view kCatalogueTenantId = "catalogue";

struct Org {
  std::string id;
  std::string name;
  std::string plan;  // "free", "pro", "internal", ...
  std::int64_t credits = 0;
  std::int64_t created_at_ms = 0;
};

struct ApiKey {
  std::string id;
  std::string org_id;
  std::string name;
  std::string prefix;  // the first characters of the secret, to recognise it in a list
  std::int64_t created_at_ms = 0;
  std::optional<std::int64_t> revoked_at_ms;
  std::string scope = "admin";                     // common/principal.hpp Scope: read, write, admin
  std::optional<std::int64_t> expires_at_ms = {};  // nullopt: never
  // When a request last authenticated with it, as of the last flush (Store::TouchApiKeys).
  std::optional<std::int64_t> last_used_at_ms = {};
};

// A key as created: the secret itself is never stored, only its SHA-256 (hex).
struct NewApiKey {
  ApiKey key;
  std::string key_hash;
};

struct Contact {
  std::string org_id;
  std::string id;
  std::string doc;  // a JSON object: the model's fields, as the model normalized them
  std::int64_t version = 1;
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
  std::optional<std::int64_t> archived_at_ms;
  std::string archived_by;  // empty unless archived
};

// Who made a change, in answer to which request: recorded with the change's event.
struct ChangeOrigin {
  std::string actor_type;  // "api_key", "jwt", "cli", or "system" (tests, the store's own work)
  std::string actor_id;    // the key's id, the JWT's subject; empty for "cli" and "system"
  std::string request_id;  // the X-Request-Id of the write; empty outside a request

  static ChangeOrigin System() { return {"system", {}, {}}; }
};

// One entry of the change log. Every committed change of a contact records exactly one, in the
// same transaction (the stores' write primitives do: no write of a contact can skip it).
struct Event {
  std::string org_id;  // the tenant whose log holds it (the catalogue's for its contacts)
  EventPosition position;
  // "contact.created", "contact.updated", "contact.archived", "contact.restored",
  // "contact.unlocked", "contact.erased", "custom_field.created"
  std::string type;
  std::int64_t occurred_at_ms = 0;
  ChangeOrigin origin;
  // The contact after the change (id, doc, version, timestamps, archive marks). For
  // "custom_field.created" the doc is the definition and the id empty.
  Contact contact;
  // What the change replaced, as JSON written by the service (empty when nothing was there
  // before, as for a create): the store keeps it and knows nothing of its format.
  std::string prior;
};

// The most events one query returns: a page of 1,000 and one more, which tells whether another
// page follows.
inline constexpr int kMaxEventQueryLimit = 1001;

// Events of one or two tenants (a catalogue model's org reads the catalogue's events and its
// own unlocks), after `after`, oldest first.
struct EventQuery {
  std::vector<std::string> tenants;  // REQUIRES: 1 or 2
  EventPosition after;
  int limit = 100;         // REQUIRES: 1..1000
  std::string type;        // empty: any
  std::string contact_id;  // empty: any
};

// One contact's events, newest first, before `before_seq` (0: from the newest).
struct HistoryQuery {
  std::vector<std::string> tenants;  // REQUIRES: 1 or 2
  std::string contact_id;
  std::int64_t before_seq = 0;
  int limit = 50;  // REQUIRES: 1..kMaxEventQueryLimit
};

// The event type of a contact write: created (no `before`), archived, restored (the archive
// mark came or went) or updated.
std::string_view ChangeTypeOf(const Contact* before, std::optional<std::int64_t> archived_after);

// A value the contact holds uniquely among its tenant's active contacts, e.g. {"email", "a@b.c"}.
// Archived contacts hold no keys.
struct UniqueKey {
  std::string name;
  std::string value;
  bool operator==(const UniqueKey&) const = default;
};

// The Conflict of a unique key that another contact of the tenant holds (`holder_id`; empty
// when it could not be read): "duplicate", its one detail naming the key and the holder.
Error KeyTakenError(std::string_view key_name, std::string_view holder_id);

// Ids of entries of one collection (a model's "lists", "labels") that a contact's document
// field holds. A write declares the ids it adds, and the store checks them in the write's
// transaction; `field` names the field in the error.
struct Reference {
  std::string field;
  std::string collection;
  std::vector<std::int64_t> ids;
  bool operator==(const Reference&) const = default;
};

// The 400 for references whose ids do not exist: Validation with one detail per reference,
// {field, "not_found", "no such id in lists: 7, 9"}. REQUIRES: each has at least one id.
Error MissingReferencesError(const std::vector<Reference>& missing);

// A tenant's custom-field definition.
struct CustomField {
  std::string org_id;
  std::string name;
  std::string type;          // a model field type name: "string", "number", "enum", ...
  std::string options_json;  // JSON array of allowed values for enums, else "[]"
  std::int64_t created_at_ms = 0;
};

// The 409 for a write whose custom values were checked against a definition that changed or
// went before the write's transaction: code "custom_field_changed", naming the field.
Error CustomFieldChangedError(std::string_view name);

// Whether each definition a write was checked against (`checked`: name, type, options_json) is
// still the tenant's (`stored`, any order: the definitions of those names found in the write's
// transaction); else CustomFieldChangedError for the first that is not.
Status CheckCustomFieldsUnchanged(const std::vector<CustomField>& checked,
                                  const std::vector<CustomField>& stored);

// What the service decides to write, computed inside the transaction from the current contact.
struct ContactWrite {
  bool changed = true;  // false: a no-op, nothing written, the version stays
  std::string doc;
  std::vector<UniqueKey> unique_keys;  // the full set held after the write (when not archived)
  std::int64_t updated_at_ms = 0;
  std::optional<std::int64_t> archived_at_ms;
  std::string archived_by;
  // Entry ids the new document holds that the current one does not: each must exist (checked,
  // and on PostgreSQL share-locked against a concurrent delete, inside the transaction).
  std::vector<Reference> references;
  // The custom-field definitions the write's custom values were checked against: each must
  // still be so (checked, and on PostgreSQL share-locked against a concurrent change, inside
  // the transaction; CheckCustomFieldsUnchanged).
  std::vector<CustomField> custom_fields = {};
  // Set when unique_keys are exactly the keys the active contact holds already (most writes
  // change no unique field): the store then neither reads nor writes them.
  bool keys_unchanged = false;
  // Recorded in the write's event (Event::prior): what the write replaced.
  std::string prior = {};
  // The search terms (?q=) the contact stops and starts being found by: none unless the write
  // changes a searched field. Archived contacts keep theirs (the list leaves them out).
  std::vector<std::string> terms_removed = {};
  std::vector<std::string> terms_added = {};
};

// What `write` makes of `current` once stored: its document, timestamp and archive marks, and
// version + 1. Every backend answers an update with it.
void ApplyWrite(Contact& current, ContactWrite&& write);

// Runs inside the write transaction with the current stored contact. An error rolls the
// transaction back and is returned to the caller unchanged.
using Mutation = std::function<Result<ContactWrite>(const Contact& current)>;

// What a caller knows of an update's mutation before it runs, so a store can pick how to write.
enum class UpdateScope {
  kAny,  // it may change anything: the unique keys, the references, the archive marks
  // It changes the document and its timestamp only: it reports keys_unchanged, adds no
  // references and keeps the archive marks (a PATCH of fields that are neither unique nor
  // references). A mutation that breaks this is still written correctly, only slower.
  kDocumentOnly,
};

// Receives the result of an asynchronous write (Store::UpdateContactAsync).
using ContactDone = std::function<void(Result<Contact>)>;

// Keeps the contacts whose document field `field` equals `value` or, for an array field,
// holds it as an item. `field` is a model field name (a lower-case identifier).
struct DocFilter {
  std::string field;
  std::string text;                          // compared as a string, unless one of these is set:
  std::optional<std::int64_t> integer = {};  // compared as a number, exactly
  std::optional<double> number = {};         // compared as a number
  std::optional<bool> boolean = {};          // compared as a JSON true or false
};

// A place in the list ordered by (updated_at, id): what a sync resumes after.
struct UpdatedPosition {
  std::int64_t updated_at_ms = 0;
  std::string id;  // "" sorts before every id: the position before the first at that time
};

struct ListQuery {
  std::string org_id;
  std::optional<std::string> after_id;  // keyset pagination: ids greater than this one
  int limit = 50;                       // REQUIRES: 1..1000
  bool include_archived = false;
  std::vector<DocFilter> filters;                // all must hold; REQUIRES: at most kMaxListFilters
  std::optional<std::int64_t> updated_since_ms;  // only contacts updated at or after it
  // Set: ordered by (updated_at, id) after this position instead of by id (after_id unused).
  std::optional<UpdatedPosition> after_updated;
  // Set: only contacts with a search term starting with it (?q=), found through the terms'
  // index, ordered by id. REQUIRES: not empty; no filters, updated_since or after_updated.
  std::optional<std::string> search_prefix = {};
};

inline constexpr std::size_t kMaxListFilters = 3;

// An org's paid access to one contact (of a catalogue): unlocked once, at `unlocked_at_ms`, for
// `credits_spent` credits. The org is the row's tenant; the contact is the catalogue's.
struct Unlock {
  std::string org_id;
  std::string contact_id;
  std::int64_t credits_spent = 0;
  std::int64_t unlocked_at_ms = 0;
};

inline constexpr std::size_t kMaxUnlockLookup = 1000;

// The most operations a batch request takes (POST {base}/contacts/batch).
inline constexpr std::size_t kMaxBatchOps = 1000;
// The most operations one WriteContacts call takes: an import writes its lines in larger
// transactions than a batch request may ask for.
inline constexpr std::size_t kMaxWriteOps = 10000;

// An entry of a per-tenant collection: a name under an integer id, allocated per
// (org, collection) from 1 upwards and never reused, so an id names one entry forever.
struct CollectionEntry {
  std::string org_id;
  std::string collection;
  std::int64_t id = 0;
  std::string name;
  std::int64_t created_at_ms = 0;
};

// The largest id a collection allocates: ids are int32s on the wire.
inline constexpr std::int64_t kMaxCollectionEntryId = 2'147'483'647;

// A contact's new document and what it replaced (Event::prior).
struct DocChange {
  std::string doc;
  std::string prior;
};

// Makes the new document of a contact that held a deleted entry's id.
using DocRewrite = std::function<Result<DocChange>(const Contact& current)>;

// A new contact as CreateContact takes it: the row (version 1), its unique keys, the entry ids
// it references, and the search terms it is found by (?q=; WriteContacts only).
struct NewContact {
  Contact contact;
  std::vector<UniqueKey> keys;
  std::vector<Reference> references;
  std::vector<std::string> terms = {};
  std::vector<CustomField> custom_fields = {};  // as ContactWrite::custom_fields
};

// One write of a batch (Store::WriteContacts).
struct ContactOp {
  enum class Kind {
    kCreate,  // inserts `create`
    // Runs `mutate` on the contact `id` names or, when `id` is empty, on the active contact
    // holding `key`; NotFound when there is none.
    kUpdate,
    // Runs `mutate` on the active contact holding `key`; without one, inserts `create`
    // (`create_error`, when set, is returned instead: the body is no valid new contact).
    kUpsert,
  };
  Kind kind = Kind::kCreate;
  std::string id = {};
  UniqueKey key = {};
  Mutation mutate = {};
  NewContact create = {};
  std::optional<Error> create_error = {};
};

// What one operation of a batch did: the contact as stored afterwards (or why not), and
// whether it was created.
struct ContactOpResult {
  Result<Contact> contact = Error::Internal("store: the operation did not run");
  bool created = false;
};

// A request's answer, stored in its write's transaction, so that a repeat of the request under
// the same Idempotency-Key is answered with it and writes nothing. The store keeps its fields
// and knows nothing of their format.
struct StoredAnswer {
  // The org whose key it is: the batch's tenant, or the org writing a catalogue's contacts.
  std::string org_id;
  std::string key;          // the client's Idempotency-Key
  std::string fingerprint;  // what the request was: method, path, a digest of the body
  int status = 0;
  std::string headers;  // as the caller encodes them
  std::string body;
  std::int64_t created_at_ms = 0;
  std::int64_t expires_at_ms = 0;
};

// Makes the answer of a batch from its results, inside the transaction, after the operations
// and before the commit; an error rolls everything back.
using AnswerMaker = std::function<Result<StoredAnswer>(const std::vector<ContactOpResult>&)>;

// Whether a batch's answer is stored: it has an answer maker and stored at least one of its
// operations (a batch that stored nothing answers as a failed request does: with nothing kept).
bool StoresAnswer(const std::vector<ContactOpResult>& results, const AnswerMaker* answer);
// Makes the answer of an unlock from the unlock it records (Store::UnlockContact).
using UnlockAnswerMaker = std::function<Result<StoredAnswer>(const Unlock&)>;

}  // namespace contactsd::store
