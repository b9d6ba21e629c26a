// PostgresStore: opening, migrations, tenants, API keys, custom fields and the server secret.
// The contact methods are in postgres_store_contacts.cpp.
#include "store/postgres/postgres_store.hpp"

#include "common/crypto.hpp"
#include "store/errors.hpp"
#include "store/postgres/array_text.hpp"
#include "store/postgres/credentials_listener.hpp"
#include "store/postgres/migrations.hpp"
#include "store/postgres/rows.hpp"

#include <array>
#include <thread>
#include <utility>

namespace contactsd::store::postgres {
namespace {

constexpr char kServerSecretName[] = "server_secret";
constexpr std::size_t kServerSecretBytes = 32;

// The one-row result of a lookup, or NotFound with `message`.
template <class T, class Read>
Result<T> OneRow(Result<Rows> rows, Read read, const char* message) {
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return Error::NotFound(message);
  return read(*rows, 0);
}

// An INSERT ... ON CONFLICT DO NOTHING: no row inserted is a Conflict with `message`.
Status Inserted(Result<Rows> rows, std::string message) {
  if (!rows) return std::move(rows).error();
  if (rows->affected() == 0) return Error::Conflict(std::move(message), "duplicate");
  return {};
}

}  // namespace

bool IsRetryableAbort(const Failure& failure) {
  return failure.sqlstate == "40P01" || failure.sqlstate == "40001";
}

std::unique_ptr<PostgresStore> PostgresStore::Open(const PostgresOptions& options) {
  return std::unique_ptr<PostgresStore>(new PostgresStore(options));
}

PostgresStore::PostgresStore(const PostgresOptions& options)
    : pool_(options.conninfo, std::max(1, options.pool_size), options.acquire_timeout),
      credentials_(options.conninfo) {}

Status PostgresStore::Migrate() {
  return WithConnection([](Connection& connection) { return postgres::Migrate(connection); });
}

Status PostgresStore::CreateOrg(const Org& org) {
  if (org.id == kCatalogueTenantId) return ReservedOrgIdError();
  return WithConnection([&](Connection& connection) {
    Query insert(Sql::kInsertOrg);
    insert.Text(org.id).Text(org.name).Text(org.plan).Int8(org.credits).Int8(org.created_at_ms);
    return Inserted(connection.Run(insert), "Organization already exists");
  });
}

Result<Org> PostgresStore::GetOrg(std::string_view org_id) {
  return WithConnection([&](Connection& connection) {
    return OneRow<Org>(connection.Run(Query(Sql::kGetOrg).Text(org_id)), ReadOrg,
                       "Organization not found");
  });
}

Status PostgresStore::CreateApiKey(const NewApiKey& created) {
  const ApiKey& key = created.key;
  return WithConnection([&](Connection& connection) {
    Query insert(Sql::kInsertApiKey);
    insert.Text(key.org_id).Text(key.id).Text(key.name).Text(key.prefix).Text(created.key_hash);
    insert.Int8(key.created_at_ms).Int8(key.revoked_at_ms).Text(key.scope).Int8(key.expires_at_ms);
    return Inserted(connection.Run(insert), "API key already exists");
  });
}

Result<std::vector<ApiKey>> PostgresStore::ListApiKeys(std::string_view org_id) {
  return WithConnection([&](Connection& connection) -> Result<std::vector<ApiKey>> {
    auto rows = connection.Run(Query(Sql::kListApiKeys).Text(org_id));
    if (!rows) return std::move(rows).error();
    return AllRows(*rows, ReadApiKey);
  });
}

Result<ApiKey> PostgresStore::RevokeApiKey(std::string_view key_id, std::int64_t now_ms) {
  auto revoked = WithConnection([&](Connection& connection) -> Result<ApiKey> {
    // One round trip, one implicit transaction: revoke if active, then read what is stored.
    const std::array<Query, 2> batch = {Query(Sql::kRevokeApiKey).Text(key_id).Int8(now_ms),
                                        Query(Sql::kGetApiKeyById).Text(key_id)};
    auto results = connection.Run(batch);
    if (!results) return std::move(results).error();
    const Rows& key = (*results)[1];
    if (key.empty()) return Error::NotFound("API key not found");
    return ReadApiKey(key, 0);
  });
  if (revoked.ok()) std::this_thread::sleep_for(kNotifyGrace);  // every server has heard of it
  return revoked;
}

Status PostgresStore::TouchApiKeys(const std::vector<std::pair<std::string, std::int64_t>>& used) {
  if (used.empty()) return {};
  ArrayText ids, times;
  for (const auto& [key_id, at_ms] : used) {
    ids.Add(key_id);
    times.Add(at_ms);
  }
  return WithConnection([&](Connection& connection) -> Status {
    auto rows = connection.Run(Query(Sql::kTouchApiKeys).Text(ids.Take()).Text(times.Take()));
    if (!rows) return std::move(rows).error();
    return {};
  });
}

Result<ApiKey> PostgresStore::FindApiKeyByHash(std::string_view key_hash) {
  return WithConnection([&](Connection& connection) {
    return OneRow<ApiKey>(connection.Run(Query(Sql::kFindActiveApiKeyByHash).Text(key_hash)),
                          ReadApiKey, "API key not found");
  });
}

Result<std::uint64_t> PostgresStore::CredentialsVersion() { return credentials_.Version(); }

Status PostgresStore::CreateCustomField(const CustomField& field, std::string_view definition_json,
                                        const ChangeOrigin& origin) {
  return WithConnection([&](Connection& connection) {
    Query insert(Sql::kInsertCustomField);
    insert.Text(field.org_id).Text(field.name).Text(field.type).Text(field.options_json);
    insert.Int8(field.created_at_ms).Text(definition_json);
    insert.Text(origin.actor_type).Text(origin.actor_id).Text(origin.request_id);
    return Inserted(connection.Run(insert), "Custom field '" + field.name + "' already exists");
  });
}

Result<std::vector<CustomField>> PostgresStore::ListCustomFields(std::string_view org_id) {
  return WithConnection([&](Connection& connection) -> Result<std::vector<CustomField>> {
    auto rows = connection.Run(Query(Sql::kListCustomFields).Text(org_id));
    if (!rows) return std::move(rows).error();
    return AllRows(*rows, ReadCustomField);
  });
}

Result<std::string> PostgresStore::ServerSecret() {
  std::lock_guard lock(secret_mu_);
  if (!secret_.empty()) return secret_;
  // Every process proposes a secret and keeps whichever was stored first: the INSERT does
  // nothing when a row exists (waiting for a racing insert to commit or roll back first), and
  // the SELECT, a new statement in READ COMMITTED, sees the winner's row.
  const std::string proposed = Base64UrlEncode(RandomBytes(kServerSecretBytes));
  auto stored = WithConnection([&](Connection& connection) -> Result<std::string> {
    const std::array<Query, 2> batch = {
        Query(Sql::kInsertSettingIfAbsent).Text(kServerSecretName).Text(proposed),
        Query(Sql::kGetSetting).Text(kServerSecretName)};
    auto results = connection.Run(batch);
    if (!results) return std::move(results).error();
    const Rows& value = (*results)[1];
    if (value.empty()) return Error::Internal("postgres: settings.server_secret vanished");
    return std::string(value.Text(0, 0));
  });
  if (!stored) return stored;
  std::string secret;
  if (!Base64UrlDecode(*stored, secret) || secret.size() != kServerSecretBytes) {
    return Error::Internal("postgres: settings.server_secret is not 32 bytes of base64url");
  }
  secret_ = std::move(secret);
  return secret_;
}

}  // namespace contactsd::store::postgres
