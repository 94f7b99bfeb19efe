// Replay throughput (issue 5 goal: ≥ 100,000 records/s on 2 cores for the demo items): a
// journal of 10,000 generated decisions over the demo items (variations of the ruleset's test
// applications, personal data masked as the ruleset says) replayed against its ruleset, and
// impact analysis of the same journal against the same rules.
// Run: build/tests/bench/evenhand_bench --benchmark_filter=replay --benchmark_repetitions=5
#include <evenhand/journal/replay.hpp>
#include <evenhand/standard/loader.hpp>

#include "../unit/generated_applications.hpp"

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>

namespace {

namespace fs = std::filesystem;
using namespace evenhand;

struct replay_fixture {
  std::shared_ptr<const standard::ruleset> rules;
  std::string journal;
  std::size_t records = 0;

  replay_fixture() {
    fs::path demo = fs::path(EVENHAND_SOURCE_DIR) / "rulesets/cn-demo";
    rules = standard::load_ruleset(demo).rules;
    if (!rules) std::abort();
    auto starts = testing::bases(*rules, demo);
    testing::generator g(20261128);
    journal::masking m = journal::masking::of(*rules);
    std::string prev(journal::genesis);
    while (records < 10'000) {
      std::string json = testing::generate(starts[g.below(starts.size())], g);
      diagnostics problems;
      auto app = eval::read_application(json, "gen.json", *rules, problems);
      if (!app) continue;
      auto r = journal::make_record(++records, prev, journal::mask(m, *app, eval::evaluate(*rules, *app)));
      journal += r.line + "\n";
      prev = r.hash;
    }
  }
};

const replay_fixture& fixture() {
  static replay_fixture f;
  return f;
}

void replay_journal(benchmark::State& state) {
  const auto& f = fixture();
  journal::replay_options options;
  options.threads = static_cast<unsigned>(state.range(0));
  auto source = [&](std::string_view, std::string&) { return f.rules; };
  for (auto _ : state) {
    auto report = journal::replay_text(f.journal, source, options);
    if (report.same != f.records) state.SkipWithError("a record replayed differently");
    benchmark::DoNotOptimize(report);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * f.records));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * f.journal.size()));
}
BENCHMARK(replay_journal)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void impact_journal(benchmark::State& state) {
  const auto& f = fixture();
  journal::replay_options options;
  options.threads = static_cast<unsigned>(state.range(0));
  for (auto _ : state) {
    auto report = journal::impact_text(f.journal, *f.rules, options);
    if (report.unchanged != f.records) state.SkipWithError("the same rules changed a decision");
    benchmark::DoNotOptimize(report);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * f.records));
}
BENCHMARK(impact_journal)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

/// A floor under replay: the SHA-256 of every line, which following the chain needs, on one
/// thread (nothing parsed, read or decided).
void replay_floor_line_hashes(benchmark::State& state) {
  const auto& f = fixture();
  std::string_view text = f.journal;
  for (auto _ : state) {
    std::size_t at = 0;
    while (at < text.size()) {
      std::size_t nl = text.find('\n', at);
      std::string hex = sha256().update(text.substr(at, nl - at)).hex();
      benchmark::DoNotOptimize(hex);
      at = nl + 1;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * f.records));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * f.journal.size()));
}
BENCHMARK(replay_floor_line_hashes)->Unit(benchmark::kMillisecond);

}  // namespace
