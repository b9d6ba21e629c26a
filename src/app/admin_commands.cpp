#include "app/admin_commands.hpp"

#include "auth/api_key.hpp"
#include "common/time.hpp"
#include "common/uuid.hpp"
#include "model/builtin_models.hpp"
#include "store/store.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <iostream>

namespace contactsd::app {
namespace {

namespace json = boost::json;

int Fail(const Error& e) {
  std::cerr << "contactsd: " << e.message;
  if (!e.internal.empty()) std::cerr << " (" << e.internal << ")";
  std::cerr << "\n";
  return 1;
}

int Print(const json::value& v) {
  std::cout << json::serialize(v) << "\n";
  return 0;
}

json::object OrgJson(const store::Org& org) {
  return {{"id", org.id},
          {"name", org.name},
          {"plan", org.plan},
          {"credits", org.credits},
          {"created_at", FormatTimestamp(org.created_at_ms)}};
}

json::value OptionalTimestamp(const std::optional<std::int64_t>& at_ms) {
  return at_ms ? json::value(FormatTimestamp(*at_ms)) : json::value(nullptr);
}

json::object KeyJson(const store::ApiKey& key) {
  return {{"id", key.id},
          {"org_id", key.org_id},
          {"name", key.name},
          {"prefix", key.prefix},
          {"scope", key.scope},
          {"created_at", FormatTimestamp(key.created_at_ms)},
          {"expires_at", OptionalTimestamp(key.expires_at_ms)},
          {"revoked_at", OptionalTimestamp(key.revoked_at_ms)},
          {"last_used_at", OptionalTimestamp(key.last_used_at_ms)}};
}

bool IsPlanName(const std::string& plan) {
  if (plan.empty() || plan.size() > 32) return false;
  for (char c : plan) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  }
  return true;
}

}  // namespace

int MigrateCommand(const std::string& db_url) {
  auto store = store::OpenStore(db_url);  // opening migrates
  if (!store.ok()) return Fail(store.error());
  std::cerr << "contactsd: schema is up to date\n";
  return 0;
}

int ModelsCommand() {
  for (const auto& m : model::BuiltinModels()) std::cout << m.name << "\n";
  return 0;
}

int OrgCreateCommand(const std::string& db_url, const std::string& name, const std::string& plan,
                     std::int64_t credits) {
  if (name.empty() || name.size() > 200) {
    return Fail(Error::BadRequest("--name must be 1 to 200 characters"));
  }
  if (!IsPlanName(plan)) {
    return Fail(Error::BadRequest("--plan must be a lower-case word such as free or internal"));
  }
  if (credits < 0) return Fail(Error::BadRequest("--credits must not be negative"));
  auto store = store::OpenStore(db_url);
  if (!store.ok()) return Fail(store.error());
  std::int64_t now = NowMillis();
  store::Org org{NewUuidV7(now), name, plan, credits, now};
  if (auto st = (*store)->CreateOrg(org); !st) return Fail(st.error());
  return Print(OrgJson(org));
}

int OrgShowCommand(const std::string& db_url, const std::string& org_id) {
  auto store = store::OpenStore(db_url);
  if (!store.ok()) return Fail(store.error());
  auto org = (*store)->GetOrg(org_id);
  if (!org.ok()) return Fail(org.error());
  return Print(OrgJson(*org));
}

int OrgDeleteCommand(const std::string& db_url, const std::string& org_id) {
  auto store = store::OpenStore(db_url);
  if (!store.ok()) return Fail(store.error());
  auto removed = (*store)->DeleteOrg(org_id);
  if (!removed.ok()) return Fail(removed.error());
  json::object counts;
  for (const auto& [table, rows] : *removed) counts[table] = rows;
  return Print(json::object{{"id", org_id}, {"removed", std::move(counts)}});
}

int KeyCreateCommand(const std::string& db_url, const std::string& org_id, const std::string& name,
                     const std::string& scope_name, const std::string& expires_in) {
  if (name.size() > 200) return Fail(Error::BadRequest("--name must be at most 200 characters"));
  auto scope = ParseScope(scope_name);
  if (!scope) return Fail(Error::BadRequest("--scope must be read, write or admin"));
  std::optional<std::int64_t> expires_at_ms;
  const std::int64_t now = NowMillis();
  if (!expires_in.empty()) {
    auto ttl = ParseDuration(expires_in);
    if (!ttl || *ttl <= 0) {
      return Fail(Error::BadRequest("--expires-in must be a positive duration such as 90d or 12h"));
    }
    expires_at_ms = now + *ttl;
  }
  auto store = store::OpenStore(db_url);
  if (!store.ok()) return Fail(store.error());
  auto org = (*store)->GetOrg(org_id);
  if (!org.ok()) return Fail(org.error());
  auto issued = auth::IssueApiKey(org_id, name, now, *scope, expires_at_ms);
  if (auto st = (*store)->CreateApiKey(issued.record); !st) return Fail(st.error());
  json::object out = KeyJson(issued.record.key);
  out.erase("revoked_at");
  out.erase("last_used_at");
  out["key"] = issued.secret;
  return Print(out);
}

int KeyListCommand(const std::string& db_url, const std::string& org_id) {
  auto store = store::OpenStore(db_url);
  if (!store.ok()) return Fail(store.error());
  auto org = (*store)->GetOrg(org_id);
  if (!org.ok()) return Fail(org.error());
  auto keys = (*store)->ListApiKeys(org_id);
  if (!keys.ok()) return Fail(keys.error());
  json::array out;
  for (const auto& k : *keys) out.push_back(KeyJson(k));
  return Print(out);
}

int KeyRevokeCommand(const std::string& db_url, const std::string& key_id) {
  auto store = store::OpenStore(db_url);
  if (!store.ok()) return Fail(store.error());
  auto key = (*store)->RevokeApiKey(key_id, NowMillis());
  if (!key.ok()) return Fail(key.error());
  return Print(KeyJson(*key));
}

}  // namespace contactsd::app
