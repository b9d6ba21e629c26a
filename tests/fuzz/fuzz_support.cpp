#include "fuzz_support.hpp"

#include "common/crypto.hpp"
#include "model/builtin_models.hpp"

#include <cstdio>
#include <cstdlib>

namespace contactsd::fuzz {
namespace {

Error Refused() { return Error::Unavailable("the fuzz store holds nothing"); }

std::int64_t FixedClock() { return 1'800'000'000'000; }

}  // namespace

void Require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz: requirement broken: %s\n", what);
  std::abort();
}

Status NullStore::CreateOrg(const store::Org&) { return Refused(); }

Status NullStore::CreateWebhook(const store::WebhookEndpoint&, int) { return Refused(); }
Result<std::vector<store::WebhookEndpoint>> NullStore::ListWebhooks(std::string_view) {
  return std::vector<store::WebhookEndpoint>{};
}
Result<store::WebhookEndpoint> NullStore::GetWebhook(std::string_view, std::string_view) {
  return Error::NotFound("Webhook endpoint not found");
}
Result<store::WebhookEndpoint> NullStore::UpdateWebhook(std::string_view, std::string_view,
                                                        const store::WebhookChange&) {
  return Error::NotFound("Webhook endpoint not found");
}
Status NullStore::DeleteWebhook(std::string_view, std::string_view) {
  return Error::NotFound("Webhook endpoint not found");
}
Result<std::vector<store::WebhookEndpoint>> NullStore::ListEveryWebhook(std::string_view,
                                                                        std::string_view, int) {
  return std::vector<store::WebhookEndpoint>{};
}
Status NullStore::LeaseWebhookStreams(std::string_view, std::int64_t, std::int64_t) { return {}; }
Status NullStore::ReleaseWebhookStreams(std::string_view) { return {}; }
Result<std::vector<std::string>> NullStore::HeldContacts(std::string_view, std::string_view) {
  return std::vector<std::string>{};
}
Result<std::vector<bool>> NullStore::RecordDispatch(const store::DispatchRecord& record) {
  return std::vector<bool>(record.streams.size(), false);
}
Status NullStore::EnqueueDelivery(std::string_view, std::string_view, const store::NewDelivery&,
                                  std::int64_t) {
  return Refused();
}
Result<std::vector<store::DueDelivery>> NullStore::ClaimDeliveries(std::string_view, std::int64_t,
                                                                   std::int64_t, int,
                                                                   const store::DeliveryFilter&) {
  return std::vector<store::DueDelivery>{};
}
Result<std::vector<store::WebhookEndpoint>> NullStore::DisableFailingWebhooks(
    std::int64_t, std::int64_t, const store::WebhookDoc&) {
  return std::vector<store::WebhookEndpoint>{};
}
Result<int> NullStore::PruneDeliveries(std::int64_t, int) { return 0; }
Result<std::vector<store::DeliveryAttempt>> NullStore::ListDeliveryAttempts(
    std::string_view, std::string_view, const std::optional<store::AttemptPosition>&, int) {
  return std::vector<store::DeliveryAttempt>{};
}
Status NullStore::RetryDelivery(std::string_view, std::string_view, std::string_view,
                                std::int64_t) {
  return Error::NotFound("No delivery of that event to this endpoint");
}

Result<store::Org> NullStore::GetOrg(std::string_view org_id) {
  return store::Org{std::string(org_id), "Fuzz", "internal", 0, FixedClock()};
}

Status NullStore::CreateApiKey(const store::NewApiKey&) { return Refused(); }
Result<std::vector<store::ApiKey>> NullStore::ListApiKeys(std::string_view) { return Refused(); }
Result<store::ApiKey> NullStore::RevokeApiKey(std::string_view, std::int64_t) { return Refused(); }
Status NullStore::TouchApiKeys(const std::vector<std::pair<std::string, std::int64_t>>&) {
  return Refused();
}

Result<store::ApiKey> NullStore::FindApiKeyByHash(std::string_view key_hash) {
  static const std::string known = Sha256Hex(kApiKey);
  if (key_hash != known) return Error::NotFound("no such key");
  return store::ApiKey{"key-1", "org-1", "fuzz", "sk_live_fuzz", FixedClock(), std::nullopt};
}

Result<store::Contact> NullStore::CreateContact(const store::Contact&,
                                                const std::vector<store::UniqueKey>&,
                                                const std::vector<store::Reference>&,
                                                const store::ChangeOrigin&) {
  return Refused();
}

Result<store::Contact> NullStore::GetContact(std::string_view, std::string_view) {
  return Error::NotFound("Contact not found");
}

Result<std::optional<store::Contact>> NullStore::FindContactByKey(std::string_view,
                                                                  const store::UniqueKey&) {
  return std::optional<store::Contact>{};
}

// Every operation finds nothing: no contact to update, and a create is not stored.
Result<std::vector<store::ContactOpResult>> NullStore::WriteContacts(
    std::string_view, std::vector<store::ContactOp> ops, bool, const store::ChangeOrigin&,
    const store::AnswerMaker*) {
  std::vector<store::ContactOpResult> results(ops.size());
  for (auto& r : results) r.contact = Error::NotFound("Contact not found");
  return results;
}

Result<std::optional<store::StoredAnswer>> NullStore::FindAnswer(std::string_view, std::string_view,
                                                                 std::int64_t) {
  return std::optional<store::StoredAnswer>{};
}

Result<int> NullStore::PruneAnswers(std::int64_t, int) { return 0; }

