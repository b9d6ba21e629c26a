#include "api/openapi_document.hpp"

#include "api/openapi_parameters.hpp"
#include "common/version.hpp"
#include "model/contact_schema.hpp"
#include "model/field_types.hpp"
#include "model/json_text.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <set>

namespace contactsd::api {
namespace {

namespace json = boost::json;

json::object Ref(std::string_view kind, std::string_view name) {
  return {{"$ref", "#/components/" + std::string(kind) + "/" + std::string(name)}};
}

// The component schema a shape is; empty for the shapes that are not JSON.
std::string_view SchemaName(Shape shape) {
  switch (shape) {
    case Shape::kContact:
      return "Contact";
    case Shape::kContactCreate:
      return "ContactCreate";
    case Shape::kContactUpdate:
      return "ContactUpdate";
    case Shape::kContactReplace:
      return "ContactReplace";
    case Shape::kContactPage:
      return "ContactPage";
    case Shape::kBatchRequest:
      return "BatchRequest";
    case Shape::kBatchAnswer:
      return "BatchAnswer";
    case Shape::kImportSummary:
      return "ImportSummary";
    case Shape::kCustomFieldDefinition:
      return "CustomFieldDefinition";
    case Shape::kCustomField:
      return "CustomField";
    case Shape::kCustomFieldList:
      return "CustomFieldList";
    case Shape::kCustomFieldUpdate:
      return "CustomFieldUpdate";
    case Shape::kCustomFieldDeleted:
      return "CustomFieldDeleted";
    case Shape::kCollectionEntryDefinition:
      return "CollectionEntryDefinition";
    case Shape::kCollectionEntry:
      return "CollectionEntry";
    case Shape::kCollectionEntryList:
      return "CollectionEntryList";
    case Shape::kEventPage:
      return "EventPage";
    case Shape::kHistoryPage:
      return "HistoryPage";
    case Shape::kWebhookDefinition:
      return "WebhookDefinition";
    case Shape::kWebhookUpdate:
      return "WebhookUpdate";
    case Shape::kWebhookCreated:
      return "WebhookCreated";
    case Shape::kWebhook:
      return "Webhook";
    case Shape::kWebhookList:
      return "WebhookList";
    case Shape::kWebhookSecretRotated:
      return "WebhookSecretRotated";
    case Shape::kWebhookTestResult:
      return "WebhookTestResult";
    case Shape::kWebhookRetryResult:
      return "WebhookRetryResult";
    case Shape::kWebhookReplayRequest:
      return "WebhookReplayRequest";
    case Shape::kWebhookReplayResult:
      return "WebhookReplayResult";
    case Shape::kDeliveryPage:
      return "DeliveryPage";
    case Shape::kDelivery:
      return "Delivery";
    case Shape::kHealth:
      return "Health";
    case Shape::kNone:
    case Shape::kImportBody:
    case Shape::kExportBody:
    case Shape::kOpenApi:
    case Shape::kHtml:
      return {};
  }
  return {};
}

// A body's content: its media types and their schemas.
// The first of the component schema's examples, or nullptr.
const json::value* ExampleOf(const json::object& schemas, std::string_view name) {
  const json::value* schema = schemas.if_contains(name);
  const json::value* examples = schema ? schema->as_object().if_contains("examples") : nullptr;
  if (!examples || !examples->is_array() || examples->as_array().empty()) return nullptr;
  return &examples->as_array().front();
}

// A body's content: its media types, their schemas and an example. `schemas` are the
// document's components, whose examples each operation shows.
json::object Content(Shape shape, bool request, const json::object& schemas) {
  const json::object text{{"type", "string"}};
  switch (shape) {
    case Shape::kImportBody:
    case Shape::kExportBody: {
      json::object ndjson{{"schema", text}};
      ndjson["schema"].as_object()["description"] = "One contact per line, as a JSON object.";
      // A line of each: the model's example create in, the contact it makes out.
      if (const json::value* line = ExampleOf(schemas, request ? "ContactCreate" : "Contact")) {
        ndjson["example"] = model::JsonText(*line) + "\n";
      }
      json::object csv = text;
      csv["description"] =
          "RFC 4180: a header row naming the fields (custom fields as custom_fields.NAME or as "
          "the model places them), then a row per contact.";
      return {{"application/x-ndjson", std::move(ndjson)},
              {"text/csv", {{"schema", std::move(csv)}}}};
    }
    case Shape::kOpenApi:
      return {{"application/json", {{"schema", {{"type", "object"}}}}}};
    case Shape::kHtml:
      return {{"text/html", {{"schema", text}}}};
    default:
      break;
  }
  json::object media{{"schema", Ref("schemas", SchemaName(shape))}};
  if (const json::value* example = ExampleOf(schemas, SchemaName(shape))) {
    media["example"] = *example;
  }
  json::object content{{"application/json", media}};
  // A PATCH body is a JSON merge patch (RFC 7396), sent as either type.
  if (request && shape == Shape::kContactUpdate) content["application/merge-patch+json"] = media;
  return content;
}

struct ErrorStatus {
  int status;
  std::string_view name;  // of the component response
  std::string_view description;
  std::string_view error;    // the example's machine code
  std::string_view message;  // the example's message
};

constexpr ErrorStatus kErrorStatuses[] = {
    {400, "BadRequest", "The request is malformed: its JSON, its query or its values", "", ""},
    {401, "Unauthorized", "Missing or invalid credentials", "unauthorized", ""},
    {402, "PaymentRequired", "Not enough credits", "insufficient_credits",
     "Not enough credits: unlocking this contact costs 5, the balance is 2"},
    {403, "Forbidden", "The credentials may not do this", "forbidden",
     "Only organizations on the internal plan may change contacts"},
    {404, "NotFound", "No such resource in the caller's tenant", "not_found", "Contact not found"},
    {409, "Conflict",
     "A unique value another contact holds (details name it), an archived contact, an "
     "Idempotency-Key in flight",
     "archived", "The contact is archived; restore it before changing it"},
    {410, "Gone", "The cursor is older than what is kept: resync from the list", "cursor_expired",
     "The cursor is older than the events kept: read the list again, then follow the feed"},
    {412, "PreconditionFailed", "If-Match names another version", "precondition_failed",
     "The contact has changed: its version is 3"},
    {413, "PayloadTooLarge", "The body is larger than the route accepts", "payload_too_large",
     "The request body is larger than 1048576 bytes"},
    {415, "UnsupportedMediaType", "A body type the route does not read", "unsupported_media_type",
     "A JSON Patch (RFC 6902) is not accepted: send a JSON merge patch (RFC 7396)"},
    {422, "Unprocessable", "An Idempotency-Key reused for another request",
     "idempotency_key_reused", "This Idempotency-Key was used for another request"},
    {429, "TooManyRequests",
     "Over the tenant's or the credential's rate limit (when the server has one): retry after "
     "Retry-After seconds",
     "rate_limited", "Too many requests: retry after the Retry-After seconds"},
    {503, "Unavailable", "The server is busy with as many of these as it runs at once",
     "unavailable", "Too many exports are running: try again shortly"},
};

// The error answer's example at `e`'s status: the fixed 400 (a validation's details) or one
// of the status's own.
json::value ErrorExample(const ErrorStatus& e, const model::Model& model,
                         const json::object& schemas) {
  if (e.error.empty()) {
    const json::value* fixed = ExampleOf(schemas, "Error");
    return fixed ? *fixed : json::value();
  }
  const std::string_view message = e.status == 401 ? model.unauthorized_message() : e.message;
  return json::object{{"error", e.error}, {"message", message}, {"statusCode", e.status}};
}

// The fixed shapes' examples hold placeholders for what each model shows its own way: the
// strings "$Contact", "$ContactCreate" and "$ContactUpdate" stand for those schemas' examples.
// False when one has none (a model file without examples): the example is then left out.
bool FillPlaceholders(json::value& value, const json::object& schemas) {
  if (value.is_string() &&
      (value == "$Contact" || value == "$ContactCreate" || value == "$ContactUpdate")) {
    const json::value* example = ExampleOf(schemas, std::string_view(value.get_string()).substr(1));
    if (!example) return false;
    value = *example;
    return true;
  }
  if (value.is_array()) {
    for (json::value& v : value.get_array()) {
      if (!FillPlaceholders(v, schemas)) return false;
    }
  } else if (value.is_object()) {
    for (auto& [key, v] : value.get_object()) {
      if (!FillPlaceholders(v, schemas)) return false;
    }
  }
  return true;
}

const ErrorStatus* FindErrorStatus(int status) {
  for (const ErrorStatus& e : kErrorStatuses) {
    if (e.status == status) return &e;
  }
  return nullptr;
}

json::object Header(std::string_view description, json::object schema) {
  return {{"description", description}, {"schema", schema}};
}

json::object Operation(const model::Model& model, const Route& route, const json::object& schemas) {
  const RouteDoc& doc = route.doc;
  json::object op{{"operationId", doc.id}, {"summary", doc.summary}};
  op["tags"] = json::array{json::value(doc.tag)};
  json::array parameters;
  // Path parameters, in the pattern's order.
  std::string_view pattern = route.pattern;
  for (std::size_t open = pattern.find('{'); open != std::string_view::npos;
       open = pattern.find('{', open + 1)) {
    std::string_view name = pattern.substr(open + 1, pattern.find('}', open) - open - 1);
    parameters.push_back(json::object{
        {"name", name}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}});
  }
  for (auto& p : QueryParameters(model, doc)) parameters.push_back(std::move(p));
  if (doc.conditional && route.method != "POST") {
    parameters.push_back(
        json::object{{"name", "If-Match"},
                     {"in", "header"},
                     {"description", "Apply only if the contact's ETag is this one (else 412)"},
                     {"schema", {{"type", "string"}}}});
  }
  if (doc.conditional && route.method == "GET") {
    parameters.push_back(
        json::object{{"name", "If-None-Match"},
                     {"in", "header"},
                     {"description", "Answer 304 if the contact's ETag is still this one"},
                     {"schema", {{"type", "string"}}}});
  }
  if (doc.idempotent) {
    parameters.push_back(json::object{
        {"name", "Idempotency-Key"},
        {"in", "header"},
        {"description", "A retry with the same key replays the first answer and writes nothing"},
        {"schema", {{"type", "string"}, {"minLength", 1}, {"maxLength", 255}}}});
  }
  if (!parameters.empty()) op["parameters"] = std::move(parameters);
  if (doc.request != Shape::kNone) {
    op["requestBody"] =
        json::object{{"required", true}, {"content", Content(doc.request, true, schemas)}};
  }

