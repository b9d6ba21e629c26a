#include "app/openapi_command.hpp"

#include "api/openapi_document.hpp"
#include "api/routes.hpp"
#include "app/model_source.hpp"
#include "common/time.hpp"
#include "model/json_text.hpp"
#include "store/store.hpp"

#include <cstdlib>
#include <filesystem>
#include <iostream>

namespace contactsd::app {
namespace {

// The routes are what the server builds, on services that need a store: a throw-away SQLite
// file in a directory of its own, removed when the document is made. No request reaches it.
class ScratchDirectory {
 public:
  ScratchDirectory() {
    std::string pattern = (std::filesystem::temp_directory_path() / "contactsd-openapi-XXXXXX");
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~ScratchDirectory() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace

int OpenApiCommand(const std::string& model_name, bool jwt) {
  auto model = LoadModel(model_name);
  if (!model.ok()) {
    std::cerr << "contactsd: " << model.error().message << "\n";
    return 1;
  }
  ScratchDirectory scratch;
  if (scratch.path().empty()) {
    std::cerr << "contactsd: cannot make a temporary directory\n";
    return 1;
  }
  auto store = store::OpenStore("sqlite:" + (scratch.path() / "scratch.db").string());
  if (!store.ok()) {
    std::cerr << "contactsd: " << store.error().internal << "\n";
    return 1;
  }
  auth::Authenticator authenticator(**store);
  contacts::ContactsService contacts(*model, **store, NowMillis, "scratch");
  contacts::CustomFieldsService custom_fields(*model, **store, NowMillis);
  contacts::CollectionsService collections(*model, **store, NowMillis);
  contacts::EventsService events(*model, **store, "scratch");
  contacts::WebhooksService webhooks(events, **store, {}, "scratch", nullptr);
  api::KeysInFlight keys_in_flight;
  api::ApiContext ctx{*model, authenticator,  contacts, custom_fields, collections,
                      events, keys_in_flight, nullptr,  &webhooks};
  std::vector<api::Route> routes = api::AllRoutes(ctx);
  std::cout << model::JsonText(
                   api::OpenApiDocument(*model, routes, {.custom_fields = nullptr, .jwt = jwt}))
            << "\n";
  return 0;
}

}  // namespace contactsd::app
