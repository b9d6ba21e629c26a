// The service over a real SQLite store with the built-in `prospects` model: the catalogue's
// tenancy, the write policy by plan, create-only fields, and unlocks with their access state.
#include "contacts/contacts_service.hpp"
#include "model/builtin_models.hpp"
#include "store/temp_dir.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace contactsd::contacts {
namespace {

namespace json = boost::json;

const model::Model& Prospects() {
  static const model::Model model = [] {
    for (const auto& builtin : model::BuiltinModels()) {
      if (builtin.name == "prospects")
        return std::move(model::Model::Parse(builtin.json_text)).value();
    }
    throw std::runtime_error("no built-in prospects model");
  }();
  return model;
}

json::object Obj(std::string_view text) { return json::parse(text).as_object(); }

class CatalogueServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::OpenStore("sqlite:" + (dir_.path() / "t.db").string());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(*opened);
    ASSERT_TRUE(store_->CreateOrg({"org-internal", "Ops", "internal", 0, 1}).ok());
    ASSERT_TRUE(store_->CreateOrg({"org-customer", "Buyer", "free", 5, 1}).ok());
    service_ = std::make_unique<ContactsService>(
        Prospects(), *store_, [this] { return now_; }, std::string(32, 's'));
  }

  std::int64_t Credits(const std::string& org) { return store_->GetOrg(org)->credits; }

  ContactView Create(std::string_view body) {
    auto created = service_->Create(internal_, Obj(body));
    EXPECT_TRUE(created.ok()) << created.error().message;
    return created.ok() ? *created : ContactView{};
  }

  store::test::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<ContactsService> service_;
  std::int64_t now_ = 1'700'000'000'000;
  const Principal internal_{"org-internal", "internal", "key-i", "api_key", {}};
  const Principal customer_{"org-customer", "free", "key-c", "api_key", {}};
};

TEST_F(CatalogueServiceTest, ContactsLiveInTheCatalogueNotInTheWritersOrg) {
  ContactView c = Create(R"({"name":"Ada","email":"ada@school.org"})");
  EXPECT_EQ(c.stored.org_id, store::kCatalogueTenantId);
  EXPECT_TRUE(store_->GetContact(store::kCatalogueTenantId, c.stored.id).ok());
  EXPECT_FALSE(store_->GetContact("org-internal", c.stored.id).ok());
  // Every org reads it.
  auto seen = service_->Get(customer_, c.stored.id);
  ASSERT_TRUE(seen.ok());
  EXPECT_EQ(seen->record.at("name"), "Ada");
  auto page = service_->List(customer_, 10, "");
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].stored.id, c.stored.id);
}

TEST_F(CatalogueServiceTest, OnlyTheWritePlansWrite) {
  EXPECT_TRUE(service_->MayWrite(internal_).ok());
  auto refused = service_->MayWrite(customer_);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kForbidden);
  auto create = service_->Create(customer_, Obj(R"({"name":"Eve"})"));
  ASSERT_FALSE(create.ok());
  EXPECT_EQ(create.error().code, ErrorCode::kForbidden);
  EXPECT_TRUE(service_->List(internal_, 10, "")->items.empty());

  ContactView c = Create(R"({"name":"Ada"})");
  auto patch = service_->Patch(customer_, c.stored.id, Obj(R"({"name":"Eve"})"), {});
  ASSERT_FALSE(patch.ok());
  EXPECT_EQ(patch.error().code, ErrorCode::kForbidden);
  EXPECT_EQ(service_->Get(internal_, c.stored.id)->record.at("name"), "Ada");
  // No archiving in this model, whoever asks.
  EXPECT_EQ(service_->Archive(internal_, c.stored.id).error().code, ErrorCode::kNotFound);
}

