#include "store/postgres/custom_field_lock.hpp"

#include "store/postgres/array_text.hpp"
#include "store/postgres/rows.hpp"

#include <algorithm>

namespace contactsd::store::postgres {

CustomFieldLock::CustomFieldLock(std::string_view org_id, const std::vector<CustomField>& checked) {
  if (checked.empty()) return;
  ArrayText names;
  for (const CustomField& field : checked) names.Add(field.name);
  names_ = names.Take();
  query_.emplace(Query(Sql::kLockCustomFields).Text(org_id).Text(names_));
}

void CustomFieldLock::AppendTo(std::vector<Query>& batch) {
  if (!query_) return;
  at_ = batch.size();
  batch.push_back(*query_);
}

std::vector<CustomField> CustomFieldLock::Found(const std::vector<Rows>& results) const {
  std::vector<CustomField> found;
  if (!query_) return found;
  const Rows& rows = results[at_];
  for (int i = 0; i < rows.size(); ++i) found.push_back(ReadCustomField(rows, i));
  return found;
}

Result<std::vector<ContactOpResult>> LockDefinitionsOfCreates(Connection& connection,
                                                              std::string_view org_id,
                                                              const std::vector<ContactOp>& ops) {
  std::vector<CustomField> named;  // each name once
  for (const ContactOp& op : ops) {
    for (const CustomField& field : op.create.custom_fields) {
      const bool seen = std::any_of(named.begin(), named.end(),
                                    [&](const CustomField& f) { return f.name == field.name; });
      if (!seen) named.push_back(field);
    }
  }
  std::vector<ContactOpResult> results;
  CustomFieldLock definitions(org_id, named);
  if (definitions.empty()) return results;
  std::vector<Query> lock;
  definitions.AppendTo(lock);
  auto locked = connection.Run(lock);
  if (!locked) return std::move(locked).error();
  const std::vector<CustomField> found = definitions.Found(*locked);
  for (const ContactOp& op : ops) {
    if (auto same = CheckCustomFieldsUnchanged(op.create.custom_fields, found); !same) {
      results.push_back({std::move(same).error(), true});
      return results;
    }
    Contact stored = op.create.contact;
    stored.version = 1;
    results.push_back({std::move(stored), true});
  }
  results.clear();
  return results;
}

}  // namespace contactsd::store::postgres
