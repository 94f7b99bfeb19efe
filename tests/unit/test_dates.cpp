// Dates as the law counts them (issue 19): the calendar's end, the acceptance date, natural-day
// periods, and the order of submission, evaluation and supervision.
#include <evenhand/eval/decision_json.hpp>
#include <evenhand/standard/calendar_lint.hpp>
#include <evenhand/standard/loader.hpp>
#include <evenhand/supervise/supervise.hpp>

#include "edited_demo.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

using namespace evenhand;
namespace fs = std::filesystem;

namespace {

const fs::path demo = fs::path(EVENHAND_SOURCE_DIR) / "rulesets/cn-demo";

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// The restaurant example (granted when submitted 2026-02-10), submitted at `when` instead.
std::string restaurant_at(const std::string& when) {
  std::string text = read_text(fs::path(EVENHAND_SOURCE_DIR) / "examples/applications/food-business-restaurant.json");
  const std::string from = "2026-02-10T09:30:00+08:00";
  text.replace(text.find(from), from.size(), when);
  return text;
}

const standard::ruleset& demo_rules() {
  static auto loaded = standard::load_ruleset(demo);
  REQUIRE(loaded.rules);
  return *loaded.rules;
}

eval::decision decide(const std::string& text, std::optional<timestamp> as_of = std::nullopt) {
  diagnostics problems;
  auto app = eval::read_application(text, "app.json", demo_rules(), problems);
  REQUIRE(app);
  return eval::evaluate(demo_rules(), *app, as_of);
}

}  // namespace

TEST_CASE("dates: deadlines in a year without a published calendar mark the decision and are refused") {
  const auto d = decide(restaurant_at("2027-01-05T09:30:00+08:00"));
  CHECK(d.stage == eval::decision_stage::decision);
  CHECK(!d.schedule.legal);
  REQUIRE(d.schedule.calendar_not_covered == std::vector<int>{2027});
  CHECK(eval::to_json(d).find("\"calendar_not_covered\":[2027]") != std::string::npos);
  try {
    eval::require_deadlines(d);
    FAIL("a decision without deadlines went through");
  } catch (const eval::calendar_not_covered& e) {
    CHECK(e.years() == std::vector<int>{2027});
    CHECK(std::string(e.what()).find("2027 年") != std::string::npos);
    CHECK(std::string(e.what()).find("no published schedule for 2027") != std::string::npos);
  }
  // Within the calendar: nothing to mark, nothing refused.
  const auto ok = decide(restaurant_at("2026-02-10T09:30:00+08:00"));
  CHECK(ok.schedule.calendar_not_covered.empty());
  CHECK(eval::to_json(ok).find("\"calendar_not_covered\":[]") != std::string::npos);
  CHECK_NOTHROW(eval::require_deadlines(ok));
}

TEST_CASE("dates: lint warns as the calendar's end nears (W316) and for items it does not cover (W317)") {
  const auto& rules = demo_rules();
  auto near = standard::lint_calendar(rules, *date::parse("2026-10-10"));
  REQUIRE(near.size() == 1);
  CHECK(near.begin()->code == "W316");
  CHECK(near.begin()->level == severity::warning);
  CHECK(near.begin()->where.file == "ruleset.yaml");
  CHECK(near.begin()->where.line == 8);
  CHECK(near.begin()->message.find("82 天") != std::string::npos);
  CHECK(near.begin()->message.find("82 days") != std::string::npos);
  CHECK(standard::lint_calendar(rules, *date::parse("2026-06-01")).size() == 0);
  CHECK(standard::lint_calendar(rules, *date::parse("2026-10-02")).size() == 0);  // 90 days left
  CHECK(standard::lint_calendar(rules, *date::parse("2026-10-03")).size() == 1);  // 89
  // In 2027 every item in force has no covered day left.
  auto after = standard::lint_calendar(rules, *date::parse("2027-02-01"));
  std::size_t w317 = 0;
  for (const auto& d : after)
    if (d.code == "W317") {
      ++w317;
      CHECK(d.where.file.starts_with("items/"));
      CHECK(d.where.line > 0);
    }
  CHECK(w317 > 0);
}

TEST_CASE("dates: a submission on a rest day is accepted on the next working day, and the deadlines count from it") {
  // Submitted online on 2026-10-03, a public holiday (国庆节): accepted Thursday 2026-10-08.
  const auto d = decide(restaurant_at("2026-10-03T10:00:00+08:00"));
  CHECK(d.schedule.submitted_on == *date::parse("2026-10-03"));
  CHECK(d.schedule.accepted_on == *date::parse("2026-10-08"));
  CHECK(d.schedule.accepted_on_reason == eval::acceptance_day::rest_day);
  REQUIRE(d.schedule.legal);
  CHECK(*d.schedule.legal == *date::parse("2026-10-21"));  // 10 working days (10-10 is worked), not 10-20
  const std::string json = eval::to_json(d);
  CHECK(json.find("\"accepted_on\":\"2026-10-08\",\"accepted_on_reason\":\"rest_day\"") != std::string::npos);
  CHECK(json.find("\"submitted_on\":\"2026-10-03\"") != std::string::npos);
  // A working day: accepted that day.
  const auto monday = decide(restaurant_at("2026-03-02T17:45:00+08:00"));
  CHECK(monday.schedule.accepted_on == *date::parse("2026-03-02"));
  CHECK(monday.schedule.accepted_on_reason == eval::acceptance_day::submission_day);
  // An adjusted working day (Sunday 2026-09-20 is worked): accepted that day.
  CHECK(decide(restaurant_at("2026-09-20T10:00:00+08:00")).schedule.accepted_on == *date::parse("2026-09-20"));
}

