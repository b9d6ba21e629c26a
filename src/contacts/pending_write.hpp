// What the service's writes carry from their checks to the store's transaction: the private
// structs of ContactsService that its source files share (contacts_service.cpp,
// batch_writes.cpp). Not for use outside src/contacts.
#pragma once

#include "contacts/contacts_service.hpp"
#include "model/patch_validator.hpp"

#include <boost/json/object.hpp>

#include <optional>

namespace contactsd::contacts {

// A PATCH or PUT from its checks to its completion.
struct ContactsService::PendingWrite {
  WriteMode mode;
  model::PatchCheck check;  // the request's fields, normalized, and their errors
  VersionCondition condition;
  std::int64_t now_ms;
  // The definitions of the custom values it sends, as checked (ContactWrite::custom_fields).
  std::vector<store::CustomField> custom_fields;
  // Set by Rewrite: the record as written. Emplaced (moved), never assigned: assigning an
  // object of another memory resource would copy it.
  std::optional<boost::json::object> result_record;
};

// A create, checked: the contact to insert and its record.
struct ContactsService::NewRecord {
  store::NewContact created;
  boost::json::object record;
};

}  // namespace contactsd::contacts
