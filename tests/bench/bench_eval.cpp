// Evaluation throughput on the 食品经营许可 demo item with a typical application
// (examples/applications/food-business-restaurant.json: the grant-restaurant case of the demo's
// tests). Goals (issue 4): evaluate on a parsed
// application ≥ 500,000/s on one core; application text in → canonical JSON out ≥ 100,000/s.
// Run: build/tests/bench/evenhand_bench --benchmark_filter=eval
#include <evenhand/eval/decision_json.hpp>
#include <evenhand/standard/loader.hpp>

#include <benchmark/benchmark.h>

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace {

namespace fs = std::filesystem;

struct fixture {
  std::shared_ptr<const evenhand::standard::ruleset> rules;
  std::string application_text;  ///< JSON, as hall systems send it
  std::string application_yaml;  ///< the same application as the ruleset test writes it
  std::optional<evenhand::eval::application> application;

  fixture() {
    fs::path root(EVENHAND_SOURCE_DIR);
    auto loaded = evenhand::standard::load_ruleset(root / "rulesets/cn-demo");
    if (!loaded.rules) std::abort();
    rules = loaded.rules;
    std::ifstream in(root / "examples/applications/food-business-restaurant.json", std::ios::binary);
    application_text.assign(std::istreambuf_iterator<char>(in), {});
    YAML::Node tests = YAML::LoadFile((root / "rulesets/cn-demo/tests/food-business-licence.yaml").string());
    YAML::Emitter e;
    e << tests["cases"][0]["application"];
    application_yaml = e.c_str();
    evenhand::diagnostics problems;
    application = evenhand::eval::read_application(application_text, "app.json", *rules, problems);
    if (!application || !evenhand::eval::read_application(application_yaml, "app.yaml", *rules, problems)) std::abort();
  }
};

const fixture& shared() {
  static const fixture f;
  return f;
}

void eval_parsed_application(benchmark::State& state) {
  const auto& f = shared();
  // Each thread its own application, as each window has: threads share only the ruleset.
  evenhand::diagnostics problems;
  auto app = evenhand::eval::read_application(f.application_text, "app", *f.rules, problems);
  if (!app) std::abort();
  for (auto _ : state) {
    auto d = evenhand::eval::evaluate(*f.rules, *app);
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(eval_parsed_application)->ThreadRange(1, 2)->UseRealTime();

// The same with one decision per thread, reused (evaluate_into), as a hall system's loop would.
void eval_parsed_application_reusing_decision(benchmark::State& state) {
  const auto& f = shared();
  evenhand::diagnostics problems;
  auto app = evenhand::eval::read_application(f.application_text, "app", *f.rules, problems);
  if (!app) std::abort();
  evenhand::eval::decision d;
  for (auto _ : state) {
    evenhand::eval::evaluate_into(d, *f.rules, *app);
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(eval_parsed_application_reusing_decision)->ThreadRange(1, 2)->UseRealTime();

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

// Reading the application alone, JSON and YAML.
void eval_read_json_application(benchmark::State& state) {
  const auto& f = shared();
  for (auto _ : state) {
    evenhand::diagnostics problems;
    auto app = evenhand::eval::read_application(f.application_text, "app.json", *f.rules, problems);
    benchmark::DoNotOptimize(app);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(eval_read_json_application);

void eval_read_yaml_application(benchmark::State& state) {
  const auto& f = shared();
  for (auto _ : state) {
    evenhand::diagnostics problems;
    auto app = evenhand::eval::read_application(f.application_yaml, "app.yaml", *f.rules, problems);
    benchmark::DoNotOptimize(app);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(eval_read_yaml_application);

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
