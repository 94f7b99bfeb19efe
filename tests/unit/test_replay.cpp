// Replay and impact analysis: a journal of generated decisions replays to the same bytes from a
// ruleset store (masked personal data included); a wrong decision, a missing ruleset version and
// a changed rule are each found and named.
#include <evenhand/journal/replay.hpp>
#include <evenhand/journal/store.hpp>
#include <evenhand/standard/loader.hpp>

#include "edited_demo.hpp"
#include "generated_applications.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

using namespace evenhand;
namespace fs = std::filesystem;

namespace {

using testing::demo_dir;
using testing::edited_demo;
using testing::load;
using testing::scratch;

/// A journal's text: `n` generated applications decided under `rules` (the invalid skipped).
std::string journal_of(const standard::ruleset& rules, const fs::path& tests_from, int n, std::uint64_t seed) {
  auto starts = testing::bases(rules, tests_from);
  REQUIRE(!starts.empty());
  testing::generator g(seed);
  journal::masking m = journal::masking::of(rules);
  std::string text;
  std::string prev(journal::genesis);
  std::uint64_t seq = 0;
  for (int i = 0; i < n; ++i) {
    std::string json = testing::generate(starts[g.below(starts.size())], g);
    diagnostics problems;
    auto app = eval::read_application(json, "gen.json", rules, problems);
    if (!app) continue;
    auto record = journal::make_record(++seq, prev, journal::mask(m, *app, eval::evaluate(rules, *app)));
    text += record.line + "\n";
    prev = record.hash;
  }
  return text;
}

/// The first record that did not replay the same, and why, for a failing check's message.
std::string first_finding(const journal::replay_report& r) {
  if (r.findings.empty()) return {};
  const auto& f = r.findings.front();
  std::string out = "record " + std::to_string(f.seq) + ": " + std::string(journal::to_string(f.result)) + " " + f.detail;
  for (const auto& d : f.differences) out += "\n  " + d.path + ": " + d.recorded + " -> " + d.replayed;
  return out;
}

journal::ruleset_source only(std::shared_ptr<const standard::ruleset> rules) {
  return [rules](std::string_view digest, std::string& why) -> std::shared_ptr<const standard::ruleset> {
    if (digest == rules->digest) return rules;
    why = "not this one";
    return nullptr;
  };
}

}  // namespace

TEST_CASE("replay: a journal of 600 generated decisions replays to the same bytes, masked data included") {
  auto rules = load(demo_dir);
  std::string text = journal_of(*rules, demo_dir, 600, 7);
  REQUIRE(journal::verify_text(text).ok());
  // The journal masks personal data: replay cannot read it back, and must still agree.
  CHECK(text.find("\"masked\":[\"legal_rep.id_no\"") != std::string::npos);

  auto report = journal::replay_text(text, only(rules));
  CHECK_MESSAGE(report.findings.empty(), first_finding(report));
  CHECK(report.chain.ok());
  CHECK(report.records > 500);
  CHECK(report.same == report.records);
  CHECK(report.ok());

  // The same on one thread and on two.
  journal::replay_options one, two;
  one.threads = 1;
  two.threads = 2;
  CHECK(journal::replay_text(text, only(rules), one).same == report.records);
  CHECK(journal::replay_text(text, only(rules), two).same == report.records);
}

TEST_CASE("replay: a journal replayed inside a ruleset source does not disturb the outer replay") {
  // Each replaying thread parses into one reused record; a source that replays a journal of
  // its own (on the same thread) must not overwrite the record the outer replay is deciding.
  auto rules = load(demo_dir);
  std::string outer = journal_of(*rules, demo_dir, 60, 5);
  std::string inner = journal_of(*rules, demo_dir, 30, 6);
  std::uint64_t inner_same = 0, lookups = 0;
  journal::replay_options one;
  one.threads = 1;
  journal::ruleset_source nesting = [&](std::string_view digest, std::string& why) -> std::shared_ptr<const standard::ruleset> {
    ++lookups;
    inner_same += journal::replay_text(inner, only(rules), one).same;
    return only(rules)(digest, why);
  };
  auto report = journal::replay_text(outer, nesting, one);
  CHECK_MESSAGE(report.findings.empty(), first_finding(report));
  CHECK(report.records > 40);
  CHECK(report.ok());
  CHECK(lookups == 1);  // one ruleset version, looked up once
  CHECK(inner_same > 20);
}

