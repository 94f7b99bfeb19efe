// The semantic diff of two ruleset versions: layout and comments are not changes; each kind of
// edit is found, named and said to be stricter, looser, shorter or longer where that is known.
#include <evenhand/standard/diff.hpp>

#include "edited_demo.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

using namespace evenhand;
using testing::demo_dir;
using testing::edit_file;
using testing::edited_demo;
using testing::load;

namespace {

const std::string food = "items/food-business-licence.yaml";

/// The changes of item `code` (the only item that differs).
const std::vector<standard::change>& changes_of(const standard::ruleset_diff& d, std::string_view code) {
  REQUIRE(d.items.size() == 1);
  REQUIRE(d.items[0].code == code);
  return d.items[0].changes;
}

standard::ruleset_diff diff_against_demo(const std::filesystem::path& dir) {
  auto before = load(demo_dir);
  auto after = load(dir);
  return standard::diff_rulesets(*before, *after);
}

}  // namespace

TEST_CASE("diff: comments, layout and whitespace inside expressions are no change") {
  auto dir = edited_demo("diff-layout", food, "legal: 10 workdays          # 办法第二十二条", "legal: 10 workdays  # 修改了注释");
  edit_file(dir, food, "require: size(scope) > 0", "require: 'size( scope )>0'");
  edit_file(dir, food, "  - { id: licence-fee, name: 食品经营许可证工本费, amount: 0, basis: [XKF-58] }",
            "  - id: licence-fee\n    name: 食品经营许可证工本费\n    amount: 0\n    basis: [XKF-58]");
  auto d = diff_against_demo(dir);
  CHECK(d.equal());
  CHECK(standard::to_text(d) == "no differences\n");
  CHECK(standard::to_json(d) ==
        R"({"equal":true,"items":[],"ruleset":[],"summary":{"changed":0,"changes":0,"items_added":0,"items_changed":0,"items_removed":0,"longer":0,"looser":0,"shorter":0,"stricter":0}})");
}

TEST_CASE("diff: deadlines are shorter or longer") {
  auto dir = edited_demo("diff-deadline", food, "legal: 10 workdays", "legal: 8 workdays");
  edit_file(dir, food, "extension: { max: 5 workdays }", "extension: { max: 7 workdays }");
  auto d = diff_against_demo(dir);
  const auto& cs = changes_of(d, "SCJG-XK-001");
  REQUIRE(cs.size() == 2);
  CHECK(cs[0].element == "deadline");
  CHECK(cs[0].id == "legal");
  CHECK(cs[0].before == "10 workdays");
  CHECK(cs[0].after == "8 workdays");
  CHECK(cs[0].effect == standard::change_effect::shorter);
  CHECK(cs[1].id == "extension");
  CHECK(cs[1].effect == standard::change_effect::longer);
  CHECK(standard::to_text(d) ==
        "~ SCJG-XK-001 食品经营许可（新办） 2026.1 (from 2026-01-01): 2 changes\n"
        "  ~ deadline legal (shorter): 10 workdays → 8 workdays\n"
        "  ~ deadline extension (longer): 5 workdays → 7 workdays\n"
        "2 changes: 0 stricter, 0 looser, 1 shorter, 1 longer, 0 changed; items: 1 changed, 0 added, 0 removed\n");
}

TEST_CASE("diff: materials — new, removed, tolerable, copies, a new required_when") {
  auto dir = edited_demo("diff-materials", food, "    tolerable: true\n    note: 可容缺受理",
                         "    tolerable: false\n    note: 可容缺受理");
  edit_file(dir, food, "  - id: legal-rep-id\n    name: 法定代表人（负责人）居民身份证\n    form: copy\n    copies: 1",
            "  - id: legal-rep-id\n    name: 法定代表人（负责人）居民身份证\n    form: copy\n    copies: 2");
  edit_file(dir, food, "  - id: facilities\n    name: 主要设备设施清单和操作流程说明\n",
            "  - id: facilities\n    name: 主要设备设施清单和操作流程说明\n    required_when: catering\n");
  edit_file(dir, food, "  - id: commitment-letter\n    name: 食品经营许可告知承诺书\n    required_when: commitment\n    form: original\n    copies: 1\n    basis: [GBF-2020-42]\n",
            "  - id: staff-list\n    name: 从业人员名单\n    form: original\n    copies: 1\n    basis: [SPJY-13]\n");
  auto d = diff_against_demo(dir);
  const auto& cs = changes_of(d, "SCJG-XK-001");
  REQUIRE(cs.size() == 5);
  auto is = [](const standard::change& c, std::string_view id, standard::change_kind k, std::string_view aspect, standard::change_effect e) {
    CHECK(c.element == "material");
    CHECK(c.id == id);
    CHECK(c.kind == k);
    CHECK(c.aspect == aspect);
    CHECK(c.effect == e);
  };
  // In the new file's order, the removed one after.
  is(cs[0], "legal-rep-id", standard::change_kind::changed, "copies", standard::change_effect::stricter);
  is(cs[1], "facilities", standard::change_kind::changed, "required_when", standard::change_effect::looser);
  CHECK_FALSE(cs[1].before);
  CHECK(cs[1].after == "catering");
  is(cs[2], "layout-plan", standard::change_kind::changed, "tolerable", standard::change_effect::stricter);
  is(cs[3], "staff-list", standard::change_kind::added, "", standard::change_effect::stricter);
  CHECK(cs[3].after == "从业人员名单");
  is(cs[4], "commitment-letter", standard::change_kind::removed, "", standard::change_effect::looser);
  CHECK(cs[4].basis == std::vector<std::string>{"GBF-2020-42"});
}

