// The Store contract suite, written against `Store&` only. Each backend instantiates it with a
// StoreBackend that makes a fresh, migrated, empty database per test:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContractTest,
//                            ::testing::Values(StoreBackend{"Sqlite", MakeSqliteHarness}),
//                            StoreBackendName);
#pragma once

#include "store/store.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace contactsd::store::test {

// One fresh database and a store on it, kept alive for one test. A backend whose server is
// not available calls GTEST_SKIP() in its `make` and returns null: the test is skipped.
class StoreHarness {
 public:
  virtual ~StoreHarness() = default;
  virtual Store& store() = 0;
  // Another, independent store on the same database, as a second process would open it.
  virtual std::unique_ptr<Store> OpenAnother() = 0;
};

struct StoreBackend {
  std::string name;
  std::function<std::unique_ptr<StoreHarness>()> make;

  friend void PrintTo(const StoreBackend& backend, std::ostream* os) { *os << backend.name; }
};

// The error code of a failed result; nullopt for a success.
template <class T>
std::optional<ErrorCode> ErrorOf(const Result<T>& result) {
  if (result.ok()) return std::nullopt;
  return result.error().code;
}

inline std::string StoreBackendName(const ::testing::TestParamInfo<StoreBackend>& info) {
  return info.param.name;
}

class StoreContractTest : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override;
  Store& store() { return harness_->store(); }
  StoreHarness& harness() { return *harness_; }

  // A stored org with this id.
  void CreateOrg(const std::string& org_id);
  // A contact (not stored) of `org_id`, with a fresh time-ordered id unless one is given.
  Contact NewContact(const std::string& org_id, std::string doc, std::string id = "");
  // Stores a new contact holding `keys`; fails the test on error.
  Contact CreateContact(const std::string& org_id, std::string doc,
                        std::vector<UniqueKey> keys = {}, std::string id = "");
  // True when another active contact of the org holds `key` (probed with a throw-away
  // contact, archived again when the key was free).
  bool KeyTaken(const std::string& org_id, const UniqueKey& key);

 private:
  std::unique_ptr<StoreHarness> harness_;
  std::int64_t next_id_ms_ = 1'700'000'000'000;
};

// The credentials version, once settled (PostgreSQL's changes on every call until its listener
// is connected); and whether it moves away from `before` within a few seconds.
std::uint64_t SettledCredentialsVersion(Store& store);
bool CredentialsVersionChanges(Store& store, std::uint64_t before);

// A mutation that replaces the document and key set, or archives/restores.
Mutation Write(std::string doc, std::vector<UniqueKey> keys, std::int64_t updated_at_ms = 2'000,
               std::optional<std::int64_t> archived_at_ms = std::nullopt,
               std::string archived_by = "");

}  // namespace contactsd::store::test
