// `evenhand guide RULESET_DIR ITEM [--format md|html] [--as-of DATE] [--edition public|internal]`
#include "commands.hpp"
#include "graphviz.hpp"
#include "pick_item.hpp"

#include <evenhand/guide/guide.hpp>
#include <evenhand/standard/loader.hpp>

#include <cstdio>
#include <ctime>
#include <string>

namespace evenhand::cli {

namespace {

constexpr const char* guide_usage =
    "usage: evenhand guide RULESET_DIR ITEM [--format md|html] [--as-of YYYY-MM-DD] [--edition public|internal]\n";

/// Today in the ruleset's time zone: the tool may read the clock, the library never does.
std::optional<date> today(const standard::ruleset& rules) {
  auto now = timestamp::from_parts(static_cast<std::int64_t>(std::time(nullptr)), 0);
  auto civil = now ? to_civil(*now, rules.timezone) : std::nullopt;
  return civil ? date::from_ymd(civil->year, civil->month, civil->day) : std::nullopt;
}

}  // namespace

int guide_command(const arguments& args) {
  std::vector<std::string> positional;
  std::string format = "md";
  std::string edition = "public";
  std::optional<date> as_of;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--format" && i + 1 < args.size()) format = args[++i];
    else if (a == "--edition" && i + 1 < args.size()) edition = args[++i];
    else if (a == "--as-of" && i + 1 < args.size()) {
      as_of = date::parse(args[++i]);
      if (!as_of) {
        std::fputs("evenhand guide: --as-of needs a date YYYY-MM-DD\n", stderr);
        return bad_input;
      }
    } else if (a == "--") {
      positional.insert(positional.end(), args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
      break;
    } else if (a.size() > 1 && a[0] == '-') {
      std::fprintf(stderr, "evenhand guide: unknown option '%s'\n%s", a.c_str(), guide_usage);
      return bad_input;
    } else {
      positional.push_back(a);
    }
  }
  if (format != "md" && format != "html") {
    std::fprintf(stderr, "evenhand guide: unknown format '%s' (md or html)\n", format.c_str());
    return bad_input;
  }
  if (edition != "public" && edition != "internal") {
    std::fprintf(stderr, "evenhand guide: unknown edition '%s' (public or internal)\n", edition.c_str());
    return bad_input;
  }
  if (positional.size() != 2) {
    std::fputs(guide_usage, stderr);
    return bad_input;
  }
  auto loaded = load_or_report(positional[0], "guide");
  if (!loaded) return bad_input;
  const auto& rules = *loaded;
  if (!as_of) as_of = today(rules);
  const standard::item* item = pick_item(rules, positional[1], as_of, "guide");
  if (!item) return bad_input;

  guide::options options;
  options.edition = edition == "internal" ? guide::edition::internal : guide::edition::published;
  std::string out;
  if (format == "md") {
    out = guide::render_markdown(rules, *item, options);
  } else {
    auto content = guide::build(rules, *item, options);
    std::optional<std::string> svg;
    if (dot_installed()) {
      svg = dot_to_svg(content.dot);
      if (!svg) std::fputs("evenhand guide: dot failed; the page shows the DOT text\n", stderr);
    }
    out = guide::render_html(content, svg.value_or(std::string()));
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return success;
}

}  // namespace evenhand::cli
