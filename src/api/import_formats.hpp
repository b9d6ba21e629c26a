// The lines of an import as field maps, from NDJSON or CSV text that arrives in pieces split
// anywhere: over HTTP (POST {base}/contacts/import) and from a file (contactsd import). Each
// line becomes what a POST body of the model would, out of its envelope, or the error that
// rejects it; the caller hands them to a contacts::ContactImport.
//
// What a line may hold beyond a POST body: the model's system names (id, version, timestamps)
// and its output-only properties, as an export line has them, are dropped, so an export
// imports as it is (docs/import-export.md).
#pragma once

#include "common/result.hpp"
#include "model/field_spec.hpp"
#include "model/model.hpp"

#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace contactsd::api {

enum class ImportFormat { kNdjson, kCsv };

// A line's number (1-based; for CSV, the record's, the header being 1) and its field map, or
// why it cannot be read. An error returned stops the reading with it.
using LineFn = std::function<Status(std::int64_t line, Result<boost::json::object> fields)>;

// The longest line (an NDJSON line, a CSV record) read: a POST body's limit.
inline constexpr std::size_t kMaxLineBytes = 1 << 20;

class LineReader {
 public:
  virtual ~LineReader() = default;
  // Reads the lines `piece` completes. Errors: LineFn's; for CSV, text that is not CSV (the
  // rest cannot be read) or a header naming no field.
  virtual Status Feed(std::string_view piece, const LineFn& each) = 0;
  // The text has ended: reads its last line.
  virtual Status End(const LineFn& each) = 0;
};

// `custom_fields`: the tenant's definitions (CSV reads a custom column's cells as its type).
std::unique_ptr<LineReader> MakeLineReader(ImportFormat format, const model::Model& model,
                                           std::vector<model::FieldSpec> custom_fields);

// A line's JSON object as a POST body of the model, out of its envelope, without the names an
// export line carries that a POST may not (system names, output-only properties).
Result<boost::json::object> ImportFieldsOf(const model::Model& model, boost::json::object line);

}  // namespace contactsd::api
