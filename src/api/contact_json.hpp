// A contact in the model's response shape: the single answers of /contacts and the contacts in
// a batch's results.
#pragma once

#include "api/request.hpp"
#include "contacts/contacts_service.hpp"
#include "model/model.hpp"

#include <span>
#include <string>
#include <vector>

namespace contactsd::api {

// Appends the contact in the model's response shape, as JSON text.
void AppendContact(std::string& out, const model::Model& model, const contacts::ContactView& c,
                   std::span<const std::string> requested = {});

// ?properties=a,b: optional response properties to add. Whitespace around names is ignored;
// a name that is not a response property of the model is a 400 naming it.
Result<std::vector<std::string>> RequestedProperties(const model::Model& model, const Request& req);

// The contact as the answer of a write or a read: its ETag, and for a 201 its Location.
Response ContactResponse(const model::Model& model, int status, const contacts::ContactView& c,
                         std::span<const std::string> requested = {});

}  // namespace contactsd::api