  json::object responses;
  json::object success{{"description", doc.summary}};
  json::object headers;
  if (doc.conditional && doc.answer == Shape::kContact) {
    headers["ETag"] = Header("The contact's version", {{"type", "string"}});
  }
  if (doc.status == 201) {
    headers["Location"] = Header("Where the created resource is", {{"type", "string"}});
  }
  if (doc.idempotent) {
    headers["Idempotent-Replayed"] =
        Header("true when this is the first answer to the key, replayed", {{"type", "string"}});
  }
  if (!headers.empty()) success["headers"] = std::move(headers);
  if (doc.status != 204 && doc.answer != Shape::kNone) {
    success["content"] = Content(doc.answer, false, schemas);
  }
  // Writes of one contact that create or update answer 201 or 200 as they did.
  if (doc.id == "upsertContact") {
    responses["200"] = success;
    responses["201"] = success;
  } else {
    responses[std::to_string(doc.status)] = std::move(success);
  }

  std::vector<int> errors = doc.errors;
  if (!doc.public_route) errors.push_back(401);
  if (!doc.public_route) errors.push_back(429);  // --rate-limit, --key-rate-limit
  // A key whose scope is narrower than the route's (docs/keys.md): 403 insufficient_scope.
  if (!doc.public_route && route.scope && *route.scope > Scope::kRead) errors.push_back(403);
  if (doc.request != Shape::kNone || !doc.query.empty() ||
      route.pattern.find('{') != std::string::npos) {
    errors.push_back(400);
  }
  if (doc.request != Shape::kNone) errors.push_back(413);
  std::sort(errors.begin(), errors.end());
  errors.erase(std::unique(errors.begin(), errors.end()), errors.end());
  for (int status : errors) {
    if (status == 304) {
      responses["304"] = json::object{{"description", "Not modified"}};
    } else if (const ErrorStatus* e = FindErrorStatus(status)) {
      responses[std::to_string(status)] = Ref("responses", e->name);
    }
  }
  op["responses"] = std::move(responses);
  if (doc.public_route) op["security"] = json::array{};
  return op;
}

// The components `value` refers to ("schemas/Contact"), and those they refer to, into `used`.
void CollectRefs(const json::value& value, const json::object& components,
                 std::set<std::string>& used) {
  if (value.is_array()) {
    for (const json::value& v : value.get_array()) CollectRefs(v, components, used);
    return;
  }
  if (!value.is_object()) return;
  for (const auto& [key, v] : value.get_object()) {
    if (key == "$ref" && v.is_string()) {
      constexpr std::string_view kPrefix = "#/components/";
      std::string_view ref = v.get_string();
      if (!ref.starts_with(kPrefix)) continue;
      std::string name(ref.substr(kPrefix.size()));
      if (!used.insert(name).second) continue;
      const std::size_t slash = name.find('/');
      const json::value* kind = components.if_contains(name.substr(0, slash));
      const json::value* target =
          kind ? kind->as_object().if_contains(name.substr(slash + 1)) : nullptr;
      if (target) CollectRefs(*target, components, used);
    } else {
      CollectRefs(v, components, used);
    }
  }
}

// Only the components the paths use: a model without webhooks has no Webhook schema.
void DropUnused(const json::object& paths, json::object& components) {
  std::set<std::string> used;
  CollectRefs(paths, components, used);
  for (std::string_view kind : {"schemas", "responses"}) {
    json::object& all = components[kind].as_object();
    for (auto it = all.begin(); it != all.end();) {
      if (used.contains(std::string(kind) + "/" + std::string(it->key()))) {
        ++it;
      } else {
        it = all.erase(it);
      }
    }
  }
}

// A custom field's definition takes the types the type table allows custom fields; a model
// with a default type (voice: "any") also takes that one, or none at all.
void DescribeCustomFieldTypes(const model::Model& model, json::object& definition) {
  json::array names;
  for (const model::FieldTypeTraits& t : model::AllFieldTypes()) {
    if (t.custom_field || t.type == model.custom_default_type()) names.emplace_back(t.name);
  }
  json::object& type = definition["properties"].as_object()["type"].as_object();
  type["enum"] = std::move(names);
  if (!model.custom_default_type()) return;
  type["type"] = json::array{"string", "null"};
  type["enum"].as_array().emplace_back(nullptr);
  json::array& required = definition["required"].as_array();
  required.erase(std::remove(required.begin(), required.end(), json::value("type")),
                 required.end());
}

}  // namespace

