// contactsd: the command line. Every flag also reads an environment variable.
#include "webhooks/retry_schedule.hpp"

#include "api/rate_limits.hpp"
#include "app/admin_commands.hpp"
#include "app/build_info.hpp"
#include "app/openapi_command.hpp"
#include "app/serve_command.hpp"
#include "app/token_command.hpp"
#include "app/transfer_commands.hpp"
#include "common/log_sink.hpp"
#include "common/time.hpp"

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>
#include <thread>

namespace {

constexpr const char* kDefaultDb = "sqlite:./data/contacts.db";

std::string PositiveDuration(const std::string& text) {
  auto duration = contactsd::ParseDuration(text);
  return duration && *duration > 0 ? std::string() : "a positive duration such as 5s or 2m";
}

void AddDbOption(CLI::App* cmd, std::string& db) {
  cmd->add_option("--db", db, "Database URL: sqlite:PATH or postgresql://...")
      ->envname("CONTACTSD_DB")
      ->capture_default_str();
}

// The log settings every command starts with: CONTACTSD_LOG_FORMAT and CONTACTSD_LOG_LEVEL when
// they are valid, else logfmt at info. `serve` checks them (and its flags) as options.
contactsd::log::Settings LogSettingsFromEnvironment() {
  contactsd::log::Settings settings;
  if (const char* format = std::getenv("CONTACTSD_LOG_FORMAT")) {
    settings.format = contactsd::log::ParseFormat(format).value_or(settings.format);
  }
  if (const char* level = std::getenv("CONTACTSD_LOG_LEVEL")) {
    settings.level = contactsd::log::ParseLevel(level).value_or(settings.level);
  }
  return settings;
}

// Exit status of a command line that does not parse (EX_USAGE would be 64; 2 is what the shell's
// own builtins and most tools use).
constexpr int kUsage = 2;

// A parse failure as one line naming what was wrong, and where to read more. CLI11's messages
// name the argument; the one it has for an unknown command ("A subcommand is required") does
// not, so that case is told here.
int UsageError(const CLI::App& app, const CLI::ParseError& error, int argc, char** argv) {
  std::string command = argc > 1 ? argv[1] : "";
  bool known = false;
  std::string commands;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    known = known || sub->get_name() == command;
    commands += (commands.empty() ? "" : ", ") + sub->get_name();
  }
  if (command.empty()) {
    std::cerr << "contactsd: a command is required (commands: " << commands << ")\n";
  } else if (command.front() != '-' && !known) {
    std::cerr << "contactsd: unknown command '" << command << "' (commands: " << commands << ")\n";
  } else {
    std::cerr << "contactsd: " << error.what() << "\n";
  }
  std::cerr << "Run 'contactsd --help' or 'contactsd COMMAND --help' for usage.\n";
  return kUsage;
}

}  // namespace

