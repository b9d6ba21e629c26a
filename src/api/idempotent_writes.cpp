#include "api/idempotent_writes.hpp"

#include "api/routes.hpp"
#include "common/crypto.hpp"
#include "model/json_text.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <future>
#include <memory>

namespace contactsd::api {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxKeyLength = 255;

// The key the request names: its Idempotency-Key, unquoted (an RFC 8941 sf-string, as the
// draft writes it, or bare, as Stripe's clients send it).
Result<std::string> KeyOf(const Request& request) {
  std::string_view key = TrimOws(*request.Header("idempotency-key"));
  if (key.size() >= 2 && key.front() == '"' && key.back() == '"') {
    key = key.substr(1, key.size() - 2);
  }
  const bool printable =
      std::all_of(key.begin(), key.end(), [](unsigned char c) { return c >= 0x20 && c <= 0x7E; });
  if (key.empty() || key.size() > kMaxKeyLength || !printable) {
    return Error::BadRequest(
        "Idempotency-Key must be 1 to 255 printable ASCII characters, e.g. a UUID",
        "invalid_idempotency_key");
  }
  return std::string(key);
}

// What makes two requests the same request: method, path, query and body (a digest of them).
std::string FingerprintOf(const Request& request) {
  std::string text = request.method;
  text += ' ';
  text += request.path;
  for (const auto& [name, value] : request.query) {
    text += '\n';
    text += name;
    text += '=';
    text += value;
  }
  text += '\n';
  text += Sha256Hex(request.body);
  return Sha256Hex(text);
}

// The stored answer of `response`: its headers as a JSON array of [name, value] pairs.
store::StoredAnswer AnswerOf(const Response& response, const std::string& key,
                             const std::string& fingerprint) {
  store::StoredAnswer answer;
  answer.key = key;
  answer.fingerprint = fingerprint;
  answer.status = response.status;
  json::array headers;
  for (const auto& [name, value] : response.headers) headers.push_back({name, value});
  answer.headers = json::serialize(headers);
  answer.body = response.body;
  return answer;
}

// The replay of a stored answer, or 422 when it answered another request.
Result<Response> Replay(const store::StoredAnswer& answer, const std::string& fingerprint) {
  if (answer.fingerprint != fingerprint) {
    return Error::Unprocessable(
        "This Idempotency-Key was used for another request (method, path or body); use a new "
        "key for a new request",
        "idempotency_key_reused");
  }
  Response response{answer.status, answer.body, {}};
  boost::system::error_code ec;
  json::value headers = json::parse(answer.headers, ec);
  if (ec || !headers.is_array()) return Error::Internal("stored answer: headers are not a list");
  for (const json::value& pair : headers.get_array()) {
    const json::array* nv = pair.if_array();
    if (!nv || nv->size() != 2 || !(*nv)[0].is_string() || !(*nv)[1].is_string()) {
      return Error::Internal("stored answer: a header is not a [name, value] pair");
    }
    response.headers.emplace_back((*nv)[0].get_string(), (*nv)[1].get_string());
  }
  response.headers.emplace_back("Idempotent-Replayed", "true");
  return response;
}

// The replay of the answer stored under `key`, if there is one.
Result<std::optional<Response>> StoredReplay(const ApiContext& ctx, const Principal& who,
                                             const std::string& key,
                                             const std::string& fingerprint) {
  auto stored = ctx.contacts.FindAnswer(who, key);
  if (!stored.ok()) return std::move(stored).error();
  if (!*stored) return std::optional<Response>();
  auto replay = Replay(**stored, fingerprint);
  if (!replay.ok()) return std::move(replay).error();
  return std::optional<Response>(std::move(replay).value());
}

// The batch `ops` as a KeyedWrite.
KeyedWrite BatchWrite(const ApiContext& ctx, const Principal& who,
                      std::vector<contacts::BatchOp> ops, bool atomic) {
  auto shared = std::make_shared<std::vector<contacts::BatchOp>>(std::move(ops));
  return [&ctx, who, shared, atomic](std::shared_ptr<const contacts::BatchAnswer> answer,
                                     contacts::BatchDone done) {
    ctx.contacts.WriteBatchAsync(who, std::move(*shared), atomic, std::move(answer),
                                 std::move(done));
  };
}

}  // namespace

bool KeysInFlight::Claim(const std::string& id) {
  std::lock_guard lock(mu_);
  return ids_.insert(id).second;
}

