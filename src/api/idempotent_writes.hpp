// Writes that run as a batch (contacts::ContactsService::WriteBatch) and the Idempotency-Key
// they honour (draft-ietf-httpapi-idempotency-key-header, with Stripe's semantics):
// - the key is 1..255 printable ASCII characters, bare or as a quoted string (400 otherwise);
// - the first request's answer (status, headers, body) is stored in the transaction of its
//   write, for the tenant and the key; a request that fails before writing stores nothing, so
//   the client can fix it and send it again under the same key;
// - a repeat of the same method, target and body is answered with the stored answer and
//   `Idempotent-Replayed: true`, writing nothing; another request under the key is a 422
//   `idempotency_key_reused`; a repeat while the first is still running is a 409
//   `idempotency_key_in_use`.
#pragma once

#include "api/request.hpp"
#include "common/principal.hpp"
#include "contacts/contacts_service.hpp"

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

namespace contactsd::api {

struct ApiContext;

// The keys whose first request is running in this process: a repeat meanwhile is a 409. (Two
// processes on one PostgreSQL database: the second commit finds the first's answer and
// replays it instead.) Thread-safe.
class KeysInFlight {
 public:
  // False when `id` is claimed already.
  bool Claim(const std::string& id);
  void Release(const std::string& id);

 private:
  std::mutex mu_;
  std::unordered_set<std::string> ids_;  // guarded by mu_
};

// The answer to a batch's results.
using ResultsRender =
    std::function<Result<Response>(const std::vector<contacts::BatchResult>& results)>;
// Receives an answer (any thread).
using Answer = std::function<void(Result<Response>)>;

// Whether the request carries an Idempotency-Key.
bool HasIdempotencyKey(const Request& request);

// A write that stores the answer `answer` makes (when not null) with its commit, and reports
// its results through `done`: a batch (ContactsService::WriteBatchAsync) or an unlock.
using KeyedWrite = std::function<void(std::shared_ptr<const contacts::BatchAnswer> answer,
                                      contacts::BatchDone done)>;

// Runs `write` under the request's Idempotency-Key (REQUIRES: it has one) and answers with
// `render` of its results, or with the stored answer of an earlier request. `request` need not
// outlive the call.
void RunKeyed(const ApiContext& ctx, const Principal& who, const Request& request, KeyedWrite write,
              ResultsRender render, Answer answer);
// The same, waiting for the answer: for handlers that may wait (the worker pool).
Result<Response> RunKeyedAndWait(const ApiContext& ctx, const Principal& who,
                                 const Request& request, KeyedWrite write,
                                 const ResultsRender& render);

// Runs `ops` as one batch for `who` and answers with `render` of the results, under the
// request's Idempotency-Key when it has one. Blocks until the batch has committed: for
// handlers that may wait (the worker pool).
Result<Response> RunWrites(const ApiContext& ctx, const Principal& who, const Request& request,
                           std::vector<contacts::BatchOp> ops, bool atomic,
                           const ResultsRender& render);

// The same, answered through `reply` (the results rendered by its Render) without waiting
// where the store queues its writes: a route whose handler must not park its thread for a
// commit (a batch's, on the one bulk worker). `request` need not outlive the call.
void RunWritesAsync(const ApiContext& ctx, const Principal& who, const Request& request,
                    std::vector<contacts::BatchOp> ops, bool atomic, ResultsRender render,
                    const Reply& reply);

// The same for a request with an Idempotency-Key, answered through `answer` without waiting
// where the store queues its writes (an I/O thread's PATCH). `request` need not outlive the
// call.
void RunKeyedWrites(const ApiContext& ctx, const Principal& who, const Request& request,
                    std::vector<contacts::BatchOp> ops, bool atomic, ResultsRender render,
                    Answer answer);

}  // namespace contactsd::api
