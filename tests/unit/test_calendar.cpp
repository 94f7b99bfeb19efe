// Working-day calendars: counting rules, the bundled cn-mainland data (checked day by day against
// the holiday-cn JSON it was generated from) and the loader's located errors.
#include <evenhand/calendar.hpp>
#include <evenhand/calendar_loader.hpp>

#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using namespace evenhand;

namespace {

date cal_ymd(int y, int m, int d) { return *date::from_ymd(y, m, d); }

const workday_calendar& bundled() {
  static const workday_calendar calendar = [] {
    std::vector<calendar_load_error> errors;
    auto c = load_calendar_directory(EVENHAND_SOURCE_DIR "/rulesets/cn-demo/calendars/cn-mainland",
                                     "cn-mainland", errors);
    for (const auto& e : errors) MESSAGE(e.file << ":" << e.line << ":" << e.column << ": " << e.message);
    if (!c || !errors.empty()) throw std::runtime_error("the bundled calendar does not load");
    return *c;
  }();
  return calendar;
}

template <class T>
T ok(const calendar_result<T>& r) {
  if (const auto* e = std::get_if<calendar_error>(&r)) FAIL("unexpected calendar error: " << e->message);
  return std::get<T>(r);
}

template <class T>
calendar_error err(const calendar_result<T>& r) {
  REQUIRE(std::holds_alternative<calendar_error>(r));
  return std::get<calendar_error>(r);
}

// The reference rule, day by day: what the fast paths must agree with.
date naive_add(const workday_calendar& c, date start, std::int64_t n) {
  date d = start;
  const int step = n > 0 ? 1 : -1;
  for (std::int64_t left = n > 0 ? n : -n; left > 0;) {
    d = *d.plus_days(step);
    if (ok(c.is_workday(d))) --left;
  }
  return d;
}

std::int64_t naive_between(const workday_calendar& c, date a, date b) {
  std::int64_t n = 0;
  for (date d = a; d < b;) {
    d = *d.plus_days(1);
    n += ok(c.is_workday(d)) ? 1 : 0;
  }
  return n;
}

std::vector<calendar_load_error> load_text(const std::string& text, const std::string& file = "2025.yaml",
                                           workday_calendar* into = nullptr) {
  workday_calendar scratch{"test"};
  std::vector<calendar_load_error> errors;
  load_calendar_year(text, file, into ? *into : scratch, errors);
  return errors;
}

// One error expected: its position and a fragment of its message.
void expect_one(const std::string& text, unsigned line, unsigned column, const std::string& fragment,
                const std::string& file = "2025.yaml") {
  INFO(text);
  workday_calendar c{"test"};
  auto errors = load_text(text, file, &c);
  REQUIRE(errors.size() == 1);
  INFO(errors[0].message);
  CHECK(errors[0].file == file);
  CHECK(errors[0].line == line);
  CHECK(errors[0].column == column);
  CHECK(errors[0].message.find(fragment) != std::string::npos);
  CHECK(c.years().empty());  // a file with a problem contributes nothing
}

const std::string good_2025 =
    "year: 2025\n"
    "source: https://example.org/notice\n"
    "holidays:\n"
    "  - { date: 2025-01-01, name: 元旦 }\n"
    "workdays:\n"
    "  - { date: 2025-01-26, name: 春节 }\n";

}  // namespace