TEST_CASE("dates: with office hours, a submission after closing is accepted on the next working day") {
  auto dir = testing::edited_demo("office-hours", "ruleset.yaml", "  calendar: cn-mainland",
                                  "  calendar: cn-mainland\n  office_hours: { closes: \"17:30\" }");
  auto rules = testing::load(dir);
  REQUIRE(rules->office_hours);
  CHECK(rules->office_hours->closes == 17 * 3600 + 30 * 60);
  auto decide_in = [](const standard::ruleset& r, const std::string& text) {
    diagnostics problems;
    auto app = eval::read_application(text, "app.json", r, problems);
    REQUIRE(app);
    return eval::evaluate(r, *app);
  };
  // Monday 17:45 in Beijing (09:45 UTC): after closing, accepted Tuesday.
  auto late = decide_in(*rules, restaurant_at("2026-03-02T09:45:00Z"));
  CHECK(late.schedule.submitted_on == *date::parse("2026-03-02"));
  CHECK(late.schedule.accepted_on == *date::parse("2026-03-03"));
  CHECK(late.schedule.accepted_on_reason == eval::acceptance_day::after_hours);
  // 17:29:59: still open.
  auto open = decide_in(*rules, restaurant_at("2026-03-02T17:29:59+08:00"));
  CHECK(open.schedule.accepted_on == *date::parse("2026-03-02"));
  CHECK(open.schedule.accepted_on_reason == eval::acceptance_day::submission_day);
  // Friday after closing: the next working day is Monday.
  CHECK(decide_in(*rules, restaurant_at("2026-03-06T18:00:00+08:00")).schedule.accepted_on == *date::parse("2026-03-09"));
  // An item's own office hours override the ruleset's.
  testing::edit_file(dir, "items/food-business-licence.yaml", "  effective: { from: 2026-01-01 }",
                     "  effective: { from: 2026-01-01 }\n  office_hours: { closes: \"18:00\" }");
  auto item_hours = testing::load(dir);
  CHECK(decide_in(*item_hours, restaurant_at("2026-03-02T17:45:00+08:00")).schedule.accepted_on == *date::parse("2026-03-02"));
  // A time that is not HH:MM is a located error.
  auto bad = testing::edited_demo("office-hours-bad", "ruleset.yaml", "  calendar: cn-mainland",
                                  "  calendar: cn-mainland\n  office_hours: { closes: \"5pm\" }");
  auto loaded = standard::load_ruleset(bad);
  CHECK(!loaded.rules);
  bool located = false;
  for (const auto& p : loaded.problems)
    if (p.code == "E305" && p.where.file == "ruleset.yaml" && p.where.line == 9) located = true;
  CHECK(located);
}

TEST_CASE("dates: a period in natural days that ends on a rest day ends on the next working day") {
  // 20 natural days from Monday 2026-03-02 end on Sunday 2026-03-22: the period ends Monday 03-23.
  const auto& cal = *demo_rules().calendar;
  auto end = cal.period_end_in_days(*date::parse("2026-03-02"), 20);
  REQUIRE(std::holds_alternative<date>(end));
  CHECK(std::get<date>(end) == *date::parse("2026-03-23"));
  CHECK(std::get<date>(cal.period_end_in_days(*date::parse("2026-03-02"), 17)) == *date::parse("2026-03-19"));
  // Ending in the National Day holiday: the first working day after it.
  CHECK(std::get<date>(cal.period_end_in_days(*date::parse("2026-09-21"), 12)) == *date::parse("2026-10-08"));
  auto dir = testing::edited_demo("natural-days", "items/food-business-licence.yaml", "  legal: 10 workdays", "  legal: 20 days");
  auto rules = testing::load(dir);
  diagnostics problems;
  auto app = eval::read_application(restaurant_at("2026-03-02T09:30:00+08:00"), "app.json", *rules, problems);
  REQUIRE(app);
  auto d = eval::evaluate(*rules, *app);
  REQUIRE(d.schedule.legal);
  CHECK(*d.schedule.legal == *date::parse("2026-03-23"));
}

