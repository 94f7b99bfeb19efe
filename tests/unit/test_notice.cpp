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

namespace {

const std::string complete_fields = "fields:\n  applicant: { name: 某公司, in_scope: true }\n  premises: { area_m2: 20 }\n";
const std::string site_passed = "facts:\n  site_check: { passed: true }\n";

bool json_has(const eval::decision& d, std::string_view text) { return eval::to_json(d).find(text) != std::string::npos; }

}  // namespace

TEST_CASE("容缺: accepted at the window with a tolerated material outstanding is accept_tolerated, never grant") {
  test_ruleset r("tolerated");
  REQUIRE(r.loaded.rules);
  // At the window: no hall fact yet. Acceptance accept_tolerated, the decision pending.
  auto d = decide(r, head + complete_fields + form_only);
  CHECK(d.acceptance == eval::outcome::accept_tolerated);
  REQUIRE(d.decided);
  CHECK(*d.decided == eval::outcome::pending);
  CHECK(d.stage == eval::decision_stage::acceptance);
  CHECK(d.outcome == eval::outcome::accept_tolerated);
  CHECK(json_has(d, R"("stages":{"acceptance":"accept_tolerated","decision":"pending"})"));
  CHECK(d.schedule.legal.has_value());  // accepted: the clock runs
  // The site check passed, the material still outstanding: pending (awaiting it), not grant.
  d = decide(r, head + complete_fields + form_only + site_passed);
  CHECK(d.acceptance == eval::outcome::accept_tolerated);
  CHECK(d.stage == eval::decision_stage::decision);
  CHECK(d.outcome == eval::outcome::pending);
  // The material supplied: granted.
  d = decide(r, head + complete_fields + all_materials + site_passed);
  CHECK(d.acceptance == eval::outcome::accept);
  CHECK(d.outcome == eval::outcome::grant);
  CHECK(json_has(d, R"("stages":{"acceptance":"accept","decision":"grant"})"));
  // deny > pending: a failed decision condition denies even with the material outstanding.
  d = decide(r, head + complete_fields + form_only + "facts:\n  site_check: { passed: false }\n");
  CHECK(d.outcome == eval::outcome::deny);
}

TEST_CASE("容缺: accept at the window; correct and reject never reach the decision stage") {
  test_ruleset r("stages");
  REQUIRE(r.loaded.rules);
  auto d = decide(r, head + complete_fields + all_materials);
  CHECK(d.acceptance == eval::outcome::accept);
  CHECK(d.stage == eval::decision_stage::acceptance);
  CHECK(d.outcome == eval::outcome::accept);
  CHECK(json_has(d, R"("stages":{"acceptance":"accept","decision":"pending"})"));
  d = decide(r, head + "fields:\n  applicant: { name: 某公司, in_scope: true }\n" + all_materials);
  CHECK(d.outcome == eval::outcome::correct);
  CHECK_FALSE(d.decided);
  CHECK(json_has(d, R"("stages":{"acceptance":"correct","decision":null})"));
  d = decide(r, head + "fields:\n  applicant: { name: 某公司, in_scope: false }\n  premises: { area_m2: 20 }\n" + all_materials);
  CHECK(d.outcome == eval::outcome::reject);
  CHECK(d.stage == eval::decision_stage::acceptance);
  CHECK(json_has(d, R"("stages":{"acceptance":"reject","decision":null})"));
}

TEST_CASE("reject: the 不予受理 notice states its reasons only, and asks for nothing") {
  test_ruleset r("reject-notice");
  REQUIRE(r.loaded.rules);
  // Out of scope, and the area and the application form missing besides.
  auto d = decide(r, head + "fields:\n  applicant: { name: 某公司, in_scope: false }\n");
  CHECK(d.outcome == eval::outcome::reject);
  REQUIRE(d.notice.size() == 1);
  CHECK(d.notice[0].kind == eval::notice_kind::condition);
  CHECK(d.notice[0].id == "in-scope");
  CHECK_FALSE(notice_has(d, eval::notice_kind::material, "application-form"));
  CHECK_FALSE(notice_has(d, eval::notice_kind::field, "premises.area_m2"));
  CHECK_FALSE(notice_has(d, eval::notice_kind::tolerated, "layout-plan"));
}

TEST_CASE("outputs: no licence applies to an application rejected, to be corrected, or denied") {
  test_ruleset r("outputs-withheld");
  REQUIRE(r.loaded.rules);
  auto status = [&](const std::string& text) {
    auto d = decide(r, text);
    REQUIRE(d.outputs.size() == 1);
    return d.outputs[0].status;
  };
  const std::string rejected = head + "fields:\n  applicant: { name: 某公司, in_scope: false }\n  premises: { area_m2: 20 }\n" + all_materials;
  const std::string to_correct = head + complete_fields + "materials:\n  - { id: layout-plan, form: original, copies: 1 }\n";
  const std::string denied = head + "fields:\n  applicant: { name: 某公司, in_scope: true }\n  premises: { area_m2: 5 }\n" +
                             all_materials + site_passed;
  CHECK(status(rejected) == eval::charge_status::withheld);
  CHECK(status(to_correct) == eval::charge_status::withheld);
  CHECK(status(denied) == eval::charge_status::withheld);
  CHECK(status(head + complete_fields + all_materials + site_passed) == eval::charge_status::applies);
  // Accepted, the decision to come: what the licence would be.
  CHECK(status(head + complete_fields + all_materials) == eval::charge_status::applies);
  auto d = decide(r, denied);
  CHECK(eval::to_json(d).find(R"("status":"withheld")") != std::string::npos);
}
