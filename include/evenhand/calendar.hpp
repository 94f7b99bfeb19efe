// Working-day calendars: deadlines of administrative licensing are counted in working days
// (行政许可法 art. 82), and China moves working days around its public holidays (调休). A date is
// a working day iff the official schedule lists it as an adjusted working day, or it is Mon–Fri
// and not listed as a holiday. A year whose schedule is not known is an error, never a guess.
#pragma once

#include <evenhand/date.hpp>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace evenhand {

/// Why a calendar computation has no answer. `year` is the year without a published schedule,
/// or 0 when the result would leave the supported date range (0001–9999).
struct calendar_error {
  int year;
  std::string message;
};

template <class T>
using calendar_result = std::variant<T, calendar_error>;

class workday_calendar {
 public:
  explicit workday_calendar(std::string name) : name_(std::move(name)) {}

  const std::string& name() const noexcept { return name_; }

  /// Declares the schedule of one year: dates that are holidays (off although Mon–Fri, or listed
  /// as off on a weekend) and adjusted working days (weekend dates that are worked). Replaces an
  /// earlier schedule of that year. A year outside 0001–9999, a date outside `year` or a date in
  /// both lists is a programming error (the loader reports these with positions first).
  void set_year(int year, std::vector<date> off_days, std::vector<date> adjusted_workdays) {
    if (year < date::min_year || year > date::max_year)
      throw std::invalid_argument("workday_calendar::set_year: year " + std::to_string(year) +
                                  " is outside 0001–9999");
    year_table t;
    t.first_day = first_day_of(year);
    const std::int32_t length = first_day_of(year + 1) - t.first_day;
    t.workday.resize(static_cast<std::size_t>(length));
    for (std::int32_t i = 0; i < length; ++i)
      t.workday[static_cast<std::size_t>(i)] = !date::from_days(t.first_day + i)->is_weekend();

    auto index_of = [&](date d, const char* list) {
      if (d.year() != year)
        throw std::invalid_argument("workday_calendar::set_year: " + std::string(list) + " date " +
                                    d.to_string() + " is outside the year " + std::to_string(year));
      return static_cast<std::size_t>(d.days() - t.first_day);
    };
    std::vector<bool> off(t.workday.size(), false);
    for (date d : off_days) {
      std::size_t i = index_of(d, "holiday");
      off[i] = true;
      t.workday[i] = false;
    }
    for (date d : adjusted_workdays) {
      std::size_t i = index_of(d, "working-day");
      if (off[i])
        throw std::invalid_argument("workday_calendar::set_year: " + d.to_string() +
                                    " is both a holiday and an adjusted working day");
      t.workday[i] = true;
    }

    // prefix[i] = working days among the first i days of the year, and the list of working
    // days: counting within a year and finding its n-th working day are each one array read.
    t.prefix.assign(t.workday.size() + 1, 0);
    for (std::size_t i = 0; i < t.workday.size(); ++i) {
      t.prefix[i + 1] = t.prefix[i] + (t.workday[i] ? 1 : 0);
      if (t.workday[i]) t.workdays.push_back(static_cast<std::uint16_t>(i));
    }
    t.covered = true;
    slot_for(year) = std::move(t);
  }

  bool covers(int year) const noexcept { return table_of_year(year) != nullptr; }

  /// Covered years, ascending.
  std::vector<int> years() const {
    std::vector<int> out;
    for (std::size_t i = 0; i < years_.size(); ++i)
      if (years_[i].covered) out.push_back(first_year_ + static_cast<int>(i));
    return out;
  }

  /// Working days in a covered year (for reports and cross-checks).
  calendar_result<std::int64_t> workdays_in_year(int year) const {
    const year_table* t = table_of_year(year);
    if (!t) return uncovered(year);
    return static_cast<std::int64_t>(t->prefix.back());
  }

  calendar_result<bool> is_workday(date d) const {
    const int y = d.year();
    const year_table* t = table_of_year(y);
    if (!t) return uncovered(y);
    return static_cast<bool>(t->workday[static_cast<std::size_t>(d.days() - t->first_day)]);
  }

