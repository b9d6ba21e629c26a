// contactsd import and contactsd export: a tenant's contacts from a file into the database and
// back out, straight on the database (no server needed), through the same checks, batches and
// change log as the API's POST {base}/contacts/import and GET {base}/contacts/export.
#pragma once

#include <optional>
#include <string>

namespace contactsd::app {

struct TransferConfig {
  std::string db_url;
  std::string model;
  std::string org_id;
  std::string format;  // "ndjson" or "csv"; for an import, empty: from the file's extension
};

// Imports FILE (or stdin for "-"): a progress bar on a terminal (lines/s, lines done, ETA for a
// file), a summary line on stdout at the end, and every rejected line with its error in
// `rejected_path` (default FILE.rejected; import.rejected for stdin). Exit status: 0, or 1
// when a line was rejected or the import could not go on.
int ImportCommand(const TransferConfig& config, const std::string& file,
                  const std::optional<std::string>& upsert_on, std::string rejected_path);

// Writes the org's active contacts to stdout, in one snapshot.
int ExportCommand(const TransferConfig& config);

}  // namespace contactsd::app