TEST_CASE("calendar: the DESIGN examples on the bundled data") {
  const auto& cal = bundled();
  CHECK(cal.name() == "cn-mainland");
  CHECK(cal.years() == std::vector<int>{2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026});
  // Accepted Friday 2025-09-26; Sunday 09-28 is worked, Oct 1–8 are off, Saturday 10-11 is worked.
  CHECK(ok(cal.is_workday(cal_ymd(2025, 9, 28))));
  CHECK_FALSE(ok(cal.is_workday(cal_ymd(2025, 10, 8))));
  CHECK(ok(cal.add_workdays(cal_ymd(2025, 9, 26), 20)) == cal_ymd(2025, 10, 30));
  CHECK(ok(cal.workdays_between(cal_ymd(2025, 9, 26), cal_ymd(2025, 10, 30))) == 20);
  // Accepted 2026-02-10: Saturday 02-14 is worked, Feb 15–23 are off, Saturday 02-28 is worked.
  CHECK(ok(cal.add_workdays(cal_ymd(2026, 2, 10), 20)) == cal_ymd(2026, 3, 16));
  CHECK(ok(cal.workdays_between(cal_ymd(2026, 2, 10), cal_ymd(2026, 3, 16))) == 20);
  // The totals holiday-cn's README states.
  const std::map<int, std::int64_t> totals{{2019, 250}, {2020, 249}, {2021, 250}, {2022, 249},
                                           {2023, 249}, {2024, 251}, {2025, 248}, {2026, 248}};
  for (auto [year, n] : totals) CHECK(ok(cal.workdays_in_year(year)) == n);
}

TEST_CASE("calendar: every day of 2019-2026 matches holiday-cn") {
  const std::filesystem::path dir = EVENHAND_SOURCE_DIR "/../shared/data/calendar/cn";
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    MESSAGE("skipped: " << dir.string() << " is absent");
    return;
  }
  // Merge all files by date: a notice also schedules days of the neighbouring year.
  std::map<date, bool> off;  // listed date -> isOffDay
  for (int year = 2019; year <= 2027; ++year) {
    std::ifstream in(dir / (std::to_string(year) + ".json"), std::ios::binary);
    REQUIRE(in);
    std::ostringstream text;
    text << in.rdbuf();
    const boost::json::value doc = boost::json::parse(text.str());
    CHECK(doc.at("year").as_int64() == year);
    for (const auto& day : doc.at("days").as_array()) {
      auto d = date::parse(std::string(day.at("date").as_string()));
      REQUIRE(d);
      CHECK(off.emplace(*d, day.at("isOffDay").as_bool()).second);
    }
  }
  const auto& cal = bundled();
  int checked = 0;
  for (date d = cal_ymd(2019, 1, 1); d <= cal_ymd(2026, 12, 31); d = *d.plus_days(1), ++checked) {
    auto listed = off.find(d);
    const bool expected = listed != off.end() ? !listed->second : !d.is_weekend();
    INFO(d.to_string());
    CHECK(ok(cal.is_workday(d)) == expected);
  }
  CHECK(checked == 2922);
}

TEST_CASE("calendar: an unpublished year is an error, never plain weekends") {
  const auto& cal = bundled();
  CHECK_FALSE(cal.covers(2027));
  calendar_error e = err(cal.add_workdays(cal_ymd(2026, 12, 20), 20));
  CHECK(e.year == 2027);
  CHECK(e.message == "calendar 'cn-mainland' has no published schedule for 2027 (it covers 2019–2026)");
  CHECK(err(cal.is_workday(cal_ymd(2027, 1, 4))).year == 2027);
  CHECK(err(cal.workdays_between(cal_ymd(2026, 12, 1), cal_ymd(2027, 1, 5))).year == 2027);
  CHECK(err(cal.workdays_between(cal_ymd(2027, 1, 5), cal_ymd(2026, 12, 1))).year == 2027);
  CHECK(err(cal.add_workdays(cal_ymd(2019, 1, 10), -20)).year == 2018);
  // Up to the last working day of 2026 is fine; one more is not.
  const std::int64_t left = ok(cal.workdays_between(cal_ymd(2026, 12, 1), cal_ymd(2026, 12, 31)));
  CHECK(ok(cal.add_workdays(cal_ymd(2026, 12, 1), left)) == cal_ymd(2026, 12, 31));
  CHECK(err(cal.add_workdays(cal_ymd(2026, 12, 1), left + 1)).year == 2027);
  // n = 0 counts no day, so it needs no schedule.
  CHECK(ok(cal.add_workdays(cal_ymd(2027, 6, 1), 0)) == cal_ymd(2027, 6, 1));
}

