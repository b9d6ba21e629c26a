// What the Store interface implements itself: the defaults a backend may override.
#include "store/store.hpp"

#include "store/event_records.hpp"

#include <algorithm>
#include <utility>

namespace contactsd::store {

void ApplyWrite(Contact& current, ContactWrite&& write) {
  current.doc = std::move(write.doc);
  current.version += 1;
  current.updated_at_ms = write.updated_at_ms;
  current.archived_at_ms = write.archived_at_ms;
  current.archived_by = std::move(write.archived_by);
}

// A backend whose writes block (PostgreSQL: a round trip per statement) answers at once, on the
// caller's thread; that caller is a thread that may block (Store::QueuesWrites() is false).
void Store::UpdateContactAsync(std::string_view org_id, std::string_view id, Mutation mutate,
                               UpdateScope /*scope*/, ChangeOrigin origin, ContactDone done) {
  done(UpdateContact(org_id, id, mutate, origin));
}

void Store::WriteContactsAsync(std::string_view org_id, std::vector<ContactOp> ops, bool atomic,
                               ChangeOrigin origin, std::shared_ptr<const AnswerMaker> answer,
                               BatchDone done) {
  done(WriteContacts(org_id, std::move(ops), atomic, origin, answer.get()));
}

bool StoresAnswer(const std::vector<ContactOpResult>& results, const AnswerMaker* answer) {
  return answer != nullptr && std::any_of(results.begin(), results.end(),
                                          [](const ContactOpResult& r) { return r.contact.ok(); });
}

Error KeyTakenError(std::string_view key_name, std::string_view holder_id) {
  std::string message = std::string(key_name) + " is already used by another contact";
  Error error = Error::Conflict(message, "duplicate");
  error.details.push_back(
      {std::string(key_name), "duplicate", std::move(message), std::string(holder_id)});
  return error;
}

Error CustomFieldChangedError(std::string_view name) {
  std::string message = "The definition of custom field '" + std::string(name) +
                        "' changed while this write was checked; send it again";
  Error error = Error::Conflict(message, "custom_field_changed");
  error.details.push_back({std::string(name), "custom_field_changed", std::move(message), {}});
  return error;
}

Status CheckCustomFieldsUnchanged(const std::vector<CustomField>& checked,
                                  const std::vector<CustomField>& stored) {
  for (const CustomField& field : checked) {
    const bool same = std::any_of(stored.begin(), stored.end(), [&](const CustomField& s) {
      return s.name == field.name && s.type == field.type && s.options_json == field.options_json;
    });
    if (!same) return CustomFieldChangedError(field.name);
  }
  return {};
}

std::string_view ChangeTypeOf(const Contact* before, std::optional<std::int64_t> archived_after) {
  if (!before) return "contact.created";
  if (!before->archived_at_ms && archived_after) return "contact.archived";
  if (before->archived_at_ms && !archived_after) return "contact.restored";
  return "contact.updated";
}

Event UnlockEvent(std::string_view org_id, const Contact& contact, const Unlock& unlock,
                  const ChangeOrigin& origin) {
  Event event;
  event.org_id = std::string(org_id);
  event.type = "contact.unlocked";
  event.occurred_at_ms = unlock.unlocked_at_ms;
  event.origin = origin;
  event.contact = contact;
  return event;
}

Event CustomFieldEvent(std::string_view type, const CustomField& field,
                       std::string_view definition_json, std::int64_t at_ms,
                       const ChangeOrigin& origin) {
  Event event;
  event.org_id = field.org_id;
  event.type = std::string(type);
  event.occurred_at_ms = at_ms;
  event.origin = origin;
  event.contact.doc = std::string(definition_json);
  event.contact.version = 1;
  event.contact.created_at_ms = field.created_at_ms;
  event.contact.updated_at_ms = at_ms;
  return event;
}

Event WebhookDisabledEvent(const WebhookEndpoint& endpoint, std::string doc, std::int64_t now_ms) {
  Event event;
  event.org_id = endpoint.org_id;
  event.type = "webhook.disabled";
  event.occurred_at_ms = now_ms;
  event.origin = ChangeOrigin::System();
  event.contact.doc = std::move(doc);
  event.contact.version = 1;
  event.contact.created_at_ms = now_ms;
  event.contact.updated_at_ms = now_ms;
  return event;
}

Status CheckEventQuery(const std::vector<std::string>& tenants, int limit) {
  if (tenants.empty() || tenants.size() > 2 || limit < 1 || limit > kMaxEventQueryLimit) {
    return Error::Internal("store: an event query needs 1 or 2 tenants and a limit in 1..1001");
  }
  return {};
}

std::string_view SecondTenant(const std::vector<std::string>& tenants) {
  return tenants.size() > 1 ? std::string_view(tenants[1]) : std::string_view();
}

}  // namespace contactsd::store
