// A write's JSON body through every built-in model, as the contact handlers and the service
// take it (contact_routes.cpp, contacts_service.cpp), with no database: the input is the request
// body. It is parsed as a handler parses it (api::ParseObject into a 4 KiB arena on the stack:
// depth 32, finite numbers; the transport has already refused a body over 1 MiB), taken out of
// the model's envelope (api::FieldsOf), and validated for each write:
// - create (POST): CheckPatch(kCreate), NewRecord, ValidateRecord;
// - PATCH (a JSON merge patch): CheckPatch(kUpdate), ApplyPatch onto a valid stored record,
//   ValidateRecord;
// - PUT, where the model serves it: ReplaceRecord onto that record, ValidateRecord;
// each with the tenant custom fields of every type a model allows, then the record's unique keys
// and references, its stored text and its response (AppendProjection). And as a custom field
// definition (POST {base}/custom-fields) where the model has custom fields.
// What must hold: a stored document and a response are JSON objects, and a write sent again
// changes nothing (model::ApplyPatch: "a PATCH that sends what is stored already writes
// nothing"; a PUT likewise), the stored record being what the store reads back.
#include "fuzz_support.hpp"

#include "api/json_body.hpp"
#include "contacts/entry_references.hpp"
#include "model/builtin_models.hpp"
#include "model/custom_field.hpp"
#include "model/json_text.hpp"
#include "model/patch_validator.hpp"
#include "model/projection.hpp"
#include "model/record.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace contactsd;
namespace json = boost::json;

// A valid create of each built-in model (its docs' examples), in its envelope: the stored
// record a PATCH or PUT is applied to. A model not listed gets its defaults.
const std::map<std::string_view, std::string_view> kSampleCreates = {
    {"standard",
     R"({"first_name":"Ada","last_name":"Lovelace","email":"ada@example.com",
         "phone":"+442079460958","tags":["vip"],"custom_fields":{"cf_text":"x","cf_tier":"gold"}})"},
    {"crm",
     R"({"fields":{"first_name":"Ada","last_name":"Lovelace","email":"ada@example.com",
         "contact_owner":"jane@example.com","external_id":"sf-0042","cf_num":42,"cf_tier":"gold"}})"},
    {"voice",
     R"({"full_name":"Ada Lovelace","email":"ada@example.com","phone_number":"+1 (415) 555-2671",
         "tags":["vip","lead"],"custom_fields":{"plan":"pro"}})"},
    {"gifting",
     R"({"first_name":"Ada","last_name":"Lovelace","email":" ada@example.com ","country":"CA",
         "state":"ON","city":"Toronto","zip":"M5V 2T6","address":"100 King St W",
         "contact_type":"client","shirt_size":"MD","client_since":"2020-03-01",
         "address_verified":true,"lists":[1],"labels":[1,1]})"},
    {"prospects",
     R"({"name":"Ada Lovelace","district_id":"0190a0b0-c0d0-7000-8000-0000000000d1",
         "title":"Superintendent","state":"CA","is_district_contact":true,
         "key_facts":{"budget":1200000},"unlock_cost":3})"},
};

// One definition of every type a custom field may have (docs/models/README.md), and one that
// names only the field (voice's default type).
constexpr std::string_view kCustomDefinitions[] = {
    R"({"name":"cf_text","type":"string"})",
    R"({"name":"cf_num","type":"number"})",
    R"({"name":"cf_int","type":"integer"})",
    R"({"name":"cf_flag","type":"boolean"})",
    R"({"name":"cf_day","type":"date"})",
    R"({"name":"cf_when","type":"datetime"})",
    R"({"name":"cf_mail","type":"email"})",
    R"({"name":"cf_tel","type":"phone"})",
    R"({"name":"cf_site","type":"url"})",
    R"({"name":"plan"})",
    R"({"name":"cf_tier","type":"enum","options":["gold","silver"]})",
};

struct ModelCase {
  const model::Model* model;
  std::vector<model::FieldSpec> custom;  // the tenant's definitions
  json::object stored;                   // a valid record, as stored
  std::vector<std::string> optional;     // every optional response property, as ?properties=
};

