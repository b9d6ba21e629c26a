#include "app/transfer_commands.hpp"

#include "api/error_body.hpp"
#include "api/export_formats.hpp"
#include "api/import_formats.hpp"
#include "app/model_source.hpp"
#include "common/time.hpp"
#include "common/uuid.hpp"
#include "contacts/contact_import.hpp"
#include "contacts/contacts_service.hpp"
#include "contacts/custom_fields_service.hpp"
#include "store/store.hpp"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <unistd.h>
#include <utility>
#include <vector>

namespace contactsd::app {
namespace {

int Fail(const Error& e) {
  std::cerr << "contactsd: " << e.message;
  if (!e.internal.empty()) std::cerr << " (" << e.internal << ")";
  std::cerr << "\n";
  return 1;
}

// What import and export both stand on: the model, the store and the services, and the org as
// the principal the command acts for (recorded as "cli" in the change log).
struct Session {
  std::unique_ptr<model::Model> model;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<contacts::ContactsService> contacts;
  std::unique_ptr<contacts::CustomFieldsService> custom_fields;
  Principal who;
};

Result<Session> OpenSession(const TransferConfig& config) {
  Session s;
  auto model = LoadModel(config.model);
  if (!model.ok()) return std::move(model).error();
  s.model = std::make_unique<model::Model>(std::move(model).value());
  auto store = store::OpenStore(config.db_url);
  if (!store.ok()) return std::move(store).error();
  s.store = std::move(store).value();
  auto org = s.store->GetOrg(config.org_id);
  if (!org.ok()) return std::move(org).error();
  auto secret = s.store->ServerSecret();
  if (!secret.ok()) return std::move(secret).error();
  s.contacts = std::make_unique<contacts::ContactsService>(*s.model, *s.store, NowMillis, *secret);
  s.custom_fields = std::make_unique<contacts::CustomFieldsService>(*s.model, *s.store, NowMillis);
  s.who.org_id = org->id;
  s.who.plan = org->plan;
  s.who.credential = "cli";
  s.who.request_id = "cli-" + NewUuidV7(NowMillis());
  return s;
}

std::string WithThousands(std::int64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// The progress bar on stderr (a terminal): lines done, lines/s, and for a file of known size
// how far through it and the time left; redrawn at most ten times a second.
class ProgressBar {
 public:
  explicit ProgressBar(std::int64_t total_bytes) : total_bytes_(total_bytes) {}

  void Show(const contacts::ImportReport& report, std::int64_t bytes_read, bool last = false) {
    const std::int64_t now = NowMillis();
    if (!last && now - drawn_at_ < 100) return;
    drawn_at_ = now;
    const double seconds = static_cast<double>(std::max<std::int64_t>(now - started_, 1)) / 1000;
    const auto rate = static_cast<std::int64_t>(static_cast<double>(report.lines) / seconds);
    std::string line =
        "\r\x1b[K" + WithThousands(report.lines) + " lines  " + WithThousands(rate) + " lines/s";
    if (total_bytes_ > 0) {
      const double done = static_cast<double>(bytes_read) / static_cast<double>(total_bytes_);
      constexpr int kWidth = 30;
      const int filled = static_cast<int>(done * kWidth);
      line += "  [" + std::string(static_cast<std::size_t>(filled), '#') +
              std::string(static_cast<std::size_t>(kWidth - filled), ' ') + "] " +
              std::to_string(static_cast<int>(done * 100)) + "%";
      if (done > 0 && !last) {
        const auto left = static_cast<std::int64_t>(seconds * (1 - done) / done);
        line += "  ETA " + std::to_string(left / 60) + ":" + (left % 60 < 10 ? "0" : "") +
                std::to_string(left % 60);
      }
    }
    if (report.rejected > 0) line += "  " + WithThousands(report.rejected) + " rejected";
    if (last) line += "\n";
    std::cerr << line << std::flush;
  }

 private:
  const std::int64_t total_bytes_;
  const std::int64_t started_ = NowMillis();
  std::int64_t drawn_at_ = 0;
};

api::ImportFormat FormatOfFile(const std::string& format, const std::string& file) {
  if (format == "csv") return api::ImportFormat::kCsv;
  if (format.empty() && file.size() > 4 && file.ends_with(".csv")) return api::ImportFormat::kCsv;
  return api::ImportFormat::kNdjson;
}

}  // namespace

int ImportCommand(const TransferConfig& config, const std::string& file,
                  const std::optional<std::string>& upsert_on, std::string rejected_path) {
  auto session = OpenSession(config);
  if (!session.ok()) return Fail(session.error());
  const bool from_stdin = file == "-";
  std::FILE* in = from_stdin ? stdin : std::fopen(file.c_str(), "rb");
  if (in == nullptr) return Fail(Error::BadRequest("cannot open " + file));
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> closer(from_stdin ? nullptr : in, &std::fclose);
  std::int64_t total_bytes = 0;
  if (!from_stdin && std::fseek(in, 0, SEEK_END) == 0) {
    total_bytes = std::ftell(in);
    std::rewind(in);
  }

  contacts::ImportOptions options;
  options.upsert_on = upsert_on;
  auto importer = contacts::ContactImport::Open(*session->contacts, session->who, options);
  if (!importer.ok()) return Fail(importer.error());
  const api::ImportFormat format = FormatOfFile(config.format, file);
  std::vector<model::FieldSpec> custom;
  if (format == api::ImportFormat::kCsv) {
    auto specs = session->custom_fields->Specs(session->who);
    if (!specs.ok()) return Fail(specs.error());
    custom = std::move(specs).value();
  }
  auto reader = api::MakeLineReader(format, *session->model, std::move(custom));

  if (rejected_path.empty()) rejected_path = from_stdin ? "import.rejected" : file + ".rejected";
  std::ofstream rejected;
  importer->on_reject = [&](const contacts::RejectedLine& r) {
    if (!rejected.is_open()) rejected.open(rejected_path, std::ios::trunc);
    rejected << "{\"line\":" << r.line << ",\"error\":" << api::ErrorBody(r.error) << "}\n";
  };
  std::int64_t bytes_read = 0;
  std::optional<ProgressBar> bar;
  if (::isatty(STDERR_FILENO)) bar.emplace(total_bytes);
  if (bar) {
    importer->on_batch = [&](const contacts::ImportReport& r) { bar->Show(r, bytes_read); };
  }

  const api::LineFn each = [&](std::int64_t line, Result<boost::json::object> fields) {
    return importer->Add(line, std::move(fields));
  };
  std::vector<char> buffer(1 << 20);
  Status status;
  for (;;) {
    const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), in);
    if (n == 0) break;
    bytes_read += static_cast<std::int64_t>(n);
    status = reader->Feed(std::string_view(buffer.data(), n), each);
    if (!status) break;
  }
  if (status && std::ferror(in)) status = Error::BadRequest("cannot read " + file);
  if (status) status = reader->End(each);
  if (status) status = importer->Finish();
  // Stopped early: the batch being written stays written, and is counted before the summary.
  if (!status) {
    if (auto settled = importer->Stop(); !settled) status = std::move(settled);
  }
  const contacts::ImportReport& report = importer->report();
  if (bar) bar->Show(report, bytes_read, true);
  std::cout << "contactsd import: " << report.lines << " lines, " << report.created << " created, "
            << report.updated << " updated, " << report.rejected << " rejected";
  if (report.rejected > 0) std::cout << " (each with its error in " << rejected_path << ")";
  std::cout << "\n";
  if (!status) {
    std::cerr << "contactsd: the import stopped after " << report.lines
              << " lines (they stay written): ";
    return Fail(status.error());
  }
  return report.rejected > 0 ? 1 : 0;
}

