// Supervision throughput (goal: ≥ 200,000 cases/s on one core), on the example cases of
// examples/cases/ (a correction across Spring Festival, an extension, art. 32 deemed
// acceptance, a case on time), measured as a hall's nightly sweep does it: parsed cases, one
// status reused per thread; and with the canonical JSON of each status.
// Run: build/tests/bench/evenhand_bench --benchmark_filter=supervise --benchmark_repetitions=5
#include <evenhand/standard/loader.hpp>
#include <evenhand/supervise/supervise.hpp>

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace {

namespace fs = std::filesystem;
using namespace evenhand;

struct fixture {
  std::shared_ptr<const standard::ruleset> rules;
  std::vector<supervise::case_record> cases;
  timestamp now = *timestamp::parse("2026-03-02T10:00:00+08:00");

  fixture() {
    fs::path root(EVENHAND_SOURCE_DIR);
    auto loaded = standard::load_ruleset(root / "rulesets/cn-demo");
    if (!loaded.rules) std::abort();
    rules = loaded.rules;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(root / "examples/cases"))
      if (e.path().extension() == ".yaml" || e.path().extension() == ".json") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      std::string text(std::istreambuf_iterator<char>(in), {});
      diagnostics problems;
      auto c = supervise::read_case(text, f.string(), *rules, problems);
      if (!c) std::abort();
      cases.push_back(std::move(*c));
    }
    if (cases.empty()) std::abort();
  }
};

const fixture& shared() {
  static const fixture f;
  return f;
}

void supervise_cases(benchmark::State& state) {
  const auto& f = shared();
  supervise::status s;
  std::size_t i = 0;
  for (auto _ : state) {
    const auto& c = f.cases[i++ % f.cases.size()];
    supervise::supervise_into(s, *f.rules, *c.standard, c, f.now);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(supervise_cases)->ThreadRange(1, 2)->UseRealTime();

void supervise_cases_to_json(benchmark::State& state) {
  const auto& f = shared();
  supervise::status s;
  std::size_t i = 0;
  for (auto _ : state) {
    const auto& c = f.cases[i++ % f.cases.size()];
    supervise::supervise_into(s, *f.rules, *c.standard, c, f.now);
    std::string json = supervise::to_json(s);
    benchmark::DoNotOptimize(json);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(supervise_cases_to_json)->UseRealTime();

}  // namespace
