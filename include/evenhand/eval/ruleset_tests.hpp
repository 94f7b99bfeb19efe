// Ruleset tests (DESIGN §8): applications with the fragments of the decision an editor expects.
//
// A test file (tests/<item>.yaml in a ruleset) holds `item` and `cases`; each case has an id, a
// description, `as_of`, an `application` and `expect`. Only what `expect` writes is compared:
// stage, outcome, conditions_failed / conditions_unknown (sets), materials.required / missing /
// obtained / committed (sets) and tolerated ({id, due}), schedule.accepted_on (null when not
// accepted), schedule.accepted_on_reason, schedule.due.*,
// schedule.steps.<id>.{applies, counted, due}, schedule.critical_path (in order),
// tables.<id>.<output>, fees.<id>, outputs.<id>.<value>, and error.contains (a text the
// decision's errors must contain).
#pragma once

#include <evenhand/standard/model.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace evenhand::eval {

struct test_case_result {
  std::string file;  ///< relative to the ruleset root
  std::string id;
  std::string description;
  std::vector<std::string> differences;  ///< empty: passed
  bool passed() const noexcept { return differences.empty(); }
};

struct test_run {
  std::vector<test_case_result> cases;
  std::vector<std::string> problems;  ///< unreadable files, malformed cases
  std::size_t passed() const noexcept {
    std::size_t n = 0;
    for (const auto& c : cases) n += c.passed();
    return n;
  }
};

/// Runs every test file under `root`/tests against the loaded ruleset.
test_run run_ruleset_tests(const standard::ruleset& rules, const std::filesystem::path& root);

}  // namespace evenhand::eval
