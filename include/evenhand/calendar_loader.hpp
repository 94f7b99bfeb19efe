// Loading a working-day calendar from its YAML files, one file per year (YYYY.yaml):
//
//   year: 2025
//   source: https://www.gov.cn/...      # the notice's URL, or a list of URLs if amended
//   holidays:                            # 放假日期 (weekend dates allowed)
//     - { date: 2025-01-01, name: 元旦 }
//   workdays:                            # 调休上班日 (Saturdays and Sundays only)
//     - { date: 2025-01-26, name: 春节 }
//
// Every problem is reported with its file, line and column; a file with any problem
// contributes no schedule, so a computation in its year fails instead of guessing.
#pragma once

#include <evenhand/calendar.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace evenhand {

struct calendar_load_error {
  std::string file;
  unsigned line;    ///< 1-based
  unsigned column;  ///< 1-based
  std::string message;
};

/// Loads every `*.yaml` file of a directory (sorted by name), one year per file. nullopt if the
/// directory cannot be read; otherwise a calendar, with the problems of all files appended to
/// `errors` (a directory without any year file is a problem too).
std::optional<workday_calendar> load_calendar_directory(const std::filesystem::path& dir, std::string name,
                                                        std::vector<calendar_load_error>& errors);

/// Same for one file's text; `file_name` (its last component must be YYYY.yaml) is used in
/// errors. Sets the year in `into` only when the file has no problem.
void load_calendar_year(std::string_view text, const std::string& file_name, workday_calendar& into,
                        std::vector<calendar_load_error>& errors);

}  // namespace evenhand
