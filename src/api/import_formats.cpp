#include "api/import_formats.hpp"

#include "api/json_body.hpp"
#include "model/field_types.hpp"

#include <boost/json/parse.hpp>

#include <cstdlib>
#include <csv.h>
#include <optional>
#include <utility>

namespace contactsd::api {
namespace {

namespace json = boost::json;

Error LineTooLong() {
  return Error::PayloadTooLarge("The line exceeds " + std::to_string(kMaxLineBytes) + " bytes");
}

// Newline-delimited JSON: a JSON object per line; blank lines are skipped (and counted).
class NdjsonReader final : public LineReader {
 public:
  explicit NdjsonReader(const model::Model& model) : model_(model) {}

  Status Feed(std::string_view piece, const LineFn& each) override {
    while (!piece.empty()) {
      const std::size_t end = piece.find('\n');
      const std::string_view part = piece.substr(0, end);
      if (!too_long_) {
        if (partial_.size() + part.size() > kMaxLineBytes) {
          too_long_ = true;
          partial_ = std::string();
        } else {
          partial_.append(part);
        }
      }
      if (end == std::string_view::npos) return {};
      if (auto done = EndLine(each); !done) return done;
      piece.remove_prefix(end + 1);
    }
    return {};
  }

  Status End(const LineFn& each) override {
    if (partial_.empty() && !too_long_) return {};
    return EndLine(each);
  }

 private:
  Status EndLine(const LineFn& each) {
    ++line_;
    std::string text = std::move(partial_);
    partial_.clear();
    if (too_long_) {
      too_long_ = false;
      return each(line_, LineTooLong());
    }
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.find_first_not_of(" \t") == std::string::npos) return {};  // a blank line
    auto object = ParseObject(text);
    if (!object.ok()) return each(line_, std::move(object).error());
    return each(line_, ImportFieldsOf(model_, std::move(object).value()));
  }

  const model::Model& model_;
  std::string partial_;  // the line so far
  bool too_long_ = false;
  std::int64_t line_ = 0;
};

// A CSV column: where its cells go in the field map, and as what type they are read.
struct Column {
  std::string name;     // the header's text
  std::string key;      // the field map's key ("" for a column that is dropped)
  bool custom = false;  // inside the custom-fields object (its key there is `key`)
  model::FieldType type = model::FieldType::kString;
};

// A cell as its field's JSON value: the value the text spells as the field's type (a boolean,
// a number, JSON text for lists and objects), or the text itself when it spells none (the
// model then says what is wrong with it).
json::value CellValue(std::string_view text, model::FieldType type) {
  auto value = model::TraitsOf(type).from_text(text);
  return value ? std::move(*value) : json::value(json::string(text));
}

// CSV (RFC 4180) through libcsv: a header row naming the fields, then a record per contact.
// A cell left empty leaves its field out. A UTF-8 byte order mark before the header is skipped.
// Blank lines are no contacts, but they are counted, so that a line's number is the file's
// (libcsv reports them with CSV_REPALL_NL, each CR and LF outside a record on its own).
class CsvReader final : public LineReader {
 public:
  CsvReader(const model::Model& model, std::vector<model::FieldSpec> custom_fields)
      : model_(model), custom_fields_(std::move(custom_fields)) {
    csv_init(&parser_,
             CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL | CSV_EMPTY_IS_NULL | CSV_REPALL_NL);
  }
  ~CsvReader() override { csv_free(&parser_); }
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  Status Feed(std::string_view piece, const LineFn& each) override {
    if (at_start_) {
      // The first three bytes decide whether a byte order mark is there to skip.
      const std::size_t need = kBom.size() - head_.size();
      head_.append(piece.substr(0, need));
      piece.remove_prefix(std::min(need, piece.size()));
      if (head_.size() < kBom.size()) return {};
      if (auto started = Start(each); !started) return started;
    }
    return Parse(piece, each);
  }

  Status End(const LineFn& each) override {
    if (at_start_) {
      if (auto started = Start(each); !started) return started;
    }
    each_ = &each;
    if (csv_fini(&parser_, &CsvReader::OnCell, &CsvReader::OnRecord, this) != 0 && failure_.ok()) {
      failure_ = NotCsv();
    }
    each_ = nullptr;
    return failure_;
  }

 private:
  static constexpr std::string_view kBom = "\xEF\xBB\xBF";

  Status Start(const LineFn& each) {
    at_start_ = false;
    std::string head = std::move(head_);
    if (head == kBom) head.clear();
    return Parse(head, each);
  }

  Error NotCsv() {
    return Error::BadRequest(
        "Line " + std::to_string(line_ + 1) + " is not CSV: " + csv_strerror(csv_error(&parser_)),
        "invalid_csv");
  }

  // Fed in slices, so that a record longer than kMaxLineBytes is caught while it grows.
  Status Parse(std::string_view piece, const LineFn& each) {
    constexpr std::size_t kSlice = 64 << 10;
    each_ = &each;
    while (!piece.empty() && failure_.ok()) {
      const std::string_view slice = piece.substr(0, kSlice);
      if (csv_parse(&parser_, slice.data(), slice.size(), &CsvReader::OnCell, &CsvReader::OnRecord,
                    this) != slice.size()) {
        if (failure_.ok()) failure_ = NotCsv();
        break;
      }
      since_record_ += slice.size();
      if (since_record_ > kMaxLineBytes && failure_.ok()) failure_ = LineTooLong();
      piece.remove_prefix(slice.size());
    }
    each_ = nullptr;
    return failure_;
  }

