// 容缺 per material and on expiry (issue 19): a tolerated material's own period, and what
// happens when it is not supplied in time (视为撤回, 广东省优化营商环境条例 第三十二条).
#include "notice_fixture.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace evenhand;
using namespace notice_fixture;

namespace {

std::string with(std::string text, std::string_view from, std::string_view to) {
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

/// The test item with a second tolerated material of its own period, and the item's on_expiry.
std::string per_material_item() {
  std::string t = with(notice_item, "tolerance: { due: 5 workdays }", "tolerance: { due: 5 workdays, on_expiry: withdrawn }");
  return with(t, "    tolerable: true\n    basis: [XKF-32]\n",
              "    tolerable: true\n    basis: [XKF-32]\n"
              "  - id: site-photos\n    name: 经营场所照片\n    form: electronic\n    copies: 1\n"
              "    tolerable: { due: 10 workdays, on_expiry: overdue }\n    basis: [XKF-32]\n");
}

}  // namespace

TEST_CASE("容缺: a material may have its own due period and on_expiry; the item's are the default") {
  test_ruleset r("per-material", per_material_item());
  INFO(r.dump());
  REQUIRE(r.loaded.rules);
  const auto& item = r.loaded.rules->items.at(0);
  CHECK(item.tolerance_on_expiry == standard::expiry::withdrawn);
  auto photos = std::find_if(item.materials.begin(), item.materials.end(), [](const auto& m) { return m.id == "site-photos"; });
  REQUIRE(photos != item.materials.end());
  CHECK(photos->tolerable);
  REQUIRE(photos->tolerance_due);
  CHECK(photos->tolerance_due->amount == 10);
  CHECK(photos->on_expiry == standard::expiry::overdue);

  // Submitted Monday 2026-03-02: 5 working days → 03-09, 10 → 03-16.
  auto d = decide(r, head + "fields:\n  applicant: { name: 某公司, in_scope: true }\n  premises: { area_m2: 20 }\n" + form_only);
  CHECK(d.acceptance == eval::outcome::accept_tolerated);
  auto result = [&](std::string_view id) {
    auto it = std::find_if(d.materials.begin(), d.materials.end(), [&](const auto& m) { return m.id == id; });
    REQUIRE(it != d.materials.end());
    return *it;
  };
  auto layout = result("layout-plan");
  CHECK(layout.status == eval::material_status::tolerated);
  REQUIRE(layout.due);
  CHECK(layout.due->to_string() == "2026-03-09");
  CHECK(layout.on_expiry == standard::expiry::withdrawn);
  auto photo = result("site-photos");
  REQUIRE(photo.due);
  CHECK(photo.due->to_string() == "2026-03-16");
  CHECK(photo.on_expiry == standard::expiry::overdue);
  std::string json = eval::to_json(d);
  CHECK(json.find(R"({"due":"2026-03-09","id":"layout-plan","on_expiry":"withdrawn","status":"tolerated"})") != std::string::npos);
  CHECK(json.find(R"({"due":"2026-03-16","id":"site-photos","on_expiry":"overdue","status":"tolerated"})") != std::string::npos);
  // The notice gives each its own date.
  auto notice = std::find_if(d.notice.begin(), d.notice.end(), [](const auto& n) { return n.id == "site-photos"; });
  REQUIRE(notice != d.notice.end());
  REQUIRE(notice->due);
  CHECK(notice->due->to_string() == "2026-03-16");
}

TEST_CASE("容缺: on_expiry takes overdue or withdrawn; anything else is a located error") {
  test_ruleset bad("bad-expiry", with(notice_item, "tolerance: { due: 5 workdays }", "tolerance: { due: 5 workdays, on_expiry: lapsed }"));
  CHECK_FALSE(bad.loaded.rules);
  CHECK(std::any_of(bad.loaded.problems.begin(), bad.loaded.problems.end(),
                    [](const diagnostic& d) { return d.code == "E305" && d.message.find("on_expiry") != std::string::npos; }));
  test_ruleset unknown("bad-tolerable", with(notice_item, "    tolerable: true\n", "    tolerable: { due: 3 workdays, until: x }\n"));
  CHECK_FALSE(unknown.loaded.rules);
  CHECK(std::any_of(unknown.loaded.problems.begin(), unknown.loaded.problems.end(), [](const diagnostic& d) { return d.code == "E302"; }));
}
