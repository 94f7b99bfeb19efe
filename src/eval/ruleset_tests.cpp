// The ruleset test runner: decisions compared with the fragments an editor expects.
#include <evenhand/eval/decision_json.hpp>
#include <evenhand/eval/ruleset_tests.hpp>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace evenhand::eval {
namespace {

namespace fs = std::filesystem;

std::string text_of(const value& v) {
  if (v.kind() == value_kind::string_value) return std::string(v.as_string());
  if (v.kind() == value_kind::date_value) return v.as_date().to_string();
  if (v.kind() == value_kind::timestamp_value) return v.as_timestamp().to_string();
  std::string s;
  detail::put_value(s, v);
  return s;
}

/// The decision seen as the tests describe it.
YAML::Node test_view(const decision& d) {
  YAML::Node v;
  v["stage"] = std::string(to_string(d.stage));
  v["outcome"] = std::string(to_string(d.outcome));
  v["stages"]["acceptance"] = std::string(to_string(d.acceptance));
  v["stages"]["decision"] = d.decided ? std::string(to_string(*d.decided)) : std::string("null");
  YAML::Node failed(YAML::NodeType::Sequence), unknown(YAML::NodeType::Sequence);
  for (const auto& c : d.conditions) {
    if (c.result == rule_status::fail) failed.push_back(std::string(c.id));
    if (c.result == rule_status::unknown) unknown.push_back(std::string(c.id));
  }
  v["conditions_failed"] = failed;
  v["conditions_unknown"] = unknown;
  YAML::Node m;
  for (const char* k : {"required", "missing", "obtained", "committed", "tolerated"}) m[k] = YAML::Node(YAML::NodeType::Sequence);
  for (const auto& r : d.materials) {
    if (r.status != material_status::not_required && r.status != material_status::unknown) m["required"].push_back(std::string(r.id));
    if (r.status == material_status::missing) m["missing"].push_back(std::string(r.id));
    if (r.status == material_status::obtained) m["obtained"].push_back(std::string(r.id));
    if (r.status == material_status::committed) m["committed"].push_back(std::string(r.id));
    if (r.status == material_status::tolerated) {
      YAML::Node t;
      t["id"] = std::string(r.id);
      if (r.due) t["due"] = r.due->to_string();
      t["on_expiry"] = std::string(standard::to_string(r.on_expiry));
      m["tolerated"].push_back(t);
    }
  }
  v["materials"] = m;
  YAML::Node s;
  s["accepted_on"] = d.schedule.accepted_on ? d.schedule.accepted_on->to_string() : "null";
  s["accepted_on_reason"] = std::string(to_string(d.schedule.accepted_on_reason));
  YAML::Node due;
  due["legal"] = d.schedule.legal ? d.schedule.legal->to_string() : "null";
  due["promised"] = d.schedule.promised ? d.schedule.promised->to_string() : "null";
  due["control_line"] = d.schedule.control_line ? d.schedule.control_line->to_string() : "null";
  s["due"] = due;
  YAML::Node steps;
  for (const auto& st : d.schedule.steps) {
    YAML::Node n;
    n["applies"] = st.applies == applicability::yes ? "true" : st.applies == applicability::no ? "false" : "unknown";
    n["counted"] = st.counted ? "true" : "false";
    n["due"] = st.due ? st.due->to_string() : "null";
    steps[std::string(st.id)] = n;
  }
  s["steps"] = steps;
  YAML::Node path(YAML::NodeType::Sequence);
  for (const auto& p : d.schedule.critical_path) path.push_back(std::string(p));
  s["critical_path"] = path;
  v["schedule"] = s;
  YAML::Node tables;
  for (const auto& t : d.tables) {
    YAML::Node outs(YAML::NodeType::Map);
    for (const auto& [k, val] : t.outputs) outs[std::string(k)] = text_of(val);
    tables[std::string(t.id)] = outs;
  }
  v["tables"] = tables;
  YAML::Node fees;
  for (const auto& f : d.fees) fees[std::string(f.id)] = f.amount ? text_of(*f.amount) : std::string(to_string(f.status));
  v["fees"] = fees;
  YAML::Node outputs;
  for (const auto& o : d.outputs) {
    YAML::Node vals(YAML::NodeType::Map);
    for (const auto& [k, val] : o.values) vals[std::string(k)] = text_of(val);
    outputs[std::string(o.id)] = vals;
  }
  v["outputs"] = outputs;
  std::string errors;
  for (const auto& e : d.schedule.errors) errors += (errors.empty() ? "" : "; ") + e;
  v["error"]["contains"] = errors;
  return v;
}

std::string show(const YAML::Node& n) {
  YAML::Emitter e;
  e << YAML::Flow << n;
  return e.c_str();
}

/// Scalars compare by text; numbers by value (5 and 5.0 agree); lists as sets, except the
/// critical path, whose order is the point.
bool same_scalar(const std::string& want, const std::string& got) {
  if (want == got) return true;
  auto a = decimal::parse(want), b = decimal::parse(got);
  return a && b && *a == *b;
}

void compare(const YAML::Node& want, const YAML::Node& got, const std::string& path, std::vector<std::string>& diffs) {
  if (path == "error.contains") {
    if (got.Scalar().find(want.Scalar()) == std::string::npos)
      diffs.push_back(path + ": want an error containing \"" + want.Scalar() + "\", got \"" + got.Scalar() + "\"");
    return;
  }
  if (want.IsMap()) {
    if (!got.IsMap()) {
      diffs.push_back(path + ": want " + show(want) + ", got " + (got.IsDefined() ? show(got) : "nothing"));
      return;
    }
    for (const auto& kv : want) {
      std::string key = kv.first.Scalar();
      YAML::Node sub;
      for (const auto& g : got)
        if (g.first.Scalar() == key) sub = g.second;
      std::string p = path.empty() ? key : path + "." + key;
      if (!sub.IsDefined() || sub.IsNull()) diffs.push_back(p + ": want " + show(kv.second) + ", the decision has none");
      else compare(kv.second, sub, p, diffs);
    }
    return;
  }
  if (want.IsSequence()) {
    if (!got.IsSequence()) {
      diffs.push_back(path + ": want " + show(want) + ", got " + show(got));
      return;
    }
    std::vector<std::string> w, g;
    for (const auto& e : want) w.push_back(show(e));
    for (const auto& e : got) g.push_back(show(e));
    if (path != "schedule.critical_path") {
      std::sort(w.begin(), w.end());
      std::sort(g.begin(), g.end());
    }
    if (w != g) diffs.push_back(path + ": want " + show(want) + ", got " + show(got));
    return;
  }
  if (want.IsNull()) {  // `decision: null`, `due: null`: the decision has none
    if (!got.IsScalar() || got.Scalar() != "null") diffs.push_back(path + ": want null, got " + (got.IsScalar() ? got.Scalar() : show(got)));
    return;
  }
  if (!got.IsScalar() || !same_scalar(want.Scalar(), got.Scalar()))
    diffs.push_back(path + ": want " + (want.IsNull() ? "null" : want.Scalar()) + ", got " + (got.IsScalar() ? got.Scalar() : show(got)));
}

std::optional<std::string> read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return std::move(s).str();
}

}  // namespace

