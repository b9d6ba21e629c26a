#include "model/builtin_models.hpp"

#include "model/model.hpp"

#include <gtest/gtest.h>

namespace contactsd::model {
namespace {

TEST(BuiltinModels, EveryOneParsesAndIsNamedAfterItsFile) {
  ASSERT_FALSE(BuiltinModels().empty());
  EXPECT_EQ(BuiltinModels().front().name, "standard");
  for (const auto& builtin : BuiltinModels()) {
    auto m = Model::Parse(builtin.json_text);
    ASSERT_TRUE(m.ok()) << builtin.name << ": " << m.error().message;
    EXPECT_EQ(m->name(), builtin.name);
  }
}

TEST(BuiltinModels, StandardHasTheDocumentedContract) {
  auto m = Model::Parse(BuiltinModels().front().json_text);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->base_path(), "/v1");
  EXPECT_TRUE(m->FindField("email")->unique);
  EXPECT_TRUE(m->FindField("external_id")->unique);
  EXPECT_EQ(m->FindField("phone")->type, FieldType::kPhone);
  for (const char* system : {"id", "version", "created_at", "updated_at", "archived_at"}) {
    EXPECT_TRUE(m->IsSystemName(system)) << system;
  }
}

}  // namespace
}  // namespace contactsd::model
