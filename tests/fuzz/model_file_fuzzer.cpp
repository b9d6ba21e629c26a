// Model files (model/model_parser.cpp, model_rules_parser.cpp; docs/models/README.md): the input
// is the file, as `contactsd serve --model PATH` reads it. A file that parses is a model the
// server would then serve, so it must also be usable: its API is built as serve_command.cpp
// builds it (every route, the router), and a contact created with nothing sent is validated,
// stored as text that reads back as the same record, and shown with every optional property.
#include "fuzz_support.hpp"

#include "contacts/entry_references.hpp"
#include "model/json_text.hpp"
#include "model/patch_validator.hpp"
#include "model/projection.hpp"
#include "model/record.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace contactsd;
  namespace json = boost::json;
  auto parsed = model::Model::Parse(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!parsed.ok()) {
    fuzz::Require(!parsed.error().message.empty(), "a model refused without a message");
    return 0;
  }
  const fuzz::ModelApi api(std::move(parsed).value());
  const model::Model& m = api.model;
  for (const std::string& collection : m.collections()) (void)m.FieldsReferencing(collection);
  model::PatchCheck check = model::CheckPatch(m, json::object(), {}, model::WriteKind::kCreate);
  const json::object record = model::NewRecord(m, check.normalized);
  (void)model::ValidateRecord(m, record);
  (void)model::UniqueKeys(m, record);
  (void)contacts::ReferencesOf(m, record);
  boost::system::error_code ec;
  const json::value back = json::parse(model::JsonText(record), ec);
  fuzz::Require(!ec && back.is_object() && back.get_object() == record,
                "a new record's stored text does not read back as the record");
  std::vector<std::string> optional;
  for (const auto& p : m.response()) {
    if (p.optional) optional.push_back(p.name);
  }
  model::AccessState access;
  std::string response;
  model::AppendProjection(response, m, {"0190a0b0-c0d0-7000-8000-000000000001", 1, 1, 1, {}, {}},
                          record, optional, &access);
  const json::value shown = json::parse(response, ec);
  fuzz::Require(!ec && shown.is_object(), "a response is not a JSON object");
  return 0;
}
