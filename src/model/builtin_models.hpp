// The model files compiled into the binary (models/*.json), by name.
#pragma once

#include <string_view>
#include <vector>

namespace contactsd::model {

struct BuiltinModel {
  std::string_view name;
  std::string_view json_text;
};

// In a fixed order, "standard" first.
const std::vector<BuiltinModel>& BuiltinModels();

}  // namespace contactsd::model
