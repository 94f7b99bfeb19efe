// Evaluation throughput on the 食品经营许可 demo item with a typical application (the
// grant-restaurant case of the demo's tests). Goals (issue 4): evaluate on a parsed
// application ≥ 500,000/s on one core; application text in → canonical JSON out ≥ 100,000/s.
// Run: build/tests/bench/evenhand_bench --benchmark_filter=eval
#include <evenhand/eval/decision_json.hpp>
#include <evenhand/standard/loader.hpp>

#include <benchmark/benchmark.h>

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>

namespace {

namespace fs = std::filesystem;

struct fixture {
  std::shared_ptr<const evenhand::standard::ruleset> rules;
  std::string application_text;
  std::optional<evenhand::eval::application> application;

  fixture() {
    fs::path demo = fs::path(EVENHAND_SOURCE_DIR) / "rulesets/cn-demo";
    auto loaded = evenhand::standard::load_ruleset(demo);
    if (!loaded.rules) std::abort();
    rules = loaded.rules;
    YAML::Node tests = YAML::LoadFile((demo / "tests/food-business-licence.yaml").string());
    YAML::Emitter e;
    e << YAML::DoubleQuoted << YAML::Flow << tests["cases"][0]["application"];
    application_text = e.c_str();
    evenhand::diagnostics problems;
    application = evenhand::eval::read_application(application_text, "app", *rules, problems);
    if (!application) std::abort();
  }
};

const fixture& shared() {
  static const fixture f;
  return f;
}

void eval_parsed_application(benchmark::State& state) {
  const auto& f = shared();
  for (auto _ : state) {
    auto d = evenhand::eval::evaluate(*f.rules, *f.application);
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(eval_parsed_application)->ThreadRange(1, 2)->UseRealTime();

void eval_text_to_json(benchmark::State& state) {
  const auto& f = shared();
  std::size_t bytes = 0;
  for (auto _ : state) {
    evenhand::diagnostics problems;
    auto app = evenhand::eval::read_application(f.application_text, "app", *f.rules, problems);
    std::string json = evenhand::eval::to_json(evenhand::eval::evaluate(*f.rules, *app));
    bytes += json.size();
    benchmark::DoNotOptimize(json);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(eval_text_to_json)->ThreadRange(1, 2)->UseRealTime();

void eval_to_json_only(benchmark::State& state) {
  const auto& f = shared();
  auto d = evenhand::eval::evaluate(*f.rules, *f.application);
  for (auto _ : state) {
    std::string json = evenhand::eval::to_json(d);
    benchmark::DoNotOptimize(json);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(eval_to_json_only);

}  // namespace
