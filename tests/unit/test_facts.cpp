// Hall facts declared apart from applicant fields (issue 19): the item's `facts:`, each with the
// step that records it, and the application's `facts:` section.
#include "notice_fixture.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace evenhand;
using namespace notice_fixture;

namespace {

bool has(const diagnostics& problems, std::string_view code, std::uint32_t line) {
  return std::any_of(problems.begin(), problems.end(), [&](const diagnostic& d) { return d.code == code && d.where.line == line; });
}

}  // namespace

TEST_CASE("facts: declared apart from fields, each with the step that records it") {
  test_ruleset r("facts-model");
  INFO(r.dump());
  REQUIRE(r.loaded.rules);
  const auto& item = r.loaded.rules->items.at(0);
  const auto* fact = item.find_field("site_check.passed");
  REQUIRE(fact);
  CHECK(fact->step == "site-check");
  CHECK(fact->is_fact());
  const auto* field = item.find_field("applicant.name");
  REQUIRE(field);
  CHECK_FALSE(field->is_fact());
}

TEST_CASE("facts: a step that does not resolve, a missing step, an unknown key are located errors") {
  // Line 16 is the fact's line in notice_item.
  test_ruleset unresolved("facts-unresolved", replaced(notice_item, "step: site-check }", "step: site-chek }"));
  CHECK_FALSE(unresolved.loaded.rules);
  CHECK(has(unresolved.loaded.problems, "E307", 16));
  CHECK(unresolved.dump().find("site-check") != std::string::npos);  // did you mean
  test_ruleset missing("facts-no-step", replaced(notice_item, ", step: site-check }", " }"));
  CHECK_FALSE(missing.loaded.rules);
  CHECK(has(missing.loaded.problems, "E303", 16));
  test_ruleset unknown("facts-unknown-key", replaced(notice_item, "step: site-check }", "step: site-check, recorded_by: x }"));
  CHECK_FALSE(unknown.loaded.rules);
  CHECK(has(unknown.loaded.problems, "E302", 16));
  // A field may not name a step: that is what makes it a fact.
  test_ruleset field_step("facts-field-step", replaced(notice_item, "label: 申请人名称 }", "label: 申请人名称, step: accept }"));
  CHECK_FALSE(field_step.loaded.rules);
  CHECK(has(field_step.loaded.problems, "E302", 12));
}

TEST_CASE("facts: a fact given under fields, or a field under facts, is a located application error") {
  test_ruleset r("facts-sections");
  REQUIRE(r.loaded.rules);
  diagnostics problems;
  auto app = read(r, head + "fields:\n  applicant: { name: 某公司 }\n  site_check: { passed: true }\n", problems);
  CHECK_FALSE(app);
  REQUIRE_FALSE(problems.empty());
  CHECK(problems[0].code == "E407");
  CHECK(problems[0].where.line == 5);
  CHECK(problems[0].message.find("facts") != std::string::npos);
  problems.clear();
  app = read(r, head + "fields:\n  applicant: { name: 某公司 }\nfacts:\n  premises.area_m2: 20\n", problems);
  CHECK_FALSE(app);
  REQUIRE_FALSE(problems.empty());
  CHECK(problems[0].code == "E407");
  CHECK(problems[0].where.line == 6);
  // In their own sections both read, and the canonical form keeps them apart (so it reads back).
  problems.clear();
  app = read(r, head + "fields:\n  applicant: { name: 某公司 }\nfacts:\n  site_check.passed: true\n", problems);
  REQUIRE(app);
  std::string canonical = eval::canonical_form(*app);
  CHECK(canonical.rfind("{\"facts\":{\"site_check.passed\":true},\"fields\":{\"applicant.name\":", 0) == 0);
  auto again = read(r, canonical, problems);
  REQUIRE(again);
  CHECK(again->digest == app->digest);
}