int ExportCommand(const TransferConfig& config) {
  auto session = OpenSession(config);
  if (!session.ok()) return Fail(session.error());
  const api::ExportFormat format =
      config.format == "csv" ? api::ExportFormat::kCsv : api::ExportFormat::kNdjson;
  std::vector<std::string> custom;
  if (format == api::ExportFormat::kCsv) {
    auto specs = session->custom_fields->Specs(session->who);
    if (!specs.ok()) return Fail(specs.error());
    for (const model::FieldSpec& spec : *specs) custom.push_back(spec.name);
  }
  auto writer = api::MakeExportWriter(format, *session->model, std::move(custom));
  auto scan = session->contacts->OpenExport(session->who, {}, std::nullopt);
  if (!scan.ok()) return Fail(scan.error());
  std::string out;
  writer->Begin(out);
  for (;;) {
    auto page = session->contacts->ExportPage(session->who, **scan);
    if (!page.ok()) return Fail(page.error());
    if (page->empty()) break;
    for (const contacts::ContactView& contact : *page) writer->Append(out, contact);
    std::cout.write(out.data(), static_cast<std::streamsize>(out.size()));
    out.clear();
    if (!std::cout) return Fail(Error::BadRequest("cannot write the export"));
  }
  std::cout.write(out.data(), static_cast<std::streamsize>(out.size()));
  std::cout.flush();
  return std::cout ? 0 : Fail(Error::BadRequest("cannot write the export"));
}

}  // namespace contactsd::app