test_run run_ruleset_tests(const standard::ruleset& rules, const fs::path& root) {
  test_run run;
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(root / "tests", ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".yaml") files.push_back(it->path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::string rel = f.lexically_relative(root).generic_string();
    auto text = read(f);
    YAML::Node doc;
    try {
      if (!text) throw YAML::Exception(YAML::Mark::null_mark(), "cannot read the file");
      doc = YAML::Load(*text);
    } catch (const YAML::Exception& e) {
      run.problems.push_back(rel + ": " + e.what());
      continue;
    }
    YAML::Node cases = doc["cases"];
    if (!cases.IsSequence()) {
      run.problems.push_back(rel + ": no list of cases");
      continue;
    }
    for (const auto& c : cases) {
      test_case_result r;
      r.file = rel;
      r.id = c["id"].IsScalar() ? c["id"].Scalar() : "(no id)";
      if (c["description"].IsScalar()) r.description = c["description"].Scalar();
      YAML::Emitter e;
      e << c["application"];
      diagnostics problems;
      auto app = read_application(e.c_str(), rel + "#" + r.id, rules, problems, input_format::yaml);
      if (!app) {
        for (const auto& d : problems) r.differences.push_back("application: " + d.message);
        if (r.differences.empty()) r.differences.push_back("the application could not be read");
        run.cases.push_back(std::move(r));
        continue;
      }
      std::optional<timestamp> as_of;
      if (c["as_of"].IsScalar()) as_of = timestamp::parse(c["as_of"].Scalar());
      decision d = evaluate(rules, *app, as_of);
      compare(c["expect"], test_view(d), "", r.differences);
      run.cases.push_back(std::move(r));
    }
  }
  return run;
}

}  // namespace evenhand::eval
