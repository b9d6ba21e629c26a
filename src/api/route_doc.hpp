// What a route is, said once beside its handler: the router serves it and the OpenAPI
// document (api/openapi_document.cpp) describes it from the same declaration, so a route cannot
// be served without being described (AllRoutes refuses an advertised route without its doc).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace contactsd::api {

// The shape of a body, named as the document's components name it. Contacts are generated
// from the model (and the caller's custom fields); the others are fixed
// (api/openapi_schemas.json).
enum class Shape {
  kNone,
  kContact,
  kContactCreate,
  kContactUpdate,
  kContactReplace,
  kContactPage,
  kBatchRequest,
  kBatchAnswer,
  kImportBody,  // NDJSON or CSV, streamed
  kImportSummary,
  kExportBody,  // NDJSON or CSV, streamed
  kCustomFieldDefinition,
  kCustomField,
  kCustomFieldList,
  kCustomFieldUpdate,
  kCustomFieldDeleted,
  kCollectionEntryDefinition,
  kCollectionEntry,
  kCollectionEntryList,
  kEventPage,
  kHistoryPage,
  kWebhookDefinition,
  kWebhookUpdate,
  kWebhookCreated,
  kWebhook,
  kWebhookList,
  kWebhookSecretRotated,
  kWebhookTestResult,
  kWebhookRetryResult,
  kWebhookReplayRequest,
  kWebhookReplayResult,
  kDeliveryPage,
  kDelivery,
  kHealth,
  kOpenApi,
  kHtml,
};

struct RouteDoc {
  std::string id;       // the operationId: "updateContact"; empty: not described
  std::string summary;  // one line
  std::string tag;      // the resource it belongs to: "contacts", "events", ...
  Shape request = Shape::kNone;
  Shape answer = Shape::kNone;
  int status = 200;  // of a success; 204: no body
  // The error statuses the route itself may answer. The document adds those every route of
  // its kind shares: 401 where credentials are needed, 400 and 413 where a body or a query is
  // read.
  std::vector<int> errors = {};
  // Query parameters, by the names the document's parameter table knows ("limit", "cursor",
  // "properties", "id_property", "filters" for the model's list filters, ...).
  std::vector<std::string_view> query = {};
  bool conditional = false;   // If-Match / If-None-Match; the answer carries an ETag
  bool idempotent = false;    // Idempotency-Key
  bool public_route = false;  // answered without credentials
  // Served, but not an operation of the API: the docs page's scripts and styles.
  bool not_an_operation = false;
};

}  // namespace contactsd::api
