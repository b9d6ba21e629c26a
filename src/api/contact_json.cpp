#include "api/contact_json.hpp"

#include "api/conditional.hpp"
#include "model/projection.hpp"

#include <algorithm>

namespace contactsd::api {

using contacts::ContactView;

void AppendContact(std::string& out, const model::Model& model, const ContactView& c,
                   std::span<const std::string> requested) {
  model::RecordMeta meta{c.stored.id,
                         c.stored.version,
                         c.stored.created_at_ms,
                         c.stored.updated_at_ms,
                         c.stored.archived_at_ms,
                         c.stored.archived_by};
  model::AppendProjection(out, model, meta, c.record, requested, &c.access);
}

Result<std::vector<std::string>> RequestedProperties(const model::Model& model,
                                                     const Request& req) {
  std::vector<std::string> names;
  const std::string* list = req.Query("properties");
  if (!list) return names;
  std::string_view rest = *list;
  while (true) {
    auto comma = rest.find(',');
    std::string_view name = rest.substr(0, comma);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (!name.empty()) {
      // Flattened custom fields are always shown and are not a property of their own.
      bool known = std::any_of(
          model.response().begin(), model.response().end(),
          [&](const model::ResponseProperty& p) { return p.name == name && !p.flatten; });
      if (!known) {
        Error e =
            Error::BadRequest("Unknown property '" + std::string(name) + "'", "invalid_properties");
        e.details.push_back({"properties", "unknown_property",
                             "'" + std::string(name) + "' is not a property of this resource"});
        return e;
      }
      if (std::find(names.begin(), names.end(), name) == names.end()) names.emplace_back(name);
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return names;
}

Response ContactResponse(const model::Model& model, int status, const ContactView& c,
                         std::span<const std::string> requested) {
  Response r{status, {}, {}};
  r.body.reserve(1024);  // a contact's answer is usually under 1 KiB: one allocation
  AppendContact(r.body, model, c, requested);
  r.headers.emplace_back("ETag", ETagOf(c.stored.version));
  if (status == 201) {
    r.headers.emplace_back("Location", model.base_path() + "/contacts/" + c.stored.id);
  }
  return r;
}

}  // namespace contactsd::api
