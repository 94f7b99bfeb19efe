// Instants and spans of time with CEL semantics (google.protobuf.Timestamp and Duration), and
// the wall-clock view of an instant in a time zone (fixed offset or IANA TZif rules).
#pragma once

#include <evenhand/date.hpp>

#include <algorithm>
#include <compare>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace evenhand {

namespace detail {

// GCC/Clang extension; __extension__ keeps -pedantic builds quiet.
__extension__ typedef __int128 int128;

inline constexpr std::int64_t nanos_per_second = 1'000'000'000;
inline constexpr std::int64_t seconds_per_day = 86'400;

/// Floor division for a positive divisor (C++ '/' truncates towards zero).
constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

/// Writes v as exactly `width` decimal digits (v must be non-negative and fit).
inline void append_digits(std::string& out, std::int64_t v, int width) {
  char buf[20];
  for (int i = width - 1; i >= 0; --i, v /= 10) buf[i] = static_cast<char>('0' + v % 10);
  out.append(buf, static_cast<std::size_t>(width));
}

/// Appends a non-negative v in as many decimal digits as it needs (no locale involved).
inline void append_decimal(std::string& out, std::int64_t v) {
  int width = 1;
  for (std::int64_t p = v; p >= 10; p /= 10) ++width;
  append_digits(out, v, width);
}

/// Appends the fraction in its shortest exact form (".5", ".000000001"), or nothing when nanos
/// is 0 — as CEL implementations print timestamps (RFC 3339 "Nano") and durations.
inline void append_fraction(std::string& out, std::int32_t nanos) {
  if (nanos == 0) return;
  out += '.';
  int width = 9;
  while (nanos % 10 == 0) nanos /= 10, --width;
  append_digits(out, nanos, width);
}

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

/// Reads exactly n digits at s[pos...] into out; false if the text is short or not digits.
constexpr bool read_fixed_digits(std::string_view s, std::size_t pos, std::size_t n, int& out) noexcept {
  if (pos > s.size() || s.size() - pos < n) return false;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!is_digit(s[pos + i])) return false;
    v = v * 10 + (s[pos + i] - '0');
  }
  out = v;
  return true;
}

