// A civil date (proleptic Gregorian, no time zone): the unit of working-day deadlines.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace evenhand {

namespace detail {

// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm; exact for
// every int year, no tables, no locale).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct civil_date {
  std::int64_t year;
  unsigned month;  ///< 1–12
  unsigned day;    ///< 1–31
};

constexpr civil_date civil_from_days(std::int64_t z) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

constexpr bool is_leap_year(std::int64_t y) noexcept {
  return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

constexpr unsigned days_in_month(std::int64_t y, unsigned m) noexcept {
  constexpr unsigned table[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap_year(y) ? 29 : table[m - 1];
}

/// 0 = Sunday … 6 = Saturday (CEL's getDayOfWeek numbering).
constexpr unsigned weekday_from_days(std::int64_t z) noexcept {
  return static_cast<unsigned>(z >= -4 ? (z + 4) % 7 : (z + 5) % 7 + 6);
}

}  // namespace detail

/// A calendar day, years 0001–9999 (the range RFC 3339 and CEL timestamps share).
class date {
 public:
  static constexpr int min_year = 1;
  static constexpr int max_year = 9999;

  constexpr date() noexcept = default;  // 1970-01-01

  /// The date y-m-d, or nullopt when it does not exist (2025-02-29) or is out of range.
  static constexpr std::optional<date> from_ymd(int y, int m, int d) noexcept {
    if (y < min_year || y > max_year || m < 1 || m > 12 || d < 1) return std::nullopt;
    if (static_cast<unsigned>(d) > detail::days_in_month(y, static_cast<unsigned>(m)))
      return std::nullopt;
    return date(static_cast<std::int32_t>(
        detail::days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d))));
  }

  /// Days since 1970-01-01, when within the supported range.
  static constexpr std::optional<date> from_days(std::int64_t days) noexcept {
    if (days < min_days() || days > max_days()) return std::nullopt;
    return date(static_cast<std::int32_t>(days));
  }

  /// Exactly "YYYY-MM-DD" (ISO 8601 calendar date, the only spelling a ruleset uses).
  static constexpr std::optional<date> parse(std::string_view s) noexcept {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
    int parts[3] = {0, 0, 0};
    const std::size_t starts[3] = {0, 5, 8}, lengths[3] = {4, 2, 2};
    for (int i = 0; i < 3; ++i)
      for (std::size_t j = 0; j < lengths[i]; ++j) {
        char c = s[starts[i] + j];
        if (c < '0' || c > '9') return std::nullopt;
        parts[i] = parts[i] * 10 + (c - '0');
      }
    return from_ymd(parts[0], parts[1], parts[2]);
  }

  constexpr std::int32_t days() const noexcept { return days_; }
  constexpr int year() const noexcept { return static_cast<int>(detail::civil_from_days(days_).year); }
  constexpr int month() const noexcept { return static_cast<int>(detail::civil_from_days(days_).month); }
  constexpr int day() const noexcept { return static_cast<int>(detail::civil_from_days(days_).day); }
  /// 0 = Sunday … 6 = Saturday.
  constexpr int weekday() const noexcept { return static_cast<int>(detail::weekday_from_days(days_)); }
  constexpr bool is_weekend() const noexcept {
    int w = weekday();
    return w == 0 || w == 6;
  }

  /// This date moved by n calendar days, when still in range.
  constexpr std::optional<date> plus_days(std::int64_t n) const noexcept {
    if (n > max_days() - min_days() || n < min_days() - max_days()) return std::nullopt;
    return from_days(days_ + n);
  }

  /// Bytes of the text "YYYY-MM-DD".
  static constexpr std::size_t text_size = 10;

  /// Writes "YYYY-MM-DD" at `out` (room for text_size bytes) and returns the end: a writer
  /// puts dates straight into its output, without a string between.
  constexpr char* write(char* out) const noexcept {
    const auto c = detail::civil_from_days(days_);
    const auto y = static_cast<unsigned>(c.year);  // 1–9999
    out[0] = static_cast<char>('0' + y / 1000);
    out[1] = static_cast<char>('0' + y / 100 % 10);
    out[2] = static_cast<char>('0' + y / 10 % 10);
    out[3] = static_cast<char>('0' + y % 10);
    out[4] = '-';
    out[5] = static_cast<char>('0' + c.month / 10);
    out[6] = static_cast<char>('0' + c.month % 10);
    out[7] = '-';
    out[8] = static_cast<char>('0' + c.day / 10);
    out[9] = static_cast<char>('0' + c.day % 10);
    return out + text_size;
  }

  std::string to_string() const {
    char buf[text_size];
    write(buf);
    return std::string(buf, text_size);
  }

  friend constexpr bool operator==(date, date) noexcept = default;
  friend constexpr std::strong_ordering operator<=>(date a, date b) noexcept {
    return a.days_ <=> b.days_;
  }

  static constexpr std::int64_t min_days() noexcept { return detail::days_from_civil(1, 1, 1); }
  static constexpr std::int64_t max_days() noexcept { return detail::days_from_civil(9999, 12, 31); }

 private:
  constexpr explicit date(std::int32_t days) noexcept : days_(days) {}
  std::int32_t days_ = 0;
};

}  // namespace evenhand
