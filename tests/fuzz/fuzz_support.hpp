// What several fuzz targets share: a Store that holds nothing, and each built-in model with the
// API's routes over it, built once per process. No database, no socket, no thread of its own.
#pragma once

#include "api/routes.hpp"
#include "auth/authenticator.hpp"
#include "auth/jwt_verifier.hpp"
#include "contacts/collections_service.hpp"
#include "contacts/contacts_service.hpp"
#include "contacts/custom_fields_service.hpp"
#include "http/dispatch.hpp"
#include "http/router.hpp"
#include "model/model.hpp"
#include "store/store.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace contactsd::fuzz {

// The one API key NullStore knows (Authorization: Bearer <it>), of org "org-1" on the
// "internal" plan (which every built-in model lets write).
inline constexpr std::string_view kApiKey = "sk_live_fuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzz";
// The HS256 secret of every model's JWT verifier (crm's tokens).
inline constexpr std::string_view kJwtSecret = "fuzz-jwt-secret";

// Knows kApiKey and its org (any org id reads as an org on the "internal" plan), lists no
// contacts and no custom fields, and refuses every write (Unavailable). ListContacts traps
// when the service hands it a query that breaks its REQUIRES (limit, filters): what the list
// endpoint parsed from a query string must always fit.
class NullStore final : public store::Store {
 public:
  Status Migrate() override { return {}; }
  Status CreateOrg(const store::Org&) override;
  Result<store::Org> GetOrg(std::string_view org_id) override;
  Status CreateApiKey(const store::NewApiKey&) override;
  Result<std::vector<store::ApiKey>> ListApiKeys(std::string_view) override;
  Result<store::ApiKey> RevokeApiKey(std::string_view, std::int64_t) override;
  Status TouchApiKeys(const std::vector<std::pair<std::string, std::int64_t>>&) override;
  Result<store::ApiKey> FindApiKeyByHash(std::string_view key_hash) override;
  Result<std::uint64_t> CredentialsVersion() override { return std::uint64_t{1}; }
  using store::Store::CreateContact;
  Result<store::Contact> CreateContact(const store::Contact&, const std::vector<store::UniqueKey>&,
                                       const std::vector<store::Reference>&,
                                       const store::ChangeOrigin&) override;
  Result<store::Contact> GetContact(std::string_view, std::string_view) override;
  Result<std::optional<store::Contact>> FindContactByKey(std::string_view,
                                                         const store::UniqueKey&) override;
  Result<std::vector<store::Contact>> ListContacts(const store::ListQuery& query) override;
  Result<std::unique_ptr<store::ContactScan>> ScanContacts(const store::ListQuery& query) override;
  Result<std::vector<store::ContactOpResult>> WriteContacts(std::string_view,
                                                            std::vector<store::ContactOp>, bool,
                                                            const store::ChangeOrigin&,
                                                            const store::AnswerMaker*) override;
  Result<std::optional<store::StoredAnswer>> FindAnswer(std::string_view, std::string_view,
                                                        std::int64_t) override;
  Result<int> PruneAnswers(std::int64_t, int) override;
  using store::Store::UpdateContact;
  Result<store::Contact> UpdateContact(std::string_view, std::string_view, const store::Mutation&,
                                       const store::ChangeOrigin&) override;
  using store::Store::UnlockContact;
  Result<store::Unlock> UnlockContact(std::string_view, const store::Contact&, std::int64_t,
                                      std::int64_t, const store::ChangeOrigin&,
                                      const store::UnlockAnswerMaker*) override;
  Result<std::vector<store::Unlock>> ListUnlocks(std::string_view,
                                                 const std::vector<std::string>&) override;
  using store::Store::CreateCustomField;
  Status CreateCustomField(const store::CustomField&, std::string_view,
                           const store::ChangeOrigin&) override;
  Result<std::vector<store::CustomField>> ListCustomFields(std::string_view) override;
  Result<int> UpdateCustomField(const store::CustomField&, std::string_view,
                                const std::vector<std::string>&, std::string_view, std::int64_t,
                                const store::ChangeOrigin&) override;
  Result<int> DeleteCustomField(std::string_view, std::string_view, std::string_view,
                                std::string_view, std::int64_t, const store::DocRewrite&,
                                const store::ChangeOrigin&) override;
  Result<store::CollectionEntry> CreateCollectionEntry(const store::CollectionEntry&,
                                                       std::size_t) override;
  Result<std::vector<store::CollectionEntry>> ListCollectionEntries(std::string_view,
                                                                    std::string_view) override;
  Result<std::vector<store::Reference>> MissingReferences(
      std::string_view, const std::vector<store::Reference>&) override;
  using store::Store::DeleteCollectionEntry;
  Result<int> DeleteCollectionEntry(std::string_view, std::string_view, std::int64_t,
                                    const std::vector<std::string>&, std::int64_t,
                                    const store::DocRewrite&, const store::ChangeOrigin&) override;
  // The change log is empty; a query must fit the store's REQUIRES.
  Result<std::vector<store::Event>> ListEvents(const store::EventQuery& query) override;
  Result<std::vector<store::Event>> ListHistory(const store::HistoryQuery& query) override;
  Result<std::optional<store::Event>> FindEvent(const std::vector<std::string>&, std::string_view,
                                                std::int64_t) override;
  Result<std::string> EventsWatermark() override { return std::string("0"); }
  Result<store::EventLogState> ReadEventLogState() override { return store::EventLogState{}; }
  Result<int> PruneEvents(std::int64_t, int) override { return 0; }
  using store::Store::EraseContact;
  Status EraseContact(std::string_view, std::string_view, std::int64_t, const store::ChangeOrigin&,
                      const TermsOf&) override {
    return Error::NotFound("Contact not found");
  }
  Result<std::vector<std::pair<std::string, std::int64_t>>> DeleteOrg(std::string_view) override {
    return Error::NotFound("Organization not found");
  }
  Result<std::int64_t> EventHorizon(const std::vector<std::string>&) override {
    return std::int64_t{0};
  }
  Result<std::string> ServerSecret() override { return std::string(32, 'k'); }

