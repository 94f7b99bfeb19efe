// Determinism at scale: 10,000 generated applications over the demo items give the same bytes
// twice, on two threads at once, and after reloading the ruleset.
#include <evenhand/eval/decision_json.hpp>
#include <evenhand/standard/loader.hpp>

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

/// A small, fully specified generator (splitmix64): the same sequence on every platform, unlike
/// the standard distributions.
class generator {
 public:
  explicit generator(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return next() % n; }
  bool chance(int percent) { return below(100) < static_cast<std::uint64_t>(percent); }

 private:
  std::uint64_t state_;
};

void put(std::string& out, std::string_view s) { evenhand::detail::append_json_string(out, s); }

std::string some_date(generator& g) {
  return date::from_days(date::from_ymd(2025, 1, 1)->days() + static_cast<std::int64_t>(g.below(720)))->to_string();
}

/// A JSON value for a field of type `t`: valid, except now and then a value outside an enum.
void put_value(std::string& out, const expr::type& t, const standard::field& f, generator& g, int depth = 0) {
  using expr::type_kind;
  switch (t.kind()) {
    case type_kind::bool_: out += g.chance(50) ? "true" : "false"; return;
    case type_kind::int_: out += std::to_string(g.below(200)); return;
    case type_kind::decimal: out += std::to_string(g.below(400)) + "." + std::to_string(g.below(10)); return;
    case type_kind::date: put(out, some_date(g)); return;
    case type_kind::enum_:
      if (g.chance(1) || f.options.empty()) return put(out, "no-such-value");
      return put(out, f.options[g.below(f.options.size())].value);
    case type_kind::list: {
      out += '[';
      std::size_t n = depth > 2 ? 0 : g.below(4);
      for (std::size_t i = 0; i < n; ++i) {
        if (i) out += ',';
        put_value(out, t.elem(), f, g, depth + 1);
      }
      out += ']';
      return;
    }
    case type_kind::record: {
      out += '{';
      bool first = true;
      for (const auto& m : f.fields) {
        if (g.chance(10)) continue;
        if (!first) out += ',';
        first = false;
        put(out, m.name);
        out += ':';
        put_value(out, m.type, m, g, depth + 1);
      }
      out += '}';
      return;
    }
    default: {
      // Strings: identity numbers valid or not, names, addresses.
      static const char* samples[] = {"91110000600037341L", "440106198503121237", "44030419981120562X",
                                      "110101199003077777", "某市某区北京路50号", "刘某某", "", "13800000021"};
      put(out, samples[g.below(std::size(samples))]);
    }
  }
}

/// The demo ruleset's test applications: realistic starting points, which cover every outcome.
std::vector<eval::application> bases(const standard::ruleset& rules, const fs::path& demo) {
  std::vector<eval::application> out;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(demo / "tests")) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    YAML::Node doc = YAML::LoadFile(file.string());
    for (const auto& c : doc["cases"]) {
      YAML::Emitter em;
      em << c["application"];
      diagnostics problems;
      if (auto app = eval::read_application(em.c_str(), "base.yaml", rules, problems)) out.push_back(std::move(*app));
    }
  }
  return out;
}

/// A variation of a base application as JSON text: now and then a field left out, given another
/// value (rarely an invalid one) or added; a material left out or given in the wrong form; a
/// different day of submission.
std::string generate(const eval::application& base, generator& g) {
  const standard::item& item = *base.standard;
  std::string out = "{\"id\":";
  put(out, "GEN-" + std::to_string(g.next() % 1000000));
  out += ",\"item\":";
  put(out, item.code);
  out += ",\"submitted_at\":";
  if (g.chance(50)) {
    put(out, base.submitted_at.to_string());
  } else {
    date day = date::from_days(std::max(item.effective_from.days(), date::from_ymd(2025, 1, 1)->days()) +
                               static_cast<std::int64_t>(g.below(700)))
                   .value();
    put(out, day.to_string() + "T" + (g.chance(50) ? "09" : "16") + ":30:00+08:00");
  }
  out += ",\"fields\":{";
  bool first = true;
  auto field = [&](const standard::field& f, const value* v) {
    if (!first) out += ',';
    first = false;
    put(out, f.name);
    out += ':';
    if (v) eval::detail::put_value(out, *v);
    else put_value(out, f.type, f, g);
  };
  for (const auto& f : item.fields) {
    auto given = std::find_if(base.fields.begin(), base.fields.end(), [&](const auto& p) { return p.first == f.name; });
    if (given == base.fields.end()) {
      if (g.chance(4)) field(f, nullptr);
      continue;
    }
    if (g.chance(6)) continue;
    field(f, g.chance(6) ? nullptr : &given->second);
  }
  out += "},\"materials\":[";
  first = true;
  for (const auto& m : base.materials) {
    if (g.chance(4)) continue;
    if (!first) out += ',';
    first = false;
    out += "{\"id\":";
    put(out, m.id);
    out += ",\"form\":";
    put(out, g.chance(3) ? "copy" : standard::to_string(m.form));
    out += ",\"copies\":" + std::to_string(m.copies);
    if (m.commitment) out += ",\"commitment\":true";
    out += '}';
  }
  out += "]}";
  return out;
}

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

  const auto starts = bases(rules, demo);
  REQUIRE(starts.size() >= 12);
  generator g(20261123);
  std::vector<std::string> apps;
  for (int i = 0; i < 10'000; ++i) apps.push_back(generate(starts[g.below(starts.size())], g));

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
