// Determinism at scale: 10,000 generated applications over the demo items give the same bytes
// twice, on two threads at once, and after reloading the ruleset.
#include <evenhand/eval/decision_json.hpp>
#include <evenhand/standard/loader.hpp>

#include "generated_applications.hpp"

#include <doctest/doctest.h>

#include <yaml-cpp/yaml.h>

#include <algorithm>

#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace evenhand;
namespace fs = std::filesystem;

namespace {

using testing::generator;

/// Each application's canonical decision, or its diagnostics when it is not valid.
std::vector<std::string> decide(const standard::ruleset& rules, const std::vector<std::string>& apps) {
  std::vector<std::string> out;
  out.reserve(apps.size());
  for (const auto& text : apps) {
    diagnostics problems;
    auto app = eval::read_application(text, "app.json", rules, problems);
    if (!app) {
      std::string codes = "invalid:";
      for (const auto& p : problems) codes += " " + render_text(p);
      out.push_back(std::move(codes));
      continue;
    }
    out.push_back(eval::to_json(eval::evaluate(rules, *app)));
  }
  return out;
}

}  // namespace

TEST_CASE("determinism: 10,000 generated applications, twice, on two threads and after a reload") {
  const fs::path demo = fs::path(EVENHAND_SOURCE_DIR) / "rulesets/cn-demo";
  auto first = standard::load_ruleset(demo);
  REQUIRE(first.rules);
  const auto& rules = *first.rules;
  REQUIRE(rules.items.size() >= 3);

  const auto starts = testing::bases(rules, demo);
  REQUIRE(starts.size() >= 12);
  generator g(20261123);
  std::vector<std::string> apps;
  for (int i = 0; i < 10'000; ++i) apps.push_back(testing::generate(starts[g.below(starts.size())], g));

  const auto once = decide(rules, apps);
  REQUIRE(once.size() == apps.size());

  // The generator must reach every kind of result, or the comparisons below prove little.
  std::map<std::string, int> outcomes;
  int invalid = 0;
  for (const auto& d : once) {
    if (d.rfind("invalid:", 0) == 0) {
      ++invalid;
      continue;
    }
    auto at = d.find("\"outcome\":\"");
    if (at == std::string::npos) FAIL("a decision without an outcome: " << d);
    ++outcomes[d.substr(at + 11, d.find('"', at + 11) - at - 11)];
  }
  std::string spread = "invalid: " + std::to_string(invalid);
  for (const auto& [o, n] : outcomes) spread += ", " + o + ": " + std::to_string(n);
  MESSAGE(spread);
  // (An accepted application goes on to the decision stage, so accept and accept_tolerated
  // are never final; tolerated materials show in the notice.)
  for (const char* o : {"reject", "correct", "grant", "deny", "pending"}) {
    INFO(o);
    CHECK(outcomes[o] >= 50);
  }
  CHECK(std::count_if(once.begin(), once.end(), [](const std::string& d) { return d.find("\"kind\":\"tolerated\"") != std::string::npos; }) >= 50);
  CHECK(invalid > 0);
  CHECK(invalid < 1'000);

  CHECK(decide(rules, apps) == once);

  std::vector<std::string> a, b;
  std::thread t1([&] { a = decide(rules, apps); });
  std::thread t2([&] { b = decide(rules, apps); });
  t1.join();
  t2.join();
  CHECK(a == once);
  CHECK(b == once);

  auto reloaded = standard::load_ruleset(demo);
  REQUIRE(reloaded.rules);
  CHECK(reloaded.rules->digest == rules.digest);
  CHECK(decide(*reloaded.rules, apps) == once);
}