/// "+HH:MM" / "-HH:MM" as seconds east of UTC (hours 0–23, minutes 0–59).
constexpr std::optional<std::int32_t> parse_fixed_offset(std::string_view s) noexcept {
  if (s.size() != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':') return std::nullopt;
  int h = 0, m = 0;
  if (!read_fixed_digits(s, 1, 2, h) || !read_fixed_digits(s, 4, 2, m) || h > 23 || m > 59)
    return std::nullopt;
  const std::int32_t off = h * 3600 + m * 60;
  return s[0] == '-' ? -off : off;
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// duration

/// A signed span of time: seconds + nanos with the same sign and |nanos| < 1e9, within the
/// protobuf Duration range of ±315,576,000,000 s (about ±10,000 years).
class duration {
 public:
  static constexpr std::int64_t max_seconds = 315'576'000'000;

  constexpr duration() noexcept = default;

  /// seconds + nanos (nanos may be any int32; it is folded into seconds), or nullopt out of range.
  static std::optional<duration> from_parts(std::int64_t seconds, std::int32_t nanos) noexcept {
    return from_nanos(static_cast<detail::int128>(seconds) * detail::nanos_per_second + nanos);
  }

  static std::optional<duration> from_nanos(detail::int128 total) noexcept {
    if (total > max_total_nanos() || total < -max_total_nanos()) return std::nullopt;
    // Truncating division keeps seconds and nanos on the same side of zero, as protobuf wants.
    return duration(static_cast<std::int64_t>(total / detail::nanos_per_second),
                    static_cast<std::int32_t>(total % detail::nanos_per_second));
  }

  /// CEL/Go duration text: optional sign, then one or more <decimal number><unit> with units
  /// h, m, s, ms, us, µs, ns ("1.5s", "-2h30m", "0s"). As in Go, a bare "0" is also accepted.
  /// Digits finer than a nanosecond are truncated. nullopt if invalid or out of range.
  static std::optional<duration> parse(std::string_view s) noexcept {
    using detail::int128;
    bool negative = false;
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
      negative = s[0] == '-';
      s.remove_prefix(1);
    }
    if (s == "0") return duration();
    if (s.empty()) return std::nullopt;
    // Anything larger than this is out of range whatever the unit; the cap keeps every
    // intermediate product far below the int128 limit.
    constexpr int128 int_cap = static_cast<int128>(max_seconds + 1) * detail::nanos_per_second;
    constexpr int128 frac_cap = 100'000'000'000'000'000;  // 1e17: more digits add nothing
    int128 total = 0;
    std::size_t i = 0;
    while (i < s.size()) {
      int128 whole = 0;
      const std::size_t int_start = i;
      for (; i < s.size() && detail::is_digit(s[i]); ++i) {
        whole = whole * 10 + (s[i] - '0');
        if (whole > int_cap) return std::nullopt;
      }
      const bool has_int = i > int_start;
      int128 frac = 0, scale = 1;
      bool has_frac = false;
      if (i < s.size() && s[i] == '.') {
        ++i;
        const std::size_t frac_start = i;
        for (; i < s.size() && detail::is_digit(s[i]); ++i)
          if (scale < frac_cap) {
            frac = frac * 10 + (s[i] - '0');
            scale *= 10;
          }
        has_frac = i > frac_start;
      }
      if (!has_int && !has_frac) return std::nullopt;
      const std::size_t unit_start = i;
      while (i < s.size() && s[i] != '.' && !detail::is_digit(s[i])) ++i;
      const std::int64_t unit = unit_nanos(s.substr(unit_start, i - unit_start));
      if (unit == 0) return std::nullopt;
      total += whole * unit + frac * unit / scale;
      if (total > max_total_nanos()) return std::nullopt;
    }
    return from_nanos(negative ? -total : total);
  }

  constexpr std::int64_t seconds() const noexcept { return seconds_; }
  constexpr std::int32_t nanos() const noexcept { return nanos_; }
  constexpr detail::int128 total_nanos() const noexcept {
    return static_cast<detail::int128>(seconds_) * detail::nanos_per_second + nanos_;
  }

  /// Seconds with the shortest exact fraction and suffix "s": "1.5s", "-0.000000001s", "3600s".
  std::string to_string() const {
    std::string out;
    if (seconds_ < 0 || nanos_ < 0) out += '-';
    detail::append_decimal(out, seconds_ < 0 ? -seconds_ : seconds_);  // |seconds| ≤ max_seconds
    detail::append_fraction(out, nanos_ < 0 ? -nanos_ : nanos_);
    out += 's';
    return out;
  }

  friend bool operator==(const duration&, const duration&) = default;
  friend std::strong_ordering operator<=>(const duration& a, const duration& b) noexcept {
    return a.total_nanos() <=> b.total_nanos();
  }

 private:
  constexpr duration(std::int64_t s, std::int32_t n) noexcept : seconds_(s), nanos_(n) {}

  static constexpr detail::int128 max_total_nanos() noexcept {
    return static_cast<detail::int128>(max_seconds) * detail::nanos_per_second +
           (detail::nanos_per_second - 1);
  }

  /// Nanoseconds in one unit, or 0 for an unknown unit. Both micro signs are accepted, as in Go.
  static constexpr std::int64_t unit_nanos(std::string_view u) noexcept {
    if (u == "ns") return 1;
    if (u == "us" || u == "\u00B5s" || u == "\u03BCs") return 1'000;
    if (u == "ms") return 1'000'000;
    if (u == "s") return detail::nanos_per_second;
    if (u == "m") return 60 * detail::nanos_per_second;
    if (u == "h") return 3600 * detail::nanos_per_second;
    return 0;
  }

  std::int64_t seconds_ = 0;
  std::int32_t nanos_ = 0;
};

