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

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
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

// A value the contact holds uniquely among its tenant's active contacts, e.g. {"email", "a@b.c"}.
// Archived contacts hold no keys.
struct UniqueKey {
  std::string name;
  std::string value;
  bool operator==(const UniqueKey&) const = default;
};

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
  // Set when unique_keys are exactly the keys the active contact holds already (most writes
  // change no unique field): the store then neither reads nor writes them.
  bool keys_unchanged = false;
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
  std::string text;                     // compared as a string, unless
  std::optional<std::int64_t> integer;  // set: compared as an integer
};

struct ListQuery {
  std::string org_id;
  std::optional<std::string> after_id;  // keyset pagination: ids greater than this one
  int limit = 50;                       // REQUIRES: 1..1000
  bool include_archived = false;
  std::vector<DocFilter> filters;  // all must hold; REQUIRES: at most kMaxListFilters
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

// Makes the new document of a contact that held a deleted entry's id.
using DocRewrite = std::function<Result<std::string>(const Contact& current)>;

struct CustomField {
  std::string org_id;
  std::string name;
  std::string type;          // a model field type name: "string", "number", "enum", ...
  std::string options_json;  // JSON array of allowed values for enums, else "[]"
  std::int64_t created_at_ms = 0;
};

class Store {
 public:
  virtual ~Store() = default;

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
  // A number that changes whenever a credential stops being valid (a key is revoked), by any
  // process on this database, so that a cache of authenticated keys can be checked against it
  // on every request. Cheap: it reads no table while nothing changed (SQLite) or while the
  // revocation notifications are being received (PostgreSQL); when it cannot tell, it returns
  // a new number on every call, which defeats the cache instead of trusting it.
  virtual Result<std::uint64_t> CredentialsVersion() = 0;

  // Contacts. CreateContact inserts the contact (version 1) with its unique keys in one
  // transaction; a taken key is a Conflict whose first detail names the key. Every id of
  // `references` must exist when the transaction commits (MissingReferencesError otherwise).
  virtual Result<Contact> CreateContact(const Contact& contact, const std::vector<UniqueKey>& keys,
                                        const std::vector<Reference>& references) = 0;
  Result<Contact> CreateContact(const Contact& contact, const std::vector<UniqueKey>& keys) {
    return CreateContact(contact, keys, {});
  }
  virtual Result<Contact> GetContact(std::string_view org_id, std::string_view id) = 0;
  // Ordered by id ascending (ids are UUIDv7, so this is creation order).
  virtual Result<std::vector<Contact>> ListContacts(const ListQuery& query) = 0;
  // Loads the contact (NotFound if the tenant has none with this id), runs `mutate`, and, if
  // it asks for a change, checks the write's references (MissingReferencesError), writes the
  // document with version + 1 and replaces the unique keys, all in one transaction. Returns the
  // contact as stored afterwards.
  virtual Result<Contact> UpdateContact(std::string_view org_id, std::string_view id,
                                        const Mutation& mutate) = 0;
  // UpdateContact answered through `done` instead of by returning: `done` is called exactly
  // once with what UpdateContact would return, once the transaction has committed or failed,
  // on any thread and possibly before this returns. It must be quick and must neither block
  // nor throw (on SQLite it runs on the writer thread, and the rest of its batch is answered
  // after it). `mutate` may run more than once (a store may retry it on a newer version of
  // the contact); only its last write is stored. The default runs UpdateContact on the calling
  // thread, whatever the scope.
  virtual void UpdateContactAsync(std::string_view org_id, std::string_view id, Mutation mutate,
                                  UpdateScope scope, ContactDone done);
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
  // checks that it exists. REQUIRES: cost >= 0.
  virtual Result<Unlock> UnlockContact(std::string_view org_id, std::string_view contact_id,
                                       std::int64_t cost, std::int64_t now_ms) = 0;
  // The org's unlocks of any of `contact_ids`, in one query (in no particular order; a contact
  // it has not unlocked has none). REQUIRES: at most kMaxUnlockLookup ids.
  virtual Result<std::vector<Unlock>> ListUnlocks(std::string_view org_id,
                                                  const std::vector<std::string>& contact_ids) = 0;

  // Per-tenant custom field definitions. A taken name is a Conflict.
  virtual Status CreateCustomField(const CustomField& field) = 0;
  virtual Result<std::vector<CustomField>> ListCustomFields(std::string_view org_id) = 0;

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
                                            std::int64_t now_ms, const DocRewrite& rewrite) = 0;

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
