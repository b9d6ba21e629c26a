// SqliteStore: opening, migrations, tenants, API keys, custom fields and the server secret.
// The contact methods are in sqlite_store_contacts.cpp.
#include "store/sqlite/sqlite_store.hpp"

#include "common/crypto.hpp"
#include "store/errors.hpp"
#include "store/event_records.hpp"
#include "store/sqlite/change_log.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/sqlite/rows.hpp"
#include "store/sqlite/sql.hpp"

#include <algorithm>
#include <thread>
#include <utility>

namespace contactsd::store::sqlite {
namespace {

constexpr char kServerSecretName[] = "server_secret";
constexpr std::size_t kServerSecretBytes = 32;

// Runs one statement on the writer. Returns the rows it changed.
template <class BindFn>
Result<int> ExecOne(Connection& writer, const char* sql, BindFn bind) {
  auto stmt = writer.Prepare(sql);
  if (!stmt) return std::move(stmt).error();
  bind(*stmt);
  return stmt->Exec();
}

Result<std::optional<std::string>> ReadSetting(Connection& connection, std::string_view name) {
  auto stmt = connection.Prepare(sql::kGetSetting);
  if (!stmt) return std::move(stmt).error();
  stmt->Bind(1, name);
  return FirstRow(*stmt, [](const Statement& row) { return std::string(row.Text(0)); });
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const SqliteOptions& options) {
  const ConnectionOptions writing{options.path, ConnectionRole::kWriter, options.synchronous_full,
                                  options.busy_timeout_ms};
  // With FULL, the writer's commits are synced by the WalSyncer, beside the writer, not by
  // SQLite inside each COMMIT (see wal_syncer.hpp): the connection itself runs NORMAL.
  ConnectionOptions committing = writing;
  committing.synchronous_full = false;
  auto writer = Connection::Open(committing);
  if (!writer) return std::move(writer).error();
  // The checkpointer writes the database file too, and syncs it as the writer would.
  auto checkpointer = Connection::Open(writing);
  if (!checkpointer) return std::move(checkpointer).error();
  return std::unique_ptr<SqliteStore>(
      new SqliteStore(std::move(*writer), std::move(*checkpointer), options));
}

SqliteStore::SqliteStore(std::unique_ptr<Connection> writer,
                         std::unique_ptr<Connection> checkpointer, const SqliteOptions& options)
    : readers_({options.path, ConnectionRole::kReader, options.synchronous_full,
                options.busy_timeout_ms},
               std::max(1, options.read_connections)),
      credentials_({options.path, ConnectionRole::kReader, options.synchronous_full,
                    options.busy_timeout_ms}),
      checkpointer_(std::move(checkpointer)),
      writer_(checkpointer_.Attach(std::move(writer)), options.max_batch_writes,
              options.synchronous_full ? options.path + "-wal" : std::string()) {}

Status SqliteStore::RunWrite(const GroupCommitWriter::Body& body) { return writer_.Write(body); }

Status SqliteStore::Migrate() {
  // Alone on the writer, between batches: migrations open their own transaction.
  return writer_.Exclusive([](Connection& writer) { return sqlite::Migrate(writer); });
}

Status SqliteStore::CreateOrg(const Org& org) {
  if (org.id == kCatalogueTenantId) return ReservedOrgIdError();
  auto inserted = Write([&](Connection& writer) {
    return ExecOne(writer, sql::kInsertOrg, [&](Statement& stmt) {
      stmt.Bind(1, org.id).Bind(2, org.name).Bind(3, org.plan).Bind(4, org.credits);
      stmt.Bind(5, org.created_at_ms);
    });
  });
  if (!inserted) return std::move(inserted).error();
  if (*inserted == 0) return Error::Conflict("Organization already exists", "duplicate");
  return {};
}

Result<Org> SqliteStore::GetOrg(std::string_view org_id) {
  auto reader = readers_.Acquire();
  if (!reader) return std::move(reader).error();
  auto stmt = (*reader)->Prepare(sql::kGetOrg);
  if (!stmt) return std::move(stmt).error();
  stmt->Bind(1, org_id);
  auto org = FirstRow(*stmt, ReadOrg);
  if (!org) return std::move(org).error();
  if (!*org) return Error::NotFound("Organization not found");
  return std::move(**org);
}

Status SqliteStore::CreateApiKey(const NewApiKey& created) {
  const ApiKey& key = created.key;
  auto inserted = Write([&](Connection& writer) {
    return ExecOne(writer, sql::kInsertApiKey, [&](Statement& stmt) {
      stmt.Bind(1, key.org_id).Bind(2, key.id).Bind(3, key.name).Bind(4, key.prefix);
      stmt.Bind(5, created.key_hash).Bind(6, key.created_at_ms).Bind(7, key.revoked_at_ms);
      stmt.Bind(8, key.scope).Bind(9, key.expires_at_ms);
    });
  });
  if (!inserted) return std::move(inserted).error();
  if (*inserted == 0) return Error::Conflict("API key already exists", "duplicate");
  return {};
}

Result<std::vector<ApiKey>> SqliteStore::ListApiKeys(std::string_view org_id) {
  auto reader = readers_.Acquire();
  if (!reader) return std::move(reader).error();
  auto stmt = (*reader)->Prepare(sql::kListApiKeys);
  if (!stmt) return std::move(stmt).error();
  stmt->Bind(1, org_id);
  return AllRows(*stmt, ReadApiKey);
}

Result<ApiKey> SqliteStore::RevokeApiKey(std::string_view key_id, std::int64_t now_ms) {
  bool bumped_version = false;
  auto key = Write([&](Connection& writer) -> Result<ApiKey> {
    auto revoked = ExecOne(writer, sql::kRevokeApiKey,
                           [&](Statement& stmt) { stmt.Bind(1, key_id).Bind(2, now_ms); });
    if (!revoked) return std::move(revoked).error();
    if (*revoked == 1) {
      auto bumped = ExecOne(writer, sql::kBumpCredentialsVersion, [](Statement&) {});
      if (!bumped) return std::move(bumped).error();
      bumped_version = true;
    }
    auto get = writer.Prepare(sql::kGetApiKeyById);
    if (!get) return std::move(get).error();
    get->Bind(1, key_id);
    auto key = FirstRow(*get, ReadApiKey);
    if (!key) return std::move(key).error();
    if (!*key) return Error::NotFound("API key not found");
    return std::move(**key);
  });
  // Every server trusts the version it last read for kCredentialsMaxAge (CredentialsWatch):
  // once that has passed since the commit, none can accept the key any more.
  if (key.ok() && bumped_version) std::this_thread::sleep_for(2 * kCredentialsMaxAge);
  return key;
}

Status SqliteStore::TouchApiKeys(const std::vector<std::pair<std::string, std::int64_t>>& used) {
  if (used.empty()) return {};
  auto touched = Write([&](Connection& writer) -> Result<std::int64_t> {
    for (const auto& use : used) {  // (key id, time): a structured binding would not be captured
      auto rows = ExecOne(writer, sql::kTouchApiKey,
                          [&](Statement& stmt) { stmt.Bind(1, use.first).Bind(2, use.second); });
      if (!rows) return std::move(rows).error();
    }
    return 0;
  });
  if (!touched) return std::move(touched).error();
  return {};
}

Result<std::vector<std::pair<std::string, std::int64_t>>> SqliteStore::DeleteOrg(
    std::string_view org_id) {
  using Removed = std::vector<std::pair<std::string, std::int64_t>>;
  auto removed = Write([&](Connection& writer) -> Result<Removed> {
    auto tenant = change_log::DeleteTenant(writer, org_id);
    if (!tenant) return std::move(tenant).error();
    Removed out = std::move(*tenant);
    for (const auto& [table, sql] :
         {std::pair{"contact_keys", sql::kDeleteOrgContactKeys},
          std::pair{"api_keys", sql::kDeleteOrgApiKeys},
          std::pair{"custom_fields", sql::kDeleteOrgCustomFields},
          std::pair{"collection_entries", sql::kDeleteOrgCollectionEntries},
          std::pair{"collection_counters", sql::kDeleteOrgCollectionCounters},
          std::pair{"unlocks", sql::kDeleteOrgUnlocks},
          std::pair{"idempotency_answers", sql::kDeleteOrgAnswers},
          std::pair{"contact_terms", sql::kDeleteOrgTerms},
          std::pair{"webhook_endpoints", sql::kDeleteOrgWebhooks},
          std::pair{"webhook_deliveries", sql::kDeleteOrgDeliveries},
          std::pair{"webhook_attempts", sql::kDeleteOrgAttempts},
          std::pair{"orgs", sql::kDeleteOrg}}) {
      auto rows = ExecOne(writer, sql, [&](Statement& stmt) { stmt.Bind(1, org_id); });
      if (!rows) return std::move(rows).error();
      out.emplace_back(table, *rows);
    }
    if (out.back().second == 0) return Error::NotFound("Organization not found");
    // Its keys stop working on every server, as after a revoke.
    auto bumped = ExecOne(writer, sql::kBumpCredentialsVersion, [](Statement&) {});
    if (!bumped) return std::move(bumped).error();
    return out;
  });
  if (removed.ok()) std::this_thread::sleep_for(2 * kCredentialsMaxAge);  // see RevokeApiKey
  return removed;
}

Result<ApiKey> SqliteStore::FindApiKeyByHash(std::string_view key_hash) {
  auto reader = readers_.Acquire();
  if (!reader) return std::move(reader).error();
  auto stmt = (*reader)->Prepare(sql::kFindActiveApiKeyByHash);
  if (!stmt) return std::move(stmt).error();
  stmt->Bind(1, key_hash);
  auto key = FirstRow(*stmt, ReadApiKey);
  if (!key) return std::move(key).error();
  if (!*key) return Error::NotFound("API key not found");
  return std::move(**key);
}

Result<std::uint64_t> SqliteStore::CredentialsVersion() { return credentials_.Version(); }

Status SqliteStore::CreateCustomField(const CustomField& field, std::string_view definition_json,
                                      const ChangeOrigin& origin) {
  auto inserted = Write([&](Connection& writer) -> Result<int> {
    auto rows = ExecOne(writer, sql::kInsertCustomField, [&](Statement& stmt) {
      stmt.Bind(1, field.org_id).Bind(2, field.name).Bind(3, field.type);
      stmt.Bind(4, field.options_json).Bind(5, field.created_at_ms);
    });
    if (!rows || *rows == 0) return rows;
    if (auto logged = change_log::AppendEvent(
            writer, CustomFieldEvent("custom_field.created", field, definition_json,
                                     field.created_at_ms, origin));
        !logged) {
      return std::move(logged).error();
    }
    return rows;
  });
  if (!inserted) return std::move(inserted).error();
  if (*inserted == 0) {
    return Error::Conflict("Custom field '" + field.name + "' already exists", "duplicate");
  }
  return {};
}

Result<std::vector<CustomField>> SqliteStore::ListCustomFields(std::string_view org_id) {
  auto reader = readers_.Acquire();
  if (!reader) return std::move(reader).error();
  auto stmt = (*reader)->Prepare(sql::kListCustomFields);
  if (!stmt) return std::move(stmt).error();
  stmt->Bind(1, org_id);
  return AllRows(*stmt, ReadCustomField);
}

Result<std::string> SqliteStore::ServerSecret() {
  std::lock_guard lock(secret_mu_);
  if (secret_.empty()) {
    auto encoded = ReadServerSecret();
    if (!encoded) return std::move(encoded).error();
    if (!*encoded) {
      // Only the first process ever to ask writes: it proposes a secret, and every process
      // keeps whichever was stored first.
      encoded = CreateServerSecret();
      if (!encoded) return std::move(encoded).error();
    }
    std::string secret;
    if (!*encoded || !Base64UrlDecode(**encoded, secret) || secret.size() != kServerSecretBytes) {
      return Error::Internal("sqlite: settings.server_secret is not 32 bytes of base64url");
    }
    secret_ = std::move(secret);
  }
  return secret_;
}

Result<std::optional<std::string>> SqliteStore::ReadServerSecret() {
  auto reader = readers_.Acquire();
  if (!reader) return std::move(reader).error();
  return ReadSetting(**reader, kServerSecretName);
}

Result<std::optional<std::string>> SqliteStore::CreateServerSecret() {
  const std::string proposed = Base64UrlEncode(RandomBytes(kServerSecretBytes));
  return Write([&](Connection& writer) -> Result<std::optional<std::string>> {
    auto inserted = ExecOne(writer, sql::kInsertSettingIfAbsent, [&](Statement& stmt) {
      stmt.Bind(1, kServerSecretName).Bind(2, proposed);
    });
    if (!inserted) return std::move(inserted).error();
    return ReadSetting(writer, kServerSecretName);
  });
}

}  // namespace contactsd::store::sqlite