TEST_CASE("replay: dropped personal data replays too") {
  fs::path dir = edited_demo("drop", "ruleset.yaml", "personal: digest", "personal: drop");
  auto rules = load(dir);
  std::string text = journal_of(*rules, dir, 200, 11);
  auto first = journal::parse_record(std::string_view(text).substr(0, text.find('\n')));
  REQUIRE(first);
  CHECK(first->application.find("\"legal_rep.id_no\":") == std::string::npos);  // dropped from the application
  CHECK(text.find("\"legal_rep.id_no\":\"(personal)\"") != std::string::npos);  // a condition read it
  auto report = journal::replay_text(text, only(rules));
  CHECK_MESSAGE(report.findings.empty(), first_finding(report));
  CHECK(report.records > 150);
  CHECK(report.ok());
}

TEST_CASE("replay: a decision that is not what its ruleset gives is named, with the fields that differ") {
  auto rules = load(demo_dir);
  std::string text = journal_of(*rules, demo_dir, 40, 3);
  // Rewrite record 5's outcome and re-chain everything after it: the chain is sound, so only
  // replay can tell.
  std::string rewritten, prev(journal::genesis);
  std::size_t at = 0;
  std::string original_outcome;
  while (at < text.size()) {
    auto nl = text.find('\n', at);
    auto r = journal::parse_record(std::string_view(text).substr(at, nl - at));
    REQUIRE(r);
    journal::masked_pair p{r->application, r->decision, r->masked};
    if (r->seq == 5) {
      original_outcome = journal::detail::outcome_of(p.decision);
      std::string key = "\"outcome\":\"" + original_outcome + "\"";
      p.decision.replace(p.decision.find(key), key.size(), original_outcome == "grant" ? "\"outcome\":\"deny\"" : "\"outcome\":\"grant\"");
    }
    auto rec = journal::make_record(r->seq, prev, p);
    rewritten += rec.line + "\n";
    prev = rec.hash;
    at = nl + 1;
  }
  REQUIRE(journal::verify_text(rewritten).ok());
  auto report = journal::replay_text(rewritten, only(rules));
  CHECK(report.differ == 1);
  CHECK_FALSE(report.ok());
  REQUIRE(report.findings.size() == 1);
  const auto& f = report.findings[0];
  CHECK(f.seq == 5);
  CHECK(f.replayed_outcome == original_outcome);
  REQUIRE(f.differences.size() == 1);
  CHECK(f.differences[0].path == "outcome");
  CHECK(f.differences[0].replayed == "\"" + original_outcome + "\"");
}

TEST_CASE("replay: records whose ruleset version is not in the store are reported, not skipped") {
  auto rules = load(demo_dir);
  std::string text = journal_of(*rules, demo_dir, 30, 5);
  fs::path store_dir = scratch("empty-store");
  fs::create_directories(store_dir);
  journal::ruleset_store store(store_dir);
  auto report = journal::replay_text(text, [&](std::string_view d, std::string& why) { return store.find(d, &why); });
  CHECK(report.records > 20);
  CHECK(report.missing == report.records);
  REQUIRE(report.missing_rulesets.size() == 1);
  CHECK(report.missing_rulesets.begin()->first == rules->digest);
  REQUIRE(!report.findings.empty());
  CHECK(report.findings[0].detail.find("is not in the store") != std::string::npos);
  CHECK_FALSE(report.ok());
}

