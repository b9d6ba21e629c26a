// Where a model comes from: a built-in name ("standard") or a path to a model file.
#pragma once

#include "common/result.hpp"
#include "model/model.hpp"

#include <string_view>

namespace contactsd::app {

// Errors: BadRequest naming the model or file, with the model's own message for a bad file.
Result<model::Model> LoadModel(std::string_view name_or_path);

}  // namespace contactsd::app