void KeysInFlight::Release(const std::string& id) {
  std::lock_guard lock(mu_);
  ids_.erase(id);
}

bool HasIdempotencyKey(const Request& request) {
  return request.Header("idempotency-key") != nullptr;
}

Result<Response> RunWrites(const ApiContext& ctx, const Principal& who, const Request& request,
                           std::vector<contacts::BatchOp> ops, bool atomic,
                           const ResultsRender& render) {
  if (!HasIdempotencyKey(request)) {
    auto results = ctx.contacts.WriteBatch(who, std::move(ops), atomic, nullptr);
    if (!results.ok()) return std::move(results).error();
    return render(*results);
  }
  return RunKeyedAndWait(ctx, who, request, BatchWrite(ctx, who, std::move(ops), atomic), render);
}

void RunWritesAsync(const ApiContext& ctx, const Principal& who, const Request& request,
                    std::vector<contacts::BatchOp> ops, bool atomic, ResultsRender render,
                    const Reply& reply) {
  if (HasIdempotencyKey(request)) {
    return RunKeyedWrites(ctx, who, request, std::move(ops), atomic, std::move(render),
                          [reply](Result<Response> answer) { reply(Answered(std::move(answer))); });
  }
  ctx.contacts.WriteBatchAsync(
      who, std::move(ops), atomic, nullptr,
      [render = std::move(render), reply](Result<std::vector<contacts::BatchResult>> results) {
        reply([render, results = std::move(results)]() -> Result<Response> {
          if (!results.ok()) return results.error();
          return render(*results);
        });
      });
}

void RunKeyedWrites(const ApiContext& ctx, const Principal& who, const Request& request,
                    std::vector<contacts::BatchOp> ops, bool atomic, ResultsRender render,
                    Answer answer) {
  RunKeyed(ctx, who, request, BatchWrite(ctx, who, std::move(ops), atomic), std::move(render),
           std::move(answer));
}

Result<Response> RunKeyedAndWait(const ApiContext& ctx, const Principal& who,
                                 const Request& request, KeyedWrite write,
                                 const ResultsRender& render) {
  std::promise<Result<Response>> answer;
  RunKeyed(ctx, who, request, std::move(write), render,
           [&answer](Result<Response> r) { answer.set_value(std::move(r)); });
  return answer.get_future().get();
}

void RunKeyed(const ApiContext& ctx, const Principal& who, const Request& request, KeyedWrite write,
              ResultsRender render, Answer answer) {
  auto key = KeyOf(request);
  if (!key.ok()) return answer(std::move(key).error());
  const std::string fingerprint = FingerprintOf(request);
  auto replay = StoredReplay(ctx, who, *key, fingerprint);
  if (!replay.ok()) return answer(std::move(replay).error());
  if (*replay) return answer(std::move(**replay));
  // Claimed until the write has committed (or failed): a repeat meanwhile is told to wait.
  std::string claim = who.org_id + '\n' + *key;
  if (!ctx.keys_in_flight.Claim(claim)) {
    return answer(Error::Conflict(
        "A request with this Idempotency-Key is still being processed; retry after it answers",
        "idempotency_key_in_use"));
  }
  // The answer made in the transaction is the answer sent: a replay is byte for byte the same.
  auto sent = std::make_shared<std::optional<Response>>();
  auto maker = std::make_shared<const contacts::BatchAnswer>(
      [render, sent, key = *key, fingerprint](
          const std::vector<contacts::BatchResult>& results) -> Result<store::StoredAnswer> {
        auto response = render(results);
        if (!response.ok()) return std::move(response).error();
        *sent = *response;
        return AnswerOf(*response, key, fingerprint);
      });
  write(std::move(maker),
        [&ctx, who, claim = std::move(claim), key = *key, fingerprint, render, sent,
         answer = std::move(answer)](Result<std::vector<contacts::BatchResult>> results) {
          ctx.keys_in_flight.Release(claim);
          if (!results.ok()) {
            // Another process committed an answer under the key first: that one is the answer.
            if (results.error().error == "idempotency_key_in_use") {
              auto replay = StoredReplay(ctx, who, key, fingerprint);
              if (replay.ok() && *replay) return answer(std::move(**replay));
            }
            return answer(std::move(results).error());
          }
          if (*sent) return answer(std::move(**sent));
          answer(render(*results));  // nothing was written, so nothing was stored
        });
}

}  // namespace contactsd::api
