// `evenhand lint RULESET_DIR [--format text|json]`: every located problem of a ruleset.
#include "commands.hpp"

#include <evenhand/standard/calendar_lint.hpp>
#include <evenhand/standard/loader.hpp>

#include <cstdio>
#include <ctime>
#include <optional>
#include <string>

namespace evenhand::cli {

namespace {
constexpr const char* lint_usage = "usage: evenhand lint RULESET_DIR [--format text|json] [--as-of YYYY-MM-DD]\n";

/// Today in the ruleset's time zone: the lint date, the one clock read (the library never reads it).
std::optional<date> today(const standard::ruleset& rules) {
  auto now = timestamp::from_parts(static_cast<std::int64_t>(std::time(nullptr)), 0);
  auto civil = now ? to_civil(*now, rules.timezone) : std::nullopt;
  return civil ? date::from_ymd(static_cast<int>(civil->year), civil->month, civil->day) : std::nullopt;
}
}

int lint_command(const arguments& args) {
  std::string dir, format = "text";
  std::optional<date> as_of;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--format" && i + 1 < args.size()) {
      format = args[++i];
      if (format != "text" && format != "json") {
        std::fprintf(stderr, "evenhand lint: unknown format '%s'\n%s", format.c_str(), lint_usage);
        return bad_input;
      }
    } else if (a == "--as-of" && i + 1 < args.size()) {
      as_of = date::parse(args[++i]);
      if (!as_of) {
        std::fprintf(stderr, "evenhand lint: --as-of 需要日期 YYYY-MM-DD；--as-of needs a date YYYY-MM-DD\n%s", lint_usage);
        return bad_input;
      }
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "evenhand lint: unknown option '%s'\n%s", a.c_str(), lint_usage);
      return bad_input;
    } else if (dir.empty()) {
      dir = a;
    } else {
      std::fputs(lint_usage, stderr);
      return bad_input;
    }
  }
  if (dir.empty()) {
    std::fputs(lint_usage, stderr);
    return bad_input;
  }
  auto loaded = standard::load_ruleset(dir);
  if (loaded.rules)
    if (auto on = as_of ? as_of : today(*loaded.rules)) {
      auto calendar = standard::lint_calendar(*loaded.rules, *on);
      loaded.problems.insert(loaded.problems.end(), calendar.begin(), calendar.end());
    }
  standard::name_files_from(loaded.problems, dir);
  // Those past a file's hundred included, which its last diagnostic only counts.
  const std::size_t errors = loaded.problems.count(severity::error);
  const std::size_t warnings = loaded.problems.count(severity::warning) + loaded.problems.count(severity::note);
  if (format == "json") {
    std::string out = "{\"problems\":" + render_json(loaded.problems) + ",\"errors\":" + std::to_string(errors) +
                      ",\"warnings\":" + std::to_string(warnings) + "}\n";
    std::fputs(out.c_str(), stdout);
  } else {
    for (const auto& d : loaded.problems) std::fputs(render_text(d).c_str(), stdout);
    std::printf("%s: %zu error%s, %zu warning%s", dir.c_str(), errors, errors == 1 ? "" : "s", warnings,
                warnings == 1 ? "" : "s");
    if (loaded.rules) std::printf(" (%zu items, %s)", loaded.rules->items.size(), loaded.rules->digest.c_str());
    std::printf("\n");
  }
  if (loaded.unreadable) return bad_input;
  return errors ? findings : success;
}

}  // namespace evenhand::cli
