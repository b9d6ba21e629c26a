// The hot path's promise, checked by counting: merging a PATCH into a record parsed into an
// arena, writing the record back as text and writing the response, each into room it was
// given, take nothing from the heap. Every built-in model's response is checked.
#include "common/allocation_counter.hpp"
#include "model/builtin_models.hpp"
#include "model/json_text.hpp"
#include "model/model.hpp"
#include "model/patch_validator.hpp"
#include "model/projection.hpp"
#include "model/record.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace contactsd::model {
namespace {

namespace json = boost::json;
using test::AllocationsOf;

constexpr char kStoredContact[] =
    R"({"first_name":"Ada","last_name":"Lovelace","email":"ada@example.com",)"
    R"("phone":"+442079460958","company":"Analytical Engines Ltd","title":"Engineer",)"
    R"("notes":"seeded for the benchmark, seeded for the benchmark, seeded for the benchmark",)"
    R"("tags":["seed","s1"],"owner":null,"external_id":"ext-1","custom_fields":{"tier":"gold"}})";

TEST(HotPathAllocations, CountingSeesAnAllocation) {
  // The counter itself works: otherwise every zero below would mean nothing.
  static std::string kept;  // outlives the call, so the allocation cannot be elided
  kept.clear();
  kept.shrink_to_fit();  // with --gtest_repeat, the last run's buffer would be reused
  EXPECT_GE(AllocationsOf([] { kept.assign(100, 'x'); }), 1);
}

TEST(HotPathAllocations, ValidatingAPatchIntoAnArenaTakesNothingFromTheHeap) {
  const Model model = std::move(Model::Parse(BuiltinModels().front().json_text)).value();
  FieldSpec region;
  region.name = "region";
  region.type = FieldType::kString;
  const std::vector<FieldSpec> custom = {region};
  const json::object fields =
      json::parse(R"({"email":" Ada.Lovelace@Example.com ","title":"Principal Engineer",)"
                  R"("notes":"benchmark update 17",)"
                  R"("tags":["bench","t7","bench"],"custom_fields":{"region":"emea"}})")
          .as_object();
  unsigned char buffer[4096];
  json::monotonic_resource arena(buffer, sizeof buffer);
  std::optional<PatchCheck> check;  // emplaced: assigning would copy out of the arena
  EXPECT_EQ(AllocationsOf([&] {
              check.emplace(CheckPatch(model, fields, custom, WriteKind::kUpdate, &arena));
            }),
            0);
  EXPECT_TRUE(check->errors.empty());
  EXPECT_EQ(json::serialize(check->normalized),
            R"({"email":"ada.lovelace@example.com","title":"Principal Engineer",)"
            R"("notes":"benchmark update 17",)"
            R"("tags":["bench","t7"],"custom_fields":{"region":"emea"}})");
}

TEST(HotPathAllocations, MergeAndEncodeOfAPatchTakeNothingFromTheHeap) {
  const Model model = std::move(Model::Parse(BuiltinModels().front().json_text)).value();
  const json::object patch =
      json::parse(R"({"email":" Ada.Lovelace@Example.com ","title":"Principal Engineer",)"
                  R"("notes":"benchmark update 17",)"
                  R"("tags":["bench","t7"],"custom_fields":{"tier":null,"region":"emea"}})")
          .as_object();
  unsigned char buffer[8192];
  json::monotonic_resource arena(buffer, sizeof buffer);
  json::object record = json::parse(kStoredContact, &arena).as_object();
  std::string text;
  text.reserve(4096);

  bool changed = false;
  EXPECT_EQ(AllocationsOf([&] { changed = ApplyPatch(model, record, patch); }), 0);
  EXPECT_TRUE(changed);
  EXPECT_EQ(AllocationsOf([&] { AppendJsonText(text, record); }), 0);
  const json::object written = json::parse(text).as_object();
  EXPECT_EQ(written.at("title"), "Principal Engineer");
  EXPECT_EQ(written.at("first_name"), "Ada");
  EXPECT_EQ(json::serialize(written.at("custom_fields")), R"({"region":"emea"})");

  // Sending what is stored already changes nothing, and says so.
  EXPECT_EQ(AllocationsOf([&] { changed = ApplyPatch(model, record, patch); }), 0);
  EXPECT_FALSE(changed);
}

TEST(HotPathAllocations, EveryBuiltInModelsResponseIsWrittenWithoutTheHeap) {
  const json::object record = json::parse(kStoredContact).as_object();
  const RecordMeta meta{"0190a5f0-7b1e-7c3a-9d2e-0123456789ab",
                        7,
                        1764033363123,
                        1764033363456,
                        1764033364000,
                        "key_123"};
  const AccessState unlocked{false, true, 1764033365000, 3};
  for (const auto& builtin : BuiltinModels()) {
    const Model model = std::move(Model::Parse(builtin.json_text)).value();
    std::string out;
    out.reserve(4096);
    EXPECT_EQ(AllocationsOf([&] { AppendProjection(out, model, meta, record, {}, &unlocked); }), 0)
        << builtin.name;
    EXPECT_TRUE(json::parse(out).is_object()) << builtin.name << ": " << out;
  }
}

}  // namespace
}  // namespace contactsd::model
