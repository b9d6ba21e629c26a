#include "app/serve_command.hpp"

#include "webhooks/dispatcher.hpp"

#include "api/routes.hpp"
#include "app/first_steps.hpp"
#include "app/metrics_exposition.hpp"
#include "app/model_source.hpp"
#include "auth/authenticator.hpp"
#include "auth/jwt_verifier.hpp"
#include "common/log.hpp"
#include "common/secret_box.hpp"
#include "common/time.hpp"
#include "contacts/collections_service.hpp"
#include "contacts/contacts_service.hpp"
#include "contacts/custom_fields_service.hpp"
#include "contacts/pruner.hpp"
#include "contacts/webhooks_service.hpp"
#include "http/outbound_client.hpp"
#include "http/server.hpp"
#include "store/store.hpp"

#include <algorithm>
#include <charconv>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <malloc.h>
#include <optional>
#include <sstream>
#include <sys/resource.h>
#include <thread>
#include <unistd.h>

namespace contactsd::app {
namespace {

// "HOST:PORT" (an IPv6 host in brackets) → host and port; false when malformed.
bool ParseListen(const std::string& listen, std::string& host, std::uint16_t& port) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::string_view digits(listen.data() + colon + 1, listen.size() - colon - 1);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size() || value > 65535) return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

Result<auth::JwtVerifier> LoadJwtVerifier(const ServeConfig& config) {
  if (!config.jwt_secret.empty()) return auth::JwtVerifier::Hs256(config.jwt_secret);
  std::ifstream in(config.jwt_public_key_path);
  if (!in) return Error::BadRequest("cannot read " + config.jwt_public_key_path);
  std::stringstream pem;
  pem << in.rdbuf();
  auto verifier = auth::JwtVerifier::Rs256(pem.str());
  if (!verifier.ok()) {
    return Error::BadRequest(config.jwt_public_key_path + ": " + verifier.error().message);
  }
  return verifier;
}

std::string HttpUrl(const std::string& host, std::uint16_t port) {
  const bool v6 = host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// A line in the log that the server is up, and the quick start for whoever started it. The
// quick start goes to stdout: it is several lines of shell for a person, and stderr holds only
// log lines, each one parseable (docs/operations.md). Both carry the bound ports, which are the
// only way to learn them when --listen or --metrics-listen asked for port 0.
void AnnounceServing(const ServeConfig& config, const model::Model& model,
                     const std::string& base_url, const std::string& metrics_url) {
  const std::string db = store::RedactedUrl(config.db_url);
  if (metrics_url.empty()) {
    log::Info("listening", "serving the API",
              {{"model", model.name()}, {"url", base_url}, {"db", db}});
  } else {
    log::Info(
        "listening", "serving the API",
        {{"model", model.name()}, {"url", base_url}, {"metrics_url", metrics_url}, {"db", db}});
  }
  std::cout << FirstSteps(model, {config.program, db, base_url, !config.jwt_secret.empty()})
            << std::flush;
}

// A start that cannot go on: said in the log, exit status 1.
int StartFailed(std::string_view message) {
  log::Error("start_failed", message);
  return 1;
}

// What the process needs to serve many connections. Called before any thread starts.
void PrepareProcess(std::size_t max_connections) {
  // A file descriptor per connection, plus the database's and a margin: raise the soft limit
  // (often 1024) as far as the hard limit allows.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = std::min<rlim_t>(files.rlim_max, max_connections + 1024);
    if (setrlimit(RLIMIT_NOFILE, &files) != 0) {
      log::Warn("file_limit_not_raised", "cannot raise the limit of open files",
                {{"wanted", files.rlim_cur}, {"hard_limit", files.rlim_max}});
    }
  }
  if (getrlimit(RLIMIT_NOFILE, &files) != 0) return;
  if (files.rlim_cur < max_connections + 64) {
    log::Warn("file_limit_low",
              "the limit of open files is below --max-connections: raise ulimit -n",
              {{"limit", files.rlim_cur}, {"max_connections", max_connections}});
  }
  // Size the descriptor table for every connection now. The kernel doubles it as descriptors
  // run out, and in a process with threads each doubling waits for an RCU grace period inside
  // accept(): hundreds of milliseconds on a virtual machine, during which nobody is accepted
  // (measured: a normal client's p99 of 150-400 ms while 2,000 connections arrived). Here,
  // before any thread exists, the kernel grows it without waiting; it never shrinks. One
  // pointer and two bits per slot: 16,384 slots take about 132 KiB.
  auto slots = std::min<rlim_t>(files.rlim_cur, max_connections + 1024);
  int probe = dup(STDERR_FILENO);
  if (probe < 0) probe = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (probe < 0 || slots < 2) return;
  int last = static_cast<int>(slots - 1);
  if (probe < last && dup2(probe, last) == last) close(last);
  close(probe);
}

// The key that seals webhook secrets: --secrets-key-file, made when missing; else on SQLite a
// file beside the database, made at the first start (a copy of the database file alone then
// does not hold the secrets in clear); else none.
Result<std::optional<SecretBox>> OpenSecretBox(const ServeConfig& config) {
  std::string path = config.secrets_key_file;
  constexpr std::string_view kSqlite = "sqlite:";
  if (path.empty() && std::string_view(config.db_url).starts_with(kSqlite)) {
    path = config.db_url.substr(kSqlite.size()) + ".secrets-key";
  }
  if (path.empty()) return std::optional<SecretBox>();
  auto box = SecretBox::FromKeyFile(path, true);
  if (!box.ok()) return std::move(box).error();
  return std::optional<SecretBox>(std::move(box).value());
}

}  // namespace

