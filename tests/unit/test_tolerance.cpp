// 容缺 per material and on expiry (issue 19): a tolerated material's own period, and what
// happens when it is not supplied in time (视为撤回, 广东省优化营商环境条例 第三十二条).
#include "notice_fixture.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace evenhand;
using namespace notice_fixture;

namespace {

/// The test item with a second tolerated material of its own period, and the item's on_expiry.
std::string per_material_item() {
  std::string t = replaced(notice_item, "tolerance: { due: 5 workdays }", "tolerance: { due: 5 workdays, on_expiry: withdrawn }");
  return replaced(t, "    tolerable: true\n    basis: [XKF-32]\n",
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
  test_ruleset bad("bad-expiry", replaced(notice_item, "tolerance: { due: 5 workdays }", "tolerance: { due: 5 workdays, on_expiry: lapsed }"));
  CHECK_FALSE(bad.loaded.rules);
  CHECK(std::any_of(bad.loaded.problems.begin(), bad.loaded.problems.end(),
                    [](const diagnostic& d) { return d.code == "E305" && d.message.find("on_expiry") != std::string::npos; }));
  test_ruleset unknown("bad-tolerable", replaced(notice_item, "    tolerable: true\n", "    tolerable: { due: 3 workdays, until: x }\n"));
  CHECK_FALSE(unknown.loaded.rules);
  CHECK(std::any_of(unknown.loaded.problems.begin(), unknown.loaded.problems.end(), [](const diagnostic& d) { return d.code == "E302"; }));
}

#include <evenhand/supervise/supervise.hpp>

namespace {

supervise::status watch(const test_ruleset& r, const std::string& case_text, const char* now) {
  diagnostics problems;
  auto c = supervise::read_case(case_text, "case.yaml", *r.loaded.rules, problems);
  INFO(render_text(problems));
  REQUIRE(c);
  return supervise::supervise(*r.loaded.rules, *c->standard, *c, *timestamp::parse(now));
}

const supervise::tolerated_status& tolerated(const supervise::status& s, std::string_view id) {
  for (const auto& m : s.tolerated)
    if (m.id == id) return m;
  FAIL("no tolerated material " << id);
  return s.tolerated.front();
}

bool says(const supervise::status& s, std::string_view text) {
  return std::any_of(s.messages.begin(), s.messages.end(), [&](const std::string& m) { return m.find(text) != std::string::npos; });
}

// Accepted Monday 2026-03-02 with both tolerated materials outstanding: the layout plan is due
// 03-09 (the item's 5 working days, withdrawn on expiry), the photos 03-16 (their own 10,
// overdue on expiry).
const std::string tolerated_case = R"(item: TEST-RQ-001
received_at: 2026-03-02T09:30:00+08:00
accepted_on: 2026-03-02
tolerated: [layout-plan, site-photos]
events:
  - { at: 2026-03-02T09:30:00+08:00, kind: step_started, step: accept }
)";

}  // namespace

TEST_CASE("supervise: a tolerated material supplied in time, or not: overdue, or the case withdrawn (视为撤回)") {
  test_ruleset r("supervise-tolerated", per_material_item());
  REQUIRE(r.loaded.rules);
  // Supplied on 03-05: in time.
  auto s = watch(r, tolerated_case + "  - { at: 2026-03-05T10:00:00+08:00, kind: material_supplied, material: layout-plan }\n",
                 "2026-03-06T09:00:00+08:00");
  REQUIRE(s.tolerated.size() == 2);
  CHECK(tolerated(s, "layout-plan").due == *date::parse("2026-03-09"));
  CHECK(tolerated(s, "layout-plan").supplied == *date::parse("2026-03-05"));
  CHECK_FALSE(tolerated(s, "layout-plan").overdue);
  CHECK(tolerated(s, "site-photos").due == *date::parse("2026-03-16"));
  CHECK_FALSE(tolerated(s, "site-photos").supplied);
  CHECK_FALSE(s.withdrawn);
  // The layout plan never came: on 03-10 the application is deemed withdrawn.
  s = watch(r, tolerated_case, "2026-03-09T17:00:00+08:00");
  CHECK_FALSE(tolerated(s, "layout-plan").overdue);  // the due day itself is still in time
  CHECK_FALSE(s.withdrawn);
  s = watch(r, tolerated_case, "2026-03-10T09:00:00+08:00");
  CHECK(tolerated(s, "layout-plan").overdue);
  CHECK(s.withdrawn);
  CHECK(says(s, "视为撤回"));
  std::string json = supervise::to_json(s);
  CHECK(json.find(R"("withdrawn":true)") != std::string::npos);
  CHECK(json.find(R"({"due":"2026-03-09","id":"layout-plan","on_expiry":"withdrawn","overdue":true,"supplied":null})") !=
        std::string::npos);
  // The photos (overdue on expiry) are reported, the case not withdrawn for them.
  s = watch(r, tolerated_case + "  - { at: 2026-03-05T10:00:00+08:00, kind: material_supplied, material: layout-plan }\n",
            "2026-03-17T09:00:00+08:00");
  CHECK(tolerated(s, "site-photos").overdue);
  CHECK_FALSE(s.withdrawn);
  CHECK(says(s, "经营场所照片"));
}

TEST_CASE("supervise: tolerated materials and their supply are checked against the item") {
  test_ruleset r("supervise-tolerated-errors", per_material_item());
  REQUIRE(r.loaded.rules);
  auto errors = [&](const std::string& text) {
    diagnostics problems;
    CHECK_FALSE(supervise::read_case(text, "case.yaml", *r.loaded.rules, problems));
    return problems;
  };
  const std::string head_case = "item: TEST-RQ-001\nreceived_at: 2026-03-02T09:30:00+08:00\naccepted_on: 2026-03-02\n";
  auto p = errors(head_case + "tolerated: [application-form]\n");
  REQUIRE_FALSE(p.empty());
  CHECK(p[0].code == "E511");
  CHECK(p[0].where.line == 4);
  p = errors(head_case + "tolerated: [layout-plan]\nevents:\n  - { at: 2026-03-03T09:00:00+08:00, kind: material_supplied, material: site-photos }\n");
  REQUIRE_FALSE(p.empty());
  CHECK(p[0].code == "E511");
  p = errors(head_case + "tolerated: [layout-plan]\nevents:\n  - { at: 2026-03-03T09:00:00+08:00, kind: material_supplied }\n");
  REQUIRE_FALSE(p.empty());
  CHECK(p[0].code == "E502");
  p = errors(head_case + "tolerated: [layout-plan]\nevents:\n"
                         "  - { at: 2026-03-03T09:00:00+08:00, kind: material_supplied, material: layout-plan }\n"
                         "  - { at: 2026-03-04T09:00:00+08:00, kind: material_supplied, material: layout-plan }\n");
  REQUIRE_FALSE(p.empty());
  CHECK(p[0].code == "E507");
}

TEST_CASE("supervise: the case of an application accepted with a tolerated material names it") {
  test_ruleset r("supervise-from-decision", per_material_item());
  REQUIRE(r.loaded.rules);
  auto d = decide(r, head + "fields:\n  applicant: { name: 某公司, in_scope: true }\n  premises: { area_m2: 20 }\n" + form_only);
  REQUIRE(d.outcome == eval::outcome::accept_tolerated);
  const auto& item = r.loaded.rules->items.at(0);
  auto c = supervise::case_from_decision(d, item);
  CHECK(c.accepted_on == d.schedule.accepted_on);  // accepted at the window
  CHECK(c.tolerated == std::vector<std::string>{"layout-plan", "site-photos"});
  auto s = supervise::supervise(*r.loaded.rules, item, c, *timestamp::parse("2026-03-10T09:00:00+08:00"));
  CHECK(s.withdrawn);
}