  static void OnCell(void* cell, std::size_t size, void* self) {
    auto* reader = static_cast<CsvReader*>(self);
    reader->cells_.emplace_back();
    if (cell != nullptr) {
      reader->cells_.back().emplace(static_cast<const char*>(cell), size);
    }
  }

  // `end`: the CR or LF that ended the record or the blank line, -1 at the end of the input.
  static void OnRecord(int end, void* self) {
    auto* reader = static_cast<CsvReader*>(self);
    reader->since_record_ = 0;
    const bool crlf = end == '\n' && reader->last_end_ == '\r';
    reader->last_end_ = end;
    if (reader->cells_.empty()) {  // no record: a line break of its own
      if (!crlf) ++reader->line_;  // a blank line; an LF after a CR ends the line the CR did
      return;
    }
    ++reader->line_;
    std::vector<std::optional<std::string>> cells = std::move(reader->cells_);
    reader->cells_.clear();
    if (!reader->failure_.ok()) return;
    if (!reader->header_read_) {
      reader->header_read_ = true;
      reader->failure_ = reader->ReadHeader(cells);
      return;
    }
    reader->failure_ = (*reader->each_)(reader->line_, reader->FieldsOf(cells));
  }

  Status ReadHeader(const std::vector<std::optional<std::string>>& cells) {
    const model::FieldSpec* custom = model_.custom_fields_field();
    for (const auto& cell : cells) {
      Column column;
      column.name = cell ? *cell : std::string();
      const std::string& name = column.name;
      const model::FieldSpec* field = model_.FindField(name);
      constexpr std::string_view kCustomPrefix = "custom_fields.";
      if (field && !field->read_only && field != custom) {
        column.key = name;
        column.type = field->type;
      } else if (custom && (name.starts_with(kCustomPrefix) ||
                            (model_.custom_fields_flat() && !field && !model_.IsSystemName(name) &&
                             !model_.IsResponsePropertyName(name)))) {
        column.custom = true;
        column.key = name.starts_with(kCustomPrefix) ? name.substr(kCustomPrefix.size()) : name;
        column.type = model::FieldType::kAny;  // unknown until defined: the model says
        for (const model::FieldSpec& spec : custom_fields_) {
          if (spec.name == column.key) column.type = spec.type;
        }
      } else if (!(field || model_.IsSystemName(name) || model_.IsResponsePropertyName(name))) {
        return Error::BadRequest("CSV column '" + name + "' names no field of the contact",
                                 "invalid_csv");
      }
      columns_.push_back(std::move(column));
    }
    return {};
  }

  Result<json::object> FieldsOf(const std::vector<std::optional<std::string>>& cells) const {
    if (cells.size() > columns_.size()) {
      return Error::BadRequest("The line has " + std::to_string(cells.size()) +
                                   " cells; the header names " + std::to_string(columns_.size()),
                               "invalid_csv");
    }
    json::object fields;
    json::object custom;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      const Column& column = columns_[i];
      if (!cells[i] || column.key.empty()) continue;  // empty: left out
      json::value value = CellValue(*cells[i], column.type);
      if (!column.custom) {
        fields[column.key] = std::move(value);
      } else if (model_.custom_fields_flat()) {
        fields[column.key] = std::move(value);
      } else {
        custom[column.key] = std::move(value);
      }
    }
    if (!custom.empty()) fields[model_.custom_fields_field()->name] = std::move(custom);
    return fields;
  }

  const model::Model& model_;
  std::vector<model::FieldSpec> custom_fields_;
  csv_parser parser_{};
  bool at_start_ = true;
  std::string head_;  // the first bytes, until there are enough to tell a byte order mark
  std::vector<Column> columns_;
  std::vector<std::optional<std::string>> cells_;  // of the record being read
  std::int64_t line_ = 0;  // lines read to the end of the last record, blank ones included
  int last_end_ = -1;
  bool header_read_ = false;
  std::size_t since_record_ = 0;  // bytes fed since the last record ended
  const LineFn* each_ = nullptr;
  Status failure_;
};

}  // namespace

std::unique_ptr<LineReader> MakeLineReader(ImportFormat format, const model::Model& model,
                                           std::vector<model::FieldSpec> custom_fields) {
  if (format == ImportFormat::kCsv) {
    return std::make_unique<CsvReader>(model, std::move(custom_fields));
  }
  return std::make_unique<NdjsonReader>(model);
}

Result<json::object> ImportFieldsOf(const model::Model& model, json::object line) {
  if (model.envelope() == model::Envelope::kFields && line.contains("fields")) {
    return FieldsOf(model, std::move(line));
  }
  for (auto it = line.begin(); it != line.end();) {
    const std::string_view key = it->key();
    const model::FieldSpec* field = model.FindField(key);
    const bool output_only = model.IsSystemName(key) || (field && field->read_only) ||
                             (!field && model.IsResponsePropertyName(key));
    it = output_only ? line.erase(it) : std::next(it);
  }
  return line;
}

}  // namespace contactsd::api
