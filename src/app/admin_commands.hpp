// The administrative commands: orgs and API keys, printed as one JSON value on stdout.
// Each returns the process exit code; errors go to stderr.
#pragma once

#include <cstdint>
#include <string>

namespace contactsd::app {

int MigrateCommand(const std::string& db_url);
int ModelsCommand();
int OrgCreateCommand(const std::string& db_url, const std::string& name, const std::string& plan,
                     std::int64_t credits);
int OrgShowCommand(const std::string& db_url, const std::string& org_id);
// Prints {"id", "removed": {table: rows, ...}}.
int OrgDeleteCommand(const std::string& db_url, const std::string& org_id);
// `scope`: read, write or admin; `expires_in`: a duration, or empty for a key that never expires.
int KeyCreateCommand(const std::string& db_url, const std::string& org_id, const std::string& name,
                     const std::string& scope, const std::string& expires_in);
int KeyListCommand(const std::string& db_url, const std::string& org_id);
int KeyRevokeCommand(const std::string& db_url, const std::string& key_id);

}  // namespace contactsd::app