inline std::optional<duration> add(duration a, duration b) noexcept {
  return duration::from_nanos(a.total_nanos() + b.total_nanos());
}

inline std::optional<duration> sub(duration a, duration b) noexcept {
  return duration::from_nanos(a.total_nanos() - b.total_nanos());
}

// ---------------------------------------------------------------------------------------------
// timestamp

/// An instant: seconds since the Unix epoch + nanos in [0, 1e9), within
/// 0001-01-01T00:00:00Z … 9999-12-31T23:59:59.999999999Z (the protobuf Timestamp range).
class timestamp {
 public:
  static constexpr std::int64_t min_seconds = date::min_days() * detail::seconds_per_day;
  static constexpr std::int64_t max_seconds = date::max_days() * detail::seconds_per_day + 86'399;

  constexpr timestamp() noexcept = default;  // 1970-01-01T00:00:00Z

  /// nanos must be in [0, 1e9); nullopt when either part is out of range.
  static constexpr std::optional<timestamp> from_parts(std::int64_t unix_seconds,
                                                       std::int32_t nanos) noexcept {
    if (unix_seconds < min_seconds || unix_seconds > max_seconds || nanos < 0 ||
        nanos >= detail::nanos_per_second)
      return std::nullopt;
    return timestamp(unix_seconds, nanos);
  }

  /// RFC 3339: "2026-03-02T09:30:00Z", fractional seconds of 1–9 digits, "Z"/"z" or
  /// "+08:00"/"-05:30" offset; 'T' or 't'. Seconds 60 (leap seconds) are refused, as in Go.
  /// nullopt if invalid or if the instant is out of range.
  static constexpr std::optional<timestamp> parse(std::string_view s) noexcept {
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
    if (!detail::read_fixed_digits(s, 0, 4, y) || s.size() < 20 || s[4] != '-' ||
        !detail::read_fixed_digits(s, 5, 2, mo) || s[7] != '-' ||
        !detail::read_fixed_digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't') ||
        !detail::read_fixed_digits(s, 11, 2, h) || s[13] != ':' ||
        !detail::read_fixed_digits(s, 14, 2, mi) || s[16] != ':' ||
        !detail::read_fixed_digits(s, 17, 2, sec))
      return std::nullopt;
    if (mo < 1 || mo > 12 || d < 1 ||
        static_cast<unsigned>(d) > detail::days_in_month(y, static_cast<unsigned>(mo)) || h > 23 ||
        mi > 59 || sec > 59)
      return std::nullopt;
    std::size_t i = 19;
    std::int32_t nanos = 0;
    if (i < s.size() && s[i] == '.') {
      ++i;
      int digits = 0;
      for (; i < s.size() && detail::is_digit(s[i]); ++i, ++digits) {
        if (digits == 9) return std::nullopt;
        nanos = nanos * 10 + (s[i] - '0');
      }
      if (digits == 0) return std::nullopt;
      for (int k = digits; k < 9; ++k) nanos *= 10;
    }
    std::int32_t offset = 0;
    const std::string_view zone = s.substr(std::min(i, s.size()));
    if (zone != "Z" && zone != "z") {
      auto off = detail::parse_fixed_offset(zone);
      if (!off) return std::nullopt;
      offset = *off;
    }
    // Year 0000 or an offset may push the instant outside the range: from_parts decides.
    const std::int64_t days =
        detail::days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
    return from_parts(days * detail::seconds_per_day + h * 3600 + mi * 60 + sec - offset, nanos);
  }

  constexpr std::int64_t unix_seconds() const noexcept { return seconds_; }
  constexpr std::int32_t nanos() const noexcept { return nanos_; }

  /// RFC 3339 in UTC with "Z"; the shortest exact fraction, only when nanos != 0:
  /// "2026-03-02T01:30:00Z", "1970-01-01T00:00:00.5Z".
  std::string to_string() const {
    const std::int64_t days = detail::floor_div(seconds_, detail::seconds_per_day);
    const std::int64_t sod = seconds_ - days * detail::seconds_per_day;
    const auto c = detail::civil_from_days(days);
    std::string out;
    out.reserve(30);
    detail::append_digits(out, c.year, 4);
    out += '-';
    detail::append_digits(out, c.month, 2);
    out += '-';
    detail::append_digits(out, c.day, 2);
    out += 'T';
    detail::append_digits(out, sod / 3600, 2);
    out += ':';
    detail::append_digits(out, sod / 60 % 60, 2);
    out += ':';
    detail::append_digits(out, sod % 60, 2);
    detail::append_fraction(out, nanos_);
    out += 'Z';
    return out;
  }

  /// The civil date of this instant at a fixed UTC offset (seconds east), e.g. +8h for China.
  /// An offset that carries the day past 0001-01-01 or 9999-12-31 is clamped to that day.
  constexpr date to_date(std::int32_t utc_offset_seconds) const noexcept {
    const std::int64_t days =
        detail::floor_div(seconds_ + utc_offset_seconds, detail::seconds_per_day);
    return *date::from_days(std::clamp(days, date::min_days(), date::max_days()));
  }

  friend bool operator==(const timestamp&, const timestamp&) = default;
  friend constexpr std::strong_ordering operator<=>(const timestamp& a, const timestamp& b) noexcept {
    if (auto c = a.seconds_ <=> b.seconds_; c != 0) return c;
    return a.nanos_ <=> b.nanos_;
  }

 private:
  constexpr timestamp(std::int64_t s, std::int32_t n) noexcept : seconds_(s), nanos_(n) {}

  std::int64_t seconds_ = 0;
  std::int32_t nanos_ = 0;
};

