// POST {base}/contacts/batch: many writes in one request and one transaction.
//   {"atomic": false, "operations": [{"op": "create" | "update" | "upsert" | "archive" |
//     "restore", "id"?, "id_property"?, "if_match"?, "body"?}, ...]}
// Atomic: all or nothing, answered 200 with every result, or with the first failing operation's
// error (its status, and its "index") and nothing written. Not atomic: 200 with one result per
// operation in request order, {"status", "contact"} or {"status", "error"}: every failure, not
// only the first. The operations are decoded here, checked and written by the service.
#include "api/conditional.hpp"
#include "api/contact_json.hpp"
#include "api/error_body.hpp"
#include "api/json_body.hpp"
#include "api/principal_of.hpp"
#include "api/routes.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace contactsd::api {
namespace {

namespace json = boost::json;
using contacts::BatchOp;
using contacts::BatchResult;

// The keys an operation may carry, by its kind.
struct OpShape {
  std::string_view name;
  BatchOp::Kind kind;
  bool takes_id;    // id (with id_property: a unique field's value)
  bool needs_body;  // body
};

constexpr OpShape kShapes[] = {
    {"create", BatchOp::Kind::kCreate, false, true},
    {"update", BatchOp::Kind::kUpdate, true, true},
    {"upsert", BatchOp::Kind::kUpsert, true, true},
    {"archive", BatchOp::Kind::kArchive, true, false},
    {"restore", BatchOp::Kind::kRestore, true, false},
};

Error BadOperation(std::string message) {
  return Error::BadRequest(std::move(message), "invalid_operation");
}

// If-Match in an operation: a version (3) or the header's text ("\"3\""), read as the header is.
Result<contacts::VersionCondition> ConditionOf(const json::value& if_match) {
  Request head;
  if (if_match.is_int64() && if_match.get_int64() > 0) {
    head.headers.emplace_back("if-match", ETagOf(if_match.get_int64()));
  } else if (if_match.is_string()) {
    head.headers.emplace_back("if-match", std::string(if_match.get_string()));
  } else {
    return BadOperation("if_match must be a version (a positive integer) or an ETag");
  }
  return ConditionsOf(head);
}

// One operation of the request, decoded; errors name what is wrong with it.
Result<BatchOp> DecodeOperation(const model::Model& model, const json::value& value) {
  const json::object* in = value.if_object();
  if (!in) return BadOperation("An operation must be an object");
  const json::value* op_name = in->if_contains("op");
  if (!op_name || !op_name->is_string()) {
    return BadOperation("op must be one of create, update, upsert, archive, restore");
  }
  const OpShape* shape = nullptr;
  for (const OpShape& s : kShapes) {
    if (s.name == op_name->get_string()) shape = &s;
  }
  if (!shape) return BadOperation("op must be one of create, update, upsert, archive, restore");
  BatchOp op;
  op.kind = shape->kind;
  for (const auto& [key, v] : *in) {
    if (key == "op") continue;
    if (key == "id" && shape->takes_id) {
      if (!v.is_string()) return BadOperation("id must be a string");
      op.id = std::string(v.get_string());
    } else if (key == "id_property" && shape->takes_id) {
      if (!v.is_string()) return BadOperation("id_property must be a string");
      op.id_property = std::string(v.get_string());
    } else if (key == "if_match" && shape->takes_id) {
      auto condition = ConditionOf(v);
      if (!condition.ok()) return std::move(condition).error();
      op.condition = std::move(condition).value();
    } else if (key == "body" && shape->needs_body) {
      if (!v.is_object()) return BadOperation("body must be an object");
      auto fields = FieldsOf(model, v.get_object());
      if (!fields.ok()) return std::move(fields).error();
      op.fields = std::move(fields).value();
    } else {
      return BadOperation("'" + std::string(key) + "' is not a key of a " +
                          std::string(shape->name) + " operation");
    }
  }
  if (shape->takes_id && op.id.empty()) return BadOperation("This operation needs an id");
  if (shape->needs_body && !in->contains("body")) {
    return BadOperation("This operation needs a body");
  }
  return op;
}

// The request's envelope: whether atomic, and the operations (or each one's error).
struct DecodedBatch {
  bool atomic = false;
  std::vector<BatchOp> ops;                  // those that decoded, in order
  std::vector<std::optional<Error>> errors;  // per operation of the request: why it did not
};

Result<DecodedBatch> DecodeBatch(const model::Model& model, const Request& req) {
  auto body = ParseObject(req.body);
  if (!body.ok()) return std::move(body).error();
  DecodedBatch batch;
  const json::array* operations = nullptr;
  for (const auto& [key, v] : *body) {
    if (key == "atomic") {
      if (!v.is_bool()) return Error::BadRequest("atomic must be true or false", "invalid_body");
      batch.atomic = v.get_bool();
    } else if (key == "operations") {
      operations = v.if_array();
      if (!operations) return Error::BadRequest("operations must be an array", "invalid_body");
    } else {
      return Error::BadRequest(
          "Unknown key '" + std::string(key) + "': a batch has atomic and operations",
          "invalid_body");
    }
  }
  if (!operations || operations->empty()) {
    return Error::BadRequest("operations must list 1 to 1000 operations", "invalid_body");
  }
  if (operations->size() > store::kMaxBatchOps) {
    return Error{ErrorCode::kPayloadTooLarge,
                 "too_many_operations",
                 "A batch holds at most " + std::to_string(store::kMaxBatchOps) +
                     " operations; this one has " + std::to_string(operations->size()),
                 {},
                 {}};
  }
  batch.ops.reserve(operations->size());
  batch.errors.reserve(operations->size());
  for (const json::value& v : *operations) {
    auto op = DecodeOperation(model, v);
    if (op.ok()) {
      batch.ops.push_back(std::move(op).value());
      batch.errors.emplace_back();
    } else {
      batch.errors.emplace_back(std::move(op).error());
    }
  }
  return batch;
}

// The answer to a failed atomic batch: the failing operation's error, naming its index.
Response FailedAt(const Error& error, std::size_t index) {
  return Response{HttpStatus(error.code), ErrorBody(error, index), {}};
}

// The results as the answer: each operation's, the ones that did not decode included.
Response ResultsResponse(const model::Model& model, const std::vector<std::optional<Error>>& errors,
                         const std::vector<BatchResult>& results) {
  Response r{200, R"({"results":[)", {}};
  r.body.reserve(512 * (errors.size() + 1));
  std::size_t next = 0;  // the next of `results`
  for (std::size_t i = 0; i < errors.size(); ++i) {
    if (i > 0) r.body += ',';
    const Error* error = errors[i] ? &*errors[i] : nullptr;
    const BatchResult* result = error ? nullptr : &results[next++];
    if (result && !result->view.ok()) error = &result->view.error();
    if (error) {
      r.body += R"({"status":)" + std::to_string(HttpStatus(error->code)) + R"(,"error":)";
      r.body += ErrorBody(*error);
    } else if (model.archived_hidden() && result->view->stored.archived_at_ms) {
      r.body += R"({"status":204)";  // archived where archived contacts are gone for clients
    } else {
      r.body += R"({"status":)" + std::to_string(result->created ? 201 : 200) + R"(,"contact":)";
      AppendContact(r.body, model, *result->view);
    }
    r.body += '}';
  }
  r.body += "]}";
  return r;
}

// Decodes and checks the batch, hands its write over, and answers once it has committed. On a
// bulk worker (SQLite) nothing waits for the commit: the worker checks the next batch
// meanwhile (docs/benchmarks.md); where the store's writes block, this runs on the worker pool.
void HandleBatch(const ApiContext& ctx, const Request& req, const Reply& reply) {
  auto answer = [&reply](Result<Response> response) { reply(Answered(std::move(response))); };
  auto who = PrincipalOf(ctx, req);
  if (!who.ok()) return answer(std::move(who).error());
  if (auto allowed = ctx.contacts.MayWrite(*who); !allowed) {
    return answer(std::move(allowed).error());
  }
  auto batch = DecodeBatch(ctx.model, req);
  if (!batch.ok()) return answer(std::move(batch).error());
  if (batch->atomic) {
    for (std::size_t i = 0; i < batch->errors.size(); ++i) {
      if (batch->errors[i]) return answer(FailedAt(*batch->errors[i], i));
    }
  }
  const bool atomic = batch->atomic;
  ResultsRender render = [&model = ctx.model, atomic, errors = std::move(batch->errors)](
                             const std::vector<BatchResult>& results) -> Result<Response> {
    if (atomic && !results.empty() && !results.back().view.ok()) {
      return FailedAt(results.back().view.error(), results.size() - 1);
    }
    return ResultsResponse(model, errors, results);
  };
  if (batch->ops.empty()) return answer(render({}));  // not one operation decoded: no write
  RunWritesAsync(ctx, *who, req, std::move(batch->ops), atomic, std::move(render), reply);
}

}  // namespace

std::vector<Route> BatchRoutes(const ApiContext& ctx) {
  Route batch{"POST", ctx.model.base_path() + "/contacts/batch", {}};
  batch.async_handler = [&ctx](const Request& req, Reply reply) { HandleBatch(ctx, req, reply); };
  // Up to 1,000 contacts: checked and answered on the bulk workers, the commit waited for by
  // nobody where the store queues its writes (SQLite), on the worker pool where they block.
  batch.large_answers = true;
  batch.async_blocks = !ctx.contacts.QueuesWrites();
  batch.doc = {.id = "batchContacts",
               .summary =
                   "Up to 1,000 writes in one request, all or nothing (atomic) or each "
                   "on its own",
               .tag = "contacts",
               .request = Shape::kBatchRequest,
               .answer = Shape::kBatchAnswer,
               .errors = {403, 404, 409, 412, 422},
               .idempotent = true};
  return {std::move(batch)};
}

}  // namespace contactsd::api
