// TempDir: a fresh directory (mkdtemp) removed with everything in it on destruction.
#pragma once

#include <filesystem>

namespace contactsd::store::test {

class TempDir {
 public:
  TempDir();  // throws std::runtime_error if mkdtemp fails
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace contactsd::store::test