TEST_CASE("calendar: zero, negative and cross-year counts agree with the day-by-day rule") {
  const auto& cal = bundled();
  CHECK(ok(cal.add_workdays(cal_ymd(2025, 10, 1), 0)) == cal_ymd(2025, 10, 1));
  CHECK(ok(cal.add_workdays(cal_ymd(2025, 10, 30), -20)) == cal_ymd(2025, 9, 26));
  CHECK(ok(cal.add_workdays(cal_ymd(2025, 10, 9), -1)) == cal_ymd(2025, 9, 30));
  CHECK(ok(cal.add_workdays(cal_ymd(2025, 10, 8), 1)) == cal_ymd(2025, 10, 9));    // from a holiday
  CHECK(ok(cal.add_workdays(cal_ymd(2025, 12, 31), 1)) == cal_ymd(2026, 1, 4));    // Jan 1–3 off, Sunday Jan 4 worked
  CHECK(ok(cal.add_workdays(cal_ymd(2026, 1, 4), -1)) == cal_ymd(2025, 12, 31));
  CHECK(ok(cal.add_workdays(cal_ymd(2025, 12, 31), 1)) == naive_add(cal, cal_ymd(2025, 12, 31), 1));
  // A sweep over starts and distances, both directions, across year ends.
  for (date start = cal_ymd(2019, 1, 1); start <= cal_ymd(2026, 12, 31); start = *start.plus_days(13)) {
    for (std::int64_t n : {1, 2, 5, 20, 60, 249, 251, 600}) {
      for (std::int64_t signed_n : {n, -n}) {
        auto fast = cal.add_workdays(start, signed_n);
        if (std::holds_alternative<calendar_error>(fast)) {
          const int y = err(fast).year;
          CHECK((y == 2018 || y == 2027));
          continue;
        }
        INFO(start.to_string() << " " << signed_n);
        const date result = std::get<date>(fast);
        CHECK(result == naive_add(cal, start, signed_n));
        if (signed_n > 0) CHECK(ok(cal.workdays_between(start, result)) == signed_n);
      }
    }
  }
}

TEST_CASE("calendar: counts around gaps and the ends of the covered years agree with a day-by-day walk") {
  // Covered: 2019 (with holidays), 2024–2026; 2020–2023 and everything else unpublished.
  workday_calendar c{"gaps"};
  c.set_year(2025, {cal_ymd(2025, 1, 1), cal_ymd(2025, 10, 1)}, {cal_ymd(2025, 9, 28)});
  c.set_year(2019, {cal_ymd(2019, 1, 1), cal_ymd(2019, 12, 31)}, {cal_ymd(2019, 12, 29)});
  c.set_year(2026, {}, {});
  c.set_year(2024, {cal_ymd(2024, 12, 31)}, {});
  // The walk: the date reached, or the year of the first day it had to count without a schedule.
  auto walk = [&](date start, std::int64_t n) -> calendar_result<date> {
    date d = start;
    for (std::int64_t left = n > 0 ? n : -n; left > 0;) {
      d = *d.plus_days(n > 0 ? 1 : -1);
      auto w = c.is_workday(d);
      if (auto* e = std::get_if<calendar_error>(&w)) return *e;
      if (std::get<bool>(w)) --left;
    }
    return d;
  };
  std::size_t compared = 0, failed = 0;
  for (date start = cal_ymd(2017, 12, 1); start <= cal_ymd(2028, 1, 31); start = *start.plus_days(11)) {
    for (std::int64_t n : {1, 2, 7, 40, 260, 800}) {
      for (std::int64_t signed_n : {n, -n}) {
        INFO(start.to_string() << " " << signed_n);
        auto fast = c.add_workdays(start, signed_n);
        auto slow = walk(start, signed_n);
        REQUIRE(fast.index() == slow.index());
        if (std::holds_alternative<date>(slow)) CHECK(std::get<date>(fast) == std::get<date>(slow));
        else {
          CHECK(std::get<calendar_error>(fast).year == std::get<calendar_error>(slow).year);
          ++failed;
        }
        ++compared;
      }
    }
  }
  CHECK(compared > 3000);
  CHECK(failed > 100);          // the sweep crosses into gaps and beyond both ends…
  CHECK(failed + 500 < compared);  // …and counts through covered years most of the time
  // At the seams of the index: the last day before it, the first day after it, inside a gap.
  CHECK(ok(c.add_workdays(cal_ymd(2018, 12, 31), 1)) == cal_ymd(2019, 1, 2));
  CHECK(err(c.add_workdays(cal_ymd(2019, 1, 2), -1)).year == 2018);
  CHECK(ok(c.add_workdays(cal_ymd(2027, 1, 1), -1)) == cal_ymd(2026, 12, 31));
  CHECK(err(c.add_workdays(cal_ymd(2026, 12, 31), 1)).year == 2027);
  CHECK(ok(c.add_workdays(cal_ymd(2023, 12, 31), 1)) == cal_ymd(2024, 1, 1));
  CHECK(err(c.add_workdays(cal_ymd(2022, 6, 1), 1)).year == 2022);
  CHECK(ok(c.add_workdays(cal_ymd(2019, 12, 27), 1)) == cal_ymd(2019, 12, 29));  // Sunday worked
  CHECK(ok(c.add_workdays(cal_ymd(2019, 12, 27), 2)) == cal_ymd(2019, 12, 30));
  CHECK(err(c.add_workdays(cal_ymd(2019, 12, 27), 3)).year == 2020);  // Dec 31 off, then 2020
}

