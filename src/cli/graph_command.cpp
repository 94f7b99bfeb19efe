// `evenhand graph RULESET_DIR ITEM [--application A] [--as-of DATE] [--format dot|svg]`
#include "commands.hpp"
#include "graphviz.hpp"
#include "pick_item.hpp"

#include <evenhand/eval/evaluate.hpp>
#include <evenhand/standard/loader.hpp>
#include <evenhand/workflow/dot.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace evenhand::cli {

namespace {

constexpr const char* graph_usage =
    "usage: evenhand graph RULESET_DIR ITEM [--application FILE] [--as-of YYYY-MM-DD] [--format dot|svg]\n"
    "                      [--input-format json|yaml]\n";

/// Prints the SVG of `dot`, when Graphviz is installed.
int print_svg(const std::string& dot) {
  if (!dot_installed()) {
    std::fputs("evenhand graph: Graphviz 'dot' is not installed; use --format dot\n", stderr);
    return bad_input;
  }
  auto svg = dot_to_svg(dot);
  if (!svg) {
    std::fputs("evenhand graph: dot failed\n", stderr);
    return bad_input;
  }
  std::fwrite(svg->data(), 1, svg->size(), stdout);
  return success;
}

}  // namespace

int graph_command(const arguments& args) {
  std::vector<std::string> positional;
  std::string format = "dot";
  std::optional<std::string> application_path;
  std::optional<input_format> declared;
  std::optional<date> as_of;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--format" && i + 1 < args.size()) format = args[++i];
    else if (a == "--application" && i + 1 < args.size()) application_path = args[++i];
    else if (a == "--input-format" && i + 1 < args.size()) {
      declared = input_format_option(args[++i], "graph");
      if (!declared) return bad_input;
    } else if (a == "--as-of" && i + 1 < args.size()) {
      as_of = date::parse(args[++i]);
      if (!as_of) {
        std::fputs("evenhand graph: --as-of needs a date YYYY-MM-DD\n", stderr);
        return bad_input;
      }
    } else if (a.size() > 1 && a[0] == '-') {
      std::fprintf(stderr, "evenhand graph: unknown option '%s'\n%s", a.c_str(), graph_usage);
      return bad_input;
    } else {
      positional.push_back(a);
    }
  }
  if (positional.size() != 2 || (format != "dot" && format != "svg")) {
    std::fputs(graph_usage, stderr);
    return bad_input;
  }
  auto loaded = load_or_report(positional[0], "graph");
  if (!loaded) return bad_input;
  const auto& rules = *loaded;
  const standard::item* item = pick_item(rules, positional[1], as_of, "graph");
  if (!item) return bad_input;
  workflow::dot_options options;
  if (application_path) {
    auto text = slurp(*application_path);
    if (!text) {
      std::fprintf(stderr, "evenhand graph: cannot read %s\n", application_path->c_str());
      return bad_input;
    }
    diagnostics problems;
    auto app = eval::read_application(*text, *application_path, rules, problems,
                                      declared.value_or(format_of_path(*application_path)));
    if (!app) {
      for (const auto& d : problems) std::fputs(render_text(d).c_str(), stderr);
      return bad_input;
    }
    item = app->standard;
    auto decision = eval::evaluate(rules, *app);
    std::vector<bool> applies;
    for (const auto& s : decision.schedule.steps) applies.push_back(s.applies != eval::applicability::no);
    if (applies.size() == item->workflow.size()) options.applies = applies;
    std::vector<std::size_t> path;
    for (const auto& id : decision.schedule.critical_path)
      for (std::size_t i = 0; i < item->workflow.size(); ++i)
        if (item->workflow[i].id == id) path.push_back(i);
    options.critical_path = path;
  }
  std::string dot = workflow::to_dot(*item, options);
  if (format == "svg") return print_svg(dot);
  std::fwrite(dot.data(), 1, dot.size(), stdout);
  return success;
}

}  // namespace evenhand::cli
