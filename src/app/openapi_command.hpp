// contactsd openapi: prints a model's OpenAPI document, as GET {base}/openapi.json answers it
// without credentials.
#pragma once

#include <string>

namespace contactsd::app {

// `model`: a built-in name or a path to a model file; `jwt`: describe JWTs beside API keys.
int OpenApiCommand(const std::string& model, bool jwt);

}  // namespace contactsd::app