TEST_CASE("calendar: workdays_between") {
  const auto& cal = bundled();
  const date a = cal_ymd(2025, 9, 26), b = cal_ymd(2025, 10, 30);
  CHECK(ok(cal.workdays_between(a, a)) == 0);
  CHECK(ok(cal.workdays_between(b, a)) == -20);
  CHECK(ok(cal.workdays_between(cal_ymd(2025, 9, 30), cal_ymd(2025, 10, 8))) == 0);   // all holiday
  CHECK(ok(cal.workdays_between(cal_ymd(2025, 9, 30), cal_ymd(2025, 10, 9))) == 1);
  CHECK(ok(cal.workdays_between(cal_ymd(2025, 9, 27), cal_ymd(2025, 9, 28))) == 1);   // (a, b]: b counts
  CHECK(ok(cal.workdays_between(cal_ymd(2025, 9, 28), cal_ymd(2025, 9, 29))) == 1);   // a does not
  CHECK(ok(cal.workdays_between(cal_ymd(2018, 12, 31), cal_ymd(2026, 12, 31))) ==
        250 + 249 + 250 + 249 + 249 + 251 + 248 + 248);
  for (date x = cal_ymd(2019, 1, 1); x <= cal_ymd(2026, 12, 31); x = *x.plus_days(97))
    for (date y = cal_ymd(2019, 1, 1); y <= cal_ymd(2026, 12, 31); y = *y.plus_days(89)) {
      INFO(x.to_string() << " " << y.to_string());
      const std::int64_t n = ok(cal.workdays_between(x, y));
      CHECK(n == (x <= y ? naive_between(cal, x, y) : -naive_between(cal, y, x)));
    }
}

TEST_CASE("calendar: a huge count fails quickly") {
  const auto& cal = bundled();
  const date start = cal_ymd(2025, 1, 1);
  CHECK(err(cal.add_workdays(start, 1'000'000'000'000)).year == 2027);
  CHECK(err(cal.add_workdays(start, -1'000'000'000'000)).year == 2018);
  CHECK(err(cal.add_workdays(start, std::numeric_limits<std::int64_t>::max())).year == 2027);
  CHECK(err(cal.add_workdays(start, std::numeric_limits<std::int64_t>::min())).year == 2018);
  CHECK(err(cal.workdays_between(date::from_ymd(1, 1, 1).value(), date::from_ymd(9999, 12, 31).value())).year == 1);

  // Even a calendar that covers the whole supported range answers with a range error at its edge.
  workday_calendar edge{"edge"};
  edge.set_year(9999, {}, {});
  edge.set_year(1, {}, {});
  CHECK(ok(edge.add_workdays(cal_ymd(9999, 12, 30), 1)) == cal_ymd(9999, 12, 31));  // a Friday
  calendar_error e = err(edge.add_workdays(cal_ymd(9999, 12, 30), 5));
  CHECK(e.year == 0);
  CHECK(e.message.find("outside the supported dates") != std::string::npos);
  CHECK(err(edge.add_workdays(cal_ymd(1, 1, 2), -5)).year == 0);
}

