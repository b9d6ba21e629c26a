// The events of writes that change no contact, built the same way by both backends.
#pragma once

#include "store/store.hpp"

#include <string_view>

namespace contactsd::store {

// "contact.unlocked" in the unlocking org's log: the contact as the org unlocked it.
Event UnlockEvent(std::string_view org_id, const Contact& contact, const Unlock& unlock,
                  const ChangeOrigin& origin);

// "custom_field.created" in the tenant's log; its doc is the definition as the API shows it.
Event CustomFieldEvent(const CustomField& field, std::string_view definition_json,
                       const ChangeOrigin& origin);

}  // namespace contactsd::store
