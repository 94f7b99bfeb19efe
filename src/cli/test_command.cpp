// `evenhand test RULESET_DIR`: runs the ruleset's tests; ends with "N passed, M failed".
#include "commands.hpp"

#include <evenhand/eval/ruleset_tests.hpp>
#include <evenhand/standard/loader.hpp>

#include <cstdio>

namespace evenhand::cli {

int test_command(const arguments& args) {
  if (args.size() != 1 || (!args[0].empty() && args[0][0] == '-')) {
    std::fputs("usage: evenhand test RULESET_DIR\n", stderr);
    return bad_input;
  }
  auto loaded_rules = load_or_report(args[0], "test");
  if (!loaded_rules) return bad_input;
  auto run = eval::run_ruleset_tests(*loaded_rules, args[0]);
  for (const auto& p : run.problems) std::printf("ERROR %s\n", p.c_str());
  for (const auto& c : run.cases) {
    if (c.passed()) continue;
    std::printf("FAIL %s %s — %s\n", c.file.c_str(), c.id.c_str(), c.description.c_str());
    for (const auto& d : c.differences) std::printf("     %s\n", d.c_str());
  }
  std::size_t passed = run.passed(), failed = run.cases.size() - passed + run.problems.size();
  std::printf("%zu passed, %zu failed\n", passed, failed);
  return failed ? findings : success;
}

}  // namespace evenhand::cli