namespace detail {

/// The instant `nanos` after the epoch, when in range.
inline std::optional<timestamp> timestamp_from_nanos(int128 nanos) noexcept {
  // Floor split so that the nanos part is never negative.
  int128 secs = nanos / nanos_per_second, rem = nanos % nanos_per_second;
  if (rem < 0) {
    rem += nanos_per_second;
    --secs;
  }
  if (secs < timestamp::min_seconds || secs > timestamp::max_seconds) return std::nullopt;
  return timestamp::from_parts(static_cast<std::int64_t>(secs), static_cast<std::int32_t>(rem));
}

inline int128 timestamp_nanos(timestamp t) noexcept {
  return static_cast<int128>(t.unix_seconds()) * nanos_per_second + t.nanos();
}

}  // namespace detail

inline std::optional<timestamp> add(timestamp t, duration d) noexcept {
  return detail::timestamp_from_nanos(detail::timestamp_nanos(t) + d.total_nanos());
}

inline std::optional<timestamp> sub(timestamp t, duration d) noexcept {
  return detail::timestamp_from_nanos(detail::timestamp_nanos(t) - d.total_nanos());
}

/// a − b. Always in range for valid timestamps (the span is under 10,000 years).
inline std::optional<duration> sub(timestamp a, timestamp b) noexcept {
  return duration::from_nanos(detail::timestamp_nanos(a) - detail::timestamp_nanos(b));
}

// ---------------------------------------------------------------------------------------------
// Time zones

/// The wall-clock fields of an instant in a zone (CEL's timestamp getters).
struct civil_time {
  std::int64_t year;
  int month;        ///< 1–12
  int day;          ///< 1–31
  int weekday;      ///< 0 = Sunday
  int day_of_year;  ///< 0-based, as CEL's getDayOfYear
  int hour, minute, second;
  std::int32_t nanos;
};