Result<std::vector<store::Contact>> NullStore::ListContacts(const store::ListQuery& query) {
  // store.hpp: limit 1..1000, at most kMaxListFilters filters; the service asks one more than
  // the page size (1..100).
  Require(query.limit >= 2 && query.limit <= 101, "ListQuery.limit out of 2..101");
  Require(query.filters.size() <= store::kMaxListFilters, "more than kMaxListFilters filters");
  Require(!query.org_id.empty(), "ListQuery without a tenant");
  return std::vector<store::Contact>{};
}

Result<std::unique_ptr<store::ContactScan>> NullStore::ScanContacts(const store::ListQuery&) {
  return Refused();
}

Result<store::Contact> NullStore::UpdateContact(std::string_view, std::string_view,
                                                const store::Mutation&,
                                                const store::ChangeOrigin&) {
  return Refused();
}

Result<store::Unlock> NullStore::UnlockContact(std::string_view, const store::Contact&,
                                               std::int64_t, std::int64_t,
                                               const store::ChangeOrigin&,
                                               const store::UnlockAnswerMaker*) {
  return Refused();
}

Result<std::vector<store::Unlock>> NullStore::ListUnlocks(std::string_view,
                                                          const std::vector<std::string>&) {
  return std::vector<store::Unlock>{};
}

Status NullStore::CreateCustomField(const store::CustomField&, std::string_view,
                                    const store::ChangeOrigin&) {
  return Refused();
}

Result<std::vector<store::CustomField>> NullStore::ListCustomFields(std::string_view) {
  return std::vector<store::CustomField>{};
}

Result<int> NullStore::UpdateCustomField(const store::CustomField&, std::string_view,
                                         const std::vector<std::string>&, std::string_view,
                                         std::int64_t, const store::ChangeOrigin&) {
  return Refused();
}

Result<int> NullStore::DeleteCustomField(std::string_view, std::string_view, std::string_view,
                                         std::string_view, std::int64_t, const store::DocRewrite&,
                                         const store::ChangeOrigin&) {
  return Refused();
}

Result<store::CollectionEntry> NullStore::CreateCollectionEntry(const store::CollectionEntry&,
                                                                std::size_t) {
  return Refused();
}

Result<std::vector<store::CollectionEntry>> NullStore::ListCollectionEntries(std::string_view,
                                                                             std::string_view) {
  return std::vector<store::CollectionEntry>{};
}

Result<std::vector<store::Reference>> NullStore::MissingReferences(
    std::string_view, const std::vector<store::Reference>&) {
  return std::vector<store::Reference>{};
}

Result<int> NullStore::DeleteCollectionEntry(std::string_view, std::string_view, std::int64_t,
                                             const std::vector<std::string>&, std::int64_t,
                                             const store::DocRewrite&, const store::ChangeOrigin&) {
  return Refused();
}

Result<std::vector<store::Event>> NullStore::ListEvents(const store::EventQuery& query) {
  Require(query.limit >= 1 && query.limit <= store::kMaxEventQueryLimit,
          "EventQuery.limit out of range");
  Require(!query.tenants.empty() && query.tenants.size() <= 2, "EventQuery tenants not 1..2");
  return std::vector<store::Event>{};
}

Result<std::vector<store::Event>> NullStore::ListHistory(const store::HistoryQuery& query) {
  Require(query.limit >= 1 && query.limit <= store::kMaxEventQueryLimit,
          "HistoryQuery.limit out of range");
  Require(!query.tenants.empty() && query.tenants.size() <= 2, "HistoryQuery tenants not 1..2");
  return std::vector<store::Event>{};
}

Result<std::optional<store::Event>> NullStore::FindEvent(const std::vector<std::string>& tenants,
                                                         std::string_view, std::int64_t) {
  Require(!tenants.empty() && tenants.size() <= 2, "FindEvent tenants not 1..2");
  return std::optional<store::Event>{};
}

http::Dispatched DispatchAsync(const http::Router& router, const std::string& target) {
  static const std::string authorization = "Bearer " + std::string(kApiKey);
  api::Request request;
  request.method = "GET";
  request.headers = {{"host", "fuzz"}, {"authorization", authorization}};
  request.request_id = "fuzz";
  http::Dispatched out;
  const api::Route* route = http::ResolveRoute(router, request, target, out);
  if (route == nullptr) return out;
  if (!route->async_handler) {
    http::CallHandler(*route, request, out);
    return out;
  }
  api::Render render;
  http::CallAsyncHandler(*route, request, [&render](api::Render r) { render = std::move(r); });
  Require(static_cast<bool>(render), "an asynchronous route did not answer at once");
  http::CallRender(render, request, out);
  return out;
}

ModelApi::ModelApi(model::Model parsed)
    : model(std::move(parsed)),
      jwt(auth::JwtVerifier::Hs256(std::string(kJwtSecret)).value()),
      authenticator(store, &jwt),
      contacts(model, store, FixedClock, std::string(32, 'c')),
      custom_fields(model, store, FixedClock),
      collections(model, store, FixedClock),
      events(model, store, std::string(32, 'c')),
      ctx{model, authenticator, contacts, custom_fields, collections, events, keys_in_flight},
      router(api::AllRoutes(ctx)) {}

const std::vector<std::unique_ptr<ModelApi>>& BuiltinApis() {
  static const auto* apis = [] {
    auto* out = new std::vector<std::unique_ptr<ModelApi>>;
    for (const auto& builtin : model::BuiltinModels()) {
      auto parsed = model::Model::Parse(builtin.json_text);
      Require(parsed.ok(), "a built-in model does not parse");
      out->push_back(std::make_unique<ModelApi>(std::move(parsed).value()));
    }
    return out;
  }();
  return *apis;
}

}  // namespace contactsd::fuzz
