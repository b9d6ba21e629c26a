// Who a request acts for: made by src/auth from a credential, read by the service for
// tenancy and policy. A plain value shared by both, so neither depends on the other.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace contactsd {

// What a credential may do, each level including the ones before it (docs/keys.md): read
// (GET only), write (the data: contacts, imports, batches, unlocks), admin (also the tenant's
// settings: custom fields, collections, webhooks, erasure). Keys made before scopes existed,
// and JWTs without a `scope` claim, are admin: they keep the full rights they had.
enum class Scope { kRead = 0, kWrite = 1, kAdmin = 2 };

std::string_view ScopeName(Scope scope);
std::optional<Scope> ParseScope(std::string_view name);

struct Principal {
  std::string org_id;   // the tenant; every query is scoped by it
  std::string plan;     // the org's plan ("free", "internal", ...), for model policies
  std::string subject;  // who acted: the API key's id (or a JWT's sub)
  std::string credential = "api_key";  // what `subject` names: "api_key" or "jwt"
  // The request it acts in (X-Request-Id), recorded with every change it makes.
  std::string request_id = {};
  Scope scope = Scope::kAdmin;
  // When the credential stops working (an API key's expiry); nullopt: never.
  std::optional<std::int64_t> expires_at_ms = {};
};

inline std::string_view ScopeName(Scope scope) {
  switch (scope) {
    case Scope::kRead:
      return "read";
    case Scope::kWrite:
      return "write";
    case Scope::kAdmin:
      return "admin";
  }
  return "admin";
}

inline std::optional<Scope> ParseScope(std::string_view name) {
  if (name == "read") return Scope::kRead;
  if (name == "write") return Scope::kWrite;
  if (name == "admin") return Scope::kAdmin;
  return std::nullopt;
}

}  // namespace contactsd
