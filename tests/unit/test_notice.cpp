// The one-time notice and 容缺 (issue 19): applicant fields asked for whichever stage reads them,
// both stages' outcomes, tolerated materials never granted around.
#include "notice_fixture.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace evenhand;
using namespace notice_fixture;

TEST_CASE("notice: an applicant field read only by a decision-stage condition is asked for, by its label") {
  test_ruleset r("decision-field");
  INFO(r.dump());
  REQUIRE(r.loaded.rules);
  // premises.area_m2 is read only by the decision stage's area-enough.
  auto d = decide(r, head + "fields:\n  applicant: { name: 某公司, in_scope: true }\n" + all_materials);
  CHECK(d.outcome == eval::outcome::correct);
  CHECK(d.stage == eval::decision_stage::acceptance);
  auto it = std::find_if(d.notice.begin(), d.notice.end(), [](const eval::notice_entry& n) {
    return n.kind == eval::notice_kind::field && n.id == "premises.area_m2";
  });
  REQUIRE(it != d.notice.end());
  CHECK(it->text == "经营场所面积（平方米）");
}

TEST_CASE("notice: only the hall's facts leave a decision pending, and they are never in the notice") {
  test_ruleset r("facts-pending");
  REQUIRE(r.loaded.rules);
  auto d = decide(r, head + "fields:\n  applicant: { name: 某公司, in_scope: true }\n  premises: { area_m2: 20 }\n" +
                         all_materials + "facts:\n  site_check: { passed: false }\n");
  CHECK(d.outcome == eval::outcome::deny);
  d = decide(r, head + "fields:\n  applicant: { name: 某公司, in_scope: true }\n  premises: { area_m2: 20 }\n" + all_materials +
                    "facts:\n  site_check: { passed: true }\n");
  CHECK(d.outcome == eval::outcome::grant);
  d = decide(r, head + "fields:\n  applicant: { name: 某公司, in_scope: true }\n  premises: { area_m2: 20 }\n" + all_materials);
  CHECK_FALSE(notice_has(d, eval::notice_kind::field, "site_check.passed"));
  CHECK(d.notice.empty());
}
