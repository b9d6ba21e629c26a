#include "common/secret_box.hpp"

#include "store/temp_dir.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sys/stat.h>

namespace contactsd {
namespace {

TEST(SecretBox, OpensWhatItSealedAndNothingElse) {
  const SecretBox box(std::string(32, 'k'));
  const std::string sealed = box.Seal("whsec_secret");
  EXPECT_TRUE(SecretBox::IsSealed(sealed));
  EXPECT_EQ(sealed.find("whsec_secret"), std::string::npos);
  EXPECT_EQ(box.Open(sealed), "whsec_secret");
  EXPECT_NE(box.Seal("whsec_secret"), sealed);  // a new nonce every time

  const SecretBox other(std::string(32, 'o'));
  EXPECT_FALSE(other.Open(sealed));  // another key
  std::string altered = sealed;
  altered[altered.size() - 3] = altered[altered.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(box.Open(altered));
  EXPECT_FALSE(box.Open("whsec_secret"));  // not sealed
  EXPECT_FALSE(box.Open("sealed1:%%%"));
}

TEST(SecretBox, MakesItsKeyFileOnceOwnerOnly) {
  store::test::TempDir dir;
  const std::string path = (dir.path() / "secrets.key").string();
  EXPECT_FALSE(SecretBox::FromKeyFile(path, false).ok());  // missing, and not to be made
  auto first = SecretBox::FromKeyFile(path, true);
  ASSERT_TRUE(first.ok()) << first.error().internal;
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = SecretBox::FromKeyFile(path, true);  // kept, not replaced
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->Open(first->Seal("x")), "x");

  std::ofstream(dir.path() / "bad.key") << "not a key\n";
  EXPECT_FALSE(SecretBox::FromKeyFile((dir.path() / "bad.key").string(), false).ok());
}

}  // namespace
}  // namespace contactsd
