// ContactsService: a contact found by a unique key (?id_property=, ?email=) rather than by id.
#include "contacts/contact_checks.hpp"
#include "contacts/contacts_service.hpp"
#include "model/record.hpp"

#include <boost/json/object.hpp>

#include <tuple>
#include <vector>

namespace contactsd::contacts {

namespace json = boost::json;

Result<const model::FieldSpec*> ContactsService::UniqueFieldNamed(
    std::string_view id_property) const {
  const model::FieldSpec* field = model_.FindField(id_property);
  if (field && field->unique) return field;
  std::string names;
  for (const auto& f : model_.fields()) {
    if (f.unique) names += (names.empty() ? "" : ", ") + f.name;
  }
  return Error::BadRequest(names.empty() ? "This resource has no unique field for id_property"
                                         : "id_property must be one of: " + names,
                           "invalid_query");
}

Result<store::Contact> ContactsService::HolderOf(const Principal& who, std::string_view value,
                                                 std::string_view id_property) const {
  auto named = UniqueFieldNamed(id_property);
  if (!named.ok()) return std::move(named).error();
  const model::FieldSpec* field = *named;
  auto key = model::UniqueKeyOf(model_, *field, value);
  if (!key) return NotFound();  // not a valid value of the field: no contact holds it
  auto holder = store_.FindContactByKey(TenantOf(who), {field->name, std::move(*key)});
  if (!holder.ok()) return std::move(holder).error();
  if (!*holder) return NotFound();
  return std::move(**holder);
}

Result<std::string> ContactsService::IdOf(const Principal& who, std::string_view value,
                                          const std::string* id_property) const {
  if (!id_property) return std::string(value);
  auto holder = HolderOf(who, value, *id_property);
  if (!holder.ok()) return std::move(holder).error();
  return std::move(holder->id);
}

Result<ContactView> ContactsService::GetByKey(const Principal& who, std::string_view value,
                                              const std::string& id_property) const {
  auto holder = HolderOf(who, value, id_property);
  if (!holder.ok()) return std::move(holder).error();
  return ViewWithAccess(who, std::move(holder).value());
}

Result<ContactPage> ContactsService::ListByKeys(
    const Principal& who, const store::ListQuery& query,
    const std::vector<std::optional<store::UniqueKey>>& keys) const {
  ContactPage page;
  std::optional<store::Contact> holder;
  for (const auto& key : keys) {
    if (!key) return page;  // a value the field cannot hold
    auto found = store_.FindContactByKey(query.org_id, *key);
    if (!found.ok()) return std::move(found).error();
    if (!*found || (holder && holder->id != (*found)->id)) return page;
    holder = std::move(*found);
  }
  const store::Contact& c = *holder;
  // Outside the page the query asks for.
  if ((query.updated_since_ms && c.updated_at_ms < *query.updated_since_ms) ||
      (query.after_id && c.id <= *query.after_id) ||
      (query.after_updated &&
       std::tie(c.updated_at_ms, c.id) <=
           std::tie(query.after_updated->updated_at_ms, query.after_updated->id))) {
    return page;
  }
  auto view = ViewWithAccess(who, std::move(*holder));
  if (!view.ok()) return std::move(view).error();
  page.items.push_back(std::move(view).value());
  return page;
}

}  // namespace contactsd::contacts
