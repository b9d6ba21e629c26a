#include "pg_test_schema.hpp"

#include "common/crypto.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <stdexcept>

namespace contactsd::store::test {
namespace {

std::string RandomName() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string name = "t_";
  for (unsigned char byte : RandomBytes(8)) {
    name += kHex[byte >> 4];
    name += kHex[byte & 0xf];
  }
  return name;
}

std::unique_ptr<postgres::Connection> Connect(const std::string& url) {
  auto connection = postgres::Connection::Open(url);
  if (!connection) {
    throw std::runtime_error("cannot reach the test server: " + connection.error().internal);
  }
  return std::move(*connection);
}

}  // namespace

const char* PostgresTestUrl() {
  const char* url = std::getenv("CONTACTSD_TEST_PG_URL");
  return url != nullptr && *url != '\0' ? url : nullptr;
}

TestSchema::TestSchema(std::string base_url) : base_url_(std::move(base_url)), name_(RandomName()) {
  auto creator = Connect(base_url_);
  const std::string create = "CREATE SCHEMA " + name_;
  if (auto created = creator->Exec(create.c_str()); !created) {
    throw std::runtime_error("CREATE SCHEMA failed: " + created.error().internal);
  }
  admin_ = Connect(Url());
}

TestSchema::~TestSchema() {
  admin_.reset();
  auto dropper = postgres::Connection::Open(base_url_);
  if (!dropper) return;
  const std::string drop = "DROP SCHEMA " + name_ + " CASCADE";
  (void)(*dropper)->Exec(drop.c_str());
}

std::string TestSchema::Url(std::string_view extra, std::string_view settings) const {
  std::string url = base_url_;
  url += url.find('?') == std::string::npos ? '?' : '&';
  url += "options=-c%20search_path%3D" + name_;
  if (!settings.empty()) url += "%20" + std::string(settings);
  if (!extra.empty()) url += "&" + std::string(extra);
  return url;
}

std::string TestSchema::Value(const std::string& sql) {
  auto rows = admin_->Exec(sql.c_str());
  EXPECT_TRUE(rows.ok()) << sql << ": " << rows.error().internal;
  if (!rows.ok() || rows->empty()) return "";
  return std::string(rows->Text(0, 0));
}

}  // namespace contactsd::store::test
