// Lint of a ruleset's working-day calendar against the day lint runs. The day is an input: the
// CLI reads the clock (or takes `lint --as-of`), the library never does.
//
//   W316  the calendar's last covered year ends within 90 days of that day (or has ended):
//         decisions will soon need a year without a published schedule, and be refused.
//   W317  an item in force on or after that day has no day of its period in a covered year:
//         no application to it can be given deadlines.
#pragma once

#include <evenhand/diagnostics.hpp>
#include <evenhand/standard/model.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

namespace evenhand::standard {

/// How close to its end a calendar is reported (W316).
inline constexpr int calendar_warning_days = 90;

namespace detail {

/// `where` with its source line read from the ruleset's file, for the caret.
inline diagnostic calendar_warning(const ruleset& rules, const source_location& where, std::string code,
                                   std::string message, std::string hint) {
  diagnostic d;
  d.level = severity::warning;
  d.code = std::move(code);
  d.message = std::move(message);
  d.hint = std::move(hint);
  d.where = where;
  if (where.line && !rules.root.empty()) {
    std::ifstream in(std::filesystem::path(rules.root) / where.file, std::ios::binary);
    std::string line;
    for (std::uint32_t n = 0; n < where.line && std::getline(in, line); ++n) {}
    if (in || !line.empty()) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      d.source_line = std::move(line);
    }
  }
  return d;
}

inline std::string year_text(int y) { return std::to_string(y); }

}  // namespace detail

/// W316 and W317 for `rules` as of `today` (the lint date).
inline diagnostics lint_calendar(const ruleset& rules, date today) {
  diagnostics out;
  if (!rules.calendar) return out;
  const std::vector<int> years = rules.calendar->years();
  if (years.empty()) return out;
  const int last = years.back();
  const date end = *date::from_ymd(last, 12, 31);
  const std::int64_t left = std::int64_t{end.days()} - today.days();
  if (left < calendar_warning_days) {
    const std::string name = rules.calendar_name;
    const std::string next = detail::year_text(last + 1);
    std::string zh = left < 0 ? "工作日历 " + name + " 已于 " + end.to_string() + " 到期（" + today.to_string() + " 已超过 " +
                                    std::to_string(-left) + " 天）"
                              : "工作日历 " + name + " 覆盖至 " + end.to_string() + "，距 " + today.to_string() + " 仅剩 " +
                                    std::to_string(left) + " 天";
    std::string en = left < 0 ? "calendar '" + name + "' ended " + end.to_string() + ", " + std::to_string(-left) +
                                    " days before " + today.to_string()
                              : "calendar '" + name + "' ends " + end.to_string() + ", " + std::to_string(left) +
                                    " days after " + today.to_string();
    out.push_back(detail::calendar_warning(
        rules, rules.calendar_where, "W316",
        zh + "：期限落入 " + next + " 年的决定将被拒绝；" + en + ": decisions whose deadlines reach " + next +
            " will be refused",
        "add calendars/" + name + "/" + next + ".yaml once the State Council publishes the " + next +
            " holidays（国务院办公厅公布 " + next + " 年节假日安排后补充）"));
  }
  for (const auto& item : rules.items) {
    if (item.effective_to && *item.effective_to < today) continue;  // no longer in force
    const int from = std::max(item.effective_from, today).year();
    const bool covered = std::any_of(years.begin(), years.end(), [&](int y) {
      return y >= from && (!item.effective_to || y <= item.effective_to->year());
    });
    if (covered) continue;
    const std::string period = item.effective_from.to_string() + "–" +
                               (item.effective_to ? item.effective_to->to_string() : std::string());
    out.push_back(detail::calendar_warning(
        rules, item.effective_where, "W317",
        "事项 " + item.code + "（版本 " + item.version + "）施行期间 " + period + " 中，自 " + today.to_string() +
            " 起没有一年在工作日历 " + rules.calendar_name + " 覆盖范围内，无法计算任何办理期限；item " + item.code + " (version " + item.version + ") is in force " +
            period + ", and no year of it from " + today.to_string() + " on is in calendar '" + rules.calendar_name +
            "': no application to it can be given deadlines",
        "add the calendar years the item is in force"));
  }
  return out;
}

}  // namespace evenhand::standard