  /// The date n working days after start, start not counted (n = 0 gives start; n < 0 counts
  /// backwards). Every year a counted day falls in must be covered. Constant time within a
  /// year, O(covered years) in all: a huge n reaches an uncovered year (or the end of the date
  /// range) after at most that many steps and fails there.
  calendar_result<date> add_workdays(date start, std::int64_t n) const {
    if (n == 0) return start;
    // |n| without overflow for INT64_MIN.
    std::uint64_t remaining = n > 0 ? static_cast<std::uint64_t>(n)
                                    : static_cast<std::uint64_t>(-(n + 1)) + 1;
    // The first day counted, then year by year through the dense index: no date conversion
    // and no search on the way (deadlines are counted with every decision).
    const std::int64_t first = std::int64_t{start.days()} + (n > 0 ? 1 : -1);
    if (first < date::min_days() || first > date::max_days()) return out_of_range();
    std::ptrdiff_t i = index_of_day(first);
    if (i < 0) return uncovered(date::from_days(first)->year());
    if (n > 0) {
      for (std::size_t from = static_cast<std::size_t>(first - years_[static_cast<std::size_t>(i)].first_day);;) {
        const year_table& t = years_[static_cast<std::size_t>(i)];
        if (!t.covered) return uncovered(first_year_ + static_cast<int>(i));
        const auto available = static_cast<std::uint64_t>(t.prefix.back() - t.prefix[from]);
        if (remaining <= available)
          return t.nth_workday(t.prefix[from] + static_cast<std::int32_t>(remaining));
        remaining -= available;
        from = 0;  // Jan 1 of the next year
        if (++i == static_cast<std::ptrdiff_t>(years_.size())) {
          const int next = first_year_ + static_cast<int>(i);
          return next > date::max_year ? calendar_result<date>(out_of_range()) : uncovered(next);
        }
      }
    }
    for (std::size_t to = static_cast<std::size_t>(first - years_[static_cast<std::size_t>(i)].first_day);;) {
      const year_table& t = years_[static_cast<std::size_t>(i)];
      if (!t.covered) return uncovered(first_year_ + static_cast<int>(i));
      const auto available = static_cast<std::uint64_t>(t.prefix[to + 1]);
      if (remaining <= available)
        return t.nth_workday(t.prefix[to + 1] - static_cast<std::int32_t>(remaining) + 1);
      remaining -= available;
      if (--i < 0) {
        const int previous = first_year_ - 1;
        return previous < date::min_year ? calendar_result<date>(out_of_range()) : uncovered(previous);
      }
      to = static_cast<std::size_t>(years_[static_cast<std::size_t>(i) + 1].first_day -
                                    years_[static_cast<std::size_t>(i)].first_day - 1);  // Dec 31 of the year before
    }
  }

  /// Working days in (a, b] (a not counted, b counted); the negative of the working days in
  /// (b, a] when b < a; 0 when equal. Every year of a counted day must be covered.
  calendar_result<std::int64_t> workdays_between(date a, date b) const {
    if (a == b) return std::int64_t{0};
    if (b < a) {
      auto r = workdays_between(b, a);
      if (auto* n = std::get_if<std::int64_t>(&r)) *n = -*n;
      return r;
    }
    const date first = *date::from_days(std::int64_t{a.days()} + 1);  // exists: a < b
    std::int64_t total = 0;
    for (int y = first.year(); y <= b.year(); ++y) {  // stops at the first uncovered year
      const year_table* covered = table_of_year(y);
      if (!covered) return uncovered(y);
      const year_table& t = *covered;
      const std::int64_t lo = std::max<std::int64_t>(first.days(), t.first_day) - t.first_day;
      const std::int64_t hi =
          std::min<std::int64_t>(b.days(), t.first_day + static_cast<std::int64_t>(t.workday.size()) - 1) -
          t.first_day;
      total += t.prefix[static_cast<std::size_t>(hi) + 1] - t.prefix[static_cast<std::size_t>(lo)];
    }
    return total;
  }

  /// start + n natural days, plain arithmetic (no schedule needed); an error only when the
  /// result leaves 0001–9999. A legal period in natural days is period_end_in_days.
  calendar_result<date> add_days(date start, std::int64_t n) const {
    if (auto d = start.plus_days(n)) return *d;
    return out_of_range();
  }

  /// d when it is a working day, else the next working day.
  calendar_result<date> first_workday_from(date d) const {
    auto w = is_workday(d);
    if (const auto* e = std::get_if<calendar_error>(&w)) return *e;
    if (std::get<bool>(w)) return d;
    return add_workdays(d, 1);
  }

