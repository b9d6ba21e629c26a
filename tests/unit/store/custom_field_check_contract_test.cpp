// The custom-field part of the Store contract: a write carries the definitions its custom values
// were checked against (ContactWrite::custom_fields, NewContact::custom_fields), and the store
// refuses it in its transaction, with nothing written, when one of them has changed or gone
// since (409 custom_field_changed): a value the definition no longer allows is never stored.
#include "store_contract.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace contactsd::store::test {
namespace {

const ChangeOrigin kCustomFieldAdmin{"api_key", "key-sync", "req-cf"};

// The tenant's "tier" enum as a write was checked against it.
CustomField TierEnum(std::string options_json) {
  return {"org-a", "tier", "enum", std::move(options_json), 0};
}

void ExpectDefinitionChanged(const Error& error) {
  EXPECT_EQ(error.code, ErrorCode::kConflict);
  EXPECT_EQ(error.error, "custom_field_changed");
  ASSERT_EQ(error.details.size(), 1u);
  EXPECT_EQ(error.details[0].field, "tier");
}

// The stored contact has `expected`'s document and version.
void ExpectDocAndVersion(Store& store, const Contact& expected) {
  auto stored = store.GetContact(expected.org_id, expected.id);
  ASSERT_TRUE(stored.ok()) << stored.error().message;
  EXPECT_EQ(stored->doc, expected.doc);
  EXPECT_EQ(stored->version, expected.version);
}

ContactOp CheckedCreateOp(Contact contact, std::vector<CustomField> checked) {
  ContactOp op;
  op.kind = ContactOp::Kind::kCreate;
  op.create.contact = std::move(contact);
  op.create.custom_fields = std::move(checked);
  return op;
}

TEST_P(StoreContractTest, AnUpdateCheckedAgainstAChangedDefinitionWritesNothing) {
  CreateOrg("org-a");
  ASSERT_TRUE(store().CreateCustomField(TierEnum(R"(["gold","silver"])")).ok());
  Contact contact = CreateContact("org-a", R"({"custom_fields":{}})", {});
  auto set_gold = [](CustomField checked) {
    return [checked](const Contact&) {
      ContactWrite write;
      write.doc = R"({"custom_fields":{"tier":"gold"}})";
      write.updated_at_ms = 2'000;
      write.keys_unchanged = true;
      write.custom_fields = {checked};
      return Result<ContactWrite>(std::move(write));
    };
  };
  // Checked before "gold" went.
  auto changed = store().UpdateCustomField(TierEnum(R"(["silver"])"), "custom_fields", {"gold"},
                                           "{}", 1'900, kCustomFieldAdmin);
  ASSERT_TRUE(changed.ok()) << changed.error().internal;
  ASSERT_EQ(*changed, 0);
  auto refused =
      store().UpdateContact("org-a", contact.id, set_gold(TierEnum(R"(["gold","silver"])")));
  ASSERT_FALSE(refused.ok());
  ExpectDefinitionChanged(refused.error());
  ExpectDocAndVersion(store(), contact);

  // Checked before the field went.
  auto deleted = store().DeleteCustomField(
      "org-a", "tier", "custom_fields", "{}", 1'950,
      [](const Contact&) -> Result<DocChange> { return Error::Internal("no contact holds it"); },
      kCustomFieldAdmin);
  ASSERT_TRUE(deleted.ok()) << deleted.error().internal;
  refused = store().UpdateContact("org-a", contact.id, set_gold(TierEnum(R"(["silver"])")));
  ASSERT_FALSE(refused.ok());
  ExpectDefinitionChanged(refused.error());
  ExpectDocAndVersion(store(), contact);

  // Checked against the definition as it is: written.
  ASSERT_TRUE(store().CreateCustomField(TierEnum(R"(["gold"])")).ok());
  auto written = store().UpdateContact("org-a", contact.id, set_gold(TierEnum(R"(["gold"])")));
  ASSERT_TRUE(written.ok()) << written.error().internal;
  EXPECT_EQ(written->version, 2);
  ExpectDocAndVersion(store(), *written);
}

TEST_P(StoreContractTest, ACreateCheckedAgainstAChangedDefinitionStoresNothing) {
  CreateOrg("org-a");
  ASSERT_TRUE(store().CreateCustomField(TierEnum(R"(["gold","silver"])")).ok());
  const CustomField before = TierEnum(R"(["gold","silver"])");
  ASSERT_TRUE(store()
                  .UpdateCustomField(TierEnum(R"(["silver"])"), "custom_fields", {"gold"}, "{}",
                                     1'900, kCustomFieldAdmin)
                  .ok());
  const CustomField now = TierEnum(R"(["silver"])");
  for (const bool atomic : {true, false}) {
    // An atomic batch of plain creates (written many to a statement where the backend can),
    // and each create on its own.
    std::vector<ContactOp> ops;
    std::vector<std::string> ids;
    for (int i = 0; i < 3; ++i) {
      Contact c = NewContact("org-a", R"({"custom_fields":{"tier":"silver"}})");
      ids.push_back(c.id);
      ops.push_back(CheckedCreateOp(std::move(c), {i == 1 ? before : now}));
    }
    auto results =
        store().WriteContacts("org-a", std::move(ops), atomic, kCustomFieldAdmin, nullptr);
    ASSERT_TRUE(results.ok()) << results.error().internal;
    ASSERT_EQ(results->size(), atomic ? 2u : 3u);
    ASSERT_FALSE((*results)[1].contact.ok());
    ExpectDefinitionChanged((*results)[1].contact.error());
    EXPECT_EQ(ErrorOf(store().GetContact("org-a", ids[1])), ErrorCode::kNotFound);
    // An atomic batch stores none of them; otherwise the others are stored.
    for (int i : {0, 2}) {
      EXPECT_EQ(store().GetContact("org-a", ids[static_cast<std::size_t>(i)]).ok(), !atomic)
          << (atomic ? "atomic" : "not atomic") << ", create " << i;
    }
  }
}

}  // namespace
}  // namespace contactsd::store::test