TEST_CASE("diff: conditions — changed expression with its message and basis, removed, added") {
  auto dir = edited_demo("diff-conditions", food, "    require: size(scope) > 0\n", "    require: size(scope) > 1\n");
  edit_file(dir, food, "  - id: semi-only-central-kitchen\n", "  - id: semi-central\n");
  auto d = diff_against_demo(dir);
  const auto& cs = changes_of(d, "SCJG-XK-001");
  REQUIRE(cs.size() == 3);
  CHECK(cs[0].id == "scope-declared");
  CHECK(cs[0].aspect == "require");
  CHECK(cs[0].before == "size(scope) > 0");
  CHECK(cs[0].after == "size(scope) > 1");
  CHECK(cs[0].message == "申请书未填写经营项目，请补正。");
  CHECK(cs[0].basis == std::vector<std::string>{"SPJY-11", "XKF-32"});
  CHECK(cs[1].id == "semi-central");
  CHECK(cs[1].kind == standard::change_kind::added);
  CHECK(cs[1].effect == standard::change_effect::stricter);
  CHECK(cs[2].id == "semi-only-central-kitchen");
  CHECK(cs[2].kind == standard::change_kind::removed);
  CHECK(cs[2].effect == standard::change_effect::looser);
  std::string text = standard::to_text(d);
  CHECK(text.find("  ~ condition scope-declared require (changed): size(scope) > 0 → size(scope) > 1\n"
                  "      message: 申请书未填写经营项目，请补正。\n      basis: SPJY-11, XKF-32\n") != std::string::npos);
}

TEST_CASE("diff: table rows are matched by content: one changed, one added") {
  auto dir = edited_demo("diff-rows", food, "'许可前现场核查（集体用餐配送）', 2 ]", "'许可前现场核查（集体用餐配送）', 3 ]");
  edit_file(dir, food, "      - [ '-',                         '-', '-',    '许可前现场核查', 2 ]",
            "      - [ '-',                         '-', 'false', '许可前现场核查', 2 ]\n"
            "      - [ '-',                         '-', '-',    '许可前现场核查', 2 ]");
  auto d = diff_against_demo(dir);
  const auto& cs = changes_of(d, "SCJG-XK-001");
  REQUIRE(cs.size() == 2);
  CHECK(cs[0].element == "row");
  CHECK(cs[0].id == "review_mode#2");
  CHECK(cs[0].kind == standard::change_kind::changed);
  CHECK(cs[0].before == "[-, -, true → 许可前现场核查（集体用餐配送）, 2]");
  CHECK(cs[0].after == "[-, -, true → 许可前现场核查（集体用餐配送）, 3]");
  CHECK(cs[1].id == "review_mode#5");
  CHECK(cs[1].kind == standard::change_kind::added);
}

TEST_CASE("diff: items added, removed, and a new version matched to the old one") {
  auto dir = edited_demo("diff-items", food, "  version: \"2026.1\"\n  kind: 行政许可\n  effective: { from: 2026-01-01 }",
                         "  version: \"2026.2\"\n  kind: 行政许可\n  effective: { from: 2026-04-01 }");
  std::filesystem::remove(dir / "items/road-transport-driver-certificate.yaml");
  std::filesystem::remove(dir / "tests/road-transport-driver-certificate.yaml");
  std::filesystem::copy(dir / "items/eia-report-approval.yaml", dir / "items/eia-copy.yaml");
  edit_file(dir, "items/eia-copy.yaml", "code: \"HB-XK-001\"", "code: \"HB-XK-009\"");
  auto d = diff_against_demo(dir);
  REQUIRE(d.items.size() == 3);
  CHECK(d.items[0].code == "HB-XK-009");
  CHECK_FALSE(d.items[0].old_version);
  CHECK(d.items[1].code == "JT-XK-001");
  CHECK_FALSE(d.items[1].new_version);
  CHECK(d.items[2].code == "SCJG-XK-001");
  REQUIRE(d.items[2].changes.size() == 2);
  CHECK(d.items[2].changes[0].aspect == "version");
  CHECK(d.items[2].changes[1].aspect == "effective_from");
  std::string text = standard::to_text(d);
  CHECK(text.find("+ HB-XK-009 ") == 0);
  CHECK(text.find("\n- JT-XK-001 经营性道路客货运输驾驶员从业资格证件换发、补发 2026.1 (from 2025-01-01): removed\n") != std::string::npos);
  CHECK(text.find("~ SCJG-XK-001 食品经营许可（新办） 2026.1 (from 2026-01-01) → 2026.2 (from 2026-04-01): 2 changes\n") !=
        std::string::npos);
  std::string json = standard::to_json(d);
  CHECK(json.starts_with(R"({"equal":false,"items":[{"changes":[],"code":"HB-XK-009",)"));
  CHECK(json.find(R"("status":"removed")") != std::string::npos);
  CHECK(json.find(' ') == std::string::npos);  // no insignificant whitespace (and none in these texts)
}

TEST_CASE("diff: the calendar, day by day") {
  auto dir = edited_demo("diff-calendar", "calendars/cn-mainland/2026.yaml", "  - { date: 2026-02-28, name: 春节 }\n", "");
  auto d = diff_against_demo(dir);
  CHECK(d.items.empty());
  REQUIRE(d.ruleset.size() == 1);
  CHECK(d.ruleset[0].element == "calendar");
  CHECK(d.ruleset[0].id == "2026-02-28");
  CHECK(d.ruleset[0].before == "workday");
  CHECK(d.ruleset[0].after == "off day");
}
