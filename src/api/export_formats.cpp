#include "api/export_formats.hpp"

#include "api/contact_json.hpp"
#include "model/json_text.hpp"

#include <boost/json/parse.hpp>

#include <utility>

namespace contactsd::api {
namespace {

namespace json = boost::json;

class NdjsonWriter final : public ExportWriter {
 public:
  explicit NdjsonWriter(const model::Model& model) : model_(model) {}
  void Begin(std::string&) override {}
  void Append(std::string& out, const contacts::ContactView& contact) override {
    AppendContact(out, model_, contact);
    out += '\n';
  }

 private:
  const model::Model& model_;
};

// RFC 4180: a cell is quoted when it holds a quote, a comma, a line break or spaces at an end,
// or is an empty text (so that it reads back as "", not as a cell left empty).
void AppendCell(std::string& out, std::string_view text, bool empty_is_text) {
  const bool quoted =
      (text.empty() && empty_is_text) || text.find_first_of("\",\r\n") != std::string_view::npos ||
      (!text.empty() &&
       (text.front() == ' ' || text.front() == '\t' || text.back() == ' ' || text.back() == '\t'));
  if (!quoted) {
    out += text;
    return;
  }
  out += '"';
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

void AppendValue(std::string& out, const json::value* v) {
  if (v == nullptr || v->is_null()) return;  // an empty cell
  if (v->is_string()) {
    AppendCell(out, v->get_string(), true);
  } else {
    AppendCell(out, model::JsonText(*v), false);
  }
}

// A column: a response property's name, or a custom field's (inside `nested`, or flat).
struct Column {
  std::string header;
  std::string key;
  std::string nested;  // the object the key is in ("custom_fields"), or "" at the top level
};

class CsvWriter final : public ExportWriter {
 public:
  CsvWriter(const model::Model& model, const std::vector<std::string>& custom_fields)
      : model_(model) {
    const model::FieldSpec* custom = model.custom_fields_field();
    for (const model::ResponseProperty& p : model.response()) {
      if (p.optional) continue;
      if (p.flatten) {
        for (const std::string& name : custom_fields) columns_.push_back({name, name, ""});
      } else if (custom != nullptr && p.field == custom) {
        for (const std::string& name : custom_fields) {
          columns_.push_back({p.name + "." + name, name, p.name});
        }
      } else {
        columns_.push_back({p.name, p.name, ""});
      }
    }
  }

  void Begin(std::string& out) override {
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      if (i > 0) out += ',';
      AppendCell(out, columns_[i].header, false);
    }
    out += "\r\n";
  }

  void Append(std::string& out, const contacts::ContactView& contact) override {
    text_.clear();
    AppendContact(text_, model_, contact);
    const json::value shown = json::parse(text_);
    const json::object& object = shown.get_object();
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      if (i > 0) out += ',';
      const Column& column = columns_[i];
      const json::object* in = &object;
      if (!column.nested.empty()) {
        const json::value* nested = object.if_contains(column.nested);
        in = nested ? nested->if_object() : nullptr;
      }
      AppendValue(out, in ? in->if_contains(column.key) : nullptr);
    }
    out += "\r\n";
  }

 private:
  const model::Model& model_;
  std::vector<Column> columns_;
  std::string text_;
};

}  // namespace

std::unique_ptr<ExportWriter> MakeExportWriter(ExportFormat format, const model::Model& model,
                                               std::vector<std::string> custom_fields) {
  if (format == ExportFormat::kCsv) return std::make_unique<CsvWriter>(model, custom_fields);
  return std::make_unique<NdjsonWriter>(model);
}

}  // namespace contactsd::api