TEST_CASE("dates: supervision counts a period in natural days as evaluation does") {
  auto dir = testing::edited_demo("natural-days-supervised", "items/food-business-licence.yaml", "  legal: 10 workdays",
                                  "  legal: 20 days");
  auto rules = testing::load(dir);
  const std::string text = R"(
item: SCJG-XK-001
received_at: 2026-03-02T09:30:00+08:00
accepted_on: 2026-03-02
)";
  diagnostics problems;
  auto c = supervise::read_case(text, "case.yaml", *rules, problems);
  REQUIRE(c);
  auto friday = supervise::supervise(*rules, *c->standard, *c, *timestamp::parse("2026-03-20T10:00:00+08:00"));
  CHECK(friday.errors.empty());
  REQUIRE(friday.legal.due);
  CHECK(*friday.legal.due == *date::parse("2026-03-23"));
  CHECK(friday.legal.natural_days);
  CHECK(friday.legal.remaining == 3);
  CHECK(!friday.legal.past);
  // Monday 03-23: the last day, not yet past (a Sunday end would have made it overdue).
  auto monday = supervise::supervise(*rules, *c->standard, *c, *timestamp::parse("2026-03-23T10:00:00+08:00"));
  CHECK(!monday.legal.past);
  CHECK(monday.light != supervise::light::overdue);
  auto tuesday = supervise::supervise(*rules, *c->standard, *c, *timestamp::parse("2026-03-24T10:00:00+08:00"));
  CHECK(tuesday.legal.past);
  CHECK(tuesday.legal.remaining == -1);
  CHECK(tuesday.light == supervise::light::overdue);
  bool said = false;
  for (const auto& m : tuesday.messages) said = said || m.find("已超过法定时限1日") != std::string::npos;
  CHECK(said);
}

TEST_CASE("dates: an evaluation as of a time before the submission is refused") {
  diagnostics problems;
  auto app = eval::read_application(restaurant_at("2026-02-10T09:30:00+08:00"), "app.json", demo_rules(), problems);
  REQUIRE(app);
  try {
    (void)eval::evaluate(demo_rules(), *app, timestamp::parse("2026-02-09T09:30:00+08:00"));
    FAIL("evaluated the day before the application arrived");
  } catch (const eval::as_of_before_submission& e) {
    CHECK(std::string(e.what()).find("早于申请提交时间") != std::string::npos);
    CHECK(std::string(e.what()).find("before the application was submitted") != std::string::npos);
  }
  // One nanosecond before is before; the submission itself and later are fine.
  CHECK_THROWS_AS((void)eval::evaluate(demo_rules(), *app, timestamp::parse("2026-02-10T01:29:59.999999999Z")),
                  eval::as_of_before_submission);
  CHECK_NOTHROW((void)eval::evaluate(demo_rules(), *app, timestamp::parse("2026-02-10T09:30:00+08:00")));
  auto later = eval::evaluate(demo_rules(), *app, timestamp::parse("2026-02-12T10:00:00+08:00"));
  CHECK(later.schedule.accepted_on == *date::parse("2026-02-10"));  // accepted when submitted, not as of
}

TEST_CASE("dates: supervision refuses a case accepted after now") {
  const std::string text = R"(
item: SCJG-XK-001
received_at: 2026-03-02T09:30:00+08:00
accepted_on: 2026-03-20
)";
  diagnostics problems;
  auto c = supervise::read_case(text, "case.yaml", demo_rules(), problems);
  REQUIRE(c);
  auto s = supervise::supervise(demo_rules(), *c->standard, *c, *timestamp::parse("2026-03-03T10:00:00+08:00"));
  CHECK(!s.light);
  REQUIRE(s.errors.size() == 1);
  CHECK(s.errors[0].find("after now") != std::string::npos);
  CHECK(s.errors[0].find("晚于") != std::string::npos);
  // On the day of acceptance it is measured.
  auto same = supervise::supervise(demo_rules(), *c->standard, *c, *timestamp::parse("2026-03-20T10:00:00+08:00"));
  CHECK(same.errors.empty());
  CHECK(same.light);
}

TEST_CASE("dates: the schedule of an application that was not accepted says so") {
  // Only the application form: to be corrected, not accepted.
  const std::string text = R"({"item": "SCJG-XK-001", "submitted_at": "2026-02-10T09:30:00+08:00",
    "fields": {"applicant": {"kind": "enterprise", "name": "某市好味道餐饮管理有限公司", "uscc": "91110000600037341L"}},
    "materials": [{"id": "application-form", "form": "original", "copies": 1}]})";
  const auto d = decide(text);
  REQUIRE(d.outcome == eval::outcome::correct);
  CHECK(!d.schedule.accepted_on);
  CHECK(d.schedule.accepted_on_reason == eval::acceptance_day::not_accepted);
  CHECK(!d.schedule.legal);
  CHECK(d.schedule.steps.empty());
  const std::string json = eval::to_json(d);
  CHECK(json.find("\"accepted_on\":null,\"accepted_on_reason\":\"not_accepted\"") != std::string::npos);
  CHECK(json.find("\"submitted_on\":\"2026-02-10\"") != std::string::npos);
  // Not accepted, so no deadlines are needed: a year the calendar lacks is no refusal.
  std::string later = text;
  later.replace(later.find("2026-02-10"), 10, "2027-01-05");
  const auto uncovered = decide(later);
  CHECK(uncovered.outcome == eval::outcome::correct);
  CHECK(uncovered.schedule.calendar_not_covered.empty());
  CHECK_NOTHROW(eval::require_deadlines(uncovered));
}