TEST_CASE("ruleset store: a snapshot is found again by digest, once; a changed copy is refused") {
  auto rules = load(demo_dir);
  fs::path store_dir = scratch("store");
  journal::ruleset_store store(store_dir);
  auto first = store.snapshot(demo_dir);
  CHECK(first.digest == rules->digest);
  CHECK_FALSE(first.already_stored);
  CHECK(first.files > 5);
  CHECK(store.snapshot(demo_dir).already_stored);
  std::string why;
  auto found = store.find(rules->digest, &why);
  REQUIRE(found);
  CHECK(found->digest == rules->digest);
  CHECK(store.find(rules->digest).get() == found.get());  // loaded once

  // A journal replays from the store.
  std::string text = journal_of(*rules, demo_dir, 50, 9);
  auto report = journal::replay_text(text, [&](std::string_view d, std::string& w) { return store.find(d, &w); });
  CHECK(report.ok());
  CHECK(report.same == report.records);

  // Someone edits the stored copy: a fresh store refuses it rather than decide with it.
  std::ofstream(store.directory_of(rules->digest) / "ruleset.yaml", std::ios::app) << "\n# edited\n";
  journal::ruleset_store fresh(store_dir);
  CHECK_FALSE(fresh.find(rules->digest, &why));
  CHECK(why.find("has been changed") != std::string::npos);
  CHECK_FALSE(fresh.find("sha256:0000", &why));
  CHECK(why.find("is not in the store") != std::string::npos);

  // A ruleset with errors is not stored.
  fs::path broken = edited_demo("broken", "items/food-business-licence.yaml", "require: size(scope) > 0", "require: size(scope) >");
  CHECK_THROWS_WITH_AS(store.snapshot(broken), doctest::Contains("does not load"), std::runtime_error);
}

TEST_CASE("impact: a stricter rule is found, counted and named, with examples") {
  auto rules = load(demo_dir);
  std::string text = journal_of(*rules, demo_dir, 400, 13);
  // Unchanged rules: nothing would change.
  auto none = journal::impact_text(text, *rules);
  CHECK(none.changed == 0);
  CHECK(none.unchanged == none.records);

  // The legal limit shortened: deadlines change for every decided case, nothing else.
  auto shorter = load(edited_demo("shorter", "items/food-business-licence.yaml", "legal: 10 workdays", "legal: 8 workdays"));
  auto d = journal::impact_text(text, *shorter);
  CHECK(d.changed > 0);
  CHECK(d.deadlines == d.changed);
  CHECK(d.outcome == 0);
  REQUIRE(!d.causes.empty());
  CHECK(d.causes[0].rule == "deadlines");
  CHECK(d.causes[0].examples.size() == 3);
  CHECK(d.causes[0].examples[0].differences[0].path == "schedule.due.legal");

  // A condition made stricter: outcomes change, attributed to that condition.
  auto stricter = load(edited_demo("stricter", "items/food-business-licence.yaml", "require: size(scope) > 0", "require: size(scope) > 1"));
  auto s = journal::impact_text(text, *stricter);
  CHECK(s.changed > 0);
  CHECK(s.outcome > 0);
  REQUIRE(!s.causes.empty());
  CHECK(s.causes[0].rule == "condition scope-declared");
  CHECK(s.causes[0].kinds.outcome);
  CHECK(s.causes[0].kinds.notice);
  bool moved = false;
  for (const auto& e : s.causes[0].examples) moved |= e.before != e.after;
  CHECK(moved);
}

TEST_CASE("diff_decisions: rules are matched by id, values by path") {
  auto ds = journal::diff_decisions(
      R"({"conditions":[{"id":"a","result":"pass"},{"id":"b","result":"pass"}],"outcome":"grant","schedule":{"due":{"legal":"2026-03-16"}}})",
      R"({"conditions":[{"id":"b","result":"fail"},{"id":"c","result":"pass"}],"outcome":"deny","schedule":{"due":{"legal":"2026-03-17"}}})");
  REQUIRE(ds.size() == 5);
  CHECK(ds[0].path == "conditions[a]");
  CHECK(ds[0].replayed.empty());
  CHECK(ds[1].path == "conditions[b].result");
  CHECK(ds[1].recorded == "\"pass\"");
  CHECK(ds[1].replayed == "\"fail\"");
  CHECK(ds[2].path == "conditions[c]");
  CHECK(ds[2].recorded.empty());
  CHECK(ds[3].path == "outcome");
  CHECK(ds[4].path == "schedule.due.legal");
  CHECK(journal::diff_decisions("{\"a\":1}", "{\"a\":1}").empty());
}