TEST_CASE("calendar: natural days need no schedule") {
  const auto& cal = bundled();
  CHECK(ok(cal.add_days(cal_ymd(2027, 12, 25), 10)) == cal_ymd(2028, 1, 4));
  CHECK(ok(cal.add_days(cal_ymd(2025, 3, 1), -1)) == cal_ymd(2025, 2, 28));
  CHECK(err(cal.add_days(cal_ymd(9999, 12, 31), 1)).year == 0);
  CHECK(err(cal.add_days(cal_ymd(2025, 1, 1), std::numeric_limits<std::int64_t>::min())).year == 0);
}

TEST_CASE("calendar: set_year") {
  workday_calendar c{"unit"};
  CHECK(c.years().empty());
  CHECK(err(c.is_workday(cal_ymd(2025, 1, 1))).message ==
        "calendar 'unit' has no published schedule for 2025 (it covers no year)");
  c.set_year(2026, {}, {});
  c.set_year(2024, {}, {});
  c.set_year(2025, {cal_ymd(2025, 1, 1), cal_ymd(2025, 1, 4)}, {cal_ymd(2025, 1, 5), cal_ymd(2025, 1, 6)});
  CHECK(c.years() == std::vector<int>{2024, 2025, 2026});
  CHECK_FALSE(ok(c.is_workday(cal_ymd(2025, 1, 1))));  // Wednesday holiday
  CHECK_FALSE(ok(c.is_workday(cal_ymd(2025, 1, 4))));  // Saturday holiday: still off
  CHECK(ok(c.is_workday(cal_ymd(2025, 1, 5))));        // Sunday worked
  CHECK(ok(c.is_workday(cal_ymd(2025, 1, 6))));        // a Monday listed as worked: no change
  // Replacing a year drops its old schedule.
  c.set_year(2025, {}, {});
  CHECK(ok(c.is_workday(cal_ymd(2025, 1, 1))));
  CHECK_FALSE(ok(c.is_workday(cal_ymd(2025, 1, 5))));
  // Gaps show in the message.
  c.set_year(2019, {}, {});
  CHECK(err(c.is_workday(cal_ymd(2020, 1, 1))).message ==
        "calendar 'unit' has no published schedule for 2020 (it covers 2019, 2024–2026)");
  CHECK(err(c.workdays_between(cal_ymd(2019, 6, 1), cal_ymd(2024, 6, 1))).year == 2020);
  CHECK_THROWS_AS(c.set_year(2025, {cal_ymd(2024, 12, 31)}, {}), std::invalid_argument);
  CHECK_THROWS_AS(c.set_year(2025, {}, {cal_ymd(2026, 1, 3)}), std::invalid_argument);
  CHECK_THROWS_AS(c.set_year(2025, {cal_ymd(2025, 1, 4)}, {cal_ymd(2025, 1, 4)}), std::invalid_argument);
  CHECK_THROWS_AS(c.set_year(0, {}, {}), std::invalid_argument);
  CHECK_THROWS_AS(c.set_year(10000, {}, {}), std::invalid_argument);
  CHECK(ok(c.is_workday(cal_ymd(2025, 1, 1))));  // a rejected call leaves the year as it was
}

TEST_CASE("calendar loader: a good file") {
  workday_calendar c{"test"};
  CHECK(load_text(good_2025, "2025.yaml", &c).empty());
  CHECK(c.years() == std::vector<int>{2025});
  CHECK_FALSE(ok(c.is_workday(cal_ymd(2025, 1, 1))));
  CHECK(ok(c.is_workday(cal_ymd(2025, 1, 26))));
  // Paths, several sources, empty lists, weekend holidays and comments are all fine.
  const std::string more =
      "# 国务院办公厅关于2020年部分节假日安排的通知\n"
      "year: 2020\n"
      "source:\n"
      "  - https://example.org/a\n"
      "  - https://example.org/b\n"
      "holidays:\n"
      "  - { date: 2020-02-01, name: 春节 }  # a Saturday\n"
      "  - date: 2020-02-02\n"
      "workdays: []\n";
  CHECK(load_text(more, "some/dir/2020.yaml", &c).empty());
  CHECK(c.years() == std::vector<int>{2020, 2025});
}

