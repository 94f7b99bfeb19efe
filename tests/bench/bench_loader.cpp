// Loading and checking rulesets: a generated ruleset of 1,000 items, each one of the demo's
// items under a new code, and the demo ruleset itself (what `evenhand lint` does).
// Goal (issue 3): 1,000 items load + check in ≤ 2 s on one core.
// Run: build/tests/bench/evenhand_bench --benchmark_filter=load
#include <evenhand/standard/loader.hpp>

#include <benchmark/benchmark.h>

#include <malloc.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;
const fs::path demo = fs::path(EVENHAND_SOURCE_DIR) / "rulesets/cn-demo";

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return std::move(s).str();
}

/// A copy of the demo ruleset with `count` items: the demo items cycled, each with its own code.
fs::path generated_ruleset(int count) {
  fs::path root = fs::temp_directory_path() / ("evenhand-bench-" + std::to_string(count));
  if (fs::exists(root / "done")) return root;
  fs::remove_all(root);
  fs::create_directories(root / "items");
  fs::copy(demo / "ruleset.yaml", root / "ruleset.yaml");
  fs::copy(demo / "calendars", root / "calendars", fs::copy_options::recursive);
  std::vector<std::pair<std::string, std::string>> items;  // text, code
  for (const auto& e : fs::directory_iterator(demo / "items")) {
    std::string text = read(e.path());
    auto at = text.find("code: \"");
    auto end = text.find('"', at + 7);
    items.emplace_back(text, text.substr(at + 7, end - at - 7));
  }
  std::sort(items.begin(), items.end());
  for (int i = 0; i < count; ++i) {
    auto [text, code] = items[static_cast<std::size_t>(i) % items.size()];
    std::string renamed = code + "-" + std::to_string(i);
    text.replace(text.find("code: \"" + code + "\""), code.size() + 8, "code: \"" + renamed + "\"");
    std::ofstream(root / "items" / ("item-" + std::to_string(i) + ".yaml"), std::ios::binary) << text;
  }
  std::ofstream(root / "done") << "";
  return root;
}

void load_generated_ruleset(benchmark::State& state) {
  const int count = static_cast<int>(state.range(0));
  fs::path root = generated_ruleset(count);
  std::size_t heap_per_item = 0;
  for (auto _ : state) {
    std::size_t before = mallinfo2().uordblks;
    auto loaded = evenhand::standard::load_ruleset(root);
    if (!loaded.rules || loaded.rules->items.size() != static_cast<std::size_t>(count)) {
      state.SkipWithError("the generated ruleset did not load");
      break;
    }
    heap_per_item = (mallinfo2().uordblks - before) / static_cast<std::size_t>(count);
    benchmark::DoNotOptimize(loaded);
  }
  state.SetItemsProcessed(state.iterations() * count);
  state.counters["heap_bytes_per_item"] = static_cast<double>(heap_per_item);
}
BENCHMARK(load_generated_ruleset)->Arg(1000)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();

void load_demo_ruleset(benchmark::State& state) {
  for (auto _ : state) {
    auto loaded = evenhand::standard::load_ruleset(demo);
    if (!loaded.rules) {
      state.SkipWithError("the demo ruleset did not load");
      break;
    }
    benchmark::DoNotOptimize(loaded);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(load_demo_ruleset)->Unit(benchmark::kMillisecond);

}  // namespace