int main(int argc, char** argv) {
  // stdout carries the commands' output only (JSON; serve's quick start); every log line goes
  // to stderr, structured (common/log_sink.hpp).
  contactsd::log::Install(LogSettingsFromEnvironment());
  CLI::App app{"contactsd: a self-hosted, multi-tenant contacts API"};
  app.require_subcommand(1);
  app.set_version_flag("--version", contactsd::app::VersionLine());
  app.add_subcommand("version", "Print the version and the commit it was built from");

  std::string db = kDefaultDb;
  contactsd::app::ServeConfig serve;
  serve.program = argv[0];
  serve.db_url = kDefaultDb;
  serve.model = "standard";
  serve.listen = "127.0.0.1:8080";
  serve.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

  CLI::App* serve_cmd = app.add_subcommand("serve", "Serve the API");
  AddDbOption(serve_cmd, serve.db_url);
  serve_cmd->add_option("--model", serve.model, "Built-in model name or path to a model file")
      ->envname("CONTACTSD_MODEL")
      ->capture_default_str();
  serve_cmd->add_option("--listen", serve.listen, "HOST:PORT to listen on")
      ->envname("CONTACTSD_LISTEN")
      ->capture_default_str();
  serve_cmd
      ->add_option("--metrics-listen", serve.metrics_listen,
                   "HOST:PORT to serve GET /metrics on, alone (default: /metrics on --listen)")
      ->envname("CONTACTSD_METRICS_LISTEN");
  serve_cmd
      ->add_option("--threads", serve.threads, "I/O threads, each with an event loop of its own")
      ->envname("CONTACTSD_THREADS")
      ->capture_default_str();
  serve_cmd
      ->add_option("--worker-threads", serve.worker_threads,
                   "Threads that run the writes that would wait for the database (on SQLite "
                   "all but PATCH and PUT), so I/O threads never wait on a commit (default: 64 "
                   "on SQLite; on PostgreSQL the pool's connections beyond one per I/O thread)")
      ->envname("CONTACTSD_WORKER_THREADS");
  serve_cmd
      ->add_option("--db-pool", serve.db_pool,
                   "PostgreSQL connections per process (default: threads + 16, or threads + "
                   "worker threads when --worker-threads is set lower)")
      ->envname("CONTACTSD_DB_POOL");
  serve_cmd
      ->add_option("--sync", serve.sqlite_sync,
                   "SQLite: full (an acknowledged write survives power loss) or normal (the "
                   "last commits may be lost on power loss, never on a crash of the process)")
      ->envname("CONTACTSD_SQLITE_SYNC")
      ->check(CLI::IsMember({"full", "normal"}))
      ->capture_default_str();
  serve_cmd->add_option("--jwt-secret", serve.jwt_secret, "HS256 secret for JWT bearer tokens")
      ->envname("CONTACTSD_JWT_SECRET");
  serve_cmd
      ->add_option("--jwt-public-key", serve.jwt_public_key_path,
                   "PEM public key file for RS256 JWT bearer tokens")
      ->envname("CONTACTSD_JWT_PUBLIC_KEY");
  serve_cmd
      ->add_option("--cors-origins", serve.cors_origins,
                   "Origins whose browser apps may call the API (comma-separated, or *); "
                   "default: none (CORS off)")
      ->envname("CONTACTSD_CORS_ORIGINS")
      ->delimiter(',');
  serve_cmd
      ->add_option("--max-connections", serve.max_connections,
                   "Connections at once; past it idle ones are closed first")
      ->envname("CONTACTSD_MAX_CONNECTIONS")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  serve_cmd
      ->add_option("--max-connections-per-ip", serve.max_connections_per_ip,
                   "Connections at once from one client address")
      ->envname("CONTACTSD_MAX_CONNECTIONS_PER_IP")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  serve_cmd
      ->add_option("--max-buffered-mib", serve.max_buffered_mib,
                   "MiB of request bodies, and as many of large answers, held at once by all "
                   "connections together; past it: 503 with Retry-After")
      ->envname("CONTACTSD_MAX_BUFFERED_MIB")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  auto rate_check = [](const std::string& text) {
    return contactsd::api::ParseRatePolicy(text)
               ? std::string()
               : "a rate such as 200/s, 6000/m or 100000/h, optionally with ,burst=N";
  };
  serve_cmd
      ->add_option("--rate-limit", serve.rate_limit,
                   "Requests per tenant, a token bucket per process: 200/s,burst=400 (default: "
                   "no limit); past it: 429 with Retry-After")
      ->envname("CONTACTSD_RATE_LIMIT")
      ->check(rate_check);
  serve_cmd
      ->add_option("--key-rate-limit", serve.key_rate_limit,
                   "Requests per API key (or JWT subject), as --rate-limit (default: no limit)")
      ->envname("CONTACTSD_KEY_RATE_LIMIT")
      ->check(rate_check);
  serve_cmd
      ->add_option("--event-retention", serve.event_retention,
                   "How long the change log keeps an event (30d, 12h, 90m, 45s; 0: forever); "
                   "older ones are pruned in the background")
      ->envname("CONTACTSD_EVENT_RETENTION")
      ->check([](const std::string& text) {
        return contactsd::ParseDuration(text) ? std::string()
                                              : "a duration such as 30d, 12h, 90m or 45s";
      })
      ->capture_default_str();
  serve_cmd
      ->add_option("--idempotency-ttl", serve.idempotency_ttl,
                   "How long the answer of a write made with an Idempotency-Key is replayed to "
                   "a repeat of it (24h, 90m, 45s); expired answers are pruned in the background")
      ->envname("CONTACTSD_IDEMPOTENCY_TTL")
      ->check([](const std::string& text) {
        auto ttl = contactsd::ParseDuration(text);
        return ttl && *ttl > 0 ? std::string() : "a positive duration such as 24h, 90m or 45s";
      })
      ->capture_default_str();
  serve_cmd
      ->add_option("--webhook-retry-schedule", serve.webhook_retry_schedule,
                   "The delays between a failed webhook delivery's attempts, one per failure; "
                   "after the last, the delivery is given up")
      ->envname("CONTACTSD_WEBHOOK_RETRY_SCHEDULE")
      ->check([](const std::string& text) {
        return contactsd::webhooks::RetrySchedule::Parse(text)
                   ? std::string()
                   : "durations separated by commas, such as 5s,5m,30m,2h";
      })
      ->capture_default_str();
  serve_cmd
      ->add_option("--webhook-connect-timeout", serve.webhook_connect_timeout,
                   "How long a webhook delivery may take to resolve, connect and shake hands")
      ->envname("CONTACTSD_WEBHOOK_CONNECT_TIMEOUT")
      ->check(PositiveDuration)
      ->capture_default_str();
  serve_cmd
      ->add_option("--webhook-timeout", serve.webhook_timeout,
                   "How long a webhook delivery may take in all before it counts as failed")
      ->envname("CONTACTSD_WEBHOOK_TIMEOUT")
      ->check(PositiveDuration)
      ->capture_default_str();
  serve_cmd
      ->add_option("--webhook-disable-after", serve.webhook_disable_after,
                   "How long a webhook endpoint may fail without a success before it is "
                   "disabled (with a webhook.disabled event in its tenant's feed)")
      ->envname("CONTACTSD_WEBHOOK_DISABLE_AFTER")
      ->check(PositiveDuration)
      ->capture_default_str();
  serve_cmd
      ->add_option("--webhook-log-retention", serve.webhook_log_retention,
                   "How long a settled webhook delivery (delivered or given up) and its "
                   "attempts stay in the delivery log")
      ->envname("CONTACTSD_WEBHOOK_LOG_RETENTION")
      ->check(PositiveDuration)
      ->capture_default_str();
  serve_cmd
      ->add_option("--secrets-key-file", serve.secrets_key_file,
                   "The key that seals webhook signing secrets in the database (made when "
                   "missing; default on SQLite: the database's path + .secrets-key)")
      ->envname("CONTACTSD_SECRETS_KEY_FILE");
  serve_cmd
      ->add_option("--webhook-ca-file", serve.webhook_ca_file,
                   "A PEM file of CAs to trust for webhook receivers, beside the system's")
      ->envname("CONTACTSD_WEBHOOK_CA_FILE")
      ->check(CLI::ExistingFile);
  serve_cmd
      ->add_flag("--webhook-allow-private", serve.webhook_allow_private,
                 "Let webhooks reach loopback, private and link-local addresses (development, "
                 "tests, receivers inside your own network)")
      ->envname("CONTACTSD_WEBHOOK_ALLOW_PRIVATE");
  serve_cmd
      ->add_flag("--webhook-allow-http", serve.webhook_allow_http,
                 "Let webhook URLs be http:// (unencrypted)")
      ->envname("CONTACTSD_WEBHOOK_ALLOW_HTTP");
  bool quiet = false;
  serve_cmd->add_flag("--no-access-log", quiet, "Do not log one line per request");
  std::string log_format = "logfmt", log_level = "info";
  serve_cmd
      ->add_option("--log-format", log_format,
                   "How each line on stderr is written: logfmt (key=value) or json (one "
                   "object a line)")
      ->envname("CONTACTSD_LOG_FORMAT")
      ->check(CLI::IsMember({"logfmt", "json"}))
      ->capture_default_str();
  serve_cmd
      ->add_option("--log-level", log_level,
                   "The least severe lines written: debug, info (access lines included), warn "
                   "or error")
      ->envname("CONTACTSD_LOG_LEVEL")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
      ->capture_default_str();

  CLI::App* migrate_cmd = app.add_subcommand("migrate", "Bring the schema up to date");
  AddDbOption(migrate_cmd, db);
  app.add_subcommand("models", "List the built-in models");

  CLI::App* org = app.add_subcommand("org", "Manage orgs (tenants)")->require_subcommand(1);
  std::string org_name, org_plan = "free", org_id;
  std::int64_t credits = 0;
  CLI::App* org_create = org->add_subcommand("create", "Create an org");
  org_create->add_option("--name", org_name, "Display name")->required();
  org_create->add_option("--plan", org_plan, "Plan (free, pro, internal, ...)")
      ->capture_default_str();
  org_create->add_option("--credits", credits, "Starting credit balance")->capture_default_str();
  AddDbOption(org_create, db);
  CLI::App* org_show = org->add_subcommand("show", "Show an org and its credit balance");
  org_show->add_option("ORG_ID", org_id, "Org id")->required();
  AddDbOption(org_show, db);
  CLI::App* org_delete = org->add_subcommand(
      "delete", "Delete an org and everything it owns; its keys stop working at once");
  org_delete->add_option("ORG_ID", org_id, "Org id")->required();
  AddDbOption(org_delete, db);

  CLI::App* key = app.add_subcommand("key", "Manage API keys")->require_subcommand(1);
  std::string key_org, key_name, key_id;
  CLI::App* key_create = key->add_subcommand("create", "Create an API key (shown once)");
  key_create->add_option("--org", key_org, "Org id")->required();
  key_create->add_option("--name", key_name, "A label for the key");
  std::string key_scope = "admin", key_expires_in;
  key_create
      ->add_option("--scope", key_scope,
                   "read (GET only), write (the data too) or admin (the tenant's settings too: "
                   "custom fields, collections, webhooks, erasure)")
      ->check(CLI::IsMember({"read", "write", "admin"}))
      ->capture_default_str();
  key_create
      ->add_option("--expires-in", key_expires_in,
                   "How long the key works, e.g. 90d or 12h (default: until revoked)")
      ->check(PositiveDuration);
  AddDbOption(key_create, db);
  CLI::App* key_list = key->add_subcommand("list", "List an org's keys (never the secrets)");
  key_list->add_option("--org", key_org, "Org id")->required();
  AddDbOption(key_list, db);
  CLI::App* key_revoke = key->add_subcommand("revoke", "Revoke a key at once");
  key_revoke->add_option("KEY_ID", key_id, "Key id")->required();
  AddDbOption(key_revoke, db);

  contactsd::app::TransferConfig transfer;
  transfer.db_url = kDefaultDb;
  transfer.model = "standard";
  std::string import_file, rejected_path;
  std::optional<std::string> upsert_on;
  auto add_transfer_options = [&transfer](CLI::App* cmd) {
    cmd->add_option("--org", transfer.org_id, "Org id")->required();
    cmd->add_option("--model", transfer.model, "Built-in model name or path to a model file")
        ->envname("CONTACTSD_MODEL")
        ->capture_default_str();
    AddDbOption(cmd, transfer.db_url);
  };
  CLI::App* import_cmd = app.add_subcommand(
      "import",
      "Import contacts from an NDJSON or CSV file (- for stdin) straight into the "
      "database; each rejected line is written with its error beside the file");
  add_transfer_options(import_cmd);
  import_cmd->add_option("FILE", import_file, "The file (.ndjson, .jsonl or .csv), or -")
      ->required();
  import_cmd
      ->add_option("--format", transfer.format,
                   "ndjson or csv (default: csv for a .csv file, else ndjson)")
      ->check(CLI::IsMember({"ndjson", "csv"}));
  import_cmd->add_option("--upsert-on", upsert_on,
                         "A unique field (email, external_id): a line whose value an active "
                         "contact holds updates it; the others create contacts");
  import_cmd->add_option("--rejected", rejected_path,
                         "Where the rejected lines go (default: FILE.rejected)");
  CLI::App* export_cmd =
      app.add_subcommand("export", "Write an org's active contacts to stdout, in one snapshot");
  add_transfer_options(export_cmd);
  transfer.format = "";
  export_cmd->add_option("--format", transfer.format, "ndjson (default) or csv")
      ->check(CLI::IsMember({"ndjson", "csv"}));

  std::string openapi_model = "standard";
  bool openapi_jwt = false;
  CLI::App* openapi_cmd = app.add_subcommand(
      "openapi", "Print a model's OpenAPI 3.1 document (what GET {base}/openapi.json answers)");
  openapi_cmd->add_option("--model", openapi_model, "Built-in model name or path to a model file")
      ->envname("CONTACTSD_MODEL")
      ->capture_default_str();
  openapi_cmd->add_flag("--jwt", openapi_jwt, "Describe bearer JWTs beside API keys");

  contactsd::app::TokenRequest token;
  token.expires_in = "1h";
  CLI::App* token_cmd = app.add_subcommand(
      "token", "Print a bearer JWT signed with the server's HS256 secret (for JWT models: crm)");
  token_cmd->add_option("--org", token.org_id, "The org the token speaks for (account_id)")
      ->required();
  token_cmd->add_option("--subject", token.subject, "Who acts (sub), e.g. an email")->required();
  token_cmd->add_option("--jwt-secret", token.secret, "The server's --jwt-secret")
      ->envname("CONTACTSD_JWT_SECRET")
      ->required();
  token_cmd->add_option(
      "--scope", token.scope,
      "The scope claim, space-separated as OAuth's: the widest of read, write and "
      "admin it names counts (default: no claim, full rights)");
  token_cmd->add_option("--expires-in", token.expires_in, "How long the token is good for")
      ->check(PositiveDuration)
      ->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return UsageError(app, e, argc, argv);
  }

  using namespace contactsd::app;
  if (serve_cmd->parsed()) {
    contactsd::log::Install(
        {*contactsd::log::ParseFormat(log_format), *contactsd::log::ParseLevel(log_level)});
    serve.access_log = !quiet;
    return ServeCommand(serve);
  }
  if (migrate_cmd->parsed()) return MigrateCommand(db);
  if (openapi_cmd->parsed()) return OpenApiCommand(openapi_model, openapi_jwt);
  if (app.got_subcommand("models")) return ModelsCommand();
  if (app.got_subcommand("version")) {
    std::cout << VersionLine() << "\n";
    return 0;
  }
  if (token_cmd->parsed()) return TokenCommand(token);
  if (org_create->parsed()) return OrgCreateCommand(db, org_name, org_plan, credits);
  if (org_show->parsed()) return OrgShowCommand(db, org_id);
  if (org_delete->parsed()) return OrgDeleteCommand(db, org_id);
  if (key_create->parsed())
    return KeyCreateCommand(db, key_org, key_name, key_scope, key_expires_in);
  if (key_list->parsed()) return KeyListCommand(db, key_org);
  if (key_revoke->parsed()) return KeyRevokeCommand(db, key_id);
  if (import_cmd->parsed()) return ImportCommand(transfer, import_file, upsert_on, rejected_path);
  if (export_cmd->parsed()) return ExportCommand(transfer);
  return 1;
}
