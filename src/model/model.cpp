#include "model/model.hpp"

#include <algorithm>

namespace contactsd::model {

Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;
Model::~Model() = default;

const FieldSpec* Model::FindField(std::string_view name) const {
  for (const auto& f : fields_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

bool Model::IsSystemName(std::string_view name) const {
  return std::find(system_names_.begin(), system_names_.end(), name) != system_names_.end();
}

bool Model::IsResponsePropertyName(std::string_view name) const {
  return std::any_of(response_.begin(), response_.end(),
                     [&](const ResponseProperty& p) { return !p.flatten && p.name == name; });
}

bool Model::PlanMayWrite(std::string_view plan) const {
  return write_plans_.empty() ||
         std::find(write_plans_.begin(), write_plans_.end(), plan) != write_plans_.end();
}

bool Model::PlanHasFullAccess(std::string_view plan) const {
  const auto& plans = unlocks_->full_access_plans;
  return std::find(plans.begin(), plans.end(), plan) != plans.end();
}

bool Model::HasCollection(std::string_view name) const {
  return std::find(collections_.begin(), collections_.end(), name) != collections_.end();
}

std::vector<const FieldSpec*> Model::FieldsReferencing(std::string_view collection) const {
  std::vector<const FieldSpec*> fields;
  for (const auto& f : fields_) {
    if (!f.references.empty() && f.references == collection) fields.push_back(&f);
  }
  return fields;
}

}  // namespace contactsd::model