TEST_F(CatalogueServiceTest, APatchChangesOnlyTheEditableFields) {
  ContactView c = Create(R"({"name":"Ada","state":"NY","unlock_cost":2})");
  auto refused = service_->Patch(internal_, c.stored.id,
                                 Obj(R"({"name":"Bea","state":"CA","unlock_cost":0})"), {});
  ASSERT_FALSE(refused.ok());
  ASSERT_EQ(refused.error().details.size(), 2u);
  EXPECT_EQ(refused.error().details[0].field, "state");
  EXPECT_EQ(refused.error().details[1].field, "unlock_cost");
  now_ += 1000;
  auto patched = service_->Patch(
      internal_, c.stored.id, Obj(R"({"name":"Bea","title":null,"is_district_contact":true})"), {});
  ASSERT_TRUE(patched.ok()) << patched.error().message;
  EXPECT_EQ(patched->record.at("name"), "Bea");
  EXPECT_EQ(patched->record.at("state"), "NY");
  EXPECT_EQ(patched->stored.updated_at_ms, now_);
  // {} changes nothing, not even the time.
  now_ += 1000;
  auto same = service_->Patch(internal_, c.stored.id, Obj("{}"), {});
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->stored.updated_at_ms, now_ - 1000);
}

TEST_F(CatalogueServiceTest, AnUnlockIsPaidOnceAndOpensTheContactForThatOrgOnly) {
  ContactView c = Create(R"({"name":"Ada","email":"ada@school.org","unlock_cost":2})");
  auto before = service_->Get(customer_, c.stored.id);
  ASSERT_TRUE(before.ok());
  EXPECT_FALSE(before->access.unlocked);
  EXPECT_FALSE(before->access.full_access);

  now_ += 5;
  auto unlocked = service_->Unlock(customer_, c.stored.id);
  ASSERT_TRUE(unlocked.ok()) << unlocked.error().message;
  EXPECT_TRUE(unlocked->access.unlocked);
  EXPECT_EQ(unlocked->access.unlocked_at_ms, now_);
  EXPECT_EQ(unlocked->access.credits_spent, 2);
  EXPECT_EQ(Credits("org-customer"), 3);

  auto again = service_->Unlock(customer_, c.stored.id);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->access.unlocked_at_ms, now_);
  EXPECT_EQ(Credits("org-customer"), 3);
  auto page = service_->List(customer_, 10, "");
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->items.at(0).access.unlocked);

  // The internal org sees everything and pays nothing for it.
  auto by_internal = service_->Unlock(internal_, c.stored.id);
  ASSERT_TRUE(by_internal.ok());
  EXPECT_TRUE(by_internal->access.full_access);
  EXPECT_FALSE(by_internal->access.unlocked);
  EXPECT_EQ(Credits("org-internal"), 0);
}

TEST_F(CatalogueServiceTest, TooFewCreditsIsA402AndSpendsNothing) {
  ContactView c = Create(R"({"name":"Ada","unlock_cost":6})");
  auto refused = service_->Unlock(customer_, c.stored.id);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kPaymentRequired);
  EXPECT_EQ(Credits("org-customer"), 5);
  EXPECT_FALSE(service_->Get(customer_, c.stored.id)->access.unlocked);
  EXPECT_EQ(service_->Unlock(customer_, "not-a-uuid").error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(service_->Unlock(customer_, "01900000-0000-7000-8000-000000000000").error().code,
            ErrorCode::kNotFound);
}

TEST_F(CatalogueServiceTest, UuidListFiltersMustBeUuidsAndIgnoreCase) {
  Create(R"({"name":"Ada","district_id":"0190A0B0-C0D0-7000-8000-00000000000D"})");
  auto found =
      service_->List(customer_, 10, "", {{"district_id", "0190a0b0-c0d0-7000-8000-00000000000D"}});
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->items.size(), 1u);
  auto bad = service_->List(customer_, 10, "", {{"district_id", "nope"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().error, "invalid_query");
}

}  // namespace
}  // namespace contactsd::contacts