  /// The last day of a period of n natural days (日) from start, start not counted: start + n,
  /// or, when that is a rest day, the next working day (民法典 第二百零三条: 期间的最后一日是法定
  /// 休假日的，以法定休假日结束的次日为期间的最后一日). The year of that day must be covered.
  calendar_result<date> period_end_in_days(date start, std::int64_t n) const {
    auto end = add_days(start, n);
    if (const auto* e = std::get_if<calendar_error>(&end)) return *e;
    return first_workday_from(std::get<date>(end));
  }

 private:
  struct year_table {
    std::int32_t first_day = 0;          // days() of Jan 1 (set for uncovered years too)
    bool covered = false;
    std::vector<bool> workday;           // one flag per day of the year
    std::vector<std::int32_t> prefix;    // size workday.size() + 1
    std::vector<std::uint16_t> workdays;  // each working day's index in the year, ascending

    // The k-th working day of the year (1-based, 1 <= k <= prefix.back()).
    date nth_workday(std::int32_t k) const {
      return *date::from_days(first_day + workdays[static_cast<std::size_t>(k - 1)]);
    }
  };

  static std::int32_t first_day_of(int year) noexcept {
    return static_cast<std::int32_t>(detail::days_from_civil(year, 1, 1));
  }

  const year_table* table_of_year(int year) const noexcept {
    if (year < first_year_ || year - first_year_ >= static_cast<std::int64_t>(years_.size())) return nullptr;
    const year_table& t = years_[static_cast<std::size_t>(year - first_year_)];
    return t.covered ? &t : nullptr;
  }

  /// The dense index's entry for `year`, growing the index to reach it.
  year_table& slot_for(int year) {
    if (years_.empty()) first_year_ = year;
    if (year < first_year_) {
      std::vector<year_table> grown(static_cast<std::size_t>(first_year_ - year));
      for (std::size_t i = 0; i < grown.size(); ++i) grown[i].first_day = first_day_of(year + static_cast<int>(i));
      years_.insert(years_.begin(), std::make_move_iterator(grown.begin()), std::make_move_iterator(grown.end()));
      first_year_ = year;
    }
    while (year - first_year_ >= static_cast<std::int64_t>(years_.size())) {
      years_.emplace_back();
      years_.back().first_day = first_day_of(first_year_ + static_cast<int>(years_.size()) - 1);
    }
    return years_[static_cast<std::size_t>(year - first_year_)];
  }

  /// The dense index's entry holding the day, or -1 when the day is outside it. A guess from
  /// the mean year length, mended by at most a step or two.
  std::ptrdiff_t index_of_day(std::int64_t day) const noexcept {
    if (years_.empty()) return -1;
    const std::int64_t offset = day - years_.front().first_day;
    if (offset < 0) return -1;
    const auto n = static_cast<std::ptrdiff_t>(years_.size());
    std::ptrdiff_t i = std::min<std::ptrdiff_t>(static_cast<std::ptrdiff_t>(offset * 400 / 146097), n - 1);
    while (i > 0 && day < years_[static_cast<std::size_t>(i)].first_day) --i;
    while (i + 1 < n && day >= years_[static_cast<std::size_t>(i + 1)].first_day) ++i;
    if (i == n - 1 && day >= first_day_of(first_year_ + static_cast<int>(n))) return -1;  // after the last year
    return i;
  }

  calendar_error uncovered(int year) const {
    return {year, "calendar '" + name_ + "' has no published schedule for " + pad_year(year) +
                      " (it covers " + coverage() + ")"};
  }

  calendar_error out_of_range() const {
    return {0, "calendar '" + name_ + "': the result is outside the supported dates 0001-01-01 to 9999-12-31"};
  }

  static std::string pad_year(int y) {
    std::string s = std::to_string(y);
    return y >= 0 && s.size() < 4 ? std::string(4 - s.size(), '0') + s : s;
  }

  // Covered years as ranges, e.g. "2019–2024, 2026".
  std::string coverage() const {
    const std::vector<int> covered = years();
    if (covered.empty()) return "no year";
    std::string out;
    auto it = covered.begin();
    while (it != covered.end()) {
      const int lo = *it;
      int hi = lo;
      for (++it; it != covered.end() && *it == hi + 1; ++it) hi = *it;
      if (!out.empty()) out += ", ";
      out += pad_year(lo);
      if (hi != lo) out += "–" + pad_year(hi);
    }
    return out;
  }

  std::string name_;
  // One entry per year from the first covered to the last, gaps included (uncovered), so a
  // year's table is found by subtraction, not a search.
  int first_year_ = 0;
  std::vector<year_table> years_;
};

}  // namespace evenhand