json::object OpenApiDocument(const model::Model& model, std::span<const Route> routes,
                             const OpenApiOptions& options) {
  json::object schemas = json::parse(OpenApiSchemasJson()).as_object();
  DescribeCustomFieldTypes(model, schemas["CustomFieldDefinition"].as_object());
  schemas["Contact"] = model::ContactAnswerSchema(model, options.custom_fields);
  schemas["ContactCreate"] =
      model::ContactWriteSchema(model, model::WriteShape::kCreate, options.custom_fields);
  schemas["ContactUpdate"] =
      model::ContactWriteSchema(model, model::WriteShape::kUpdate, options.custom_fields);
  if (model.replace_enabled()) {
    schemas["ContactReplace"] =
        model::ContactWriteSchema(model, model::WriteShape::kReplace, options.custom_fields);
  }
  for (auto& [name, schema] : schemas) {
    json::value* examples = schema.as_object().if_contains("examples");
    if (examples && !FillPlaceholders(*examples, schemas)) schema.as_object().erase("examples");
  }

  // Paths in the routes' order; a path's operations by method.
  json::object paths;
  for (const Route& route : routes) {
    if (!route.advertised || route.doc.id.empty()) continue;
    std::string method = route.method;
    std::transform(method.begin(), method.end(), method.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    json::value& path = paths[route.pattern];
    if (!path.is_object()) path.emplace_object();
    path.as_object()[method] = Operation(model, route, schemas);
  }

  json::object responses;
  for (const ErrorStatus& e : kErrorStatuses) {
    json::object media{{"schema", Ref("schemas", "Error")}};
    if (json::value example = ErrorExample(e, model, schemas); !example.is_null()) {
      media["example"] = std::move(example);
    }
    responses[e.name] = json::object{{"description", e.description},
                                     {"content", {{"application/json", std::move(media)}}}};
  }

  json::object security_schemes{
      {"apiKey",
       {{"type", "http"},
        {"scheme", "bearer"},
        {"bearerFormat", options.jwt ? "API key or JWT" : "API key"},
        {"description", options.jwt ? "Authorization: Bearer <API key or JWT>"
                                    : "Authorization: Bearer <API key>"}}},
      {"bareApiKey",
       {{"type", "apiKey"},
        {"in", "header"},
        {"name", "Authorization"},
        {"description", "The API key alone as the Authorization header's value"}}}};

  json::object info{{"title", "contactsd: " + model.name()}, {"version", kVersion}};
  if (!model.description().empty()) info["description"] = model.description();

  json::object components{{"schemas", std::move(schemas)},
                          {"responses", std::move(responses)},
                          {"securitySchemes", std::move(security_schemes)}};
  DropUnused(paths, components);
  return {
      {"openapi", "3.1.0"},
      {"info", std::move(info)},
      {"servers", json::array{json::object{{"url", "/"}}}},
      {"security", json::array{json::object{{"apiKey", json::array{}}},
                               json::object{{"bareApiKey", json::array{}}}}},
      {"paths", std::move(paths)},
      {"components", std::move(components)},
  };
}

}  // namespace contactsd::api
