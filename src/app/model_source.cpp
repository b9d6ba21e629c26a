#include "app/model_source.hpp"

#include "model/builtin_models.hpp"

#include <fstream>
#include <sstream>

namespace contactsd::app {

Result<model::Model> LoadModel(std::string_view name_or_path) {
  for (const auto& builtin : model::BuiltinModels()) {
    if (builtin.name == name_or_path) return model::Model::Parse(builtin.json_text);
  }
  std::ifstream in{std::string(name_or_path)};
  if (!in) {
    std::string names;
    for (const auto& builtin : model::BuiltinModels()) {
      names += names.empty() ? "" : ", ";
      names += builtin.name;
    }
    return Error::BadRequest("model '" + std::string(name_or_path) +
                             "' is neither a built-in model (" + names + ") nor a readable file");
  }
  std::stringstream text;
  text << in.rdbuf();
  auto model = model::Model::Parse(text.str());
  if (!model.ok()) {
    return Error::BadRequest("model file " + std::string(name_or_path) + ": " +
                             model.error().message);
  }
  return model;
}

}  // namespace contactsd::app