namespace detail::tz {

/// One "Mm.w.d", "Jn" or "n" date of a POSIX TZ rule, plus its time of day (local seconds).
struct rule_date {
  enum class form { julian_no_leap, zero_based, month_week_day } kind = form::month_week_day;
  int month = 0, week = 0, day = 0;  // month_week_day: 1–12, 1–5, 0–6; the others use day only
  std::int32_t time = 7200;          // default 02:00:00
};

/// A POSIX TZ string such as "CST-8", "EST5EDT,M3.2.0,M11.1.0" or "<+0330>-3:30".
struct posix_rule {
  std::int32_t std_utoff = 0;  // seconds east of UTC (POSIX offsets count west, so negated)
  bool has_dst = false;
  std::int32_t dst_utoff = 0;
  rule_date start, end;
};

/// A parsed TZif file: transitions (ascending), their local-time types, and the footer rule.
struct zone_rules {
  std::vector<std::int64_t> transitions;
  std::vector<std::uint8_t> type_index;  // one per transition
  std::vector<std::int32_t> utoffs;      // per local-time type
  std::optional<posix_rule> footer;
};

/// A cursor over a POSIX TZ string; every read checks the end first.
class posix_parser {
 public:
  explicit posix_parser(std::string_view s) noexcept : s_(s) {}

  std::optional<posix_rule> parse() noexcept {
    posix_rule r;
    if (!name()) return std::nullopt;
    auto std_off = offset(24);
    if (!std_off) return std::nullopt;
    r.std_utoff = -*std_off;
    if (at_end()) return r;
    if (!name()) return std::nullopt;
    r.has_dst = true;
    r.dst_utoff = r.std_utoff + 3600;  // POSIX default: one hour ahead of standard time
    if (!at_end() && peek() != ',') {
      auto dst_off = offset(24);
      if (!dst_off) return std::nullopt;
      r.dst_utoff = -*dst_off;
    }
    if (at_end()) {
      // No rule: glibc's default, the US rules.
      r.start = {rule_date::form::month_week_day, 3, 2, 0, 7200};
      r.end = {rule_date::form::month_week_day, 11, 1, 0, 7200};
      return r;
    }
    if (!eat(',') || !date_time(r.start) || !eat(',') || !date_time(r.end) || !at_end())
      return std::nullopt;
    return r;
  }

 private:
  bool at_end() const noexcept { return i_ >= s_.size(); }
  char peek() const noexcept { return s_[i_]; }
  bool eat(char c) noexcept {
    if (at_end() || peek() != c) return false;
    ++i_;
    return true;
  }

  // A zone abbreviation: three or more letters, or <...> of letters, digits, '+' and '-'.
  bool name() noexcept {
    auto alpha = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
    std::size_t start = i_;
    if (eat('<')) {
      start = i_;
      while (!at_end() && (alpha(peek()) || is_digit(peek()) || peek() == '+' || peek() == '-')) ++i_;
      const std::size_t len = i_ - start;
      return eat('>') && len >= 3;
    }
    while (!at_end() && alpha(peek())) ++i_;
    return i_ - start >= 3;
  }

  // One or more digits with a value not over `max` (stops early, so no overflow).
  std::optional<int> number(int max) noexcept {
    int v = 0;
    const std::size_t start = i_;
    while (!at_end() && is_digit(peek())) {
      v = v * 10 + (peek() - '0');
      if (v > max) return std::nullopt;
      ++i_;
    }
    if (i_ == start) return std::nullopt;
    return v;
  }

  // [+-]hh[:mm[:ss]] in seconds, hours at most max_hours.
  std::optional<std::int32_t> offset(int max_hours) noexcept {
    bool negative = false;
    if (!at_end() && (peek() == '+' || peek() == '-')) negative = s_[i_++] == '-';
    auto h = number(max_hours);
    if (!h) return std::nullopt;
    std::int32_t v = *h * 3600;
    if (eat(':')) {
      auto m = number(59);
      if (!m) return std::nullopt;
      v += *m * 60;
      if (eat(':')) {
        auto sec = number(59);
        if (!sec) return std::nullopt;
        v += *sec;
      }
    }
    return negative ? -v : v;
  }

