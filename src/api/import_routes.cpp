// POST {base}/contacts/import: many contacts in one request, NDJSON (application/x-ndjson) or
// CSV (text/csv), of any size: the body is read piece by piece (api::BodySink), each line
// checked as a POST body of the model is (with ?upsert_on=FIELD, as an upsert by that unique
// field), and written in batches of 1,000 lines, each in one transaction with its events.
// The answer counts what was created, updated and rejected, with each rejected line's number
// and error (the first 100; the rest counted).
#include "api/error_body.hpp"
#include "api/import_formats.hpp"
#include "api/principal_of.hpp"
#include "api/routes.hpp"
#include "contacts/contact_import.hpp"

#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace contactsd::api {
namespace {

Result<ImportFormat> FormatOf(const Request& head) {
  const std::string* type = head.Header("content-type");
  std::string_view media =
      type ? TrimOws(std::string_view(*type).substr(0, type->find(';'))) : std::string_view();
  std::string lower(media);
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (lower == "application/x-ndjson" || lower == "application/ndjson" ||
      lower == "application/jsonl" || lower == "application/x-jsonlines") {
    return ImportFormat::kNdjson;
  }
  if (lower == "text/csv") return ImportFormat::kCsv;
  return Error::UnsupportedMediaType(
      "An import is application/x-ndjson (a JSON object per line) or text/csv (a header row, "
      "then a contact per row)");
}

// The report as JSON: {"lines", "created", "updated", "rejected", "errors": [{"line",
// "error"}], "errors_omitted"}.
std::string ReportJson(const contacts::ImportReport& report) {
  std::string out = R"({"lines":)" + std::to_string(report.lines) + R"(,"created":)" +
                    std::to_string(report.created) + R"(,"updated":)" +
                    std::to_string(report.updated) + R"(,"rejected":)" +
                    std::to_string(report.rejected) + R"(,"errors":[)";
  for (std::size_t i = 0; i < report.rejects.size(); ++i) {
    if (i > 0) out += ',';
    out += R"({"line":)" + std::to_string(report.rejects[i].line) + R"(,"error":)";
    out += ErrorBody(report.rejects[i].error);
    out += '}';
  }
  out += R"(],"errors_omitted":)" +
         std::to_string(report.rejected - static_cast<std::int64_t>(report.rejects.size())) + "}";
  return out;
}

class ImportSink final : public BodySink {
 public:
  ImportSink(std::unique_ptr<LineReader> reader, contacts::ContactImport import)
      : reader_(std::move(reader)), import_(std::move(import)) {}

  Status Take(std::string_view piece) override { return Stopped(reader_->Feed(piece, Each())); }

  Result<Response> Finish() override {
    if (auto ended = Stopped(reader_->End(Each())); !ended) return std::move(ended).error();
    if (auto written = Stopped(import_.Finish()); !written) return std::move(written).error();
    return Response{200, ReportJson(import_.report()), {}};
  }

 private:
  LineFn Each() {
    return [this](std::int64_t line, Result<boost::json::object> fields) {
      return import_.Add(line, std::move(fields));
    };
  }

  // An error that stops the import says how far it got: the lines before it are written,
  // the batch still being written among them.
  Status Stopped(Status status) {
    if (status) return status;
    Error error = std::move(status).error();
    if (auto settled = import_.Stop(); !settled) return settled;
    const contacts::ImportReport& r = import_.report();
    error.message += " (the import stopped after " + std::to_string(r.lines) +
                     " lines, which stay written: " + std::to_string(r.created) + " created, " +
                     std::to_string(r.updated) + " updated, " + std::to_string(r.rejected) +
                     " rejected)";
    return error;
  }

  std::unique_ptr<LineReader> reader_;
  contacts::ContactImport import_;
};

Result<std::unique_ptr<BodySink>> OpenImport(const ApiContext& ctx, const Request& head) {
  auto who = PrincipalOf(ctx, head);
  if (!who.ok()) return std::move(who).error();
  contacts::ImportOptions options;
  for (const auto& [name, value] : head.query) {
    if (name == "upsert_on") {
      options.upsert_on = value;
    } else {
      return Error::BadRequest("Unknown parameter '" + name + "': an import takes upsert_on",
                               "invalid_query");
    }
  }
  auto format = FormatOf(head);
  if (!format.ok()) return std::move(format).error();
  auto import = contacts::ContactImport::Open(ctx.contacts, *who, std::move(options));
  if (!import.ok()) return std::move(import).error();
  std::vector<model::FieldSpec> custom;
  if (*format == ImportFormat::kCsv) {
    auto specs = ctx.custom_fields.Specs(*who);
    if (!specs.ok()) return std::move(specs).error();
    custom = std::move(specs).value();
  }
  return std::unique_ptr<BodySink>(new ImportSink(
      MakeLineReader(*format, ctx.model, std::move(custom)), std::move(import).value()));
}

}  // namespace

std::vector<Route> ImportRoutes(const ApiContext& ctx) {
  Route route{"POST", ctx.model.base_path() + "/contacts/import", {}};
  route.open_body = [&ctx](const Request& head) { return OpenImport(ctx, head); };
  route.doc = {.id = "importContacts",
               .summary = "Create (or upsert) contacts from NDJSON or CSV lines, streamed",
               .tag = "contacts",
               .request = Shape::kImportBody,
               .answer = Shape::kImportSummary,
               .errors = {403, 415, 503},
               .query = {"upsert_on"}};
  return {std::move(route)};
}

}  // namespace contactsd::api