  // No webhook endpoints, and none can be made (the fuzzed API has no webhook routes).
  Status CreateWebhook(const store::WebhookEndpoint&, int) override;
  Result<std::vector<store::WebhookEndpoint>> ListWebhooks(std::string_view) override;
  Result<store::WebhookEndpoint> GetWebhook(std::string_view, std::string_view) override;
  Result<store::WebhookEndpoint> UpdateWebhook(std::string_view, std::string_view,
                                               const store::WebhookChange&) override;
  Status DeleteWebhook(std::string_view, std::string_view) override;
  Result<std::vector<store::WebhookEndpoint>> ListEveryWebhook(std::string_view, std::string_view,
                                                               int) override;
  Status LeaseWebhookStreams(std::string_view, std::int64_t, std::int64_t) override;
  Status ReleaseWebhookStreams(std::string_view) override;
  Result<std::vector<std::string>> HeldContacts(std::string_view, std::string_view) override;
  Result<std::vector<bool>> RecordDispatch(const store::DispatchRecord&) override;
  Status EnqueueDelivery(std::string_view, std::string_view, const store::NewDelivery&,
                         std::int64_t) override;
  Result<std::vector<store::DueDelivery>> ClaimDeliveries(std::string_view, std::int64_t,
                                                          std::int64_t, int,
                                                          const store::DeliveryFilter&) override;
  Result<std::vector<store::WebhookEndpoint>> DisableFailingWebhooks(
      std::int64_t, std::int64_t, const store::WebhookDoc&) override;
  Result<int> PruneDeliveries(std::int64_t, int) override;
  Result<std::vector<store::DeliveryAttempt>> ListDeliveryAttempts(
      std::string_view, std::string_view, const std::optional<store::AttemptPosition>&,
      int) override;
  Status RetryDelivery(std::string_view, std::string_view, std::string_view, std::int64_t) override;
};

// One built-in model and the API over a NullStore, as serve_command.cpp builds it.
struct ModelApi {
  explicit ModelApi(model::Model parsed);
  ModelApi(const ModelApi&) = delete;
  ModelApi& operator=(const ModelApi&) = delete;

  model::Model model;
  NullStore store;
  auth::JwtVerifier jwt;
  auth::Authenticator authenticator;
  contacts::ContactsService contacts;
  contacts::CustomFieldsService custom_fields;
  contacts::CollectionsService collections;
  contacts::EventsService events;
  api::KeysInFlight keys_in_flight;
  api::ApiContext ctx;
  http::Router router;
};

// Every built-in model (model::BuiltinModels(), in its order), built on first use. Aborts if
// one does not parse.
const std::vector<std::unique_ptr<ModelApi>>& BuiltinApis();

// GET `target` through the router as the transport would, with kApiKey, for a synchronous or an
// asynchronous route alike (an asynchronous one must answer before its handler returns: nothing
// here waits). Its answer, or a 500 when an asynchronous route did not answer at once.
http::Dispatched DispatchAsync(const http::Router& router, const std::string& target);

// Stops the process (a crash libFuzzer reports) with `what` when `ok` is false: the targets'
// own checks of what must hold for every input.
void Require(bool ok, const char* what);

}  // namespace contactsd::fuzz
