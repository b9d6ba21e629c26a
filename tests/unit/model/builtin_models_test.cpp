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

TEST(BuiltinModels, GiftingHasTheDocumentedContract) {
  const BuiltinModel* gifting = nullptr;
  for (const auto& builtin : BuiltinModels()) {
    if (builtin.name == "gifting") gifting = &builtin;
  }
  ASSERT_NE(gifting, nullptr);
  auto m = Model::Parse(gifting->json_text);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->base_path(), "");
  EXPECT_TRUE(m->replace_enabled());
  EXPECT_TRUE(m->archived_hidden());
  EXPECT_EQ(m->collections(), (std::vector<std::string>{"lists", "labels"}));
  EXPECT_EQ(m->FindField("lists")->references, "lists");
  EXPECT_EQ(m->FindField("labels")->references, "labels");
  EXPECT_TRUE(m->FindField("lists")->dedupe);
  for (const char* required :
       {"first_name", "last_name", "email", "country", "city", "state", "zip", "contact_type"}) {
    EXPECT_TRUE(m->FindField(required)->required) << required;
  }
  ASSERT_EQ(m->subdivision_rules().size(), 1u);
  EXPECT_EQ(m->subdivision_rules()[0].countries, (std::vector<std::string>{"US", "CA"}));
  ASSERT_EQ(m->one_of_required_rules().size(), 1u);
  ASSERT_EQ(m->list_filters().size(), 2u);
  EXPECT_EQ(m->list_filters()[0].param, "list_id");
  EXPECT_EQ(m->list_filters()[1].param, "label_id");
}

}  // namespace
}  // namespace contactsd::model

namespace contactsd::model {
namespace {

const BuiltinModel* Builtin(std::string_view name) {
  for (const auto& m : BuiltinModels()) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

TEST(BuiltinModels, ProspectsIsASharedCatalogueWithPaidUnlocks) {
  const BuiltinModel* builtin = Builtin("prospects");
  ASSERT_NE(builtin, nullptr);
  auto m = Model::Parse(builtin->json_text);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->base_path(), "/api/v1");
  EXPECT_EQ(m->tenancy(), Tenancy::kCatalogue);
  EXPECT_FALSE(m->archiving_enabled());
  EXPECT_TRUE(m->PlanMayWrite("internal"));
  EXPECT_FALSE(m->PlanMayWrite("free"));
  ASSERT_NE(m->unlocks(), nullptr);
  EXPECT_EQ(m->unlocks()->cost_field->name, "unlock_cost");
  EXPECT_TRUE(m->PlanHasFullAccess("internal"));
  // The contact details are gated; PATCH may change only name, title and is_district_contact.
  std::vector<std::string> gated, updatable;
  for (const auto& f : m->fields()) {
    if (f.gated) gated.push_back(f.name);
    if (!f.create_only && !f.read_only) updatable.push_back(f.name);
  }
  EXPECT_EQ(gated, (std::vector<std::string>{"email", "phone", "linkedin_url"}));
  EXPECT_EQ(updatable, (std::vector<std::string>{"name", "title", "is_district_contact"}));
  EXPECT_FALSE(m->FindField("name")->nullable);
  EXPECT_TRUE(m->FindField("title")->nullable);
  EXPECT_TRUE(m->FindField("is_district_contact")->nullable);
}

}  // namespace
}  // namespace contactsd::model
