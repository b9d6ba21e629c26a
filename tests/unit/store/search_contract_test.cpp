// The search part of the Store contract: the terms a write gives a contact find it by prefix
// (ListQuery::search_prefix), in id order after the cursor, in its tenant only; an update moves
// them; erasure removes those the service names.
#include "store_contract.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace contactsd::store::test {
namespace {

std::vector<std::string> Found(Store& store, const std::string& org, const std::string& prefix,
                               std::optional<std::string> after = std::nullopt,
                               bool archived = false) {
  ListQuery query;
  query.org_id = org;
  query.limit = 100;
  query.search_prefix = prefix;
  query.after_id = std::move(after);
  query.include_archived = archived;
  auto page = store.ListContacts(query);
  EXPECT_TRUE(page.ok()) << page.error().internal;
  std::vector<std::string> ids;
  if (page.ok()) {
    for (const Contact& c : *page) ids.push_back(c.id);
  }
  return ids;
}

TEST_P(StoreContractTest, SearchTermsFindTheirContactByPrefix) {
  CreateOrg("org-a");
  CreateOrg("org-b");
  std::vector<ContactOp> ops(3);
  ops[0].create.contact = NewContact("org-a", R"({"n":"ada"})");
  ops[0].create.terms = {"ada", "ada@x.io", "lovelace"};
  ops[1].create.contact = NewContact("org-a", R"({"n":"adam"})");
  ops[1].create.terms = {"adam"};
  ops[2].create.contact = NewContact("org-a", R"({"n":"bob"})");
  ops[2].create.terms = {"bob", "\xC3\xA9mile"};
  auto created =
      store().WriteContacts("org-a", std::move(ops), true, ChangeOrigin::System(), nullptr);
  ASSERT_TRUE(created.ok());
  const std::string ada = (*created)[0].contact->id;
  const std::string adam = (*created)[1].contact->id;
  const std::string bob = (*created)[2].contact->id;
  EXPECT_EQ(Found(store(), "org-a", "ad"), (std::vector<std::string>{ada, adam}));
  EXPECT_EQ(Found(store(), "org-a", "ada"), (std::vector<std::string>{ada, adam}));
  EXPECT_EQ(Found(store(), "org-a", "adam"), std::vector<std::string>{adam});
  EXPECT_EQ(Found(store(), "org-a", "lo"), std::vector<std::string>{ada});
  EXPECT_EQ(Found(store(), "org-a", "\xC3\xA9"), std::vector<std::string>{bob});
  EXPECT_EQ(Found(store(), "org-a", "ad", ada), std::vector<std::string>{adam});  // the cursor
  EXPECT_EQ(Found(store(), "org-a", "c"), std::vector<std::string>{});
  EXPECT_EQ(Found(store(), "org-b", "ad"), std::vector<std::string>{});  // another tenant

  // An update moves the terms it names; an archived contact is found only when asked.
  auto moved = store().UpdateContact("org-a", ada, [](const Contact& c) -> Result<ContactWrite> {
    ContactWrite write;
    write.doc = c.doc;
    write.updated_at_ms = 5'000;
    write.archived_at_ms = 5'000;
    write.archived_by = "t";
    write.terms_removed = {"ada"};
    write.terms_added = {"augusta"};
    return write;
  });
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(Found(store(), "org-a", "ad"), std::vector<std::string>{adam});
  EXPECT_EQ(Found(store(), "org-a", "au"), std::vector<std::string>{});
  EXPECT_EQ(Found(store(), "org-a", "au", std::nullopt, true), std::vector<std::string>{ada});

  // Erasure removes what the service says the contact holds.
  ASSERT_TRUE(store()
                  .EraseContact("org-a", bob, 6'000, ChangeOrigin::System(),
                                [](const Contact&) {
                                  return std::vector<std::string>{"bob", "\xC3\xA9mile"};
                                })
                  .ok());
  EXPECT_EQ(Found(store(), "org-a", "b", std::nullopt, true), std::vector<std::string>{});
  EXPECT_EQ(Found(store(), "org-a", "\xC3\xA9", std::nullopt, true), std::vector<std::string>{});
}

}  // namespace
}  // namespace contactsd::store::test