TEST_CASE("calendar loader: located errors") {
  // Malformed YAML: the parser's own position.
  expect_one("year: 2025\nholidays: [ { date: 2025-01-01 }\n", 3, 1, "malformed YAML");
  expect_one("year: 2025\n  source: x\n", 2, 9, "malformed YAML");
  // Unknown keys, with a suggestion when one is close.
  {
    auto errors = load_text("yaer: 2025\nsource: x\nholidays: []\nworkdays: []\n");
    REQUIRE(errors.size() == 2);
    CHECK((errors[0].line == 1 && errors[0].column == 1));
    CHECK(errors[0].message == "unknown key 'yaer' (did you mean 'year'?)");
    CHECK(errors[1].message.find("missing 'year'") == 0);
  }
  expect_one(good_2025 + "holiday: []\n", 7, 1, "unknown key 'holiday' (did you mean 'holidays'?)");
  expect_one(good_2025 + "remarks: x\n", 7, 1, "unknown key 'remarks'");
  {
    auto errors = load_text("year: 2025\nsource: x\nholidays:\n  - { dat: 2025-01-01 }\nworkdays: []\n");
    REQUIRE(errors.size() == 2);
    CHECK((errors[0].line == 4 && errors[0].column == 7));
    CHECK(errors[0].message == "unknown key 'dat' (did you mean 'date'?)");
    CHECK((errors[1].line == 4 && errors[1].column == 5));
    CHECK(errors[1].message == "entry without 'date'");
  }
  // Missing keys point at the mapping.
  expect_one("source: x\nholidays: []\nworkdays: []\n", 1, 1, "missing 'year'");
  expect_one("year: 2025\nholidays: []\nworkdays: []\n", 1, 1, "missing 'source'");
  expect_one("year: 2025\nsource: x\nholidays: []\n", 1, 1, "missing 'workdays'");
  // The year against the file name, and the file name itself.
  expect_one(good_2025, 1, 7, "year 2025 does not match the file name '2024.yaml'", "2024.yaml");
  expect_one(good_2025, 1, 1, "file name 'holidays.yaml' must be the year", "holidays.yaml");
  expect_one("year: twenty\nsource: x\nholidays: []\nworkdays: []\n", 1, 7, "year must be a number");
  // Dates.
  expect_one("year: 2025\nsource: x\nholidays:\n  - { date: 2025-02-30, name: x }\nworkdays: []\n", 4, 13,
             "'2025-02-30' is not a date");
  expect_one("year: 2025\nsource: x\nholidays:\n  - { date: 2024-12-31, name: x }\nworkdays: []\n", 4, 13,
             "2024-12-31 is outside the year 2025");
  expect_one("year: 2025\nsource: x\nholidays:\n  - { date: 2025-01-26 }\nworkdays:\n  - { date: 2025-01-26 }\n",
             6, 13, "2025-01-26 is listed both as a holiday and as a working day (line 4)");
  expect_one("year: 2025\nsource: x\nholidays:\n  - { date: 2025-01-01 }\n  - { date: 2025-01-01 }\nworkdays: []\n",
             5, 13, "duplicate date 2025-01-01, first listed (line 4)");
  expect_one("year: 2025\nsource: x\nholidays: []\nworkdays:\n  - { date: 2025-01-27, name: x }\n", 5, 13,
             "2025-01-27 is a Monday: only a Saturday or Sunday can be an adjusted working day");
  // Shapes.
  expect_one("year: 2025\nsource: x\nholidays: 2025-01-01\nworkdays: []\n", 3, 11, "'holidays' must be a list");
  expect_one("year: 2025\nsource: x\nholidays:\n  - 2025-01-01\nworkdays: []\n", 4, 5, "an entry must be");
  expect_one("year: 2025\nsource: []\nholidays: []\nworkdays: []\n", 2, 9, "source must name at least one notice");
  expect_one("year: 2025\nyear: 2025\nsource: x\nholidays: []\nworkdays: []\n", 2, 1,
             "duplicate key 'year' (first at line 1)");
  expect_one("- year: 2025\n", 1, 1, "expected a mapping");
  expect_one("", 1, 1, "empty calendar file");
  expect_one("# only a comment\n", 1, 1, "empty calendar file");
  {
    auto errors = load_text("year: " + std::string(1000, '[') + std::string(1000, ']') + "\n");
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].line == 1);  // the column is wherever yaml-cpp gave up
    CHECK(errors[0].message == "malformed YAML: nested more than 64 levels deep");
  }
  expect_one(good_2025 + "---\n" + good_2025, 8, 1, "one YAML document");
}

