#include "contacts/contact_checks.hpp"

#include "common/uuid.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>

namespace contactsd::contacts {
namespace json = boost::json;

Status CheckId(std::string_view id) {
  if (!IsUuid(id)) return Error::BadRequest("The contact id must be a UUID", "invalid_id");
  return {};
}

// A stored record is parsed into an arena of its own: two allocations instead of one per
// string and table, and nothing freed value by value. The arena is shared by the record's
// values, so the record can move to the thread that answers with it.
Result<json::object> ParseRecord(const store::Contact& c) {
  boost::system::error_code ec;
  json::value v = json::parse(
      c.doc, ec, json::make_shared_resource<json::monotonic_resource>(2 * c.doc.size() + 512));
  if (ec || !v.is_object()) return Error::Internal("stored contact " + c.id + " is not an object");
  return std::move(v.get_object());
}

// The store's own not-found error, for contacts that exist but are hidden from clients.
Error NotFound() { return Error::NotFound("Contact not found"); }

// If-Match and If-None-Match, against the version the write read. Either 412 names the
// current version, so the client can read it again and retry.
Status CheckVersion(const VersionCondition& condition, const store::Contact& current) {
  if (condition.MatchFails(current.version)) {
    return Error::PreconditionFailed("The contact has changed: its version is " +
                                     std::to_string(current.version));
  }
  if (condition.NoneMatchFails(current.version)) {
    return Error::PreconditionFailed("The contact exists (If-None-Match): its version is " +
                                     std::to_string(current.version));
  }
  return {};
}

}  // namespace contactsd::contacts
