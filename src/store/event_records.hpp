// What both backends share about the change log: the events of writes that change no contact,
// and the checks of a query of the log.
#pragma once

#include "store/store.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace contactsd::store {

// "contact.unlocked" in the unlocking org's log: the contact as the org unlocked it.
Event UnlockEvent(std::string_view org_id, const Contact& contact, const Unlock& unlock,
                  const ChangeOrigin& origin);

// "custom_field.created", ".updated" or ".deleted" (`type`) in the tenant's log at `at_ms`;
// its doc is the definition as the API shows it.
Event CustomFieldEvent(std::string_view type, const CustomField& field,
                       std::string_view definition_json, std::int64_t at_ms,
                       const ChangeOrigin& origin);

// "webhook.disabled" in the endpoint's tenant's log: no contact; its doc is `doc`.
Event WebhookDisabledEvent(const WebhookEndpoint& endpoint, std::string doc, std::int64_t now_ms);

// Internal unless a query of the log names 1 or 2 tenants and a limit in
// 1..kMaxEventQueryLimit (a caller's bug, not a client's).
Status CheckEventQuery(const std::vector<std::string>& tenants, int limit);

// The second tenant of a query of the log, or "" (which no tenant id is).
std::string_view SecondTenant(const std::vector<std::string>& tenants);

}  // namespace contactsd::store