  bool date_time(rule_date& d) noexcept {
    if (eat('M')) {
      auto m = number(12);
      if (!m || *m < 1 || !eat('.')) return false;
      auto w = number(5);
      if (!w || *w < 1 || !eat('.')) return false;
      auto wd = number(6);
      if (!wd) return false;
      d = {rule_date::form::month_week_day, *m, *w, *wd, 7200};
    } else if (eat('J')) {
      auto n = number(365);
      if (!n || *n < 1) return false;
      d = {rule_date::form::julian_no_leap, 0, 0, *n, 7200};
    } else {
      auto n = number(365);
      if (!n) return false;
      d = {rule_date::form::zero_based, 0, 0, *n, 7200};
    }
    if (eat('/')) {
      // RFC 8536 extends the POSIX 0–24 hours to −167…167.
      auto t = offset(167);
      if (!t) return false;
      d.time = *t;
    }
    return true;
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

/// Days since the epoch of a rule date in year y.
inline std::int64_t rule_day(const rule_date& d, std::int64_t y) noexcept {
  const std::int64_t jan1 = days_from_civil(y, 1, 1);
  switch (d.kind) {
    case rule_date::form::julian_no_leap:  // Feb 29 is never counted
      return jan1 + d.day - 1 + (is_leap_year(y) && d.day >= 60 ? 1 : 0);
    case rule_date::form::zero_based: return jan1 + d.day;
    case rule_date::form::month_week_day: break;
  }
  const auto m = static_cast<unsigned>(d.month);
  const std::int64_t first = days_from_civil(y, m, 1);
  const auto wd = static_cast<int>(weekday_from_days(first));
  std::int64_t day = first + (d.day - wd + 7) % 7 + 7 * (d.week - 1);
  const std::int64_t last = first + days_in_month(y, m) - 1;
  while (day > last) day -= 7;  // week 5 means "the last such weekday"
  return day;
}

/// The UTC offset a POSIX rule gives at unix time t.
inline std::int32_t posix_utoff(const posix_rule& r, std::int64_t t) noexcept {
  if (!r.has_dst) return r.std_utoff;
  const std::int64_t y = civil_from_days(floor_div(t + r.std_utoff, seconds_per_day)).year;
  // Each transition time is written in the local time in force just before it.
  const std::int64_t start = rule_day(r.start, y) * seconds_per_day + r.start.time - r.std_utoff;
  const std::int64_t end = rule_day(r.end, y) * seconds_per_day + r.end.time - r.dst_utoff;
  const bool dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
  return dst ? r.dst_utoff : r.std_utoff;
}

/// Big-endian reader over a byte buffer; reads past the end fail rather than overrun.
class be_reader {
 public:
  explicit be_reader(std::string_view b) noexcept : b_(b) {}
  std::size_t remaining() const noexcept { return b_.size() - i_; }
  bool skip(std::uint64_t n) noexcept {
    if (n > remaining()) return false;
    i_ += static_cast<std::size_t>(n);
    return true;
  }
  std::optional<std::uint64_t> read(int bytes) noexcept {
    if (static_cast<std::size_t>(bytes) > remaining()) return std::nullopt;
    std::uint64_t v = 0;
    for (int k = 0; k < bytes; ++k) v = (v << 8) | static_cast<unsigned char>(b_[i_++]);
    return v;
  }
  std::string_view rest() const noexcept { return b_.substr(i_); }

 private:
  std::string_view b_;
  std::size_t i_ = 0;
};

/// Parses TZif (RFC 8536) v1, or the 64-bit block and footer of v2+. Leap-second records
/// are skipped, as Go and most CEL runtimes do.
inline std::optional<zone_rules> parse_tzif(std::string_view bytes) {
  be_reader in(bytes);
  struct header {
    char version;
    std::uint64_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
  };
  auto read_header = [&]() -> std::optional<header> {
    if (in.remaining() < 44 || in.rest().substr(0, 4) != "TZif") return std::nullopt;
    header h{};
    h.version = in.rest()[4];
    in.skip(20);
    h.isutcnt = *in.read(4);
    h.isstdcnt = *in.read(4);
    h.leapcnt = *in.read(4);
    h.timecnt = *in.read(4);
    h.typecnt = *in.read(4);
    h.charcnt = *in.read(4);
    if (h.typecnt == 0 || h.typecnt > 256 || (h.isutcnt != 0 && h.isutcnt != h.typecnt) ||
        (h.isstdcnt != 0 && h.isstdcnt != h.typecnt))
      return std::nullopt;
    return h;
  };
  auto block_size = [](const header& h, std::uint64_t time_size) {
    // Counts are below 2^32, so this sum cannot overflow 64 bits.
    return h.timecnt * time_size + h.timecnt + h.typecnt * 6 + h.charcnt +
           h.leapcnt * (time_size + 4) + h.isstdcnt + h.isutcnt;
  };

  auto h = read_header();
  if (!h) return std::nullopt;
  int time_size = 4;
  if (h->version >= '2') {
    if (!in.skip(block_size(*h, 4))) return std::nullopt;
    h = read_header();
    if (!h) return std::nullopt;
    time_size = 8;
  }
  if (block_size(*h, static_cast<std::uint64_t>(time_size)) > in.remaining()) return std::nullopt;

  zone_rules z;
  z.transitions.reserve(static_cast<std::size_t>(h->timecnt));
  for (std::uint64_t k = 0; k < h->timecnt; ++k) {
    const std::uint64_t raw = *in.read(time_size);
    const std::int64_t t = time_size == 4 ? static_cast<std::int32_t>(static_cast<std::uint32_t>(raw))
                                          : static_cast<std::int64_t>(raw);
    if (!z.transitions.empty() && t <= z.transitions.back()) return std::nullopt;
    z.transitions.push_back(t);
  }
  z.type_index.reserve(static_cast<std::size_t>(h->timecnt));
  for (std::uint64_t k = 0; k < h->timecnt; ++k) {
    const auto idx = static_cast<std::uint8_t>(*in.read(1));
    if (idx >= h->typecnt) return std::nullopt;
    z.type_index.push_back(idx);
  }
  for (std::uint64_t k = 0; k < h->typecnt; ++k) {
    const auto utoff = static_cast<std::int32_t>(static_cast<std::uint32_t>(*in.read(4)));
    in.skip(2);  // isdst, desigidx: abbreviations play no part here
    // RFC 8536 forbids −2^31; anything beyond a week is nonsense, and refusing it keeps
    // later additions trivially in range.
    if (utoff < -604'800 || utoff > 604'800) return std::nullopt;
    z.utoffs.push_back(utoff);
  }
  in.skip(h->charcnt + h->leapcnt * static_cast<std::uint64_t>(time_size + 4) + h->isstdcnt +
          h->isutcnt);

  if (time_size == 8) {
    // Footer: "\n" TZ-string "\n"; an empty string means "no rule".
    std::string_view rest = in.rest();
    if (rest.size() < 2 || rest[0] != '\n') return std::nullopt;
    const std::size_t close = rest.find('\n', 1);
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view tz = rest.substr(1, close - 1);
    if (!tz.empty()) {
      z.footer = posix_parser(tz).parse();
      if (!z.footer) return std::nullopt;
    }
  }
  return z;
}

/// The UTC offset of zone z at unix time t.
inline std::int32_t utoff_at(const zone_rules& z, std::int64_t t) noexcept {
  if (z.transitions.empty()) return z.footer ? posix_utoff(*z.footer, t) : z.utoffs[0];
  if (t < z.transitions.front()) return z.utoffs[0];  // RFC 8536: time type 0
  if (t >= z.transitions.back() && z.footer) return posix_utoff(*z.footer, t);
  const auto it = std::upper_bound(z.transitions.begin(), z.transitions.end(), t);
  const auto k = static_cast<std::size_t>(it - z.transitions.begin()) - 1;
  return z.utoffs[z.type_index[k]];
}

/// IANA names only: [A-Za-z0-9_+-/], no leading '/', no "..", so nothing outside the
/// zoneinfo directory can be named.
inline bool valid_zone_name(std::string_view n) noexcept {
  if (n.empty() || n.size() > 255 || n[0] == '/' || n.find("..") != std::string_view::npos)
    return false;
  for (char c : n)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '_' ||
          c == '+' || c == '-' || c == '/'))
      return false;
  return true;
}

/// The whole file, or nullopt if it cannot be read or is implausibly large for TZif.
inline std::optional<std::string> read_small_file(const std::string& path) {
  constexpr std::size_t limit = 1 << 20;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return std::nullopt;
  std::string data;
  char buf[4096];
  bool ok = true;
  for (;;) {
    const std::size_t n = std::fread(buf, 1, sizeof buf, f);
    data.append(buf, n);
    if (data.size() > limit) ok = false;
    if (n < sizeof buf || !ok) break;
  }
  if (std::ferror(f)) ok = false;  // e.g. a directory
  std::fclose(f);
  if (!ok) return std::nullopt;
  return data;
}

/// The rules for an IANA zone, read once and then cached for the life of the process. Only
/// zones that load are cached, so arbitrary names cannot grow the cache.
inline std::shared_ptr<const zone_rules> load_zone(std::string_view name) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const zone_rules>, std::less<>> cache;
  if (!valid_zone_name(name)) return nullptr;
  {
    std::lock_guard lock(mutex);
    if (auto it = cache.find(name); it != cache.end()) return it->second;
  }
  auto bytes = read_small_file("/usr/share/zoneinfo/" + std::string(name));
  if (!bytes) return nullptr;
  auto rules = parse_tzif(*bytes);
  if (!rules) return nullptr;
  auto shared = std::make_shared<const zone_rules>(std::move(*rules));
  std::lock_guard lock(mutex);
  return cache.emplace(std::string(name), std::move(shared)).first->second;
}

