#include <evenhand/workflow/graph.hpp>

#include <doctest/doctest.h>

using namespace evenhand;
using workflow::step_spec;

namespace {

step_spec step(std::string id, std::vector<std::string> after, std::int64_t limit, bool counted = true) {
  step_spec s;
  s.id = std::move(id);
  s.after = std::move(after);
  s.limit = limit;
  s.counted = counted;
  s.where = {"items/x.yaml", 10, 5, 1};
  return s;
}

std::vector<std::string> ids(const std::vector<step_spec>& steps, const std::vector<std::size_t>& idx) {
  std::vector<std::string> out;
  for (auto i : idx) out.push_back(steps[i].id);
  return out;
}

// The DESIGN's food-business workflow.
std::vector<step_spec> food_workflow() {
  return {step("accept", {}, 1),
          step("review", {"accept"}, 3),
          step("site-check", {"accept"}, 4),
          step("expert", {"review"}, 10, false),
          step("decide", {"review", "site-check", "expert"}, 1),
          step("deliver", {"decide"}, 1)};
}

}  // namespace

TEST_CASE("topological order and critical path of a DAG") {
  auto steps = food_workflow();
  auto a = workflow::analyze(steps);
  REQUIRE(a.ok());
  REQUIRE(a.topological_order.size() == steps.size());
  // Every step comes after its prerequisites.
  std::vector<std::size_t> position(steps.size());
  for (std::size_t i = 0; i < a.topological_order.size(); ++i) position[a.topological_order[i]] = i;
  for (std::size_t v = 0; v < steps.size(); ++v)
    for (auto u : a.predecessors[v]) CHECK(position[u] < position[v]);
  // accept(1) + site-check(4) + decide(1) + deliver(1) = 7 beats accept + review(3) + expert(not counted).
  CHECK(ids(steps, a.critical_path) == std::vector<std::string>{"accept", "site-check", "decide", "deliver"});
  CHECK(a.critical_days == 7);
}

TEST_CASE("longest path over the steps that apply") {
  auto steps = food_workflow();
  auto a = workflow::analyze(steps);
  std::vector<bool> applies = {true, true, false, true, true, true};  // no site check
  auto [path, days] = workflow::longest_path(steps, a.predecessors, a.topological_order, applies);
  // review and the uncounted expert review finish on the same counted day: the earlier-declared wins.
  CHECK(ids(steps, path) == std::vector<std::string>{"accept", "review", "decide", "deliver"});
  CHECK(days == 6);
  applies[1] = false;  // without review, expert's chain is cut: it is unreachable and never counted
  std::tie(path, days) = workflow::longest_path(steps, a.predecessors, a.topological_order, applies);
  CHECK(ids(steps, path) == std::vector<std::string>{"accept", "decide", "deliver"});
  CHECK(days == 3);
}

TEST_CASE("a cycle is named step by step, in order") {
  std::vector<step_spec> steps = {step("accept", {}, 1), step("a", {"accept", "c"}, 1),
                                  step("b", {"a"}, 1), step("c", {"b"}, 1)};
  auto a = workflow::analyze(steps);
  REQUIRE_FALSE(a.ok());
  REQUIRE(a.problems.size() == 1);
  CHECK(a.problems[0].code == "E311");
  CHECK(a.problems[0].message == "the workflow has a cycle: 'a' -> 'b' -> 'c' -> 'a'");
  CHECK(a.topological_order.empty());
}

TEST_CASE("a step waiting for itself") {
  auto a = workflow::analyze({step("accept", {}, 1), step("x", {"accept", "x"}, 1)});
  REQUIRE(a.problems.size() == 1);
  CHECK(a.problems[0].message == "the workflow has a cycle: 'x' -> 'x'");
}

TEST_CASE("an unknown prerequisite, with a suggestion") {
  auto a = workflow::analyze({step("accept", {}, 1), step("review", {"acept"}, 1)});
  REQUIRE(a.problems.size() == 1);
  CHECK(a.problems[0].code == "E310");
  CHECK(a.problems[0].hint == "did you mean 'accept'?");
}

TEST_CASE("unreachable steps and duplicate ids") {
  auto a = workflow::analyze({step("accept", {}, 1), step("orphan", {}, 1), step("accept", {}, 2)});
  std::vector<std::string> codes;
  for (const auto& d : a.problems) codes.push_back(d.code);
  CHECK(codes == std::vector<std::string>{"E313", "E312"});
}

TEST_CASE("ten thousand steps in a chain stay fast and iterative") {
  std::vector<step_spec> steps;
  steps.push_back(step("s0", {}, 1));
  for (int i = 1; i < 10'000; ++i) steps.push_back(step("s" + std::to_string(i), {"s" + std::to_string(i - 1)}, 1));
  auto a = workflow::analyze(steps);
  CHECK(a.ok());
  CHECK(a.critical_days == 10'000);
  CHECK(a.critical_path.size() == 10'000);
}