std::vector<ModelCase>& Cases() {
  static auto* cases = [] {
    auto* out = new std::vector<ModelCase>;
    for (const auto& api : fuzz::BuiltinApis()) {
      const model::Model& m = api->model;
      ModelCase c{&m, {}, {}, {}};
      if (m.custom_fields_field() != nullptr) {
        for (std::string_view text : kCustomDefinitions) {
          auto spec = model::CheckCustomFieldDefinition(m, json::parse(text).as_object());
          if (spec.ok()) c.custom.push_back(std::move(spec).value());
        }
      }
      auto sample = kSampleCreates.find(m.name());
      auto body = api::ParseObject(sample == kSampleCreates.end() ? "{}" : sample->second);
      fuzz::Require(body.ok(), "a sample create is not a JSON object");
      auto fields = api::FieldsOf(m, std::move(body).value());
      fuzz::Require(fields.ok(), "a sample create is not in its model's envelope");
      auto check = model::CheckPatch(m, *fields, c.custom, model::WriteKind::kCreate);
      c.stored = model::NewRecord(m, check.normalized);
      fuzz::Require(check.errors.empty() && model::ValidateRecord(m, c.stored).empty(),
                    "a sample create is not valid");
      for (const auto& p : m.response()) {
        if (p.optional) c.optional.push_back(p.name);
      }
      out->push_back(std::move(c));
    }
    return out;
  }();
  return *cases;
}

// What the server does with a record it writes: its problems, keys and references, its stored
// text and its response. Returns the record as the store reads it back (ParseRecord).
json::object UseRecord(const ModelCase& c, const json::object& record) {
  const model::Model& m = *c.model;
  (void)model::ValidateRecord(m, record);
  (void)model::UniqueKeys(m, record);
  (void)contacts::ReferencesOf(m, record);
  const std::string doc = model::JsonText(record);
  boost::system::error_code ec;
  json::value back = json::parse(doc, ec);
  fuzz::Require(!ec && back.is_object(), "a stored document is not a JSON object");
  model::AccessState access;
  access.unlocked = true;
  const model::RecordMeta meta{"0190a0b0-c0d0-7000-8000-000000000001", 2, 1, 2, std::nullopt, {}};
  std::string response;
  model::AppendProjection(response, m, meta, record, c.optional, &access);
  const json::value shown = json::parse(response, ec);
  fuzz::Require(!ec && shown.is_object(), "a response is not a JSON object");
  return std::move(back.get_object());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const ModelCase& c : Cases()) {
    const model::Model& m = *c.model;
    // As contact_routes.cpp's BodyArena: the parsed body lives on the handler's stack.
    unsigned char buffer[4096];
    json::monotonic_resource arena(buffer, sizeof buffer);
    auto body = api::ParseObject(text, &arena);
    if (!body.ok()) return 0;  // the same for every model
    if (m.custom_fields_enabled()) (void)model::CheckCustomFieldDefinition(m, *body);
    auto fields = api::FieldsOf(m, std::move(body).value());
    if (!fields.ok()) continue;

    model::PatchCheck create = model::CheckPatch(m, *fields, c.custom, model::WriteKind::kCreate);
    UseRecord(c, model::NewRecord(m, create.normalized));

    // As the service's writes: the normalized fields in an arena of their own.
    model::PatchCheck update =
        model::CheckPatch(m, *fields, c.custom, model::WriteKind::kUpdate,
                          json::make_shared_resource<json::monotonic_resource>(1024));
    (void)contacts::ReferencesOf(m, update.normalized);
    json::object patched = c.stored;
    model::ApplyPatch(m, patched, update.normalized);
    json::object stored = UseRecord(c, patched);
    fuzz::Require(!model::ApplyPatch(m, stored, update.normalized),
                  "the same PATCH sent again changed the stored record");
    if (m.replace_enabled()) {
      stored = UseRecord(c, model::ReplaceRecord(m, c.stored, update.normalized));
      fuzz::Require(model::ReplaceRecord(m, stored, update.normalized) == stored,
                    "the same PUT sent again changed the stored record");
    }
  }
  return 0;
}