/// load_zone for callers that convert many instants (every evaluation converts its `as_of`):
/// the zone last asked for on this thread is remembered, so asking again takes no lock and
/// touches no shared count. Loaded zones stay cached for the life of the process, so the
/// pointer stays valid.
inline const zone_rules* zone_for_thread(std::string_view name) {
  thread_local std::string last_name;
  thread_local const zone_rules* last = nullptr;
  if (last && last_name == name) return last;
  auto rules = load_zone(name);
  if (!rules) return nullptr;
  last_name.assign(name);
  last = rules.get();
  return last;
}

}  // namespace detail::tz

/// The wall-clock fields of an instant in a zone: "" / "UTC" / "Z" (UTC), a fixed offset
/// "+08:00" / "-05:30", or an IANA name ("Asia/Shanghai") read from /usr/share/zoneinfo.
/// nullopt when the zone is unknown or its file is not valid TZif.
inline std::optional<civil_time> to_civil(timestamp t, std::string_view zone) {
  std::int32_t utoff = 0;
  if (zone.empty() || zone == "UTC" || zone == "Z") {
    utoff = 0;
  } else if (zone[0] == '+' || zone[0] == '-') {
    auto off = detail::parse_fixed_offset(zone);
    if (!off) return std::nullopt;
    utoff = *off;
  } else {
    const auto* rules = detail::tz::zone_for_thread(zone);
    if (!rules) return std::nullopt;
    utoff = detail::tz::utoff_at(*rules, t.unix_seconds());
  }
  // Offsets are bounded (a week at most), so this stays far inside int64.
  const std::int64_t local = t.unix_seconds() + utoff;
  const std::int64_t days = detail::floor_div(local, detail::seconds_per_day);
  const auto sod = static_cast<int>(local - days * detail::seconds_per_day);
  const auto c = detail::civil_from_days(days);
  civil_time r{};
  r.year = c.year;
  r.month = static_cast<int>(c.month);
  r.day = static_cast<int>(c.day);
  r.weekday = static_cast<int>(detail::weekday_from_days(days));
  r.day_of_year = static_cast<int>(days - detail::days_from_civil(c.year, 1, 1));
  r.hour = sod / 3600;
  r.minute = sod / 60 % 60;
  r.second = sod % 60;
  r.nanos = t.nanos();
  return r;
}

}  // namespace evenhand