TEST_CASE("calendar loader: every problem of a file is reported") {
  const std::string text =
      "year: 2025\n"
      "sorce: x\n"
      "holidays:\n"
      "  - { date: 2025-13-01 }\n"
      "  - { date: 2026-01-01 }\n"
      "workdays:\n"
      "  - { date: 2025-01-27, nme: x }\n";
  auto errors = load_text(text);
  REQUIRE(errors.size() == 6);
  CHECK(errors[0].line == 2);  // unknown key 'sorce'
  CHECK(errors[0].message.find("did you mean 'source'") != std::string::npos);
  CHECK(errors[1].message.find("missing 'source'") != std::string::npos);
  CHECK(errors[2].line == 4);
  CHECK(errors[3].line == 5);
  CHECK(errors[4].line == 7);  // unknown key 'nme'
  CHECK(errors[4].message.find("did you mean 'name'") != std::string::npos);
  CHECK(errors[5].line == 7);  // a Monday
}

TEST_CASE("calendar loader: hostile input never crashes") {
  std::vector<std::string> inputs = {
      std::string(100000, '['),
      std::string(100000, '{'),
      std::string(100000, '[') + std::string(100000, ']'),
      "year: 2025\nsource: x\nholidays: []\nworkdays: []\nx:" + std::string(20000, '\n') + std::string(3000, '-'),
      "year: &a [*a]\n",
      "a: &x 1\nb: *x\n<<: *x\n",
      "year: !!binary aGVsbG8=\nsource: x\nholidays: []\nworkdays: []\n",
      "? [a, b]\n: c\n",
      "year: 2025\nsource: x\nholidays:\n  - { date: [2025-01-01] }\n  - { date: ~ }\n  - {}\nworkdays: [[]]\n",
      "year: 99999999999999999999\n",
      "year: -2025\n",
      "\xff\xfe\x00y\x00e",
      std::string("year: 2025\0\n", 12),
      "\t\t\t",
      "%YAML 9.9\n---\n",
      "!<tag:yaml.org,2002:map>\n",
  };
  // Deterministic pseudo-random bytes (an LCG; no clock).
  std::uint32_t state = 12345;
  for (int i = 0; i < 200; ++i) {
    std::string s = good_2025;
    for (int k = 0; k < 4; ++k) {
      state = state * 1664525u + 1013904223u;
      s[(state >> 8) % s.size()] = static_cast<char>(state >> 24);
    }
    inputs.push_back(s);
  }
  for (const auto& text : inputs) {
    workday_calendar c{"fuzz"};
    std::vector<calendar_load_error> errors;
    load_calendar_year(text, "2025.yaml", c, errors);
    for (const auto& e : errors) {
      CHECK(e.line >= 1);
      CHECK(e.column >= 1);
    }
    if (!errors.empty()) CHECK(c.years().empty());
  }
}

TEST_CASE("calendar loader: directories") {
  std::vector<calendar_load_error> errors;
  CHECK_FALSE(load_calendar_directory(EVENHAND_SOURCE_DIR "/no/such/directory", "x", errors));
  CHECK(errors.empty());
  // A directory without year files loads, but says so.
  auto empty = load_calendar_directory(EVENHAND_SOURCE_DIR "/include", "x", errors);
  REQUIRE(empty);
  CHECK(empty->years().empty());
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message.find("no calendar files") != std::string::npos);
}
