// GET {base}/contacts/export?format=ndjson|csv: every active contact the list's filters select
// (updated_since included), by id, streamed as it is read (api::BodySource) from one snapshot
// of the store: a write committed meanwhile is wholly in it or not at all. NDJSON lines are the
// contacts as GET shows them; CSV has a header row and a column per property.
#include "api/export_formats.hpp"
#include "api/principal_of.hpp"
#include "api/routes.hpp"
#include "common/time.hpp"

#include <atomic>
#include <memory>
#include <string>
#include <utility>

namespace contactsd::api {
namespace {

// Exports at once per process: each holds a database reader (or a pooled connection) for as
// long as its client reads.
constexpr int kMaxExports = 4;
// About what one piece of the answer holds before it is written.
constexpr std::size_t kPieceBytes = 256 << 10;

// One of the kMaxExports, held while an export runs.
class ExportSlot {
 public:
  // Null when every slot is taken.
  static std::unique_ptr<ExportSlot> Take(std::shared_ptr<std::atomic<int>> running) {
    if (running->fetch_add(1, std::memory_order_relaxed) >= kMaxExports) {
      running->fetch_sub(1, std::memory_order_relaxed);
      return nullptr;
    }
    return std::unique_ptr<ExportSlot>(new ExportSlot(std::move(running)));
  }
  ~ExportSlot() { running_->fetch_sub(1, std::memory_order_relaxed); }
  ExportSlot(const ExportSlot&) = delete;
  ExportSlot& operator=(const ExportSlot&) = delete;

 private:
  explicit ExportSlot(std::shared_ptr<std::atomic<int>> running) : running_(std::move(running)) {}
  std::shared_ptr<std::atomic<int>> running_;
};

class ExportSource final : public BodySource {
 public:
  ExportSource(const ApiContext& ctx, Principal who, std::unique_ptr<ExportSlot> slot,
               std::unique_ptr<store::ContactScan> scan, std::unique_ptr<ExportWriter> writer)
      : ctx_(ctx),
        who_(std::move(who)),
        slot_(std::move(slot)),
        scan_(std::move(scan)),
        writer_(std::move(writer)) {}

  Result<bool> Next(std::string& out) override {
    if (!begun_) {
      writer_->Begin(out);
      begun_ = true;
    }
    while (out.size() < kPieceBytes) {
      auto page = ctx_.contacts.ExportPage(who_, *scan_);
      if (!page.ok()) return std::move(page).error();
      if (page->empty()) return false;
      for (const contacts::ContactView& contact : *page) writer_->Append(out, contact);
    }
    return true;
  }

 private:
  const ApiContext& ctx_;
  Principal who_;
  std::unique_ptr<ExportSlot> slot_;
  std::unique_ptr<store::ContactScan> scan_;
  std::unique_ptr<ExportWriter> writer_;
  bool begun_ = false;
};

Result<Response> HandleExport(const ApiContext& ctx,
                              const std::shared_ptr<std::atomic<int>>& running,
                              const Request& req) {
  if (req.Query("id_property")) return GetContactNamed(ctx, req, "export");
  auto who = PrincipalOf(ctx, req);
  if (!who.ok()) return std::move(who).error();
  ExportFormat format = ExportFormat::kNdjson;
  std::optional<std::int64_t> updated_since;
  std::vector<std::pair<std::string, std::string>> filters;
  for (const auto& [name, value] : req.query) {
    if (name == "format") {
      if (value != "ndjson" && value != "csv") {
        return Error::BadRequest("format must be ndjson or csv", "invalid_query");
      }
      format = value == "csv" ? ExportFormat::kCsv : ExportFormat::kNdjson;
    } else if (name == "updated_since") {
      updated_since = ParseTimestamp(value);
      if (!updated_since) {
        return Error::BadRequest(
            "updated_since must be an RFC 3339 timestamp, e.g. 2026-12-01T00:00:00Z",
            "invalid_query");
      }
    } else {
      filters.emplace_back(name, value);
    }
  }
  std::vector<std::string> custom;
  if (format == ExportFormat::kCsv) {
    auto specs = ctx.custom_fields.Specs(*who);
    if (!specs.ok()) return std::move(specs).error();
    for (const model::FieldSpec& spec : *specs) custom.push_back(spec.name);
  }
  auto slot = ExportSlot::Take(running);
  if (!slot) {
    return Error::Unavailable("export slots taken",
                              "Too many exports are running; retry when one has finished");
  }
  auto scan = ctx.contacts.OpenExport(*who, filters, updated_since);
  if (!scan.ok()) return std::move(scan).error();
  Response r;
  r.headers.emplace_back("Content-Type", format == ExportFormat::kCsv ? "text/csv; charset=utf-8"
                                                                      : "application/x-ndjson");
  r.stream = std::make_shared<ExportSource>(ctx, *who, std::move(slot), std::move(scan).value(),
                                            MakeExportWriter(format, ctx.model, custom));
  return r;
}

}  // namespace

std::vector<Route> ExportRoutes(const ApiContext& ctx) {
  auto running = std::make_shared<std::atomic<int>>(0);
  Route export_route{
      "GET", ctx.model.base_path() + "/contacts/export",
      [&ctx, running](const Request& req) { return HandleExport(ctx, running, req); }};
  export_route.large_answers = true;  // opens a snapshot: on the bulk workers
  export_route.doc = {.id = "exportContacts",
                      .summary =
                          "Every contact the list's filters select, from one snapshot, "
                          "as NDJSON or CSV, streamed",
                      .tag = "contacts",
                      .answer = Shape::kExportBody,
                      .errors = {503},
                      .query = {"format", "updated_since", "filters"}};
  return {std::move(export_route)};
}

}  // namespace contactsd::api
