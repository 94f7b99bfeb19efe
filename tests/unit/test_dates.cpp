// Dates as the law counts them (issue 19): the calendar's end, the acceptance date, natural-day
// periods, and the order of submission, evaluation and supervision.
#include <evenhand/eval/decision_json.hpp>
#include <evenhand/standard/calendar_lint.hpp>
#include <evenhand/standard/loader.hpp>

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
