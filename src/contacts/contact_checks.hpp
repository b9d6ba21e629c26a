// Checks the service's operations share (contacts_service.cpp, contact_lifecycle.cpp).
#pragma once

#include "common/result.hpp"
#include "contacts/version_condition.hpp"
#include "store/store.hpp"

#include <boost/json/object.hpp>

#include <string_view>

namespace contactsd::contacts {

// BadRequest "invalid_id" unless `id` is a UUID.
Status CheckId(std::string_view id);

// The stored record, parsed into an arena of its own. Internal when it is not an object.
Result<boost::json::object> ParseRecord(const store::Contact& c);

// The store's own not-found error, for contacts that exist but are hidden from clients.
Error NotFound();

// If-Match and If-None-Match, against the version the write read: 412 naming the current
// version, so the client can read it again and retry.
Status CheckVersion(const VersionCondition& condition, const store::Contact& current);

}  // namespace contactsd::contacts
