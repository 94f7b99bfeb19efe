// Evaluation throughput on the 食品经营许可 demo item with a typical application
// (examples/applications/food-business-restaurant.json: the grant-restaurant case of the demo's
// tests). Goals (issue 4): evaluate on a parsed
// application ≥ 500,000/s on one core; application text in → canonical JSON out ≥ 100,000/s.
// Run: build/tests/bench/evenhand_bench --benchmark_filter=eval
#include <evenhand/digest.hpp>
#include <evenhand/eval/decision_json.hpp>
#include <evenhand/standard/loader.hpp>

#include <benchmark/benchmark.h>
#include <boost/json/basic_parser_impl.hpp>

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

// The same as a hall system's loop would do it: one application, one decision and one output
// string per thread, each reused (read_application_into, evaluate_into, append_json).
void eval_text_to_json_reusing(benchmark::State& state) {
  const auto& f = shared();
  std::size_t bytes = 0;
  evenhand::eval::application app;
  evenhand::eval::decision d;
  std::string json;
  evenhand::diagnostics problems;
  for (auto _ : state) {
    if (!evenhand::eval::read_application_into(app, f.application_text, "app", *f.rules, problems)) std::abort();
    evenhand::eval::evaluate_into(d, *f.rules, app);
    json.clear();
    evenhand::eval::append_json(json, d);
    bytes += json.size();
    benchmark::DoNotOptimize(json);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(eval_text_to_json_reusing)->ThreadRange(1, 2)->UseRealTime();

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

// --- Floors: work that text in → JSON out cannot skip, whatever the reader does -------------

/// A SAX handler that keeps nothing: what is left is Boost.JSON's own parse and UTF-8 check.
struct null_handler {
  static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);
  using ec = boost::json::error_code;
  using sv = boost::json::string_view;
  bool on_document_begin(ec&) { return true; }
  bool on_document_end(ec&) { return true; }
  bool on_array_begin(ec&) { return true; }
  bool on_array_end(std::size_t, ec&) { return true; }
  bool on_object_begin(ec&) { return true; }
  bool on_object_end(std::size_t, ec&) { return true; }
  bool on_string_part(sv, std::size_t, ec&) { return true; }
  bool on_string(sv, std::size_t, ec&) { return true; }
  bool on_key_part(sv, std::size_t, ec&) { return true; }
  bool on_key(sv, std::size_t, ec&) { return true; }
  bool on_number_part(sv, ec&) { return true; }
  bool on_int64(std::int64_t, sv, ec&) { return true; }
  bool on_uint64(std::uint64_t, sv, ec&) { return true; }
  bool on_double(double, sv, ec&) { return true; }
  bool on_bool(bool, ec&) { return true; }
  bool on_null(ec&) { return true; }
  bool on_comment_part(sv, ec&) { return true; }
  bool on_comment(sv, ec&) { return true; }
};

/// Parsing the application's JSON and nothing else.
void eval_floor_json_parse(benchmark::State& state) {
  const auto& f = shared();
  for (auto _ : state) {
    boost::json::basic_parser<null_handler> p(boost::json::parse_options{});
    boost::json::error_code ec;
    std::size_t used = p.write_some(false, f.application_text.data(), f.application_text.size(), ec);
    if (ec || used != f.application_text.size()) state.SkipWithError("the application is not JSON");
    benchmark::DoNotOptimize(used);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * f.application_text.size()));
}
BENCHMARK(eval_floor_json_parse);

/// The SHA-256 of the application's canonical form, which every decision names.
void eval_floor_application_digest(benchmark::State& state) {
  const auto& f = shared();
  const std::string canonical = evenhand::eval::canonical_form(*f.application);
  for (auto _ : state) {
    std::string digest = evenhand::sha256().update(canonical).hex();
    benchmark::DoNotOptimize(digest);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * canonical.size()));
}
BENCHMARK(eval_floor_application_digest);

}  // namespace
