// Journal append throughput (issue 5 goal: ≥ 20,000 records/s with durability batching), on the
// 食品经营许可 decision of examples/applications/food-business-restaurant.json (a 5 kB record).
// The journal is written under $TMPDIR (default /tmp): its file system decides what a sync costs.
// Run: build/tests/bench/evenhand_bench --benchmark_filter=journal
#include <evenhand/journal/journal.hpp>
#include <evenhand/standard/loader.hpp>

#include <benchmark/benchmark.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace {

namespace fs = std::filesystem;
using namespace evenhand;

struct journal_fixture {
  std::shared_ptr<const standard::ruleset> rules;
  std::optional<eval::application> app;
  std::optional<eval::decision> decision;

  journal_fixture() {
    fs::path root(EVENHAND_SOURCE_DIR);
    rules = standard::load_ruleset(root / "rulesets/cn-demo").rules;
    if (!rules) std::abort();
    std::ifstream in(root / "examples/applications/food-business-restaurant.json", std::ios::binary);
    std::string text(std::istreambuf_iterator<char>(in), {});
    diagnostics problems;
    app = eval::read_application(text, "app.json", *rules, problems);
    if (!app) std::abort();
    decision = eval::evaluate(*rules, *app);
  }
};

const journal_fixture& fixture() {
  static const journal_fixture f;
  return f;
}

fs::path fresh_journal(const char* name) {
  fs::path p = fs::temp_directory_path() / (std::string("evenhand-bench-") + name + "-" + std::to_string(::getpid()) + ".jsonl");
  fs::remove(p);
  return p;
}

// Every append written to the file, synced every `range(0)` records (one fdatasync per batch).
void journal_append_synced_in_batches(benchmark::State& state) {
  const auto& f = fixture();
  auto path = fresh_journal("batches");
  {
    journal::writer j(path, *f.rules);
    const auto batch = state.range(0);
    std::int64_t n = 0;
    for (auto _ : state) {
      j.append(*f.app, *f.decision);
      if (++n % batch == 0) j.sync();
    }
    j.sync();
  }
  state.SetItemsProcessed(state.iterations());
  fs::remove(path);
}
BENCHMARK(journal_append_synced_in_batches)->Arg(1)->Arg(16)->Arg(128);

// Every append synced, from several threads: concurrent appends share a sync (group commit).
void journal_append_each_synced(benchmark::State& state) {
  const auto& f = fixture();
  static std::unique_ptr<journal::writer> shared;
  static fs::path path;
  if (state.thread_index() == 0) {
    path = fresh_journal("synced");
    shared = std::make_unique<journal::writer>(path, *f.rules);
  }
  for (auto _ : state) shared->append(*f.app, *f.decision, journal::durability::synced);
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    shared.reset();
    fs::remove(path);
  }
}
BENCHMARK(journal_append_each_synced)->Threads(1)->Threads(8)->Threads(32)->UseRealTime();

}  // namespace
