// Generated applications over the demo ruleset: variations of its test applications, for the
// determinism and replay tests and the replay benchmark.
#pragma once

#include <evenhand/eval/application.hpp>
#include <evenhand/eval/decision_json.hpp>
#include <evenhand/standard/model.hpp>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace evenhand::testing {

namespace fs = std::filesystem;

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

inline void put(std::string& out, std::string_view s) { evenhand::detail::append_json_string(out, s); }

inline std::string some_date(generator& g) {
  return date::from_days(date::from_ymd(2025, 1, 1)->days() + static_cast<std::int64_t>(g.below(720)))->to_string();
}

/// A JSON value for a field of type `t`: valid, except now and then a value outside an enum.
inline void put_value(std::string& out, const expr::type& t, const standard::field& f, generator& g, int depth = 0) {
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
inline std::vector<eval::application> bases(const standard::ruleset& rules, const fs::path& demo) {
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
inline std::string generate(const eval::application& base, generator& g) {
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
  bool first = true;
  auto field = [&](const standard::field& f, const value* v) {
    if (!first) out += ',';
    first = false;
    put(out, f.name);
    out += ':';
    if (v) eval::detail::put_value(out, *v);
    else put_value(out, f.type, f, g);
  };
  // The applicant's fields, then the hall's facts, each in its own section.
  for (bool facts : {false, true}) {
    out += facts ? "},\"facts\":{" : ",\"fields\":{";
    first = true;
    for (const auto& f : item.fields) {
      if (f.is_fact() != facts) continue;
      auto given = std::find_if(base.fields.begin(), base.fields.end(), [&](const auto& p) { return p.first == f.name; });
      if (given == base.fields.end()) {
        if (g.chance(4)) field(f, nullptr);
        continue;
      }
      if (g.chance(6)) continue;
      field(f, g.chance(6) ? nullptr : &given->second);
    }
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

}  // namespace evenhand::testing
