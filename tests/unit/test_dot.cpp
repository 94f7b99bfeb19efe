#include <evenhand/standard/loader.hpp>
#include <evenhand/workflow/dot.hpp>

#include <doctest/doctest.h>

#include <algorithm>

using namespace evenhand;

namespace {
std::size_t count(const std::string& s, std::string_view what) {
  std::size_t n = 0;
  for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}
}  // namespace

TEST_CASE("dot: every demo workflow renders as a DAG with its critical path") {
  auto loaded = standard::load_ruleset(EVENHAND_SOURCE_DIR "/rulesets/cn-demo");
  REQUIRE(loaded.rules);
  for (const auto& item : loaded.rules->items) {
    INFO(item.code);
    std::string dot = workflow::to_dot(item);
    CHECK(dot.rfind("digraph workflow {", 0) == 0);
    CHECK(count(dot, "{") == count(dot, "}"));
    std::size_t edges = 0;
    for (const auto& s : item.workflow) edges += s.after.size();
    CHECK(count(dot, " -> ") - count(dot, "-> legend [style=invis]") == edges);
    CHECK(count(dot, "penwidth=2") == 2 * item.workflow_analysis.critical_path.size() - 1);
    for (const auto& s : item.workflow) {
      CHECK(dot.find("\"" + s.id + "\" [label=") != std::string::npos);
      if (!s.counted) CHECK(dot.find(s.name + "\\n" + standard::period_text(s.limit) + "（不计入时限）") != std::string::npos);
    }
    CHECK(workflow::to_dot(item) == dot);  // deterministic
  }
}

TEST_CASE("dot: names are escaped, steps that do not apply are grey") {
  auto loaded = standard::load_ruleset(EVENHAND_SOURCE_DIR "/rulesets/cn-demo");
  REQUIRE(loaded.rules);
  standard::item item = loaded.rules->items.front();
  item.workflow[0].name = "受理 \"窗口\" \\ 一";
  workflow::dot_options options;
  options.applies = std::vector<bool>(item.workflow.size(), true);
  options.applies->back() = false;
  std::string dot = workflow::to_dot(item, options);
  CHECK(dot.find("受理 \\\"窗口\\\" \\\\ 一") != std::string::npos);
  CHECK(dot.find("color=gray60, fontcolor=gray60") != std::string::npos);
}