int ServeCommand(const ServeConfig& config) {
  std::string host;
  std::uint16_t port = 0;
  if (!ParseListen(config.listen, host, port)) {
    return StartFailed("--listen must be HOST:PORT, e.g. 127.0.0.1:8080");
  }
  std::string metrics_host;
  std::uint16_t metrics_port = 0;
  if (!config.metrics_listen.empty() &&
      !ParseListen(config.metrics_listen, metrics_host, metrics_port)) {
    return StartFailed("--metrics-listen must be HOST:PORT, e.g. 127.0.0.1:9090");
  }
  if (config.threads < 1 || config.threads > 256) {
    return StartFailed("--threads must be between 1 and 256");
  }
  auto model = LoadModel(config.model);
  if (!model.ok()) return StartFailed(model.error().message);
  if (config.worker_threads && (*config.worker_threads < 0 || *config.worker_threads > 1024)) {
    return StartFailed("--worker-threads must be between 0 and 1024");
  }
  if (config.db_pool < 0 || config.db_pool > 1000) {
    return StartFailed("--db-pool must be between 1 and 1000");
  }
  // One connection for every I/O thread, so a GET never waits for one, plus one for each of up
  // to kDefaultPoolWorkers write handlers.
  int pool = config.db_pool > 0
                 ? config.db_pool
                 : config.threads + std::min(config.worker_threads.value_or(kSqliteWorkers),
                                             kDefaultPoolWorkers);
  if (config.sqlite_sync != "full" && config.sqlite_sync != "normal") {
    return StartFailed("--sync must be full or normal");
  }
  PrepareProcess(config.max_connections);
  auto store = store::OpenStore(config.db_url, {pool, config.sqlite_sync == "full"});
  if (!store.ok()) {
    const Error& error = store.error();
    return StartFailed("cannot open " + store::RedactedUrl(config.db_url) + ": " + error.message +
                       (error.internal.empty() ? "" : " (" + error.internal + ")"));
  }
  auto secret = (*store)->ServerSecret();
  if (!secret.ok()) {
    return StartFailed("cannot read the server secret: " + secret.error().internal);
  }

  if (!config.jwt_secret.empty() && !config.jwt_public_key_path.empty()) {
    return StartFailed("give --jwt-secret (HS256) or --jwt-public-key (RS256), not both");
  }
  std::optional<auth::JwtVerifier> jwt;
  if (!config.jwt_secret.empty() || !config.jwt_public_key_path.empty()) {
    auto verifier = LoadJwtVerifier(config);
    if (!verifier.ok()) return StartFailed(verifier.error().message);
    jwt.emplace(std::move(verifier).value());
  }
  auth::Authenticator authenticator(**store, jwt ? &*jwt : nullptr);
  const std::chrono::milliseconds answer_ttl(ParseDuration(config.idempotency_ttl).value_or(0));
  contacts::ContactsService contacts(*model, **store, NowMillis, *secret, answer_ttl);
  contacts::CustomFieldsService custom_fields(*model, **store, NowMillis);
  contacts::CollectionsService collections(*model, **store, NowMillis);
  contacts::EventsService events(*model, **store, *secret);
  // Pruning deletes through the store like any write: it runs as long as the server does.
  std::optional<contacts::Pruner> pruner;
  if (const std::int64_t retention = ParseDuration(config.event_retention).value_or(0);
      retention > 0) {
    const std::chrono::milliseconds keep(retention);
    pruner.emplace("events", contacts::ExpiredEvents(**store, NowMillis, keep),
                   std::clamp<std::chrono::milliseconds>(keep / 10, std::chrono::seconds(1),
                                                         std::chrono::minutes(1)));
  }
  // Idempotency answers expire after --idempotency-ttl; a look a minute is soon enough (an
  // expired answer is never replayed, whether or not it is gone yet).
  contacts::Pruner answer_pruner(
      "idempotency answers", contacts::ExpiredAnswers(**store, NowMillis), std::chrono::minutes(1));
  // API keys' last_used_at: a write per flush, not per request (auth/api_key_cache.hpp).
  std::optional<contacts::Pruner> key_uses;
  key_uses.emplace(
      "API key uses",
      [&authenticator](int) -> Result<int> {
        if (auto flushed = authenticator.FlushKeyUses(); !flushed) return flushed.error();
        return 0;
      },
      kKeyUsesFlush);
  api::FeedWaiters feed_waiters(**store, kFeedWaitTick, kMaxFeedWaiters);
  api::KeysInFlight keys_in_flight;
  std::optional<SecretBox> secrets;
  if (auto opened = OpenSecretBox(config); !opened.ok()) {
    const Error& error = opened.error();
    return StartFailed(error.message.empty() ? error.internal : error.message);
  } else if (*opened) {
    secrets.emplace(std::move(**opened));
  } else {
    log::Warn("secrets_in_clear",
              "webhook signing secrets are stored in clear: give every server the same "
              "--secrets-key-file to seal them (docs/webhooks.md)");
  }
  const SecretBox* box = secrets ? &*secrets : nullptr;
  contacts::WebhooksService webhooks(
      events, **store, {config.webhook_allow_private, config.webhook_allow_http}, *secret, box);
  api::RateLimits rate_limits(
      config.rate_limit.empty() ? std::nullopt : api::ParseRatePolicy(config.rate_limit),
      config.key_rate_limit.empty() ? std::nullopt : api::ParseRatePolicy(config.key_rate_limit));
  api::ApiContext ctx{*model, authenticator,  contacts,      custom_fields, collections,
                      events, keys_in_flight, &feed_waiters, &webhooks,     &rate_limits};
  // Deliveries: the client's thread sends, the dispatcher's decides what; both stop before the
  // store closes (declared after it), and the dispatcher before the client it posts to.
  http::OutboundOptions outbound;
  outbound.connect_timeout =
      std::chrono::milliseconds(ParseDuration(config.webhook_connect_timeout).value_or(5000));
  outbound.total_timeout =
      std::chrono::milliseconds(ParseDuration(config.webhook_timeout).value_or(15000));
  outbound.ca_file = config.webhook_ca_file;
  outbound.allow_private_addresses = config.webhook_allow_private;
  webhooks::DispatcherOptions dispatch;
  // The client never queues what the dispatcher sends: a queue there would put a slow
  // endpoint's attempts in front of everyone else's.
  outbound.max_in_flight = static_cast<std::size_t>(dispatch.max_in_flight);
  // An endpoint's every connection is kept for its next attempts: with fewer, a busy endpoint's
  // deliveries would each open and close a connection (both ends' CPU, a handshake per event).
  outbound.max_idle_per_origin = static_cast<std::size_t>(dispatch.max_in_flight_per_endpoint);
  std::unique_ptr<http::OutboundClient> outbound_client;
  try {
    outbound_client = std::make_unique<http::OutboundClient>(outbound);
  } catch (const std::exception& e) {
    return StartFailed(std::string("--webhook-ca-file: ") + e.what());
  }
  dispatch.schedule = *webhooks::RetrySchedule::Parse(config.webhook_retry_schedule);
  dispatch.lease_ms = outbound.total_timeout.count() + 5'000;
  dispatch.disable_after_ms = ParseDuration(config.webhook_disable_after).value_or(0);
  // A failing endpoint's unsent events wait in the log, as long as retention keeps them.
  if (const std::int64_t kept = ParseDuration(config.event_retention).value_or(0);
      kept > 0 && kept < dispatch.disable_after_ms) {
    log::Warn(
        "event_retention_below_webhook_disable_after",
        "an endpoint failing for longer than --event-retention will never be sent the "
        "events pruned meanwhile: keep the retention at least --webhook-disable-after "
        "(docs/webhooks.md)",
        {{"event_retention_ms", kept}, {"webhook_disable_after_ms", dispatch.disable_after_ms}});
  }
  webhooks::Dispatcher dispatcher(*model, **store, events, *outbound_client, box, dispatch);
  const std::chrono::milliseconds delivery_log_kept(
      ParseDuration(config.webhook_log_retention).value_or(0));
  contacts::Pruner delivery_pruner(
      "webhook deliveries", contacts::ExpiredDeliveries(**store, NowMillis, delivery_log_kept),
      std::clamp<std::chrono::milliseconds>(delivery_log_kept / 10, std::chrono::seconds(1),
                                            std::chrono::minutes(1)));
  if (model->change_log()) dispatcher.Start();

  http::ServerOptions options;
  options.host = host;
  options.port = port;
  options.threads = config.threads;
  // Where writes block for their database (PostgreSQL), as many workers as connections left
  // after the I/O threads' share; with a pool no larger than that share, as many as the pool
  // (up to kDefaultPoolWorkers), so writes never funnel through one thread.
  options.worker_threads = config.worker_threads.value_or(
      (*store)->QueuesWrites()
          ? kSqliteWorkers
          : std::max(pool - config.threads, std::min(pool, kDefaultPoolWorkers)));
  options.access_log = config.access_log;
  options.on_shutdown = [&feed_waiters] { feed_waiters.Release(); };
  options.cors_origins = config.cors_origins;
  options.auth_schemes = model->auth_schemes();
  options.limits.max_connections = config.max_connections;
  options.limits.max_connections_per_ip = config.max_connections_per_ip;
  options.limits.max_buffered_body_bytes = config.max_buffered_mib << 20;
  options.limits.max_buffered_answer_bytes = config.max_buffered_mib << 20;
  MetricsExposition exposition;
  std::vector<api::Route> routes = api::AllRoutes(ctx);
  if (config.metrics_listen.empty()) routes.push_back(MetricsRoute(exposition));
  http::Server server(options, std::move(routes));
  exposition.Add(ServerMetrics(server));
  exposition.Add(StoreMetrics(**store));
  exposition.Add(ProcessMetrics());
  exposition.Add(WebhookMetrics(dispatcher));
  // --metrics-listen: /metrics alone on a port of its own (one thread, no access log), so that
  // the API's port can be public while the scraper's stays inside.
  std::optional<http::Server> metrics_server;
  if (!config.metrics_listen.empty()) {
    http::ServerOptions metrics_options;
    metrics_options.host = metrics_host;
    metrics_options.port = metrics_port;
    metrics_options.worker_threads = 0;
    metrics_options.bulk_threads = 0;
    metrics_options.access_log = false;
    metrics_server.emplace(metrics_options, std::vector<api::Route>{MetricsRoute(exposition)});
  }
  try {
    server.Listen();
    if (metrics_server) metrics_server->Listen();
  } catch (const std::exception& e) {
    return StartFailed(e.what());
  }
  AnnounceServing(config, *model, HttpUrl(host, server.port()),
                  metrics_server ? HttpUrl(metrics_host, metrics_server->port()) : "");
  std::thread metrics_thread;
  if (metrics_server) metrics_thread = std::thread([&metrics_server] { metrics_server->Run(); });
  server.Run();
  if (metrics_server) {
    metrics_server->Stop();
    metrics_thread.join();
  }
  key_uses.reset();  // the last flush, now that no request can use a key any more
  if (auto flushed = authenticator.FlushKeyUses(); !flushed) {
    log::Warn("key_uses_unrecorded", "cannot record the API keys' last use",
              {{"error", flushed.error().internal}});
  }
  log::Info("stopped", "stopped; closing the database");
  return 0;  // the store closes as it goes out of scope, after the server has drained
}

}  // namespace contactsd::app
