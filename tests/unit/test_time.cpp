// Timestamps, durations and time zones (CEL's google.protobuf.Timestamp / Duration).
#include <evenhand/time.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <cstdio>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <thread>

using namespace evenhand;

namespace {

timestamp ts(std::string_view s) {
  auto t = timestamp::parse(s);
  REQUIRE_MESSAGE(t.has_value(), s);
  return *t;
}

duration dur(std::string_view s) {
  auto d = duration::parse(s);
  REQUIRE_MESSAGE(d.has_value(), s);
  return *d;
}

std::string ts_text(std::string_view s) {
  auto t = timestamp::parse(s);
  return t ? t->to_string() : "<invalid>";
}

std::string dur_text(std::string_view s) {
  auto d = duration::parse(s);
  return d ? d->to_string() : "<invalid>";
}

civil_time civil(std::string_view instant, std::string_view zone) {
  auto c = to_civil(ts(instant), zone);
  REQUIRE_MESSAGE(c.has_value(), zone);
  return *c;
}

}  // namespace

TEST_CASE("time: timestamp parse and print round trip") {
  CHECK(ts_text("2026-03-02T01:30:00Z") == "2026-03-02T01:30:00Z");
  CHECK(ts_text("1970-01-01T00:00:00Z") == "1970-01-01T00:00:00Z");
  CHECK(ts("1970-01-01T00:00:00Z") == timestamp{});
  CHECK(ts("1970-01-01T00:00:01Z").unix_seconds() == 1);
  CHECK(ts("1969-12-31T23:59:59.5Z").unix_seconds() == -1);
  CHECK(ts("1969-12-31T23:59:59.5Z").nanos() == 500'000'000);
  CHECK(ts_text("1969-12-31T23:59:59.5Z") == "1969-12-31T23:59:59.5Z");
  CHECK(ts_text("2024-02-29t12:00:00z") == "2024-02-29T12:00:00Z");
  CHECK(ts("2026-03-02T09:30:00Z").unix_seconds() == 1772443800);
}

TEST_CASE("time: timestamp fractional digits") {
  CHECK(ts_text("1970-01-01T00:00:00.5Z") == "1970-01-01T00:00:00.5Z");
  CHECK(ts_text("1970-01-01T00:00:00.123Z") == "1970-01-01T00:00:00.123Z");
  CHECK(ts_text("1970-01-01T00:00:00.1234Z") == "1970-01-01T00:00:00.1234Z");
  CHECK(ts_text("1970-01-01T00:00:00.000001Z") == "1970-01-01T00:00:00.000001Z");
  CHECK(ts_text("1970-01-01T00:00:00.000000001Z") == "1970-01-01T00:00:00.000000001Z");
  CHECK(ts_text("1970-01-01T00:00:00.000Z") == "1970-01-01T00:00:00Z");
  CHECK(ts("1970-01-01T00:00:00.123456789Z").nanos() == 123456789);
  CHECK_FALSE(timestamp::parse("1970-01-01T00:00:00.1234567890Z"));  // 10 digits
  CHECK_FALSE(timestamp::parse("1970-01-01T00:00:00.Z"));
  CHECK_FALSE(timestamp::parse("1970-01-01T00:00:00."));
}

TEST_CASE("time: timestamp offsets") {
  CHECK(ts("2026-03-02T09:30:00+08:00") == ts("2026-03-02T01:30:00Z"));
  CHECK(ts("2026-03-01T20:00:00-05:30") == ts("2026-03-02T01:30:00Z"));
  CHECK(ts("2026-03-02T01:30:00+00:00") == ts("2026-03-02T01:30:00Z"));
  CHECK(ts("2026-03-02T01:30:00-00:00") == ts("2026-03-02T01:30:00Z"));
  CHECK(ts_text("2026-01-01T07:00:00.25+08:00") == "2025-12-31T23:00:00.25Z");
  CHECK_FALSE(timestamp::parse("2026-03-02T09:30:00+0800"));
  CHECK_FALSE(timestamp::parse("2026-03-02T09:30:00+24:00"));
  CHECK_FALSE(timestamp::parse("2026-03-02T09:30:00+08:60"));
  CHECK_FALSE(timestamp::parse("2026-03-02T09:30:00+08:00Z"));
  CHECK_FALSE(timestamp::parse("2026-03-02T09:30:00"));  // the offset is required
}

