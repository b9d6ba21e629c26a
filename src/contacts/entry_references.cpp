#include "contacts/entry_references.hpp"

#include "model/record.hpp"

#include <algorithm>

namespace contactsd::contacts {

std::vector<store::Reference> ReferencesOf(const model::Model& model,
                                           const boost::json::object& values) {
  std::vector<store::Reference> refs;
  for (auto& held : model::ReferencedIds(model, values)) {
    refs.push_back({held.field->name, held.field->references, std::move(held.ids)});
  }
  return refs;
}

std::vector<store::Reference> AddedReferences(const std::vector<store::Reference>& after,
                                              const std::vector<store::Reference>& before) {
  // Held before in any field of the same collection counts as held: the entry's delete
  // rewrites the contact either way.
  auto held = [&](const std::string& collection, std::int64_t id) {
    return std::any_of(before.begin(), before.end(), [&](const store::Reference& b) {
      return b.collection == collection && std::find(b.ids.begin(), b.ids.end(), id) != b.ids.end();
    });
  };
  std::vector<store::Reference> added;
  for (const store::Reference& ref : after) {
    store::Reference fresh{ref.field, ref.collection, {}};
    for (std::int64_t id : ref.ids) {
      if (!held(ref.collection, id)) fresh.ids.push_back(id);
    }
    if (!fresh.ids.empty()) added.push_back(std::move(fresh));
  }
  return added;
}

Status AddMissingReferences(store::Store& store, std::string_view org_id,
                            const std::vector<store::Reference>& references,
                            std::vector<FieldError>& errors) {
  if (references.empty()) return {};
  auto missing = store.MissingReferences(org_id, references);
  if (!missing.ok()) return std::move(missing).error();
  if (missing->empty()) return {};
  for (auto& detail : store::MissingReferencesError(*missing).details) {
    errors.push_back(std::move(detail));
  }
  return {};
}

}  // namespace contactsd::contacts
