// `contactsd serve`: open the store, load the model, and serve the API until a signal.
#pragma once

#include <string>

namespace contactsd::app {

struct ServeConfig {
  std::string db_url;
  std::string model;   // a built-in name or a path
  std::string listen;  // HOST:PORT
  int threads = 2;
  int worker_threads = 16;           // run the handlers of writes, off the I/O threads
  int db_pool = 0;                   // PostgreSQL connections; 0: threads + worker_threads
  std::string sqlite_sync = "full";  // "full" or "normal": SQLite's synchronous level
  std::string jwt_secret;
  std::string jwt_public_key_path;
  bool access_log = true;
};

// Returns the process exit code: 0 after a clean shutdown, 1 when it cannot start.
int ServeCommand(const ServeConfig& config);

}  // namespace contactsd::app
