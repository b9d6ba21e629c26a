// ContactsService: a contact found by a unique key (?id_property=, ?email=) rather than by id.
#include "contacts/contact_checks.hpp"
#include "contacts/contacts_service.hpp"
#include "model/record.hpp"

#include <tuple>

namespace contactsd::contacts {

Result<std::string> ContactsService::IdOf(const Principal& who, std::string_view value,
                                          const std::string* id_property) const {
  if (!id_property) return std::string(value);
  const model::FieldSpec* field = model_.FindField(*id_property);
  if (!field || !field->unique) {
    std::string names;
    for (const auto& f : model_.fields()) {
      if (f.unique) names += (names.empty() ? "" : ", ") + f.name;
    }
    return Error::BadRequest(names.empty() ? "This resource has no unique field for id_property"
                                           : "id_property must be one of: " + names,
                             "invalid_query");
  }
  auto key = model::UniqueKeyOf(model_, *field, value);
  if (!key) return NotFound();  // not a valid value of the field: no contact holds it
  auto holder = store_.FindContactByKey(TenantOf(who), {field->name, std::move(*key)});
  if (!holder.ok()) return std::move(holder).error();
  if (!*holder) return NotFound();
  return std::move(**holder);
}

Result<ContactPage> ContactsService::ListByKeys(
    const Principal& who, const store::ListQuery& query,
    const std::vector<std::optional<store::UniqueKey>>& keys) const {
  ContactPage page;
  std::optional<std::string> holder;
  for (const auto& key : keys) {
    if (!key) return page;  // a value the field cannot hold
    auto found = store_.FindContactByKey(query.org_id, *key);
    if (!found.ok()) return std::move(found).error();
    if (!*found || (holder && *holder != **found)) return page;
    holder = std::move(*found);
  }
  auto stored = store_.GetContact(query.org_id, *holder);
  if (!stored.ok()) {
    // Erased between the two reads: as if it had been before.
    if (stored.error().code == ErrorCode::kNotFound) return page;
    return std::move(stored).error();
  }
  const store::Contact& c = *stored;
  // Archived between the two reads, or outside the page the query asks for.
  if (c.archived_at_ms || (query.updated_since_ms && c.updated_at_ms < *query.updated_since_ms) ||
      (query.after_id && c.id <= *query.after_id) ||
      (query.after_updated &&
       std::tie(c.updated_at_ms, c.id) <=
           std::tie(query.after_updated->updated_at_ms, query.after_updated->id))) {
    return page;
  }
  auto view = ViewWithAccess(who, std::move(stored).value());
  if (!view.ok()) return std::move(view).error();
  page.items.push_back(std::move(view).value());
  return page;
}

}  // namespace contactsd::contacts