TEST_CASE("time: timestamp rejects garbage") {
  for (const char* bad :
       {"", "Z", "2026", "2026-03-02", "2026-03-02T09:30Z", "2026-03-02 09:30:00Z",
        "2026-3-02T09:30:00Z", "2026-03-02T09:30:00ZZ", "2026-02-29T00:00:00Z",
        "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-04-31T00:00:00Z",
        "2026-03-02T24:00:00Z", "2026-03-02T23:60:00Z", "2026-03-02T23:59:60Z",
        "+2026-03-02T09:30:00Z", "2026-03-02T09:30:00+08:0", "2026-03-02T09:30:00 +08:00",
        "２026-03-02T09:30:00Z", "2026-03-02T09:30:0aZ"})
    CHECK_MESSAGE(!timestamp::parse(bad), bad);
  // Truncations of a valid string must all fail without reading past the end.
  const std::string good = "2026-03-02T09:30:00.123456789+08:00";
  for (std::size_t n = 0; n < good.size(); ++n)
    CHECK_FALSE(timestamp::parse(std::string_view(good).substr(0, n)));
  CHECK(timestamp::parse(good));
}

TEST_CASE("time: timestamp range limits") {
  CHECK(ts_text("0001-01-01T00:00:00Z") == "0001-01-01T00:00:00Z");
  CHECK(ts_text("9999-12-31T23:59:59.999999999Z") == "9999-12-31T23:59:59.999999999Z");
  CHECK(ts("0001-01-01T00:00:00Z").unix_seconds() == timestamp::min_seconds);
  CHECK(ts("9999-12-31T23:59:59Z").unix_seconds() == timestamp::max_seconds);
  CHECK_FALSE(timestamp::parse("0000-01-01T00:00:00Z"));
  CHECK_FALSE(timestamp::parse("0000-12-31T23:59:59.999999999Z"));
  CHECK_FALSE(timestamp::parse("10000-01-01T00:00:00Z"));
  CHECK_FALSE(timestamp::parse("0001-01-01T00:00:00+00:01"));  // the instant is before year 1
  CHECK_FALSE(timestamp::parse("9999-12-31T23:59:59-00:01"));  // the instant is after 9999
  CHECK(timestamp::parse("0001-01-01T00:00:00-00:01"));

  CHECK(timestamp::from_parts(0, 0) == timestamp{});
  CHECK(timestamp::from_parts(timestamp::max_seconds, 999'999'999));
  CHECK_FALSE(timestamp::from_parts(timestamp::max_seconds + 1, 0));
  CHECK_FALSE(timestamp::from_parts(timestamp::min_seconds - 1, 999'999'999));
  CHECK_FALSE(timestamp::from_parts(0, -1));
  CHECK_FALSE(timestamp::from_parts(0, 1'000'000'000));
  CHECK_FALSE(timestamp::from_parts(std::numeric_limits<std::int64_t>::min(), 0));
  CHECK_FALSE(timestamp::from_parts(std::numeric_limits<std::int64_t>::max(), 0));
}

TEST_CASE("time: timestamp ordering and to_date") {
  CHECK(ts("2026-03-02T01:30:00Z") < ts("2026-03-02T01:30:00.000000001Z"));
  CHECK(ts("1969-12-31T23:59:59.9Z") < ts("1970-01-01T00:00:00Z"));
  CHECK(ts("2026-03-02T09:30:00+08:00") <= ts("2026-03-02T01:30:00Z"));
  CHECK(ts("2027-01-01T00:00:00Z") > ts("2026-12-31T23:59:59.999Z"));

  const timestamp t = ts("2026-03-02T16:30:00Z");
  CHECK(t.to_date(0) == *date::from_ymd(2026, 3, 2));
  CHECK(t.to_date(8 * 3600) == *date::from_ymd(2026, 3, 3));
  CHECK(ts("2026-03-02T03:00:00Z").to_date(-5 * 3600) == *date::from_ymd(2026, 3, 1));
  CHECK(ts("1969-12-31T23:59:59Z").to_date(0) == *date::from_ymd(1969, 12, 31));
  // Offsets past the ends clamp to the first and last representable day.
  CHECK(ts("0001-01-01T00:00:00Z").to_date(-3600) == *date::from_ymd(1, 1, 1));
  CHECK(ts("9999-12-31T23:00:00Z").to_date(2 * 3600) == *date::from_ymd(9999, 12, 31));
}

TEST_CASE("time: timestamp arithmetic") {
  CHECK(*add(ts("2026-03-02T01:30:00Z"), dur("1h")) == ts("2026-03-02T02:30:00Z"));
  CHECK(*sub(ts("1970-01-01T00:00:00Z"), dur("1ns")) == ts("1969-12-31T23:59:59.999999999Z"));
  CHECK(*add(ts("1970-01-01T00:00:00.5Z"), dur("-1.5s")) == ts("1969-12-31T23:59:59Z"));
  CHECK(*sub(ts("2026-03-02T02:30:00Z"), ts("2026-03-02T01:30:00.5Z")) == dur("59m59.5s"));
  CHECK(*sub(ts("1970-01-01T00:00:00Z"), ts("1970-01-01T00:00:00.25Z")) == dur("-0.25s"));

  CHECK(add(ts("9999-12-31T23:59:59.999999999Z"), dur("0s")));
  CHECK_FALSE(add(ts("9999-12-31T23:59:59.999999999Z"), dur("1ns")));
  CHECK_FALSE(sub(ts("0001-01-01T00:00:00Z"), dur("1ns")));
  CHECK_FALSE(add(ts("2026-01-01T00:00:00Z"), dur("87600000h")));

  const auto span = sub(ts("9999-12-31T23:59:59.999999999Z"), ts("0001-01-01T00:00:00Z"));
  REQUIRE(span);
  CHECK(span->seconds() == timestamp::max_seconds - timestamp::min_seconds);
  CHECK(*add(ts("0001-01-01T00:00:00Z"), *span) == ts("9999-12-31T23:59:59.999999999Z"));
}

TEST_CASE("time: duration parse forms") {
  CHECK(dur("1h2m3.5s").seconds() == 3723);
  CHECK(dur("1h2m3.5s").nanos() == 500'000'000);
  CHECK(dur("-1.5s").seconds() == -1);
  CHECK(dur("-1.5s").nanos() == -500'000'000);
  CHECK(dur("100ms").total_nanos() == 100'000'000);
  CHECK(dur("1µs").total_nanos() == 1000);  // U+00B5 micro sign
  CHECK(dur("1μs").total_nanos() == 1000);  // U+03BC Greek mu, as Go accepts
  CHECK(dur("1us").total_nanos() == 1000);
  CHECK(dur("7ns").total_nanos() == 7);
  CHECK(dur("-2h30m") == *duration::from_parts(-9000, 0));
  CHECK(dur("+1s") == *duration::from_parts(1, 0));
  CHECK(dur(".5s") == *duration::from_parts(0, 500'000'000));
  CHECK(dur("5.s") == *duration::from_parts(5, 0));
  CHECK(dur("1.5ns").total_nanos() == 1);                  // finer than 1 ns is truncated
  CHECK(dur("0.0000000019s").total_nanos() == 1);
  CHECK(dur("1.000000000000000000000001s").total_nanos() == 1'000'000'000);
  CHECK(dur("1m1m") == dur("2m"));
  CHECK(dur("0s") == duration{});
  CHECK(dur("0") == duration{});  // Go's special case
  CHECK(dur("-0") == duration{});

  for (const char* bad : {"", "1x", "1", "s", ".s", "-", "+", "1.5", "1s2", "1 s", " 1s", "1s ",
                          "--1s", "1S", "1H", "1sec", "1s-1s", "1e3s", "µs", "1\xC2s", "00"})
    CHECK_MESSAGE(!duration::parse(bad), bad);
}

TEST_CASE("time: duration printing") {
  CHECK(dur_text("1.5s") == "1.5s");
  CHECK(dur_text("-1ns") == "-0.000000001s");
  CHECK(dur_text("1h") == "3600s");
  CHECK(dur_text("0s") == "0s");
  CHECK(dur_text("1.25ms") == "0.00125s");
  CHECK(dur_text("-2h30m0.1s") == "-9000.1s");
  CHECK(dur_text("1.123456789s") == "1.123456789s");
  // The printed form, with its unit "s", parses back to the same duration.
  for (const char* s : {"1.5s", "-1ns", "1h", "0s", "-2h30m0.1s", "87658h12m"})
    CHECK(*duration::parse(dur(s).to_string()) == dur(s));
}

TEST_CASE("time: duration range and normalisation") {
  CHECK(duration::from_parts(1, 1'500'000'000)->seconds() == 2);
  CHECK(duration::from_parts(1, 1'500'000'000)->nanos() == 500'000'000);
  CHECK(duration::from_parts(1, -1)->seconds() == 0);
  CHECK(duration::from_parts(1, -1)->nanos() == 999'999'999);
  CHECK(duration::from_parts(-1, 1)->nanos() == -999'999'999);
  CHECK(duration::from_nanos(-1)->seconds() == 0);
  CHECK(duration::from_nanos(-1)->nanos() == -1);

  CHECK(duration::from_parts(duration::max_seconds, 999'999'999));
  CHECK(duration::from_parts(-duration::max_seconds, -999'999'999));
  CHECK_FALSE(duration::from_parts(duration::max_seconds + 1, 0));
  CHECK_FALSE(duration::from_parts(duration::max_seconds, 1'000'000'000));
  CHECK_FALSE(duration::from_parts(std::numeric_limits<std::int64_t>::min(),
                                   std::numeric_limits<std::int32_t>::min()));
  CHECK_FALSE(duration::from_nanos(std::numeric_limits<__int128>::max()));
  CHECK_FALSE(duration::from_nanos(std::numeric_limits<__int128>::min()));

  CHECK(duration::parse("315576000000s"));
  CHECK(duration::parse("-315576000000.999999999s"));
  CHECK_FALSE(duration::parse("315576000001s"));
  CHECK(duration::parse("87660000h"));  // exactly the limit
  CHECK_FALSE(duration::parse("87660000h1s"));
  CHECK_FALSE(duration::parse("99999999999999999999999999999999999999999999h"));
  CHECK_FALSE(duration::parse("200000000000s200000000000s"));

  const duration max = *duration::from_parts(duration::max_seconds, 999'999'999);
  CHECK_FALSE(add(max, dur("1ns")));
  CHECK_FALSE(sub(dur("-1s"), max));
  CHECK(*add(max, dur("-1ns")) == *duration::from_parts(duration::max_seconds, 999'999'998));
  CHECK(*add(dur("1.5s"), dur("-2s")) == dur("-0.5s"));
  CHECK(*sub(dur("1s"), dur("1.000000001s")) == dur("-1ns"));
}

TEST_CASE("time: duration ordering") {
  CHECK(dur("-1s") < dur("-0.5s"));
  CHECK(dur("-0.5s") < dur("0s"));
  CHECK(dur("0s") < dur("1ns"));
  CHECK(dur("59m59.999999999s") < dur("1h"));
  CHECK(dur("60m") == dur("1h"));
  CHECK(dur("1h") >= dur("3600s"));
  CHECK((dur("2s") <=> dur("1s")) == std::strong_ordering::greater);
}

TEST_CASE("time: to_civil in UTC and fixed offsets") {
  const civil_time u = civil("2026-03-02T16:30:05.25Z", "");
  CHECK(u.year == 2026);
  CHECK(u.month == 3);
  CHECK(u.day == 2);
  CHECK(u.weekday == 1);  // Monday
  CHECK(u.day_of_year == 60);
  CHECK(u.hour == 16);
  CHECK(u.minute == 30);
  CHECK(u.second == 5);
  CHECK(u.nanos == 250'000'000);
  CHECK(civil("2026-03-02T16:30:05Z", "UTC").hour == 16);
  CHECK(civil("2026-03-02T16:30:05Z", "Z").hour == 16);
  CHECK(civil("2024-12-31T12:00:00Z", "UTC").day_of_year == 365);  // leap year

  const civil_time e = civil("2026-03-02T16:30:00Z", "+08:00");
  CHECK(e.day == 3);
  CHECK(e.hour == 0);
  CHECK(e.minute == 30);
  CHECK(e.weekday == 2);
  const civil_time w = civil("2026-01-01T03:00:00Z", "-05:30");
  CHECK(w.year == 2025);
  CHECK(w.month == 12);
  CHECK(w.day == 31);
  CHECK(w.hour == 21);
  CHECK(w.minute == 30);
  CHECK(w.day_of_year == 364);

  // The ends of the range still give fields, in years 0 and 10000.
  CHECK(civil("0001-01-01T00:00:00Z", "-01:00").year == 0);
  CHECK(civil("9999-12-31T23:59:59Z", "+01:00").year == 10000);

  CHECK_FALSE(to_civil(timestamp{}, "+8:00"));
  CHECK_FALSE(to_civil(timestamp{}, "+08:0"));
  CHECK_FALSE(to_civil(timestamp{}, "+24:00"));
  CHECK_FALSE(to_civil(timestamp{}, "08:00"));  // CEL's bare "08:00" is normalised by the caller
}

TEST_CASE("time: to_civil with IANA zones") {
  const civil_time s = civil("2026-03-02T16:30:00Z", "Asia/Shanghai");
  CHECK(s.year == 2026);
  CHECK(s.month == 3);
  CHECK(s.day == 3);
  CHECK(s.hour == 0);
  CHECK(s.minute == 30);
  CHECK(s.weekday == 2);
  CHECK(s.day_of_year == 61);
  // China kept daylight saving time in 1986–1991.
  CHECK(civil("1988-07-01T00:00:00Z", "Asia/Shanghai").hour == 9);

  // Los Angeles across daylight saving time, from the transition table.
  CHECK(civil("2025-07-01T12:00:00Z", "America/Los_Angeles").hour == 5);
  CHECK(civil("2025-01-15T12:00:00Z", "America/Los_Angeles").hour == 4);
  // Around the 2025 transitions (Mar 9 10:00Z, Nov 2 09:00Z).
  CHECK(civil("2025-03-09T09:59:59Z", "America/Los_Angeles").hour == 1);
  CHECK(civil("2025-03-09T10:00:00Z", "America/Los_Angeles").hour == 3);
  CHECK(civil("2025-11-02T08:59:59Z", "America/Los_Angeles").hour == 1);
  CHECK(civil("2025-11-02T09:00:00Z", "America/Los_Angeles").hour == 1);
  // Far beyond the last transition the footer rule "PST8PDT,M3.2.0,M11.1.0" decides.
  CHECK(civil("2090-07-01T12:00:00Z", "America/Los_Angeles").hour == 5);
  CHECK(civil("2090-01-15T12:00:00Z", "America/Los_Angeles").hour == 4);
  CHECK(civil("2090-03-12T09:59:59Z", "America/Los_Angeles").hour == 1);  // Sun Mar 12 2090
  CHECK(civil("2090-03-12T10:00:00Z", "America/Los_Angeles").hour == 3);
  CHECK(civil("2090-11-05T08:59:59Z", "America/Los_Angeles").hour == 1);  // Sun Nov 5 2090
  CHECK(civil("2090-11-05T09:00:00Z", "America/Los_Angeles").hour == 1);
  CHECK(civil("9999-12-31T23:59:59Z", "America/Los_Angeles").hour == 15);
  // Southern hemisphere: daylight saving time spans the new year.
  CHECK(civil("2090-01-15T00:00:00Z", "Australia/Sydney").hour == 11);
  CHECK(civil("2090-07-15T00:00:00Z", "Australia/Sydney").hour == 10);
  // Before the first transition: local mean time of the first time type.
  CHECK(civil("1800-01-01T12:00:00Z", "America/Los_Angeles").hour == 4);
  CHECK(civil("1800-01-01T12:00:00Z", "America/Los_Angeles").minute == 7);
  CHECK(civil("2026-03-02T12:00:00Z", "Asia/Tehran").minute == 30);  // "<+0330>-3:30"
  // Cached zones answer the same.
  CHECK(civil("2025-07-01T12:00:00Z", "America/Los_Angeles").hour == 5);
}

TEST_CASE("time: to_civil answers the same for zones alternating on several threads") {
  // Each thread remembers the zone it asked for last: switching zones, and threads that ask
  // in another order, must not mix them up.
  auto work = [](int first, bool& ok) {
    const timestamp t = ts("2025-07-01T12:00:00Z");
    for (int i = 0; i < 200; ++i) {
      const bool shanghai = (i + first) % 3 != 0;
      auto c = to_civil(t, shanghai ? "Asia/Shanghai" : "America/Los_Angeles");
      if (!c || c->hour != (shanghai ? 20 : 5)) ok = false;
      // An unknown zone is refused each time and leaves the remembered zone as it was (the
      // next iteration's conversion checks that).
      if (to_civil(t, "Mars/Olympus_Mons")) ok = false;
    }
  };
  bool a = true, b = true;
  std::thread other(work, 1, std::ref(b));
  work(0, a);
  other.join();
  CHECK(a);
  CHECK(b);
}

TEST_CASE("time: to_civil rejects unknown and unsafe zone names") {
  const timestamp t{};
  for (const char* bad : {"Mars/Olympus_Mons", "../etc/passwd", "/etc/localtime", "Asia/../UTC",
                          "Asia/Shanghai ", "Asia\\Shanghai", "Asia/Shanghai\n", "Asia/", "Asia",
                          "zone.tab", "utc", "America/Los_Angeles/x", "+08:00:00"})
    CHECK_MESSAGE(!to_civil(t, bad), bad);
  CHECK_FALSE(to_civil(t, std::string_view("Asia/Shanghai\0x", 15)));
  CHECK_FALSE(to_civil(t, std::string(300, 'A')));
}

TEST_CASE("time: a date's text is its year, month and day, zero-padded, at every day of the range's edges") {
  // write() puts the digits in place; compare it with the parts read back one by one, on the
  // first and last days of the range and across every day of a leap and a common year.
  auto check_text = [](date d) {
    char buf[date::text_size + 1] = {};
    REQUIRE(d.write(buf) == buf + date::text_size);
    const std::string text(buf, date::text_size);
    REQUIRE(text == d.to_string());
    char expected[16];
    std::snprintf(expected, sizeof expected, "%04d-%02d-%02d", d.year(), d.month(), d.day());
    REQUIRE(text == expected);
    REQUIRE(date::parse(text) == d);
  };
  for (auto days : {date::min_days(), date::min_days() + 1, std::int64_t{-1}, std::int64_t{0},
                    date::max_days() - 1, date::max_days()})
    check_text(*date::from_days(days));
  for (std::int64_t days = date::from_ymd(2023, 12, 25)->days(); days < date::from_ymd(2025, 1, 8)->days(); ++days)
    check_text(*date::from_days(days));
  for (int year : {1, 9, 10, 99, 100, 999, 1000, 1999, 2000, 9999}) check_text(*date::from_ymd(year, 7, 1));
}
