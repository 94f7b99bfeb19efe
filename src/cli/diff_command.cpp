// `evenhand diff OLD_RULESET NEW_RULESET [--format text|json]`
#include "commands.hpp"

#include <evenhand/standard/diff.hpp>
#include <evenhand/standard/loader.hpp>

#include <cstdio>
#include <string>

namespace evenhand::cli {

namespace {

constexpr const char* diff_usage = "usage: evenhand diff OLD_RULESET NEW_RULESET [--format text|json]\n";

}  // namespace

int diff_command(const arguments& args) {
  std::vector<std::string> positional;
  std::string format = "text";
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--format" && i + 1 < args.size()) {
      format = args[++i];
    } else if (a == "--") {
      positional.insert(positional.end(), args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
      break;
    } else if (a.size() > 1 && a[0] == '-') {
      std::fprintf(stderr, "evenhand diff: unknown option '%s'\n%s", a.c_str(), diff_usage);
      return bad_input;
    } else {
      positional.push_back(a);
    }
  }
  if (format != "text" && format != "json") {
    std::fprintf(stderr, "evenhand diff: unknown format '%s' (text or json)\n", format.c_str());
    return bad_input;
  }
  if (positional.size() != 2) {
    std::fputs(diff_usage, stderr);
    return bad_input;
  }
  // Both are loaded and reported before giving up, so one run shows every problem.
  standard::load_result loaded[2] = {standard::load_ruleset(positional[0]), standard::load_ruleset(positional[1])};
  bool ok = true;
  for (int k = 0; k < 2; ++k) {
    if (loaded[k].rules) continue;
    ok = false;
    std::fprintf(stderr, "evenhand diff: %s does not load:\n", positional[k].c_str());
    standard::name_files_from(loaded[k].problems, positional[k]);
    for (const auto& d : loaded[k].problems)
      if (d.level == severity::error) std::fputs(render_text(d).c_str(), stderr);
  }
  if (!ok) return bad_input;
  auto d = standard::diff_rulesets(*loaded[0].rules, *loaded[1].rules);
  std::string out = format == "json" ? standard::to_json(d) + "\n" : standard::to_text(d);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return d.equal() ? success : findings;
}

}  // namespace evenhand::cli
