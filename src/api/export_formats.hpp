// Contacts as the lines of an export: NDJSON (each line the contact as the model's GET shows
// it) or CSV (a header row, then a record per contact with a column per response property, the
// custom fields each a column of their own: "custom_fields.NAME", or NAME where the model shows
// them flat). What it writes, an import reads back (api/import_formats.hpp).
#pragma once

#include "contacts/contacts_service.hpp"
#include "model/model.hpp"

#include <memory>
#include <string>
#include <vector>

namespace contactsd::api {

enum class ExportFormat { kNdjson, kCsv };

class ExportWriter {
 public:
  virtual ~ExportWriter() = default;
  // What comes before the first contact (the CSV header; nothing for NDJSON).
  virtual void Begin(std::string& out) = 0;
  virtual void Append(std::string& out, const contacts::ContactView& contact) = 0;
};

// `custom_fields`: the names of the tenant's custom fields (CSV's columns for them).
std::unique_ptr<ExportWriter> MakeExportWriter(ExportFormat format, const model::Model& model,
                                               std::vector<std::string> custom_fields);

}  // namespace contactsd::api
