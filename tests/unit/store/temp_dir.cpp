#include "temp_dir.hpp"

#include <stdexcept>
#include <stdlib.h>
#include <string>
#include <system_error>

namespace contactsd::store::test {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "contactsd-store-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace contactsd::store::test
