// The one storage interface above the backends. It stores documents, versions, unique keys and
// tenants; it knows no model rules. SQLite (store/sqlite) and PostgreSQL (store/postgres)
// implement it, and nothing above src/store knows which one is running.
//
// Thread-safety: every method may be called from any thread at the same time.
// Errors: NotFound, Conflict (unique key taken; details name the key), Unavailable (database
// busy or gone), Internal. Every contact query is scoped by org_id.
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

// What the service decides to write, computed inside the transaction from the current contact.
struct ContactWrite {
  bool changed = true;  // false: a no-op, nothing written, the version stays
  std::string doc;
  std::vector<UniqueKey> unique_keys;  // the full set held after the write (when not archived)
  std::int64_t updated_at_ms = 0;
  std::optional<std::int64_t> archived_at_ms;
  std::string archived_by;
};

// Runs inside the write transaction with the current stored contact. An error rolls the
// transaction back and is returned to the caller unchanged.
using Mutation = std::function<Result<ContactWrite>(const Contact& current)>;

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

  // Tenants. CreateOrg takes a filled Org (id and created_at chosen by the caller).
  virtual Status CreateOrg(const Org& org) = 0;
  virtual Result<Org> GetOrg(std::string_view org_id) = 0;

  // API keys. FindApiKeyByHash returns only an active (not revoked) key whose org exists;
  // NotFound otherwise, whatever the reason.
  virtual Status CreateApiKey(const NewApiKey& key) = 0;
  virtual Result<std::vector<ApiKey>> ListApiKeys(std::string_view org_id) = 0;
  virtual Result<ApiKey> RevokeApiKey(std::string_view key_id, std::int64_t now_ms) = 0;
  virtual Result<ApiKey> FindApiKeyByHash(std::string_view key_hash) = 0;

  // Contacts. CreateContact inserts the contact (version 1) with its unique keys in one
  // transaction; a taken key is a Conflict whose first detail names the key.
  virtual Result<Contact> CreateContact(const Contact& contact,
                                        const std::vector<UniqueKey>& keys) = 0;
  virtual Result<Contact> GetContact(std::string_view org_id, std::string_view id) = 0;
  // Ordered by id ascending (ids are UUIDv7, so this is creation order).
  virtual Result<std::vector<Contact>> ListContacts(const ListQuery& query) = 0;
  // Loads the contact (NotFound if the tenant has none with this id), runs `mutate`, and, if
  // it asks for a change, writes the document with version + 1 and replaces the unique keys,
  // all in one transaction. Returns the contact as stored afterwards.
  virtual Result<Contact> UpdateContact(std::string_view org_id, std::string_view id,
                                        const Mutation& mutate) = 0;

  // Per-tenant custom field definitions. A taken name is a Conflict.
  virtual Status CreateCustomField(const CustomField& field) = 0;
  virtual Result<std::vector<CustomField>> ListCustomFields(std::string_view org_id) = 0;

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
// (libpq parameters in the query, plus pool=N), and migrates it.
// Errors: BadRequest for an unknown scheme, Unavailable when the database cannot be opened.
// No error ever contains the URL (it may hold a password).
Result<std::unique_ptr<Store>> OpenStore(std::string_view url, const OpenOptions& options = {});

// The URL with its password replaced by "***", for messages and logs.
std::string RedactedUrl(std::string_view url);

}  // namespace contactsd::store
